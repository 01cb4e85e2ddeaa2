"""The `emoji-captions` corpus: group keys, caption normalisation, the builder on a tiny hand-made
package (no network), split disjointness, and the committed dataset in data/emoji-captions."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from rnnhub.data import captioning_emoji as ce
from rnnhub.data import common

TONES = ("1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF")

# --------------------------------------------------------------------------- group keys


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("1F44B", "1F44B"),
        ("1F44B-1F3FD", "1F44B"),  # skin tone
        ("1F3C3-200D-2640-FE0F", "1F3C3"),  # woman running
        ("1F3C3-1F3FB-200D-2642-FE0F-200D-27A1-FE0F", "1F3C3"),  # man running facing right, light tone
        ("1F469-200D-1F4BB", "1F9D1-200D-1F4BB"),  # woman technologist -> technologist
        ("1F468-1F3FE-200D-1F4BB", "1F9D1-200D-1F4BB"),
        ("1F468-200D-1F9B0", "1F468"),  # man: red hair -> man
        ("1F9D4-200D-2640-FE0F", "1F9D4"),  # woman: beard -> person: beard
        ("1F468-200D-1F469-200D-1F467", "1F46A"),  # family: man, woman, girl
        ("1F469-200D-2764-FE0F-200D-1F48B-200D-1F468", "1F48F"),  # kiss: woman, man
        ("1F469-200D-2764-FE0F-200D-1F468", "1F491"),  # couple with heart: woman, man
        ("1F46D", "1F9D1-200D-1F91D-200D-1F9D1"),  # women holding hands
        ("2640-FE0F", "2640"),  # the female sign itself is a base emoji
        ("1F3F3-FE0F-200D-1F308", "1F3F3-200D-1F308"),  # rainbow flag is not a variant of white flag
    ],
)
def test_base_code(code: str, group: str) -> None:
    assert ce.base_code(code) == group


@pytest.mark.parametrize(
    ("name", "caption"),
    [
        ("GRINNING FACE WITH SMILING EYES", "grinning face with smiling eyes"),
        ("woman technologist: medium skin tone", "woman technologist with medium skin tone"),
        ("family: man, woman, boy", "family with man, woman and boy"),
        ("flag: Côte d’Ivoire", "flag of cote d'ivoire"),
        ("flag: São Tomé & Príncipe", "flag of sao tome and principe"),
        ("keycap: #", "keycap hash"),
        ("man: bald", "bald man"),
        ("man: light skin tone, bald", "bald man with light skin tone"),
        ("Japanese “here” button", "japanese here button"),
        ("A button (blood type)", "a button blood type"),
        ("castile and le\ufffdn flag", ""),
    ],
)
def test_normalize_caption(name: str, caption: str) -> None:
    assert ce.normalize_caption(name) == caption


def test_short_names_become_words_or_nothing() -> None:
    assert ce.short_name_caption("woman-running") == "woman running"
    assert ce.short_name_caption("heart_eyes") == "heart eyes"
    for code in ("flag-va", "us", "clock9", "+1", "u7121", "skin-tone-2"):
        assert ce.short_name_caption(code) == ""


def test_with_skin_tones_follows_cldr_style() -> None:
    assert ce.with_skin_tones("SANTA", ("light skin tone",)) == "SANTA: light skin tone"
    assert ce.with_skin_tones("WOMAN: BEARD", ("dark skin tone",)) == "WOMAN: BEARD, dark skin tone"
    assert ce.with_skin_tones("SANTA", ()) == "SANTA"


# --------------------------------------------------------------------------- fixture package


def _png(color: tuple[int, int, int], shape: int, size: int = 64) -> bytes:
    """A distinct little picture: a coloured shape on a transparent background."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    box = (8 + shape % 5, 8 + shape % 7, size - 8 - shape % 3, size - 8)
    (draw.ellipse if shape % 2 else draw.rectangle)(box, fill=(*color, 255), outline=(0, 0, 0, 255))
    draw.line((0, shape % size, size - 1, (3 * shape) % size), fill=(0, 0, 0, 255), width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _entry(code: str, name: str, short: str, category: str = "Smileys & Emotion", order: int = 0) -> dict:
    return {
        "name": name,
        "unified": code,
        "image": f"{code.lower()}.png",
        "short_names": [short],
        "category": category,
        "added_in": "1.0",
        "sort_order": order,
        "has_img_google": True,
    }


def make_fixture(root: Path) -> tuple[Path, Path]:
    """A tiny emoji-datasource-google and openmoji package in the source formats."""
    google, openmoji = root / "google" / "package", root / "openmoji" / "package"
    images = google / "img" / "google" / "64"
    images.mkdir(parents=True)
    (openmoji / "data").mkdir(parents=True)
    entries: list[dict] = []
    pictures: dict[str, bytes] = {}

    def add(entry: dict, picture: bytes | None) -> dict:
        entry["sort_order"] = len(entries)
        entries.append(entry)
        if picture is not None:
            pictures[entry["image"]] = picture
        return entry

    # 24 plain emoji, six of them with five skin tones each.
    for index in range(24):
        code = f"{0x1F600 + index:X}"
        entry = add(_entry(code, f"FACE NUMBER {index}", f"face_{'abcdefghijklmnopqrstuvwx'[index]}"), None)
        pictures[entry["image"]] = _png((10 * index, 200 - 5 * index, 90), index)
        if index % 4 == 0:
            entry["skin_variations"] = {}
            for shade, tone in enumerate(TONES, start=1):
                variant = f"{code}-{tone}"
                entry["skin_variations"][tone] = {"unified": variant, "image": f"{variant.lower()}.png"}
                pictures[f"{variant.lower()}.png"] = _png((10 * index, 40 * shade, 255 - 30 * shade), index)
    # A gendered role: technologist with man / woman variants, all one group.
    add(_entry("1F9D1-200D-1F4BB", "TECHNOLOGIST", "technologist"), _png((0, 0, 255), 31))
    add(_entry("1F468-200D-1F4BB", "MAN TECHNOLOGIST", "male-technologist"), _png((0, 90, 255), 32))
    add(_entry("1F469-200D-1F4BB", "WOMAN TECHNOLOGIST", "female-technologist"), _png((90, 0, 255), 33))
    # A snowboarder whose skin tone does not show: the variant duplicates the base.
    snow = add(_entry("1F3C2", "SNOWBOARDER", "snowboarder"), _png((1, 2, 3), 34))
    snow["skin_variations"] = {"1F3FB": {"unified": "1F3C2-1F3FB", "image": "1f3c2-1f3fb.png"}}
    pictures["1f3c2-1f3fb.png"] = pictures["1f3c2.png"]
    # Two territories sharing one flag: one row, both names as captions.
    add(_entry("1F1EB-1F1F7", "France Flag", "flag-fr", "Flags"), _png((0, 0, 128), 35))["added_in"] = "0.6"
    add(_entry("1F1E8-1F1F5", "Clipperton Island Flag", "flag-cp", "Flags"), _png((0, 0, 128), 35))
    # Degenerate items: a skin-tone swatch, a blank picture, a missing image file.
    add(
        _entry("1F3FB", "EMOJI MODIFIER FITZPATRICK TYPE-1-2", "skin-tone-2", "Component"),
        _png((250, 220, 180), 36),
    )
    add(_entry("1F47B", "GHOST", "ghost"), _blank_png())
    add(_entry("1F4A9", "PILE OF POO", "poop"), None)

    for name, picture in pictures.items():
        (images / name).write_bytes(picture)
    (google / "emoji.json").write_text(json.dumps(entries), encoding="utf-8")
    (google / "package.json").write_text(json.dumps({"name": "emoji-datasource-google", "version": "0.0.1"}))
    annotations = [
        {"hexcode": "1F600", "annotation": "grinning face", "tags": "face, grin", "openmoji_tags": "happy"},
        {
            "hexcode": "1F600-1F3FD",
            "annotation": "grinning face: medium skin tone",
            "tags": "",
            "openmoji_tags": "",
        },
        {"hexcode": "1F9D1-200D-1F4BB", "annotation": "technologist", "tags": "coder", "openmoji_tags": ""},
        {"hexcode": "1F1EB-1F1F7", "annotation": "flag: France", "tags": "", "openmoji_tags": ""},
    ]
    (openmoji / "data" / "openmoji.json").write_text(json.dumps(annotations), encoding="utf-8")
    (openmoji / "package.json").write_text(json.dumps({"name": "openmoji", "version": "0.0.2"}))
    return google, openmoji


def _blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def _quiet(iterable, **_kwargs):
    return iter(iterable)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], Path]:
    root = tmp_path_factory.mktemp("emoji")
    google, openmoji = make_fixture(root)
    out = root / "out"
    sizes = ce.build_from_packages(google, openmoji, out, progress=_quiet, variant_fraction=0.5)
    return out, sizes, root


