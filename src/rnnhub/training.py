"""Fine-tune an rnnhub model as a text classifier on your own data, with stock ``transformers.Trainer``.

>>> from rnnhub.training import finetune
>>> result = finetune("my-lstm", "reviews.csv", text_column="review", label_column="stars", output_dir="out")
>>> result.metrics["validation"]["accuracy"]

The source model (a folder, a registry short name or a Hub id, see :func:`rnnhub.hub.resolve`) may be

* an ``RnnHubForSequenceClassification``: its classification head is reused when the data has exactly its
  label set (label ids keep the model's order); otherwise a new head is made for the new labels, keeping the
  embeddings and the recurrent encoder;
* an ``RnnHubForCausalLM`` or ``RnnHubModel``: a classifier is built from its config and its encoder weights
  (``rnnhub.*``): the language-model-pretraining recipe of Dai & Le (2015) and ULMFiT (Howard & Ruder, 2018).

Everything the run writes goes under ``output_dir``:

* the fine-tuned model and tokenizer (``save_pretrained``), the model card ``README.md`` and
  ``eval_report.json`` (metrics per split, per-class scores, confusion matrix, run facts);
* ``checkpoints/``: Trainer checkpoints (``checkpoint-<step>``), one per evaluation. They let ``resume=True``
  continue a run that was killed, losing at most the work since the last checkpoint. They hold pickled
  optimizer/RNG state, which a published folder must not contain, so they are deleted once the run finishes
  (unless ``keep_checkpoints=True``).

Nothing here is specific to one process: the same call runs data-parallel under ``torchrun`` or
``accelerate launch`` (Trainer picks gloo on CPU); only the main process writes the final folder.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnhub.evaluation import classification_metrics, make_compute_metrics
from rnnhub.run_info import trainer_hardware

if TYPE_CHECKING:
    import datasets
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["CHECKPOINTS_DIRNAME", "FinetuneResult", "finetune"]

CHECKPOINTS_DIRNAME = "checkpoints"
REPORT_FILENAME = "eval_report.json"
BEST_METRICS = ("loss", "accuracy", "macro_f1")
_SOURCE_ARCHITECTURES = ("RnnHubForSequenceClassification", "RnnHubForCausalLM", "RnnHubModel")


@dataclass
class FinetuneResult:
    """What :func:`finetune` did and measured.

    ``metrics`` maps each evaluated split (``validation``, and ``test`` when the data has one) to its
    ``loss``, ``accuracy`` and ``macro_f1``, measured with the best checkpoint's weights (the saved model).
    """

    output_dir: Path
    metrics: dict[str, dict[str, float]]
    labels: list[str]
    head: str  # "reused" (the source classifier's head) or "new"
    source_architecture: str
    global_step: int
    epochs_trained: float
    stopped_early: bool
    best_step: int | None
    wall_time_s: float
    card_path: Path | None = None
    report_path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Metrics


def _split_metrics(trainer_metrics: Mapping[str, float], split: str) -> dict[str, float]:
    """``{"validation_loss": ..., "validation_runtime": ...}`` -> ``{"loss": ...}``: the metrics only."""
    stripped = {key.removeprefix(f"{split}_"): value for key, value in trainer_metrics.items()}
    return {name: stripped[name] for name in BEST_METRICS if name in stripped}


# ---------------------------------------------------------------------------------------------------------------
# Data


def describe_data(data: Any) -> str:
    if isinstance(data, (str, os.PathLike)):
        path = Path(data).expanduser()
        return path.name if path.exists() else os.fspath(data)
    return "custom data"


def _load_splits(data: Any, text_column: str, label_column: str) -> datasets.DatasetDict:
    """The user's data as a DatasetDict with exactly the columns ``text`` and ``label``."""
    import datasets

    from rnnhub import data as rnnhub_data
    from rnnhub.data import loaders

    columns = {"text": text_column, "label": label_column}
    if isinstance(data, (str, os.PathLike)):
        name = os.fspath(data)
        if not Path(name).expanduser().exists() and name in rnnhub_data.list_corpora():
            data = rnnhub_data.load(name)  # a built-in corpus, e.g. "rt-sentiment-en"
        else:
            return loaders.load_user_data(data, columns=columns)
    if not isinstance(data, datasets.DatasetDict):
        raise ValueError(
            f"data must be a file, a folder, a Hub dataset id, a built-in corpus name or a DatasetDict; "
            f"got {type(data).__name__}."
        )
    # The same checks load_user_data applies to files (missing columns, empty texts).
    selected = {}
    for split, dataset in data.items():
        where = f"{describe_data(data)} [{split}]"
        dataset = loaders.select_columns(dataset, columns, where)
        loaders.check_texts(dataset, where)
        selected[split] = dataset
    return datasets.DatasetDict(selected)


