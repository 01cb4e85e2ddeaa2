"""The Trainer side of every fine-tune: checkpoints and resume, one TrainingArguments schedule, the wall-time
budget and its learning-rate schedule, the best step, the main-process check and the progress-bar switch.

Nothing here is specific to one process: the same calls run data-parallel under ``torchrun`` or
``accelerate launch`` (Trainer picks gloo on CPU); only the main process writes the final folder.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from rnnhub.engine.precision import check_bf16

__all__ = [
    "CHECKPOINTS_DIRNAME",
    "BudgetSchedule",
    "best_step",
    "budget_trainer_class",
    "keeping_generation_length",
    "is_main_process",
    "make_training_arguments",
    "progress_as_asked",
    "progress_bars",
    "resume_checkpoint",
    "run_training",
    "sampling_arguments",
    "time_budget_callback",
]

CHECKPOINTS_DIRNAME = "checkpoints"
Function = TypeVar("Function", bound=Callable[..., Any])


# ---------------------------------------------------------------------------------------------------------------
# Processes and progress


def is_main_process() -> bool:
    """Whether this is the process that writes outputs (rank 0 under torchrun / accelerate, or the only one)."""
    return int(os.environ.get("RANK", "0")) == 0


@contextlib.contextmanager
def progress_bars(enabled: bool) -> Iterator[None]:
    """Turn transformers' and datasets' progress bars on or off for the duration, then restore them."""
    import datasets
    from transformers.utils import logging as transformers_logging

    switches = (
        (
            transformers_logging.is_progress_bar_enabled,
            transformers_logging.enable_progress_bar,
            transformers_logging.disable_progress_bar,
        ),
        (datasets.is_progress_bar_enabled, datasets.enable_progress_bars, datasets.disable_progress_bars),
    )
    previous = [is_enabled() for is_enabled, _, _ in switches]
    for _, enable, disable in switches:
        (enable if enabled else disable)()
    try:
        yield
    finally:
        for (_, enable, disable), was_enabled in zip(switches, previous):
            (enable if was_enabled else disable)()


def progress_as_asked(function: Function) -> Function:
    """Run ``function`` with progress bars on only when called with ``progress=True``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # Trainer, save_pretrained and datasets.map draw tqdm bars; a library call is silent unless asked.
        with progress_bars(kwargs.get("progress", False)):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints


def _complete_checkpoints(checkpoint_dir: Path) -> list[Path]:
    """Checkpoint folders, oldest first, that were written completely.

    Trainer writes ``trainer_state.json`` last, so a folder without it is what a kill during saving left.
    """
    if not checkpoint_dir.is_dir():
        return []
    folders = [
        p for p in checkpoint_dir.glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()
    ]
    complete = [p for p in folders if (p / "trainer_state.json").is_file()]
    return sorted(complete, key=lambda p: int(p.name.split("-")[-1]))


def resume_checkpoint(checkpoint_dir: Path, resume: bool) -> str | None:
    """The checkpoint to continue from (``resume``), or None for a fresh run.

    Raises:
        ValueError: ``resume`` without a complete checkpoint, or old checkpoints without ``resume``.
    """
    checkpoints = _complete_checkpoints(checkpoint_dir)
    if not resume:
        if checkpoints:
            raise ValueError(
                f"{checkpoint_dir} holds checkpoints of an earlier run ({checkpoints[-1].name}). Pass resume=True "
                "(--resume) to continue it, or choose an empty output folder."
            )
        return None
    if not checkpoints:
        raise ValueError(
            f"Nothing to resume: {checkpoint_dir} has no complete checkpoint. Run without resume "
            "(--resume) to start training."
        )
    last = checkpoints[-1]
    if is_main_process():
        # Folders newer than the last complete one are half-written; Trainer would rewrite them anyway.
        for partial in checkpoint_dir.glob("checkpoint-*"):
            if partial.is_dir() and partial not in checkpoints:
                shutil.rmtree(partial, ignore_errors=True)
    return str(last)


def best_step(state: Any) -> int | None:
    """The optimizer step of the best checkpoint Trainer kept (``load_best_model_at_end``), or None."""
    checkpoint = state.best_model_checkpoint
    return int(Path(checkpoint).name.split("-")[-1]) if checkpoint else None


