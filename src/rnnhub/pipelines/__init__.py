"""rnnhub's pipelines as remote code: ``rnnhub-translation`` and ``rnnhub-image-captioning``.

Like ``rnnhub.models``, these files import only torch, transformers, PIL/NumPy and each other (relative imports),
so they are copied next to the weights (``rnnhub.auto.save_pipeline_code``, or ``Pipeline.save_pretrained``) and
named in config.json's ``custom_pipelines``; ``pipeline(task, model=folder, trust_remote_code=True)`` then works
where rnnhub is not installed. Their names never clash with ``models/``'s (both end up in one flat folder).

rnnhub's callers use them through ``rnnhub.translation.pipeline`` and ``rnnhub.captioning.pipeline`` (which also
register the task names), ``rnnhub.engine.checks``, ``rnnhub.translation.text`` and ``rnnhub.images``. This
``__init__`` is not copied and imports nothing.
"""
