"""The Gradio app: one ``gr.Blocks`` with a tab per capability, each with examples and a stable API endpoint.

``build_demo()`` only lays out components (reading the registry's card metadata to list models); every model
loads on first use through :mod:`rnnhub.demo.loaders`. The handlers in the tab modules raise ``ValueError`` for
bad input; here that becomes ``gr.Error``, which Gradio shows as a message (and returns to API clients) while the
app keeps serving.

API endpoints (``gradio_client.Client(url).predict(..., api_name=...)``):

==================  ==============================================  =========================================
api_name            inputs                                          outputs
==================  ==============================================  =========================================
/sentiment          text, language, cell                            label, details, curve, gates, json
/sentiment_compare  text, language                                  curves, table (markdown), json
/translate          text, direction, beams                          translation, details, attention, json
/caption            image (file), beams                             caption, details, model's view, maps, json
/write              prompt, writer, temperature, top-p, length      text (streamed), details, json
/lab_gradients      cells, radii, steps                             cells chart, radius chart, json
/lab_memory_table   (none)                                          chart, table (markdown)
/lab_memory         N, cells                                        bars, json
/lab_gates          text                                            details, gates, json
/models             (none)                                          table
/model_card         name                                            card (markdown), eval report json
==================  ==============================================  =========================================

Curves and bars (belief after each token, the cells compared, the live memory run) are native ``gr.LinePlot`` /
``gr.BarPlot`` charts (:mod:`rnnhub.demo.plots`; API clients get their data as a table); heatmaps, attention over a
picture and the memory lab's committed figures stay images (:mod:`rnnhub.demo.charts`). Clicking an example runs it.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no network: never phone home

import gradio as gr  # noqa: E402
from PIL import Image  # noqa: E402

from rnnhub.demo import captioning, catalog, charts, lab, models_tab, plots, sentiment, translation, write  # noqa: E402
from rnnhub.demo.caption_examples import CLIPART, EMOJI, LABELS, NEVER_SEEN, SEEN, SEEN_VARIANT  # noqa: E402
from rnnhub.demo.native_memory import bound_native_memory  # noqa: E402
from rnnhub.demo.text_input import MAX_BEAMS  # noqa: E402

__all__ = [
    "BUSY_MESSAGE",
    "CONCURRENCY_LIMIT",
    "CSS",
    "QUEUE_SIZE",
    "REASONS",
    "SESSION_CAPACITY",
    "UPLOAD_CACHE_SECONDS",
    "URL_REFUSED",
    "build_demo",
    "launch",
    "refuse_url_downloads",
]

logger = logging.getLogger(__name__)

# Two requests run at once (the models are small and CPU-bound); up to QUEUE_SIZE more wait their turn.
CONCURRENCY_LIMIT = 2
QUEUE_SIZE = 64
# gradio keeps, per session (a browser tab, a gradio_client.Client), a copy of every component's config with the
# session's last inputs and outputs (plots as base64 images), for 10,000 sessions by default, so the server grew with
# every new visitor (docs/demo.md, "Memory"). The app keeps nothing per session that it needs (no gr.State, no
# component updates; the status lines read REASONS), so a session whose copy was dropped gets a fresh one and works
# as before.
SESSION_CAPACITY = 32
# gradio's delete_cache: (how often to check, the age at which uploaded files are deleted), in seconds.
UPLOAD_CACHE_SECONDS = (3600, 3600)
DEFAULT_CARD = "lstm-sentiment-rt-en"  # the card the models tab opens with, when published
DISPLAY_SIZE = 192  # pixels: how large the captioning tab shows the model's input picture
# Gradio recognises a progress parameter by its default's type; the object itself keeps no per-request state
# (it reports through the request's context), so one instance serves every handler.
PROGRESS = gr.Progress()

INTRO = """# rnnhub: recurrent networks you can watch

Vanilla RNN, GRU and LSTM as Hugging Face models, trained on public corpora. Each tab runs a published model from
`model_cards/` (loaded on first use) and shows what happens inside it. Every tab is also an API endpoint
(see "Use via API" at the bottom of the page)."""


class Reasons:
    """Why the last request of each (browser session, tab) failed, for the status line next to the input: the
    error toast fades after a few seconds, this stays until the input changes or a request of that tab works.
    Bounded: the oldest sessions are forgotten first (API clients never read theirs)."""

    def __init__(self, size: int = 1024) -> None:
        self._reasons: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def put(self, session: str, tab: str, reason: str) -> None:
        with self._lock:
            self._reasons[(session, tab)] = reason
            self._reasons.move_to_end((session, tab))
            while len(self._reasons) > self._size:
                self._reasons.popitem(last=False)

    def get(self, session: str, tab: str) -> str:
        with self._lock:
            return self._reasons.get((session, tab), "")


REASONS = Reasons()


def _call(
    function: Callable[..., Any],
    *args: Any,
    tab: str | None = None,
    request: gr.Request | None = None,
    **kwargs: Any,
) -> Any:
    """Run a handler; a ValueError is the user's to fix and is shown as is, anything else is reported briefly
    (never a stack trace in the UI) and logged. The message is also kept for ``tab``'s status line."""
    try:
        return function(*args, **kwargs)
    except ValueError as error:
        message = str(error)
    except Exception as error:  # the app must keep serving whatever one request hit
        logger.exception("demo handler %s failed", getattr(function, "__name__", function))
        message = f"Something went wrong ({type(error).__name__}: {error}). The app is still running; try another input."
    session = getattr(request, "session_hash", None)
    if tab is not None and session:
        REASONS.put(session, tab, message)
    raise gr.Error(message, print_exception=False) from None


