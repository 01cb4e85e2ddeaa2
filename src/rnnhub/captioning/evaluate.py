"""Generate captions for many images and score them against every reference with :mod:`rnnhub.captioning.metrics`.

References are all of an image's captions (the emoji corpus lists several names per picture): BLEU-4, chrF, CIDEr-D,
exact match (a caption equal to any of them, case and repeated spaces ignored) and the content-word hit rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rnnhub.captioning.metrics import caption_metrics
from rnnhub.engine.checks import check_num_beams, check_positive_int

if TYPE_CHECKING:
    import torch

__all__ = ["caption_scores", "evaluate_captioner", "generate_captions"]


def generate_captions(
    model: Any,
    tokenizer: Any,
    pixel_values: torch.Tensor,
    *,
    num_beams: int = 1,
    max_new_tokens: int = 32,
    batch_size: int = 64,
) -> list[str]:
    """One caption per image of ``pixel_values`` (greedy when ``num_beams`` is 1, else beam search)."""
    import torch

    check_num_beams(num_beams)
    check_positive_int("max_new_tokens", max_new_tokens)
    check_positive_int("batch_size", batch_size)
    parameter = next(model.parameters())
    was_training = model.training
    model.eval()
    captions: list[str] = []
    try:
        with torch.no_grad():
            for start in range(0, len(pixel_values), batch_size):
                batch = pixel_values[start : start + batch_size].to(parameter.device, parameter.dtype)
                ids = model.generate(
                    batch, num_beams=num_beams, max_new_tokens=max_new_tokens, do_sample=False
                )
                captions += [text.strip() for text in tokenizer.batch_decode(ids, skip_special_tokens=True)]
    finally:
        model.train(was_training)
    return captions


def caption_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, float | None]:
    """``{"bleu", "chrf", "cider", "exact_match", "content_hit"}``: see :func:`rnnhub.captioning.metrics.caption_metrics`."""
    return caption_metrics(hypotheses, [list(r) for r in references])


def evaluate_captioner(
    model: Any,
    tokenizer: Any,
    pixel_values: torch.Tensor,
    references: Sequence[Sequence[str]],
    *,
    beams: Sequence[int] = (1, 3),
    max_new_tokens: int = 32,
    batch_size: int = 64,
) -> tuple[dict[str, dict[str, float]], dict[str, list[str]]]:
    """Scores and captions per decoding mode: ``({"greedy": {...}, "beam3": {...}}, {"greedy": [...], ...})``."""
    scores, outputs = {}, {}
    for num_beams in beams:
        name = "greedy" if num_beams == 1 else f"beam{num_beams}"
        outputs[name] = generate_captions(
            model,
            tokenizer,
            pixel_values,
            num_beams=num_beams,
            max_new_tokens=max_new_tokens,
            batch_size=batch_size,
        )
        scores[name] = caption_scores(outputs[name], references)
    return scores, outputs
