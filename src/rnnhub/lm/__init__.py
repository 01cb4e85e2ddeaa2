"""Language modelling: pretraining the English LSTM language model (``recipe``), the fine-tune-from-the-LM
sentiment comparison (``comparison``) and ``rnnhub train-lm`` (``cli``)."""
