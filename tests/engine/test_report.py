"""rnnhub.engine.report: the run facts every report records, the card's metric rows and training section."""

import json
from pathlib import Path

import pytest

from rnnhub.engine.report import (
    REPORT_FILENAME,
    FinetuneResult,
    card_training,
    evaluation_history,
    metric_rows,
    report_document,
    run_facts,
    update_report,
)


def _result(**changes):
    fields = dict(
        output_dir=Path("out"),
        metrics={"validation": {"bleu": 12.345, "chrf": 40.0}, "test": {"bleu": 10.0, "chrf": 38.5}},
        labels=[],
        head="reused",
        source_architecture="RnnHubForSeq2SeqLM",
        global_step=30,
        epochs_trained=3.0,
        stopped_early=True,
        best_step=20,
        wall_time_s=12.3456,
    )
    return FinetuneResult(**{**fields, **changes})


def _facts(**changes):
    facts = dict(
        model="org/start",
        data="pairs.csv",
        rows={"train": 90, "validation": 10},
        command="rnnhub finetune ...",
        seed=0,
        learning_rate=1e-3,
        batch_size=64,
        max_epochs=5.0,
        hardware="2 CPU processes",
        resumed_from="/x/checkpoints/checkpoint-10",
    )
    return run_facts(**{**facts, **changes})


def test_run_facts_keep_the_report_order_and_name_the_resumed_checkpoint():
    facts = _facts(decoding="beam3")
    assert list(facts) == [
        "base_model",
        "data",
        "rows",
        "command",
        "seed",
        "learning_rate",
        "batch_size",
        "max_epochs",
        "decoding",  # a task's own facts go before the hardware
        "hardware",
        "resumed_from",
    ]
    assert facts["resumed_from"] == "checkpoint-10" and _facts(resumed_from=None)["resumed_from"] is None


def test_report_document_puts_the_task_fields_then_the_run_then_the_facts():
    report = report_document(_result(), {"architecture": "RnnHubForSeq2SeqLM"}, _facts())
    keys = list(report)
    assert keys[0] == "architecture" and keys[1:6] == [
        "global_step",
        "epochs_trained",
        "stopped_early",
        "best_step",
        "wall_time_s",
    ]
    assert keys[6] == "history" and report["history"] == []
    assert report["wall_time_s"] == 12.346 and keys[-1] == "resumed_from"


def test_metric_rows_put_test_first_and_round_on_request():
    rows = metric_rows(_result().metrics, [("BLEU", "bleu", "bleu"), ("chrF", "chrf", "chrf")], digits=1)
    assert [(r["split"], r["name"], r["value"]) for r in rows] == [
        ("test", "BLEU", 10.0),
        ("test", "chrF", 38.5),
        ("validation", "BLEU", 12.3),
        ("validation", "chrF", 40.0),
    ]


def test_card_training_states_the_run_and_drops_missing_values():
    training = card_training(
        _result(),
        _facts(rows={"validation": 10}),
        base_model="`org/start`",
        best_by="BLEU (greedy)",
        note=None,
    )
    assert training["epochs"] == "3 of at most 5 (early stopping)"
    assert training["best checkpoint"] == "step 20 by validation BLEU (greedy)"
    assert training["wall_time"] == "12.3 s (since the resume)"
    assert "training_rows" not in training and "note" not in training  # None values are left out
    assert training["batch_size"] == 64


def test_the_history_has_one_row_per_evaluation_with_the_training_loss_of_its_step():
    log_history = [
        {"loss": 0.9, "grad_norm": 1.0, "learning_rate": 1e-3, "epoch": 1.0, "step": 3},
        {"eval_loss": 0.7, "eval_accuracy": 0.5, "eval_runtime": 0.1, "eval_samples_per_second": 9.0,
         "eval_steps_per_second": 1.0, "epoch": 1.0, "step": 3},
        {"eval_loss": 0.6, "eval_accuracy": 0.75, "epoch": 1.5, "step": 5},  # no training loss logged here
        {"loss": 0.5, "epoch": 2.0, "step": 6},
        {"eval_loss": 0.65, "eval_accuracy": 0.7, "epoch": 2.0, "step": 6},
        {"eval_loss": 0.55, "eval_accuracy": 0.8, "epoch": 2.0, "step": 6},  # the same step evaluated again
        {"train_runtime": 2.0, "train_loss": 0.7, "epoch": 2.0, "step": 6},
    ]  # fmt: skip
    assert evaluation_history(log_history) == [
        {"epoch": 1.0, "step": 3, "loss": 0.9, "eval_loss": 0.7, "eval_accuracy": 0.5},
        {"epoch": 1.5, "step": 5, "eval_loss": 0.6, "eval_accuracy": 0.75},
        {"epoch": 2.0, "step": 6, "loss": 0.5, "eval_loss": 0.55, "eval_accuracy": 0.8},
    ]
    assert evaluation_history([]) == []


def test_update_report_sets_keys_and_keeps_the_others(tmp_path):
    (tmp_path / REPORT_FILENAME).write_text(
        json.dumps({"metrics": {"test": 0.5}, "seed": 0}), encoding="utf-8"
    )
    returned = update_report(tmp_path, seed=1, seeds={"chosen": 1})
    on_disk = json.loads((tmp_path / REPORT_FILENAME).read_text(encoding="utf-8"))
    assert returned == on_disk == {"metrics": {"test": 0.5}, "seed": 1, "seeds": {"chosen": 1}}
    with pytest.raises(FileNotFoundError):
        update_report(tmp_path / "no-model-here", seed=2)
