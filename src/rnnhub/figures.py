"""Figures that render one at a time.

The demo hands matplotlib figures to gradio, which renders each in a worker thread; several requests render at
once. matplotlib's mathtext parser (log-axis tick labels such as ``$\\mathdefault{10^{0}}$``) is shared state and
not thread-safe: under concurrent requests it raised ``ParseException`` and the request failed (found by
``bench/demo_soak.py`` with 4 clients). Both places that lay text out hold one process-wide lock: the
functions that build a figure (``tight_layout`` draws it), decorated with :func:`serially`, and the figure's
``savefig``, the call every renderer makes, gradio's included: :func:`serial_figure` makes a plain
:class:`~matplotlib.figure.Figure` (gradio recognises matplotlib figures by their class's module, so no subclass)
whose ``savefig`` takes the lock.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from matplotlib.figure import Figure

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
