"""Loaders for users' own data: CSV/TSV/JSON lines/parquet files and folders, column selection, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rnnhub.data import load_user_data, train_validation_split
from rnnhub.data.loaders import SUPPORTED_EXTENSIONS

ROWS = [{"review": f"text number {i}", "stars": i % 2, "extra": i} for i in range(10)]


def write(path: Path, rows: list[dict], sep: str = ",") -> Path:
    if path.suffix in (".csv", ".tsv"):
        header = sep.join(rows[0])
        lines = [sep.join(str(value) for value in row.values()) for row in rows]
        path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    elif path.suffix in (".json", ".jsonl"):
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    return path


@pytest.mark.parametrize("name", ["data.csv", "data.tsv", "data.jsonl", "data.json", "data.parquet"])
def test_each_format_with_column_selection(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, ROWS, sep="\t" if name.endswith(".tsv") else ",")
    loaded = load_user_data(path, columns={"text": "review", "label": "stars"})
    assert list(loaded) == ["train"]
    assert loaded["train"].column_names == ["text", "label"]
    assert loaded["train"]["text"][3] == "text number 3" and loaded["train"]["label"][:2] == [0, 1]


def test_no_columns_keeps_everything(tmp_path: Path) -> None:
    loaded = load_user_data(write(tmp_path / "d.csv", ROWS))
    assert loaded["train"].column_names == ["review", "stars", "extra"]


def test_missing_column_lists_available(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", ROWS)
    with pytest.raises(ValueError, match=r"'body'.*available columns: review, stars, extra"):
        load_user_data(path, columns={"text": "body"})
    with pytest.raises(ValueError, match="allowed: text, label"):
        load_user_data(path, columns={"sentence": "review"})


def test_translation_columns(tmp_path: Path) -> None:
    rows = [{"de": "Hallo Welt.", "en": "Hello world."}, {"de": "Danke.", "en": "Thanks."}]
    loaded = load_user_data(write(tmp_path / "p.parquet", rows), columns={"source": "de", "target": "en"})
    assert loaded["train"][0] == {"source": "Hallo Welt.", "target": "Hello world."}


def test_folder_of_splits(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder / "train.csv", ROWS[:6])
    write(folder / "valid.csv", ROWS[6:8])
    write(folder / "test.csv", ROWS[8:])
    loaded = load_user_data(folder, columns={"text": "review", "label": "stars"})
    assert {name: len(split) for name, split in loaded.items()} == {"train": 6, "validation": 2, "test": 2}
    only = load_user_data(folder, split="dev")
    assert list(only) == ["validation"]
    with pytest.raises(ValueError, match="available splits"):
        load_user_data(folder, split="holdout")


def test_empty_file_unknown_extension_and_missing_path(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="is empty"):
        load_user_data(empty)
    other = tmp_path / "data.xlsx"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(
        ValueError, match=r"Unsupported file type '.xlsx'.*\.csv, \.tsv, \.json, \.jsonl, \.parquet"
    ):
        load_user_data(other)
    assert ".parquet" in SUPPORTED_EXTENSIONS
    with pytest.raises(FileNotFoundError):
        load_user_data(tmp_path / "nothing.csv")
    header_only = tmp_path / "header.csv"
    header_only.write_text("review,stars\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no rows"):
        load_user_data(header_only)


def test_empty_texts_are_reported_with_rows(tmp_path: Path) -> None:
    rows = [{"review": "fine", "stars": 1}, {"review": "  ", "stars": 0}, {"review": None, "stars": 0}]
    path = write(tmp_path / "d.jsonl", rows)
    with pytest.raises(ValueError, match=r"2 of 3 rows .* empty 'text' \(row indices: 1, 2\)"):
        load_user_data(path, columns={"text": "review", "label": "stars"})


def test_captions_as_repeated_rows_or_lists(tmp_path: Path) -> None:
    repeated = [
        {"image": "a.jpg", "caption": "a dog runs"},
        {"image": "b.jpg", "caption": "a cat"},
        {"image": "a.jpg", "caption": "a brown dog"},
    ]
    loaded = load_user_data(
        write(tmp_path / "c.csv", repeated), columns={"image": "image", "captions": "caption"}
    )
    assert loaded["train"]["image"] == ["a.jpg", "b.jpg"]
    assert loaded["train"]["captions"] == [["a dog runs", "a brown dog"], ["a cat"]]
    listed = [{"file": "a.jpg", "sentences": ["one", "two"]}, {"file": "b.jpg", "sentences": ["three"]}]
    loaded = load_user_data(
        write(tmp_path / "c.jsonl", listed), columns={"image": "file", "captions": "sentences"}
    )
    assert loaded["train"]["captions"] == [["one", "two"], ["three"]]
    with pytest.raises(ValueError, match="no non-empty caption"):
        load_user_data(
            write(tmp_path / "e.jsonl", [{"file": "a.jpg", "sentences": []}]),
            columns={"image": "file", "captions": "sentences"},
        )


def test_train_validation_split(tmp_path: Path) -> None:
    loaded = load_user_data(write(tmp_path / "d.csv", ROWS * 2))
    split = train_validation_split(loaded, fraction=0.25, seed=1)
    assert list(split) == ["train", "validation"]
    assert (len(split["train"]), len(split["validation"])) == (15, 5)
    assert (
        split["validation"]["extra"]
        == train_validation_split(loaded, fraction=0.25, seed=1)["validation"]["extra"]
    )
    assert train_validation_split(split) is split
    with pytest.raises(ValueError, match="between 0 and 1"):
        train_validation_split(loaded, fraction=1.5)


def test_train_validation_split_says_how_big_validation_is(tmp_path: Path, caplog) -> None:
    import logging

    loaded = load_user_data(write(tmp_path / "d.csv", ROWS * 2))
    with caplog.at_level(logging.INFO, logger="rnnhub.data"):
        split = train_validation_split(loaded, fraction=0.25, seed=1)
    notes = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert notes[0] == (
        "INFO",
        "validation: 5 rows, held out from the 20 training rows (the data has no validation split; validation "
        "fraction 0.25, --validation-fraction on the command line)",
    )
    assert notes[1][0] == "WARNING" and notes[1][1].startswith("the validation split has only 5 rows")
    caplog.clear()
    big = load_user_data(write(tmp_path / "big.csv", ROWS * 40))
    with caplog.at_level(logging.INFO, logger="rnnhub.data"):
        train_validation_split(big, fraction=0.1)  # 40 of 400 rows: enough, no warning
        train_validation_split(split)  # the data's own (small) validation split is called out too
    notes = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert [level for level, _ in notes] == ["INFO", "INFO", "WARNING"]
    assert notes[0][1].startswith("validation: 40 rows, held out from the 400 training rows")
    assert notes[1][1] == "validation: 5 rows, the data's own validation split"
    assert notes[2][1].startswith("the validation split has only 5 rows: its metrics")


def test_hub_id_goes_to_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    calls = []

    def fake_load_dataset(path: str, **kwargs: object) -> datasets.DatasetDict:
        calls.append((path, kwargs))
        return datasets.DatasetDict({"train": datasets.Dataset.from_dict({"sentence": ["ok"], "label": [1]})})

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    loaded = load_user_data("someone/reviews", columns={"text": "sentence", "label": "label"}, name="default")
    assert calls == [("someone/reviews", {"name": "default"})]
    assert loaded["train"][0] == {"text": "ok", "label": 1}
    with pytest.raises(ValueError, match="available columns: sentence, label"):
        load_user_data("someone/reviews", columns={"text": "review"})


def test_hub_id_offline_fails_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets
    import huggingface_hub

    # No network in CI: offline mode makes the real `datasets.load_dataset(hub_id)` path fail at once.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(OSError, match="definitely-not-a-dataset"):
        load_user_data("rnnhub-test/definitely-not-a-dataset")


def test_a_hub_config_name_goes_to_datasets(monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets

    calls = []

    def fake_load_dataset(path: str, **kwargs: object) -> datasets.DatasetDict:
        calls.append((path, kwargs))
        pair = {"de": "Guten Morgen!", "en": "Good morning!"}
        return datasets.DatasetDict({"train": datasets.Dataset.from_dict({"translation": [pair]})})

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    loaded = load_user_data(
        "wmt/wmt16", columns={"source": "source", "target": "target"}, languages=("en", "de"), name="de-en"
    )
    assert calls == [("wmt/wmt16", {"name": "de-en"})]
    assert loaded["train"][0] == {"source": "Good morning!", "target": "Guten Morgen!"}


def test_a_config_of_a_local_dataset_folder(tmp_path: Path) -> None:
    """A folder laid out like a Hub dataset repository: its README.md lists the configs (offline)."""
    for config, (source, target) in {"de-en": ("de", "en"), "fr-en": ("fr", "en")}.items():
        (tmp_path / config).mkdir()
        rows = [{"translation": {source: f"{source} {i}", target: f"en {i}"}} for i in range(3)]
        write(tmp_path / config / "train.jsonl", rows)
    (tmp_path / "README.md").write_text(
        "---\nconfigs:\n"
        + "".join(
            f"- config_name: {config}\n  data_files:\n  - split: train\n    path: {config}/train.jsonl\n"
            for config in ("de-en", "fr-en")
        )
        + "---\n",
        encoding="utf-8",
    )
    columns = {"source": "source", "target": "target"}
    loaded = load_user_data(tmp_path, columns=columns, languages=("fr", "en"), name="fr-en")
    assert loaded["train"]["source"] == ["fr 0", "fr 1", "fr 2"]
    with pytest.raises(ValueError, match="no language 'fr'; it has de, en"):
        load_user_data(tmp_path, columns=columns, languages=("fr", "en"), name="de-en")
    with pytest.raises(ValueError, match="is a file. Leave the option out"):
        load_user_data(tmp_path / "de-en" / "train.jsonl", columns=columns, name="de-en")
