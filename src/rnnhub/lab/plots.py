"""Figures for the lab's results. Each function takes the plain numbers an experiment returns and gives back a
:class:`matplotlib.figure.Figure` (no pyplot global state, nothing shown), so a demo can display it and the CLI can
save it.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from rnnhub.figures import serial_figure, serially, set_margins

COLORS = {"rnn": "tab:red", "gru": "tab:blue", "lstm": "tab:green", "lstm-bias1": "tab:olive"}


def _color(name: str) -> str:
    return COLORS.get(name, "tab:gray")


@serially
def plot_memory(results: dict) -> Figure:
    """Accuracy against N (log scale) per variant: mean over seeds, with a band from the worst to the best seed."""
    figure = serial_figure(figsize=(6.4, 4.0), dpi=100)
    axes = figure.add_subplot()
    summary = results["summary"]
    for variant in dict.fromkeys(row["variant"] for row in summary):
        rows = sorted((r for r in summary if r["variant"] == variant), key=lambda r: r["distractors"])
        n = [r["distractors"] for r in rows]
        label = f"{variant} (H={rows[0]['hidden_size']}, {rows[0]['parameters']:,} params)"
        axes.plot(n, [r["mean"] for r in rows], "o-", color=_color(variant), label=label)
        axes.fill_between(
            n, [r["min"] for r in rows], [r["max"] for r in rows], color=_color(variant), alpha=0.15
        )
    axes.axhline(summary[0]["chance"], color="black", linestyle=":", label="chance")
    axes.set_xscale("log")
    axes.set_xlabel("N: distractor tokens between the first word and the question")
    axes.set_ylabel("held-out accuracy")
    axes.set_ylim(0, 1.05)
    seeds = len(summary[0]["seeds"])
    axes.set_title(f"Remember the first word (mean of {seeds} seeds, band = min..max)")
    axes.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    return figure


def _flow_label(run: dict) -> str:
    label = run["cell_type"]
    if run.get("radius") is not None:
        label += f", radius {run['radius']:g}"
    if run.get("keep_bias") is not None:
        label += f", keep bias {run['keep_bias']:g}"
    if run.get("input_scale", 1.0) != 1.0 or run.get("radius") is not None:
        label += f", inputs x{run['input_scale']:g}"
    return label


@serially
def plot_gradient_flow(runs: list[dict], title: str = "Gradient flow back through time") -> Figure:
    """``||dL/dh_t||`` on a log scale against the number of steps back from the loss (0 = the last step)."""
    figure = serial_figure(figsize=(6.4, 4.0), dpi=100)
    axes = figure.add_subplot()
    for run in runs:
        norms = np.asarray(run["norms"])
        back = np.arange(len(norms))[::-1]  # step t is len - 1 - t steps before the end
        name = (
            "lstm-bias1" if run["cell_type"] == "lstm" and run.get("keep_bias") == 1.0 else run["cell_type"]
        )
        color = _color(name) if run.get("radius") is None else None
        axes.semilogy(
            back, norms, color=color, label=f"{_flow_label(run)}: first/last {run['first_over_last']:.1e}"
        )
    axes.set_xlabel("steps back from the loss (T - t)")
    axes.set_ylabel("||dL / dh_t||")
    axes.set_title(title)
    axes.legend(fontsize=7)
    # Inches: room on the left for log tick labels down to 10^-99 and the axis label (the demo draws this one
    # on every request, so no tight_layout: see rnnhub.figures).
    set_margins(figure, left=0.9, right=0.15, top=0.4, bottom=0.6)
    return figure


@serially
def plot_clipping(result: dict) -> Figure:
    """Loss and pre-clipping gradient norm per training step, with and without gradient-norm clipping."""
    figure = serial_figure(figsize=(9.0, 3.6), dpi=100)
    loss_axes, norm_axes = figure.subplots(1, 2)
    settings = result["settings"]
    styles = {
        "unclipped": ("tab:red", "no clipping"),
        "clipped": ("tab:blue", f"clip at {settings['clip_norm']:g}"),
    }
    for name, (color, label) in styles.items():
        loss_axes.plot(result[name]["losses"], color=color, label=label, linewidth=0.8)
        norm_axes.semilogy(result[name]["grad_norms"], color=color, label=label, linewidth=0.8)
    loss_axes.axhline(math.log(4), color="black", linestyle=":", label="chance (ln 4)")
    loss_axes.set_xlabel("training step")
    loss_axes.set_ylabel("training loss")
    loss_axes.legend(fontsize=8)
    norm_axes.set_xlabel("training step")
    norm_axes.set_ylabel("gradient norm before clipping")
    figure.suptitle(
        f"Vanilla RNN at spectral radius {settings['radius']:g}, N={settings['distractors']}, "
        f"SGD lr {settings['learning_rate']:g}",
        fontsize=10,
    )
    figure.tight_layout()
    return figure


@serially
def plot_gates(trace: dict) -> Figure:
    """Heatmaps (unit x time) of the input, forget and output gates and the cell state for one sequence, and the
    cell state of the strongest memory unit for one sequence per class."""
    names = ("input", "forget", "output", "cell")
    figure = serial_figure(figsize=(9.0, 7.0), dpi=100)
    grid = figure.add_gridspec(3, 2)
    panels = [figure.add_subplot(grid[i // 2, i % 2]) for i in range(4)]
    for axes, name in zip(panels, names):
        values = np.asarray(trace["gates"][name][0]).T  # (unit, time) of the first class's sequence
        limits = {"vmin": 0.0, "vmax": 1.0, "cmap": "viridis"}
        if name == "cell":
            bound = float(np.abs(values).max()) or 1.0
            limits = {"vmin": -bound, "vmax": bound, "cmap": "coolwarm"}
        image = axes.imshow(values, aspect="auto", interpolation="nearest", **limits)
        axes.set_title(f"{name} {'state' if name == 'cell' else 'gate'} (class 0 sequence)", fontsize=9)
        axes.set_yticks(range(len(trace["units"])), [f"u{u}" for u in trace["units"]], fontsize=7)
        axes.set_xlabel("time step (0 = first word)", fontsize=8)
        figure.colorbar(image, ax=axes)
    lines = figure.add_subplot(grid[2, :])
    unit = 0  # the strongest memory unit
    for label, cell in zip(trace["labels"], trace["gates"]["cell"]):
        lines.plot([step[unit] for step in cell], label=f"first word = class {label}")
    lines.set_title(
        f"cell state of unit u{trace['units'][unit]}, one line per first word (same distractors after it)",
        fontsize=9,
    )
    lines.set_xlabel("time step")
    lines.legend(fontsize=7, ncol=4)
    figure.tight_layout()
    return figure
