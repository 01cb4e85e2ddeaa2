"""The `emoji-captions` corpus: Noto emoji images (64x64 PNG) captioned with their human-written names.

Sources (npm, fetched with ``npm pack``):

* ``emoji-datasource-google``: one 64x64 PNG per emoji and skin-tone variant (Google's Noto Emoji
  designs, Apache-2.0) plus ``emoji.json`` (Unicode name, short names, category, skin variations).
* ``openmoji``: only its ``data/openmoji.json`` is used, for the CLDR names ("waving hand: light skin
  tone") and keywords; its SVG graphics are *not* rendered, because a second image per emoji would
  push the committed corpus far past its size budget (~15 MB).

Rows: ``image`` (PNG, 64x64 RGB on white), ``caption`` (the primary name), ``captions`` (every name
that describes the image, primary first), ``keywords``, ``emoji``, ``code``, ``group``, ``is_variant``,
``category``. Splits are by *group* (base emoji): ``validation`` and ``test`` hold emoji never seen in
training; ``test_variants`` holds skin-tone / gender / direction / hair variants whose base emoji is in
``train`` but whose own image is not.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnhub.data import common
from rnnhub.data.registry import Corpus, register

if TYPE_CHECKING:
    import datasets
    from PIL import Image as PILImage

    from rnnhub.data.common import BuildContext

logger = logging.getLogger(__name__)

Progress = Callable[..., Iterator[Any]]

NAME = "emoji-captions"
GOOGLE_PACKAGE, GOOGLE_VERSION = "emoji-datasource-google", "16.0.0"
OPENMOJI_PACKAGE, OPENMOJI_VERSION = "openmoji", "17.0.0"
IMAGE_SIZE = 64
SPLITS = ("train", "validation", "test", "test_variants")
# Fractions of groups (base emoji) held out as unseen emoji, and of the variants of training groups
# held out as unseen variants.
VALIDATION_FRACTION = 0.1
TEST_FRACTION = 0.1
VARIANT_FRACTION = 0.15
SALT = NAME

# --------------------------------------------------------------------------- code points

ZWJ = "200D"
VS16 = "FE0F"  # emoji presentation selector: says nothing about the picture
SKIN_TONES = {
    "1F3FB": "light skin tone",
    "1F3FC": "medium-light skin tone",
    "1F3FD": "medium skin tone",
    "1F3FE": "medium-dark skin tone",
    "1F3FF": "dark skin tone",
}
# ZWJ parts that qualify a base emoji instead of naming a new thing: female / male sign, "facing
# right" arrow, and the hair-style components (red, curly, white hair, bald).
_QUALIFIER_PARTS = frozenset({"2640", "2642", "27A1", "1F9B0", "1F9B1", "1F9B2", "1F9B3"})
_MAN, _WOMAN, _PERSON = "1F468", "1F469", "1F9D1"
# boy, girl, man, woman, person, child
_PEOPLE = frozenset({"1F466", "1F467", _MAN, _WOMAN, _PERSON, "1F9D2"})
_HEART, _KISS_MARK, _HANDSHAKE = "2764", "1F48B", "1F91D"
_FAMILY, _KISS, _COUPLE_WITH_HEART = "1F46A", "1F48F", "1F491"
_PEOPLE_HOLDING_HANDS = f"{_PERSON}-{ZWJ}-{_HANDSHAKE}-{ZWJ}-{_PERSON}"
# Unicode encodes these gendered pairs as single code points next to the neutral ZWJ sequence.
_HOLDING_HANDS_SINGLES = frozenset({"1F46B", "1F46C", "1F46D"})


def strip_presentation(code: str) -> str:
    """`code` ("1F3F3-FE0F-200D-1F308") without emoji presentation selectors ("1F3F3-200D-1F308")."""
    return "-".join(part for part in code.upper().split("-") if part != VS16)


def base_code(code: str) -> str:
    """The group of an emoji: its base emoji's code points, so that all variants of one base share it.

    Skin tones, presentation selectors and qualifying ZWJ parts (gender signs, "facing right", hair
    styles) are dropped; "man/woman + ZWJ + X" roles become "person + ZWJ + X" ("woman technologist"
    -> "technologist"); people-only sequences are families, with a heart couples, with a kiss mark
    kisses, and gendered hand-holding pairs go with "people holding hands".
    """
    parts = [p for p in strip_presentation(code).split("-") if p not in SKIN_TONES]
    if len(parts) == 1 and parts[0] in _HOLDING_HANDS_SINGLES:
        return _PEOPLE_HOLDING_HANDS
    first, *rest = "-".join(parts).split(f"-{ZWJ}-")
    # A qualifier alone (the female sign, the arrow) is an emoji of its own, not a variant.
    pieces = [first, *(p for p in rest if p not in _QUALIFIER_PARTS)]
    people = [p for p in pieces if p in _PEOPLE]
    if len(pieces) > 1 and people:
        others = {p for p in pieces if p not in _PEOPLE}
        if not others:
            return _FAMILY
        if others == {_HEART, _KISS_MARK} and len(people) == 2:
            return _KISS
        if others == {_HEART} and len(people) == 2:
            return _COUPLE_WITH_HEART
        if others == {_HANDSHAKE} and len(people) == 2:
            return _PEOPLE_HOLDING_HANDS
        if len(pieces) == 2 and pieces[0] in (_MAN, _WOMAN) and len(people) == 1:
            pieces = [_PERSON, pieces[1]]
    return f"-{ZWJ}-".join(pieces)


def code_to_emoji(code: str) -> str:
    """The emoji text of a code ("1F44B-1F3FB" -> "👋🏻")."""
    return "".join(chr(int(part, 16)) for part in code.split("-"))


# --------------------------------------------------------------------------- captions

_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": " ", "”": " ", '"': " ", "(": " ", ")": " ", "!": " "})
_SYMBOL_WORDS = {"&": " and ", "#": " hash ", "*": " asterisk "}
_NOT_ALLOWED = re.compile(r"[^a-z0-9 ',.\-]")
_SPACES = re.compile(r"\s+")
# How "head: qualifier" names are read out; anything else becomes "head with qualifier".
_JOINERS = {"flag": "of", "keycap": ""}
# Qualifiers that read better as adjectives: "man: bald" -> "bald man", not "man with bald".
_ADJECTIVE_QUALIFIERS = frozenset({"bald"})


def join_words(items: Sequence[str]) -> str:
    """English list: "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _clean_text(text: str) -> str:
    """Lowercase ASCII words: accents dropped, typographic quotes and brackets removed, symbols spelled."""
    text = unicodedata.normalize("NFKD", text.translate(_TYPOGRAPHY))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    for symbol, words in _SYMBOL_WORDS.items():
        text = text.replace(symbol, words)
    text = _NOT_ALLOWED.sub(" ", text)
    return _SPACES.sub(" ", text).replace(" ,", ",").strip(" ,")


