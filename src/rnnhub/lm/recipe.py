"""Pretrain an English LSTM language model on unlabelled text: the base model of the Dai & Le / ULMFiT recipe.

>>> from rnnhub.lm.recipe import train_lm
>>> result = train_lm("lm-text-en", output_dir="model_cards/lstm-lm-en", max_steps=1500)
>>> result.perplexity["test"], result.baselines["test"]

One deterministic run (given ``seed`` and the thread count):

1. a lowercased word-level tokenizer trained on the corpus's TRAIN split only; it encodes a text as
   ``<bos> text`` (a prompt must not end with ``<eos>``, or ``generate()`` continues after the end of a text);
2. every split tokenized as ``<bos> text <eos>`` (the ``<eos>`` is added here, not by the tokenizer),
   concatenated and cut into fixed-length blocks of ``seq_len`` tokens (the tail that does not fill a block is
   dropped), so a batch needs no padding;
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

from rnnhub.engine.blocks import load_text_corpus as _load_corpus
from rnnhub.engine.blocks import make_blocks
from rnnhub.engine.report import REPORT_FILENAME
from rnnhub.models.constants import BOS_ID

if TYPE_CHECKING:
    import datasets
    from transformers import PreTrainedTokenizerFast

__all__ = ["LMResult", "finetune_lm", "make_blocks", "ngram_perplexity", "train_lm"]

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
            (``rnnhub.sentiment.train.finetune`` copies the config); the language model itself does not use them.
        max_steps, seq_len, batch_size, lr, warmup_steps: the training schedule (linear decay after warmup).
        model_id: the Hub id the card names (default: the output folder's name).
        command: the command line recorded in the card.
        overwrite: replace an existing non-empty ``output_dir``.
        progress: print Trainer's loss logs (the library is silent by default).

    Raises:
        ValueError: an unknown corpus or one without the needed splits, too little text for one block, or a
            non-empty ``output_dir`` without ``overwrite``.
    """
    from transformers import set_seed

    from rnnhub.models import RnnHubConfig, RnnHubForCausalLM
    from rnnhub.tokenization import train_tokenizer

    output_dir = _fresh_folder(Path(output_dir), overwrite)
    splits = _load_corpus(corpus)
    train_texts = list(splits["train"]["text"])  # a datasets 5 column is not a list
    tokenizer = train_tokenizer(
        train_texts,
        "word",
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        lowercase=True,
        add_bos=True,
        # The stock text-generation pipeline encodes a prompt with the tokenizer (`<bos> text`, no `<eos>`) and
        # appends the new tokens, decoded on their own, to the prompt text (so they keep their leading space).
        add_eos=False,
        spaced_continuations=True,
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

    schedule = {"max_steps": max_steps, "seq_len": seq_len, "batch_size": batch_size, "lr": lr}
    return _fit_evaluate_save(
        model,
        tokenizer,
        blocks,
        output_dir=output_dir,
        corpus=corpus,
        settings=_settings(
            model, tokenizer, seed, {**schedule, "warmup_steps": warmup_steps}, min_frequency=min_frequency
        ),
        eval_batch_size=eval_batch_size,
        command=command,
        model_id=model_id,
        progress=progress,
    )


def finetune_lm(
    lm_folder: str | os.PathLike[str],
    corpus: str | datasets.DatasetDict,
    *,
    output_dir: str | os.PathLike[str],
    seed: int = 0,
    epochs: float = 3.0,
    max_steps: int | None = None,
    seq_len: int = 64,
    batch_size: int = 32,
    lr: float = 1e-3,
    warmup_steps: int = 20,
    eval_batch_size: int = 64,
    model_id: str | None = None,
    command: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> LMResult:
    """ULMFiT's second stage: continue training the language model in ``lm_folder`` on the TRAIN text of the
    target ``corpus`` (e.g. ``rt-sentiment-en``; its labels are not read), with the language model's own
    tokenizer and architecture, and publish it in ``output_dir`` as :func:`train_lm` does (perplexity on the
    corpus' validation and test text next to the add-one baselines counted on its train blocks).

    Args:
        lm_folder: a folder holding an ``RnnHubForCausalLM`` and its tokenizer (from :func:`train_lm`).
        epochs: passes over the train blocks (rounded up to whole steps); ``max_steps`` wins when given.
        seq_len, batch_size, lr, warmup_steps: as in :func:`train_lm` (linear decay after warmup); the default
            rate is lower than pretraining's: the model is adapted, not trained anew.

    Raises:
        ValueError: ``lm_folder`` holds no causal language model, a corpus without train/validation/test text,
            or a non-empty ``output_dir`` without ``overwrite``.
    """
    from transformers import AutoConfig

    from rnnhub.models import RnnHubForCausalLM
    from rnnhub.tokenization import load_tokenizer

    lm_folder = Path(lm_folder)
    if not (lm_folder / "config.json").is_file():
        raise ValueError(f"{lm_folder} holds no model (config.json); train one with `rnnhub train-lm` first.")
    architectures = getattr(AutoConfig.from_pretrained(lm_folder), "architectures", None) or []
    if architectures != ["RnnHubForCausalLM"]:
        raise ValueError(
            f"{lm_folder} holds a {', '.join(architectures) or 'model without architectures'}, not an "
            "RnnHubForCausalLM; give a language model folder from `rnnhub train-lm`."
        )
    if epochs <= 0 and max_steps is None:
        raise ValueError(f"epochs must be positive, got {epochs}.")
    output_dir = _fresh_folder(Path(output_dir), overwrite)
    splits = _load_corpus(corpus)
    tokenizer = load_tokenizer(lm_folder)
    blocks = {
        split: make_blocks(list(splits[split]["text"]), tokenizer, seq_len)
        for split in ("train", "validation", "test")
    }
    if max_steps is None:
        max_steps = max(1, math.ceil(epochs * len(blocks["train"]) / batch_size))
    model = RnnHubForCausalLM.from_pretrained(lm_folder)
    schedule = {"max_steps": max_steps, "seq_len": seq_len, "batch_size": batch_size, "lr": lr}
    return _fit_evaluate_save(
        model,
        tokenizer,
        blocks,
        output_dir=output_dir,
        corpus=corpus,
        settings=_settings(
            model,
            tokenizer,
            seed,
            {**schedule, "warmup_steps": warmup_steps},
            base_model=os.fspath(lm_folder),
        ),
        eval_batch_size=eval_batch_size,
        command=command,
        model_id=model_id,
        progress=progress,
    )


def _settings(model, tokenizer, seed: int, schedule: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """The report's ``settings``: the seed, ``extra``, the architecture (from the model's config), the schedule."""
    config = model.config
    return {
        "seed": seed,
        **extra,
        "vocab_size": len(tokenizer),
        "embedding_size": config.embedding_size,
        "hidden_size": config.hidden_size,
        "num_layers": config.num_hidden_layers,
        "dropout": config.dropout,
        **schedule,
    }


def _fresh_folder(output_dir: Path, overwrite: bool) -> Path:
    if output_dir.exists() and any(output_dir.iterdir()):
        if not overwrite:
            raise ValueError(f"{output_dir} is not empty; choose a new folder or pass overwrite=True.")
        shutil.rmtree(output_dir)
    return output_dir


def _fit_evaluate_save(
    model,
    tokenizer: PreTrainedTokenizerFast,
    blocks: Mapping[str, np.ndarray],
    *,
    output_dir: Path,
    corpus: str | datasets.DatasetDict,
    settings: dict[str, Any],
    eval_batch_size: int,
    command: str | None,
    model_id: str | None,
    progress: bool,
) -> LMResult:
    """Train ``model`` on the train blocks, measure perplexities and baselines, save folder, report and card:
    the steps 3-5 that pretraining (:func:`train_lm`) and target fine-tuning (:func:`finetune_lm`) share. The
    schedule is ``settings``' (seed, max_steps, batch_size, lr, warmup_steps)."""
    seed, max_steps, lr = settings["seed"], settings["max_steps"], settings["lr"]
    batch_size, warmup_steps = settings["batch_size"], settings["warmup_steps"]
    import datasets
    import torch
    from transformers import DataCollatorForLanguageModeling, PrinterCallback, Trainer, TrainingArguments

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
        "scored_tokens_per_block": int(blocks["train"].shape[1]) - 1,
        "train_loss": train_loss,
        "global_step": trainer.state.global_step,
        "epochs_trained": float(trainer.state.epoch or 0.0),
        "wall_time_s": round(wall_time, 1),
        "settings": {**settings, "torch_threads": torch.get_num_threads()},
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
    from rnnhub.publish.cards import make_model_card, save_card

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
        "recipe: `rnnhub.sentiment.train.finetune` builds a classifier from it that starts from its embeddings and "
        "LSTM weights (see `lstm-sentiment-rt-en-lm`)."
    )
    if settings.get("base_model"):  # finetune_lm: ULMFiT's target-corpus stage
        description = (
            f"The language model `{Path(settings['base_model']).name}` fine-tuned on the TRAIN split's text of "
            f"`{dataset}` (labels not read), with its tokenizer and architecture: the second stage of ULMFiT "
            "(Howard & Ruder, 2018), before a classifier is fine-tuned from it."
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
