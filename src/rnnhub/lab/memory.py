"""Experiment 1, "remember the first word": accuracy against the distance N between the label and the question.

Every model gets the same parameter budget (hidden sizes from :func:`~rnnhub.lab.model.matched_hidden_size`), the
same optimiser, batches and number of steps; only the cell differs. Data are drawn from a generator seeded per
run, so a run is a pure function of its settings and seed (see :func:`run_memory`, which also pins torch to one
thread: multi-threaded reductions may add numbers in another order).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from rnnhub.lab.model import (
    LabClassifier,
    classifier_parameters,
    count_parameters,
    matched_hidden_size,
    set_keep_bias,
)
from rnnhub.lab.tasks import FirstWordTask
from rnnhub.lab.util import single_threaded
from rnnhub.models.constants import CELL_TYPES

# A model variant is a cell plus the initial bias of its "keep" gate (None: torch's default initialisation).
# The gated cells start with the keep gate at sigmoid(3) ~ 0.95; "lstm-bias1" is the common recipe (forget bias 1,
# gate ~ 0.73), kept as a comparison because it changes the picture (see docs/memory-lab.md).
VARIANTS: dict[str, tuple[str, float | None]] = {
    "rnn": ("rnn", None),
    "gru": ("gru", 3.0),
    "lstm": ("lstm", 3.0),
    "lstm-bias1": ("lstm", 1.0),
}


@dataclass(frozen=True)
class MemoryConfig:
    """Everything a memory run depends on besides the variant, N and the seed."""

    steps: int = 800
    batch_size: int = 32
    learning_rate: float = 3e-3
    clip_norm: float = 1.0
    embedding_size: int = 16
    budget_lstm_hidden: int = 32  # the parameter budget is that of an LSTM of this width
    num_classes: int = 4
    num_distractor_tokens: int = 8
    eval_size: int = 512

    def task(self, distractors: int) -> FirstWordTask:
        return FirstWordTask(distractors, self.num_classes, self.num_distractor_tokens)


QUICK = MemoryConfig(steps=150, batch_size=32, learning_rate=1e-2, budget_lstm_hidden=16, eval_size=256)


def check_variant(variant: str) -> tuple[str, float | None]:
    if variant not in VARIANTS:
        raise ValueError(f"variant={variant!r} is not supported; choose one of {', '.join(VARIANTS)}.")
    return VARIANTS[variant]


def build_model(variant: str, config: MemoryConfig, seed: int) -> LabClassifier:
    """The variant at the shared parameter budget, initialised from ``seed``."""
    cell_type, keep_bias = check_variant(variant)
    task = config.task(1)
    budget = classifier_parameters(
        "lstm", task.vocab_size, config.embedding_size, config.budget_lstm_hidden, task.num_classes
    )
    hidden = matched_hidden_size(cell_type, budget, task.vocab_size, config.embedding_size, task.num_classes)
    torch.manual_seed(seed)
    model = LabClassifier(cell_type, task.vocab_size, config.embedding_size, hidden, task.num_classes)
    if keep_bias is not None:
        set_keep_bias(model.recurrent, keep_bias)
    return model


def train_first_word(
    variant: str, distractors: int, seed: int = 0, config: MemoryConfig = MemoryConfig()
) -> tuple[LabClassifier, dict]:
    """Train one model on one N; returns the model and its numbers (accuracy on fresh held-out sequences)."""
    task = config.task(distractors)
    model = build_model(variant, config, seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    # Training and evaluation draw from different streams, so the held-out set never overlaps training batches
    # by construction of the seed (and with 4 * 8**N possible sequences, overlap by chance is negligible).
    train_data = torch.Generator().manual_seed(seed)
    eval_data = torch.Generator().manual_seed(10_000 + seed)
    start = time.perf_counter()
    model.train()
    losses = []
    for _ in range(config.steps):
        input_ids, labels = task.sample(config.batch_size, train_data)
        logits, _ = model(input_ids)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
        optimizer.step()
        losses.append(float(loss.detach()))
    model.eval()
    input_ids, labels = task.sample(config.eval_size, eval_data)
    with torch.no_grad():
        logits, _ = model(input_ids)
    accuracy = float((logits.argmax(-1) == labels).float().mean())
    tail = losses[-max(1, len(losses) // 10) :]
    return model, {
        "variant": variant,
        "cell_type": model.cell_type,
        "distractors": distractors,
        "seed": seed,
        "hidden_size": model.recurrent.hidden_size,
        "parameters": count_parameters(model),
        "accuracy": accuracy,
        "final_loss": sum(tail) / len(tail),
        "chance": task.chance,
        "seconds": time.perf_counter() - start,
    }


def run_memory(
    variants: Sequence[str] = CELL_TYPES,
    distractors: Sequence[int] = (10, 25, 50, 100, 200, 400),
    seeds: Sequence[int] = (0, 1, 2),
    config: MemoryConfig = MemoryConfig(),
    progress=None,
    jobs: int = 1,
) -> dict:
    """Every variant x N x seed; returns ``{"config", "runs": [...], "summary": [...]}`` (plain numbers).

    ``progress``, if given, is called with each run's numbers as it finishes (the CLI prints them). ``jobs`` > 1
    trains that many runs at once in worker processes; each run is single-threaded and seeded on its own, so the
    numbers do not depend on ``jobs``.
    """
    for variant in variants:
        check_variant(variant)
    if not distractors or any(not isinstance(n, int) or n < 1 for n in distractors):
        raise ValueError(f"distractors must be positive integers, got {list(distractors)!r}.")
    if not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}.")
    plan = [(variant, n, seed) for n in distractors for variant in variants for seed in seeds]
    if jobs == 1:
        finished = {}
        for key in plan:
            finished[key] = _run_one(key, config)
            if progress is not None:
                progress(finished[key])
    else:
        # Longest runs first (long N, and the GRU, which has no fast fused CPU kernel) so the pool ends together.
        order = sorted(plan, key=lambda key: key[1] * (3 if key[0] == "gru" else 1), reverse=True)
        finished = {}
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_run_one, key, config): key for key in order}
            for future in as_completed(futures):
                finished[futures[future]] = future.result()
                if progress is not None:
                    progress(finished[futures[future]])
    runs = [finished[key] for key in plan]  # the plan's order, whatever order the runs finished in
    return {"config": asdict(config), "runs": runs, "summary": summarize(runs)}


def _run_one(key: tuple[str, int, int], config: MemoryConfig) -> dict:
    variant, distractors, seed = key
    with single_threaded():
        return train_first_word(variant, distractors, seed, config)[1]


def summarize(runs: list[dict]) -> list[dict]:
    """Per variant and N: mean, min, max and standard deviation of the accuracy over seeds."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for run in runs:
        groups.setdefault((run["variant"], run["distractors"]), []).append(run)
    summary = []
    for (variant, n), group in groups.items():
        accuracies = torch.tensor([r["accuracy"] for r in group], dtype=torch.float64)
        summary.append(
            {
                "variant": variant,
                "distractors": n,
                "hidden_size": group[0]["hidden_size"],
                "parameters": group[0]["parameters"],
                "seeds": [r["seed"] for r in group],
                "mean": float(accuracies.mean()),
                "std": float(accuracies.std(unbiased=False)),
                "min": float(accuracies.min()),
                "max": float(accuracies.max()),
                "chance": group[0]["chance"],
                "seconds": sum(r["seconds"] for r in group),
            }
        )
    return summary
