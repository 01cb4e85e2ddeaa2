"""Train or fine-tune an rnnhub translation (seq2seq) model with stock ``transformers.Seq2SeqTrainer``.

>>> from rnnhub.translation.train import finetune_seq2seq
>>> result = finetune_seq2seq("lstm-translation-de-en", "pairs.csv", source_column="de", target_column="en",
...                           output_dir="my-translator")
>>> result.metrics["validation"]["bleu"]

:func:`train_seq2seq` is the shared engine (the translation recipe builds a fresh model and calls it too):
evaluation on validation with ``predict_with_generate`` (greedy decoding, corpus BLEU and chrF) after every epoch
or ``eval_steps``, early stopping on validation BLEU, the best checkpoint's weights kept, then model, tokenizer and
generation config saved to ``output_dir`` and the Trainer checkpoints (pickles) removed. Checkpoints, resume, the
training-argument schedule, the time budget and its learning-rate schedule are :mod:`rnnhub.engine`'s.

:func:`finetune_seq2seq` adds what a user's run needs around it: loading the source model and the data (CSV, JSON
lines, parquet, a folder of split files, a Hub dataset id, a built-in corpus name or a ``DatasetDict``), a
validation split when there is none, the final scores on validation and test from the raw reference texts,
``eval_report.json`` and a generated model card.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnhub.engine import report as engine_report
from rnnhub.engine import trainer as engine
from rnnhub.engine.checks import check_num_beams
from rnnhub.engine.data import check_tokenizer, describe_data, load_columns
from rnnhub.engine.report import FinetuneResult
from rnnhub.engine.run_info import trainer_hardware
from rnnhub.engine.text_metrics import corpus_bleu, corpus_chrf
from rnnhub.engine.trainer import CHECKPOINTS_DIRNAME
from rnnhub.translation.evaluate import evaluate_translation
from rnnhub.translation.text import bleu_tokenize_for

if TYPE_CHECKING:
    import datasets

__all__ = ["SEQ2SEQ_METRICS", "finetune_seq2seq", "load_pairs", "model_languages", "train_seq2seq"]

SEQ2SEQ_METRICS = ("bleu", "chrf", "loss")
ARCHITECTURE = "RnnHubForSeq2SeqLM"


# ---------------------------------------------------------------------------------------------------------------
# Data


def load_pairs(
    data: Any,
    source_column: str = "source",
    target_column: str = "target",
    *,
    languages: tuple[str | None, str | None] = (None, None),
    config_name: str | None = None,
) -> datasets.DatasetDict:
    """``data`` as a DatasetDict with exactly the columns ``source`` and ``target`` (texts checked non-empty).

    Data in the standard layout of Hub translation datasets (one ``translation`` column of ``{language: text}``
    dicts) gives them from ``languages`` (source, target); ``config_name`` picks a Hub dataset's config.

    Raises:
        ValueError: a missing column (the message lists the available ones) or language, an empty text, or
            unusable ``data``.
    """
    return load_columns(
        data,
        {"source": source_column, "target": target_column},
        languages=languages,
        config_name=config_name,
    )


def model_languages(config: Any) -> tuple[str | None, str | None]:
    """The (source, target) languages a translation model's config names (``source_language`` /
    ``target_language``, written by the recipe and by fine-tuning); None where it names none."""
    return getattr(config, "source_language", None), getattr(config, "target_language", None)


def _encode(dataset: datasets.Dataset, tokenizer, max_source_length: int, max_target_length: int):
    """Source ids + attention mask and target ids as ``labels`` (each ending in ``<eos>``), cut to the limits."""

    def encode(batch):
        encoded = tokenizer(batch["source"], truncation=True, max_length=max_source_length)
        encoded["labels"] = tokenizer(
            text_target=batch["target"], truncation=True, max_length=max_target_length
        )["input_ids"]
        return encoded

    # In memory: small data, and no cache files for several processes to race on.
    return dataset.map(encode, batched=True, remove_columns=dataset.column_names, keep_in_memory=True)


def _compute_metrics(tokenizer, bleu_tokenize: str):
    """Validation BLEU / chrF of the greedy translations Seq2SeqTrainer generates (references: decoded labels)."""

    def compute(prediction) -> dict[str, float]:
        predictions, labels = prediction.predictions, prediction.label_ids
        if isinstance(predictions, tuple):
            predictions = predictions[0]
        pad = tokenizer.pad_token_id
        predictions = np.where(predictions < 0, pad, predictions)  # Trainer pads ragged batches with -100
        labels = np.where(labels < 0, pad, labels)
        hypotheses = [t.strip() for t in tokenizer.batch_decode(predictions, skip_special_tokens=True)]
        references = [t.strip() for t in tokenizer.batch_decode(labels, skip_special_tokens=True)]
        return {
            "bleu": corpus_bleu(hypotheses, references, tokenize=bleu_tokenize),
            "chrf": corpus_chrf(hypotheses, references),
        }

    return compute


# ---------------------------------------------------------------------------------------------------------------
# The engine


def train_seq2seq(
    model: Any,
    tokenizer: Any,
    splits: datasets.DatasetDict,
    *,
    output_dir: str | os.PathLike[str],
    epochs: float = 5.0,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    max_source_length: int = 128,
    max_target_length: int = 128,
    early_stopping_patience: int | None = 3,
    metric_for_best_model: str = "bleu",
    eval_steps: int | None = None,
    eval_batch_size: int = 128,
    save_total_limit: int = 2,
    seed: int = 0,
    resume: bool = False,
    keep_checkpoints: bool = False,
    bleu_tokenize: str | None = None,
    progress: bool = False,
    max_train_minutes: float | None = None,
    label_smoothing: float = 0.0,
    budget_schedule: bool = False,
    warmup_ratio: float = 0.0,
    training_arguments: Mapping[str, Any] | None = None,
) -> FinetuneResult:
    """Train ``model`` on ``splits["train"]`` (columns ``source``/``target``), early-stopping on validation.

    Saves the best checkpoint's model, ``tokenizer`` and the model's generation config in ``output_dir`` and returns
    the run's facts; ``metrics`` holds the best validation BLEU / chrF of the greedy translations generated during
    training (references decoded from the token ids). Score the saved model on raw texts with
    :func:`rnnhub.translation.evaluate.evaluate_translation`.

    ``max_train_minutes``: a wall-time budget; training stops (after one last evaluation) once it is spent, and
    ``extra["stopped_by_time_budget"]`` says whether it was. ``budget_schedule``: decay the learning rate to zero
    over whichever ends first, the epochs or that budget (:class:`rnnhub.engine.trainer.BudgetSchedule`, after ``warmup_ratio`` of the
    planned steps of warm-up) instead of over the epochs alone. ``label_smoothing``: Trainer's label-smoothed loss.

    Raises:
        ValueError: an unknown ``metric_for_best_model``, no ``validation`` split, ``resume`` without a checkpoint
            or old checkpoints without ``resume``.
    """
    from transformers import DataCollatorForSeq2Seq, Seq2SeqTrainer, Seq2SeqTrainingArguments

    if metric_for_best_model not in SEQ2SEQ_METRICS:
        raise ValueError(
            f"metric_for_best_model must be one of {', '.join(SEQ2SEQ_METRICS)}, got {metric_for_best_model!r}."
        )
    for split in ("train", "validation"):
        if split not in splits:
            raise ValueError(f"The data needs a {split!r} split; it has {', '.join(splits)}.")
    output_dir = Path(output_dir)
    checkpoint_dir = output_dir / CHECKPOINTS_DIRNAME
    resume_from = engine.resume_checkpoint(checkpoint_dir, resume)
    bleu_tokenize = bleu_tokenize or bleu_tokenize_for(splits["train"]["target"][:2000])

    encoded = {
        split: _encode(splits[split], tokenizer, max_source_length, max_target_length)
        for split in ("train", "validation")
    }
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
        overrides={
            "per_device_eval_batch_size": eval_batch_size,
            "predict_with_generate": True,
            "generation_num_beams": 1,  # greedy during training: beam search is for the final scores
            # The model's own limit if its generation config has one, else the target limit (+ the start token).
            "generation_max_length": None
            if getattr(model.generation_config, "max_new_tokens", None)
            else max_target_length + 1,
            **engine.sampling_arguments(),
            "label_smoothing_factor": label_smoothing,
            **(training_arguments or {}),
        },
        arguments_class=Seq2SeqTrainingArguments,
    )
    callbacks = engine.early_stopping(early_stopping_patience)
    budget = engine.time_budget_callback(max_train_minutes) if max_train_minutes else None
    if budget is not None:
        callbacks.append(budget)
    trainer_class = engine.keeping_generation_length(
        engine.budget_trainer_class(warmup_ratio, max_train_minutes) if budget_schedule else Seq2SeqTrainer
    )
    trainer = trainer_class(
        model=model,
        args=args,
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"],
        processing_class=tokenizer,
        # Labels padded with -100 (ignored by the loss); the decoder inputs are the labels shifted right (built by
        # the collator, so Trainer's label smoother, which takes the labels away from the model, can work).
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model, label_pad_token_id=-100),
        compute_metrics=_compute_metrics(tokenizer, bleu_tokenize),
        callbacks=callbacks,
    )
    wall_time = engine.run_training(trainer, resume_from, progress)

    state = trainer.state
    by_step = {
        entry["step"]: {
            k: entry[k] for k in ("epoch", "step", "eval_loss", "eval_bleu", "eval_chrf") if k in entry
        }
        for entry in state.log_history
        if "eval_loss" in entry
    }
    history = list(by_step.values())
    best = max(history, key=lambda e: e.get(f"eval_{metric_for_best_model}", 0.0)) if history else {}
    if metric_for_best_model == "loss" and history:
        best = min(history, key=lambda e: e["eval_loss"])
    result = engine_report.run_result(
        trainer,
        output_dir,
        {"validation": {k.removeprefix("eval_"): v for k, v in best.items() if k.startswith("eval_")}},
        wall_time,
        source_architecture=ARCHITECTURE,
        extra={
            "history": history,
            "bleu_tokenize": bleu_tokenize,
            "hardware": trainer_hardware(args.world_size),
            "batch_size": batch_size * args.world_size,
            "resumed_from": Path(resume_from).name if resume_from else None,
            "stopped_by_time_budget": budget is not None and budget.stopped_at_step is not None,
        },
    )
    if engine.is_main_process():
        output_dir.mkdir(parents=True, exist_ok=True)
        with engine.progress_bars(progress):
            # save_pretrained, not trainer.save_model: that also writes training_args.bin, a pickle.
            trainer.model.save_pretrained(output_dir)
            tokenizer.save_pretrained(output_dir)
        if not keep_checkpoints:
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return result


# ---------------------------------------------------------------------------------------------------------------
# Fine-tuning on your own data


def _load_source(source: str):
    from transformers import AutoConfig

    from rnnhub.models import RnnHubForSeq2SeqLM, RnnHubSeq2SeqConfig
    from rnnhub.tokenization import load_tokenizer

    config = AutoConfig.from_pretrained(source)
    if not isinstance(config, RnnHubSeq2SeqConfig):
        raise ValueError(
            f"{source} is a {config.model_type} model; finetune_seq2seq needs an rnnhub translation model "
            f"({ARCHITECTURE}, model type 'rnnhub-seq2seq'). For classification, use rnnhub.sentiment.train.finetune."
        )
    tokenizer = load_tokenizer(source)
    check_tokenizer(tokenizer, config, source)
    return RnnHubForSeq2SeqLM.from_pretrained(source), tokenizer


def finetune_seq2seq(
    model: str | os.PathLike[str],
    data: Any,
    *,
    output_dir: str | os.PathLike[str],
    source_column: str = "source",
    target_column: str = "target",
    source_lang: str | None = None,
    target_lang: str | None = None,
    dataset_config_name: str | None = None,
    validation_fraction: float = 0.1,
    epochs: float = 5.0,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    max_length: int = 128,
    early_stopping_patience: int | None = 3,
    eval_steps: int | None = None,
    save_total_limit: int = 2,
    seed: int = 0,
    resume: bool = False,
    keep_checkpoints: bool = False,
    model_id: str | None = None,
    license: str = "other",
    command: str | None = None,
    progress: bool = False,
    num_beams: int = 1,
    training_arguments: Mapping[str, Any] | None = None,
) -> FinetuneResult:
    """Fine-tune the translation model ``model`` on the sentence pairs in ``data``; save it in ``output_dir``.

    Args:
        model: a model folder, registry short name or Hub id (:func:`rnnhub.publish.hub.resolve`) holding an rnnhub
            seq2seq model and its tokenizer. Its tokenizer is kept: words it lacks become ``<unk>``.
        data: CSV/TSV/JSON/JSONL/parquet file, folder of ``train``/``validation``/``test`` files, Hub dataset id,
            built-in corpus name or ``datasets.DatasetDict``.
        source_column, target_column: the columns with the text to translate and its translation.
        source_lang, target_lang: for data in the standard layout (a ``translation`` column of ``{language:
            text}`` dicts): the languages to translate from and to (default: those the model's config names,
            else a built-in corpus's own). The fine-tuned model's config records them.
        dataset_config_name: the config of a Hub dataset (``datasets.load_dataset(data, name=...)``).
        validation_fraction: share of train held out for validation when the data has no validation split.
        max_length: the most tokens of a source or target (longer ones are cut).
        early_stopping_patience: evaluations without a better validation BLEU before stopping; None: never.
        num_beams: beam width of the final validation/test scores (training evaluates greedily).
        training_arguments: extra ``Seq2SeqTrainingArguments`` fields, overriding the ones set here.
        Others: as in :func:`rnnhub.sentiment.train.finetune`.

    Raises:
        ValueError: a missing column (naming the available ones), empty texts, a model that is not an rnnhub
            translation model, a model/tokenizer mismatch, or checkpoint trouble (see :func:`train_seq2seq`).
    """
    from transformers import set_seed

    from rnnhub.data import train_validation_split
    from rnnhub.publish.hub import resolve

    check_num_beams(num_beams)
    if not isinstance(max_length, int) or max_length < 2:
        raise ValueError(f"max_length must be an integer of at least 2 tokens, got {max_length!r}.")
    source = resolve(model)
    seq2seq, tokenizer = _load_source(source)
    known = model_languages(seq2seq.config)
    languages = (source_lang or known[0], target_lang or known[1])
    pairs = load_pairs(
        data, source_column, target_column, languages=languages, config_name=dataset_config_name
    )
    if None not in languages:
        seq2seq.config.source_language, seq2seq.config.target_language = languages
    splits = train_validation_split(pairs, validation_fraction, seed)
    set_seed(seed)
    result = train_seq2seq(
        seq2seq,
        tokenizer,
        splits,
        output_dir=output_dir,
        epochs=epochs,
        learning_rate=learning_rate,
        batch_size=batch_size,
        max_source_length=max_length,
        max_target_length=max_length,
        early_stopping_patience=early_stopping_patience,
        eval_steps=eval_steps,
        save_total_limit=save_total_limit,
        seed=seed,
        resume=resume,
        keep_checkpoints=keep_checkpoints,
        progress=progress,
        training_arguments=training_arguments,
    )
    if not engine.is_main_process():
        return result
    tokenize = result.extra["bleu_tokenize"]
    scores = {}
    for split in ("validation", "test"):
        if split in splits:
            measured = evaluate_translation(
                seq2seq,
                tokenizer,
                splits[split]["source"],
                splits[split]["target"],
                num_beams=num_beams,
                bleu_tokenize=tokenize,
            )
            scores[split] = measured
    result.metrics = {split: {"bleu": s["bleu"], "chrf": s["chrf"]} for split, s in scores.items()}
    result.extra["num_beams"] = num_beams
    _save_report_and_card(
        result,
        seq2seq,
        rows={split: len(dataset) for split, dataset in splits.items()},
        data_name=describe_data(data),
        model=model,
        source=source,
        model_id=model_id,
        license=license,
        command=command,
        seed=seed,
        learning_rate=learning_rate,
        max_epochs=epochs,
    )
    return result


def _save_report_and_card(result: FinetuneResult, trained, *, rows, data_name, **facts) -> None:
    run = engine_report.run_facts(
        model=facts["model"],
        data=data_name,
        rows=rows,
        command=facts["command"],
        seed=facts["seed"],
        learning_rate=facts["learning_rate"],
        batch_size=result.extra["batch_size"],
        max_epochs=facts["max_epochs"],
        hardware=result.extra["hardware"],
        resumed_from=result.extra["resumed_from"],
    )
    beams = result.extra["num_beams"]
    engine_report.save_report_and_card(
        result,
        trained,
        leading={
            "architecture": ARCHITECTURE,
            "metrics": result.metrics,
            "bleu_tokenize": result.extra["bleu_tokenize"],
            "num_beams": beams,
            "history": result.extra["history"],
        },
        facts=run,
        card={
            "task": "translation",
            "model": facts["model"],
            "source": facts["source"],
            "model_id": facts["model_id"],
            "license": facts["license"],
            "data_name": data_name,
            "metrics": engine_report.metric_rows(
                result.metrics, [("BLEU", "bleu", "bleu"), ("chrF", "chrf", "chrf")], digits=2
            ),
            "description": f"Fine-tuned with `rnnhub finetune` on the sentence pairs of `{data_name}`.",
            "tags": ["rnnhub-finetune"],
        },
        training={
            "base_model": f"`{facts['model']}`",
            "best_by": "BLEU (greedy)",
            "scores": f"sacrebleu corpus BLEU (tokenize={result.extra['bleu_tokenize']!r}) and chrF, "
            f"{'greedy decoding' if beams == 1 else f'beam search ({beams})'}, on the raw reference texts",
        },
    )