def _load(folder: Path, cache: Path):
    import datasets

    return datasets.load_dataset(str(folder), cache_dir=str(cache))


def _rows(folder: Path) -> dict[str, list[dict]]:
    """Every split's rows straight from parquet (no image decoding)."""
    import pyarrow.parquet as pq

    return {name: pq.read_table(folder / f"{name}.parquet").to_pylist() for name in ce.SPLITS}


# --------------------------------------------------------------------------- builder on the fixture


def test_fixture_build_writes_loadable_splits_and_card(built, tmp_path: Path) -> None:
    out, sizes, _ = built
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["README.md", *(f"{name}.parquet" for name in ce.SPLITS)]
    )
    loaded = _load(out, tmp_path)
    assert {name: len(split) for name, split in loaded.items()} == sizes
    assert all(sizes[name] > 0 for name in ce.SPLITS)
    card = common.read_card_metadata(out)
    assert {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]} == sizes
    assert card["source_packages"][0] == {
        "registry": "npm",
        "package": "emoji-datasource-google",
        "version": "0.0.1",
    }
    assert "openmoji 0.0.2" in card["source"]
    assert "CC BY-SA 4.0" in (out / "README.md").read_text(encoding="utf-8")
    image = loaded["train"][0]["image"]
    assert image.size == (64, 64) and image.mode == "RGB"


