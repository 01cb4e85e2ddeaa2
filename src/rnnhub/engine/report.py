"""What a fine-tune returns and writes: :class:`FinetuneResult`, ``eval_report.json`` and the model card's facts,
metric rows and training section (one shape for every task; the task adds its own fields)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "REPORT_FILENAME",
    "FinetuneResult",
    "card_base_model",
    "card_training",
    "evaluation_history",
    "metric_rows",
    "report_document",
    "result_summary",
    "run_facts",
    "run_result",
    "save_report_and_card",
    "update_report",
    "write_card",
    "write_report",
]

REPORT_FILENAME = "eval_report.json"


@dataclass
class FinetuneResult:
    """What a fine-tune did and measured.

    ``metrics`` maps each evaluated split (``validation``, and ``test`` when the data has one) to its scores,
    measured with the best checkpoint's weights (the saved model). ``history`` has one entry per evaluation
    during training (:func:`evaluation_history`).
    """

    output_dir: Path
    metrics: dict[str, dict[str, float]]
    labels: list[str]
    head: str  # "reused" (the source model's head) or "new"
    source_architecture: str
    global_step: int
    epochs_trained: float
    stopped_early: bool
    best_step: int | None
    wall_time_s: float
    card_path: Path | None = None
    report_path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, float]] = field(default_factory=list)


# What Trainer logs with every evaluation that is about its speed, not the model.
_SPEED_KEYS = ("eval_runtime", "eval_samples_per_second", "eval_steps_per_second")


def evaluation_history(log_history: Sequence[Mapping[str, Any]]) -> list[dict[str, float]]:
    """One entry per evaluation in Trainer's ``state.log_history``: ``epoch``, ``step``, the training ``loss``
    logged at that step (the mean since the previous log, when logging follows the evaluation schedule, as
    :func:`rnnhub.engine.trainer.make_training_arguments` sets it) and every ``eval_*`` metric but the speed.
    A resumed run's history includes the evaluations before the kill (Trainer restores them)."""
    training_loss = {entry["step"]: entry["loss"] for entry in log_history if "loss" in entry}
    history = {}
    for entry in log_history:
        if "eval_loss" not in entry:
            continue
        row = {"epoch": entry.get("epoch"), "step": entry["step"]}
        if entry["step"] in training_loss:
            row["loss"] = training_loss[entry["step"]]
        row.update({k: v for k, v in entry.items() if k.startswith("eval_") and k not in _SPEED_KEYS})
        history[entry["step"]] = row  # the last evaluation of a step wins (the time budget may repeat one)
    return list(history.values())


def run_result(
    trainer: Any,
    output_dir: Path,
    metrics: dict[str, dict[str, float]],
    wall_time_s: float,
    *,
    source_architecture: str,
    labels: list[str] | None = None,
    head: str = "reused",
    extra: dict[str, Any] | None = None,
) -> FinetuneResult:
    """The :class:`FinetuneResult` of a finished ``trainer`` run: steps, epochs, early stop and best step from its
    state."""
    from rnnhub.engine.trainer import best_step

    state = trainer.state
    return FinetuneResult(
        output_dir=output_dir,
        metrics=metrics,
        labels=labels or [],
        head=head,
        source_architecture=source_architecture,
        global_step=state.global_step,
        epochs_trained=float(state.epoch or 0.0),
        stopped_early=state.global_step < state.max_steps,
        best_step=best_step(state),
        wall_time_s=wall_time_s,
        extra=extra or {},
        history=evaluation_history(state.log_history),
    )


def result_summary(result: FinetuneResult) -> dict[str, Any]:
    """A JSON-ready view of ``result`` (paths as strings, without the bulky report)."""
    summary = asdict(result)
    summary.pop("extra", None)
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in summary.items()}


def run_facts(
    *,
    model: str | os.PathLike[str],
    data: str,
    rows: Mapping[str, int],
    command: str | None,
    seed: int,
    learning_rate: float,
    batch_size: int,
    max_epochs: float,
    hardware: str,
    resumed_from: str | None,
    **task_facts: Any,
) -> dict[str, Any]:
    """The facts of a run every report records, in report order; ``task_facts`` go before ``hardware``.

    ``batch_size`` is the global batch (per-process batch x processes); ``resumed_from`` the checkpoint path.
    """
    return {
        "base_model": os.fspath(model),
        "data": data,
        "rows": dict(rows),
        "command": command,
        "seed": seed,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "max_epochs": max_epochs,
        **task_facts,
        "hardware": hardware,
        "resumed_from": Path(resumed_from).name if resumed_from else None,
    }