def status_text(reason: str) -> str:
    """The status line for a failed request (empty when there is nothing to report)."""
    return f"**Not done:** {reason}" if reason else ""


def _failed_status(tab: str) -> Callable[..., str]:
    def show(request: gr.Request) -> str:
        return status_text(REASONS.get(getattr(request, "session_hash", None) or "", tab))

    return show


def _blank(count: int) -> Callable[..., Any]:
    """A handler that empties ``count`` outputs (results that belong to an input that has changed)."""

    def blank(*_: Any) -> Any:
        return None if count == 1 else [None] * count

    return blank


# Small bookkeeping events: not API endpoints, never queued behind a model, no progress overlay.
_QUIET = {"api_visibility": "private", "show_progress": "hidden", "concurrency_limit": None}


def _report(event: Any, tab: str, status: Any) -> Any:
    """After ``event``: the reason in ``status`` when it failed (the toast is shown too), an empty status when it
    worked."""
    event.success(_blank(1), None, status, **_QUIET)
    event.failure(_failed_status(tab), None, status, **_QUIET)
    return event


def _run_on_click(
    examples: gr.Examples,
    function: Callable[..., Any],
    inputs: Sequence[Any],
    outputs: Sequence[Any],
    **kwargs: Any,
) -> Any:
    """Clicking one of ``examples`` fills the inputs, then runs ``function`` on them: the event, for the caller to
    :func:`_report` like the tab's button (gr.Examples' own ``run_on_click`` could not be reported). The call sites
    pass ``cache_examples=False``: a Space would otherwise run every example at start-up, its default there."""
    return examples.load_input_event.then(
        function, list(inputs), list(outputs), api_visibility="private", **kwargs
    )


def _clear_on_change(inputs: Sequence[Any], outputs: Sequence[Any]) -> None:
    """Results belong to the input that made them: when any of ``inputs`` changes, ``outputs`` are emptied."""
    for component in inputs:
        component.change(_blank(len(outputs)), None, list(outputs), **_QUIET)


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


# ---------------------------------------------------------------------------------------------------------------
# Sentiment


def _trace_json(result: dict[str, Any]) -> dict[str, Any]:
    """The result for the JSON output and API clients: the per-token trace without the per-unit gate values
    (their per-token means stay), which would be hundreds of kB for a paragraph."""
    trace = {key: value for key, value in result["trace"].items() if key != "gates"}
    return {**{key: value for key, value in result.items() if key != "trace"}, "trace": trace}


def _sentiment_details(result: dict[str, Any]) -> str:
    lines = [
        f"**{result['label']}** ({_percent(result['confidence'])}) from `{result['model']}` "
        f"({result['cell_type']}, {result['trace']['num_tokens']} tokens)."
    ]
    lines += [f"- {note}" for note in result["notes"]]
    return "\n".join(lines)


def sentiment_fn(
    text: str, language: str, cell: str, request: gr.Request = None, progress: gr.Progress = PROGRESS
) -> tuple:
    result = _call(
        sentiment.classify, text, language, cell, tab="sentiment", request=request, progress=progress
    )
    trace = result["trace"]
    return (
        result["probabilities"],
        _sentiment_details(result),
        plots.belief_curve(trace),
        charts.gate_heatmap(trace),
        _trace_json(result),
    )


def compare_fn(
    text: str, language: str, request: gr.Request = None, progress: gr.Progress = PROGRESS
) -> tuple:
    results = _call(
        sentiment.compare_cells, text, language, tab="sentiment", request=request, progress=progress
    )
    rows = ["| cell | model | label | confidence |", "|---|---|---|---|"]
    rows += [
        f"| {cell} | `{r['model']}` | {r['label']} | {_percent(r['confidence'])} |"
        for cell, r in results.items()
    ]
    curves = plots.compare_curves({cell: r["trace"] for cell, r in results.items()})
    return curves, "\n".join(rows), {cell: _trace_json(r) for cell, r in results.items()}


