"""Figures render one at a time (concurrent requests in the demo render log-axis plots from several threads), and
the demo's per-request figures lay themselves out with fixed margins that keep every label inside."""

import io
import threading

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from rnnhub.demo import charts
from rnnhub.figures import RENDER_LOCK, serial_figure, set_margins, text_inches
from rnnhub.lab.plots import plot_gradient_flow


def _log_axis_png() -> bytes:
    figure = serial_figure(figsize=(3, 2), dpi=50)
    axes = figure.add_subplot()
    axes.semilogy([1, 2, 3], [1e-3, 1.0, 1e3])  # tick labels in mathtext: $\mathdefault{10^{0}}$
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def test_concurrent_rendering_of_log_axes_succeeds():
    # The parser race is rare (seen under the soak's load, not reproducible on demand); this checks that serial
    # rendering works from many threads, the next test that savefig really holds the lock.
    errors, sizes = [], []

    def work():
        try:
            for _ in range(5):
                sizes.append(len(_log_axis_png()))
        except Exception as error:  # noqa: BLE001 - collected and asserted on below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(sizes) == 40 and min(sizes) > 1000


def _held_elsewhere() -> bool:
    """Whether another thread than the caller's holds RENDER_LOCK (it cannot take it without waiting)."""
    taken = []

    def attempt():
        if RENDER_LOCK.acquire(blocking=False):
            taken.append(True)
            RENDER_LOCK.release()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return not taken


def test_savefig_holds_the_render_lock_and_the_lab_uses_serial_figures():
    # A plain Figure (gradio tells a matplotlib figure by its class's module), its savefig under the lock.
    seen = []
    figure = serial_figure(figsize=(2, 2), dpi=30)
    figure.add_subplot().plot([0, 1])
    original = figure.canvas.print_figure
    figure.canvas.print_figure = lambda *a, **k: seen.append(_held_elsewhere()) or original(*a, **k)
    figure.savefig(io.BytesIO(), format="png")
    assert seen == [True] and not _held_elsewhere()
    runs = [{"cell_type": "lstm", "norms": [1.0, 0.5, 0.25], "first_over_last": 0.25}]
    flow = plot_gradient_flow(runs)
    assert type(flow) is Figure and flow.savefig.__wrapped__ is not None
    # ...and builds it under the lock (tight_layout lays text out too): another thread cannot enter meanwhile.
    entered = []
    with RENDER_LOCK:
        thread = threading.Thread(target=lambda: entered.append(plot_gradient_flow(runs)))
        thread.start()
        thread.join(timeout=1.0)
        assert not entered  # blocked while the lock is held
    thread.join()
    assert len(entered) == 1


def test_set_margins_places_the_grid_in_inches_whatever_the_size():
    figure = Figure(figsize=(8.0, 5.0), dpi=100)
    top, bottom = figure.subplots(2, 1)
    set_margins(figure, left=1.0, right=0.5, top=0.25, bottom=0.75, gap=0.5)
    pars = figure.subplotpars
    assert (pars.left * 8, (1 - pars.right) * 8, (1 - pars.top) * 5, pars.bottom * 5) == pytest.approx(
        (1.0, 0.5, 0.25, 0.75)
    )
    # The gap between the rows: the top of the lower panel to the bottom of the upper one, in inches.
    assert (top.get_position().y0 - bottom.get_position().y1) * 5 == pytest.approx(0.5)
    # Colorbars nest each axes and its bar in a grid of their own: the gap is still between the figure's rows.
    figure = Figure(figsize=(8.0, 5.0), dpi=100)
    panels = figure.subplots(4, 1)  # 4: each bar's own grid has 3 rows
    for axes in panels:
        figure.colorbar(axes.imshow(np.zeros((2, 2))), ax=axes)
    set_margins(figure, left=1.0, right=0.5, top=0.25, bottom=0.75, gap=0.3)
    gaps = [
        (upper.get_position().y0 - lower.get_position().y1) * 5 for upper, lower in zip(panels, panels[1:])
    ]
    assert gaps == pytest.approx([0.3, 0.3, 0.3])
    with pytest.raises(ValueError, match="no room"):
        set_margins(figure, left=4.0, right=4.0, top=0.1, bottom=0.1)


def test_text_inches_grows_with_the_text_and_the_size():
    short, tall = text_inches("ab", size=8), text_inches("ab", size=16)
    assert 0 < short[0] < text_inches("abcdefgh", size=8)[0]
    assert tall == pytest.approx((2 * short[0], 2 * short[1]), rel=0.1)


def _labels_inside(figure: Figure) -> None:
    """Everything each axes draws (tick labels, axis labels, title, legend) lies inside the figure, a pixel of
    slack, as drawn."""
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer, box = canvas.get_renderer(), figure.bbox
    for axes in figure.axes:
        extent = axes.get_tightbbox(renderer)
        inside = box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1 and box.y0 - 1 <= extent.y0
        assert inside and extent.y1 <= box.y1 + 1, (
            f"{axes.get_title() or axes} draws at {extent}, outside {box}"
        )


LONG_TOKENS = ["a", "extraordinarily", "unforgettable", "performance", "质量非常好", "<eos>"]


def test_the_gate_heatmap_keeps_long_and_chinese_tokens_and_titles_clear():
    rng = np.random.default_rng(0)
    gates = {name: rng.random((len(LONG_TOKENS), 32)).tolist() for name in ("input", "forget", "output")}
    gates["cell"] = (4 * rng.standard_normal((len(LONG_TOKENS), 32))).tolist()
    figure = charts.gate_heatmap({"cell_type": "lstm", "tokens": LONG_TOKENS, "gates": gates})
    _labels_inside(figure)
    renderer = figure.canvas.get_renderer()  # the Agg canvas _labels_inside drew on
    panels = [axes for axes in figure.axes if axes.get_title()]
    assert len(panels) == 4
    for upper, lower in zip(panels, panels[1:]):  # a panel's title stays below the panel above it
        assert lower.title.get_window_extent(renderer).y1 <= upper.get_window_extent(renderer).y0


def test_the_attention_heatmap_and_the_gradient_flow_keep_their_labels_inside():
    attention = np.full((3, len(LONG_TOKENS)), 1 / len(LONG_TOKENS))
    _labels_inside(charts.attention_heatmap(LONG_TOKENS, ["Unforgettable", "质量", "<eos>"], attention))
    runs = [{"cell_type": "rnn", "norms": np.logspace(0, -40, 50).tolist(), "first_over_last": 1e-40}]
    _labels_inside(plot_gradient_flow(runs))  # log ticks down to 10^-40
