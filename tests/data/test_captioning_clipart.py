"""The `clipart-captions` corpus: caption cleaning, SVG and stamp parsing, the builder on tiny hand-made packages
(no apt), near-copy grouping across splits, the split sizes, and the perceptual hash itself."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from rnnhub.data import captioning_clipart as cc
from rnnhub.data import common
from rnnhub.data.image_hash import dhash, hamming, hamming_histogram, near_pairs

# --------------------------------------------------------------------------- captions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Addressed Envelope With Stamp", "Addressed Envelope With Stamp"),
        ("A frog.", "A frog"),
        ("  stick   man ", "stick man"),
        ("arrow-down-seagreen", "arrow down seagreen"),
        ("Clipart by Nicu Buculei - piggybank", "piggybank"),
        ("“School Crossing”", '"School Crossing"'),
    ],
)
def test_clean_caption_keeps_and_tidies_real_captions(text: str, expected: str) -> None:
    assert cc.clean_caption(text) == expected


@pytest.mark.parametrize(
    ("text", "shared", "reason"),
    [
        ("", 1, "untitled"),
        ("Untitled", 1, "untitled"),
        ("gramastar", 1375, "collection title"),
        ("Lemon SVG theme", 1, "collection title"),
        ("Etiquette Icons", 1, "collection title"),
        ("arrow08_4", 1, "file-name-like"),
        ("Clipart by Nicu Buculei - smiley111", 1, "file-name-like"),
        ("flag.svg", 1, "file-name-like"),
        ("contact: someone@example.org", 1, "address"),
        ("see http://example.org", 1, "address"),
        (" ".join(["word"] * 17), 1, "too long"),
        ("x" * 101, 1, "too long"),
        (":)", 1, "no words"),
    ],
)
def test_clean_caption_drops_what_does_not_describe(text: str, shared: int, reason: str) -> None:
    result = cc.clean_caption(text, shared=shared)
    assert isinstance(result, cc.Drop) and result.reason == reason


def test_a_title_shared_by_a_few_drawings_is_still_a_caption() -> None:
    assert cc.clean_caption("card", shared=cc.MAX_SHARED_TITLE) == "card"
    assert isinstance(cc.clean_caption("card", shared=cc.MAX_SHARED_TITLE + 1), cc.Drop)


def test_unique_captions_ignores_case() -> None:
    assert cc.unique_captions(["Cherry Pie", "cherry pie", "A pie"]) == ["Cherry Pie", "A pie"]


# --------------------------------------------------------------------------- fixture packages

NS = (
    'xmlns="http://www.w3.org/2000/svg" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:cc="http://web.resource.org/cc/" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
)


def svg(shapes: str, title: str | None, description: str = "", creator: str = "Ann Artist") -> str:
    metadata = ""
    if title is not None:
        metadata = f"""<metadata><rdf:RDF><cc:Work rdf:about="">
