"""How a translation model's attention is spread: the statistics that show whether it aligns or has collapsed.

>>> from rnnhub.translation.attention import attention_statistics
>>> attention_statistics(model, tokenizer, sources, targets)
{'target_steps': 10413, 'peak_on_first': 0.06, 'peaked': 0.31, 'entropy': 1.80, 'uniform_entropy': 2.64, ...}

The decoder re-reads each reference translation with teacher forcing (the weights it would use when writing it),
and every target step's weights over the source tokens are summarised:

* ``peak_on_first``: share of target steps whose largest weight is on the first source token. A collapsed
  attention puts nearly every step there (the first token's backward state then serves as a second summary of the
  sentence); an aligning one peaks on position 0 only for the first target words.
* ``peaked``: share of steps with more than 0.9 of the weight on one source token.
* ``entropy``: mean entropy of the weights in nats, next to ``uniform_entropy``, the mean of log(source length)
  (the entropy of weights spread evenly); 0 means all weight on one token.
* ``monotonic``: share of consecutive target steps whose peak does not move backwards (German and English word
  orders are close, so an aligning model is mostly monotonic).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

__all__ = ["attention_statistics", "summarise_weights"]


def summarise_weights(rows: Sequence[torch.Tensor]) -> dict[str, float | int]:
    """The statistics of a list of per-sentence weight matrices, each (target steps, source tokens)."""
    steps = peak_first = peaked = forward = pairs = 0
    entropy = uniform = 0.0
    for weights in rows:
        if weights.numel() == 0:
            continue
        weights = weights.double()
        peaks = weights.argmax(dim=-1)
        steps += weights.shape[0]
        peak_first += int((peaks == 0).sum())
        peaked += int((weights.max(dim=-1).values > 0.9).sum())
        entropy += float(-(weights * weights.clamp_min(1e-12).log()).sum())
        uniform += weights.shape[0] * math.log(weights.shape[1])
        forward += int((peaks[1:] >= peaks[:-1]).sum())
        pairs += max(weights.shape[0] - 1, 0)
    if steps == 0:
        raise ValueError("no attention weights to summarise (empty sentences or a model without attention).")
    return {
        "target_steps": steps,
        "peak_on_first": round(peak_first / steps, 4),
        "peaked": round(peaked / steps, 4),
        "entropy": round(entropy / steps, 4),
        "uniform_entropy": round(uniform / steps, 4),
        "monotonic": round(forward / pairs, 4) if pairs else 1.0,
    }


@torch.no_grad()
def attention_statistics(
    model: Any,
    tokenizer: Any,
    sources: Sequence[str],
    targets: Sequence[str],
    *,
    batch_size: int = 64,
    max_length: int = 128,
) -> dict[str, float | int]:
    """Teacher-forced attention statistics of ``model`` on (source, reference) pairs (see the module docstring).

    Raises:
        ValueError: a model without attention, unequal numbers of sources and targets, or no pairs.
    """
    if getattr(model.config, "attention_type", "none") == "none":
        raise ValueError(
            "This model has no attention (attention_type='none'): there are no weights to measure."
        )
    if len(sources) != len(targets):
        raise ValueError(
            f"got {len(sources)} sources but {len(targets)} targets; pass one target per source."
        )
    if not sources:
        raise ValueError("no sentence pairs given.")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    rows: list[torch.Tensor] = []
    try:
        for start in range(0, len(sources), batch_size):
            batch_sources = list(sources[start : start + batch_size])
            batch_targets = list(targets[start : start + batch_size])
            encoded = tokenizer(
                batch_sources, truncation=True, max_length=max_length, padding=True, return_tensors="pt"
            )
            labels = tokenizer(
                text_target=batch_targets,
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            )["input_ids"]
            labels = labels.masked_fill(labels == tokenizer.pad_token_id, -100)
            out = model(
                input_ids=encoded["input_ids"].to(device),
                attention_mask=encoded["attention_mask"].to(device),
                labels=labels.to(device),
                output_attentions=True,
                use_cache=False,
            )
            weights = out.cross_attentions[0][:, 0].cpu()  # (batch, target steps, source tokens)
            source_lengths = encoded["attention_mask"].sum(dim=1)
            target_lengths = (labels != -100).sum(dim=1)
            for k in range(weights.shape[0]):
                rows.append(weights[k, : target_lengths[k], : source_lengths[k]])
    finally:
        model.train(was_training)
    return summarise_weights(rows)
