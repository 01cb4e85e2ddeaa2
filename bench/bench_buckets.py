"""Training throughput of the sentiment classifier with length-bucketed batches against uniformly shuffled ones.

What runs
    The rt-sentiment-en recipe's tokenizer (word level, lowercased, trained on the train split) and a fresh
    classifier of the recipe's size (bidirectional LSTM, embedding 128, hidden 128, max pooling); the first
    ``--rows`` train texts, cut at 128 tokens. Both candidates draw their batches (``--batch`` texts) from the
    DataLoader of a stock ``Trainer`` built as ``rnnhub.sentiment.train.finetune`` builds it: ``buckets``
    (``train_sampling_strategy="group_by_length"``, what finetune uses by default) and ``shuffled`` (the random
    sampler, ``--no-length-buckets``). One training step = forward, loss, backward, gradient clipping at 1, AdamW
    step: what Trainer does per batch, without its logging. Each candidate has its own model and optimizer (same
    initial weights). They run interleaved in rounds (buckets, shuffled, buckets, ...) after one warm-up round;
    each measurement times ``--steps`` consecutive steps on the next batches of its candidate's epoch. texts/s =
    texts / seconds, median over rounds with min-max; "vs shuffled" is the ratio of medians and, per round, the
    ratio to the shuffled measurement of the same round. The padding share (padded slots / all slots of the
    timed batches) says where the difference comes from. **Required: buckets faster than shuffled (ratio of
    medians > 1).**

    PYTHONPATH=src python bench/bench_buckets.py --threads 1          # ~3-6 min on a loaded 2-core box
    PYTHONPATH=src python bench/bench_buckets.py --quick              # a smoke run (tiny model, synthetic texts)
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import torch
from _common import (
    RESULTS_DIR,
    add_common_arguments,
    check_line,
    environment,
    finish,
    markdown_table,
    pick_device,
    spread,
)

CANDIDATES = ("buckets", "shuffled")
MAX_LENGTH = 128


def texts_and_labels(rows: int, quick: bool) -> tuple[list[str], list[int]]:
    """The first ``rows`` rt-sentiment-en train texts (synthetic ones of 1-60 words in quick mode)."""
    if quick:
        rng = random.Random(0)
        words = ["good", "bad", "film", "plot", "the", "a", "was", "really"]
        texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 60))) for _ in range(rows)]
        return texts, [i % 2 for i in range(rows)]
    from rnnhub import data

    train = data.load("rt-sentiment-en")["train"].select(range(rows))
    return list(train["text"]), list(train["label"])


def build(texts: list[str], labels: list[int], quick: bool, seed: int):
    """The recipe's tokenizer (trained on all train texts) and classifier, and the encoded rows."""
    from datasets import Dataset
    from transformers import set_seed

    from rnnhub.models import RnnHubConfig, RnnHubForSequenceClassification
    from rnnhub.sentiment.recipe import settings_for
    from rnnhub.tokenization import train_tokenizer

    settings = settings_for("rt-sentiment-en")
    tokenizer = train_tokenizer(
        texts,
        kind=settings.tokenizer_kind,
        min_frequency=1 if quick else settings.min_frequency,
        lowercase=settings.lowercase,
        normalization=settings.normalization,
        model_max_length=MAX_LENGTH,
    )
    size = 16 if quick else settings.hidden_size
    config = RnnHubConfig(
        vocab_size=len(tokenizer),
        cell_type="lstm",
        embedding_size=16 if quick else settings.embedding_size,
        hidden_size=size,
        bidirectional=settings.bidirectional,
        dropout=settings.dropout,
        embedding_dropout=settings.embedding_dropout,
        pooling=settings.pooling,
        num_labels=2,
    )
    set_seed(seed)
    model = RnnHubForSequenceClassification(config)
    encoded = tokenizer(texts, truncation=True, max_length=MAX_LENGTH)
    return tokenizer, model, Dataset.from_dict({**encoded, "labels": labels})


def batches(candidate: str, model, tokenizer, dataset, batch: int, seed: int, scratch: Path):
    """An endless stream of the training batches finetune's Trainer draws for ``candidate``."""
    from transformers import DataCollatorWithPadding, Trainer

    from rnnhub.engine import trainer as engine

    args = engine.make_training_arguments(
        scratch / candidate,
        epochs=1,
        learning_rate=2e-3,
        batch_size=batch,
        eval_steps=None,
        metric_for_best_model="loss",
        save_total_limit=1,
        seed=seed,
        progress=False,
        overrides=engine.sampling_arguments() if candidate == "buckets" else {},
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        eval_dataset=dataset,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
    )
    while True:
        yield from trainer.get_train_dataloader()