def _label_strings(dataset: datasets.Dataset, split: str) -> tuple[list[str], bool]:
    """The split's labels as names, and whether every raw label was an integer (for numeric ordering)."""
    from datasets import ClassLabel

    feature = dataset.features["label"]
    values = dataset["label"]
    if isinstance(feature, ClassLabel):
        return [feature.int2str(int(v)) for v in values], False
    missing = [
        i for i, v in enumerate(values) if v is None or (isinstance(v, float) and math.isnan(v)) or v == ""
    ]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        raise ValueError(
            f"{len(missing)} of {len(values)} rows in the {split} split have no label (row indices: {shown}); "
            "drop or fill them first."
        )
    names, numeric = [], True
    for value in values:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a CSV integer column read as float
        numeric = numeric and isinstance(value, int) and not isinstance(value, bool)
        names.append(str(value).strip())
    return names, numeric


def _training_label_order(train: datasets.Dataset, names: list[str], numeric: bool) -> list[str]:
    from datasets import ClassLabel

    feature = train.features["label"]
    if isinstance(feature, ClassLabel):
        return list(feature.names)  # the dataset declares its label order
    unique = set(names)
    return sorted(unique, key=int) if numeric else sorted(unique)


def _check_unseen_labels(split_names: Mapping[str, list[str]], known: Sequence[str]) -> None:
    known_set = set(known)
    for split, names in split_names.items():
        unseen = sorted(set(names) - known_set)
        if unseen:
            count = sum(name in unseen for name in names)
            raise ValueError(
                f"The {split} split has label(s) {', '.join(map(repr, unseen))} ({count} rows) that the training "
                f"data does not have (training labels: {', '.join(known)}). The model cannot learn a label it "
                "never sees: add training examples for them, or drop those rows."
            )


def _labelled_splits(
    data: Any, text_column: str, label_column: str, validation_fraction: float, seed: int
) -> tuple[datasets.DatasetDict, dict[str, list[str]], list[str]]:
    """The data's splits (with a validation split), each split's label names, and the label order."""
    from rnnhub.data import train_validation_split

    loaded = _load_splits(data, text_column, label_column)
    for split, dataset in loaded.items():
        _label_strings(dataset, split)  # rows without a label, reported by their index in the data as given
    splits = train_validation_split(loaded, validation_fraction, seed)
    names = {split: _label_strings(dataset, split) for split, dataset in splits.items()}
    labels = _training_label_order(splits["train"], *names["train"])
    _check_unseen_labels({split: n for split, (n, _) in names.items() if split != "train"}, labels)
    return splits, {split: n for split, (n, _) in names.items()}, labels


def _encode(dataset: datasets.Dataset, label_ids: list[int], tokenizer, max_length: int) -> datasets.Dataset:
    """Token ids, attention mask and ``labels``: what DataCollatorWithPadding and the model take."""
    dataset = dataset.remove_columns("label").add_column("labels", label_ids)
    # In memory: small data, and no cache files for several processes to race on.
    return dataset.map(
        lambda batch: tokenizer(batch["text"], truncation=True, max_length=max_length),
        batched=True,
        remove_columns=["text"],
        keep_in_memory=True,
    )


# ---------------------------------------------------------------------------------------------------------------
# Model and tokenizer


def _load_tokenizer(source: str) -> PreTrainedTokenizerBase:
    from rnnhub.tokenization import load_tokenizer

    return load_tokenizer(source)


def check_tokenizer(tokenizer: PreTrainedTokenizerBase, config: Any, source: str) -> None:
    problems = []
    if len(tokenizer) > config.vocab_size:
        problems.append(
            f"the tokenizer has {len(tokenizer)} tokens but the model's vocabulary has {config.vocab_size} "
            "(ids beyond it have no embedding)"
        )
    for name in ("pad", "bos", "eos"):
        model_id, tokenizer_id = getattr(config, f"{name}_token_id"), getattr(tokenizer, f"{name}_token_id")
        if model_id is not None and tokenizer_id is not None and model_id != tokenizer_id:
            problems.append(f"{name} token id is {tokenizer_id} in the tokenizer but {model_id} in the model")
    if tokenizer.pad_token_id is None:
        problems.append("the tokenizer has no padding token (batches cannot be padded)")
    if problems:
        raise ValueError(
            f"model/tokenizer mismatch in {source}: {'; '.join(problems)}. Save the tokenizer the model was "
            "trained with next to it (tokenizer.save_pretrained(folder))."
        )