def normalize_caption(name: str) -> str:
    """A human-written emoji name as a lowercase caption; "" when nothing usable is left.

    "Côte d’Ivoire Flag" -> "cote d'ivoire flag"; "flag: Japan" -> "flag of japan"; "woman
    technologist: medium skin tone" -> "woman technologist with medium skin tone"; "family: man, woman,
    boy" -> "family with man, woman and boy"; "man: bald" -> "bald man".
    """
    if "\ufffd" in name:  # a mangled source string: better no caption than a wrong one
        return ""
    head, colon, rest = name.partition(":")
    head = _clean_text(head)
    if not colon:
        return head
    qualifiers = [q for q in (_clean_text(part) for part in rest.split(",")) if q]
    adjectives = [q for q in qualifiers if q in _ADJECTIVE_QUALIFIERS]
    qualifiers = [q for q in qualifiers if q not in _ADJECTIVE_QUALIFIERS]
    head = " ".join([*adjectives, head])
    if not qualifiers:
        return head
    joiner = _JOINERS.get(head, "with")
    return " ".join(word for word in (head, joiner, join_words(qualifiers)) if word)


def short_name_caption(short_name: str) -> str:
    """A Slack-style short name as words ("woman-running" -> "woman running"); "" for codes.

    Country codes ("flag-va", "us"), numbered aliases ("clock9", "cat2", "u7121") and "+1" are not
    words; two-letter names are codes or repeat a button's text ("ok", "ab").
    """
    if (
        len(short_name) <= 2
        or short_name.startswith(("flag-", "skin-tone-"))
        or any(ch.isdigit() for ch in short_name)
    ):
        return ""
    return normalize_caption(re.sub(r"[_\-]+", " ", short_name))