def lab_gates_fn(text: str, request: gr.Request = None, progress: gr.Progress = PROGRESS) -> tuple:
    result = _call(
        sentiment.classify, text, "English", "lstm", tab="lab-gates", request=request, progress=progress
    )
    return _sentiment_details(result), charts.gate_heatmap(result["trace"]), _trace_json(result)


# ---------------------------------------------------------------------------------------------------------------
# Translation and captioning


def _metric(result: dict[str, Any]) -> str:
    """The model's headline metric from its card, e.g. " (card: BLEU 3.85 (test))", when it came from the registry."""
    return f" (card: {result['model_metric']})" if result.get("model_metric") not in (None, "-") else ""


# How the heatmap reads words made of several BPE pieces (the UI says so next to the "pieces" option).
WORDS_NOTE = (
    "Words: a source word's weight is the sum over its BPE pieces; a generated word's row is the mean over its "
    "pieces (rows still sum to 1). Tick the box to see the pieces themselves."
)


def attention_figure(result: dict[str, Any] | None, pieces: bool = False) -> Any:
    """The attention heatmap of a :func:`rnnhub.demo.translation.translate` result, over words or BPE pieces."""
    from rnnhub.translation.view import word_attention

    if not result:
        return None
    if pieces:
        return charts.attention_heatmap(result["source_tokens"], result["target_tokens"], result["attention"])
    words = word_attention(
        result["source_tokens"],
        result["target_tokens"],
        result["attention"],
        result.get("special_tokens", ()),
    )
    return charts.attention_heatmap(
        words["source_words"],
        words["target_words"],
        words["attention"],
        source_label="source word (sum over its pieces)",
        target_label="generated word (mean over its pieces)",
    )


def translate_fn(
    text: str, direction: str, beams: float, request: gr.Request = None, progress: gr.Progress = PROGRESS
) -> tuple:
    result = _call(
        translation.translate, text, direction, beams, tab="translation", request=request, progress=progress
    )
    details = f"`{result['model']}`{_metric(result)}, beam size {result['num_beams']}."
    if result.get("truncated"):
        details += " The source was cut to the model's maximum length."
    return result["translation"], details, attention_figure(result), result


def attention_fn(result: dict[str, Any] | None, pieces: bool) -> Any:
    return _call(attention_figure, result, pieces)


def caption_fn(
    image: Any, beams: float, request: gr.Request = None, progress: gr.Progress = PROGRESS
) -> tuple:
    result = _call(captioning.caption, image, beams, tab="captioning", request=request, progress=progress)
    figure = charts.caption_attention(result["image"], result["words"], result["attention"])
    details = f"`{result['model']}`{_metric(result)}, beam size {result['num_beams']}, attention over a " + (
        "{}x{} feature grid.".format(*result["grid_size"])
    )
    payload = {key: value for key, value in result.items() if key != "image"}
    seen = result["image"]
    scale = max(
        1, DISPLAY_SIZE // max(seen.size)
    )  # enlarge the small model input for display, pixels kept sharp
    seen = seen.resize((seen.width * scale, seen.height * scale), Image.Resampling.NEAREST)
    return result["caption"], details, seen, figure, payload


# ---------------------------------------------------------------------------------------------------------------
# Write


def _write_details(result: dict[str, Any]) -> str:
    speed = result["new_tokens"] / result["seconds"] if result["seconds"] > 0 else 0.0
    details = (
        f"`{result['model']}`{_metric(result)}: {result['new_tokens']} new characters in {result['seconds']:.1f} s "
        f"({speed:.0f}/s), temperature {result['temperature']:g}, top-p {result['top_p']:g}; stopped by "
        f"{result['stopped_by']}."
    )
    if result.get("writer") == "Music":
        details += "\n\n" + write.abc_note(result["text"])
    return details


def write_fn(
    prompt: str,
    writer: str,
    temperature: float,
    top_p: float,
    length: float,
    request: gr.Request = None,
    progress: gr.Progress = PROGRESS,
):
    """Stream the text as it is written: (text so far, details, json), the details and json at the end."""
    writing = _call(
        write.prepare,
        prompt,
        writer,
        temperature,
        top_p,
        length,
        tab="write",
        request=request,
        progress=progress,
    )
    chunks = iter(writing)
    text = None
    try:
        while True:
            chunk = _call(next, chunks, None, tab="write", request=request)
            if chunk is None:
                break
            text = chunk
            yield text, WRITING, None
    finally:
        chunks.close()  # ends the generation thread when the page stops the stream
    yield text, _write_details(writing.result), writing.result


WRITING = "*Writing ...* (press **Stop** to end it here)"
STOPPED = "**Stopped:** the text above is what the writer had written. Press **Write** for a new one."