def _source_architecture(config: Any, source: str) -> str:
    from rnnhub.models import RnnHubConfig

    architecture = (getattr(config, "architectures", None) or [None])[0]
    if not isinstance(config, RnnHubConfig) or architecture not in _SOURCE_ARCHITECTURES:
        raise ValueError(
            f"{source} is a {architecture or type(config).__name__} ({config.model_type}); finetune starts from "
            f"an rnnhub recurrent model: one of {', '.join(_SOURCE_ARCHITECTURES)}."
        )
    return architecture


def _same_labels(config: Any, labels: Sequence[str]) -> bool:
    source_labels = [str(config.id2label[i]) for i in sorted(config.id2label, key=int)]
    return sorted(source_labels) == sorted(labels)


def _build_model(
    source: str, config: Any, architecture: str, labels: list[str]
) -> tuple[PreTrainedModel, str]:
    """The classifier to train and whether its head is ``"reused"`` or ``"new"``; ``labels`` may be reordered
    in place to the reused head's label order."""
    import rnnhub.models as models

    if architecture == "RnnHubForSequenceClassification" and _same_labels(config, labels):
        labels[:] = [str(config.id2label[i]) for i in sorted(config.id2label, key=int)]
        model = models.RnnHubForSequenceClassification.from_pretrained(source)
        return model, "reused"
    new_config = copy.deepcopy(config)
    new_config.id2label = dict(enumerate(labels))
    new_config.label2id = {name: i for i, name in enumerate(labels)}
    new_config.architectures = ["RnnHubForSequenceClassification"]
    new_config.problem_type = "single_label_classification"
    new_config.tie_word_embeddings = False  # a classifier has no output embeddings to tie
    model = models.RnnHubForSequenceClassification(new_config)
    pretrained = getattr(models, architecture).from_pretrained(source)
    encoder = pretrained if architecture == "RnnHubModel" else pretrained.rnnhub
    # strict: every embedding and recurrent weight must carry over, or this would silently train from scratch.
    model.rnnhub.load_state_dict(encoder.state_dict(), strict=True)
    return model, "new"


def card_base_model(model: str, source: str) -> str | None:
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
    if _is_main_process():
        # Folders newer than the last complete one are half-written; Trainer would rewrite them anyway.
        for partial in checkpoint_dir.glob("checkpoint-*"):
            if partial.is_dir() and partial not in checkpoints:
                shutil.rmtree(partial, ignore_errors=True)
    return str(last)


def _is_main_process() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


# ---------------------------------------------------------------------------------------------------------------
# The run


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
        # Every classifier parameter takes part in each forward pass; DDP's search for unused ones is waste.
        "ddp_find_unused_parameters": False,
        "report_to": "none",
        "disable_tqdm": not progress,
        **overrides,
    }
    # Seq2SeqTrainingArguments (rnnhub.seq2seq_training) shares this schedule.
    return (arguments_class or TrainingArguments)(**arguments)


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


