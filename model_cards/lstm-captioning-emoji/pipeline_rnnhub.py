"""What rnnhub's generating pipelines share: the model-type check, the generation call parameters and their
limits (see :mod:`generation_limits`).

Remote code: this file and its siblings import only torch, transformers, PIL and the standard library (relative
imports between them), so the pipelines load from a model folder with ``trust_remote_code=True`` where rnnhub is
not installed. rnnhub's callers import the base class as ``rnnhub.engine.pipeline``."""

from __future__ import annotations

from typing import Any

from transformers import Pipeline

from .generation_limits import (
    check_max_new_tokens,
    check_num_beams,
    check_num_return_sequences,
    check_positive_int,
)


class RnnHubGenerationPipeline(Pipeline):
    """A pipeline for one rnnhub model type whose call parameters are ``num_beams``, ``max_new_tokens`` (both
    positive integers, default: the model's generation config), ``num_return_sequences`` (1 only) and the usual
    ``batch_size``.

    A request beyond the limits is refused with a ``ValueError`` before anything runs: ``num_beams`` at most 16 and
    ``max_new_tokens`` at most 4 x the model's own length, unless raised with the init arguments
    ``max_num_beams=`` / ``max_new_tokens_limit=`` (``pipeline(task, model=..., max_num_beams=64)``) or the
    environment variables ``RNNHUB_MAX_NUM_BEAMS`` / ``RNNHUB_MAX_NEW_TOKENS``.

    Subclasses set ``task`` (the registered task name), ``model_type`` and ``model_kind`` (for messages).
    """

    task: str
    model_type: str
    model_kind: str
    _pipeline_calls_generate = False  # generation settings are this pipeline's own call parameters

    def __init__(
        self,
        *args: Any,
        max_num_beams: int | None = None,
        max_new_tokens_limit: int | None = None,
        **kwargs: Any,
    ):
        # Set before Pipeline.__init__, which already checks call parameters given at init.
        self._beam_limit = (
            None if max_num_beams is None else check_positive_int("max_num_beams", max_num_beams)
        )
        self._token_limit = max_new_tokens_limit
        super().__init__(*args, **kwargs)
        if getattr(self.model.config, "model_type", None) != self.model_type:
            raise ValueError(
                f"The {self.task} pipeline needs an rnnhub {self.model_kind} model (model_type "
                f"{self.model_type!r}), got "
                f"{getattr(self.model.config, 'model_type', type(self.model).__name__)!r}."
            )
        # The model's own defaults go through the same limits (a folder's generation config could ask for more).
        generation = getattr(self.model, "generation_config", None)
        self._sanitize_parameters(
            num_beams=getattr(generation, "num_beams", None),
            max_new_tokens=getattr(generation, "max_new_tokens", None),
        )

    def _sanitize_parameters(
        self,
        num_beams: int | None = None,
        max_new_tokens: int | None = None,
        num_return_sequences: int | None = None,
        **kwargs: Any,
    ):
        unknown = sorted(kwargs)
        if unknown:
            raise ValueError(
                f"Unknown parameter(s) {', '.join(unknown)} for {self.task}; use num_beams, max_new_tokens or "
                "batch_size."
            )
        forward = {}
        if num_beams is not None:
            forward["num_beams"] = check_num_beams(num_beams, self._beam_limit)
        if max_new_tokens is not None:
            forward["max_new_tokens"] = check_max_new_tokens(
                max_new_tokens, self.model, self.tokenizer, self._token_limit
            )
        if num_return_sequences is not None:
            check_num_return_sequences(num_return_sequences)  # 1: what generate does anyway
        return {}, forward, {}