def with_skin_tones(name: str, tones: Sequence[str]) -> str:
    """`name` with skin-tone qualifiers in CLDR style ("santa: light skin tone"), before normalising."""
    if not tones:
        return name
    return f"{name}{', ' if ':' in name else ': '}{', '.join(tones)}"


def unique(items: Iterable[str]) -> list[str]:
    """Non-empty items in first-seen order, without repeats."""
    return list(dict.fromkeys(item for item in items if item))


# --------------------------------------------------------------------------- reading the sources


@dataclass(frozen=True)
class Emoji:
    """One picture from ``emoji.json``: an entry or one of its skin variations."""

    code: str  # unified code points, "1F44B-1F3FB"
    image: str  # file name under img/google/64/
    name: str  # source name with skin tones appended, not normalised
    short_names: tuple[str, ...]
    category: str
    added_in: tuple[int, ...]  # emoji version, for choosing between identical images
    order: tuple[int, int]  # (entry sort order, 1 + index among its variations, or 0)
    parent: str  # code of the emoji.json entry (the emoji itself unless a skin variation)
    tones: tuple[str, ...] = ()
    captions: tuple[str, ...] = field(default=())  # filled by `caption_emoji`
    keywords: tuple[str, ...] = field(default=())

    @property
    def group(self) -> str:
        # A skin variation belongs to its entry's group: its own code need not contain the entry's
        # (handshake 1F91D has variations 1FAF1-1F3FB-200D-1FAF2-1F3FC).
        return base_code(self.parent)

    @property
    def is_variant(self) -> bool:
        return bool(self.tones) or self.group != strip_presentation(self.code)


def _version(text: str | None) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", text or "")
    return tuple(int(n) for n in numbers) or (999,)


def _tone_names(key: str) -> tuple[str, ...]:
    """Skin-tone names of a variation key ("1F3FB-1F3FC"), repeated tones once ("1F3FB-1F3FB")."""
    return tuple(unique(SKIN_TONES[part] for part in key.upper().split("-")))


def read_google(package_dir: str | Path) -> list[Emoji]:
    """Every picture in ``emoji.json`` with a Google image, entries and skin variations, in source order."""
    path = Path(package_dir) / "emoji.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: not an emoji-datasource package folder")
    entries = json.loads(path.read_text(encoding="utf-8"))
    emojis: list[Emoji] = []
    for entry in entries:
        if not entry.get("has_img_google", True):
            continue
        base = Emoji(
            code=entry["unified"].upper(),
            image=entry["image"],
            name=entry.get("name") or "",
            short_names=tuple(entry.get("short_names") or ()),
            category=entry.get("category") or "",
            added_in=_version(entry.get("added_in")),
            order=(int(entry.get("sort_order", len(emojis))), 0),
            parent=entry["unified"].upper(),
        )
        emojis.append(base)
        variations = sorted((entry.get("skin_variations") or {}).items())
        for index, (key, variation) in enumerate(variations, start=1):
            if not variation.get("has_img_google", True):
                continue
            tones = _tone_names(key)
            emojis.append(
                replace(
                    base,
                    code=variation["unified"].upper(),
                    image=variation["image"],
                    name=with_skin_tones(base.name, tones),
                    added_in=_version(variation.get("added_in")),
                    order=(base.order[0], index),
                    tones=tones,
                )
            )
    return emojis


