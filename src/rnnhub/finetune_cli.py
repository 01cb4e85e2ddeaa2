"""``rnnhub finetune``: fine-tune an rnnhub model on your own data.

The model's config type picks the task: a recurrent model becomes a text classifier (rnnhub.sentiment.train), a
translation model learns new sentence pairs (rnnhub.translation.train, Seq2SeqTrainer) and a captioning model
new image/caption pairs (rnnhub.captioning.train); all three run on rnnhub.engine. This module is the one place
that knows all three tasks (an entry point, like rnnhub.cli), so it lives beside the task packages.

The command line is transformers' own (``run_glue.py``): HfArgumentParser over rnnhub's dataclasses
(:mod:`rnnhub.finetune_arguments`) and Seq2SeqTrainingArguments, so every TrainingArguments flag passes through
(``--bf16``, ``--gradient_accumulation_steps``, ``--report_to tensorboard``, ...), or a single ``.json``/``.yaml``
file of the same arguments. Also runnable as a module, which is what launchers need for data-parallel training::

    python -m rnnhub.finetune_cli --model MODEL --data reviews.csv --output out
    python -m rnnhub.finetune_cli args.json
    torchrun --nproc_per_node 2 -m rnnhub.finetune_cli --model MODEL --data reviews.csv --output out
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from rnnhub.finetune_arguments import (
    OWN_ARGUMENTS,
    TRAINING_DEFAULTS,
    DataArguments,
    ModelArguments,
    RunArguments,
)

PROG = "rnnhub finetune"
# Options that change how a run is shown, continued or published, not what it computes: left out of the card's
# command.
_NOT_REPRODUCED = {
    "resume",
    "progress",
    "json",
    "overwrite",
    "push_to_hub",
    "hub_model_id",
    "hub_token",
    "hub_private_repo",
}
# Trainer would push checkpoints (pickles) from its checkpoint folder; rnnhub pushes the finished OUTPUT once.
_HUB_OPTIONS = ("push_to_hub", "hub_model_id", "hub_token", "hub_private_repo")
_UNSUPPORTED = {
    "resume_from_checkpoint": "use --resume (it finds the last complete checkpoint of the killed run)",
    "hub_strategy": "rnnhub finetune pushes the finished folder once, after the run (checkpoints hold pickles)",
    "hub_always_push": "rnnhub finetune pushes the finished folder once, after the run",
}
_SEQ2SEQ_ONLY = (
    "predict_with_generate",
    "generation_max_length",
    "generation_num_beams",
    "generation_config",
    "sortish_sampler",
)
_DEFAULT_MAX_LENGTH = {"classification": 256, "translation": 128, "captioning": 32}


@dataclass
class FinetuneArguments:
    """A parsed ``rnnhub finetune`` command: rnnhub's options, and the TrainingArguments fields the user gave."""

    model: ModelArguments
    data: DataArguments
    run: RunArguments
    schedule: dict[str, Any]  # the TRAINING_DEFAULTS fields, given or rnnhub's default
    training: dict[str, Any]  # every other TrainingArguments field the user gave, but the Hub's
    hub: dict[str, Any]  # --push_to_hub and its --hub_* options, as given
    command: str


def build_parser():
    """The HfArgumentParser of ``rnnhub finetune`` (imports transformers)."""
    from transformers import Seq2SeqTrainingArguments

    from rnnhub.engine.arguments import build_parser as hf_parser
    from rnnhub.engine.arguments import with_defaults

    training = with_defaults(Seq2SeqTrainingArguments, TRAINING_DEFAULTS)
    return hf_parser([*OWN_ARGUMENTS, training], prog=PROG, description=__doc__.splitlines()[0])


