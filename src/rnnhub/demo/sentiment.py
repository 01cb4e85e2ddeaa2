"""The sentiment tab: label and confidence, the belief after each token, the gates per token, cells compared.

>>> result = classify("a wonderful, moving film", "English", "lstm")
>>> result["label"], result["confidence"]          # ("positive", 0.998)
>>> result["trace"]["probabilities"]               # per token, per label (rnnhub.sentiment.view.sentiment_trace)
"""

from __future__ import annotations

from typing import Any

from rnnhub.demo import catalog
from rnnhub.demo.cache import ModelCache
from rnnhub.demo.loaders import Progress, load_classifier, report
from rnnhub.demo.text_input import check_known_tokens, check_language, check_text

__all__ = ["EXAMPLES", "LANGUAGE_CODES", "classify", "compare_cells"]

LANGUAGE_CODES = {"English": "en", "Chinese": "zh"}
EXAMPLES = [
    ["a wonderful, moving film with brilliant performances", "English", "lstm"],
    ["the plot is thin, but the actors make it worth watching", "English", "lstm"],
    ["a dull, tedious mess that never finds its footing", "English", "gru"],
    ["质量非常好，很满意，值得购买！", "Chinese", "lstm"],
    ["太差了，质量很差，非常失望。", "Chinese", "lstm"],
]


def _entry(language: str, cell: str) -> catalog.Entry:
    models = catalog.sentiment_models(language)
    if cell not in catalog.CELLS:
        raise ValueError(f"cell={cell!r} is not supported; choose one of {', '.join(catalog.CELLS)}.")
    if cell not in models:
        published = ", ".join(models) or "none"
        raise ValueError(
            f"No {language} {cell} sentiment model is published (published {language} cells: {published}). "
            "Pick another cell or language."
        )
    return models[cell]


def classify(
    text: Any,
    language: str = "English",
    cell: str = "lstm",
    *,
    model: str | None = None,
    progress: Progress | None = None,
    cache: ModelCache | None = None,
) -> dict[str, Any]:
    """Classify ``text`` with the published ``language`` / ``cell`` model (or ``model``, a folder or name).

    Returns ``model`` (the name used), ``label``, ``confidence``, ``probabilities`` (label -> probability),
    ``notes`` (e.g. that the text was cut) and ``trace`` (:func:`rnnhub.sentiment.view.sentiment_trace`).

    Raises:
        ValueError: empty or over-long text, text in the wrong language or mostly unknown words, or no model
            published for that language and cell.
    """
    from rnnhub.sentiment.view import sentiment_trace

    if language not in LANGUAGE_CODES:
        raise ValueError(
            f"language={language!r} is not supported; choose one of {', '.join(LANGUAGE_CODES)}."
        )
    text = check_text(text)
    code = LANGUAGE_CODES[language]
    check_language(text, code)
    source = model if model is not None else _entry(language, cell).path
    name = source.rstrip("/").split("/")[-1]
    classifier, tokenizer = load_classifier(source, progress, cache)
    report(progress, 0.6, f"reading the text with {name}")
    trace = sentiment_trace(classifier, tokenizer, text)
    unknown_token = tokenizer.unk_token
    # <unk> counts as a special token in the trace; here it is a word the model could not read.
    words = [
        token
        for token, special in zip(trace["tokens"], trace["special"])
        if not special or token == unknown_token
    ]
    check_known_tokens(words, unknown_token, code)
    prediction = trace["prediction"]
    notes = []
    if trace["truncated"]:
        notes.append(f"The model read only the first {trace['num_tokens']} tokens (its maximum length).")
    unknown = sum(token == unknown_token for token in words)
    if unknown:
        notes.append(f"{unknown} of {len(words)} tokens are unknown to the model (shown as {unknown_token}).")
    return {
        "model": name,
        "cell_type": trace["cell_type"],
        "label": prediction["label"],
        "confidence": max(prediction["probabilities"]),
        "probabilities": dict(zip(trace["labels"], prediction["probabilities"])),
        "notes": notes,
        "trace": trace,
    }


def compare_cells(
    text: Any,
    language: str = "English",
    *,
    progress: Progress | None = None,
    cache: ModelCache | None = None,
) -> dict[str, dict[str, Any]]:
    """:func:`classify` with every published cell for ``language``: cell type -> result, same text."""
    if language not in LANGUAGE_CODES:
        raise ValueError(
            f"language={language!r} is not supported; choose one of {', '.join(LANGUAGE_CODES)}."
        )
    text = check_text(text)
    check_language(text, LANGUAGE_CODES[language])
    models = catalog.sentiment_models(language)
    if not models:
        raise ValueError(f"No {language} sentiment model is published yet; see `rnnhub models`.")
    results = {}
    for index, (cell, entry) in enumerate(models.items()):
        report(progress, index / len(models), f"{cell}: {entry.name}")
        results[cell] = classify(text, language, cell, model=entry.path, cache=cache)
    return results
