"""`abc-tunes`: playable ABC tunes with their header fields, copies (also transposed ones) on one side only."""

from __future__ import annotations

from rnnhub.data import music_abc

FILE = """% A tune book
% Glasgow 1778

X: 12
T: The Ranting Highlandman -- Reel
T: Second title
M: 2/4
L: 1/8
N: from the book
Z: A. Transcriber
K: G
"D"AG|B2B2 B2AG|B2B2 B2g2| % a comment
w: la la la
P:B
|:c2d2 e2f2|g4 g4:|

X: 13
T: Two Voices
M: 4/4
K: C
V:1
CDEF|
"""


def tunes(abc: str) -> list:
    return [music_abc.clean_tune(lines) for lines in music_abc.split_tunes(abc)]


def test_header_fields_kept_in_order_and_the_rest_dropped() -> None:
    (fields, text), dropped = tunes(FILE)
    assert text.split("\n")[:5] == ["X:1", "T:The Ranting Highlandman -- Reel", "M:2/4", "L:1/8", "K:G"]
    assert text.split("\n")[5:] == ['"D"AG|B2B2 B2AG|B2B2 B2g2|', "P:B", "|:c2d2 e2f2|g4 g4:|"]
    assert fields == {
        "title": "The Ranting Highlandman -- Reel",
        "meter": "2/4",
        "key": "G",
        "transcriber": "A. Transcriber",
    }
    assert dropped == "several voices (V:)"


def test_transposed_copy_and_same_title_share_a_group() -> None:
    melody = "M:4/4\nL:1/8\nK:{key}\n{notes}|\n"
    in_g, in_a = "GABc dedc BAGA B2G2 GABd", "ABcd efed cBAB c2A2 ABce"  # the same tune a step higher
    rows = [
        {"text": "X:1\nT:One\n" + melody.format(key="G", notes=in_g), "title": "One"},
        {"text": "X:1\nT:Other name\n" + melody.format(key="A", notes=in_a), "title": "Other name"},
        {
            "text": "X:1\nT:The One -- Jig\n" + melody.format(key="D", notes="DDDD FFFF AAAA dddd DFAd"),
            "title": "The One -- Jig",
        },
    ]
    for index in range(30):
        notes = " ".join("CDEFGABc"[(index * k) % 8] * 2 for k in range(1, 10))
        rows.append(
            {"text": f"X:1\nT:T{index}\n" + melody.format(key="C", notes=notes), "title": f"T{index}"}
        )
    rows = [
        {**row, "collection": "c", "file": "f.abc", "meter": "4/4", "key": "C", "transcriber": ""}
        for row in rows
    ]
    assert music_abc.melody_key(rows[0]["text"]) == music_abc.melody_key(rows[1]["text"])
    stats: dict[str, int] = {}
    splits = music_abc.make_splits(rows, stats)
    group_of = {
        text: group for split in splits.values() for text, group in zip(split["text"], split["group"])
    }
    assert group_of[rows[0]["text"]] == group_of[rows[1]["text"]] == group_of[rows[2]["text"]]
    sides = [set(splits[name]["group"]) for name in ("train", "validation", "test")]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])


def test_build_keeps_only_the_redistributable_collections(tmp_path) -> None:
    import json

    import pyarrow.parquet as pq

    from rnnhub.data import common

    root = tmp_path / "cache" / "pypi" / f"music21-{music_abc.VERSION}-wheel"
    corpus = root / music_abc.CORPUS_DIR
    for collection in (*music_abc.COLLECTIONS, "essenFolksong"):
        tunes = "\n\n".join(
            f"X:{i}\nT:{collection} tune {i}\nM:4/4\nL:1/8\nK:G\n"
            + " ".join("GABcdefg"[(i + k) % 8] * 2 for k in range(9))
            + "|"
            for i in range(12)
        )
        (corpus / collection).mkdir(parents=True)
        (corpus / collection / "book.abc").write_text(tunes, encoding="utf-8")
    info = {
        "registry": "pypi",
        "package": "music21",
        "version": music_abc.VERSION,
        "archive": "x",
        "sha256": "0" * 64,
    }
    (root / ".rnnhub-source.json").write_text(json.dumps(info), encoding="utf-8")
    out = tmp_path / "out"
    music_abc.build(common.BuildContext("abc-tunes", out, tmp_path / "cache", show_progress=False))
    collections = {
        c for s in common.SPLITS for c in pq.read_table(out / f"{s}.parquet")["collection"].to_pylist()
    }
    assert collections == set(music_abc.COLLECTIONS)  # no Essen tune
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "essenFolksong" in card and "## Licence" in card
