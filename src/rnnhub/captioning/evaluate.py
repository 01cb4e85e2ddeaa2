"""Generate captions for many images and score them: sacrebleu BLEU-4 and exact match against every reference.

References are all of an image's captions (the emoji corpus lists several names per picture); a caption counts as
an exact match when it equals any of them (case and repeated spaces ignored, see :mod:`rnnhub.engine.text_metrics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rnnhub.engine.checks import check_num_beams, check_positive_int
from rnnhub.engine.text_metrics import corpus_bleu, exact_match

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


def caption_scores(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, float]:
    """``{"bleu": corpus BLEU-4 (0-100, sacrebleu 13a), "exact_match": share (0-1) equal to a reference}``."""
    return {
        "bleu": round(corpus_bleu(list(hypotheses), [list(r) for r in references]), 2),
        "exact_match": round(exact_match(list(hypotheses), [list(r) for r in references]), 4),
    }


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
