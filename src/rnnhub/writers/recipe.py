"""Train a character-level writer (plays, programs or tunes) and publish it: ``rnnhub train writer``.

>>> from rnnhub.writers.recipe import train_writer
>>> result = train_writer("shakespeare-plays", output_dir="model_cards/lstm-writer-plays", max_train_minutes=20)

One run (deterministic given ``seed``, the thread count and, with a time budget, the machine's speed):

1. the character tokenizer of the corpus's TRAIN split (:mod:`rnnhub.writers.char_tokenizer`);
2. every split as ``<bos> text <eos>`` per text, concatenated and cut into blocks of ``seq_len`` characters
   (:func:`rnnhub.engine.blocks.make_blocks`); each block is read from a zero state;
3. an ``RnnHubForCausalLM`` LSTM trained with stock ``Trainer`` (AdamW, gradient clipping) whose learning rate
   warms up and then decays linearly to zero over whichever ends first, ``epochs`` or ``max_train_minutes``
   (:class:`rnnhub.engine.trainer.BudgetSchedule`); training stops when the budget is spent;
4. :mod:`rnnhub.writers.measures`: bits per character on the validation and test splits next to an interpolated
   modified Kneser-Ney n-gram (order chosen on validation) scored on the same positions, and the share of valid
   samples (:mod:`rnnhub.writers.validity`) of both models, with the same check on real test texts for scale;
5. the model, tokenizer, ``eval_report.json`` and the card (:mod:`rnnhub.writers.card`) in ``output_dir``, written
   beside it first and moved into place when complete.

``evaluate_only=True`` re-measures a finished folder (same corpus) and rewrites its report and card only.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnhub.engine.blocks import load_text_corpus, make_blocks, token_stream
from rnnhub.engine.output import check_output, move_into_place, staging_dir
from rnnhub.engine.precision import check_bf16
from rnnhub.engine.report import REPORT_FILENAME
from rnnhub.engine.run_info import load_average, recipe_hardware
from rnnhub.engine.trainer import (
    budget_trainer_class,
    make_training_arguments,
    progress_as_asked,
    run_training,
    time_budget_callback,
)

if TYPE_CHECKING:
    import datasets

__all__ = ["WRITERS", "Writer", "WriterResult", "evaluate_writer", "train_writer"]


@dataclass(frozen=True)
class Writer:
    """What a corpus's writer is called, what it writes and how its samples are prompted and checked."""

    kind: str  # one of validity.KINDS
    model_id: str  # the published folder's name
    prompt: str  # the validity samples' prompt (after <bos>)
    max_new_tokens: int  # the samples' length limit
    what: str  # for the card: "Shakespeare-style plays", ...


WRITERS = {
    "shakespeare-plays": Writer(
        "plays", "lstm-writer-plays", "", 600, "scenes of plays in Shakespeare's layout"
    ),
    "python-stdlib": Writer("programs", "lstm-writer-programs", "def ", 1500, "Python code"),
    "abc-tunes": Writer("music", "lstm-writer-music", "X:1\nT:", 800, "folk tunes in ABC notation"),
}


@dataclass
class WriterResult:
    """What :func:`train_writer` measured (the whole report is in ``report``)."""

    output_dir: Path
    bits_per_character: dict[str, float]
    ngram_bits_per_character: dict[str, float]
    validity: dict[str, Any]
    report: dict[str, Any] = field(default_factory=dict)


def writer_of(corpus: str) -> Writer:
    if corpus not in WRITERS:
        raise ValueError(f"Unknown writer corpus {corpus!r}; choose one of: {', '.join(WRITERS)}.")
    return WRITERS[corpus]