def stopped_details(details: str | None) -> str | None:
    """The details line after Stop: says so while a text was being written, leaves a finished one's details."""
    return STOPPED if details == WRITING else details


# ---------------------------------------------------------------------------------------------------------------
# Why LSTM and Models


def image_selected(image: Any) -> str:
    """The captioning tab's status once a file is chosen: which one the app received (before any model runs)."""
    if not image:
        return ""
    path = Path(image)
    size = path.stat().st_size if path.is_file() else 0
    return f"Selected `{path.name}` ({size:,} bytes): press **Caption**."


def lab_gradients_fn(cells: list[str], radii: list[str], steps: float, request: gr.Request = None) -> tuple:
    result = _call(lab.gradient_flow_view, cells, radii, steps, tab="lab-gradients", request=request)
    empty = charts.message_figure("nothing chosen")
    return result["cells_figure"] or empty, result["radius_figure"] or empty, result["rows"]


@functools.cache
def _memory_table() -> tuple:
    result = lab.memory_table()
    return result["figure"], result["markdown"]


def lab_memory_table_fn() -> tuple:
    return _call(_memory_table)


def lab_memory_fn(
    distractors: float, variants: list[str], request: gr.Request = None, progress: gr.Progress = PROGRESS
) -> tuple:
    result = _call(
        lab.memory_live, distractors, variants, tab="lab-memory", request=request, progress=progress
    )
    return result["bars"], {"settings": result["settings"], "rows": result["rows"]}


def models_fn() -> list[list[Any]]:
    return _call(models_tab.model_rows)


def model_card_fn(name: str, request: gr.Request = None) -> tuple:
    result = _call(models_tab.model_card, name, tab="models", request=request)
    return result["card"], result["eval_report"]


# ---------------------------------------------------------------------------------------------------------------
# Layout


def _notice(lines: list[str]) -> str:
    return "\n".join(f"> **Not available yet:** {line}" for line in lines)


def _status(elem_id: str) -> Any:
    """The status line next to a tab's input: why the last request failed (the toast fades, this stays)."""
    return gr.Markdown(elem_id=elem_id, elem_classes=["rnnhub-status"])


def _sentiment_tab() -> None:
    gr.Markdown(
        "Type a sentence: the classifier's label and confidence, how its belief moved after each token, and what "
        "its gates did (LSTM: input, forget, output gates and the cell state; GRU: reset and update gates)."
    )
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label="Text", lines=3, elem_id="sentiment-text")
        with gr.Column(scale=1):
            language = gr.Radio(list(sentiment.LANGUAGE_CODES), value="English", label="Language")
            cell = gr.Radio(list(catalog.CELLS), value="lstm", label="Cell")
    with gr.Row():
        run = gr.Button("Classify", variant="primary", elem_id="sentiment-run")
        compare = gr.Button("Compare rnn / gru / lstm", elem_id="sentiment-compare")
    status = _status("sentiment-status")
    examples = gr.Examples(sentiment.EXAMPLES, inputs=[text, language, cell], cache_examples=False)
    with gr.Row():
        label = gr.Label(label="Prediction", num_top_classes=2, elem_id="sentiment-label")
        details = gr.Markdown(elem_id="sentiment-details")
    curve = gr.LinePlot(
        label="Belief after each token", x_title="token", elem_id="sentiment-curve", **plots.BELIEF_PLOT
    )
    gates = gr.Plot(label="Gates per token", show_label=False)
    with gr.Accordion("Compare the cells on this text", open=True):
        compare_plot = gr.LinePlot(
            label="P(positive) after each token, per cell",
            x_title="token",
            y_title="P(positive)",
            elem_id="sentiment-compare-curves",
            **plots.COMPARE_PLOT,
        )
        compare_table = gr.Markdown(elem_id="sentiment-compare-table")
        compare_json = gr.JSON(label="Raw results", max_height=220, elem_id="sentiment-compare-json")
    with gr.Accordion("Raw output (JSON)", open=False):
        raw = gr.JSON(label="Result")
    inputs = [text, language, cell]
    outputs = [label, details, curve, gates, raw]
    compared = [compare_plot, compare_table, compare_json]
    # A new text or language makes every result stale; a new cell only the single-cell one.
    _clear_on_change([text, language], [*outputs, *compared, status])
    _clear_on_change([cell], [*outputs, status])
    _report(run.click(sentiment_fn, inputs, outputs, api_name="sentiment"), "sentiment", status)
    _report(text.submit(sentiment_fn, inputs, outputs, api_visibility="private"), "sentiment", status)
    _report(_run_on_click(examples, sentiment_fn, inputs, outputs), "sentiment", status)
    _report(
        compare.click(compare_fn, [text, language], compared, api_name="sentiment_compare"),
        "sentiment",
        status,
    )