def test_fixture_cleaning(built) -> None:
    out, _, _ = built
    rows = [row for split in _rows(out).values() for row in split]
    codes = {row["code"] for row in rows}
    # swatch, blank picture and missing file dropped; the snowboarder's invisible tone merged away
    assert not codes & {"1F3FB", "1F47B", "1F4A9", "1F3C2-1F3FB"}
    assert "1F3C2" in codes
    snowboarder = next(row for row in rows if row["code"] == "1F3C2")
    assert snowboarder["captions"] == ["snowboarder"]
    # one flag picture: the earlier-encoded France is kept, Clipperton's names become extra captions
    flag = next(row for row in rows if row["code"] == "1F1EB-1F1F7")
    assert "1F1E8-1F1F5" not in codes
    assert flag["caption"] == "flag of france"
    assert flag["captions"] == ["flag of france", "france flag", "clipperton island flag"]
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "2 exact duplicates dropped" in text and "1 skin-tone swatches" in text


def test_fixture_captions_prefer_cldr_names(built) -> None:
    out, _, _ = built
    by_code = {row["code"]: row for split in _rows(out).values() for row in split}
    grinning = by_code["1F600"]
    assert grinning["captions"] == ["grinning face", "face number 0", "face a"]
    assert grinning["keywords"] == ["face", "grin", "happy"]
    variant = by_code["1F600-1F3FD"]
    assert variant["captions"][0] == "grinning face with medium skin tone"
    assert "face a with medium skin tone" in variant["captions"]
    assert variant["keywords"] == ["face", "grin", "happy"]  # inherited from its entry
    assert variant["is_variant"] and variant["group"] == "1F600"
    assert by_code["1F469-200D-1F4BB"]["group"] == "1F9D1-200D-1F4BB"
    assert by_code["1F469-200D-1F4BB"]["captions"] == ["woman technologist", "female technologist"]
    assert all(row["caption"] == row["captions"][0] for row in by_code.values())