def timed_steps(model, optimizer, stream, steps: int, device) -> tuple[float, int, int, int]:
    """Seconds for ``steps`` training steps, and the texts, real tokens and slots they read."""
    texts = tokens = slots = 0
    model.train()
    start = time.perf_counter()
    for _ in range(steps):
        inputs = {key: value.to(device) for key, value in next(stream).items()}
        loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        mask = inputs["attention_mask"]
        texts, tokens, slots = texts + mask.shape[0], tokens + int(mask.sum()), slots + mask.numel()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start, texts, tokens, slots


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4096, help="train texts to draw batches from")
    parser.add_argument("--batch", type=int, default=32, help="texts per batch (the recipe's)")
    parser.add_argument("--steps", type=int, default=8, help="training steps per measurement")
    parser.add_argument("--rounds", type=int, default=6)
    add_common_arguments(parser, "tiny model, synthetic texts, 1 round of 1 step: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.batch, args.steps, args.rounds = 64, 8, 1, 1
    if args.output is None:
        args.output = RESULTS_DIR / ("buckets_quick.json" if args.quick else "buckets.json")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)

    texts, labels = texts_and_labels(args.rows, args.quick)
    tokenizer, model, dataset = build(texts, labels, args.quick, args.seed)
    runs = {}
    with tempfile.TemporaryDirectory(prefix="bench-buckets-") as scratch:
        for candidate in CANDIDATES:
            copy = type(model)(model.config)
            copy.load_state_dict(model.state_dict())
            copy.to(device)
            stream = batches(candidate, copy, tokenizer, dataset, args.batch, args.seed, Path(scratch))
            runs[candidate] = (copy, torch.optim.AdamW(copy.parameters(), lr=2e-3), stream)
        measured = {name: [] for name in CANDIDATES}
        for round_index in range(args.rounds + (0 if args.quick else 1)):  # the first round warms up
            for name, (candidate_model, optimizer, stream) in runs.items():
                result = timed_steps(candidate_model, optimizer, stream, args.steps, device)
                if args.quick or round_index > 0:
                    measured[name].append(result)

    results = {}
    for name, rounds in measured.items():
        rates = [texts / seconds for seconds, texts, _, _ in rounds]
        results[name] = {
            "texts_per_s": spread(rates),
            "texts_per_s_rounds": rates,
            "padding_share": 1 - sum(r[2] for r in rounds) / sum(r[3] for r in rounds),
        }
    shuffled = results["shuffled"]["texts_per_s_rounds"]
    for entry in results.values():
        entry["ratio_of_medians_vs_shuffled"] = entry["texts_per_s"]["median"] / spread(shuffled)["median"]
        entry["ratio_vs_shuffled"] = spread([a / b for a, b in zip(entry["texts_per_s_rounds"], shuffled)])
    ratio = results["buckets"]["ratio_of_medians_vs_shuffled"]
    per_round = results["buckets"]["ratio_vs_shuffled"]
    checks = [
        {
            "name": "buckets_faster",
            "required": True,
            "passed": ratio > 1.0,
            "value": ratio,
            "threshold": 1.0,
            "text": check_line(
                ratio > 1.0,
                f"buckets/shuffled texts/s = {ratio:.2f} (per round {per_round['min']:.2f}-{per_round['max']:.2f}), "
                "need > 1",
            ),
        }
    ]
    rows = [
        [
            name,
            f"{entry['texts_per_s']['median']:,.1f}",
            f"{entry['texts_per_s']['min']:,.1f}-{entry['texts_per_s']['max']:,.1f}",
            f"{entry['ratio_of_medians_vs_shuffled']:.2f}",
            f"{entry['ratio_vs_shuffled']['min']:.2f}-{entry['ratio_vs_shuffled']['max']:.2f}",
            f"{entry['padding_share']:.1%}",
        ]
        for name, entry in results.items()
    ]
    headers = ["batches", "texts/s (median)", "min-max", "vs shuffled", "per-round ratio", "padding"]
    print(markdown_table(headers, rows))
    print()
    for check in checks:
        print(check["text"])
    output = {
        "benchmark": "sentiment_length_buckets",
        "environment": environment(device),
        "settings": {
            "rows": args.rows,
            "batch": args.batch,
            "steps": args.steps,
            "rounds": args.rounds,
            "max_length": MAX_LENGTH,
            "quick": args.quick,
            "seed": args.seed,
            "model": {
                k: getattr(model.config, k) for k in ("embedding_size", "hidden_size", "bidirectional")
            },
        },
        "results": results,
        "checks": checks,
    }
    return finish(output, args, checks)


if __name__ == "__main__":
    raise SystemExit(main())