def _translation_tab() -> None:
    missing = [
        translation.not_published_message(direction)
        for direction in catalog.TRANSLATION_DIRECTIONS
        if not catalog.translation_models(direction)
    ]
    gr.Markdown(
        "An encoder-decoder with attention translates; the heatmap shows which source words the decoder looked at "
        "for each word it wrote. Larger beams search more candidate translations."
    )
    if missing:
        gr.Markdown(_notice(missing))
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label="Source text", lines=2, elem_id="translation-text")
        with gr.Column(scale=1):
            direction = gr.Radio(
                list(translation.SOURCE_LANGUAGE), value="German → English", label="Direction"
            )
            beams = gr.Slider(1, MAX_BEAMS, value=4, step=1, label="Beam size")
    run = gr.Button("Translate", variant="primary", elem_id="translation-run")
    status = _status("translation-status")
    examples = gr.Examples(translation.EXAMPLES, inputs=[text, direction, beams], cache_examples=False)
    output = gr.Textbox(label="Translation", elem_id="translation-output", interactive=False)
    details = gr.Markdown(elem_id="translation-details")
    with gr.Row():
        pieces = gr.Checkbox(False, label="Show BPE pieces instead of words", elem_id="translation-pieces")
        gr.Markdown(WORDS_NOTE)
    heatmap = gr.Plot(label="Attention", show_label=False, elem_id="translation-attention")
    with gr.Accordion("Raw output (JSON)", open=False):
        raw = gr.JSON(label="Result")
    outputs = [output, details, heatmap, raw]
    _clear_on_change([text, direction, beams], [*outputs, status])
    for event in (
        run.click(translate_fn, [text, direction, beams], outputs, api_name="translate"),
        text.submit(translate_fn, [text, direction, beams], outputs, api_visibility="private"),
        _run_on_click(examples, translate_fn, [text, direction, beams], outputs),
    ):
        _report(event, "translation", status)
        event.success(attention_fn, [raw, pieces], heatmap, **_QUIET)  # words or pieces, as the box says
    pieces.change(attention_fn, [raw, pieces], heatmap, **_QUIET)


URL_REFUSED = "The demo does not download images from URLs: download the picture, then upload the file."


def refuse_url_downloads(component: gr.components.Component) -> gr.components.Component:
    """``component`` (a ``gr.File``) made to refuse URLs: gradio fetches a URL sent to the API on the server
    before any handler runs (a DNS lookup, then the download); this answers :data:`URL_REFUSED` instead. Uploads
    work as before. (Wrapping the instance, not subclassing: gradio writes a ``.pyi`` stub next to the module of
    every Component subclass.)"""
    from gradio_client.utils import is_http_url_like

    def check(url_or_file_path: Any) -> None:
        if url_or_file_path is not None and is_http_url_like(str(url_or_file_path)):
            raise gr.Error(URL_REFUSED)

    move, async_move = component.move_resource_to_block_cache, component.async_move_resource_to_block_cache

    def move_resource_to_block_cache(url_or_file_path: Any) -> str | None:
        check(url_or_file_path)
        return move(url_or_file_path)

    async def async_move_resource_to_block_cache(url_or_file_path: Any) -> str | None:
        check(url_or_file_path)
        return await async_move(url_or_file_path)

    component.move_resource_to_block_cache = move_resource_to_block_cache
    component.async_move_resource_to_block_cache = async_move_resource_to_block_cache
    return component


def leave_image_checks_to_the_handler(component: gr.Image) -> gr.Image:
    """``component`` (a ``gr.Image(type="filepath")``) made to hand the uploaded file's path to the handler unopened.

    gr.Image opens every upload with PIL before any handler runs, so a text file named ``.png`` failed with gradio's
    generic "Error" and no reason; :func:`rnnhub.images.load_image` refuses non-images, truncated files and
    decompression bombs with a message that names the file. For a readable picture the path is what gr.Image
    would have given anyway (``image_mode=None``); a pasted picture sent inline (a ``data:`` URL) still goes
    through gr.Image. (Wrapping the instance, as :func:`refuse_url_downloads` does.)"""
    preprocess = component.preprocess

    def pass_the_path(payload: Any) -> Any:
        if payload is not None and payload.path and not str(payload.url or "").startswith("data:"):
            return str(payload.path)
        return preprocess(payload)

    component.preprocess = pass_the_path
    return component


# The example galleries of the captioning tab, one per kind (caption_examples.LABELS order): title, elem_id.
EXAMPLE_GALLERIES = {
    NEVER_SEEN: (
        "Emoji never seen in training (the test split: can it describe?)",
        "caption-examples-never-seen",
    ),
    SEEN_VARIANT: (
        "Other skin tones / genders of emoji seen in training (test_variants: does it recognise?)",
        "caption-examples-variants",
    ),
    SEEN: ("Pictures from the training split", "caption-examples-seen"),
}
# The clip-art examples' gallery: drawings from the clipart-captions test split, a corpus the model never saw.
CLIPART_GALLERY = (
    "Clip art never seen in training (clipart-captions test: other drawing styles, other things; the model "
    "was trained on emoji only)",
    "caption-examples-clipart",
)


