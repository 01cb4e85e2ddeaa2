"""The demo's line and bar charts as tables for Gradio's native plots (``gr.LinePlot`` / ``gr.BarPlot``).

A native plot is drawn in the browser: hovering a point names its token and value, the legend hides a series, and
the chart resizes with the page. That reads better than a picture for a curve over tokens or a handful of bars.
Heatmaps (gates, attention), pictures with attention over them and the memory lab's committed figures (a band over
seeds, log-scaled gradient norms) stay matplotlib images (:mod:`rnnhub.demo.charts`): the native plots draw
neither heatmaps, bands nor a log axis.

Every function takes the plain lists a view function returns and gives back a :class:`pandas.DataFrame` in long
form (one row per point); the ``*_PLOT`` dicts are the matching component settings, so the layout and the data
agree on the column names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = [
    "BELIEF_PLOT",
    "COMPARE_PLOT",
    "MEMORY_PLOT",
    "belief_curve",
    "compare_curves",
    "memory_bars",
    "token_axis",
]

TOKEN, STEP = "token", "step"
# Line plots over tokens: x is "<step> <token>" (tokens repeat; the step keeps each point its own; the browser
# sorts the labels as text, which zero-padded steps keep in reading order), y a probability.
BELIEF_PLOT = {
    "x": TOKEN,
    "y": "probability",
    "color": "label",
    "y_lim": [0, 1],
    "x_label_angle": -60,
    "tooltip": [STEP, TOKEN, "label", "probability"],
    "color_map": {"P(positive)": "green", "P(negative)": "red"},
}
COMPARE_PLOT = {**BELIEF_PLOT, "color": "cell", "tooltip": [STEP, TOKEN, "cell", "probability"]}
COMPARE_PLOT["color_map"] = {"rnn": "red", "gru": "blue", "lstm": "green"}
MEMORY_PLOT = {
    "x": "variant",
    "y": "accuracy",
    "color": "kind",
    "y_lim": [0, 1],
    "tooltip": ["variant", "accuracy", "distractors"],
    "color_map": {"trained": "steelblue", "chance": "gray"},
}


def token_axis(tokens: Sequence[str]) -> list[str]:
    """The x labels of a curve over ``tokens``: "1 not", "2 bad", ..., steps zero-padded to one width ("01 not"
    once there are ten or more), so that sorting them as text keeps reading order."""
    width = len(str(len(tokens)))
    return [f"{step:0{width}d} {token}" for step, token in enumerate(tokens, start=1)]


def _curve(tokens: Sequence[str], values: Sequence[float], series: str, name: str) -> list[dict[str, Any]]:
    return [
        {STEP: step, TOKEN: label, series: name, "probability": float(value)}
        for step, (label, value) in enumerate(zip(token_axis(tokens), values), start=1)
    ]


def belief_curve(trace: dict) -> pd.DataFrame:
    """P(label) after every token, one series per label (``rnnhub.sentiment.view.sentiment_trace`` output)."""
    rows: list[dict[str, Any]] = []
    for index, label in enumerate(trace["labels"]):
        values = [row[index] for row in trace["probabilities"]]
        rows += _curve(trace["tokens"], values, "label", f"P({label})")
    return pd.DataFrame(rows, columns=[STEP, TOKEN, "label", "probability"])


def compare_curves(traces: dict[str, dict], label: str = "positive") -> pd.DataFrame:
    """P(``label``) after each token for several models (cell type -> trace) on the same text; a model without
    that label contributes its last label."""
    rows: list[dict[str, Any]] = []
    for cell, trace in traces.items():
        index = trace["labels"].index(label) if label in trace["labels"] else len(trace["labels"]) - 1
        rows += _curve(trace["tokens"], [row[index] for row in trace["probabilities"]], "cell", cell)
    return pd.DataFrame(rows, columns=[STEP, TOKEN, "cell", "probability"])


def memory_bars(rows: Sequence[dict], chance: float) -> pd.DataFrame:
    """Held-out accuracy per variant of a live "remember the first word" run, and a bar for chance."""
    distractors = rows[0]["distractors"] if rows else None
    bars = [
        {
            "variant": row["variant"],
            "accuracy": float(row["accuracy"]),
            "kind": "trained",
            "distractors": distractors,
        }
        for row in rows
    ]
    bars.append(
        {"variant": "chance", "accuracy": float(chance), "kind": "chance", "distractors": distractors}
    )
    return pd.DataFrame(bars, columns=["variant", "accuracy", "kind", "distractors"])
