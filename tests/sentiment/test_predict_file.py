"""rnnhub predict --input: a text, CSV or JSON-lines file in, JSON lines out, bad rows reported by line."""

from __future__ import annotations

import json

import pytest

from builders import make_classifier
from rnnhub import cli
from rnnhub.sentiment import cli as sentiment_cli


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    return make_classifier(tmp_path_factory.mktemp("classifier") / "model")


def reports(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("rnnhub predict:")]


def test_a_text_file_with_a_bad_line(classifier, tmp_path, capsys):
    texts = ["a great film", "boring plot", "the movie was fun"]
    source = tmp_path / "reviews.txt"
    source.write_text(f"{texts[0]}\n\n{texts[1]}\n{texts[2]}\n", encoding="utf-8")
    out = tmp_path / "labels.jsonl"
    argv = ["predict", str(classifier), "--input", str(source), "--output", str(out), "--batch-size", "1"]
    assert cli.main(argv) == 1
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = sentiment_cli.predict(str(classifier), texts)
    assert records[1] == {"line": 2, "error": "empty: no words to classify"}
    good = [records[0], records[2], records[3]]
    assert [r["line"] for r in good] == [1, 3, 4]
    assert [(r["label"], r["score"]) for r in good] == [(e[0]["label"], e[0]["score"]) for e in expected]
    assert reports(capsys) == [
        "rnnhub predict: line 2: empty: no words to classify",
        "rnnhub predict: 1 of 4 lines failed; their records carry an 'error'.",
    ]


def test_a_csv_column_with_top_k(classifier, tmp_path, capsys):
    source = tmp_path / "reviews.csv"
    source.write_text('id,review\n1,"a great film"\n2,"awful,\ndull"\n', encoding="utf-8")
    argv = ["predict", str(classifier), "--input", str(source), "--text-column", "review", "--top-k", "2"]
    assert cli.main(argv) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = sentiment_cli.predict(str(classifier), ["a great film", "awful,\ndull"], top_k=2)
    assert [r["line"] for r in records] == [2, 3]
    assert [r["labels"] for r in records] == expected
    assert all(r["label"] == r["labels"][0]["label"] for r in records)


def test_texts_or_input_not_both(classifier, tmp_path, capsys):
    source = tmp_path / "reviews.txt"
    source.write_text("fine\n", encoding="utf-8")
    assert cli.main(["predict", str(classifier), "great", "--input", str(source)]) == 2
    assert "Give texts to classify or --input FILE, not both" in capsys.readouterr().err
    assert cli.main(["predict", str(classifier)]) == 2
    assert "pass one or more texts, or --input FILE" in capsys.readouterr().err
    assert cli.main(["predict", str(classifier), "great", "--output", str(tmp_path / "x.jsonl")]) == 2
    assert "--output writes the records of an --input file" in capsys.readouterr().err
    assert cli.main(["predict", str(classifier), "--input", str(tmp_path / "reviews.csv")]) == 2
    assert "reviews.csv" in capsys.readouterr().err
