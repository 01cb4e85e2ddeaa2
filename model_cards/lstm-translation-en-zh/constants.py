"""The facts every rnnhub model shares, importable without torch or transformers (``rnnhub --help`` reads them).

One definition each; ``configuration_rnnhub`` and the rest of rnnhub import them from here.
"""

CELL_TYPES = ("rnn", "gru", "lstm")
NONLINEARITIES = ("tanh", "relu")
# "concat": last, max and mean side by side (ULMFiT's concat pooling; three times the classifier's input).
POOLING_TYPES = ("last", "mean", "max", "concat")
# "bahdanau": additive attention from the previous decoder state (Bahdanau et al. 2015);
# "luong": multiplicative ("general") attention from the current decoder state (Luong et al. 2015);
# "none": the plain encoder-decoder whose only link is the initial decoder state (Cho / Sutskever et al. 2014).
ATTENTION_TYPES = ("bahdanau", "luong", "none")
# The captioner's CNN blocks ("plain": conv, norm, ReLU, pool; "residual": two convs and a skip) and norms.
ENCODER_BLOCKS = ("plain", "residual")
ENCODER_NORMS = ("batch", "group")

# The special-token ids every rnnhub tokenizer uses (see rnnhub.tokenization).
PAD_ID, BOS_ID, EOS_ID, UNK_ID = 0, 1, 2, 3
