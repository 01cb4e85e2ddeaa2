"""The ``rnnhub-translation`` pipeline: translate with an rnnhub seq2seq model.

transformers 5 removed its ``translation`` and ``text2text-generation`` pipelines, so rnnhub has its own task name,
with the old pipeline's output format. This file is remote code: it is copied next to the weights (with its
siblings) and named in config.json's ``custom_pipelines``, so it runs where rnnhub is not installed:

>>> from transformers import pipeline
>>> translate = pipeline("rnnhub-translation", model="model_cards/lstm-translation-de-en", trust_remote_code=True)
>>> translate("Ich bin müde.")                              # [{"translation_text": "I'm tired."}]
>>> translate(["Ich bin müde.", "Guten Morgen!"], num_beams=5, max_new_tokens=40, batch_size=16)

Within one call the texts are translated in order of length (batches of similar length carry little padding)
and returned in the input order. A source longer than the model's limit (its tokenizer's ``model_max_length``) is
truncated with a logged warning; an empty or blank text gives ``{"translation_text": ""}`` without running the model.
"""

from __future__ import annotations

from typing import Any

import torch

from .pipeline_rnnhub import RnnHubGenerationPipeline
from .source_text import default_max_new_tokens, encode_sources

__all__ = ["TASK", "TranslationPipeline"]

TASK = "rnnhub-translation"


class TranslationPipeline(RnnHubGenerationPipeline):
    """Text(s) in, ``[{"translation_text": ...}]`` out: one dict per text, in a list (also for a single text).

    Call parameters: ``num_beams`` (1 = greedy; default: the model's generation config), ``max_new_tokens`` (the
    longest translation in tokens; default: the generation config's) and the usual ``batch_size``; requests
    beyond the limits of :class:`RnnHubGenerationPipeline` (16 beams, 4 x the model's
    length) are refused unless the init arguments ``max_num_beams=`` / ``max_new_tokens_limit=`` raise them.
    """

    task = TASK
    model_type = "rnnhub-seq2seq"
    model_kind = "translation"
    _load_tokenizer = True
    _load_processor = False
    _load_image_processor = False
    _load_feature_extractor = False

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if self.tokenizer is None:
            raise ValueError("The model folder needs its tokenizer (tokenizer.json) for translation.")

    def __call__(self, inputs: str | list[str], **kwargs: Any) -> list[dict[str, str]]:
        """Translate a text or a list of texts; empty ones give ``""`` and never reach the model."""
        texts = [inputs] if isinstance(inputs, str) else inputs
        if isinstance(texts, tuple):
            texts = list(texts)
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ValueError(f"{TASK} takes a string or a list of strings, got {type(inputs).__name__}.")
        # Refuse bad or oversize settings before any text is encoded (batch_size is Pipeline.__call__'s own).
        self._sanitize_parameters(
            **{k: v for k, v in kwargs.items() if k not in ("batch_size", "num_workers")}
        )
        results = [{"translation_text": ""} for _ in texts]
        todo = [i for i, text in enumerate(texts) if text.strip()]
        if todo:
            # Truncation warnings once per call (the per-text preprocess would repeat them).
            ids, _ = encode_sources(self.tokenizer, [texts[i] for i in todo])
            # Batches of similar length carry little padding (a recurrent encoder pays for every padded step);
            # the outputs go back to the input order. Stable, so equal lengths keep their order.
            order = sorted(range(len(todo)), key=lambda k: len(ids[k]))
            outputs = super().__call__([texts[todo[k]] for k in order], **kwargs)
            for k, output in zip(order, outputs):
                results[todo[k]] = output
        return results

    def preprocess(self, text: str) -> dict[str, torch.Tensor]:
        (ids,), _ = encode_sources(self.tokenizer, [text], warn=False)  # __call__ warned once for the call
        input_ids = torch.tensor([ids])
        return {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}

    def _forward(self, model_inputs: dict[str, torch.Tensor], **generate_kwargs: Any) -> dict[str, Any]:
        input_ids = model_inputs["input_ids"]
        if "max_new_tokens" not in generate_kwargs:
            generate_kwargs["max_new_tokens"] = default_max_new_tokens(self.model, input_ids.shape[1])
        generated = self.model.generate(
            input_ids=input_ids, attention_mask=model_inputs["attention_mask"], **generate_kwargs
        )
        return {"output_ids": generated}

    def postprocess(self, model_outputs: dict[str, Any]) -> dict[str, str]:
        ids = model_outputs["output_ids"]
        if ids.dim() == 2:
            ids = ids[0]
        return {"translation_text": self.tokenizer.decode(ids, skip_special_tokens=True).strip()}
