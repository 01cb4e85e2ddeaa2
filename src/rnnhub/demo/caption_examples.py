"""The captioning tab's examples and what each one is to the model: a variant of an emoji seen in training, a
picture of an emoji it never saw, or a clip-art drawing from a corpus it never trained on.

The label is derived, not written by hand: :func:`training_label` compares an example with the training split of
``data/emoji-captions`` (by picture, emoji code and base emoji, the corpus's ``group``), the published captioner's
only training data; a ``clipart-captions`` test picture (its ``id`` and ``group`` in place of code and base emoji)
comes out "never seen" by the same rule. ``demos/extract_examples.py``
copies the pictures into ``examples/`` and writes ``examples/examples.json`` with those labels, so the demo (an
installed package or a Space, without the corpus) reads them from there; tests/demo/test_caption_examples.py
recomputes them from the corpus.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CLIPART",
    "CODE_COLUMNS",
    "EMOJI",
    "EXAMPLE_DIR",
    "LABELS",
    "MANIFEST",
    "NEVER_SEEN",
    "SEEN",
    "SEEN_VARIANT",
    "Example",
    "TrainingSet",
    "load_examples",
    "picture_digest",
    "training_label",
]

EXAMPLE_DIR = Path(__file__).resolve().parent / "examples"
MANIFEST = "examples.json"  # written by demos/extract_examples.py
SEEN = "seen in training"  # this very picture is a training picture
SEEN_VARIANT = "seen in training (variant)"  # another picture of the same base emoji (a skin tone, a gender)
NEVER_SEEN = "never seen"  # no picture of this base emoji was in training
LABELS = (SEEN, SEEN_VARIANT, NEVER_SEEN)
EMOJI = "emoji-captions"  # the corpus the published captioner was trained on
CLIPART = "clipart-captions"  # drawings in other styles, never trained on
# The column that names a picture in each corpus (what an example's ``code`` is).
CODE_COLUMNS = {EMOJI: "code", CLIPART: "id"}
_WHY = {
    SEEN: "this very picture is in the training split",
    SEEN_VARIANT: "this picture is not in training, but another skin tone or gender of the same emoji is",
    NEVER_SEEN: "no picture of this emoji, in any skin tone or gender, is in training",
}


def picture_digest(png: bytes) -> str:
    """sha256 of the decoded RGB pixels (and size): the same picture however its PNG was encoded."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        return hashlib.sha256(f"{rgb.size}".encode() + rgb.tobytes()).hexdigest()


@dataclass(frozen=True)
class TrainingSet:
    """What the captioner trained on: emoji codes, base emoji (groups) and picture digests."""

    codes: frozenset[str]
    groups: frozenset[str]
    pictures: frozenset[str]

    @classmethod
    def from_rows(cls, rows: Iterable[dict]) -> TrainingSet:
        """From corpus rows with ``code``, ``group`` and ``image`` (``{"bytes": png}``, as parquet stores it)."""
        codes, groups, pictures = set(), set(), set()
        for row in rows:
            codes.add(row["code"])
            groups.add(row["group"])
            pictures.add(picture_digest(row["image"]["bytes"]))
        return cls(frozenset(codes), frozenset(groups), frozenset(pictures))

    @classmethod
    def from_corpus(cls, corpus_dir: str | Path) -> TrainingSet:
        """From ``<corpus_dir>/train.parquet`` (``data/emoji-captions``)."""
        import pyarrow.parquet as pq

        path = Path(corpus_dir) / "train.parquet"
        if not path.is_file():
            raise ValueError(
                f"No training split at {path}: build it with `rnnhub data build emoji-captions`."
            )
        return cls.from_rows(pq.read_table(path, columns=["code", "group", "image"]).to_pylist())


def training_label(code: str, group: str, digest: str, train: TrainingSet) -> str:
    """:data:`SEEN` when the picture or the emoji itself was trained on, :data:`SEEN_VARIANT` when only its base
    emoji was (another skin tone or gender of it), :data:`NEVER_SEEN` otherwise."""
    if digest in train.pictures or code in train.codes:
        return SEEN
    return SEEN_VARIANT if group in train.groups else NEVER_SEEN


@dataclass(frozen=True)
class Example:
    """One example picture: its file, reference caption, corpus and split, its code and group there (emoji: code
    and base emoji; clip art: id and group), and its :data:`LABELS` entry."""

    file: str
    caption: str
    split: str
    code: str
    group: str
    label: str
    corpus: str = EMOJI

    @property
    def title(self) -> str:
        """What the example gallery shows under the picture."""
        if self.corpus != EMOJI:
            return f"{self.caption} ({self.label}: clip art)"
        return f"{self.caption} ({self.label})"

    @property
    def why(self) -> str:
        """Why it has its label, in words."""
        if self.corpus != EMOJI and self.label == NEVER_SEEN:
            return f"a drawing from {self.corpus}: the captioner was trained on emoji pictures only"
        return _WHY[self.label]


def load_examples(folder: Path = EXAMPLE_DIR) -> list[Example]:
    """The examples listed in ``folder/examples.json``, in its order (empty when there is no manifest)."""
    path = folder / MANIFEST
    if not path.is_file():
        return []
    return [Example(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]
