"""Which published model serves which tab, found in the registry (``rnnhub.publish.hub.list_models``) at call time.

Models are recognised by their folder names, which the training recipes fix: ``<cell>-sentiment-rt-en``,
``lstm-sentiment-zh``, ``<cell>-translation-de-en``, ``<cell>-translation-en-zh``, ``lstm-captioning-emoji`` and
``<cell>-writer-plays`` / ``-writer-programs`` / ``-writer-music`` (plus the architecture in config.json). When several folders fit (``lstm-sentiment-rt-en`` and its fine-tuned
``-lm`` sibling), the one with the best headline metric on its card wins, then the shorter name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnnhub.publish.hub import ModelInfo, list_models

__all__ = [
    "CAPTIONING",
    "SENTIMENT_LANGUAGES",
    "TRANSLATION_DIRECTIONS",
    "WRITERS",
    "Entry",
    "captioning_models",
    "pick",
    "sentiment_models",
    "translation_models",
    "writer_models",
]

CELLS = ("lstm", "gru", "rnn")
# UI name -> the name fragment of the sentiment models trained on that language's corpus.
SENTIMENT_LANGUAGES = {"English": "-sentiment-rt-en", "Chinese": "-sentiment-zh"}
# UI name -> the name fragment of the translation models for that direction.
TRANSLATION_DIRECTIONS = {"German → English": "-translation-de-en", "English → Chinese": "-translation-en-zh"}
CAPTIONING = "-captioning-"
# UI name -> the name fragment of the character-level language models trained on that kind of text.
WRITERS = {"Plays": "-writer-plays", "Programs": "-writer-programs", "Music": "-writer-music"}
# Metrics where smaller is better (everything else, accuracy, BLEU, chrF, ..., is larger-is-better).
_LOWER_IS_BETTER = ("perplexity", "loss", "error", "wer", "cer")


@dataclass(frozen=True)
class Entry:
    """One published folder as the demo sees it."""

    name: str
    path: str
    cell_type: str
    metric: str  # e.g. "accuracy 0.798 (test)", "-" when the card has none
    score: float  # for ranking: higher is better

    @classmethod
    def from_info(cls, info: ModelInfo) -> Entry:
        value = info.metric_value if isinstance(info.metric_value, (int, float)) else None
        if value is None:
            score = float("-inf")
        elif any(word in (info.metric_name or "").lower() for word in _LOWER_IS_BETTER):
            score = -float(value)
        else:
            score = float(value)
        return cls(info.name, str(info.path), info.cell_type or "?", info.headline, score)


def _entries(fragment: str, architecture: str) -> list[Entry]:
    return [
        Entry.from_info(info)
        for info in list_models()
        if fragment in info.name and info.architecture == architecture
    ]


def pick(entries: list[Entry]) -> Entry | None:
    """The best of ``entries``: highest score, then the shortest name."""
    if not entries:
        return None
    return min(entries, key=lambda e: (-e.score, len(e.name), e.name))


def sentiment_models(language: str) -> dict[str, Entry]:
    """cell type -> the best published sentiment classifier for ``language`` (a key of SENTIMENT_LANGUAGES)."""
    if language not in SENTIMENT_LANGUAGES:
        raise ValueError(
            f"language={language!r} is not supported; choose one of {', '.join(SENTIMENT_LANGUAGES)}."
        )
    entries = _entries(SENTIMENT_LANGUAGES[language], "RnnHubForSequenceClassification")
    by_cell = {cell: pick([e for e in entries if e.cell_type == cell]) for cell in CELLS}
    return {cell: entry for cell, entry in by_cell.items() if entry is not None}


def translation_models(direction: str) -> list[Entry]:
    """The published translation models for ``direction`` (a key of TRANSLATION_DIRECTIONS), best first."""
    if direction not in TRANSLATION_DIRECTIONS:
        raise ValueError(
            f"direction={direction!r} is not supported; choose one of {', '.join(TRANSLATION_DIRECTIONS)}."
        )
    entries = _entries(TRANSLATION_DIRECTIONS[direction], "RnnHubForSeq2SeqLM")
    return sorted(entries, key=lambda e: (-e.score, len(e.name), e.name))


def captioning_models() -> list[Entry]:
    """The published image-captioning models, best first."""
    entries = _entries(CAPTIONING, "RnnHubForImageCaptioning")
    return sorted(entries, key=lambda e: (-e.score, len(e.name), e.name))


def writer_models() -> dict[str, Entry]:
    """UI name (a key of WRITERS) -> the best published writer, for the writers that are present: a causal LM
    folder with its ``tokenizer.json`` (a folder without one could not encode a prompt)."""
    found = {}
    for writer, fragment in WRITERS.items():
        entries = [
            e for e in _entries(fragment, "RnnHubForCausalLM") if (Path(e.path) / "tokenizer.json").is_file()
        ]
        best = pick(entries)
        if best is not None:
            found[writer] = best
    return found
