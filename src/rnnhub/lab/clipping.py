"""Gradient-norm clipping on an exploding vanilla RNN: the same training run with and without
``torch.nn.utils.clip_grad_norm_``.

The network is a vanilla RNN classifier on the first-word task whose recurrent matrix starts at spectral radius
``radius`` > 1 (biases zeroed, embeddings scaled down so the early states are small and tanh is near-linear).
Plain SGD is used on purpose: Adam divides each step by a running gradient size, which hides the size of a
gradient spike, while SGD moves the weights by ``lr * gradient`` and so shows what an exploding gradient does.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from rnnhub.lab.gradients import set_spectral_radius
from rnnhub.lab.model import LabClassifier
from rnnhub.lab.tasks import FirstWordTask
from rnnhub.lab.util import single_threaded


def _train(
    clip_norm: float | None, radius, distractors, steps, learning_rate, input_scale, hidden_size, seed
):
    task = FirstWordTask(distractors)
    torch.manual_seed(seed)
    model = LabClassifier("rnn", task.vocab_size, 16, hidden_size, task.num_classes)
    set_spectral_radius(model.recurrent, radius)
    with torch.no_grad():
        for bias in model.recurrent.weights(0, 0)[2:]:
            bias.zero_()
        model.embedding.weight.mul_(input_scale)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
    data = torch.Generator().manual_seed(seed)
    losses, norms = [], []
    for _ in range(steps):
        input_ids, labels = task.sample(32, data)
        loss = F.cross_entropy(model(input_ids)[0], labels)
        optimizer.zero_grad()
        loss.backward()
        # With max_norm=inf clip_grad_norm_ only measures, so both runs record the norm the same way.
        norm = torch.nn.utils.clip_grad_norm_(
            model.parameters(), math.inf if clip_norm is None else clip_norm
        )
        optimizer.step()
        losses.append(float(loss.detach()))
        norms.append(float(norm))
    return losses, norms


def clipping_experiment(
    radius: float = 1.5,
    distractors: int = 25,
    steps: int = 300,
    learning_rate: float = 0.05,
    clip_norm: float = 1.0,
    input_scale: float = 0.01,
    hidden_size: int = 32,
    seed: int = 0,
) -> dict:
    """Loss and (pre-clipping) gradient norm per step, for the unclipped and the clipped run from the same start.

    Returns ``{"settings", "unclipped": {"losses", "grad_norms"}, "clipped": {...}, "final_loss": {...}}``,
    ``final_loss`` being the mean loss over the last tenth of the steps (chance is ``ln 4 ~ 1.386``).
    """
    if not clip_norm > 0:
        raise ValueError(f"clip_norm must be a positive number, got {clip_norm!r}.")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    settings = {
        "radius": radius,
        "distractors": distractors,
        "steps": steps,
        "learning_rate": learning_rate,
        "clip_norm": clip_norm,
        "input_scale": input_scale,
        "hidden_size": hidden_size,
        "seed": seed,
    }
    result: dict = {"settings": settings}
    args = (radius, distractors, steps, learning_rate, input_scale, hidden_size, seed)
    with single_threaded():
        for name, clip in (("unclipped", None), ("clipped", clip_norm)):
            losses, norms = _train(clip, *args)
            result[name] = {"losses": losses, "grad_norms": norms}
    tail = max(1, steps // 10)
    result["final_loss"] = {
        name: sum(result[name]["losses"][-tail:]) / tail for name in ("unclipped", "clipped")
    }
    return result
