"""bench/sentiment_sweep.py's table: a variant trained here gets its row from its runs, one whose runs are gone
keeps the row it had in the last table, marked recorded; unknown variants are refused before anything trains."""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import sentiment_sweep  # noqa: E402


def _report(folder: Path, validation: float, test: float) -> None:
    folder.mkdir(parents=True)
    metrics = {"validation": {"accuracy": validation}, "test": {"accuracy": test}}
    (folder / "eval_report.json").write_text(json.dumps({"metrics": metrics, "wall_time_s": 1.0}))


def test_rows_come_from_the_runs_here_or_from_the_last_table(tmp_path):
    sweep = sentiment_sweep.SWEEPS["recipe-sweep"]
    for seed, (validation, test) in enumerate([(0.70, 0.71), (0.72, 0.73), (0.74, 0.75)]):
        _report(sentiment_sweep.seed_folder(tmp_path, sweep, "concat", seed), validation, test)
    recorded = [
        {
            "variant": "published",
            "options": "(the base command)",
            "seeds": [0, 1, 2],
            "validation_accuracy": [0.8, 0.8, 0.8],
            "test_accuracy": [0.81, 0.81, 0.81],
            "validation_mean": 0.8,
            "test_mean": 0.81,
            "train_seconds": [1, 1, 1],
        }
    ]
    rows = sentiment_sweep.summary(tmp_path, sweep, train=False, recorded=recorded)
    assert [row["variant"] for row in rows] == ["concat", "published"]  # no runs, no row: forget-bias-3
    assert rows[0]["validation_mean"] == pytest.approx(0.72) and "recorded" not in rows[0]
    assert rows[1]["recorded"] is True and rows[1]["test_mean"] == 0.81
    table = sentiment_sweep.table(rows)
    assert "| concat | `--pooling concat` | 3 | 0.7200 (0.7000, 0.7200, 0.7400) | 0.7300 |" in table
    assert "| published (recorded) |" in table


def test_an_unknown_variant_is_refused_before_training(capsys):
    with pytest.raises(SystemExit) as stop:
        sentiment_sweep.main(["--sweep", "recipe-sweep", "--variants", "no-such"])
    assert stop.value.code == 2
    assert "recipe-sweep has no variant no-such; it has concat" in capsys.readouterr().err


def test_truncation_cuts_each_review_to_what_its_first_tokens_cover():
    import sentiment_truncation
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(
        Path(__file__).resolve().parents[1] / "model_cards/lstm-sentiment-zh"
    )
    texts = ["这本书很好看，推荐", "差"]
    kept, whole = sentiment_truncation._cut(tokenizer, texts, limit=5)
    assert whole == 0.5  # the one-character review fits, the long one does not
    assert kept[1] == "差"
    assert texts[0].startswith(kept[0]) and 0 < len(kept[0]) < len(texts[0])
    assert len(tokenizer(kept[0])["input_ids"]) <= 5  # what is kept fits the limit, special tokens included
    assert len(tokenizer(texts[0][: len(kept[0]) + 1])["input_ids"]) > 5  # and one more character would not


def test_the_ensemble_bench_reproduces_a_members_own_accuracy_and_two_copies_of_it_score_as_one(tmp_path):
    import sentiment_ensemble

    member = Path(__file__).resolve().parents[1] / "model_cards" / "lstm-sentiment-rt-en"
    output = tmp_path / "ensemble.json"
    arguments = [
        "--corpus",
        "rt-sentiment-en",
        "--members",
        str(member),
        str(member),
        "--output",
        str(output),
    ]
    assert sentiment_ensemble.main(arguments) == 0
    result = json.loads(output.read_text())
    report = json.loads((member / "eval_report.json").read_text())
    for split in ("validation", "test"):
        scores = result["splits"][split]
        # The bench reads the texts as the recipe's evaluation did: the same accuracy, to its 4 digits.
        assert scores["members"][0]["accuracy"] == round(report["metrics"][split]["accuracy"], 4)
        assert scores["ensemble"] == scores["members"][0]  # the mean of two equal probabilities is that one
        assert scores["members_spread"]["accuracy"]["std"] == 0.0
    assert result["baseline"]["test"]["accuracy"] == pytest.approx(0.7969, abs=1e-4)
    with pytest.raises(SystemExit):
        sentiment_ensemble.main(["--corpus", "rt-sentiment-en", "--members", str(member)])
