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
