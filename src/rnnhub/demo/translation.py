"""The translation tab: German -> English and English -> Chinese, beam search, and the attention heatmap.

Built on :mod:`rnnhub.translation.view` (``load_translator`` / ``translate_with_attention``).
"""

from __future__ import annotations

from typing import Any

from rnnhub.demo import catalog
from rnnhub.demo.cache import ModelCache
from rnnhub.demo.loaders import Progress, load_translator, report
from rnnhub.demo.text_input import MAX_BEAMS, check_beams, check_known_tokens, check_language, check_text

__all__ = ["EXAMPLES", "MAX_BEAMS", "SOURCE_LANGUAGE", "translate"]

SOURCE_LANGUAGE = {"German → English": "de", "English → Chinese": "en"}
# The first sentences of each corpus's held-out test split (not chosen for how well the models do on them).
EXAMPLES = [
    ["Lass dich davon nicht abschrecken.", "German → English", 4],
    ["Die Hungersnot erfasste den halben Kontinent.", "German → English", 4],
    ["Select the database containing the address data that you want to insert.", "English → Chinese", 4],
    ["Enter the line number for a new breakpoint, then click New.", "English → Chinese", 1],
]


def not_published_message(direction: str) -> str:
    fragment = catalog.TRANSLATION_DIRECTIONS[direction]
    return (
        f"No {direction} translation model is published yet (expected a folder model_cards/<cell>{fragment}/; "
        "see `rnnhub models`)."
    )


def translate(
    text: Any,
    direction: str = "German → English",
    num_beams: Any = 4,
    *,
    model: str | None = None,
    progress: Progress | None = None,
    cache: ModelCache | None = None,
) -> dict[str, Any]:
    """Translate ``text`` with the best published model for ``direction`` (or ``model``, a folder or name).

    Returns the :func:`rnnhub.translation.view.translate_with_attention` dict plus ``special_tokens`` (the
    tokenizer's, for :func:`rnnhub.translation.view.word_attention`), ``model`` (the name used), ``model_metric``
    (its card's headline metric, None for an explicit ``model``), ``direction``, ``num_beams``.

    Raises:
        ValueError: empty / over-long text, text in the wrong language, a beam size outside 1..MAX_BEAMS, or no
            model published for the direction.
    """
    if direction not in SOURCE_LANGUAGE:
        raise ValueError(
            f"direction={direction!r} is not supported; choose one of {', '.join(SOURCE_LANGUAGE)}."
        )
    text = check_text(text)
    check_language(text, SOURCE_LANGUAGE[direction])
    beams = check_beams(num_beams)
    metric = None
    if model is None:
        entries = catalog.translation_models(direction)
        if not entries:
            raise ValueError(not_published_message(direction))
        model, metric = entries[0].path, entries[0].metric
    name = model.rstrip("/").split("/")[-1]
    try:
        from rnnhub.translation.view import translate_with_attention
    except ImportError as error:
        raise ValueError(
            f"Translation support is not available in this rnnhub installation ({error})."
        ) from None
    translator, tokenizer = load_translator(model, progress, cache)
    report(progress, 0.6, f"translating with {name} (beam size {beams})")
    result = translate_with_attention(translator, tokenizer, text, num_beams=beams)
    special = set(tokenizer.all_special_tokens) - {tokenizer.unk_token}
    words = [token for token in result["source_tokens"] if token not in special]
    check_known_tokens(words, tokenizer.unk_token, SOURCE_LANGUAGE[direction])
    return {
        **result,
        "special_tokens": sorted(
            special | {tokenizer.unk_token} - {None}
        ),  # units of their own in the word view
        "model": name,
        "model_metric": metric,
        "direction": direction,
        "num_beams": beams,
    }
