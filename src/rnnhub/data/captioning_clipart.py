"""The `clipart-captions` corpus: public-domain clip art and Tux Paint stamps captioned by their makers.

Sources (Debian, fetched with ``apt-get download``):

* ``openclipart-svg``: the Open Clip Art Library 0.18 (public domain dedication), SVG drawings whose
  metadata (``cc:Work``) has a ``dc:title`` and sometimes a ``dc:description`` that describe the drawing,
  and a ``dc:creator``. Symbolic links (a drawing listed in two folders) are read once.
* ``tuxpaint-stamps-default``: Tux Paint's stamps (GPL-2), drawings and photo cut-outs (PNG, or SVG),
  each with a ``.txt`` beside it whose first line is an English caption ("A frog.").

Captions are cleaned (``clean_caption``): collection labels shared by many drawings ("gramastar",
"Part of the Flat Icon Collection ..."), file-name-like titles ("arrow08_4", "flag.svg"), "untitled" and
very long descriptions are dropped; a drawing left without any caption is dropped. Case is kept (the
tokenizer lowercases).

Images are rendered (SVG with cairosvg) on white, cropped to what is drawn, padded to a square and
resized to ``image_size`` (64 by default, the emoji corpus's size; any size by the parameter).

Splits are by drawing: pictures whose 64-bit difference hash (``rnnhub.data.image_hash``) differs in at
most ``HASH_THRESHOLD`` bits, and pictures sharing a primary caption, form one group, and whole groups go
to train, validation or test, so no near-copy of a test picture is in train.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnhub.data import common
from rnnhub.data.image_hash import dhash, hamming_histogram, near_pairs
from rnnhub.data.registry import Corpus, register

if TYPE_CHECKING:
    import datasets
    from PIL import Image as PILImage

    from rnnhub.data.common import BuildContext

logger = logging.getLogger(__name__)

Progress = Callable[..., Iterator[Any]]

NAME = "clipart-captions"
OPENCLIPART_PACKAGE, OPENCLIPART_VERSION = "openclipart-svg", "1:0.18+dfsg-19"
TUXPAINT_PACKAGE, TUXPAINT_VERSION = "tuxpaint-stamps-default", "2022.06.04-1"
OPENCLIPART_DIR = Path("usr/share/openclipart/svg")
TUXPAINT_DIR = Path("usr/share/tuxpaint/stamps")
SOURCES = ("openclipart", "tuxpaint")
LICENCES = {
    "openclipart": "public domain (Open Clip Art Library dedication)",
    "tuxpaint": "GPL-2.0-or-later",
}
TUXPAINT_ATTRIBUTION = "Tux Paint stamps, Bill Kendrick and the Tux Paint contributors"
IMAGE_SIZE = 64
SPLITS = common.SPLITS
VALIDATION_FRACTION = 0.1
TEST_FRACTION = 0.1
SALT = NAME
# Hamming distance (of 64 bits) at or below which two pictures count as near-copies; see the card's
# "Near-copies" section for how it was chosen.
HASH_THRESHOLD = 5
# A title carried by more drawings than this is the name of a collection, not of a drawing.
MAX_SHARED_TITLE = 8
MAX_CAPTION_WORDS = 16
MAX_CAPTION_CHARS = 100
# Pixels rendered along the longer side before cropping and shrinking (SVG), per output pixel.
SUPERSAMPLE = 4

_NS = {
    "dc": "http://purl.org/dc/elements/1.1/",
    "cc": "http://web.resource.org/cc/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}
_CC_NEW = "http://creativecommons.org/ns#"

# --------------------------------------------------------------------------- captions

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": " - ", "–": " - "})
_FILE_NAME = re.compile(r"\.(svg|png|jpe?g|gif|xcf|ai|eps)\b", re.IGNORECASE)
# A word that mixes letters and digits ("arrow08", "fc23", "r16") or joins words with underscores.
_CODE_WORD = re.compile(r"^(?=.*[a-z])(?=.*\d)[a-z0-9]+$|_", re.IGNORECASE)
_URL = re.compile(r"https?://|www\.", re.IGNORECASE)
# "Clipart by Nicu Buculei - piggybank" -> "piggybank"
_BY_PREFIX = re.compile(r"^\s*clip\s*art\s+by\s+[^-]+-\s*", re.IGNORECASE)
_UNTITLED = frozenset({"untitled", "no title", "title", "image", "drawing", "picture", "clipart", "svg"})
# Words that mark a collection or a tool, not a thing drawn ("Lemon SVG theme", "Etiquette Icons").
_COLLECTION_WORDS = frozenset(
    {"collection", "theme", "iconset", "icons", "cliparts", "submission", "sibmission", "svg", "inkscape"}
)


@dataclass(frozen=True)
class Drop:
    """Why a caption was dropped (the card counts each reason)."""

    reason: str
    text: str


def tidy(text: str | None) -> str:
    """Whitespace-normalised text, hyphen-joined words split ("arrow-down-seagreen" -> "arrow down seagreen")
    and one trailing full stop removed ("A frog." -> "A frog")."""
    text = common.normalize_whitespace((text or "").translate(_QUOTES))
    if " " not in text and "-" in text.strip("-"):
        text = text.replace("-", " ")
    return text[:-1].rstrip() if text.endswith(".") and not text.endswith("..") else text


def clean_caption(text: str | None, *, shared: int = 1) -> str | Drop:
    """``text`` as a caption, or the ``Drop`` saying why it is not one.

    shared: how many drawings carry this exact title; above ``MAX_SHARED_TITLE`` it names a collection.
    """
    text = tidy(_BY_PREFIX.sub("", text or ""))
    words = text.split()
    if not words or text.casefold() in _UNTITLED:
        return Drop("untitled", text)
    if shared > MAX_SHARED_TITLE:
        return Drop("collection title", text)
    if _URL.search(text) or "@" in text:
        return Drop("address", text)
    if _FILE_NAME.search(text) or any(_CODE_WORD.search(word) for word in words):
        return Drop("file-name-like", text)
    if {word.casefold().strip("(),.:") for word in words} & _COLLECTION_WORDS:
        return Drop("collection title", text)
    if len(words) > MAX_CAPTION_WORDS or len(text) > MAX_CAPTION_CHARS:
        return Drop("too long", text)
    if not any(ch.isalpha() for ch in text):
        return Drop("no words", text)
    return text


def unique_captions(items: Iterable[str]) -> list[str]:
    """Captions in first-seen order, each once (compared case-insensitively)."""
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.casefold(), item)
    return list(seen.values())


# --------------------------------------------------------------------------- reading the sources


@dataclass(frozen=True)
class Drawing:
    """One picture of a source with its raw texts (before cleaning)."""

    id: str  # "openclipart/animals/bat_orlando_karam_", "tuxpaint/animals/amphibians/frog"
    source: str
    path: Path
    texts: tuple[str, ...]  # raw captions, the main one first (title, then description)
    attribution: str
    category: str  # the source's folder ("animals/amphibians")
    captions: tuple[str, ...] = field(default=())  # filled by `caption_drawings`


def _text(element: ET.Element | None) -> str:
    return common.normalize_whitespace("".join(element.itertext())) if element is not None else ""


def read_svg_metadata(path: Path) -> tuple[str, str, str]:
    """``(title, description, creator)`` from an SVG's ``cc:Work`` metadata ("" where absent).

    The file is parsed only up to the end of its ``cc:Work`` (the metadata comes before the drawing), which
    makes reading thousands of drawings cheap.
    """
    work = None
    try:
        for _, element in ET.iterparse(path, events=("end",)):
            if element.tag in (f"{{{_NS['cc']}}}Work", f"{{{_CC_NEW}}}Work"):
                work = element
                break
    except ET.ParseError as error:
        raise ValueError(f"{path} is not well-formed SVG: {error}") from error
    if work is None:
        return "", "", ""
    creator = work.find("dc:creator", _NS)
    agent = creator.find(".//dc:title", _NS) if creator is not None else None
    creator_text = _text(agent) if agent is not None else _text(creator)
    return _text(work.find("dc:title", _NS)), _text(work.find("dc:description", _NS)), creator_text


def read_openclipart(folder: str | Path) -> list[Drawing]:
    """Every SVG file under ``folder`` (the package's ``usr/share/openclipart/svg``), links skipped, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} not found: not an unpacked openclipart-svg package")
    drawings = []
    for path in sorted(p for p in folder.rglob("*.svg") if p.is_file() and not p.is_symlink()):
        relative = path.relative_to(folder)
        try:
            title, description, creator = read_svg_metadata(path)
        except ValueError as error:
            logger.warning("skipping %s", error)
            continue
        drawings.append(
            Drawing(
                id=f"openclipart/{relative.with_suffix('').as_posix()}",
                source="openclipart",
                path=path,
                texts=(title, description),
                attribution=creator,
                category=relative.parent.as_posix(),
            )
        )
    return drawings


def read_stamp_caption(path: Path) -> list[str]:
    """The English caption of a Tux Paint stamp's ``.txt``: its first line (the others are ``lang.utf8=...``).

    The en_GB / en_AU lines are left out: they repeat the caption with another spelling or add remarks
    ("In Australia the signs are a little different") that do not describe the picture.
    """
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    if not lines or re.match(r"^[a-z]{2,3}(_[A-Z]{2})?(@\w+)?\.utf8=", lines[0]):
        return []
    return [common.normalize_whitespace(lines[0])] if lines[0].strip() else []


def read_tuxpaint(folder: str | Path) -> list[Drawing]:
    """Every stamp under ``folder`` (the package's ``usr/share/tuxpaint/stamps``) with a caption file, sorted.

    A stamp is ``<name>.txt`` with ``<name>.png`` (preferred: the photos are PNG) or ``<name>.svg`` beside it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} not found: not an unpacked tuxpaint-stamps package")
    drawings = []
    for text_file in sorted(folder.rglob("*.txt")):
        image = next((p for p in (text_file.with_suffix(s) for s in (".png", ".svg")) if p.is_file()), None)
        if image is None:
            continue
        relative = text_file.relative_to(folder)
        drawings.append(
            Drawing(
                id=f"tuxpaint/{relative.with_suffix('').as_posix()}",
                source="tuxpaint",
                path=image,
                texts=tuple(read_stamp_caption(text_file)),
                attribution=TUXPAINT_ATTRIBUTION,
                category=relative.parent.as_posix(),
            )
        )
    return drawings


@dataclass
class CleaningReport:
    """What cleaning removed, for the dataset card and the log."""

    read: Counter[str] = field(default_factory=Counter)  # drawings read, per source
    dropped_captions: Counter[str] = field(default_factory=Counter)  # per reason
    no_caption: Counter[str] = field(default_factory=Counter)  # drawings dropped, per source
    unrenderable: int = 0
    blank: int = 0
    duplicates: int = 0  # identical pictures merged into one row
    sampled_out: int = 0
    examples: dict[str, list[str]] = field(default_factory=dict)

    def note(self, kind: str, example: str, limit: int = 5) -> None:
        shown = self.examples.setdefault(kind, [])
        if len(shown) < limit and example not in shown:
            shown.append(example)


def caption_drawings(drawings: Sequence[Drawing], report: CleaningReport) -> list[Drawing]:
    """Drawings with their cleaned captions (main one first); drawings left without one are dropped."""
    # Titles and descriptions repeated across drawings of one source: collection labels and blurbs.
    shared = Counter((d.source, tidy(text).casefold()) for d in drawings for text in set(d.texts))
    kept = []
    for drawing in drawings:
        report.read[drawing.source] += 1
        captions = []
        for index, text in enumerate(drawing.texts):
            if index > 0 and not text.strip():  # no description: nothing dropped
                continue
            result = clean_caption(text, shared=shared[drawing.source, tidy(text).casefold()])
            if isinstance(result, Drop):
                report.dropped_captions[result.reason] += 1
                report.note(result.reason, result.text[:80])
            else:
                captions.append(result)
        captions = unique_captions(captions)
        if not captions:
            report.no_caption[drawing.source] += 1
            continue
        kept.append(replace(drawing, captions=tuple(captions)))
    return kept


# --------------------------------------------------------------------------- images


def square_on_white(image: PILImage.Image, size: int) -> PILImage.Image:
    """``image`` composited onto white, cropped to what is drawn, centred on a white square, ``size`` px."""
    from PIL import Image, ImageChops

    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(white, rgba).convert("RGB")
    box = ImageChops.difference(rgb, Image.new("RGB", rgb.size, (255, 255, 255))).getbbox()
    if box is not None:
        rgb = rgb.crop(box)
    side = max(rgb.size)
    square = Image.new("RGB", (side, side), (255, 255, 255))
    square.paste(rgb, ((side - rgb.width) // 2, (side - rgb.height) // 2))
    return square.resize((size, size), Image.Resampling.LANCZOS)


def render_svg(path: Path, pixels: int) -> PILImage.Image:
    """The SVG at ``path`` rendered with cairosvg ``pixels`` px wide, its aspect ratio kept (RGBA)."""
    import cairosvg
    from PIL import Image

    return Image.open(io.BytesIO(cairosvg.svg2png(url=str(path), output_width=pixels, unsafe=False)))


def render(path: Path, size: int = IMAGE_SIZE) -> PILImage.Image:
    """The picture at ``path`` (SVG or a bitmap) as a ``size`` x ``size`` RGB image (``square_on_white``)."""
    from PIL import Image

    if path.suffix.lower() == ".svg":
        return square_on_white(render_svg(path, SUPERSAMPLE * size), size)
    with Image.open(path) as source:
        source.load()
        return square_on_white(source, size)


def encode_png(image: PILImage.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@dataclass(frozen=True)
class Row:
    drawing: Drawing
    png: bytes
    pixels: str  # sha256 of the decoded pixels: identical pictures
    hash: int  # dhash of the picture (64 bits)


def _render_row(drawing: Drawing, size: int) -> Row | str:
    """The row of one drawing, or why it has none ("unrenderable", "blank")."""
    try:
        image = render(drawing.path, size)
    except Exception as error:  # a broken file in a package of thousands is skipped, not fatal
        logger.warning("cannot render %s: %s", drawing.path, error)
        return "unrenderable"
    if all(low == high for low, high in image.getextrema()):
        return "blank"
    # The hash is taken at the emoji model's 64 px whatever `size` is, so the threshold means the same.
    hashed = image if size == IMAGE_SIZE else image.resize((IMAGE_SIZE, IMAGE_SIZE))
    return Row(drawing, encode_png(image), hashlib.sha256(image.tobytes()).hexdigest(), dhash(hashed))


def _render_many(args: tuple[Sequence[Drawing], int]) -> list[Row | str]:
    drawings, size = args
    return [_render_row(drawing, size) for drawing in drawings]


def render_rows(
    drawings: Sequence[Drawing],
    report: CleaningReport,
    size: int = IMAGE_SIZE,
    workers: int = 1,
    progress: Progress = common.progress,
) -> list[Row]:
    """Render every drawing (``workers`` processes), in drawing order; failures are counted in ``report``."""
    chunks = [list(drawings[start : start + 32]) for start in range(0, len(drawings), 32)]
    if workers > 1:
        pool = ProcessPoolExecutor(max_workers=workers)
        results = pool.map(_render_many, [(chunk, size) for chunk in chunks])
    else:
        pool = None
        results = map(_render_many, [(chunk, size) for chunk in chunks])
    rows: list[Row] = []
    try:
        for chunk in progress(results, desc="rendering", total=len(chunks), unit="x32"):
            for result in chunk:
                if result == "unrenderable":
                    report.unrenderable += 1
                elif result == "blank":
                    report.blank += 1
                else:
                    rows.append(result)
    finally:
        if pool is not None:
            pool.shutdown()
    return rows


def merge_identical(rows: Sequence[Row], report: CleaningReport) -> list[Row]:
    """One row per distinct picture (same pixels); the first keeps every caption of the others."""
    first: dict[str, int] = {}
    merged: list[Row] = []
    for row in rows:
        if row.pixels in first:
            index = first[row.pixels]
            kept = merged[index]
            captions = tuple(unique_captions([*kept.drawing.captions, *row.drawing.captions]))
            merged[index] = replace(kept, drawing=replace(kept.drawing, captions=captions))
            report.duplicates += 1
            report.note("identical pictures", f"{row.drawing.id} = {kept.drawing.id}")
            continue
        first[row.pixels] = len(merged)
        merged.append(row)
    return merged


# --------------------------------------------------------------------------- splitting


@dataclass
class SplitReport:
    """How the near-copy grouping came out, for the card and the tests."""

    threshold: int
    near_pairs: int
    pictures_with_a_near_copy: int
    groups: int
    largest_group: int
    nearest_histogram: dict[int, int]


def group_rows(rows: Sequence[Row], threshold: int = HASH_THRESHOLD) -> tuple[list[str], SplitReport]:
    """One group label per row: near-copies (dhash within ``threshold`` bits) and same-caption rows share one."""
    hashes = [row.hash for row in rows]
    pairs = near_pairs(hashes, threshold)
    near: dict[int, list[int]] = {}
    for i, j in pairs:
        near.setdefault(j, []).append(i)
    keys = [
        [
            f"caption:{common.text_key(row.drawing.captions[0])}",
            f"row:{row.drawing.id}",
            *(f"row:{rows[i].drawing.id}" for i in near.get(index, ())),
        ]
        for index, row in enumerate(rows)
    ]
    labels = common.link_groups(keys)
    sizes = Counter(labels)
    report = SplitReport(
        threshold=threshold,
        near_pairs=len(pairs),
        pictures_with_a_near_copy=len({k for pair in pairs for k in pair}),
        groups=len(sizes),
        largest_group=max(sizes.values(), default=0),
        nearest_histogram=hamming_histogram(hashes),
    )
    return labels, report


def assign_splits(
    rows: Sequence[Row], labels: Sequence[str], salt: str = SALT
) -> dict[str, list[tuple[Row, str]]]:
    """(row, group) pairs per split, whole groups to one split, in row order."""
    assignment = common.split_groups(labels, validation=VALIDATION_FRACTION, test=TEST_FRACTION, salt=salt)
    splits: dict[str, list[tuple[Row, str]]] = {name: [] for name in SPLITS}
    for row, label in zip(rows, labels):
        splits[assignment[label]].append((row, label))
    return splits


def sample_rows(
    rows: Sequence[Row], limit: int | None, report: CleaningReport, salt: str = SALT
) -> list[Row]:
    """At most ``limit`` rows, chosen by a salted sha256 of the id (stable), in their order; all when None."""
    if limit is None or len(rows) <= limit:
        return list(rows)
    keep = set(
        sorted(range(len(rows)), key=lambda i: common.stable_fraction(rows[i].drawing.id, salt))[:limit]
    )
    report.sampled_out += len(rows) - limit
    return [row for index, row in enumerate(rows) if index in keep]


# --------------------------------------------------------------------------- writing


def features() -> datasets.Features:
    import datasets

    return datasets.Features(
        {
            "image": datasets.Image(),
            "caption": datasets.Value("string"),
            "captions": datasets.List(datasets.Value("string")),
            "source": datasets.Value("string"),
            "licence": datasets.Value("string"),
            "attribution": datasets.Value("string"),
            "id": datasets.Value("string"),
            "category": datasets.Value("string"),
            "group": datasets.Value("string"),
            "dhash": datasets.Value("string"),
        }
    )


def to_dataset(pairs: Sequence[tuple[Row, str]]) -> datasets.Dataset:
    import datasets

    drawings = [row.drawing for row, _ in pairs]
    columns: dict[str, list[Any]] = {
        "image": [{"bytes": row.png, "path": f"{row.drawing.id.replace('/', '__')}.png"} for row, _ in pairs],
        "caption": [d.captions[0] for d in drawings],
        "captions": [list(d.captions) for d in drawings],
        "source": [d.source for d in drawings],
        "licence": [LICENCES[d.source] for d in drawings],
        "attribution": [d.attribution for d in drawings],
        "id": [d.id for d in drawings],
        "category": [d.category for d in drawings],
        "group": [group for _, group in pairs],
        "dhash": [f"{row.hash:016x}" for row, _ in pairs],
    }
    return datasets.Dataset.from_dict(columns, features=features())


def describe_source(root: Path, package: str) -> dict[str, str]:
    """Registry, package and version of an unpacked Debian package (sha256 of the .deb when fetched)."""
    info = {"registry": "debian", "package": package, "version": "unknown"}
    with contextlib.suppress(FileNotFoundError):
        fetched = common.source_info(root)
        info.update(version=fetched["version"], sha256=fetched["sha256"])
    return info


def load_rows(
    openclipart_root: Path,
    tuxpaint_root: Path,
    report: CleaningReport,
    *,
    image_size: int = IMAGE_SIZE,
    workers: int = 1,
    progress: Progress = common.progress,
) -> list[Row]:
    """Read, caption, render and merge every drawing of both unpacked packages, in source order."""
    if image_size < 8:
        raise ValueError(f"image_size must be at least 8 pixels, got {image_size}")
    drawings = [
        *read_openclipart(Path(openclipart_root) / OPENCLIPART_DIR),
        *read_tuxpaint(Path(tuxpaint_root) / TUXPAINT_DIR),
    ]
    captioned = caption_drawings(drawings, report)
    rows = render_rows(captioned, report, size=image_size, workers=workers, progress=progress)
    return merge_identical(rows, report)


def write_corpus(
    rows: Sequence[Row],
    report: CleaningReport,
    sources: Sequence[Mapping[str, str]],
    out_dir: str | Path,
    *,
    image_size: int = IMAGE_SIZE,
    limit: int | None = None,
    threshold: int = HASH_THRESHOLD,
    salt: str = SALT,
) -> dict[str, int]:
    """Sample (``limit``), group, split and write ``rows`` with their card; return the split sizes."""
    rows = sample_rows(rows, limit, report, salt)
    labels, split_report = group_rows(rows, threshold)
    splits = assign_splits(rows, labels, salt)
    empty = [name for name, pairs in splits.items() if not pairs]
    if empty:
        raise ValueError(f"Split(s) {', '.join(empty)} came out empty: the sources have too few drawings")
    by_split = {name: to_dataset(pairs) for name, pairs in splits.items()}
    sizes = {name: len(dataset) for name, dataset in by_split.items()}
    per_source = {name: Counter(row.drawing.source for row, _ in pairs) for name, pairs in splits.items()}
    logger.info("%s: split sizes %s", NAME, sizes)
    body = card_body(sources, sizes, per_source, report, split_report, image_size, limit)
    common.write_dataset(Path(out_dir), by_split, card_metadata(sources, image_size), body)
    return sizes


def build_from_packages(
    openclipart_root: str | Path,
    tuxpaint_root: str | Path,
    out_dir: str | Path,
    *,
    image_size: int = IMAGE_SIZE,
    limit: int | None = None,
    workers: int = 1,
    threshold: int = HASH_THRESHOLD,
    progress: Progress = common.progress,
    salt: str = SALT,
) -> dict[str, int]:
    """Build the corpus from unpacked package roots (each holding ``usr/share/...``); return the split sizes.

    image_size: pixels per side of the stored images. limit: keep at most this many pictures (a stable
    sample, to fit a size budget); None keeps all. workers: processes rendering in parallel.
    """
    report = CleaningReport()
    rows = load_rows(
        Path(openclipart_root),
        Path(tuxpaint_root),
        report,
        image_size=image_size,
        workers=workers,
        progress=progress,
    )
    sources = [
        describe_source(Path(openclipart_root), OPENCLIPART_PACKAGE),
        describe_source(Path(tuxpaint_root), TUXPAINT_PACKAGE),
    ]
    return write_corpus(
        rows, report, sources, out_dir, image_size=image_size, limit=limit, threshold=threshold, salt=salt
    )


# The committed corpus: every picture that survives cleaning, or a stable sample if that outgrows ~20 MB.
COMMITTED_LIMIT: int | None = None


def build(ctx: BuildContext) -> None:
    """``Corpus.build``: fetch both Debian packages into the cache and write ``ctx.out_dir``.

    ``ctx.extra`` may set ``image_size`` (default 64), ``limit`` and ``workers`` (default: CPUs, at most 4).
    """
    openclipart = common.fetch_debian(OPENCLIPART_PACKAGE, OPENCLIPART_VERSION, ctx.cache_dir)
    tuxpaint = common.fetch_debian(TUXPAINT_PACKAGE, TUXPAINT_VERSION, ctx.cache_dir)
    build_from_packages(
        openclipart,
        tuxpaint,
        ctx.out_dir,
        image_size=int(ctx.extra.get("image_size", IMAGE_SIZE)),
        limit=ctx.extra.get("limit", COMMITTED_LIMIT),
        workers=int(ctx.extra.get("workers", min(os.cpu_count() or 1, 4))),
        progress=ctx.progress,
    )


# --------------------------------------------------------------------------- dataset card


def card_metadata(sources: Sequence[Mapping[str, str]], image_size: int = IMAGE_SIZE) -> dict[str, Any]:
    return {
        "license": ["gpl-2.0", "other"],
        # Named for the corpus, not the folder it is written to; the link is the card's own licence section.
        "license_name": f"{NAME}-licence",
        "license_link": "README.md#licences-and-attribution",
        "language": ["en"],
        "task_categories": ["image-to-text"],
        "task_ids": ["image-captioning"],
        "pretty_name": f"Clip-art captions (Open Clip Art Library and Tux Paint stamps, {image_size}x{image_size})",
        "source": "; ".join(f"{s['registry']} {s['package']} {s['version']}" for s in sources),
        "source_packages": [dict(s) for s in sources],
        "image_size": [image_size, image_size],
    }


def _count_table(rows: Mapping[str, Counter[str]] | Mapping[str, int], header: str) -> str:
    return "\n".join(f"| {key} | {value:,} |" for key, value in rows.items()) if rows else f"| {header} | 0 |"


def card_body(
    sources: Sequence[Mapping[str, str]],
    sizes: Mapping[str, int],
    per_source: Mapping[str, Counter[str]],
    report: CleaningReport,
    split_report: SplitReport,
    image_size: int,
    limit: int | None,
) -> str:
    split_rows = "\n".join(
        f"| {name} | {sizes[name]:,} | "
        + " | ".join(f"{per_source[name].get(source, 0):,}" for source in SOURCES)
        + " |"
        for name in sizes
    )
    totals = " | ".join(f"{sum(per_source[n].get(source, 0) for n in sizes):,}" for source in SOURCES)
    packages = "\n".join(
        f"- Debian `{s['package']}` **{s['version']}**"
        + (f" (sha256 of the .deb `{s['sha256']}`)" if "sha256" in s else "")
        for s in sources
    )
    reasons = "\n".join(
        f"  - {reason}: {count:,} (e.g. " + "; ".join(f"`{e}`" for e in report.examples.get(reason, [])) + ")"
        for reason, count in sorted(report.dropped_captions.items(), key=lambda item: -item[1])
    )
    read = ", ".join(f"{report.read[s]:,} {s}" for s in SOURCES)
    no_caption = ", ".join(f"{report.no_caption[s]:,} {s}" for s in SOURCES)
    histogram = ", ".join(f"{d}: {n:,}" for d, n in split_report.nearest_histogram.items())
    sampled = (
        f"- {report.sampled_out:,} pictures left out by a stable sample (salted sha256 of the id) to keep at most "
        f"{limit:,}, for the committed size budget; `build_from_packages(..., limit=None)` keeps all.\n"
        if report.sampled_out
        else "- Nothing was sampled out: every picture that survived cleaning is here.\n"
    )
    return f"""# Clip-art captions

Drawings and photo cut-outs ({image_size}x{image_size} RGB PNG on white, cropped to what is drawn and
padded to a square) with the captions their makers gave them, for training and testing small
image-to-text models on pictures broader than emoji. Built by `rnnhub data build {NAME}`
(`rnnhub.data.captioning_clipart`) from:

{packages}

## Splits

| split | rows | openclipart | tuxpaint |
| --- | ---: | ---: | ---: |
{split_rows}
| **total** | {sum(sizes.values()):,} | {totals} |

Splits are **by drawing**: a group is every picture linked to another by a near-copy (difference hash
within {split_report.threshold} of 64 bits) or by the same primary caption (case-insensitive), transitively;
{VALIDATION_FRACTION:.0%} of groups go to validation and {TEST_FRACTION:.0%} to test by a salted sha256 of the group, the
rest to train. No picture of validation or test has a near-copy in another split.

## Near-copies

- 64-bit dHash (`rnnhub.data.image_hash.dhash`) of each {IMAGE_SIZE} px picture in greyscale.
- {split_report.near_pairs:,} pairs of pictures within {split_report.threshold} bits; {split_report.pictures_with_a_near_copy:,} pictures have a near-copy.
- Groups after linking near-copies and same captions: {split_report.groups:,}; the largest holds
  {split_report.largest_group:,} pictures.
- Distance to the nearest other picture, pictures per distance (0-16 bits): {histogram}.
- Why {split_report.threshold}: a 64-bit dHash of drawings on white is coarse. Pairs of recoloured copies of one
  drawing (the same button or warning triangle in another colour) sit at 0-5 bits, but so do unrelated
  pictures of the same simple layout (tricolour flags, a bar and a pepper mill), and from 6 bits on true
  look-alikes are rare among unrelated pairs while linking chains them into huge groups: the largest
  group holds {split_report.largest_group:,} pictures at {split_report.threshold} bits, and (measured on this corpus when the threshold was
  chosen) 316 at 6, 782 at 8 and 1,276, a third of the corpus, at 10, which would make the split fractions
  meaningless. {split_report.threshold} keeps every recolour pair seen together and
  the groups small; series of one artist drawn differently (a set of warning signs) can still be split
  unless they share a title.

## Columns

- `image`: PNG bytes, {image_size}x{image_size} RGB.
- `caption`: the main caption (the SVG's `dc:title`, or the stamp's English caption).
- `captions`: every caption that describes the picture, main first (the `dc:description` where it is
  kept, and the captions of identical pictures merged into the row). A stamp's en_GB / en_AU lines are
  not used: they repeat the caption or add remarks that do not describe the picture.
- `source`: `openclipart` or `tuxpaint`; `licence`; `attribution` (the SVG's `dc:creator`; for stamps
  the Tux Paint project); `id` (`<source>/<path in the package without extension>`); `category` (the
  package folder); `group` (the split group); `dhash` (hex).

## Cleaning

- Read: {read} drawings (openclipart links to a drawing in another folder are read once).
- Captions dropped ({sum(report.dropped_captions.values()):,}), by reason:
{reasons}
  A title or description on more than {MAX_SHARED_TITLE} drawings of a source is a collection label or blurb ("gramastar" on 1,375 stars); file-name-like
  means a file extension, an underscore or a word mixing letters and digits; too long means more than
  {MAX_CAPTION_WORDS} words or {MAX_CAPTION_CHARS} characters. "Clipart by <name> - " prefixes are removed, hyphen-joined
  titles split into words, one trailing full stop removed; case is kept (the tokenizer lowercases).
- Drawings left without any caption and dropped: {no_caption}.
- {report.unrenderable:,} pictures could not be rendered, {report.blank:,} rendered blank (one colour): dropped.
- {report.duplicates:,} identical pictures (same pixels) merged into one row, their captions kept.
{sampled}
## Licences and attribution

- Open Clip Art Library drawings (`source` = openclipart): dedicated to the public domain by their
  authors (Creative Commons Public Domain Dedication, per Debian's copyright file of `openclipart-svg`);
  the author named in each SVG is in `attribution`.
- Tux Paint stamps (`source` = tuxpaint): GNU GPL version 2 or later, Copyright 2002-2022 Bill Kendrick
  and the Tux Paint contributors (Debian's copyright file of `tuxpaint-stamps-default`). Rows with this
  source, and any work that includes them, are under the GPL.
"""


CORPUS = register(
    Corpus(
        name=NAME,
        task="image-to-text",
        languages=("en",),
        description="Open Clip Art drawings and Tux Paint stamps (64x64) with their makers' captions; split by drawing",
        source=f"Debian {OPENCLIPART_PACKAGE} {OPENCLIPART_VERSION}; Debian {TUXPAINT_PACKAGE} {TUXPAINT_VERSION}",
        license="other",
        build=build,
    )
)
