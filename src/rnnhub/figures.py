"""Figures that render one at a time.

The demo hands matplotlib figures to gradio, which renders each in a worker thread; several requests render at
once. matplotlib's mathtext parser (log-axis tick labels such as ``$\\mathdefault{10^{0}}$``) is shared state and
not thread-safe: under concurrent requests it raised ``ParseException`` and the request failed (found by
``bench/demo_soak.py`` with 4 clients). Both places that lay text out hold one process-wide lock: the
functions that build a figure (``tight_layout`` draws it), decorated with :func:`serially`, and the figure's
``savefig``, the call every renderer makes, gradio's included: :func:`serial_figure` makes a plain
:class:`~matplotlib.figure.Figure` (gradio recognises matplotlib figures by their class's module, so no subclass)
whose ``savefig`` takes the lock.

Figures the demo draws on every request set their margins in inches with :func:`set_margins` instead of
``tight_layout``: ``tight_layout`` lays the whole figure out once more to measure it, which cost a third of the
``/lab_gates`` and ``/lab_gradients`` requests' time (``bench/bench_figures.py``). Text whose size varies (token
labels) is measured from the font's metrics by :func:`text_inches`, without drawing.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

RENDER_LOCK = threading.RLock()  # re-entrant: a figure builder may save a figure


def serially(function):
    """``function`` (one that builds a figure) run under :data:`RENDER_LOCK`."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any):
        with RENDER_LOCK:
            return function(*args, **kwargs)

    return run


def serial_figure(**kwargs: Any) -> Figure:
    """``Figure(**kwargs)`` whose ``savefig`` never runs beside another serial figure's."""
    figure = Figure(**kwargs)
    unlocked = figure.savefig

    @functools.wraps(unlocked)
    def savefig(*args: Any, **options: Any):
        with RENDER_LOCK:
            return unlocked(*args, **options)

    figure.savefig = savefig
    return figure


def text_inches(text: str, *, size: float, family: Sequence[str] | str | None = None) -> tuple[float, float]:
    """Width and height (inches) of ``text`` on one line at ``size`` points, from the font's metrics (plain
    text, no mathtext; nothing is drawn)."""
    font = FontProperties(size=size, family=family)
    width, height, _ = text_to_path.get_text_width_height_descent(text, font, ismath=False)
    return width / 72.0, height / 72.0


def set_margins(
    figure: Figure, *, left: float, right: float, top: float, bottom: float, gap: float = 0.0
) -> None:
    """The subplots' margins in inches (left, right, top and bottom of the grid; ``gap``: between rows),
    whatever the figure's size."""
    width, height = figure.get_size_inches()
    # The figure's own grid: a colorbar nests its axes and the bar in a grid of their own inside one cell.
    spec = figure.axes[0].get_subplotspec() if figure.axes else None
    rows = spec.get_topmost_subplotspec().get_gridspec().nrows if spec is not None else 1
    axes_height = (height - top - bottom - (rows - 1) * gap) / rows
    if min(width - left - right, axes_height) <= 0:
        raise ValueError(
            f"margins {left, right, top, bottom, gap} leave no room in a {width}x{height} in figure"
        )
    figure.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        hspace=gap / axes_height,
    )
