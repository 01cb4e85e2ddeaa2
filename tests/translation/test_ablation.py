"""The ablation table: rows read from their run records, in the recipe's order, one change each."""

import json

from rnnhub.translation import ablation


def _record(tmp_path, row, losses, val_beam, peak=None):
    report = {
        "history": [{"epoch": i + 1, "eval_loss": loss} for i, loss in enumerate(losses)],
        "metrics": {
            "validation": {"greedy": {"bleu": val_beam - 1}, "beam": {"bleu": val_beam}},
            "test": {"beam": {"bleu": val_beam - 0.5}},
        },
        "everyday": {"bleu": 12.345},
        "attention": None if peak is None else {"peak_on_first": peak, "entropy": 1.5},
        "epochs_trained": 6.0,
        "recipe": {
            "train_time_s": 600.0,
            "hardware": "2 vCPU, 1 torch thread",
            "settings": {"embedding_size": 128, "hidden_size": 192},
        },
    }
    path = ablation.record_path(tmp_path, "toy", row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report), encoding="utf-8")


def test_rows_follow_the_recipe_order_with_the_best_validation_loss(tmp_path):
    _record(tmp_path, "gru", [4.0, 3.5, 3.6], 8.0, peak=0.05)
    _record(tmp_path, "no-attention", [4.2, 3.9], 5.0)
    _record(tmp_path, "recipe", [4.0, 3.4], 9.0, peak=0.06)
    rows = ablation.summary(tmp_path, "toy")
    assert [r["row"] for r in rows] == ["recipe", "no-attention", "gru"]
    assert [r["validation_loss"] for r in rows] == [3.4, 3.9, 3.5]
    assert rows[1]["peak_on_first"] is None and rows[0]["peak_on_first"] == 0.06
    assert rows[0]["train_minutes"] == 10.0


def test_table_and_card_section(tmp_path):
    assert ablation.section(tmp_path, "toy") == ""
    assert ablation.section(None, "toy") == ""
    _record(tmp_path, "recipe", [4.0, 3.4], 9.0, peak=0.06)
    _record(tmp_path, "no-attention", [4.2, 3.9], 5.0)
    text = ablation.section(tmp_path, "toy")
    lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(lines) == 4  # header, rule, two rows
    assert (
        lines[2].startswith("| recipe | the recipe")
        and "| 3.400 | 8.00 | 9.00 | 6% | 1.50 | 12.35 | 8.50 |" in lines[2]
    )
    assert "| – | – |" in lines[3]  # no attention: no attention statistics
    assert "128 / 192" in text and "6 epochs" in text


def test_every_row_is_a_valid_command_that_changes_one_setting(tmp_path):
    import importlib.util
    from pathlib import Path

    from rnnhub.cli import build_parser

    script = Path(__file__).resolve().parents[2] / "bench" / "translation_ablation.py"
    spec = importlib.util.spec_from_file_location("translation_ablation", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    parser = build_parser()

    def parsed(row):
        args = vars(parser.parse_args(bench.row_command("ding-de-en", row, 12, tmp_path)[1:]))
        return {k: v for k, v in args.items() if k not in ("output", "func", "train_parser")}

    reference = parsed("recipe")
    assert reference["epochs"] == 12 and reference["embedding_size"] == 128 and reference["cell"] == "lstm"
    for row in ablation.ROWS:
        if row != "recipe":
            changed = {k for k, v in parsed(row).items() if reference[k] != v}
            assert len(changed) == 1, (row, changed)
