"""What rnnhub's generating pipelines share: the model-type check and the generation call parameters."""

from __future__ import annotations

from typing import Any

from transformers import Pipeline

from rnnhub.engine.checks import check_positive_int


class RnnHubGenerationPipeline(Pipeline):
    """A pipeline for one rnnhub model type whose call parameters are ``num_beams``, ``max_new_tokens`` (both
    positive integers, default: the model's generation config) and the usual ``batch_size``.

    Subclasses set ``task`` (the registered task name), ``model_type`` and ``model_kind`` (for messages).
    """

    task: str
    model_type: str
    model_kind: str
    _pipeline_calls_generate = False  # generation settings are this pipeline's own call parameters

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if getattr(self.model.config, "model_type", None) != self.model_type:
            raise ValueError(
                f"The {self.task} pipeline needs an rnnhub {self.model_kind} model (model_type "
                f"{self.model_type!r}), got "
                f"{getattr(self.model.config, 'model_type', type(self.model).__name__)!r}."
            )

    def _sanitize_parameters(
        self, num_beams: int | None = None, max_new_tokens: int | None = None, **kwargs: Any
    ):
        unknown = sorted(kwargs)
        if unknown:
            raise ValueError(
                f"Unknown parameter(s) {', '.join(unknown)} for {self.task}; use num_beams, max_new_tokens or "
                "batch_size."
            )
        forward = {}
        for name, value in (("num_beams", num_beams), ("max_new_tokens", max_new_tokens)):
            if value is None:
                continue
            forward[name] = check_positive_int(name, value)
        return {}, forward, {}
