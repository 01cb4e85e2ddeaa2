"""The demo's pictures as matplotlib figures (object API only: no pyplot state; rendered one at a time, see
:mod:`rnnhub.figures`): heatmaps and attention over a picture, which read better as images; the curves and bars
are native Gradio plots (:mod:`rnnhub.demo.plots`).

Every function takes the plain lists a view function returns and gives back a :class:`~matplotlib.figure.Figure`.
Token labels use a font list with a Chinese fallback, so Chinese tokens are drawn when such a font is installed
(``fonts-wqy-microhei`` on Debian; ``make install`` adds it).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import font_manager
from matplotlib.figure import Figure

from rnnhub.figures import serial_figure, serially, set_margins, text_inches

__all__ = [
    "attention_heatmap",
    "caption_attention",
    "gate_heatmap",
    "message_figure",
    "token_font",
]

_CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)
_CJK_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
GATE_PANELS = {"lstm": ("input", "forget", "output", "cell"), "gru": ("reset", "update")}
_MAX_TICKS = 60  # beyond this many tokens, label every k-th one


@functools.cache
def token_font() -> list[str]:
    """Font families for token labels: DejaVu Sans, then the first Chinese-capable font matplotlib can find
    (registering a known system font file if matplotlib's font cache predates its installation)."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in known:
            return ["DejaVu Sans", family]
    for path in _CJK_FILES:
        if Path(path).is_file():
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            return ["DejaVu Sans", font_manager.FontProperties(fname=path).get_name()]
    return ["DejaVu Sans"]


_TOKEN_SIZE = 8  # points
_TOKEN_ROTATION = 60  # degrees, x-axis token labels


def _token_ticks(axes: Any, tokens: Sequence[str], axis: str = "x") -> list[str]:
    """Label ``axis`` with the tokens (every k-th beyond :data:`_MAX_TICKS`); the labels shown."""
    step = max(1, -(-len(tokens) // _MAX_TICKS))
    positions = list(range(0, len(tokens), step))
    labels = [str(tokens[i]) for i in positions]
    if axis == "x":
        axes.set_xticks(
            positions,
            labels,
            rotation=_TOKEN_ROTATION,
            ha="right",
            fontsize=_TOKEN_SIZE,
            fontfamily=token_font(),
        )
    else:
        axes.set_yticks(positions, labels, fontsize=_TOKEN_SIZE, fontfamily=token_font())
    return labels


def _rotated_labels_inches(labels: Sequence[str]) -> float:
    """How far below the axes the x-axis token labels reach (inches), ticks and padding included."""
    angle = np.deg2rad(_TOKEN_ROTATION)
    reach = 0.0
    for label in labels:
        width, height = text_inches(label, size=_TOKEN_SIZE, family=token_font())
        reach = max(reach, width * np.sin(angle) + height * np.cos(angle))
    return reach + 0.25  # tick (3.5 pt), label pad (3.5 pt) and a border


@serially
def message_figure(text: str, size: tuple[float, float] = (6.4, 1.2)) -> Figure:
    """A small figure that only says ``text`` (e.g. "a vanilla RNN has no gates")."""
    figure = serial_figure(figsize=size, dpi=100)
    axes = figure.add_subplot()
    axes.axis("off")
    axes.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, wrap=True)
    return figure


def _width(tokens: int) -> float:
    return float(min(14.0, max(6.4, 0.28 * tokens + 2.0)))


@serially
def gate_heatmap(trace: dict) -> Figure:
    """Heatmaps (unit x token) of the gates of the top layer (LSTM: input, forget, output gates and the cell
    state; GRU: reset and update gates). A vanilla RNN has no gates: the figure says so."""
    names = [name for name in GATE_PANELS.get(trace["cell_type"], ()) if name in trace["gates"]]
    if not names:
        return message_figure(
            f"A vanilla {trace['cell_type'].upper()} has no gates: nothing decides what to keep."
        )
    tokens = trace["tokens"]
    figure = serial_figure(figsize=(_width(len(tokens)), 1.9 * len(names) + 1.0), dpi=100)
    panels = figure.subplots(len(names), 1, sharex=True, squeeze=False)[:, 0]
    for axes, name in zip(panels, names):
        values = np.asarray(trace["gates"][name]).T  # (unit, token)
        limits = {"vmin": 0.0, "vmax": 1.0, "cmap": "viridis"}
        if name == "cell":
            bound = float(np.abs(values).max()) or 1.0
            limits = {"vmin": -bound, "vmax": bound, "cmap": "coolwarm"}
        image = axes.imshow(values, aspect="auto", interpolation="nearest", **limits)
        mean = float(np.mean(values)) if values.size else 0.0
        kind = "state" if name == "cell" else "gate"
        axes.set_title(f"{name} {kind} per unit (mean {mean:.2f})", fontsize=9)
        axes.set_ylabel("unit", fontsize=8)
        figure.colorbar(image, ax=axes, pad=0.01)
    labels = _token_ticks(panels[-1], tokens)
    # Inches: unit ticks and label on the left, the colorbars' ticks fit inside, each panel's title above it.
    set_margins(figure, left=0.7, right=0.15, top=0.35, bottom=_rotated_labels_inches(labels), gap=0.45)
    return figure


@serially
def attention_heatmap(
    source_tokens: Sequence[str],
    target_tokens: Sequence[str],
    attention: Any,
    *,
    source_label: str = "source token",
    target_label: str = "generated token",
) -> Figure:
    """Rows: generated target tokens (or words); columns: source tokens (or words); cell: attention weight."""
    weights = np.asarray(attention, dtype=float)
    if weights.ndim != 2 or weights.size == 0:
        return message_figure("No attention weights to show (the translation is empty).")
    width = min(14.0, max(5.0, 0.45 * len(source_tokens) + 2.5))
    height = min(14.0, max(3.0, 0.35 * len(target_tokens) + 1.8))
    figure = serial_figure(figsize=(width, height), dpi=100)
    axes = figure.add_subplot()
    image = axes.imshow(weights, aspect="auto", interpolation="nearest", cmap="Blues", vmin=0.0, vmax=1.0)
    below = _token_ticks(axes, list(source_tokens))
    beside = _token_ticks(axes, list(target_tokens), axis="y")
    axes.set_xlabel(source_label)
    axes.set_ylabel(target_label)
    axes.set_title("Where the decoder looked for each word", fontsize=10)
    figure.colorbar(image, ax=axes, pad=0.01)
    # Inches: the widest target token and the axis label on the left, the rotated source tokens and the axis
    # label below, the title above; the colorbar's ticks fit inside.
    widest = max(
        (text_inches(label, size=_TOKEN_SIZE, family=token_font())[0] for label in beside), default=0
    )
    set_margins(figure, left=widest + 0.45, right=0.15, top=0.35, bottom=_rotated_labels_inches(below) + 0.25)
    return figure


@serially
def caption_attention(image: Any, words: Sequence[str], attention: Any, *, columns: int = 4) -> Figure:
    """The image the model saw, then one panel per generated word with its attention map stretched over it."""
    pixels = np.asarray(image)
    maps = [np.asarray(grid, dtype=float) for grid in attention]
    panels = 1 + len(maps)
    columns = max(1, min(columns, panels))
    rows = -(-panels // columns)
    figure = serial_figure(figsize=(2.3 * columns, 2.4 * rows), dpi=100)
    axes_grid = figure.subplots(rows, columns, squeeze=False)
    height, width = pixels.shape[:2]
    for index, axes in enumerate(axes_grid.flat):
        axes.axis("off")
        if index >= panels:
            continue
        axes.imshow(pixels)
        if index == 0:
            axes.set_title("input", fontsize=9)
            continue
        weights = maps[index - 1]
        peak = float(weights.max()) or 1.0
        axes.imshow(
            weights / peak, cmap="magma", alpha=0.6, extent=(0, width, height, 0), interpolation="bilinear"
        )
        axes.set_title(words[index - 1], fontsize=9, fontfamily=token_font())
    figure.tight_layout()
    return figure
