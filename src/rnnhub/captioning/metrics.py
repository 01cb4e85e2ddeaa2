"""Caption metrics that tell describing from recognising: BLEU-4, chrF, CIDEr-D, exact match, content-word hits.

Every metric scores one caption per image against *all* of that image's references.

* ``bleu``: sacrebleu corpus BLEU-4 (13a tokenisation, 0-100), multi-reference.
* ``chrf``: sacrebleu corpus chrF (character 6-grams, beta 2, 0-100): partial credit for a right word stem or
  spelling ("flower" for "flowers") that BLEU gives none.
* ``cider``: CIDEr-D (Vedantam et al. 2015) from ``pycocoevalcap`` (the COCO caption evaluation code; its CIDEr
  needs no Java): tf-idf weighted 1-4-gram cosine with clipping and a Gaussian length penalty (sigma 6), the
  document frequencies taken over the references of the images being scored (the split), times 100 as papers
  report it (pycocoevalcap's 1.0 is 100). Words that every image's references share weigh nothing, so "face"
  earns little on emoji and naming the distinctive thing earns much. Captions are tokenised by ``words``
  (lowercase, runs of letters, digits and apostrophes) instead of the Java PTB tokenizer.
* ``exact_match``: share (0-1) of captions equal to one of their references (case and spacing ignored).
* ``content_hit``: share (0-1) of images whose caption contains at least one *content word* of one of its
  references: a word (``words``) that is not in ``STOP_WORDS``. It asks the plainest question: did the caption
  name something that is there?
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rnnhub.engine.text_metrics import corpus_bleu, corpus_chrf, exact_match

__all__ = [
    "STOP_WORDS",
    "caption_metrics",
    "cider",
    "cider_per_image",
    "content_hit_rate",
    "content_hits",
    "content_words",
    "words",
]

# Function words (English articles, prepositions, conjunctions, pronouns, auxiliaries, quantifiers) that say
# nothing about what is drawn. Fixed so that the hit rate means the same on every split and corpus.
STOP_WORDS = frozenset(
    """
    a an the this that these those some any each every no not
    of with without in on at to from by for into onto over under above below up down out off near
    and or but nor so as than then
    i me my we our you your he him his she her it its they them their one ones
    is are was were be been being am has have had do does did can could will would shall should may might must
    there here very too also just only
    """.split()  # noqa: SIM905 - a word list reads best as text
)
_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lowercase words of ``text``: runs of letters, digits and apostrophes ("A frog's leg." -> a, frog's, leg)."""
    return [word.strip("'") for word in _WORD.findall(text.casefold()) if word.strip("'")]


def content_words(text: str) -> set[str]:
    """The words of ``text`` that are not ``STOP_WORDS``."""
    return {word for word in words(text) if word not in STOP_WORDS}


def _check(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> list[list[str]]:
    if isinstance(hypotheses, str) or len(hypotheses) != len(references):
        raise ValueError(
            f"Give one caption per image and one list of references per image: got {len(hypotheses)} captions "
            f"and {len(references)} reference lists."
        )
    if not hypotheses:
        raise ValueError("No captions to score: pass at least one image's caption and references.")
    lists = [[reference] if isinstance(reference, str) else list(reference) for reference in references]
    empty = [index for index, options in enumerate(lists) if not options]
    if empty:
        raise ValueError(f"Image {empty[0]} has no reference caption; every image needs at least one.")
    return lists


def content_hits(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> list[bool]:
    """Per image: whether its caption has a content word of one of its references (module docstring)."""
    lists = _check(hypotheses, references)
    return [
        bool(content_words(hypothesis) & set().union(*(content_words(r) for r in options)))
        for hypothesis, options in zip(hypotheses, lists)
    ]


def content_hit_rate(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Share (0-1) of images whose caption has a content word of one of its references (module docstring)."""
    hits = content_hits(hypotheses, references)
    return sum(hits) / len(hits)


def cider(hypotheses: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Corpus CIDEr-D x 100 (``pycocoevalcap``), document frequencies over these references (module docstring)."""
    return cider_per_image(hypotheses, references)[0]


def cider_per_image(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> tuple[float, list[float]]:
    """``(corpus CIDEr-D, [each image's CIDEr-D])``, all x 100; the corpus score is the images' mean. The idf is
    taken over all these references, so an image's score depends on the split it is scored in."""
    from pycocoevalcap.cider.cider import Cider

    lists = _check(hypotheses, references)
    if len(lists) < 2:
        raise ValueError(
            "CIDEr needs at least two images: its idf weights come from the other images' references."
        )
    # pycocoevalcap splits on spaces: hand it the words joined by single spaces.
    references_by_image = {
        index: [" ".join(words(r)) for r in options] for index, options in enumerate(lists)
    }
    captions_by_image = {index: [" ".join(words(h))] for index, h in enumerate(hypotheses)}
    score, per_image = Cider().compute_score(references_by_image, captions_by_image)
    return float(score) * 100.0, [float(value) * 100.0 for value in per_image]


def caption_metrics(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> dict[str, float | None]:
    """``{"bleu", "chrf", "cider", "exact_match", "content_hit"}`` of the captions (module docstring).

    ``cider`` is None for a single image (its idf needs other images' references).
    """
    lists = _check(hypotheses, references)
    hypotheses = list(hypotheses)
    return {
        "bleu": round(corpus_bleu(hypotheses, lists), 2),
        "chrf": round(corpus_chrf(hypotheses, lists), 2),
        "cider": round(cider(hypotheses, lists), 2) if len(lists) > 1 else None,
        "exact_match": round(exact_match(hypotheses, lists), 4),
        "content_hit": round(content_hit_rate(hypotheses, lists), 4),
    }
