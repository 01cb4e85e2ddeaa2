"""Pretrain an English LSTM language model on unlabelled text: the base model of the Dai & Le / ULMFiT recipe.

>>> from rnnhub.recipes.lm import train_lm
>>> result = train_lm("lm-text-en", output_dir="model_cards/lstm-lm-en", max_steps=1500)
>>> result.perplexity["test"], result.baselines["test"]

One deterministic run (given ``seed`` and the thread count):

1. a lowercased word-level tokenizer (``<bos> text <eos>``) trained on the corpus's TRAIN split only;
2. every split tokenized, concatenated and cut into fixed-length blocks of ``seq_len`` tokens (the tail that
   does not fill a block is dropped), so a batch needs no padding;
3. an ``RnnHubForCausalLM`` LSTM trained with stock ``Trainer`` for ``max_steps`` steps on the train blocks;
4. perplexity on the validation and test blocks, next to add-one unigram and bigram baselines counted on the
   train blocks and scored on exactly the same predicted positions (each block's tokens 2..n);
5. the model, tokenizer, ``eval_report.json`` and a generated card (with generation samples) in ``output_dir``.

Each block is read from a zero state (no state carried between blocks), so the perplexity is that of a model
seeing at most ``seq_len - 1`` tokens of context, and the first token of every block is not scored.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import datasets
    from transformers import PreTrainedTokenizerFast

__all__ = ["LMResult", "ngram_perplexity", "make_blocks", "train_lm"]

REPORT_FILENAME = "eval_report.json"
SAMPLE_PROMPTS = ("the", "i think that", "the president")


@dataclass
class LMResult:
    """What :func:`train_lm` measured: perplexities by split, the baselines' by split, and the run facts."""

    output_dir: Path
    perplexity: dict[str, float]
    baselines: dict[str, dict[str, float]]  # baseline name -> split -> perplexity
    global_step: int
    wall_time_s: float
    samples: list[dict[str, str]] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------------------
# Data


def _load_corpus(corpus: str | datasets.DatasetDict) -> datasets.DatasetDict:
    import datasets

    from rnnhub import data as rnnhub_data

    if isinstance(corpus, str):
        if corpus not in rnnhub_data.list_corpora():
            raise ValueError(
                f"Unknown corpus {corpus!r}; give a built-in corpus name (see `rnnhub data list`) or a "
                "DatasetDict with a 'text' column."
            )
        corpus = rnnhub_data.load(corpus)
    if not isinstance(corpus, datasets.DatasetDict):
        raise ValueError(f"corpus must be a corpus name or a DatasetDict, got {type(corpus).__name__}.")
    missing = [split for split in ("train", "validation", "test") if split not in corpus]
    if missing or any("text" not in corpus[split].column_names for split in corpus):
        raise ValueError(
            f"The corpus needs train, validation and test splits with a 'text' column; it has "
            f"{ {split: corpus[split].column_names for split in corpus} }."
        )
    return corpus


def make_blocks(texts: Sequence[str], tokenizer: PreTrainedTokenizerFast, seq_len: int) -> np.ndarray:
    """Tokenize ``texts`` (each as ``<bos> text <eos>``), concatenate them and cut the stream into rows of
    ``seq_len`` tokens: an ``(n_blocks, seq_len)`` int64 array; the incomplete tail is dropped."""
    if seq_len < 2:
        raise ValueError(f"seq_len must be at least 2 (a block predicts its tokens 2..n), got {seq_len}.")
    encoded = tokenizer(list(texts), add_special_tokens=True)["input_ids"]
    stream = np.fromiter((i for ids in encoded for i in ids), dtype=np.int64)
    n_blocks = len(stream) // seq_len
    if n_blocks == 0:
        raise ValueError(
            f"The texts give {len(stream)} tokens, fewer than one block of seq_len={seq_len}; "
            "use more text or a shorter seq_len."
        )
    return stream[: n_blocks * seq_len].reshape(n_blocks, seq_len)