def _progress_as_asked(function: Callable[..., FinetuneResult]) -> Callable[..., FinetuneResult]:
    """Run ``function`` with progress bars on only when called with ``progress=True``."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> FinetuneResult:
        # Trainer, save_pretrained and datasets.map draw tqdm bars; a library call is silent unless asked.
        with progress_bars(kwargs.get("progress", False)):
            return function(*args, **kwargs)

    return wrapper


@_progress_as_asked
def finetune(
    model: str | os.PathLike[str],
    data: str | os.PathLike[str] | datasets.DatasetDict,
    *,
    output_dir: str | os.PathLike[str],
    text_column: str = "text",
    label_column: str = "label",
    validation_fraction: float = 0.1,
    epochs: float = 5.0,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    max_length: int = 256,
    early_stopping_patience: int | None = 3,
    metric_for_best_model: str = "loss",
    eval_steps: int | None = None,
    save_total_limit: int = 2,
    seed: int = 0,
    resume: bool = False,
    keep_checkpoints: bool = False,
    model_id: str | None = None,
    license: str = "other",
    data_name: str | None = None,
    command: str | None = None,
    progress: bool = False,
    training_arguments: Mapping[str, Any] | None = None,
) -> FinetuneResult:
    """Fine-tune ``model`` as a classifier of ``data``'s labels and save the result in ``output_dir``.

    Args:
        model: a model folder, registry short name or Hub id (:func:`rnnhub.hub.resolve`) holding an
            rnnhub recurrent model and its tokenizer.
        data: a CSV/TSV/JSON/JSONL/parquet file, a folder of ``train``/``validation``/``test`` files, a Hub
            dataset id, a built-in corpus name (``rnnhub data list``) or a ``datasets.DatasetDict``.
        text_column, label_column: the columns holding the text and its label (strings or integers).
        validation_fraction: share of ``train`` held out for validation when the data has no validation split
            (split with ``seed``).
        epochs: the most epochs to train; early stopping may stop sooner.
        eval_steps: evaluate (and checkpoint) every this many optimizer steps; None: once per epoch.
        early_stopping_patience: stop after this many evaluations without improvement; None: never stop early.
        metric_for_best_model: ``"loss"``, ``"accuracy"`` or ``"macro_f1"`` on validation; picks the best
            checkpoint (the saved model) and drives early stopping.
        resume: continue from the newest complete checkpoint in ``output_dir/checkpoints`` (same arguments).
        keep_checkpoints: keep ``output_dir/checkpoints`` after a finished run (it holds pickles, so the folder
            is then not publishable as it is).
        model_id: the Hub id the card's loading snippets use (default: the output folder's name).
        license: the card's licence id for the weights (mind your data's licence).
        data_name: how the card names the data (default: the file name or id).
        command: the command line recorded in the card (the CLI passes its own).
        progress: show Trainer's progress bar and logs (the library is silent by default).
        training_arguments: extra ``TrainingArguments`` fields, overriding the ones set here.

    Raises:
        ValueError: missing columns, empty texts or labels, labels in validation/test that training lacks, a
            model/tokenizer mismatch, a source that is not an rnnhub recurrent model, ``resume`` without a
            checkpoint, or old checkpoints without ``resume``.
    """
    from transformers import (
        AutoConfig,
        DataCollatorWithPadding,
        EarlyStoppingCallback,
        PrinterCallback,
        Trainer,
    )
    from transformers import set_seed as transformers_set_seed

    from rnnhub.hub import resolve

    if metric_for_best_model not in BEST_METRICS:
        raise ValueError(
            f"metric_for_best_model must be one of {', '.join(BEST_METRICS)}, got {metric_for_best_model!r}."
        )
    output_dir = Path(output_dir)
    checkpoint_dir = output_dir / CHECKPOINTS_DIRNAME
    resume_from = resume_checkpoint(checkpoint_dir, resume)

    source = resolve(model)
    config = AutoConfig.from_pretrained(source)
    architecture = _source_architecture(config, source)
    tokenizer = _load_tokenizer(source)
    check_tokenizer(tokenizer, config, source)

    splits, label_names, labels = _labelled_splits(data, text_column, label_column, validation_fraction, seed)
    # The new head's initial weights come from this seed (Trainer seeds only once it exists).
    transformers_set_seed(seed)
    classifier, head = _build_model(source, config, architecture, labels)
    label2id = {name: i for i, name in enumerate(labels)}
    encoded = {
        split: _encode(dataset, [label2id[name] for name in label_names[split]], tokenizer, max_length)
        for split, dataset in splits.items()
    }
    args = make_training_arguments(
        checkpoint_dir,
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        eval_steps=eval_steps,
        metric_for_best_model=metric_for_best_model,
        save_total_limit=save_total_limit,
        seed=seed,
        progress=progress,
        overrides=training_arguments or {},
    )
    callbacks = [EarlyStoppingCallback(early_stopping_patience)] if early_stopping_patience else []
    trainer = Trainer(
        model=classifier,
        args=args,
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=make_compute_metrics(labels),
        callbacks=callbacks,
    )
    if not progress:
        trainer.remove_callback(PrinterCallback)  # it prints every log line when the progress bar is off

    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume_from)
    wall_time = time.perf_counter() - started

    evaluations = {
        split: trainer.predict(encoded[split], metric_key_prefix=split)
        for split in ("validation", "test")
        if split in encoded
    }
    metrics = {split: _split_metrics(output.metrics, split) for split, output in evaluations.items()}
    state = trainer.state
    best_step = (
        int(Path(state.best_model_checkpoint).name.split("-")[-1]) if state.best_model_checkpoint else None
    )
    result = FinetuneResult(
        output_dir=output_dir,
        metrics=metrics,
        labels=labels,
        head=head,
        source_architecture=architecture,
        global_step=state.global_step,
        epochs_trained=float(state.epoch or 0.0),
        stopped_early=state.global_step < state.max_steps,
        best_step=best_step,
        wall_time_s=wall_time,
    )
    if trainer.is_world_process_zero():
        facts = {
            "base_model": os.fspath(model),
            "data": data_name or describe_data(data),
            "rows": {split: len(dataset) for split, dataset in splits.items()},
            "command": command,
            "seed": seed,
            "learning_rate": learning_rate,
            "batch_size": batch_size * args.world_size,
            "max_epochs": epochs,
            "metric_for_best_model": metric_for_best_model,
            "hardware": trainer_hardware(args.world_size),
            "resumed_from": Path(resume_from).name if resume_from else None,
        }
        _save_outputs(trainer, tokenizer, result, evaluations, facts, source, model, model_id, license)
        if not keep_checkpoints:
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Outputs


def _split_report(output, labels: list[str]) -> dict[str, Any]:
    logits = output.predictions[0] if isinstance(output.predictions, tuple) else output.predictions
    metrics = classification_metrics(output.label_ids, np.argmax(logits, axis=-1), label_names=labels)
    return {
        "rows": metrics["count"],
        "per_class": metrics["per_class"],
        # confusion_matrix[true][predicted], rows and columns in the order of "labels".
        "confusion_matrix": metrics["confusion_matrix"],
    }


def _save_outputs(
    trainer,
    tokenizer,
    result: FinetuneResult,
    evaluations: Mapping[str, Any],
    facts: dict[str, Any],
    source: str,
    model: str | os.PathLike[str],
    model_id: str | None,
    license: str,
) -> None:
    from rnnhub.cards import make_model_card, save_card

    output_dir = result.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    # save_pretrained, not trainer.save_model: that also writes training_args.bin, a pickle.
    trainer.model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)

    report = {
        "labels": result.labels,
        "head": result.head,
        "source_architecture": result.source_architecture,
        "metrics": result.metrics,
        "splits": {split: _split_report(output, result.labels) for split, output in evaluations.items()},
        "global_step": result.global_step,
        "epochs_trained": result.epochs_trained,
        "stopped_early": result.stopped_early,
        "best_step": result.best_step,
        "wall_time_s": round(result.wall_time_s, 3),
        **facts,
    }
    result.report_path = output_dir / REPORT_FILENAME
    result.report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

    data_name = facts["data"]
    metric_rows = []
    for split in sorted(result.metrics, key=lambda s: s != "test"):  # test first: the headline metric
        values = result.metrics[split]
        metric_rows.append(
            {"name": "Accuracy", "type": "accuracy", "value": values["accuracy"], "split": split}
        )
        metric_rows.append({"name": "Macro F1", "type": "f1", "value": values["macro_f1"], "split": split})
    training = {
        "command": facts["command"],
        "base_model": f"`{facts['base_model']}` ({result.source_architecture}, {result.head} classification head)",
        "seed": facts["seed"],
        "epochs": f"{result.epochs_trained:g} of at most {facts['max_epochs']:g}"
        + (" (early stopping)" if result.stopped_early else ""),
        "best checkpoint": f"step {result.best_step} by validation {facts['metric_for_best_model']}",
        "learning_rate": facts["learning_rate"],
        "batch_size": facts["batch_size"],
        "training_rows": facts["rows"].get("train"),
        "wall_time": f"{result.wall_time_s:.1f} s" + (" (since the resume)" if facts["resumed_from"] else ""),
        "hardware": facts["hardware"],
    }
    card = make_model_card(
        model_id=model_id or output_dir.resolve().name,
        config=trainer.model.config,
        task="text-classification",
        license=license,
        metrics=metric_rows,
        datasets=[data_name],
        base_model=card_base_model(model, source),
        training={k: v for k, v in training.items() if v is not None},
        description=f"Fine-tuned with `rnnhub finetune` on `{data_name}` to predict: {', '.join(result.labels)}.",
        num_parameters=trainer.model.num_parameters(),
        tags=["rnnhub-finetune"],
    )
    result.card_path = save_card(card, output_dir)
    result.extra["report"] = report


def result_summary(result: FinetuneResult) -> dict[str, Any]:
    """A JSON-ready view of ``result`` (paths as strings, without the bulky report)."""
    summary = asdict(result)
    summary.pop("extra", None)
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in summary.items()}
