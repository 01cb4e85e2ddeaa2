"""Sentiment (text classification): the classification fine-tune (``train``, behind ``rnnhub finetune`` on a
recurrent model), its metrics (``evaluate``), the TF-IDF baseline (``baseline``), the per-token trace the demo
draws (``view``), the recipe of the published classifiers (``recipe``) and their commands (``cli``)."""