# ---------------------------------------------------------------------------------------------------------------
# Arguments and the run


def make_training_arguments(
    checkpoint_dir: Path,
    *,
    epochs: float,
    learning_rate: float,
    batch_size: int,
    eval_steps: int | None,
    metric_for_best_model: str,
    save_total_limit: int,
    seed: int,
    progress: bool,
    overrides: Mapping[str, Any],
    arguments_class: type | None = None,
):
    """The TrainingArguments (or ``arguments_class``, e.g. Seq2SeqTrainingArguments) every rnnhub fine-tune uses;
    ``overrides`` (any of its fields) win."""
    import torch
    from transformers import TrainingArguments

    # Evaluation, checkpointing and logging share one schedule: early stopping and load_best_model_at_end
    # need a checkpoint at every evaluation, and resume loses at most one interval.
    strategy = "epoch" if eval_steps is None else "steps"
    steps = (
        {}
        if eval_steps is None
        else {"eval_steps": eval_steps, "save_steps": eval_steps, "logging_steps": eval_steps}
    )
    arguments = {
        "output_dir": str(checkpoint_dir),
        "num_train_epochs": epochs,
        "learning_rate": learning_rate,
        "per_device_train_batch_size": batch_size,
        "per_device_eval_batch_size": batch_size,
        "eval_strategy": strategy,
        "save_strategy": strategy,
        "logging_strategy": strategy,
        **steps,
        "load_best_model_at_end": True,
        "metric_for_best_model": metric_for_best_model,
        "greater_is_better": metric_for_best_model != "loss",
        "save_total_limit": save_total_limit,
        "seed": seed,
        "data_seed": seed,
        # Without it a resumed run would restart early stopping's patience count and could train longer.
        "restore_callback_states_from_checkpoint": True,
        "use_cpu": not torch.cuda.is_available(),
        # Every parameter of an rnnhub model takes part in each forward pass; DDP's search for unused ones is waste.
        "ddp_find_unused_parameters": False,
        "report_to": "none",
        "disable_tqdm": not progress,
        **overrides,
    }
    if arguments.get("bf16"):
        check_bf16(use_cpu=arguments["use_cpu"])
    return (arguments_class or TrainingArguments)(**arguments)


def sampling_arguments() -> dict[str, Any]:
    """Batches of similar length (little padding for the recurrent layers), under either transformers 5.x name."""
    from transformers import Seq2SeqTrainingArguments

    names = {f.name for f in fields(Seq2SeqTrainingArguments)}
    if "train_sampling_strategy" in names:
        return {"train_sampling_strategy": "group_by_length"}
    return {"group_by_length": True} if "group_by_length" in names else {}


def early_stopping(patience: int | None) -> list[Any]:
    """Trainer callbacks for early stopping after ``patience`` evaluations without improvement (None: none)."""
    from transformers import EarlyStoppingCallback

    return [EarlyStoppingCallback(patience)] if patience else []


def run_training(trainer: Any, resume_from: str | None, progress: bool) -> float:
    """``trainer.train()`` (continuing ``resume_from``), quiet unless ``progress``; returns the wall time in s."""
    from transformers import PrinterCallback

    if not progress:
        trainer.remove_callback(PrinterCallback)  # it prints every log line when the progress bar is off
    started = time.perf_counter()
    with progress_bars(progress):
        trainer.train(resume_from_checkpoint=resume_from)
    return time.perf_counter() - started


# ---------------------------------------------------------------------------------------------------------------
# The wall-time budget


