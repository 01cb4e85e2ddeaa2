"""Batched translation of many sentences and its BLEU / chrF against references (sacrebleu, via text_metrics).

>>> from rnnhub.translation.evaluate import evaluate_translation
>>> scores = evaluate_translation(model, tokenizer, sources, references, num_beams=5)
>>> scores["bleu"], scores["chrf"], scores["hypotheses"][:3]

Sentences are translated in batches of similar length (sorted by token count, so little padding), and returned in
the input order. Scores are on the raw reference strings, not on re-decoded token ids, so tokenizer losses (unknown
characters, normalisation) count against the model as they should.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import torch

from rnnhub.engine.text_metrics import corpus_bleu, corpus_chrf
from rnnhub.translation.text import bleu_tokenize_for, default_max_new_tokens, encode_sources

__all__ = ["evaluate_translation", "translate"]


@torch.no_grad()
def translate(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    num_beams: int = 1,
    max_new_tokens: int | None = None,
    batch_size: int = 64,
    **generate_kwargs: Any,
) -> list[str]:
    """Translations of ``texts`` in their order; an empty (or blank) text gives ``""``.

    ``max_new_tokens`` None: the model's generation config, else twice the longest source in the batch plus 8.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}.")
    outputs = [""] * len(texts)
    todo = [i for i, text in enumerate(texts) if text.strip()]
    if not todo:
        return outputs
    ids, _ = encode_sources(tokenizer, [texts[i] for i in todo])
    order = sorted(range(len(todo)), key=lambda k: len(ids[k]))
    device = next(model.parameters()).device
    pad = tokenizer.pad_token_id
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(ids[k]) for k in chunk)
            input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
            attention_mask = torch.zeros((len(chunk), width), dtype=torch.long)
            for row, k in enumerate(chunk):
                input_ids[row, : len(ids[k])] = torch.tensor(ids[k])
                attention_mask[row, : len(ids[k])] = 1
            generated = model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention_mask.to(device),
                num_beams=num_beams,
                max_new_tokens=max_new_tokens or default_max_new_tokens(model, width),
                **generate_kwargs,
            )
            for k, text in zip(chunk, tokenizer.batch_decode(generated, skip_special_tokens=True)):
                outputs[todo[k]] = text.strip()
    finally:
        model.train(was_training)
    return outputs


def evaluate_translation(
    model: Any,
    tokenizer: Any,
    sources: Sequence[str],
    references: Sequence[str] | Sequence[Sequence[str]],
    *,
    num_beams: int = 1,
    batch_size: int = 64,
    max_new_tokens: int | None = None,
    bleu_tokenize: str | None = None,
) -> dict[str, Any]:
    """Translate ``sources`` and score them: ``{"bleu", "chrf", "hypotheses", "seconds", "sentences_per_second",
    "bleu_tokenize", "num_beams", "rows"}``.

    ``references``: one string per source, or a list of correct translations per source (scored against all).
    ``bleu_tokenize`` None picks ``"zh"`` for Chinese references and ``"13a"`` otherwise.
    """
    if len(sources) != len(references):
        raise ValueError(f"got {len(sources)} sources but {len(references)} references; pass one per source.")
    if not sources:
        raise ValueError("nothing to evaluate: sources is empty.")
    first_references = [r if isinstance(r, str) else r[0] for r in references]
    tokenize = bleu_tokenize or bleu_tokenize_for(first_references)
    started = time.perf_counter()
    hypotheses = translate(
        model, tokenizer, sources, num_beams=num_beams, batch_size=batch_size, max_new_tokens=max_new_tokens
    )
    seconds = time.perf_counter() - started
    return {
        "bleu": corpus_bleu(hypotheses, list(references), tokenize=tokenize),
        "chrf": corpus_chrf(hypotheses, list(references)),
        "bleu_tokenize": tokenize,
        "num_beams": num_beams,
        "rows": len(sources),
        "seconds": round(seconds, 2),
        "sentences_per_second": round(len(sources) / seconds, 2) if seconds > 0 else None,
        "hypotheses": hypotheses,
    }