def _caption_examples(image: Any, beams: Any) -> list[gr.Examples]:
    """The bundled examples, a gallery per corpus and label, each picture named with its reference caption and
    label (emoji galleries first, then clip art)."""
    groups = [(EMOJI, label, EXAMPLE_GALLERIES[label]) for label in LABELS]
    groups.append((CLIPART, NEVER_SEEN, CLIPART_GALLERY))
    galleries = []
    for corpus, label, (title, elem_id) in groups:
        chosen = [e for e in captioning.examples() if e.corpus == corpus and e.label == label]
        if chosen:
            galleries.append(
                gr.Examples(
                    [[str(captioning.EXAMPLE_DIR / example.file), 3] for example in chosen],
                    inputs=[image, beams],
                    label=title,
                    elem_id=elem_id,
                    example_labels=[example.title for example in chosen],
                    cache_examples=False,
                )
            )
    return galleries


def _captioning_tab() -> None:
    gr.Markdown(
        "A small CNN reads the picture, an LSTM with attention writes the caption; each panel shows where it "
        "looked while writing that word. The model was trained on emoji pictures, so it describes emoji. Upload "
        "a picture, paste one, take one with the webcam, or click an example: each says whether the model saw "
        "that emoji in training; the clip-art drawings show how far it is from describing pictures it never saw."
    )
    if not catalog.captioning_models():
        gr.Markdown(_notice([captioning.not_published_message()]))
    with gr.Row():
        with gr.Column():
            image = refuse_url_downloads(
                leave_image_checks_to_the_handler(
                    gr.Image(
                        label="Image (upload, paste or webcam)",
                        type="filepath",
                        sources=["upload", "clipboard", "webcam"],
                        height=DISPLAY_SIZE + 60,
                        elem_id="caption-image",
                    )
                )
            )
            beams = gr.Slider(1, MAX_BEAMS, value=3, step=1, label="Beam size")
            run = gr.Button("Caption", variant="primary", elem_id="caption-run")
            status = _status("caption-status")
            galleries = _caption_examples(image, beams)
        with gr.Column():
            output = gr.Textbox(label="Caption", elem_id="caption-output", interactive=False)
            details = gr.Markdown()
            seen = gr.Image(
                label="What the model saw", type="pil", interactive=False, height=DISPLAY_SIZE + 40
            )
    maps = gr.Plot(label="Attention per word", show_label=False)
    with gr.Accordion("Raw output (JSON)", open=False):
        raw = gr.JSON(label="Result")
    outputs = [output, details, seen, maps, raw]
    _clear_on_change([image, beams], outputs)
    image.change(image_selected, image, status, **_QUIET)  # also what the browser test waits for
    beams.change(_blank(1), None, status, **_QUIET)
    _report(run.click(caption_fn, [image, beams], outputs, api_name="caption"), "captioning", status)
    for gallery in galleries:
        _report(_run_on_click(gallery, caption_fn, [image, beams], outputs), "captioning", status)


def _write_tab() -> None:
    published = catalog.writer_models()
    gr.Markdown(
        "Character-level LSTMs that write: Shakespeare-style plays, Python programs, folk tunes in ABC notation. "
        "Give the start of a text; the writer continues it one character at a time and the text appears as it is "
        "written. Lower temperature and top-p write safer, more repetitive text."
    )
    if not published:
        gr.Markdown(_notice([write.not_published_message()]))
    elif len(published) < len(catalog.WRITERS):
        missing = [name for name in catalog.WRITERS if name not in published]
        gr.Markdown(_notice([write.not_published_message(missing)]))
    choices = list(published)
    with gr.Row():
        with gr.Column(scale=3):
            prompt = gr.Textbox(label="Prompt", value="ROMEO:", lines=3, elem_id="write-prompt")
        with gr.Column(scale=2):
            writer = gr.Radio(
                choices, value=choices[0] if choices else None, label="Writer", elem_id="write-writer"
            )
            temperature = gr.Slider(0.05, write.MAX_TEMPERATURE, value=0.8, step=0.05, label="Temperature")
            top_p = gr.Slider(0.05, 1.0, value=0.95, step=0.05, label="Top-p")
            length = gr.Slider(
                1,
                write.MAX_NEW_TOKENS,
                value=400,
                step=1,
                label="Length (new characters)",
                elem_id="write-length",
            )
    with gr.Row():
        run = gr.Button("Write", variant="primary", elem_id="write-run")
        stop = gr.Button("Stop", elem_id="write-stop")
    status = _status("write-status")
    runnable = [row for row in write.EXAMPLES if row[1] in published]
    if runnable:
        examples = gr.Examples(
            runnable, inputs=[prompt, writer, temperature, top_p, length], cache_examples=False
        )
    else:  # nothing to run them with: they only fill in the prompt
        gr.Examples([[row[0]] for row in write.EXAMPLES], inputs=[prompt], cache_examples=False)
    output = gr.Textbox(label="Text", lines=16, max_lines=40, interactive=False, elem_id="write-output")
    details = gr.Markdown(elem_id="write-details")
    with gr.Accordion("Raw output (JSON)", open=False):
        raw = gr.JSON(label="Result")
    inputs = [prompt, writer, temperature, top_p, length]
    outputs = [output, details, raw]
    _clear_on_change([prompt, writer], [*outputs, status])
    writing = [
        _report(
            run.click(write_fn, inputs, outputs, api_name="write", show_progress="minimal"), "write", status
        )
    ]
    if runnable:
        clicked = _run_on_click(examples, write_fn, inputs, outputs, show_progress="minimal")
        writing.append(_report(clicked, "write", status))
    # Cancel first, then say so: a chunk the writer sent before the cancel took effect must not land after (and
    # overwrite) the "Stopped" line, which it did under load when both were one event.
    stop.click(None, None, None, cancels=writing, **_QUIET).then(stopped_details, details, details, **_QUIET)