def parse_arguments(argv: Sequence[str]) -> FinetuneArguments:
    """``argv`` (options, or a ``.json``/``.yaml`` file of them then options) as :class:`FinetuneArguments`.

    Raises:
        ValueError: no --model, --data or --output; a TrainingArguments field rnnhub sets another way.
    """
    from rnnhub.engine.arguments import given_command, parse_command

    parsed = parse_command(build_parser(), argv)
    missing = [
        flag
        for flag, dest in (("--model", "model"), ("--data", "data"), ("--output", "output_dir"))
        if parsed.values[dest] is None
    ]
    if missing:
        raise ValueError(
            f"{', '.join(missing)} required: give them as options, or in a .json/.yaml file of arguments "
            "(`rnnhub finetune args.json`)."
        )
    for name, instead in _UNSUPPORTED.items():
        if name in parsed.given:
            raise ValueError(f"--{name} is not supported here: {instead}.")
    own = {f.name for dataclass_type in OWN_ARGUMENTS for f in fields(dataclass_type)}
    passed_through = {dest for dest in parsed.given if dest not in own and dest not in TRAINING_DEFAULTS}
    model, data, run = (parsed.build(dataclass_type) for dataclass_type in OWN_ARGUMENTS)
    return FinetuneArguments(
        model=model,
        data=data,
        run=run,
        schedule={name: parsed.values[name] for name in TRAINING_DEFAULTS},
        training={name: parsed.given[name] for name in passed_through if name not in _HUB_OPTIONS},
        hub={name: parsed.given[name] for name in _HUB_OPTIONS if name in parsed.given},
        command=given_command(
            PROG.split(),
            parsed,
            first=("model", "data", "output_dir"),
            skip=_NOT_REPRODUCED,
            passed_through=passed_through,
        ),
    )


def arguments_of(args: argparse.Namespace | FinetuneArguments) -> FinetuneArguments:
    """The parsed command of ``args``: the ``rnnhub finetune`` namespace of :func:`rnnhub.cli.build_parser`
    (its ``arguments`` are the command's own tokens), or already :class:`FinetuneArguments`."""
    return args if isinstance(args, FinetuneArguments) else parse_arguments(args.arguments)


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rnnhub finetune``: its tokens go unparsed to :func:`parse_arguments` (TrainingArguments' flags
    need transformers, which ``rnnhub --help`` does not import)."""
    parser = subparsers.add_parser(
        "finetune",
        help="fine-tune a model on your data (classification, translation or captioning)",
        add_help=False,
        prefix_chars="+",  # no option of its own: every token, --help too, is the command's
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER, action=_TokensOrHelp)
    parser.set_defaults(func=run)


class _TokensOrHelp(argparse.Action):
    """Keeps the command's tokens; prints the help and exits while parsing, as argparse's own ``--help`` does
    (before ``rnnhub`` imports transformers to register the models)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if _wants_help(values):
            _print_help(values)
            parser.exit(0)
        setattr(namespace, self.dest, values)


def command_line(args: argparse.Namespace | FinetuneArguments) -> str:
    """The ``rnnhub finetune`` command that reproduces ``args``: required and non-default options only."""
    return arguments_of(args).command


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


def _check_task_options(parsed: FinetuneArguments, task: str) -> None:
    """Refuse options of another task than the model's, naming them."""
    model, data = parsed.model, parsed.data
    if task != "classification" and (model.vectors or model.freeze_vectors):
        raise ValueError(f"--vectors / --freeze-vectors are for classification; this is a {task} model")
    if task != "classification" and (
        model.layer_lr_decay is not None or model.gradual_unfreezing or model.pooling is not None
    ):
        raise ValueError(
            f"--pooling / --layer-lr-decay / --gradual-unfreezing are for classification; this is a {task} model"
        )
    if task != "classification" and (model.teachers or model.tfidf_teacher):
        raise ValueError(
            f"--teachers / --tfidf-teacher (distillation) are for classification; this is a {task} model"
        )
    defaults = type(model)()
    tuned = [
        flag
        for flag, name in (
            ("--distill-weight", "distill_weight"),
            ("--distill-temperature", "distill_temperature"),
        )
        if getattr(model, name) != getattr(defaults, name)
    ]
    if tuned and not (model.teachers or model.tfidf_teacher):
        raise ValueError(
            f"{' / '.join(tuned)} set how to distil from teachers: give --teachers FOLDER ... or "
            "--tfidf-teacher word|char too"
        )
    given = [name for name in ("source_lang", "target_lang", "dataset_config_name") if getattr(data, name)]
    if task != "translation" and given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise ValueError(
            f"{flags} apply to translation models; {model.model} is a {task} model (leave them out)."
        )
    metric = parsed.schedule["metric_for_best_model"]
    if task != "classification" and metric != "loss":
        raise ValueError(
            f"--metric {metric} is a classification metric; a {task} model picks its best checkpoint "
            "by validation BLEU of greedy decoding (leave --metric out)"
        )
    seq2seq = [f"--{name}" for name in _SEQ2SEQ_ONLY if name in parsed.training]
    if task == "classification" and seq2seq:
        raise ValueError(
            f"{', '.join(seq2seq)} are Seq2SeqTrainingArguments for translation and captioning models; "
            f"{model.model} is a classifier (leave them out)."
        )