class BudgetSchedule:
    """The learning-rate factor of step ``step``: linear warm-up, then linear decay to zero over whichever ends
    first, the planned steps or the wall-time budget.

    A schedule planned over epochs that a time budget cuts short never anneals (the rate is still high when
    training stops); this one reaches zero when the budget runs out, however fast the machine turns out to be::

        progress = max(step / total_steps, elapsed / budget)        factor = 1 - progress   (after warm-up)

    ``clock`` returns seconds; the budget counts from the first call (the first optimizer step).
    """

    def __init__(
        self,
        total_steps: int,
        budget_seconds: float | None,
        warmup_steps: int = 0,
        clock=time.perf_counter,
    ) -> None:
        if total_steps < 1:
            raise ValueError(f"total_steps must be at least 1, got {total_steps}.")
        if budget_seconds is not None and budget_seconds <= 0:
            raise ValueError(f"budget_seconds must be positive, got {budget_seconds}.")
        self.total_steps = total_steps
        self.budget_seconds = budget_seconds
        self.warmup_steps = max(0, warmup_steps)
        self.clock = clock
        self.started: float | None = None

    def progress(self, step: int) -> float:
        """The share of training done at ``step``, by steps or by time, whichever is further along."""
        if self.started is None:
            self.started = self.clock()
        by_steps = step / self.total_steps
        if self.budget_seconds is None:
            return min(1.0, by_steps)
        return min(1.0, max(by_steps, (self.clock() - self.started) / self.budget_seconds))

    def __call__(self, step: int) -> float:
        progress = self.progress(step)
        if step < self.warmup_steps:
            return (step + 1) / self.warmup_steps
        return max(0.0, 1.0 - progress)


def budget_trainer_class(warmup_ratio: float, budget_minutes: float | None, base: type | None = None):
    """``base`` (default Seq2SeqTrainer) whose learning-rate schedule is a :class:`BudgetSchedule`."""
    from torch.optim.lr_scheduler import LambdaLR
    from transformers import Seq2SeqTrainer

    class BudgetTrainer(base or Seq2SeqTrainer):
        def create_scheduler(self, num_training_steps: int, optimizer=None):
            if self.lr_scheduler is None:
                schedule = BudgetSchedule(
                    num_training_steps,
                    None if budget_minutes is None else budget_minutes * 60,
                    warmup_steps=round(warmup_ratio * num_training_steps),
                )
                self.lr_scheduler = LambdaLR(optimizer or self.optimizer, schedule)
                self._created_lr_scheduler = True
            return self.lr_scheduler

    return BudgetTrainer


def keeping_generation_length(base: type) -> type:
    """``base`` (a Seq2SeqTrainer) whose evaluation leaves the model's ``generation_config.max_length`` as it was.

    Seq2SeqTrainer's ``prediction_step`` fills the unset generation settings of the model's own config with their
    defaults, so after the first evaluation a model that bounds its output by ``max_new_tokens`` also carries
    ``max_length=20``: every later ``generate()`` warns that both are set, and the saved generation config keeps it.
    """

    class KeepingGenerationLength(base):
        def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None, **gen_kwargs):
            config = self.model.generation_config
            kept = config.max_length
            try:
                return super().prediction_step(
                    model, inputs, prediction_loss_only, ignore_keys=ignore_keys, **gen_kwargs
                )
            finally:
                config.max_length = kept

    KeepingGenerationLength.__name__ = KeepingGenerationLength.__qualname__ = f"{base.__name__}KeepingLength"
    return KeepingGenerationLength


def time_budget_callback(minutes: float):
    """Stop training once ``minutes`` of wall time have passed, evaluating and checkpointing that last step so
    early stopping's choice of the best checkpoint still sees it (unless the run neither evaluates nor saves:
    strategy ``"no"``). ``stopped_at_step`` records where."""
    from transformers import TrainerCallback

    class TimeBudget(TrainerCallback):
        def __init__(self) -> None:
            self.started = time.perf_counter()
            self.stopped_at_step: int | None = None

        def on_train_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()  # data encoding and set-up do not count against the budget

        def on_step_end(self, args, state, control, **kwargs):
            if time.perf_counter() - self.started > minutes * 60 and self.stopped_at_step is None:
                self.stopped_at_step = state.global_step
                control.should_training_stop = True
                # Per-epoch evaluation runs anyway when the epoch loop ends; a run without evaluation or
                # checkpoints (eval/save strategy "no") has nothing to evaluate or save here.
                if args.eval_strategy not in ("epoch", "no"):
                    control.should_evaluate = True
                if args.eval_strategy != "epoch" and args.save_strategy != "no":
                    control.should_save = True
            return control

    return TimeBudget()