def _lab_tab() -> tuple:
    gr.Markdown(
        "The memory lab in small: why a vanilla RNN forgets and a gated cell remembers (full write-up with "
        "every figure and caveat: `docs/memory-lab.md`)."
    )
    gr.Markdown("### 1. Gradient flow back through time")
    with gr.Row():
        cells = gr.CheckboxGroup(list(lab.CELLS), value=list(lab.CELLS), label="Fresh cells")
        radii = gr.CheckboxGroup(
            [str(r) for r in lab.RADII],
            value=[str(r) for r in lab.RADII],
            label="Vanilla RNN spectral radius",
        )
        steps = gr.Slider(10, lab.MAX_STEPS, value=100, step=10, label="Steps")
    flow = gr.Button("Run", elem_id="lab-gradients-run")
    flow_status = _status("lab-gradients-status")
    with gr.Row():
        cells_plot = gr.Plot(label="Cells", show_label=False)
        radius_plot = gr.Plot(label="Spectral radius", show_label=False)
    flow_json = gr.JSON(
        label="first/last gradient norm ratio per run", elem_id="lab-gradients-json", max_height=220
    )
    flow_outputs = [cells_plot, radius_plot, flow_json]
    _clear_on_change([cells, radii, steps], [*flow_outputs, flow_status])
    _report(
        flow.click(lab_gradients_fn, [cells, radii, steps], flow_outputs, api_name="lab_gradients"),
        "lab-gradients",
        flow_status,
    )

    gr.Markdown(
        "### 2. Remember the first word\nThe label is the first token, N random tokens follow. Committed results "
        "(3 seeds, 800 steps, same parameter budget per cell):"
    )
    table_plot = gr.Plot(label="Accuracy against N (precomputed)", show_label=False)
    table = gr.Markdown(elem_id="lab-memory-table")  # full width: beside the plot its columns were squeezed
    gr.Markdown("A quick live run (150 steps, one seed, a second or two per cell):")
    with gr.Row():
        distractors = gr.Slider(1, lab.MAX_LIVE_DISTRACTORS, value=25, step=1, label="N (distractor tokens)")
        variants = gr.CheckboxGroup(
            ["rnn", "gru", "lstm", "lstm-bias1"], value=list(lab.CELLS), label="Cells"
        )
    live = gr.Button("Train", elem_id="lab-memory-run")
    live_status = _status("lab-memory-status")
    live_plot = gr.BarPlot(
        label="Live run: held-out accuracy per cell",
        y_title="held-out accuracy",
        elem_id="lab-memory-bars",
        **plots.MEMORY_PLOT,
    )
    live_json = gr.JSON(label="Live run numbers", elem_id="lab-memory-json", max_height=220)
    _clear_on_change([distractors, variants], [live_plot, live_json, live_status])
    _report(
        live.click(lab_memory_fn, [distractors, variants], [live_plot, live_json], api_name="lab_memory"),
        "lab-memory",
        live_status,
    )

    gr.Markdown("### 3. The LSTM's gates on your own sentence (English sentiment LSTM)")
    sentence = gr.Textbox(
        label="Sentence", value="not bad at all, a genuinely funny film", lines=1, elem_id="lab-gates-text"
    )
    gates_run = gr.Button("Show gates", elem_id="lab-gates-run")
    gates_status = _status("lab-gates-status")
    gates_details = gr.Markdown(elem_id="lab-gates-details")
    gates_plot = gr.Plot(label="Gates per token", show_label=False)
    gates_json = gr.JSON(label="Trace", visible=False)
    gates_outputs = [gates_details, gates_plot, gates_json]
    _clear_on_change([sentence], [*gates_outputs, gates_status])
    _report(
        gates_run.click(lab_gates_fn, [sentence], gates_outputs, api_name="lab_gates"),
        "lab-gates",
        gates_status,
    )
    return lab_memory_table_fn, [table_plot, table]


