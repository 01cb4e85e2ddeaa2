"""The captioning examples' labels ("never seen" / "seen in training (variant)"): the rule on tiny training sets,
and the committed examples.json recomputed from data/emoji-captions and data/clipart-captions."""

import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from rnnhub.demo import captioning
from rnnhub.demo.caption_examples import (
    CLIPART,
    CODE_COLUMNS,
    EMOJI,
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
CORPUS = ROOT / "data" / EMOJI


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
    """Every example's label, recomputed from the emoji training split and the example's own corpus row and
    picture: emoji from their test splits, clip art from the clip-art test split (never trained on)."""
    train = TrainingSet.from_corpus(CORPUS)
    examples = load_examples()
    for example in examples:
        column = CODE_COLUMNS[example.corpus]
        rows = pq.read_table(
            ROOT / "data" / example.corpus / f"{example.split}.parquet", columns=["caption", column, "group"]
        ).to_pylist()
        row = next(r for r in rows if r[column] == example.code)
        assert (row["caption"], row["group"]) == (example.caption, example.group)
        picture = (captioning.EXAMPLE_DIR / example.file).read_bytes()
        assert example.label == training_label(example.code, example.group, picture_digest(picture), train), (
            example
        )
    emoji = [e for e in examples if e.corpus == EMOJI]
    counts = {label: sum(e.label == label for e in emoji) for label in LABELS}
    assert counts[NEVER_SEEN] >= 3 and counts[SEEN_VARIANT] >= 3, counts
    assert {e.split for e in emoji if e.label == NEVER_SEEN} == {"test"}
    assert {e.split for e in emoji if e.label == SEEN_VARIANT} == {"test_variants"}
    clipart = [e for e in examples if e.corpus == CLIPART]
    assert len(clipart) >= 3 and {(e.split, e.label) for e in clipart} == {("test", NEVER_SEEN)}
    assert {e.corpus for e in examples} == {EMOJI, CLIPART}


def test_clip_art_examples_are_public_domain_and_say_why_they_were_never_seen():
    rows = pq.read_table(
        ROOT / "data" / CLIPART / "test.parquet", columns=["id", "source", "licence"]
    ).to_pylist()
    by_id = {row["id"]: row for row in rows}
    for example in (e for e in load_examples() if e.corpus == CLIPART):
        assert (
            by_id[example.code]["source"] == "openclipart"
            and "public domain" in by_id[example.code]["licence"]
        )
        assert example.title == f"{example.caption} (never seen: clip art)"
        assert "trained on emoji pictures only" in example.why
    variant = next(e for e in load_examples() if e.label == SEEN_VARIANT)
    assert "another skin tone or gender" in variant.why


def test_every_example_picture_is_listed_and_titled():
    listed = {example.file for example in captioning.examples()}
    assert listed == {path.name for path in captioning.EXAMPLE_DIR.glob("*.png")}
    assert captioning.example_images() == [
        str(captioning.EXAMPLE_DIR / e.file) for e in captioning.examples()
    ]
    for example in captioning.examples():
        if example.corpus == EMOJI:
            assert example.title == f"{example.caption} ({example.label})"
    assert load_examples(ROOT / "no-such-folder") == []


def test_the_tab_shows_clip_art_in_a_gallery_of_its_own_never_cached():
    import gradio as gr

    from rnnhub.demo import app

    with gr.Blocks():
        image, beams = gr.Image(type="filepath"), gr.Slider(1, 5, value=3)
        galleries = {g.dataset.elem_id: g for g in app._caption_examples(image, beams)}
    clipart = [e for e in captioning.examples() if e.corpus == CLIPART]
    gallery = galleries[app.CLIPART_GALLERY[1]]
    assert (
        gallery.example_labels == [e.title for e in clipart]
        and gallery.dataset.label == app.CLIPART_GALLERY[0]
    )
    never = galleries[app.EXAMPLE_GALLERIES[NEVER_SEEN][1]]  # the emoji gallery holds no clip art
    assert never.example_labels == [
        e.title for e in captioning.examples() if e.corpus == EMOJI and e.label == NEVER_SEEN
    ]
    assert not any(g.cache_examples for g in galleries.values())