@progress_as_asked
def train_writer(
    corpus: str,
    *,
    output_dir: str | os.PathLike[str],
    seed: int = 0,
    embedding_size: int = 64,
    hidden_size: int = 512,
    num_layers: int = 1,
    dropout: float = 0.0,
    seq_len: int = 256,
    batch_size: int = 32,
    lr: float = 3e-3,
    warmup_steps: int = 100,
    epochs: float = 50.0,
    max_train_minutes: float | None = None,
    max_steps: int | None = None,
    bf16: bool = False,
    min_frequency: int = 5,
    samples: int = 200,
    temperature: float = 0.8,
    reference_limit: int = 100,
    model_id: str | None = None,
    command: str | None = None,
    overwrite: bool = False,
    evaluate_only: bool = False,
    progress: bool = False,
    data: datasets.DatasetDict | None = None,
) -> WriterResult:
    """Train (unless ``evaluate_only``), measure and publish the writer of ``corpus`` in ``output_dir``.

    Args:
        corpus: ``shakespeare-plays``, ``python-stdlib`` or ``abc-tunes`` (:data:`WRITERS`).
        embedding_size, hidden_size, num_layers, dropout: the LSTM (output layer not tied to the embeddings).
        seq_len, batch_size, lr, warmup_steps: blocks of characters, blocks a step, peak learning rate, warm-up steps
            (counted in steps, not as a share of the planned epochs, which a time budget cuts short).
        epochs, max_train_minutes, max_steps: training ends at the first reached; the learning rate reaches zero
            there (``max_steps`` is for smoke runs and tests).
        bf16: train under bfloat16 autocast (Trainer's ``bf16``; the weights and optimizer stay float32): 1.31x
            the steps in a time budget on this CPU with AVX512-BF16 (``bench/bench_mixed_precision.py``).
        min_frequency: characters seen fewer times in the train split become ``<unk>``.
        samples, temperature: how many samples each model writes for the validity share, and at what temperature.
        reference_limit: how many real test texts (plays: speeches; programs: functions) get the same check.
        evaluate_only: measure the model already in ``output_dir`` and rewrite its report and card.
        data: other splits (train/validation/test of ``text``) to use instead of the committed corpus, written in
            its format (for tests and experiments); the card still names ``corpus``.

    Raises:
        ValueError: an unknown corpus, a non-empty ``output_dir`` without ``overwrite``, ``bf16`` on a machine
            without bfloat16 (:mod:`rnnhub.engine.precision`), or (``evaluate_only``) a folder without a model.
    """
    import torch
    from transformers import DataCollatorForLanguageModeling, Trainer, set_seed

    from rnnhub.models import RnnHubConfig, RnnHubForCausalLM
    from rnnhub.writers.char_tokenizer import train_char_tokenizer

    writer_of(corpus)  # an unknown corpus fails before any work
    if bf16 and not evaluate_only:
        check_bf16()  # so does --bf16 on a machine that cannot train in bfloat16
    output_dir = Path(output_dir)
    splits = load_text_corpus(corpus if data is None else data)
    if evaluate_only:
        return evaluate_writer(
            corpus,
            output_dir,
            samples=samples,
            temperature=temperature,
            seed=seed,
            reference_limit=reference_limit,
            model_id=model_id,
            data=data,
        )
    check_output(output_dir, overwrite=overwrite)
    train_texts = list(splits["train"]["text"])
    tokenizer = train_char_tokenizer(train_texts, min_frequency=min_frequency)
    train_blocks = make_blocks(train_texts, tokenizer, seq_len)

    set_seed(seed)
    config = RnnHubConfig(
        vocab_size=len(tokenizer),
        cell_type="lstm",
        embedding_size=embedding_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        dropout=dropout,
        tie_word_embeddings=False,
        architectures=["RnnHubForCausalLM"],
    )
    model = RnnHubForCausalLM(config)

    import datasets

    scratch = tempfile.TemporaryDirectory()  # Trainer wants a folder; nothing is checkpointed
    overrides: dict[str, Any] = {
        "eval_strategy": "no",  # measured once at the end: a mid-run pass costs minutes on a CPU
        "save_strategy": "no",
        "load_best_model_at_end": False,
        "logging_strategy": "steps",
        "logging_steps": 50,
        "warmup_steps": 0,
        "max_grad_norm": 1.0,  # clipping keeps LSTM training stable at a high learning rate
        "lr_scheduler_type": "linear",  # replaced by the BudgetSchedule below
    }
    if max_steps is not None:
        overrides["max_steps"] = max_steps
    if bf16:
        overrides["bf16"] = True
    arguments = make_training_arguments(
        Path(scratch.name),
        epochs=epochs,
        learning_rate=lr,
        batch_size=batch_size,
        eval_steps=None,
        metric_for_best_model="loss",
        save_total_limit=1,
        seed=seed,
        progress=progress,
        overrides=overrides,
    )
    callbacks = [time_budget_callback(max_train_minutes)] if max_train_minutes else []
    planned = max_steps or math.ceil(epochs * math.ceil(len(train_blocks) / batch_size))
    warmup_ratio = min(1.0, warmup_steps / max(planned, 1))
    trainer = budget_trainer_class(warmup_ratio, max_train_minutes, base=Trainer)(
        model=model,
        args=arguments,
        train_dataset=datasets.Dataset.from_dict({"input_ids": train_blocks.tolist()}),
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        processing_class=tokenizer,
        callbacks=callbacks,
    )
    load_at_start = load_average()
    wall_time = run_training(trainer, None, progress)
    scratch.cleanup()
    train_loss = next((log["loss"] for log in reversed(trainer.state.log_history) if "loss" in log), None)

    staging = staging_dir(output_dir)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    trainer.model.save_pretrained(staging)
    tokenizer.save_pretrained(staging)
    training = {
        "command": command,
        "seed": seed,
        "global_step": trainer.state.global_step,
        "epochs_trained": round(float(trainer.state.epoch or 0.0), 3),
        "train_characters": int(train_blocks.size),
        "final_train_loss_bits": None if train_loss is None else round(train_loss / math.log(2), 3),
        "wall_time_s": round(wall_time, 1),
        "stopped_by_time_budget": bool(callbacks and callbacks[0].stopped_at_step is not None),
        "hardware": recipe_hardware(torch.get_num_threads()),
        "load_average": {"start": load_at_start, "end": load_average()},
        "settings": {
            "embedding_size": embedding_size,
            "hidden_size": hidden_size,
            "num_layers": num_layers,
            "dropout": dropout,
            "seq_len": seq_len,
            "batch_size": batch_size,
            "lr": lr,
            "warmup_steps": warmup_steps,
            "epochs": epochs,
            "max_train_minutes": max_train_minutes,
            "max_steps": max_steps,
            "bf16": bf16,
            "min_frequency": min_frequency,
            "torch_threads": torch.get_num_threads(),
        },
    }
    (staging / "training.json").write_text(json.dumps(training, indent=2) + "\n", encoding="utf-8")
    result = evaluate_writer(
        corpus,
        staging,
        samples=samples,
        temperature=temperature,
        seed=seed,
        reference_limit=reference_limit,
        model_id=model_id or output_dir.resolve().name,
        data=data,
    )
    move_into_place(staging, output_dir)
    result.output_dir = output_dir
    return result