def report_document(
    result: FinetuneResult, leading: Mapping[str, Any], facts: Mapping[str, Any]
) -> dict[str, Any]:
    """``eval_report.json``: the task's ``leading`` fields, the run's course (with the history of its
    evaluations, :func:`evaluation_history`, for every task), then ``facts``."""
    return {
        **leading,
        "global_step": result.global_step,
        "epochs_trained": result.epochs_trained,
        "stopped_early": result.stopped_early,
        "best_step": result.best_step,
        "wall_time_s": round(result.wall_time_s, 3),
        "history": result.history,
        **facts,
    }


def write_report(result: FinetuneResult, report: Mapping[str, Any]) -> Path:
    """Write ``report`` as ``eval_report.json`` in the result's folder; sets ``result.report_path``."""
    result.report_path = result.output_dir / REPORT_FILENAME
    result.report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return result.report_path


def update_report(folder: str | os.PathLike[str], **keys: Any) -> dict[str, Any]:
    """Set ``keys`` in ``folder``'s ``eval_report.json`` (the other keys kept), write it back and return it."""
    path = Path(folder) / REPORT_FILENAME
    report = json.loads(path.read_text(encoding="utf-8"))
    report.update(keys)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def metric_rows(
    metrics: Mapping[str, Mapping[str, float]],
    columns: Sequence[tuple[str, str, str]],
    digits: int | None = None,
) -> list[dict[str, Any]]:
    """Card metric rows, test split first (the headline): one row per split and ``(name, type, key)`` column."""
    rows = []
    for split in sorted(metrics, key=lambda s: s != "test"):
        for name, kind, key in columns:
            value = metrics[split][key]
            rows.append(
                {
                    "name": name,
                    "type": kind,
                    "value": value if digits is None else round(value, digits),
                    "split": split,
                }
            )
    return rows


def card_training(
    result: FinetuneResult,
    facts: Mapping[str, Any],
    *,
    base_model: str,
    best_by: str,
    rows_label: str = "training_rows",
    **more: Any,
) -> dict[str, Any]:
    """The card's training section: the facts every fine-tune records, then ``more`` (None values left out)."""
    training = {
        "command": facts["command"],
        "base_model": base_model,
        "seed": facts["seed"],
        "epochs": f"{result.epochs_trained:g} of at most {facts['max_epochs']:g}"
        + (" (early stopping)" if result.stopped_early else ""),
        "best checkpoint": f"step {result.best_step} by validation {best_by}",
        "learning_rate": facts["learning_rate"],
        "batch_size": facts["batch_size"],
        rows_label: facts["rows"].get("train"),
        "wall_time": f"{result.wall_time_s:.1f} s" + (" (since the resume)" if facts["resumed_from"] else ""),
        "hardware": facts["hardware"],
        **more,
    }
    return {k: v for k, v in training.items() if v is not None}


def card_base_model(model: str | os.PathLike[str], source: str) -> str | None:
    """The Hub id to name as ``base_model``: the source card's model id, or the id the user gave."""
    card_path = Path(source) / "README.md"
    if card_path.is_file():
        from huggingface_hub import ModelCard

        try:
            name = ModelCard.load(card_path).data.model_name
        except Exception:  # an unreadable source card only costs the base_model field
            name = None
        if name and "/" in name:
            return name
    text = os.fspath(model)
    return text if "/" in text and not Path(text).exists() else None


def write_card(
    result: FinetuneResult,
    trained: Any,
    *,
    task: str,
    model: str | os.PathLike[str],
    source: str,
    model_id: str | None,
    license: str,
    data_name: str,
    metrics: list[dict[str, Any]],
    training: Mapping[str, Any],
    description: str,
    tags: Sequence[str],
) -> Path:
    """The fine-tuned model's card (``README.md``) in the result's folder; sets ``result.card_path``."""
    from rnnhub.publish.cards import make_model_card, save_card

    card = make_model_card(
        model_id=model_id or result.output_dir.resolve().name,
        config=trained.config,
        task=task,
        license=license,
        metrics=metrics,
        datasets=[data_name],
        base_model=card_base_model(model, source),
        training=dict(training),
        description=description,
        num_parameters=trained.num_parameters(),
        tags=list(tags),
    )
    result.card_path = save_card(card, result.output_dir)
    return result.card_path


def save_report_and_card(
    result: FinetuneResult,
    trained: Any,
    *,
    leading: Mapping[str, Any],
    facts: Mapping[str, Any],
    card: Mapping[str, Any],
    training: Mapping[str, Any],
) -> dict[str, Any]:
    """Write ``eval_report.json`` (the task's ``leading`` fields, the run, ``facts``) and the card (``card``: the
    keyword arguments of :func:`write_card` but the training section, built by :func:`card_training` from
    ``training``); returns the report."""
    report = report_document(result, leading, facts)
    write_report(result, report)
    write_card(result, trained, training=card_training(result, facts, **training), **card)
    return report
