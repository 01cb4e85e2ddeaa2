"""Experiment 3, gates at work: the LSTM's input, forget and output gates and its cell state, step by step.

A small LSTM is trained on the first-word task, then run on one sequence through the layer's transparent path
(``implementation="transparent", output_gates=True``), which returns every gate activation. The units that carry
the label are the ones whose final cell state differs most between the classes; those are the ones to watch:
the input gate opens on the first word (write), the forget gate stays near 1 over the distractors (keep), the
output gate decides what the classifier sees at the end (read).
"""

from __future__ import annotations

import torch

from rnnhub.lab.memory import MemoryConfig, train_first_word
from rnnhub.lab.model import LabClassifier
from rnnhub.lab.util import single_threaded

GATES_CONFIG = MemoryConfig(steps=400, learning_rate=1e-2, budget_lstm_hidden=16, eval_size=256)


def memory_units(model: LabClassifier, distractors: int, count: int, seed: int = 0) -> list[int]:
    """The ``count`` cell units whose final value best separates the classes (between-class over total variance)."""
    task = MemoryConfig(num_classes=model.head.out_features).task(distractors)
    input_ids, labels = task.sample(512, torch.Generator().manual_seed(20_000 + seed))
    with torch.no_grad():
        out = model(input_ids, implementation="transparent", output_gates=True)[1]
    final_cell = out.gates["cell"][0, :, -1]  # (batch, hidden)
    class_means = torch.stack([final_cell[labels == k].mean(0) for k in range(task.num_classes)])
    score = class_means.var(0) / (final_cell.var(0) + 1e-8)
    return score.argsort(descending=True)[:count].tolist()


def gate_trace(
    distractors: int = 30,
    seed: int = 0,
    units: int = 6,
    model: LabClassifier | None = None,
    config: MemoryConfig = GATES_CONFIG,
) -> dict:
    """Train (unless ``model`` is given) an LSTM on the first-word task, then trace one sequence per class.

    Returns plain lists: ``tokens`` and ``labels`` of the traced sequences (one per class, sharing the same
    distractors so that only the first word differs), ``units`` (the memory units), ``gates``: name ->
    [class][time][unit] for input / forget / output / cell, ``predictions``, ``accuracy`` of the trained model.
    """
    if not isinstance(units, int) or units < 1:
        raise ValueError(f"units must be a positive integer, got {units!r}.")
    accuracy = None
    with single_threaded():
        if model is None:
            model, numbers = train_first_word("lstm", distractors, seed, config)
            accuracy = numbers["accuracy"]
        if model.cell_type != "lstm":
            raise ValueError(f"gate_trace needs an lstm model, got {model.cell_type!r}.")
        chosen = memory_units(model, distractors, min(units, model.recurrent.hidden_size), seed)
        task = config.task(distractors)
        steps_ids, _ = task.sample(1, torch.Generator().manual_seed(30_000 + seed))
        # One sequence per class with identical distractors: any difference in the traces comes from the first word.
        tokens = steps_ids.repeat(task.num_classes, 1)
        tokens[:, 0] = torch.arange(task.num_classes)
        with torch.no_grad():
            logits, out = model(tokens, implementation="transparent", output_gates=True)
    gates = {
        name: out.gates[name][0][:, :, chosen].tolist() for name in ("input", "forget", "output", "cell")
    }
    return {
        "distractors": distractors,
        "seed": seed,
        "accuracy": accuracy,
        "tokens": tokens.tolist(),
        "labels": list(range(task.num_classes)),
        "predictions": logits.argmax(-1).tolist(),
        "units": chosen,
        "gates": gates,
    }