def evaluate_writer(
    corpus: str,
    folder: str | os.PathLike[str],
    *,
    samples: int = 200,
    temperature: float = 0.8,
    seed: int = 0,
    reference_limit: int = 100,
    model_id: str | None = None,
    data: datasets.DatasetDict | None = None,
) -> WriterResult:
    """Measure the writer in ``folder`` on ``corpus`` (see the module docstring) and write its report and card."""
    from transformers import AutoModelForCausalLM

    from rnnhub.tokenization import load_tokenizer
    from rnnhub.writers import measures
    from rnnhub.writers.card import save_writer_card

    writer = writer_of(corpus)
    folder = Path(folder)
    if not (folder / "config.json").is_file() or not (folder / "tokenizer.json").is_file():
        raise ValueError(
            f"{folder} holds no trained writer (config.json and tokenizer.json); train one first."
        )
    training_file = folder / "training.json"
    training = json.loads(training_file.read_text(encoding="utf-8")) if training_file.is_file() else {}
    splits = load_text_corpus(corpus if data is None else data)
    model = AutoModelForCausalLM.from_pretrained(folder)
    tokenizer = load_tokenizer(folder)
    timer = measures.Timer()

    streams = {
        name: token_stream(list(splits[name]["text"]), tokenizer) for name in ("train", "validation", "test")
    }
    rows = {name: measures.segments(streams[name], 16) for name in ("validation", "test")}
    with timer("lstm bits"):
        bits = {name: measures.lstm_bits(model, rows[name]) for name in rows}
    with timer("n-gram fit and choice"):
        ngram, by_order = measures.choose_ngram(streams["train"], rows["validation"], len(tokenizer))
    with timer("n-gram bits"):
        ngram_bits = {name: float(-ngram.log2_probs(list(rows[name])).mean()) for name in rows}
    unk = {name: float((streams[name] == tokenizer.unk_token_id).mean()) for name in rows}

    with timer("lstm samples"):
        lstm_texts = measures.lstm_samples(
            model, tokenizer, writer.prompt, samples, writer.max_new_tokens, temperature, seed
        )
    with timer("n-gram samples"):
        ngram_texts = measures.ngram_samples(
            ngram, tokenizer, writer.prompt, samples, writer.max_new_tokens, temperature, seed
        )
    with timer("validity checks"):
        judged = {
            "lstm": measures.judge(writer.kind, writer.prompt, lstm_texts),
            "ngram": measures.judge(writer.kind, writer.prompt, ngram_texts),
        }
        validity = {name: measures.validity_share(items) for name, items in judged.items()}
        validity["test texts"] = measures.reference_share(
            writer.kind, list(splits["test"]["text"]), reference_limit
        )

    report = {
        "corpus": corpus,
        "kind": writer.kind,
        "bits_per_character": bits,
        "ngram": {
            "model": "interpolated modified Kneser-Ney",
            "order": ngram.order,
            "validation_bits_by_order": by_order,
            "bits_per_character": ngram_bits,
        },
        "scored_characters": {name: int(rows[name].shape[0] * (rows[name].shape[1] - 1)) for name in rows},
        "unk_share": unk,
        "vocab_size": len(tokenizer),
        "validity": validity,
        "sampling": {
            "prompt": writer.prompt,
            "samples": samples,
            "max_new_tokens": writer.max_new_tokens,
            "temperature": temperature,
            "seed": seed,
        },
        "samples": {
            name: [
                {"text": s.full, "valid": [ok for ok, _ in s.verdicts], "why": [r for _, r in s.verdicts]}
                for s in items
            ]
            for name, items in judged.items()
        },
        "training": training,
        "evaluation_seconds": timer.seconds,
    }
    (folder / REPORT_FILENAME).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    save_writer_card(model, folder, report, writer, model_id or folder.resolve().name)
    return WriterResult(folder, bits, ngram_bits, validity, report)
