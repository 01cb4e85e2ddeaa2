"""Image captioning: the training data and collator (``data``), the training loop and the fine-tune (``train``),
caption scores (``evaluate``), the nearest-neighbour baseline (``baseline``), the card's figures (``figures``), the
attention view (``view``), the ``rnnhub-image-captioning`` pipeline (``pipeline``), the emoji recipe (``recipe``,
its constants in ``settings``, its card in ``card``) and ``rnnhub train captioning`` (``cli``)."""