<dc:title>{title}</dc:title><dc:description>{description}</dc:description>
<dc:creator><cc:Agent><dc:title>{creator}</dc:title></cc:Agent></dc:creator>
<cc:license rdf:resource="http://web.resource.org/cc/PublicDomain"/></cc:Work></rdf:RDF></metadata>"""
    return f'<svg {NS} width="200" height="100" viewBox="0 0 200 100">{metadata}{shapes}</svg>'


def random_shapes(seed: int) -> str:
    """A few coloured rectangles and circles: different seeds give drawings far apart in dHash."""
    rng = random.Random(seed)
    shapes = [f'<rect x="0" y="0" width="200" height="100" fill="rgb({rng.randrange(256)},90,40)"/>']
    for _ in range(6):
        colour = f"rgb({rng.randrange(256)},{rng.randrange(256)},{rng.randrange(256)})"
        if rng.random() < 0.5:
            x, y = rng.randrange(160), rng.randrange(70)
            w, h = rng.randrange(10, 60), rng.randrange(10, 40)
            shapes.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{colour}"/>')
        else:
            cx, cy, r = rng.randrange(200), rng.randrange(100), rng.randrange(5, 35)
            shapes.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{colour}"/>')
    return "".join(shapes)


def stamp_png(seed: int) -> bytes:
    rng = random.Random(1000 + seed)
    image = Image.new("RGBA", (90, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(70), rng.randrange(100)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256), 255)
        draw.ellipse((x, y, x + rng.randrange(10, 40), y + rng.randrange(10, 40)), fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


THINGS = [
    "cat",
    "dog",
    "cow",
    "hen",
    "fox",
    "owl",
    "bee",
    "ant",
    "elk",
    "yak",
    "emu",
    "eel",
    "cod",
    "ram",
    "pig",
    "bat",
    "rat",
    "jay",
    "kite",
    "boat",
    "car",
    "bus",
    "van",
    "cup",
    "jug",
    "pot",
    "pan",
    "hat",
    "cap",
]
N_PLAIN, N_STAMPS, N_COLLECTION = len(THINGS), 8, cc.MAX_SHARED_TITLE + 1
NEAR_COPY = ("animals/blue_bird.svg", "animals/blue_bird_light.svg")
SAME_TITLE = ("food/apple_a.svg", "food/apple_b.svg")


def make_packages(root: Path) -> tuple[Path, Path]:
    """Unpacked package roots shaped like the Debian ones, with every case the cleaning handles."""
    openclipart, tuxpaint = root / "openclipart", root / "tuxpaint"
    svgs = openclipart / cc.OPENCLIPART_DIR
    stamps = tuxpaint / cc.TUXPAINT_DIR

    def write(relative: str, text: str) -> None:
        path = svgs / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    for index, thing in enumerate(THINGS):
        write(f"shapes/thing_{index:02d}.svg", svg(random_shapes(index), f"A {thing}"))
    # A near-copy: the same drawing with one shape a shade lighter, under another title.
    bird = random_shapes(500)
    write(NEAR_COPY[0], svg(bird, "Blue bird", "A small blue bird on a branch"))
    write(NEAR_COPY[1], svg(bird.replace('fill="rgb(', 'fill="rgb(1', 1), "Light blue bird"))
    # Two different drawings with the same title.
    write(SAME_TITLE[0], svg(random_shapes(600), "Apple"))
    write(SAME_TITLE[1], svg(random_shapes(601), "apple"))
    # A collection label on many drawings: those drawings have no caption left.
    for index in range(N_COLLECTION):
        write(f"shapes/stars/star_{index}.svg", svg(random_shapes(700 + index), "gramastar"))
    # A file-name-like title with a usable description: the description becomes the caption.
    write("office/pen_01.svg", svg(random_shapes(800), "pen_01", "A fountain pen"))
    write("office/untitled.svg", svg(random_shapes(801), "untitled"))
    write("office/no_metadata.svg", svg(random_shapes(802), None))
    write("office/long.svg", svg(random_shapes(803), "Ink pot", "word " * 40))
    write("office/blank.svg", svg("", "A white page"))
    write("office/broken.svg", "<svg><metadata>")
    (svgs / "office" / "link.svg").symlink_to(svgs / "office" / "pen_01.svg")

    for index in range(N_STAMPS):
        folder = stamps / "animals" / "birds"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"bird{chr(97 + index)}.png").write_bytes(stamp_png(index))
        (folder / f"bird{chr(97 + index)}.txt").write_text(
            f"A bird of kind {chr(65 + index)}.\nde.utf8=Ein Vogel.\nen_GB.utf8=A bird, kind {index}.\n",
            encoding="utf-8",
        )
    (stamps / "animals" / "orphan.txt").write_text("A stamp without an image.\n", encoding="utf-8")
    (stamps / "animals" / "nocaption.png").write_bytes(stamp_png(99))
    vector = stamps / "shapes"
    vector.mkdir(parents=True)
    (vector / "kite.svg").write_text(svg(random_shapes(900), None), encoding="utf-8")
    (vector / "kite.txt").write_text("A red kite.\n", encoding="utf-8")
    (vector / "foreign.png").write_bytes(stamp_png(98))
    (vector / "foreign.txt").write_text("fr.utf8=Une image.\n", encoding="utf-8")
    return openclipart, tuxpaint


def _quiet(iterable, **_kwargs):
    return iter(iterable)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], Path]:
    root = tmp_path_factory.mktemp("clipart")
    openclipart, tuxpaint = make_packages(root)
    out = root / "out"
    sizes = cc.build_from_packages(openclipart, tuxpaint, out, progress=_quiet)
    return out, sizes, root


def _rows(folder: Path) -> dict[str, list[dict]]:
    import pyarrow.parquet as pq

    return {name: pq.read_table(folder / f"{name}.parquet").to_pylist() for name in cc.SPLITS}


def _image(row: dict) -> Image.Image:
    return Image.open(io.BytesIO(row["image"]["bytes"]))


# --------------------------------------------------------------------------- parsing


def test_svg_metadata_is_read_from_the_work(tmp_path: Path) -> None:
    path = tmp_path / "a.svg"
    path.write_text(
        svg("<rect width='5' height='5'/>", "Bat", "A bat flying", "Orlando Karam"), encoding="utf-8"
    )
    assert cc.read_svg_metadata(path) == ("Bat", "A bat flying", "Orlando Karam")
    path.write_text(svg("<rect width='5' height='5'/>", None), encoding="utf-8")
    assert cc.read_svg_metadata(path) == ("", "", "")
    path.write_text("<svg><metadata>", encoding="utf-8")
    with pytest.raises(ValueError, match="not well-formed"):
        cc.read_svg_metadata(path)


def test_stamp_caption_is_the_first_line_only(tmp_path: Path) -> None:
    path = tmp_path / "frog.txt"
    path.write_text("A frog.\nde.utf8=Ein Frosch.\nen_GB.utf8=A frog.\n", encoding="utf-8")
    assert cc.read_stamp_caption(path) == ["A frog."]
    path.write_text("fr.utf8=Une grenouille.\n", encoding="utf-8")
    assert cc.read_stamp_caption(path) == []
    path.write_text("", encoding="utf-8")
    assert cc.read_stamp_caption(path) == []


def test_readers_find_drawings_and_skip_links_and_orphans(tmp_path: Path) -> None:
    openclipart, tuxpaint = make_packages(tmp_path)
    drawings = cc.read_openclipart(openclipart / cc.OPENCLIPART_DIR)
    ids = {d.id for d in drawings}
    assert "openclipart/office/link" not in ids and "openclipart/office/broken" not in ids
    assert len(drawings) == N_PLAIN + 2 + 2 + N_COLLECTION + 5
    bird = next(d for d in drawings if d.id == "openclipart/animals/blue_bird")
    assert bird.texts == ("Blue bird", "A small blue bird on a branch") and bird.attribution == "Ann Artist"
    assert bird.category == "animals"
    stamps = cc.read_tuxpaint(tuxpaint / cc.TUXPAINT_DIR)
    assert {d.id for d in stamps} == {
        *(f"tuxpaint/animals/birds/bird{chr(97 + i)}" for i in range(N_STAMPS)),
        "tuxpaint/shapes/kite",
        "tuxpaint/shapes/foreign",
    }
    kite = next(d for d in stamps if d.id == "tuxpaint/shapes/kite")
    assert kite.path.suffix == ".svg" and kite.texts == ("A red kite.",)
    with pytest.raises(FileNotFoundError, match="openclipart-svg"):
        cc.read_openclipart(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="tuxpaint-stamps"):
        cc.read_tuxpaint(tmp_path / "nowhere")


def test_render_squares_on_white_at_any_size(tmp_path: Path) -> None:
    path = tmp_path / "wide.svg"
    path.write_text(svg('<rect x="50" y="40" width="100" height="20" fill="red"/>', "Bar"), encoding="utf-8")
    for size in (64, 96):
        image = cc.render(path, size)
        assert image.size == (size, size) and image.mode == "RGB"
        # cropped to the bar, centred: red across the middle row, white above and below it
        assert (
            image.getpixel((size // 2, size // 2))[0] > 200 and image.getpixel((size // 2, size // 2))[1] < 60
        )
        assert image.getpixel((size // 2, 2)) == (255, 255, 255)
    stamp = tmp_path / "stamp.png"
    stamp.write_bytes(stamp_png(3))
    assert cc.render(stamp, 64).size == (64, 64)


# --------------------------------------------------------------------------- the builder on the fixture


def test_fixture_build_writes_loadable_splits_and_card(built, tmp_path: Path) -> None:
    import datasets

    out, sizes, _ = built
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "test.parquet",
        "train.parquet",
        "validation.parquet",
    ]
    loaded = datasets.load_dataset(str(out), cache_dir=str(tmp_path))
    assert {name: len(split) for name, split in loaded.items()} == sizes
    row = loaded["train"][0]
    assert row["image"].size == (64, 64) and row["image"].mode == "RGB"
    assert set(row) == {
        "image",
        "caption",
        "captions",
        "source",
        "licence",
        "attribution",
        "id",
        "category",
        "group",
        "dhash",
    }
    card = common.read_card_metadata(out)
    assert {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]} == sizes
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "GNU GPL version 2 or later" in text and "public domain" in text
    assert f"| **total** | {sum(sizes.values()):,} |" in text


def test_fixture_cleaning(built) -> None:
    out, _, _ = built
    rows = {row["id"]: row for split in _rows(out).values() for row in split}
    # collection labels, no metadata, untitled, blank, broken, links, orphans and foreign-only captions: gone
    assert not any(i.startswith("openclipart/shapes/stars/") for i in rows)
    for gone in ("untitled", "no_metadata", "blank", "broken", "link"):
        assert f"openclipart/office/{gone}" not in rows
    assert "tuxpaint/shapes/foreign" not in rows and "tuxpaint/animals/nocaption" not in rows
    # the title is file-name-like, the description is kept
    assert rows["openclipart/office/pen_01"]["captions"] == ["A fountain pen"]
    assert rows["openclipart/office/long"]["captions"] == ["Ink pot"]  # description too long
    bird = rows["openclipart/animals/blue_bird"]
    assert bird["captions"] == ["Blue bird", "A small blue bird on a branch"]
    assert bird["source"] == "openclipart" and bird["attribution"] == "Ann Artist"
    assert bird["licence"] == cc.LICENCES["openclipart"]
    stamp = rows["tuxpaint/animals/birds/birda"]
    assert stamp["caption"] == "A bird of kind A" and stamp["captions"] == ["A bird of kind A"]
    assert stamp["licence"] == "GPL-2.0-or-later" and stamp["source"] == "tuxpaint"
    assert rows["tuxpaint/shapes/kite"]["caption"] == "A red kite"
    assert all(row["caption"] == row["captions"][0] for row in rows.values())
    assert len(rows) == N_PLAIN + 2 + 2 + 2 + N_STAMPS + 1
    text = (out / "README.md").read_text(encoding="utf-8")
    for reason, count in (
        ("collection title", N_COLLECTION),
        ("untitled", 2),
        ("file-name-like", 1),
        ("too long", 1),
    ):
        assert f"  - {reason}: {count} (e.g." in text
    assert "1 rendered blank" in text and "could not be rendered" in text


def test_no_near_copy_across_splits(built) -> None:
    out, _, _ = built
    splits = _rows(out)
    located = [(name, dhash(_image(row)), row) for name, rows in splits.items() for row in rows]
    for index, (split_a, hash_a, row_a) in enumerate(located):
        assert f"{hash_a:016x}" == row_a["dhash"]
        for split_b, hash_b, row_b in located[index + 1 :]:
            if split_a != split_b:
                assert hamming(hash_a, hash_b) > cc.HASH_THRESHOLD, (row_a["id"], row_b["id"])
    where = {row["id"]: name for name, _, row in located}
    near = [f"openclipart/{p.removesuffix('.svg')}" for p in NEAR_COPY]
    same = [f"openclipart/{p.removesuffix('.svg')}" for p in SAME_TITLE]
    assert where[near[0]] == where[near[1]] and where[same[0]] == where[same[1]]
    by_id = {row["id"]: row for _, _, row in located}
    assert by_id[near[0]]["group"] == by_id[near[1]]["group"]
    assert hamming(int(by_id[near[0]]["dhash"], 16), int(by_id[near[1]]["dhash"], 16)) <= cc.HASH_THRESHOLD


def test_split_sizes_follow_the_group_fractions(built) -> None:
    out, sizes, _ = built
    splits = _rows(out)
    groups = {name: {row["group"] for row in rows} for name, rows in splits.items()}
    assert not groups["train"] & groups["test"] and not groups["train"] & groups["validation"]
    assert not groups["validation"] & groups["test"]
    total = sum(len(g) for g in groups.values())
    # 30 plain + 1 near-copy pair + 1 same-title pair + pen + ink pot + 8 stamps + kite = 44 groups
    assert total == N_PLAIN + 1 + 1 + 2 + N_STAMPS + 1
    assert len(groups["test"]) == round(cc.TEST_FRACTION * total)
    assert len(groups["validation"]) == round(cc.VALIDATION_FRACTION * total)
    assert sizes == {name: len(rows) for name, rows in splits.items()}
    assert sum(sizes.values()) == N_PLAIN + 2 + 2 + 2 + N_STAMPS + 1


def test_fixture_build_is_deterministic_and_renders_larger(built) -> None:
    out, _, root = built
    again = root / "again"
    cc.build_from_packages(root / "openclipart", root / "tuxpaint", again, progress=_quiet, workers=2)
    for name in ["README.md", *(f"{split}.parquet" for split in cc.SPLITS)]:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    large = root / "large"
    sizes = cc.build_from_packages(
        root / "openclipart", root / "tuxpaint", large, progress=_quiet, image_size=96
    )
    assert sizes == {name: len(rows) for name, rows in _rows(out).items()}
    assert _image(_rows(large)["train"][0]).size == (96, 96)
    with pytest.raises(ValueError, match="image_size"):
        cc.build_from_packages(root / "openclipart", root / "tuxpaint", root / "tiny", image_size=4)


def test_a_limit_keeps_a_stable_sample(built) -> None:
    _, _, root = built
    sizes = cc.build_from_packages(
        root / "openclipart", root / "tuxpaint", root / "sampled", progress=_quiet, limit=30
    )
    assert sum(sizes.values()) == 30
    assert "left out by a stable sample" in (root / "sampled" / "README.md").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the perceptual hash


def _gradient(flip: bool = False) -> Image.Image:
    image = Image.new("L", (64, 64))
    image.putdata([(255 - 4 * x if flip else 4 * x) for _ in range(64) for x in range(64)])
    return image


def test_dhash_sees_brightness_steps_and_ignores_scale() -> None:
    rising, falling = dhash(_gradient()), dhash(_gradient(flip=True))
    assert rising == 0 and falling == 2**64 - 1 and hamming(rising, falling) == 64
    photo = Image.open(io.BytesIO(stamp_png(1))).convert("RGB")
    assert hamming(dhash(photo), dhash(photo.resize((200, 260)))) <= 2
    with pytest.raises(ValueError, match="bits"):
        dhash(photo, bits=1)


def test_near_pairs_and_histogram() -> None:
    hashes = [0b0, 0b111, 0b1, 2**64 - 1]
    assert near_pairs(hashes, 1) == [(0, 2)]
    assert near_pairs(hashes, 3) == [(0, 1), (0, 2), (1, 2)]
    assert hamming_histogram(hashes, limit=4) == {0: 0, 1: 2, 2: 1, 3: 0, 4: 0}
    assert len(near_pairs([5] * 1100, 0)) == 1100 * 1099 // 2  # across the 1,024-row blocks
    with pytest.raises(ValueError, match="threshold"):
        near_pairs(hashes, -1)
    with pytest.raises(ValueError, match="64 bits"):
        near_pairs([2**64], 0)


# --------------------------------------------------------------------------- the committed dataset

COMMITTED = common.data_dir() / cc.NAME


def test_committed_dataset_matches_its_card_and_budget() -> None:
    import re

    card = common.read_card_metadata(COMMITTED)
    stated = {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]}
    assert stated == common.split_sizes(COMMITTED) and list(stated) == list(cc.SPLITS)
    body = (COMMITTED / "README.md").read_text(encoding="utf-8")
    for name, count in stated.items():
        assert re.search(rf"^\| {name} \| {count:,} \|", body, flags=re.MULTILINE), name
    assert [s["version"] for s in card["source_packages"]] == [cc.OPENCLIPART_VERSION, cc.TUXPAINT_VERSION]
    assert sum(p.stat().st_size for p in COMMITTED.glob("*.parquet")) < 20_000_000


def test_committed_dataset_has_no_near_copy_across_splits() -> None:
    import numpy as np

    splits = _rows(COMMITTED)
    rows = [(name, row) for name, split_rows in splits.items() for row in split_rows]
    assert {row["source"] for _, row in rows} == set(cc.SOURCES)
    assert all(row["caption"] == row["captions"][0] and row["caption"] for _, row in rows)
    ids = [row["id"] for _, row in rows]
    assert len(ids) == len(set(ids))
    hashes = np.array([int(row["dhash"], 16) for _, row in rows], dtype=np.uint64)
    names = np.array([name for name, _ in rows])
    for index in range(len(rows)):
        close = np.bitwise_count(hashes[index] ^ hashes[index + 1 :]) <= cc.HASH_THRESHOLD
        assert (names[index + 1 :][close] == names[index]).all(), rows[index][1]["id"]
    sample = _rows(COMMITTED)["test"][:20]
    assert all(f"{dhash(_image(row)):016x}" == row["dhash"] for row in sample)
