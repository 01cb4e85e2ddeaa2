"""Translation (sequence to sequence): the seq2seq fine-tune (``train``), batched translation and its scores
(``evaluate``), source limits and the BLEU tokenizer (``text``), the attention view (``view``), the
``rnnhub-translation`` pipeline (``pipeline``), the recipe of the published translators (``recipe``) and
``rnnhub train translation`` (``cli``)."""