@dataclass(frozen=True)
class OpenMojiEntry:
    annotation: str
    keywords: tuple[str, ...]


def read_openmoji(package_dir: str | Path) -> dict[str, OpenMojiEntry]:
    """CLDR name and keywords per emoji from OpenMoji's ``data/openmoji.json``, keyed by `strip_presentation` code."""
    path = Path(package_dir) / "data" / "openmoji.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: not an openmoji package folder")
    entries: dict[str, OpenMojiEntry] = {}
    for entry in json.loads(path.read_text(encoding="utf-8")):
        tags = ",".join(entry.get(key) or "" for key in ("tags", "openmoji_tags"))
        keywords = tuple(sorted(set(unique(_clean_text(tag) for tag in tags.split(",")))))
        entries[strip_presentation(entry["hexcode"])] = OpenMojiEntry(entry.get("annotation") or "", keywords)
    return entries


def caption_emoji(emoji: Emoji, openmoji: Mapping[str, OpenMojiEntry]) -> Emoji:
    """Attach captions: the CLDR name first (it names variants and is gender-neutral where the frozen
    Unicode name is not: 1F935 is "person in tuxedo", not "MAN IN TUXEDO"), then the Unicode name,
    then the short names as words."""
    cldr = openmoji.get(strip_presentation(emoji.code))
    # Skin-tone variants have no keywords of their own in OpenMoji: use their entry's.
    parent = openmoji.get(strip_presentation(emoji.parent))
    keywords = (cldr.keywords if cldr else ()) or (parent.keywords if parent else ())
    short_names = [short_name_caption(s) for s in emoji.short_names]
    names = [
        normalize_caption(cldr.annotation) if cldr else "",
        normalize_caption(emoji.name),
        *(normalize_caption(with_skin_tones(s, emoji.tones)) for s in short_names if s),
    ]
    return replace(emoji, captions=tuple(unique(names)), keywords=keywords)


# --------------------------------------------------------------------------- images


def render_png(path: Path, size: int = IMAGE_SIZE) -> tuple[bytes, str]:
    """The image at `path` as RGB PNG bytes on a white background at `size` x `size`, plus a pixel hash.

    The hash is over decoded pixels, so two files that draw the same picture count as duplicates even
    when their PNG encodings differ.
    """
    from PIL import Image

    with Image.open(path) as source:
        rgba = source.convert("RGBA")
    if rgba.size != (size, size):
        rgba = rgba.resize((size, size), Image.Resampling.LANCZOS)
    rgb = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    return _encode_png(rgb), hashlib.sha256(rgb.tobytes()).hexdigest()