def _training_overrides(parsed: FinetuneArguments) -> dict[str, Any]:
    """The TrainingArguments fields to pass on: those given, with --warmup_ratio as transformers 5 spells it."""
    overrides = dict(parsed.training)
    ratio = parsed.run.warmup_ratio
    if ratio is not None:
        if not 0 <= ratio < 1:
            raise ValueError(f"--warmup_ratio must be at least 0 and below 1, got {ratio:g}.")
        if "warmup_steps" in overrides:
            raise ValueError("Give --warmup_ratio or --warmup_steps, not both.")
        overrides["warmup_steps"] = ratio  # TrainingArguments reads a value below 1 as a share of the steps
    return overrides


@contextlib.contextmanager
def _tensorboard_into(folder: Path, report_to: Any) -> Iterator[None]:
    """TensorBoard's event files into ``folder`` (OUTPUT/runs) rather than Trainer's checkpoint folder, which
    the run deletes, unless TENSORBOARD_LOGGING_DIR says where."""
    named = "tensorboard" in (report_to if isinstance(report_to, list) else str(report_to or "").split(","))
    installed = any(importlib.util.find_spec(name) for name in ("tensorboard", "tensorboardX"))
    if named and not installed:
        raise ValueError("--report_to tensorboard needs TensorBoard: pip install tensorboard")
    reporting = installed and (named or report_to == "all")  # "all": the integrations installed
    if not reporting or "TENSORBOARD_LOGGING_DIR" in os.environ:
        yield
        return
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(folder)
    try:
        yield
    finally:
        del os.environ["TENSORBOARD_LOGGING_DIR"]


def _finetune(args: argparse.Namespace | FinetuneArguments):
    parsed = arguments_of(args)
    model, data, run_options, schedule = parsed.model, parsed.data, parsed.run, parsed.schedule
    task = task_of(model.model)
    _check_task_options(parsed, task)
    if parsed.hub.get("push_to_hub") and run_options.keep_checkpoints:
        raise ValueError(
            "--push_to_hub with --keep-checkpoints would upload the checkpoints, which hold pickles: leave one out."
        )
    overrides = _training_overrides(parsed)
    from rnnhub.engine.output import check_output, staging_dir
    from rnnhub.engine.trainer import CHECKPOINTS_DIRNAME, is_main_process

    output = Path(schedule["output_dir"])
    check_output(output, overwrite=run_options.overwrite, restore=is_main_process())
    staging = staging_dir(output)
    if not run_options.resume and staging.exists() and not (staging / CHECKPOINTS_DIRNAME).exists():
        # What a run killed while saving left; its checkpoints (if any) are kept for --resume.
        shutil.rmtree(staging, ignore_errors=True)
    eval_steps = schedule["eval_steps"]
    common = {
        "output_dir": staging,
        "validation_fraction": data.validation_fraction,
        "epochs": schedule["num_train_epochs"],
        "learning_rate": schedule["learning_rate"],
        "batch_size": schedule["per_device_train_batch_size"],
        "save_total_limit": schedule["save_total_limit"],
        "seed": schedule["seed"],
        "resume": run_options.resume,
        "keep_checkpoints": run_options.keep_checkpoints,
        "model_id": model.model_id or parsed.hub.get("hub_model_id") or output.resolve().name,
        "license": model.license,
        "progress": run_options.progress,
        "max_length": data.max_length or _DEFAULT_MAX_LENGTH[task],
        "early_stopping_patience": run_options.patience or None,
        # An integer number of steps, or (below 1) a share of the training steps, as TrainingArguments reads it.
        "eval_steps": int(eval_steps) if eval_steps is not None and eval_steps >= 1 else eval_steps,
        "command": parsed.command,
        "training_arguments": overrides,
    }
    with _tensorboard_into(staging / "runs", overrides.get("report_to")):
        return _run_task(task, model, data, schedule["metric_for_best_model"], common)


