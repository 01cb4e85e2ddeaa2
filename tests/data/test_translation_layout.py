"""The two layouts of translation data: one `translation` column of {language: text} (Hub) and source/target."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from rnnhub.data import load_user_data
from rnnhub.data.translation_layout import (
    as_source_target,
    is_standard,
    languages_of,
    to_source_target,
    to_standard,
)

PAIRS = {"source": ["Ich bin müde.", "Guten Morgen!"], "target": ["I am tired.", "Good morning!"]}


def flat() -> datasets.Dataset:
    return datasets.Dataset.from_dict(
        {**PAIRS, "references": [["I am tired.", "I'm tired."], ["Good morning!"]]}
    )


def test_the_conversions_are_inverse_and_keep_other_columns() -> None:
    standard = to_standard(flat(), "de", "en")
    assert standard.column_names == ["translation", "references"]
    assert standard[0] == {
        "translation": {"de": "Ich bin müde.", "en": "I am tired."},
        "references": ["I am tired.", "I'm tired."],
    }
    assert is_standard(standard) and not is_standard(flat())
    assert languages_of(standard) == ("de", "en")  # the feature lists the source first
    back = to_source_target(standard, "de", "en")
    assert back.column_names == ["source", "target", "references"]
    assert back.to_dict() == flat().to_dict()
    reverse = to_source_target(standard, "en", "de")
    assert reverse["source"] == PAIRS["target"] and reverse["target"] == PAIRS["source"]
    # Each is a no-op on data already in its layout.
    assert to_source_target(flat(), None, None).to_dict() == flat().to_dict()
    assert to_standard(standard, "de", "en") is standard


def test_languages_must_be_named_and_present() -> None:
    standard = to_standard(flat(), "de", "en")
    with pytest.raises(ValueError, match="languages de, en; say which .* --source-lang de --target-lang en"):
        to_source_target(standard, None, None)
    with pytest.raises(ValueError, match="no language 'fr'; it has de, en"):
        to_source_target(standard, "fr", "en")
    with pytest.raises(ValueError, match="both 'de'"):
        to_source_target(standard, "de", "de")
    with pytest.raises(ValueError, match="missing target"):
        to_standard(datasets.Dataset.from_dict({"source": ["a"]}), "de", "en")


def test_a_plain_dict_column_from_json_lines(tmp_path: Path) -> None:
    rows = [{"translation": {"de": s, "en": t}, "id": i} for i, (s, t) in enumerate(zip(*PAIRS.values()))]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    loaded = load_user_data(path, columns={"source": "source", "target": "target"}, languages=("de", "en"))
    assert loaded["train"].column_names == ["source", "target"]
    assert loaded["train"]["source"] == PAIRS["source"] and loaded["train"]["target"] == PAIRS["target"]
    # Before: "Column 'source' not found; available: translation, id". Now it says what to pass.
    with pytest.raises(ValueError, match="--source-lang de --target-lang en"):
        load_user_data(path, columns={"source": "source", "target": "target"})


def test_as_source_target_converts_every_split() -> None:
    splits = datasets.DatasetDict({"train": to_standard(flat(), "de", "en"), "test": flat()})
    converted = as_source_target(splits, "de", "en")
    assert {name: split.column_names for name, split in converted.items()} == {
        "train": ["source", "target", "references"],
        "test": ["source", "target", "references"],
    }


def test_a_built_in_corpus_in_the_standard_layout_reads_in_its_own_direction(monkeypatch) -> None:
    from rnnhub import data
    from rnnhub.engine.data import load_columns

    stored = datasets.DatasetDict({"train": to_standard(flat(), "de", "en")})
    monkeypatch.setattr(data, "load", lambda name: stored)
    loaded = load_columns("ding-de-en", {"source": "source", "target": "target"})
    assert loaded["train"]["source"] == PAIRS["source"]  # German, as the corpus is registered (de, en)
    reverse = load_columns("ding-de-en", {"source": "source", "target": "target"}, languages=("en", "de"))
    assert reverse["train"]["source"] == PAIRS["target"]
    with pytest.raises(ValueError, match="built-in corpus, which has no configs"):
        load_columns("ding-de-en", {"source": "source", "target": "target"}, config_name="de-en")