def _encode_png(image: PILImage.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def is_blank(png: bytes) -> bool:
    """True when the picture is a single colour (nothing drawn)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return all(low == high for low, high in image.getextrema())


# --------------------------------------------------------------------------- cleaning


@dataclass(frozen=True)
class Row:
    emoji: Emoji
    png: bytes
    pixels: str  # sha256 of the decoded pixels


@dataclass
class CleaningReport:
    """What cleaning removed, for the dataset card and the log."""

    source_pictures: int = 0
    components: int = 0
    missing_images: int = 0
    blank_images: int = 0
    no_caption: int = 0
    duplicate_images: int = 0
    merged_names: int = 0
    ambiguous_captions: int = 0
    resized_images: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, kind: str, example: str, limit: int = 4) -> None:
        shown = self.examples.setdefault(kind, [])
        if len(shown) < limit:
            shown.append(example)


def _keep_rank(emoji: Emoji) -> tuple[Any, ...]:
    """Which of several identical pictures to keep: a base before a variant, then the emoji that was
    encoded first (France 0.6 before Clipperton Island 2.0), then the shorter name (Norway before
    Bouvet Island), then source order."""
    return (emoji.is_variant, emoji.added_in, len(emoji.captions[0]), emoji.order)


def merge_duplicates(rows: Sequence[Row], report: CleaningReport) -> list[Row]:
    """One row per distinct picture. Names of dropped duplicates become extra captions of the kept row
    (the image really is both flags), except skin-tone variants that look like their base (the tone is
    invisible, e.g. the goggled snowboarder), whose names would describe what is not there."""
    by_pixels: dict[str, list[Row]] = {}
    for row in rows:
        by_pixels.setdefault(row.pixels, []).append(row)
    kept: list[Row] = []
    for row in rows:
        same = by_pixels[row.pixels]
        winner = min(same, key=lambda r: _keep_rank(r.emoji))
        if row is not winner:
            continue
        extra = [
            c for other in same if other is not winner and not other.emoji.tones for c in other.emoji.captions
        ]
        dropped = [other.emoji.captions[0] for other in same if other is not winner]
        report.duplicate_images += len(dropped)
        if dropped:
            report.note("duplicate_images", f"{' | '.join(dropped)} -> {winner.emoji.captions[0]}", limit=8)
        captions = tuple(unique([*winner.emoji.captions, *extra]))
        report.merged_names += len(captions) - len(winner.emoji.captions)
        kept.append(replace(row, emoji=replace(winner.emoji, captions=captions)))
    return kept


def drop_ambiguous_captions(rows: Sequence[Row], report: CleaningReport) -> list[Row]:
    """Remove each extra caption that also names another picture (the frozen Unicode name "man in
    tuxedo" is on both 1F935 and its man variant): a reference caption must single out its image.
    Primary captions are kept; a primary shared by two pictures is counted and logged."""
    owners: Counter[str] = Counter(c for row in rows for c in row.emoji.captions)
    primaries = Counter(row.emoji.captions[0] for row in rows)
    cleaned: list[Row] = []
    for row in rows:
        primary, *extra = row.emoji.captions
        kept_extra = [c for c in extra if owners[c] == 1]
        report.ambiguous_captions += len(extra) - len(kept_extra)
        for caption in extra:
            if owners[caption] > 1:
                report.note("ambiguous_captions", caption, limit=8)
        if primaries[primary] > 1:
            logger.warning("primary caption %r names %d pictures", primary, primaries[primary])
        cleaned.append(replace(row, emoji=replace(row.emoji, captions=(primary, *kept_extra))))
    return cleaned


def load_rows(
    google_dir: Path,
    openmoji: Mapping[str, OpenMojiEntry],
    report: CleaningReport,
    progress: Progress = common.progress,
) -> list[Row]:
    """Read, caption, render and clean every picture of the Google package, in source order."""
    emojis = sorted(read_google(google_dir), key=lambda e: e.order)
    report.source_pictures = len(emojis)
    rows: list[Row] = []
    image_dir = google_dir / "img" / "google" / str(IMAGE_SIZE)
    for emoji in progress(emojis, desc="rendering images", total=len(emojis), unit="img"):
        emoji = caption_emoji(emoji, openmoji)
        row = _load_row(emoji, image_dir, report)
        if row is not None:
            rows.append(row)
    return drop_ambiguous_captions(merge_duplicates(rows, report), report)


def _load_row(emoji: Emoji, image_dir: Path, report: CleaningReport) -> Row | None:
    """The row of one picture, or None (counted in `report`) when it is not a usable example."""
    if emoji.category == "Component":  # skin-tone swatches: colour squares, not pictures of a thing
        report.components += 1
        report.note("components", emoji.name)
        return None
    if not emoji.captions:
        report.no_caption += 1
        report.note("no_caption", emoji.code)
        return None
    path = image_dir / emoji.image
    if not path.is_file():
        report.missing_images += 1
        report.note("missing_images", emoji.image)
        return None
    png, pixels = render_png(path)
    if _png_size(path) != (IMAGE_SIZE, IMAGE_SIZE):
        report.resized_images += 1
    if is_blank(png):
        report.blank_images += 1
        report.note("blank_images", emoji.captions[0])
        return None
    return Row(emoji, png, pixels)


def _png_size(path: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        return image.size


# --------------------------------------------------------------------------- splitting


def assign_splits(
    rows: Sequence[Row], salt: str = SALT, variant_fraction: float = VARIANT_FRACTION
) -> dict[str, list[Row]]:
    """Rows per split, in row order.

    Whole groups (a base emoji with all its variants) go to train, validation or test, so validation
    and test emoji are never seen in training. Then a stable `variant_fraction` of the variants of
    training groups whose base picture stays in train moves to ``test_variants``.
    """
    groups = common.split_groups(
        (row.emoji.group for row in rows), validation=VALIDATION_FRACTION, test=TEST_FRACTION, salt=salt
    )
    bases_in_train = {
        row.emoji.group for row in rows if not row.emoji.is_variant and groups[row.emoji.group] == "train"
    }
    splits: dict[str, list[Row]] = {name: [] for name in SPLITS}
    for row in rows:
        split = groups[row.emoji.group]
        if (
            split == "train"
            and row.emoji.is_variant
            and row.emoji.group in bases_in_train
            and common.stable_fraction(row.emoji.code, f"{salt}/variants") < variant_fraction
        ):
            split = "test_variants"
        splits[split].append(row)
    return splits


# --------------------------------------------------------------------------- writing


def features() -> datasets.Features:
    import datasets

    return datasets.Features(
        {
            "image": datasets.Image(),
            "caption": datasets.Value("string"),
            "captions": datasets.List(datasets.Value("string")),
            "keywords": datasets.List(datasets.Value("string")),
            "emoji": datasets.Value("string"),
            "code": datasets.Value("string"),
            "group": datasets.Value("string"),
            "is_variant": datasets.Value("bool"),
            "category": datasets.Value("string"),
        }
    )


def to_dataset(rows: Sequence[Row]) -> datasets.Dataset:
    import datasets

    columns: dict[str, list[Any]] = {
        "image": [{"bytes": row.png, "path": f"{row.emoji.code.lower()}.png"} for row in rows],
        "caption": [row.emoji.captions[0] for row in rows],
        "captions": [list(row.emoji.captions) for row in rows],
        "keywords": [list(row.emoji.keywords) for row in rows],
        "emoji": [code_to_emoji(row.emoji.code) for row in rows],
        "code": [row.emoji.code for row in rows],
        "group": [row.emoji.group for row in rows],
        "is_variant": [row.emoji.is_variant for row in rows],
        "category": [row.emoji.category for row in rows],
    }
    return datasets.Dataset.from_dict(columns, features=features())


def describe_source(package_dir: Path) -> dict[str, str]:
    """Package name and exact version (from its package.json), plus the archive's sha256 when fetched."""
    package = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    info = {"registry": "npm", "package": package["name"], "version": package["version"]}
    # A hand-made folder (tests) has no archive to fingerprint.
    with contextlib.suppress(FileNotFoundError):
        info["sha256"] = common.source_info(package_dir.parent)["sha256"]
    return info


def build_from_packages(
    google_dir: str | Path,
    openmoji_dir: str | Path | None,
    out_dir: str | Path,
    progress: Progress = common.progress,
    salt: str = SALT,
    variant_fraction: float = VARIANT_FRACTION,
) -> dict[str, int]:
    """Build the corpus from unpacked npm package folders into `out_dir`; return the split sizes.

    openmoji_dir: None builds without CLDR names and keywords (captions from ``emoji.json`` only).
    """
    google_dir = Path(google_dir)
    openmoji = read_openmoji(Path(openmoji_dir)) if openmoji_dir is not None else {}
    sources = [describe_source(google_dir)] + ([describe_source(Path(openmoji_dir))] if openmoji_dir else [])
    report = CleaningReport()
    rows = load_rows(google_dir, openmoji, report, progress=progress)
    splits = assign_splits(rows, salt=salt, variant_fraction=variant_fraction)
    empty = [name for name, split_rows in splits.items() if not split_rows]
    if empty:
        raise ValueError(f"Split(s) {', '.join(empty)} came out empty: the source has too few emoji to split")
    datasets_by_split = {name: to_dataset(split_rows) for name, split_rows in splits.items()}
    sizes = {name: len(dataset) for name, dataset in datasets_by_split.items()}
    groups = {name: len({row.emoji.group for row in split_rows}) for name, split_rows in splits.items()}
    logger.info("%s: split sizes %s", NAME, sizes)
    common.write_dataset(
        Path(out_dir), datasets_by_split, card_metadata(sources), card_body(sources, sizes, groups, report)
    )
    return sizes


def build(ctx: BuildContext) -> None:
    """``Corpus.build``: fetch both npm packages into the cache and write ``ctx.out_dir``."""
    google_dir = common.fetch_npm(GOOGLE_PACKAGE, GOOGLE_VERSION, ctx.cache_dir)
    openmoji_dir = common.fetch_npm(OPENMOJI_PACKAGE, OPENMOJI_VERSION, ctx.cache_dir)
    build_from_packages(google_dir, openmoji_dir, ctx.out_dir, progress=ctx.progress)


# --------------------------------------------------------------------------- dataset card


def _source_line(sources: Sequence[Mapping[str, str]]) -> str:
    return "; ".join(f"{s['registry']} {s['package']} {s['version']}" for s in sources)


def card_metadata(sources: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    return {
        "license": ["apache-2.0", "cc-by-sa-4.0", "mit"],
        "language": ["en"],
        "task_categories": ["image-to-text"],
        "task_ids": ["image-captioning"],
        "pretty_name": "Emoji captions (Noto Emoji, 64x64)",
        "source": _source_line(sources),
        "source_packages": [dict(s) for s in sources],
        "image_size": [IMAGE_SIZE, IMAGE_SIZE],
    }


def card_body(
    sources: Sequence[Mapping[str, str]],
    sizes: Mapping[str, int],
    groups: Mapping[str, int],
    report: CleaningReport,
) -> str:
    table = "\n".join(f"| {name} | {sizes[name]:,} | {groups[name]:,} |" for name in sizes)
    examples = "\n".join(
        f"  - {kind.replace('_', ' ')}: " + "; ".join(f"`{item}`" for item in shown)
        for kind, shown in sorted(report.examples.items())
    )
    package_lines = "\n".join(
        f"- npm `{s['package']}` **{s['version']}**"
        + (f" (sha256 of the archive `{s['sha256']}`)" if "sha256" in s else "")
        for s in sources
    )
    return f"""# Emoji captions

Emoji pictures ({IMAGE_SIZE}x{IMAGE_SIZE} RGB PNG on a white background, Google's Noto Emoji designs)
with the human-written names of the emoji as captions, for training and testing small image-to-text
models. Built by `rnnhub data build {NAME}` (`rnnhub.data.captioning_emoji`) from:

{package_lines}

Only the Google image set is used. OpenMoji contributes names and keywords, not images: rendering its
SVGs as a second picture per emoji would more than double the corpus past its size budget.

## Splits

| split | rows | base emoji (groups) |
| --- | ---: | ---: |
{table}
| **total** | {sum(sizes.values()):,} | |

- **group** is the base emoji: skin tones, presentation selectors and qualifying ZWJ parts (female/male
  sign, "facing right", hair styles) are dropped, gendered roles map to the neutral role ("woman
  technologist" -> "technologist"), and families, kisses, couples with heart and hand-holding pairs map
  to their base emoji. Emoji that Unicode encodes as separate code points (man, woman, prince, princess)
  are separate groups.
- `train` / `validation` / `test` are split by group ({VALIDATION_FRACTION:.0%} of groups each for validation
  and test, by a salted sha256 of the group): validation and test pictures are of emoji never seen in
  training, variants included.
- `test_variants` holds {VARIANT_FRACTION:.0%} of the *variants* (`is_variant`) of training groups, chosen by a
  salted sha256 of the code: their base emoji is in `train`, their own picture is not.

## Columns

- `image`: PNG bytes, {IMAGE_SIZE}x{IMAGE_SIZE} RGB (transparency composited onto white).
- `caption`: the primary caption, the emoji's CLDR name from OpenMoji's data (e.g. "waving hand with
  light skin tone"), or the Unicode name where OpenMoji has none.
- `captions`: every reference caption, primary first: CLDR name, Unicode name from `emoji.json`,
  short names as words, and names of identical pictures merged into this row.
- `keywords`: CLDR and OpenMoji keywords (tags), normalised and sorted.
- `emoji`, `code` (unified code points), `group` (base emoji code points), `is_variant`, `category`.

## Cleaning

- Captions: Unicode-normalised (accents removed, "&" -> "and", "#" -> "hash", "*" -> "asterisk",
  brackets and typographic quotes removed), lowercased, only `a-z 0-9 ' , . -` kept. Qualified names are
  read out: "flag: Japan" -> "flag of japan", "keycap: 1" -> "keycap 1", "man: bald" -> "bald man",
  otherwise "X: a, b" -> "X with a and b". Skin-tone variants without a name of their own get their
  base's name plus the tone in the same style. Short names become captions only when they are words
  ("woman-running" -> "woman running"), not codes ("flag-va", "us", "clock9", "+1").
- Of {report.source_pictures:,} source pictures (entries plus skin variations):
  - {report.components} skin-tone swatches (category Component) dropped: colour squares, not pictures;
  - {report.missing_images} without an image file, {report.blank_images} blank (one colour), {report.no_caption} without a usable name dropped;
  - {report.duplicate_images} exact duplicates dropped (same pixels as a kept picture: flags shared by several
    territories, families drawn alike, skin tones that do not show). One picture is kept (a base before a
    variant, then the earliest-encoded emoji, then the shorter name); {report.merged_names} names of the dropped
    duplicates were added to its `captions`, except names of skin-tone variants whose tone does not show;
  - {report.ambiguous_captions} extra captions removed because they also named another picture (e.g. the frozen
    Unicode name "man in tuxedo" of the neutral "person in tuxedo").
  - {report.resized_images} images were resized (all should already be {IMAGE_SIZE}x{IMAGE_SIZE}).
- Examples:
{examples}

## Licences and attribution

- Images: Noto Emoji by Google, [Apache License 2.0](https://www.apache.org/licenses/LICENSE-2.0), as
  shipped in `emoji-datasource-google`.
- `emoji.json` names and short names: emoji-data by Cal Henderson, MIT licence (Unicode character names).
- CLDR names and keywords from `openmoji` `data/openmoji.json`: "All emojis designed by OpenMoji – the
  open-source emoji and icon project. License: CC BY-SA 4.0" (https://openmoji.org/); the names
  themselves are Unicode CLDR annotations. The `caption`, `captions` and `keywords` columns are shared
  under CC BY-SA 4.0.
"""


CORPUS = register(
    Corpus(
        name=NAME,
        task="image-to-text",
        languages=("en",),
        description="Noto emoji pictures (64x64) captioned with their names; unseen-emoji and unseen-variant tests",
        source=f"npm {GOOGLE_PACKAGE} {GOOGLE_VERSION}; npm {OPENMOJI_PACKAGE} {OPENMOJI_VERSION}",
        license="other",
        build=build,
    )
)