def _run_task(task: str, model: ModelArguments, data: DataArguments, metric: str, common: dict[str, Any]):
    if task == "translation":
        from rnnhub.translation.train import finetune_seq2seq

        return finetune_seq2seq(
            model.model,
            data.data,
            source_column=data.source_column,
            target_column=data.target_column,
            source_lang=data.source_lang,
            target_lang=data.target_lang,
            dataset_config_name=data.dataset_config_name,
            num_beams=data.num_beams,
            **common,
        )
    if task == "captioning":
        from rnnhub.captioning.train import finetune_captioning

        return finetune_captioning(
            model.model,
            data.data,
            image_column=data.image_column,
            caption_column=data.caption_column,
            num_beams=data.num_beams,
            allow_images_outside=data.allow_images_outside_data,
            **common,
        )
    from rnnhub.sentiment.train import finetune

    return finetune(
        model.model,
        data.data,
        text_column=data.text_column,
        label_column=data.label_column,
        metric_for_best_model=metric,
        length_buckets=data.length_buckets,
        vectors=model.vectors,
        freeze_vectors=model.freeze_vectors,
        layer_lr_decay=model.layer_lr_decay,
        gradual_unfreezing=model.gradual_unfreezing,
        pooling=model.pooling,
        teachers=model.teachers,
        tfidf_teacher=model.tfidf_teacher,
        distill_weight=model.distill_weight,
        distill_temperature=model.distill_temperature,
        **common,
    )


def _finetune_with_notes(parsed: FinetuneArguments):
    """:func:`_finetune` with the data notes (the validation split's size; a warning when it is tiny) on stderr."""
    notes = logging.getLogger("rnnhub.data")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("rnnhub finetune: %(levelname)s: %(message)s"))
    level = notes.level
    notes.addHandler(handler)
    notes.setLevel(logging.INFO)
    try:
        return _finetune(parsed)
    finally:
        notes.removeHandler(handler)
        notes.setLevel(level)


def run(args: argparse.Namespace | FinetuneArguments) -> int:
    from rnnhub.engine.launch import single_process_launch_warning
    from rnnhub.engine.report import result_summary
    from rnnhub.engine.trainer import is_main_process

    parsed = arguments_of(args)
    warning = single_process_launch_warning()
    if warning:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    result = _finetune_with_notes(parsed)
    if not is_main_process():
        return 0  # under torchrun/accelerate, one process reports and moves the folder into place
    output = Path(parsed.schedule["output_dir"])
    _move_into_place(result, output)
    pushed = _push(output, parsed, result) if parsed.hub.get("push_to_hub") else None
    if parsed.run.json:
        summary = result_summary(result)
        if pushed:
            summary["pushed_to"] = pushed
        print(json.dumps(summary, indent=2))
    else:
        print(summary_text(result) + (f"\nPushed to the Hub: {pushed}" if pushed else ""))
    return 0


def _push(output: Path, parsed: FinetuneArguments, result) -> str:
    """Upload the finished folder to --hub_model_id (default: the card's model id); returns the commit URL."""
    from rnnhub.publish.hub import upload

    repo_id = parsed.hub.get("hub_model_id") or parsed.model.model_id or output.resolve().name
    return upload(
        output, repo_id, token=parsed.hub.get("hub_token"), private=bool(parsed.hub.get("hub_private_repo"))
    )


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


def _wants_help(argv: Sequence[str]) -> bool:
    return any(token in ("-h", "--help", "--help-training") for token in argv)


def _print_help(argv: Sequence[str]) -> int:
    """rnnhub's options (instant), or with --help-training every TrainingArguments flag too (imports transformers)."""
    if "--help-training" in argv:
        build_parser().print_help()
    else:
        from rnnhub.finetune_arguments import help_text

        print(help_text(PROG))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rnnhub.finetune_cli [options | args.json]``: the same as ``rnnhub finetune ...``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if _wants_help(argv):
        return _print_help(argv)
    try:
        return run(parse_arguments(argv))
    except (ValueError, FileNotFoundError, OSError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
