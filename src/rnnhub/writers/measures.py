"""What the writers' cards report: bits per character next to the n-gram's, and the share of valid samples.

Bits per character (bpc) is scored on a split's token stream (every text as ``<bos> text <eos>``, concatenated; a
character is a token, the ``<eos>`` that ends a text counts as one), cut into ``segments`` equal contiguous parts
(the few tokens left over at the end are dropped). Both models score the same positions: every token of a segment
but its first, with the context of that segment only. The LSTM reads each segment from a zero state and carries
its state through the whole segment (chunks of ``chunk`` tokens); the n-gram sees the last ``order - 1`` tokens.

Samples: both models get the same prompt, the same length limit, the same temperature, and neither may draw
``<pad>`` or ``<bos>``; a sample ends at ``<eos>`` (the end of a text) or at the length limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnhub.models.constants import BOS_ID, EOS_ID, PAD_ID
from rnnhub.writers import validity
from rnnhub.writers.ngram import KneserNey

__all__ = [
    "NGRAM_ORDERS",
    "Sampled",
    "choose_ngram",
    "lstm_bits",
    "ngram_samples",
    "lstm_samples",
    "segments",
    "validity_share",
]

NGRAM_ORDERS = (5, 6, 7)  # the baseline's order is chosen among these on the validation split
BANNED = (PAD_ID, BOS_ID)


def segments(stream: np.ndarray, count: int) -> np.ndarray:
    """``stream`` cut into ``count`` equal contiguous rows (a ``(count, length)`` array; the tail is dropped)."""
    length = len(stream) // count
    if length < 2:
        raise ValueError(f"A stream of {len(stream)} tokens is too short for {count} segments.")
    return np.asarray(stream[: count * length]).reshape(count, length)


def lstm_bits(model, rows: np.ndarray, chunk: int = 512) -> float:
    """Mean bits per scored token of ``model`` on ``rows`` (see the module docstring)."""
    import torch
    import torch.nn.functional as F

    model.eval()
    ids = torch.as_tensor(rows, dtype=torch.long)
    total, count, cache = 0.0, 0, None
    with torch.no_grad():
        for start in range(0, ids.shape[1] - 1, chunk):
            inputs = ids[:, start : start + chunk]
            targets = ids[:, start + 1 : start + chunk + 1]
            output = model(input_ids=inputs, cache=cache, use_cache=True)
            cache = output.cache
            logits = output.logits[:, : targets.shape[1]]
            nats = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum")
            total += float(nats)
            count += targets.numel()
    return total / count / math.log(2)


def choose_ngram(
    train: np.ndarray, validation_rows: np.ndarray, vocab_size: int, orders: Sequence[int] = NGRAM_ORDERS
) -> tuple[KneserNey, dict[int, float]]:
    """Fit a Kneser-Ney model of each order on the train stream; keep the one with the fewest validation bits."""
    scores, best = {}, None
    for order in orders:
        model = KneserNey(order, vocab_size).fit([train])
        scores[order] = float(-model.log2_probs(list(validation_rows)).mean())
        if best is None or scores[order] < scores[best.order]:
            best = model
    return best, scores


@dataclass
class Sampled:
    """One sample: the prompt, what the model added (decoded), and the validity verdicts on it."""

    prompt: str
    text: str
    verdicts: list[tuple[bool, str]]

    @property
    def full(self) -> str:
        return self.prompt + self.text


def lstm_samples(
    model,
    tokenizer,
    prompt: str,
    count: int,
    max_new_tokens: int,
    temperature: float,
    seed: int,
    batch_size: int = 50,
) -> list[str]:
    """``count`` sampled continuations of ``prompt`` (decoded, ``<eos>`` and after dropped)."""
    import torch

    model.eval()
    prompt_ids = tokenizer(prompt)["input_ids"]  # <bos> prompt
    torch.manual_seed(seed)
    texts = []
    for start in range(0, count, batch_size):
        size = min(batch_size, count - start)
        inputs = torch.tensor([prompt_ids] * size)
        with torch.no_grad():
            output = model.generate(
                inputs,
                attention_mask=torch.ones_like(inputs),
                do_sample=True,
                temperature=temperature,
                top_k=0,
                top_p=1.0,
                max_new_tokens=max_new_tokens,
                eos_token_id=EOS_ID,
                pad_token_id=PAD_ID,
                suppress_tokens=list(BANNED),
            )
        for row in output[:, len(prompt_ids) :].tolist():
            row = row[: row.index(EOS_ID)] if EOS_ID in row else row
            texts.append(tokenizer.decode(row, skip_special_tokens=True))
    return texts


def ngram_samples(
    ngram: KneserNey, tokenizer, prompt: str, count: int, max_new_tokens: int, temperature: float, seed: int
) -> list[str]:
    """The same as :func:`lstm_samples`, drawn from the n-gram."""
    rng = np.random.default_rng(seed)
    prompt_ids = tokenizer(prompt)["input_ids"]
    texts = []
    for _ in range(count):
        new = ngram.sample(
            prompt_ids,
            max_new_tokens,
            rng,
            temperature=temperature,
            stop=lambda ids: ids[-1] == EOS_ID,
            banned=BANNED,
        )
        new = new[:-1] if new and new[-1] == EOS_ID else new
        texts.append(tokenizer.decode(new, skip_special_tokens=True))
    return texts


def judge(kind: str, prompt: str, texts: Sequence[str]) -> list[Sampled]:
    """The validity verdicts of each sample: one for a program or a tune, one per complete speech for plays."""
    judged = []
    for text in texts:
        full = prompt + text
        if kind == "plays":
            verdicts = [validity.check_speech(speech) for speech in validity.speeches(full)]
        else:
            verdicts = [validity.check(kind, full)]
        judged.append(Sampled(prompt, text, verdicts))
    return judged


def validity_share(judged: Sequence[Sampled]) -> dict[str, Any]:
    """Valid verdicts over all verdicts, with the counts and the most common reasons for failing."""
    verdicts = [verdict for sample in judged for verdict in sample.verdicts]
    failures: dict[str, int] = {}
    for ok, reason in verdicts:
        if not ok:
            key = reason.split(" (")[0]
            failures[key] = failures.get(key, 0) + 1
    valid = sum(ok for ok, _ in verdicts)
    return {
        "share": valid / len(verdicts) if verdicts else 0.0,
        "valid": valid,
        "checked": len(verdicts),
        "samples": len(judged),
        "failures": dict(sorted(failures.items(), key=lambda item: -item[1])[:5]),
    }


def reference_share(kind: str, texts: Sequence[str], limit: int) -> dict[str, Any]:
    """The same check on real texts of a split (the first ``limit``; plays: their speeches), for scale."""
    if kind == "plays":
        speeches = [s for text in texts for s in validity.speeches(text + "\n\n")][:limit]
        judged = [Sampled("", speech, [validity.check_speech(speech)]) for speech in speeches]
    elif kind == "programs":
        functions = []
        for text in texts:
            for piece in text.split("\ndef ")[1:]:
                functions.append("def " + piece)
        judged = [Sampled("", f, [validity.check_program(f)]) for f in functions[:limit]]
    else:
        judged = [Sampled("", t, [validity.check_tune(t)]) for t in texts[:limit]]
    return validity_share(judged)


class Timer:
    """Seconds spent per named step, for the report."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str):
        timer = self

        class _Step:
            def __enter__(self):
                self.started = time.perf_counter()

            def __exit__(self, *exc):
                timer.seconds[name] = round(time.perf_counter() - self.started, 1)

        return _Step()