def test_fixture_splits_do_not_leak(built) -> None:
    out, _, _ = built
    _assert_no_leak(_rows(out))


def test_fixture_build_is_deterministic(built) -> None:
    out, _, root = built
    again = root / "again"
    ce.build_from_packages(
        root / "google" / "package",
        root / "openmoji" / "package",
        again,
        progress=_quiet,
        variant_fraction=0.5,
    )
    for name in ["README.md", *(f"{split}.parquet" for split in ce.SPLITS)]:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_fixture_build_without_openmoji(built, tmp_path: Path) -> None:
    _, _, root = built
    ce.build_from_packages(
        root / "google" / "package", None, tmp_path / "out", progress=_quiet, variant_fraction=0.5
    )
    rows = [row for split in _rows(tmp_path / "out").values() for row in split]
    grinning = next(row for row in rows if row["code"] == "1F600")
    assert grinning["captions"] == ["face number 0", "face a"] and grinning["keywords"] == []


def test_missing_source_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="emoji.json"):
        ce.read_google(tmp_path)
    with pytest.raises(FileNotFoundError, match="openmoji.json"):
        ce.read_openmoji(tmp_path)


# --------------------------------------------------------------------------- split invariants


def _assert_no_leak(splits: dict[str, list[dict]]) -> None:
    groups = {name: {row["group"] for row in rows} for name, rows in splits.items()}
    # unseen emoji: no base emoji shared between train and validation / test
    assert not groups["train"] & groups["test"]
    assert not groups["train"] & groups["validation"]
    assert not groups["validation"] & groups["test"]
    # unseen variants: only variants, each of a base emoji whose own picture is in train
    train_bases = {row["code"].replace("-FE0F", "") for row in splits["train"] if not row["is_variant"]}
    assert all(row["is_variant"] for row in splits["test_variants"])
    assert {row["group"] for row in splits["test_variants"]} <= train_bases
    # no picture appears twice anywhere (so no test picture is in train)
    digests = [hashlib.sha256(row["image"]["bytes"]).hexdigest() for rows in splits.values() for row in rows]
    assert len(digests) == len(set(digests))
    codes = [row["code"] for rows in splits.values() for row in rows]
    assert len(codes) == len(set(codes))


# --------------------------------------------------------------------------- the committed dataset

COMMITTED = common.data_dir() / ce.NAME


def test_committed_dataset_loads_with_the_card_sizes(tmp_path: Path) -> None:
    card = common.read_card_metadata(COMMITTED)
    stated = {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]}
    assert list(stated) == list(ce.SPLITS)
    loaded = _load(COMMITTED, tmp_path)
    assert {name: len(split) for name, split in loaded.items()} == stated
    body = (COMMITTED / "README.md").read_text(encoding="utf-8")
    for name, count in stated.items():
        assert re.search(rf"^\| {name} \| {count:,} \|", body, flags=re.MULTILINE), name
    assert card["source_packages"][0]["version"] == ce.GOOGLE_VERSION
    assert card["source_packages"][1]["version"] == ce.OPENMOJI_VERSION
    first = loaded["test_variants"][0]["image"]
    assert first.size == (ce.IMAGE_SIZE, ce.IMAGE_SIZE) and first.mode == "RGB"


def test_committed_dataset_splits_do_not_leak() -> None:
    _assert_no_leak(_rows(COMMITTED))


def test_committed_dataset_is_small_and_clean() -> None:
    total = sum(p.stat().st_size for p in COMMITTED.glob("*.parquet"))
    assert total < 15_000_000
    rows = [row for rows in _rows(COMMITTED).values() for row in rows]
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9 ',.\-]*", c) for row in rows for c in row["captions"])
    assert all(row["caption"] == row["captions"][0] for row in rows)
    primaries = [row["caption"] for row in rows]
    assert len(primaries) == len(set(primaries))
