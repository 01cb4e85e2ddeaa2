"""Figures that render one at a time.

The demo hands matplotlib figures to gradio, which renders each in a worker thread; several requests render at
once. matplotlib's mathtext parser (log-axis tick labels such as ``$\\mathdefault{10^{0}}$``) is shared state and
not thread-safe: under concurrent requests it raised ``ParseException`` and the request failed (found by
``bench/demo_soak.py`` with 4 clients). :class:`SerialFigure` is a :class:`~matplotlib.figure.Figure` whose
``savefig`` (the call every renderer makes, gradio's included) holds one process-wide lock.
"""

from __future__ import annotations

import threading

from matplotlib.figure import Figure

RENDER_LOCK = threading.Lock()


class SerialFigure(Figure):
    """A Figure whose rendering (``savefig``) never runs beside another SerialFigure's."""

    def savefig(self, *args, **kwargs):
        with RENDER_LOCK:
            return super().savefig(*args, **kwargs)