# ---------------------------------------------------------------------------------------------------------------
# Baselines


def ngram_perplexity(train_blocks: np.ndarray, eval_blocks: np.ndarray, vocab_size: int, order: int) -> float:
    """Perplexity of an add-one (Laplace) smoothed unigram (``order=1``) or bigram (``order=2``) model.

    Counts come from ``train_blocks``: unigram counts of every token, bigram counts of adjacent pairs inside a
    block. Scored positions are those the LM is scored on: tokens 2..n of each row of ``eval_blocks``, the
    bigram conditioning on the token before. Unigram: p(w) = (c(w) + 1) / (N + V); bigram:
    p(w | v) = (c(v, w) + 1) / (c(v, .) + V), with V = ``vocab_size``.
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 (unigram) or 2 (bigram), got {order}.")
    train_blocks = np.asarray(train_blocks, dtype=np.int64)
    eval_blocks = np.asarray(eval_blocks, dtype=np.int64)
    targets = eval_blocks[:, 1:].ravel()
    if order == 1:
        counts = np.bincount(train_blocks.ravel(), minlength=vocab_size).astype(np.float64)
        log_probs = np.log(counts[targets] + 1.0) - np.log(counts.sum() + vocab_size)
        return float(np.exp(-log_probs.mean()))
    # Pairs are encoded as one int64 key (v * V + w) so counting is a sort, not a V x V table.
    train_keys = (train_blocks[:, :-1] * vocab_size + train_blocks[:, 1:]).ravel()
    keys, key_counts = np.unique(train_keys, return_counts=True)
    context_counts = np.bincount(train_blocks[:, :-1].ravel(), minlength=vocab_size).astype(np.float64)
    contexts = eval_blocks[:, :-1].ravel()
    eval_keys = contexts * vocab_size + targets
    where = np.clip(np.searchsorted(keys, eval_keys), 0, len(keys) - 1)
    pair_counts = np.where(keys[where] == eval_keys, key_counts[where], 0).astype(np.float64)
    log_probs = np.log(pair_counts + 1.0) - np.log(context_counts[contexts] + vocab_size)
    return float(np.exp(-log_probs.mean()))


# ---------------------------------------------------------------------------------------------------------------
# Generation samples


def generation_samples(
    model, tokenizer: PreTrainedTokenizerFast, prompts: Sequence[str] = SAMPLE_PROMPTS, *, seed: int = 0
) -> list[dict[str, str]]:
    """One greedy continuation of the first prompt and sampled ones (top-k 40, seeded) of the others."""
    import torch

    from rnnhub.models.configuration_rnnhub import BOS_ID

    model.eval()
    samples = []
    for index, prompt in enumerate(prompts):
        ids = [BOS_ID, *tokenizer(prompt, add_special_tokens=False)["input_ids"]]
        greedy = index == 0
        torch.manual_seed(seed + index)
        with torch.no_grad():
            output = model.generate(
                torch.tensor([ids]),
                max_new_tokens=30,
                do_sample=not greedy,
                top_k=None if greedy else 40,
                pad_token_id=tokenizer.pad_token_id,
            )
        text = tokenizer.decode(output[0, len(ids) :], skip_special_tokens=True)
        samples.append(
            {"prompt": prompt, "decoding": "greedy" if greedy else "top-k 40", "continuation": text}
        )
    return samples


# ---------------------------------------------------------------------------------------------------------------
# The run


def train_lm(
    corpus: str | datasets.DatasetDict = "lm-text-en",
    *,
    output_dir: str | os.PathLike[str],
    seed: int = 0,
    vocab_size: int = 10_000,
    min_frequency: int = 2,
    embedding_size: int = 256,
    hidden_size: int = 256,
    num_layers: int = 1,
    dropout: float = 0.0,
    pooling: str = "max",
    classifier_dropout: float | None = 0.3,
    max_steps: int = 1500,
    seq_len: int = 64,
    batch_size: int = 32,
    lr: float = 3e-3,
    warmup_steps: int = 50,
    eval_batch_size: int = 64,
    model_id: str | None = None,
    command: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> LMResult:
    """Train the tokenizer and the LSTM language model on ``corpus`` and publish both in ``output_dir``.

    Args:
        corpus: a built-in corpus name or a DatasetDict with train/validation/test splits of ``text``.
        vocab_size: tokenizer vocabulary including the 4 special tokens (most frequent train words kept).
        embedding_size, hidden_size, num_layers, dropout: the LSTM; embeddings are tied to the output layer.
        pooling, classifier_dropout: stored in the config for classifiers fine-tuned from this model
            (``rnnhub.training.finetune`` copies the config); the language model itself does not use them.
        max_steps, seq_len, batch_size, lr, warmup_steps: the training schedule (linear decay after warmup).
        model_id: the Hub id the card names (default: the output folder's name).
        command: the command line recorded in the card.
        overwrite: replace an existing non-empty ``output_dir``.
        progress: print Trainer's loss logs (the library is silent by default).

    Raises:
        ValueError: an unknown corpus or one without the needed splits, too little text for one block, or a
            non-empty ``output_dir`` without ``overwrite``.
    """
    import torch
    from transformers import (
        DataCollatorForLanguageModeling,
        PrinterCallback,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from rnnhub.models import RnnHubConfig, RnnHubForCausalLM
    from rnnhub.tokenization import train_tokenizer

    output_dir = Path(output_dir)
    if output_dir.exists() and any(output_dir.iterdir()):
        if not overwrite:
            raise ValueError(f"{output_dir} is not empty; choose a new folder or pass overwrite=True.")
        shutil.rmtree(output_dir)
    splits = _load_corpus(corpus)
    train_texts = list(splits["train"]["text"])  # a datasets 5 column is not a list
    tokenizer = train_tokenizer(
        train_texts, "word", vocab_size=vocab_size, min_frequency=min_frequency, lowercase=True, add_bos=True
    )
    blocks = {
        split: make_blocks(
            train_texts if split == "train" else list(splits[split]["text"]), tokenizer, seq_len
        )
        for split in ("train", "validation", "test")
    }

    set_seed(seed)
    config = RnnHubConfig(
        vocab_size=len(tokenizer),
        cell_type="lstm",
        embedding_size=embedding_size,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        dropout=dropout,
        pooling=pooling,
        classifier_dropout=classifier_dropout,
        tie_word_embeddings=True,
        architectures=["RnnHubForCausalLM"],
    )
    model = RnnHubForCausalLM(config)

    import datasets

    def as_dataset(array: np.ndarray) -> datasets.Dataset:
        return datasets.Dataset.from_dict({"input_ids": array.tolist()})

    # Trainer needs an output folder even with saving off; a temporary one keeps output_dir untouched until
    # the run has finished, so a failed run leaves no half-made folder.
    scratch = tempfile.TemporaryDirectory()
    args = TrainingArguments(
        output_dir=scratch.name,
        max_steps=max_steps,
        per_device_train_batch_size=batch_size,
        per_device_eval_batch_size=eval_batch_size,
        learning_rate=lr,
        warmup_steps=warmup_steps,
        lr_scheduler_type="linear",
        max_grad_norm=1.0,  # clipping keeps LSTM training stable at a high learning rate
        eval_strategy="no",  # evaluated once at the end: a mid-run pass over validation costs minutes on CPU
        save_strategy="no",
        logging_steps=max(1, max_steps // 20),
        seed=seed,
        data_seed=seed,
        use_cpu=not torch.cuda.is_available(),
        report_to="none",
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=as_dataset(blocks["train"]),
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        processing_class=tokenizer,
    )
    if not progress:
        trainer.remove_callback(PrinterCallback)  # it prints every log line
    started = time.perf_counter()
    trainer.train()
    wall_time = time.perf_counter() - started

    perplexity, losses = {}, {}
    for split in ("validation", "test"):
        metrics = trainer.evaluate(as_dataset(blocks[split]), metric_key_prefix=split)
        # Every block scores seq_len - 1 tokens, so the mean of block losses is the mean per-token loss.
        losses[split] = metrics[f"{split}_loss"]
        perplexity[split] = math.exp(losses[split])
    baselines = {
        name: {
            split: ngram_perplexity(blocks["train"], blocks[split], len(tokenizer), order)
            for split in ("validation", "test")
        }
        for name, order in (("add-one unigram", 1), ("add-one bigram", 2))
    }
    samples = generation_samples(trainer.model, tokenizer, seed=seed)
    train_loss = next(
        (log["train_loss"] for log in reversed(trainer.state.log_history) if "train_loss" in log), None
    )

    output_dir.mkdir(parents=True, exist_ok=True)
    trainer.model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    scratch.cleanup()
    report = {
        "corpus": corpus if isinstance(corpus, str) else "custom data",
        "perplexity": perplexity,
        "loss": losses,
        "baselines": baselines,
        "tokens": {split: int(array.size) for split, array in blocks.items()},
        "blocks": {split: int(len(array)) for split, array in blocks.items()},
        "scored_tokens_per_block": seq_len - 1,
        "train_loss": train_loss,
        "global_step": trainer.state.global_step,
        "epochs_trained": float(trainer.state.epoch or 0.0),
        "wall_time_s": round(wall_time, 1),
        "settings": {
            "seed": seed,
            "vocab_size": len(tokenizer),
            "min_frequency": min_frequency,
            "embedding_size": embedding_size,
            "hidden_size": hidden_size,
            "num_layers": num_layers,
            "dropout": dropout,
            "max_steps": max_steps,
            "seq_len": seq_len,
            "batch_size": batch_size,
            "lr": lr,
            "warmup_steps": warmup_steps,
            "torch_threads": torch.get_num_threads(),
        },
        "command": command,
        "samples": samples,
    }
    (output_dir / REPORT_FILENAME).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _save_card(trainer.model, output_dir, report, model_id)
    return LMResult(
        output_dir=output_dir,
        perplexity=perplexity,
        baselines=baselines,
        global_step=trainer.state.global_step,
        wall_time_s=wall_time,
        samples=samples,
        report=report,
    )


def _save_card(model, output_dir: Path, report: Mapping[str, Any], model_id: str | None) -> Path:
    from rnnhub.cards import make_model_card, save_card

    dataset = report["corpus"]
    settings = report["settings"]
    metrics = [
        {
            "name": "Perplexity",
            "type": "perplexity",
            "value": round(report["perplexity"][split], 2),
            "split": split,
        }
        for split in ("test", "validation")
    ]
    baselines = [
        {
            "name": "Perplexity",
            "type": "perplexity",
            "value": round(values[split], 2),
            "split": split,
            "baseline": f"{name} (same tokenizer and scored tokens)",
        }
        for name, values in report["baselines"].items()
        for split in ("test", "validation")
    ]
    training = {
        "command": report["command"],
        "seed": settings["seed"],
        "steps": f"{report['global_step']} ({report['epochs_trained']:.2f} epochs of the train blocks)",
        "batch": f"{settings['batch_size']} blocks of {settings['seq_len']} tokens",
        "learning_rate": f"{settings['lr']} (AdamW, {settings['warmup_steps']} warmup steps, linear decay)",
        "training_tokens": report["tokens"]["train"],
        "final_train_loss": None if report["train_loss"] is None else round(report["train_loss"], 3),
        "wall_time": f"{report['wall_time_s']:.0f} s, {settings['torch_threads']} CPU thread(s)",
    }
    description = (
        f"A word-level LSTM language model pretrained on the unlabelled English text of `{dataset}` "
        "(Moby-Dick, State of the Union addresses, Shakespeare and the train splits of the other rnnhub "
        "English corpora). It is the base model of the Dai & Le (2015) / ULMFiT (Howard & Ruder, 2018) "
        "recipe: `rnnhub.training.finetune` builds a classifier from it that starts from its embeddings and "
        "LSTM weights (see `lstm-sentiment-rt-en-lm`)."
    )
    evaluation = (
        f"Perplexity is measured on blocks of {settings['seq_len']} tokens cut from the concatenated split "
        f"(`<bos> text <eos>` per chunk), each read from a zero state: tokens 2..{settings['seq_len']} of each "
        "block are scored, so the model sees at most "
        f"{settings['seq_len'] - 1} tokens of context. The baselines are add-one (Laplace) smoothed unigram "
        "and bigram models counted on the train blocks with the same tokenizer and scored on exactly the "
        "same tokens. `<unk>` (words outside the vocabulary) is predicted like any other token by all models."
    )
    card = make_model_card(
        model_id=model_id or output_dir.resolve().name,
        config=model.config,
        task="text-generation",
        license="other",
        language="en",
        metrics=metrics,
        datasets=[dataset],
        baselines=baselines,
        training={k: v for k, v in training.items() if v is not None},
        description=description,
        intended_uses=(
            "A small base model for fine-tuning English text classifiers, and a demonstration of a recurrent "
            "language model in `transformers` (`generate()` uses the LSTM state as its cache)."
        ),
        limitations=(
            "Lowercased, word-level, ~10k words: everything else is `<unk>`. Trained for a fraction of an "
            "epoch on CPU, so its text is locally fluent at best. The corpus is mostly 19th-century fiction, "
            "political speeches and Shakespeare, and it reproduces their biases."
        ),
        samples=report["samples"],
        extra_sections={"Evaluation": evaluation},
        num_parameters=model.num_parameters(),
        tags=["rnnhub-pretraining"],
    )
    return save_card(card, output_dir)


# ---------------------------------------------------------------------------------------------------------------
# Fine-tuning from the language model vs from scratch

# TF-IDF + logistic regression on rt-sentiment-en test (docs/baselines.json).
TFIDF_BASELINE = {"accuracy": 0.7969, "macro_f1": 0.7905}


def scratch_classifier(
    lm_folder: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    labels: Sequence[str],
    *,
    seed: int = 0,
) -> Path:
    """Save a randomly initialised ``RnnHubForSequenceClassification`` with the language model's config and
    tokenizer in ``output_dir``: the same classifier ``finetune`` builds from ``lm_folder``, minus the
    pretrained weights (the from-scratch arm of the comparison)."""
    import copy

    from transformers import AutoConfig, set_seed

    from rnnhub.models import RnnHubForSequenceClassification
    from rnnhub.tokenization import load_tokenizer

    config = copy.deepcopy(AutoConfig.from_pretrained(lm_folder))
    # The same changes rnnhub.training makes when it turns a causal LM into a classifier.
    config.id2label = dict(enumerate(labels))
    config.label2id = {name: i for i, name in enumerate(labels)}
    config.architectures = ["RnnHubForSequenceClassification"]
    config.problem_type = "single_label_classification"
    config.tie_word_embeddings = False
    set_seed(seed)
    model = RnnHubForSequenceClassification(config)
    output_dir = Path(output_dir)
    model.save_pretrained(output_dir)
    load_tokenizer(lm_folder).save_pretrained(output_dir)
    return output_dir


def finetune_comparison(
    lm_folder: str | os.PathLike[str],
    *,
    output_dir: str | os.PathLike[str],
    data: str | datasets.DatasetDict = "rt-sentiment-en",
    labels: Sequence[str] = ("negative", "positive"),
    work_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    epochs: float = 5.0,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    early_stopping_patience: int | None = 2,
    model_id: str | None = None,
    command: str | None = None,
    scratch_run: str | os.PathLike[str] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Fine-tune a classifier of ``data`` from ``lm_folder`` (published in ``output_dir``) and, with the same
    architecture, tokenizer, hyperparameters and seed, from scratch (kept in ``work_dir`` or a temporary
    folder, reported only as numbers in the card).

    Args:
        labels: the data's label names, in the order of the from-scratch start's head (a different label set
            only means ``finetune`` gives it a new head).
        epochs, learning_rate, batch_size, early_stopping_patience, seed: shared by both runs; the best
            checkpoint of each is picked by validation accuracy.
        work_dir: keep the from-scratch start and run there (default: a temporary folder, deleted).
        scratch_run: reuse this finished from-scratch ``finetune`` output instead of training one; it must
            have the language model's tokenizer and architecture and the same settings (checked). The
            from-scratch arm does not depend on the language model's weights, so it may run while they train.

    Returns ``{"pretrained": metrics, "scratch": metrics}``, each ``{split: {"accuracy", "macro_f1", "loss"}}``.

    Raises:
        ValueError: ``lm_folder`` holds no model, or anything :func:`rnnhub.training.finetune` refuses.
    """
    from rnnhub.training import finetune

    lm_folder = Path(lm_folder)
    if not (lm_folder / "config.json").is_file():
        raise ValueError(
            f"{lm_folder} holds no model (config.json); run `rnnhub train-lm --output {lm_folder}` first."
        )
    settings = {
        "epochs": epochs,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "early_stopping_patience": early_stopping_patience,
        "metric_for_best_model": "accuracy",
        "seed": seed,
    }
    if scratch_run is not None:
        scratch = _reusable_scratch_run(Path(scratch_run), lm_folder, settings)
    else:
        with tempfile.TemporaryDirectory() as temporary:
            work = Path(work_dir) if work_dir is not None else Path(temporary)
            start = scratch_classifier(lm_folder, work / "scratch-start", labels, seed=seed)
            finetune(start, data, output_dir=work / "scratch", **settings)
            scratch = json.loads((work / "scratch" / REPORT_FILENAME).read_text(encoding="utf-8"))
    pretrained = finetune(
        lm_folder, data, output_dir=output_dir, model_id=model_id, command=command, **settings
    )
    results = {"pretrained": pretrained.metrics, "scratch": scratch["metrics"]}

    report_path = Path(output_dir) / REPORT_FILENAME
    report = json.loads(report_path.read_text(encoding="utf-8"))
    report["from_scratch"] = {
        key: scratch[key] for key in ("metrics", "global_step", "best_step", "epochs_trained", "wall_time_s")
    }
    report["from_scratch"]["reused_run"] = None if scratch_run is None else os.fspath(scratch_run)
    if report["data"] == "rt-sentiment-en":
        report["tfidf_baseline_test"] = TFIDF_BASELINE
    report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    _save_comparison_card(pretrained.output_dir, report, lm_folder, model_id)
    return results


# Config fields that make two classifiers the same architecture.
_ARCHITECTURE_FIELDS = (
    "vocab_size",
    "cell_type",
    "embedding_size",
    "hidden_size",
    "num_hidden_layers",
    "bidirectional",
    "dropout",
    "embedding_dropout",
    "pooling",
    "classifier_dropout",
)


def _reusable_scratch_run(run: Path, lm_folder: Path, settings: Mapping[str, Any]) -> dict[str, Any]:
    """``run``'s eval report, after checking it is the from-scratch arm this comparison would train."""
    from transformers import AutoConfig

    report_path = run / REPORT_FILENAME
    if not report_path.is_file():
        raise ValueError(
            f"{run} holds no finished finetune run ({REPORT_FILENAME}); drop scratch_run to train one."
        )
    report = json.loads(report_path.read_text(encoding="utf-8"))
    problems = [
        f"{name} is {report.get(key)!r}, not {settings[name]!r}"
        for name, key in (
            ("seed", "seed"),
            ("learning_rate", "learning_rate"),
            ("batch_size", "batch_size"),
            ("epochs", "max_epochs"),
            ("metric_for_best_model", "metric_for_best_model"),
        )
        if report.get(key) != settings[name]
    ]
    run_config, lm_config = AutoConfig.from_pretrained(run), AutoConfig.from_pretrained(lm_folder)
    problems += [
        f"config {name} is {getattr(run_config, name)!r}, not the language model's {getattr(lm_config, name)!r}"
        for name in _ARCHITECTURE_FIELDS
        if getattr(run_config, name) != getattr(lm_config, name)
    ]
    # The vocabulary and the text processing; finetune's saved copy also records its truncation setting.
    parts = ("model", "normalizer", "pre_tokenizer", "post_processor", "decoder", "added_tokens")
    tokenizers = [
        {
            part: json.loads((folder / "tokenizer.json").read_text(encoding="utf-8")).get(part)
            for part in parts
        }
        for folder in (run, lm_folder)
    ]
    if tokenizers[0] != tokenizers[1]:
        problems.append("its tokenizer.json differs from the language model's")
    if problems:
        raise ValueError(
            f"{run} is not the from-scratch arm of this comparison: {'; '.join(problems)}. "
            "Drop scratch_run to train it here."
        )
    return report


def _gain_sentence(pretrained: Mapping[str, float], scratch: Mapping[str, float], with_tfidf: bool) -> str:
    gain = pretrained["accuracy"] - scratch["accuracy"]
    if abs(gain) < 0.005:
        verdict = "no meaningful difference (under half a point, within seed-to-seed noise for one seed)"
    elif gain > 0:
        verdict = f"a gain of {100 * gain:.1f} accuracy points from pretraining"
    else:
        verdict = f"a loss of {100 * -gain:.1f} accuracy points (pretraining did not help here)"
    sentence = (
        f"On the test split the pretrained start gives accuracy {pretrained['accuracy']:.4f} against "
        f"{scratch['accuracy']:.4f} from scratch: {verdict}."
    )
    if with_tfidf:
        tfidf = pretrained["accuracy"] - TFIDF_BASELINE["accuracy"]
        versus = "above" if tfidf > 0 else "below"
        sentence += (
            f" It is {100 * abs(tfidf):.1f} points {versus} the TF-IDF + logistic regression baseline "
            f"({TFIDF_BASELINE['accuracy']:.4f})."
        )
    return sentence + " One seed each, so a difference of about a point is not conclusive."


def _save_comparison_card(
    output_dir: Path, report: Mapping[str, Any], lm_folder: Path, model_id: str | None
) -> Path:
    """Regenerate the fine-tuned model's card with the from-scratch and TF-IDF results beside its own."""
    from transformers import AutoModelForSequenceClassification

    from rnnhub.cards import make_model_card, save_card

    model = AutoModelForSequenceClassification.from_pretrained(output_dir)
    lm_corpus = json.loads((lm_folder / REPORT_FILENAME).read_text(encoding="utf-8")).get("corpus")
    if lm_corpus == "lm-text-en":
        lm_corpus = (
            "`lm-text-en`, built from books, speeches and the TRAIN splits of the labelled corpora only, so it "
            "holds no rt-sentiment-en validation or test sentence"
        )
    config = model.config
    dataset = report["data"]
    # The TF-IDF numbers were measured on rt-sentiment-en's test split only.
    with_tfidf = dataset == "rt-sentiment-en"
    metrics, baselines = [], []
    for split in ("test", "validation"):
        for name, kind, key in (("Accuracy", "accuracy", "accuracy"), ("Macro F1", "f1", "macro_f1")):
            metrics.append(
                {"name": name, "type": kind, "value": report["metrics"][split][key], "split": split}
            )
            baselines.append(
                {
                    "name": name,
                    "type": kind,
                    "value": report["from_scratch"]["metrics"][split][key],
                    "split": split,
                    "baseline": "same LSTM from scratch",
                }
            )
            if split == "test" and with_tfidf:
                baselines.append(
                    {
                        "name": name,
                        "type": kind,
                        "value": TFIDF_BASELINE[key],
                        "split": split,
                        "baseline": "TF-IDF + logistic regression",
                    }
                )
    pretrained, scratch = report["metrics"]["test"], report["from_scratch"]["metrics"]["test"]
    rows = [
        (
            f"LSTM fine-tuned from `{lm_folder.name}` (this model)",
            pretrained["accuracy"],
            pretrained["macro_f1"],
        ),
        (
            "same LSTM from scratch (same tokenizer, hyperparameters, seed)",
            scratch["accuracy"],
            scratch["macro_f1"],
        ),
    ]
    if with_tfidf:
        tfidf_name = "TF-IDF + logistic regression (docs/baselines.json)"
        rows.append((tfidf_name, TFIDF_BASELINE["accuracy"], TFIDF_BASELINE["macro_f1"]))
    table = "| Model | Test accuracy | Test macro-F1 |\n|---|---|---|\n" + "\n".join(
        f"| {name} | {accuracy:.4f} | {f1:.4f} |" for name, accuracy, f1 in rows
    )
    comparison = (
        "Dai & Le (2015) / ULMFiT (Howard & Ruder, 2018): the classifier's embeddings and LSTM start from the "
        f"language model `{lm_folder.name}`, pretrained on unlabelled text ({lm_corpus}). The from-scratch run trains the identical classifier (unidirectional "
        f"LSTM, `{config.pooling}` pooling, same tokenizer) with the same hyperparameters and seed; "
        "hyperparameters were chosen on the validation split only."
        + (
            " The from-scratch numbers come from an earlier run with these settings, reused with "
            "`--scratch-run` after checking its tokenizer, architecture and settings match."
            if report["from_scratch"].get("reused_run")
            else ""
        )
        + "\n\n"
        f"{table}\n\n{_gain_sentence(pretrained, scratch, with_tfidf)}"
    )
    training = {
        "command": report.get("command"),
        "base_model": f"`{lm_folder.name}` (RnnHubForCausalLM, new classification head)",
        "seed": report["seed"],
        "epochs": f"{report['epochs_trained']:g} of at most {report['max_epochs']:g}"
        + (" (early stopping)" if report["stopped_early"] else ""),
        "best checkpoint": f"step {report['best_step']} by validation {report['metric_for_best_model']}",
        "learning_rate": report["learning_rate"],
        "batch_size": report["batch_size"],
        "training_rows": report["rows"].get("train"),
        "wall_time": f"{report['wall_time_s']:.1f} s",
        "hardware": report["hardware"],
    }
    card = make_model_card(
        model_id=model_id or output_dir.resolve().name,
        config=config,
        task="text-classification",
        license="other",
        language="en",
        metrics=metrics,
        datasets=[dataset],
        base_model=lm_folder.name,
        baselines=baselines,
        training={k: v for k, v in training.items() if v is not None},
        description=(
            f"English movie-review sentiment (`{dataset}`: negative / positive), an LSTM fine-tuned from the "
            f"pretrained language model `{lm_folder.name}`."
        ),
        limitations=(
            "Lowercased word-level vocabulary of ~10k words from the pretraining text; one-sentence movie "
            "reviews only. Trained and compared with a single seed."
        ),
        extra_sections={"Pretraining vs from scratch": comparison},
        num_parameters=model.num_parameters(),
        tags=["rnnhub-finetune", "ulmfit"],
    )
    return save_card(card, output_dir)
