"""Metrics for generated text (translation, captioning), all on sacrebleu's corpus-level scorers.

References come either as one string per hypothesis or as a list of strings per hypothesis (several correct
captions or translations). sacrebleu wants them transposed, one stream per reference position, with every
stream as long as the hypotheses: shorter reference lists are padded with ``None``, which sacrebleu skips.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sacrebleu

References = Sequence[str] | Sequence[Sequence[str]]

# sacrebleu's tokenizers; "zh" splits Chinese characters, "13a" is the WMT default for European languages.
TOKENIZERS = ("13a", "zh", "intl", "char", "none")


def _reference_lists(hypotheses: Sequence[str], references: References) -> list[list[str]]:
    """One list of references per hypothesis, checked."""
    if isinstance(hypotheses, str) or isinstance(references, str):
        raise ValueError("pass lists: one hypothesis string per example and its reference(s)")
    if len(hypotheses) != len(references):
        raise ValueError(
            f"got {len(hypotheses)} hypotheses but {len(references)} references: give one reference (or one list "
            "of references) per hypothesis"
        )
    lists = []
    for index, reference in enumerate(references):
        options = [reference] if isinstance(reference, str) else list(reference)
        if not options or not all(isinstance(option, str) for option in options):
            raise ValueError(f"reference {index} must be a string or a non-empty list of strings")
        lists.append(options)
    return lists


def _streams(hypotheses: Sequence[str], references: References) -> list[list[str | None]]:
    lists = _reference_lists(hypotheses, references)
    width = max((len(options) for options in lists), default=1)
    return [[options[k] if k < len(options) else None for options in lists] for k in range(width)]


def corpus_bleu(hypotheses: Sequence[str], references: References, tokenize: str = "13a") -> float:
    """Corpus BLEU-4 (0-100) with sacrebleu's default smoothing; ``tokenize="zh"`` for Chinese output."""
    if tokenize not in TOKENIZERS:
        raise ValueError(f"unknown BLEU tokenizer {tokenize!r}; use one of {', '.join(TOKENIZERS)}")
    if not hypotheses:
        raise ValueError("no hypotheses to score")
    return float(
        sacrebleu.corpus_bleu(list(hypotheses), _streams(hypotheses, references), tokenize=tokenize).score
    )


def corpus_chrf(hypotheses: Sequence[str], references: References) -> float:
    """Corpus chrF (character n-gram F-score, 0-100); needs no tokenizer, so it suits Chinese as is."""
    if not hypotheses:
        raise ValueError("no hypotheses to score")
    return float(sacrebleu.corpus_chrf(list(hypotheses), _streams(hypotheses, references)).score)


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def exact_match(hypotheses: Sequence[str], references: References) -> float:
    """Share (0-1) of hypotheses equal to one of their references, ignoring case and repeated whitespace."""
    lists = _reference_lists(hypotheses, references)
    if not lists:
        raise ValueError("no hypotheses to score")
    hits = sum(_normalise(h) in {_normalise(r) for r in options} for h, options in zip(hypotheses, lists))
    return hits / len(lists)


def sentence_chrf(hypothesis: str, reference: str | Sequence[str]) -> float:
    """chrF (0-100) of one hypothesis against its reference(s): for ranking single outputs, not for reporting."""
    options = [reference] if isinstance(reference, str) else list(reference)
    if not options or not all(isinstance(option, str) for option in options):
        raise ValueError("reference must be a string or a non-empty list of strings")
    return float(sacrebleu.sentence_chrf(hypothesis, options).score)
