"""The captioning examples' labels ("never seen" / "seen in training (variant)"): the rule on tiny training sets,
and the committed examples.json recomputed from data/emoji-captions."""

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from rnnhub.demo import captioning
from rnnhub.demo.caption_examples import (
    LABELS,
    NEVER_SEEN,
    SEEN,
    SEEN_VARIANT,
    TrainingSet,
    load_examples,
    picture_digest,
    training_label,
)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "data" / "emoji-captions"


def png(color: str, size: int = 8, mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (size, size), color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def tiny_train():
    rows = [
        {"code": "1F44B", "group": "1F44B", "image": {"bytes": png("yellow")}},  # waving hand
        {"code": "1F44B-1F3FB", "group": "1F44B", "image": {"bytes": png("pink")}},  # ... light skin tone
    ]
    return TrainingSet.from_rows(rows)


def test_training_label_tells_the_three_kinds_apart(tiny_train):
    assert training_label("1F44B-1F3FF", "1F44B", picture_digest(png("brown")), tiny_train) == SEEN_VARIANT
    assert training_label("1F600", "1F600", picture_digest(png("orange")), tiny_train) == NEVER_SEEN
    assert training_label("1F44B", "1F44B", picture_digest(png("yellow")), tiny_train) == SEEN
    # The same pixels under another code (a duplicate picture) were seen, whatever the code says.
    assert training_label("1F600", "1F600", picture_digest(png("pink")), tiny_train) == SEEN


def test_picture_digest_compares_pixels_not_files():
    assert picture_digest(png("red")) == picture_digest(png("red", mode="P"))  # another encoding, same pixels
    assert picture_digest(png("red")) != picture_digest(png("red", size=9))
    assert picture_digest(png("red")) != picture_digest(png("blue"))


def test_a_missing_training_split_says_how_to_build_it(tmp_path):
    with pytest.raises(ValueError, match="rnnhub data build emoji-captions"):
        TrainingSet.from_corpus(tmp_path)


def test_the_committed_labels_are_the_ones_the_corpus_gives():
    """Every example's label, recomputed from the training split and the example's own corpus row and picture."""
    train = TrainingSet.from_corpus(CORPUS)
    examples = load_examples()
    for example in examples:
        rows = pq.read_table(
            CORPUS / f"{example.split}.parquet", columns=["caption", "code", "group"]
        ).to_pylist()
        row = next(r for r in rows if r["code"] == example.code)
        assert (row["caption"], row["group"]) == (example.caption, example.group)
        digest = picture_digest((captioning.EXAMPLE_DIR / example.file).read_bytes())
        assert example.label == training_label(example.code, example.group, digest, train), example
    counts = {label: sum(e.label == label for e in examples) for label in LABELS}
    assert counts[NEVER_SEEN] >= 3 and counts[SEEN_VARIANT] >= 3, counts
    assert {e.split for e in examples if e.label == NEVER_SEEN} == {"test"}
    assert {e.split for e in examples if e.label == SEEN_VARIANT} == {"test_variants"}


def test_every_example_picture_is_listed_and_titled():
    listed = {example.file for example in captioning.examples()}
    assert listed == {path.name for path in captioning.EXAMPLE_DIR.glob("*.png")}
    assert captioning.example_images() == [
        str(captioning.EXAMPLE_DIR / e.file) for e in captioning.examples()
    ]
    for example in captioning.examples():
        assert example.title == f"{example.caption} ({example.label})"
    assert load_examples(ROOT / "no-such-folder") == []