def _models_tab() -> None:
    gr.Markdown("The published model folders (`model_cards/`), with the headline metric from each card.")
    table = gr.Dataframe(
        value=models_tab.model_rows(),
        headers=models_tab.COLUMNS,
        interactive=False,
        wrap=True,
        elem_id="models-table",
    )
    refresh = gr.Button("Refresh")
    refresh.click(models_fn, None, table, api_name="models")
    names = [row[0] for row in models_tab.model_rows()]
    # Custom values pass through to the handler, which names the published models when one is unknown.
    default = DEFAULT_CARD if DEFAULT_CARD in names else (names[0] if names else None)
    choice = gr.Dropdown(
        names, value=default, label="Model card", allow_custom_value=True, elem_id="model-card-choice"
    )
    status = _status("model-card-status")
    with gr.Row():
        first = models_tab.model_card(default) if default else {"card": "", "eval_report": None}
        with gr.Column(scale=3):
            card = gr.Markdown(first["card"], elem_id="model-card")
        with gr.Column(scale=2):
            report = gr.JSON(first["eval_report"], label="eval_report.json")
    _report(choice.change(model_card_fn, choice, [card, report], api_name="model_card"), "models", status)


def build_demo() -> gr.Blocks:
    """The whole app (not launched). Cheap: no model loads until a request needs one."""
    # Uploads older than an hour are deleted (checked hourly), and all of them when the server stops.
    with gr.Blocks(title="rnnhub demo", delete_cache=UPLOAD_CACHE_SECONDS) as demo:
        gr.Markdown(INTRO)
        with gr.Tabs():
            with gr.Tab("Sentiment", id="sentiment"):
                _sentiment_tab()
            with gr.Tab("Translation", id="translation"):
                _translation_tab()
            with gr.Tab("Captioning", id="captioning"):
                _captioning_tab()
            with gr.Tab("Write", id="write"):
                _write_tab()
            with gr.Tab("Why LSTM", id="lab"):
                table_fn, table_outputs = _lab_tab()
            with gr.Tab("Models", id="models"):
                _models_tab()
        demo.load(table_fn, None, table_outputs, api_name="lab_memory_table")
    demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)
    _say_busy_when_full(demo)
    return demo


BUSY_MESSAGE = (
    "The demo is busy: {running} requests run at a time and {waiting} more are waiting, the most it holds. "
    "Try again in a moment."
)


def _say_busy_when_full(demo: gr.Blocks) -> None:
    """A full queue answers HTTP 503 with gradio's "Queue is full. Max size is 64 and size is 64."; say it in
    words instead (the page itself shows gradio's "This application is currently busy. Please try again.")."""
    queue = demo._queue
    push = queue.push

    async def push_or_say_busy(*args: Any, **kwargs: Any):
        success, detail, state = await push(*args, **kwargs)
        if state == "queue_full":
            detail = BUSY_MESSAGE.format(running=CONCURRENCY_LIMIT, waiting=queue.max_size)
        return success, detail, state

    queue.push = push_or_say_busy


# The memory table keeps each header and cell on one line (it used to wrap mid-word: "mo del", "hid de n") and
# scrolls sideways on a narrow screen instead of squeezing; a status line reads as a note, not as a result.
CSS = """
#lab-memory-table { overflow-x: auto; }
#lab-memory-table th, #lab-memory-table td { white-space: nowrap; word-break: normal; overflow-wrap: normal; }
.rnnhub-status { min-height: 0; }
"""


def launch(
    demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, share: bool = False, **kwargs: Any
) -> Any:
    """Serve ``demo`` (blocking unless ``prevent_thread_lock=True`` is passed); ``quiet=True`` silences gradio's
    own start-up lines (``rnnhub demo`` prints its own). First bounds the process's native memory
    (:mod:`rnnhub.demo.native_memory`: oneDNN's kernel cache and glibc's mmap threshold, without which the server's
    memory rises with traffic)."""
    bound_native_memory()
    return demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        allowed_paths=[str(captioning.EXAMPLE_DIR)],
        max_file_size=captioning.MAX_UPLOAD_BYTES,  # bigger uploads are refused before they reach a handler
        state_session_capacity=SESSION_CAPACITY,
        css=CSS,
        **kwargs,
    )
