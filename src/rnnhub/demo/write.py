"""The Write tab: a character-level writer (plays, programs, music) continues a prompt, and the text streams in.

:func:`prepare` checks the request and loads the model (``ValueError`` for anything the user must fix, before any
memory is spent on generating); the :class:`Writing` it returns is an iterator of growing texts. ``generate()``
runs on a worker thread and hands its text to a ``transformers.TextIteratorStreamer``; closing the iterator (the
page's Stop button, a client that goes away) or calling :meth:`Writing.stop` ends that thread within one step.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from rnnhub.demo import catalog
from rnnhub.demo.cache import ModelCache
from rnnhub.demo.loaders import Progress, load_writer, report

__all__ = [
    "EXAMPLES",
    "MAX_NEW_TOKENS",
    "MAX_PROMPT_CHARS",
    "MAX_SECONDS",
    "MAX_TEMPERATURE",
    "WRITERS",
    "Writing",
    "abc_note",
    "check_prompt",
    "check_settings",
    "not_published_message",
    "prepare",
]

WRITERS = tuple(catalog.WRITERS)
# prompt, writer, temperature, top-p, length
EXAMPLES = [
    ["ROMEO:", "Plays", 0.8, 0.95, 400],
    ["def fibonacci(", "Programs", 0.6, 0.95, 300],
    ["X:1\nT:", "Music", 0.8, 0.95, 400],
]
# One new token is one character for the writers. 2,000 characters take seconds on a CPU and a few kB of state;
# the bound is checked before generate() is called, so an absurd length costs nothing.
MAX_NEW_TOKENS = 2000
MAX_PROMPT_CHARS = 2000
MAX_TEMPERATURE = 5.0
# A safety net beside the length bound: no request holds one of the app's two workers longer than this.
MAX_SECONDS = 120.0
# How long the streaming side waits for text before it checks again whether the worker thread is still alive.
POLL_SECONDS = 0.5


def not_published_message(writers: str | list[str] | None = None) -> str:
    """Which writers are missing and where their folders belong; ``None``: none is published at all."""
    if writers is None:
        folders = ", ".join(f"model_cards/lstm{fragment}/" for fragment in catalog.WRITERS.values())
        return f"No writer is published yet (expected one of {folders}; see `rnnhub models`)."
    names = [writers] if isinstance(writers, str) else list(writers)
    folders = ", ".join(f"model_cards/lstm{catalog.WRITERS[name]}/" for name in names)
    which = f"The {names[0]} writer is" if len(names) == 1 else f"The {' and '.join(names)} writers are"
    return f"{which} not published yet (expected {folders}; see `rnnhub models`)."


def check_prompt(prompt: Any) -> str:
    """``prompt`` as typed (its spaces and line breaks are part of what the model continues); ValueError when it
    is not a string, blank, too long, or not encodable."""
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise ValueError(f"The prompt must be a string, got {type(prompt).__name__}.")
    if not prompt.strip():
        raise ValueError(
            'The prompt is empty: type the start of a text (e.g. "ROMEO:", "def fibonacci(", "X:1\\nT:") or pick '
            "one of the examples."
        )
    from rnnhub.tokenization import check_encodable

    check_encodable(prompt)
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ValueError(
            f"The prompt is {len(prompt):,} characters long; the demo reads at most {MAX_PROMPT_CHARS:,}. "
            "A line or two is enough for the writer to pick up the style."
        )
    return prompt


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise ValueError(f"The {name} must be a number, got {value!r}.")
    return number


def check_settings(temperature: Any, top_p: Any, length: Any) -> tuple[float, float, int]:
    """(temperature, top_p, new tokens), checked; ValueError naming the allowed range otherwise."""
    temperature_value = _number(temperature, "temperature")
    if not 0 < temperature_value <= MAX_TEMPERATURE:
        raise ValueError(
            f"The temperature must be above 0 and at most {MAX_TEMPERATURE:g}, got {temperature!r} (lower is safer "
            "and more repetitive; 0.5-1.0 reads best)."
        )
    top_p_value = _number(top_p, "top-p")
    if not 0 < top_p_value <= 1:
        raise ValueError(
            f"top-p must be above 0 and at most 1, got {top_p!r} (1 samples from every character)."
        )
    length_value = _number(length, "length")
    if length_value != int(length_value) or not 1 <= length_value <= MAX_NEW_TOKENS:
        raise ValueError(
            f"The length must be a whole number of characters from 1 to {MAX_NEW_TOKENS:,}, got {length!r}: "
            "a longer text would hold the demo's CPU for too long. Continue from the end of the text instead."
        )
    return temperature_value, top_p_value, int(length_value)


def abc_note(text: str) -> str:
    """What a generated ABC tune needs to be playable, in one line: the header fields present or missing."""
    fields = {line[:2] for line in text.splitlines() if len(line) > 1 and line[1] == ":"}
    missing = [field for field in ("X:", "M:", "L:", "K:") if field not in fields]
    paste = (
        "paste the text into any ABC player or editor (abcjs, EasyABC, abc2midi) to hear it and see the score"
    )
    if missing:
        return f"The tune lacks the header field(s) {', '.join(missing)}; an ABC player may refuse it. Otherwise, {paste}."
    return f"The tune has its X:, M:, L: and K: header fields: {paste}."


class _StopWhenSet:
    """A generate() stopping criterion: stop every row once ``event`` is set (the Stop button, a closed stream)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full(
            (input_ids.shape[0],), self.event.is_set(), dtype=torch.bool, device=input_ids.device
        )


class Writing:
    """One generation in progress: iterate it for the growing text (the prompt as typed, then the continuation);
    :attr:`result` describes the finished run. Iterating starts the worker thread; closing the iterator, or
    :meth:`stop`, ends it."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        prompt: str,
        settings: tuple[float, float, int],
        info: dict[str, Any],
    ) -> None:
        self.model, self.tokenizer, self.prompt = model, tokenizer, prompt
        self.temperature, self.top_p, self.max_new_tokens = settings
        self.info = info
        self.stopped = threading.Event()
        self.stop_requested = False
        self.result: dict[str, Any] = {}

    def stop(self) -> None:
        """End the generation after its current step (from any thread)."""
        self.stop_requested = True
        self.stopped.set()

    def __iter__(self) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteriaList, TextIteratorStreamer

        encoded = self.tokenizer(self.prompt, return_tensors="pt")
        input_ids = encoded["input_ids"]
        # The continuation is what the model adds to its own reading of the prompt (a word-level tokenizer may
        # change the prompt's case or spacing); the page shows the prompt as typed.
        prompt_read = self.tokenizer.decode(input_ids[0], skip_special_tokens=True)
        streamer = TextIteratorStreamer(self.tokenizer, timeout=POLL_SECONDS, skip_special_tokens=True)
        failure: list[BaseException] = []
        output: list[Any] = []

        def work() -> None:
            try:
                output.append(
                    self.model.generate(
                        input_ids,
                        attention_mask=torch.ones_like(input_ids),
                        do_sample=True,
                        temperature=self.temperature,
                        top_p=self.top_p,
                        top_k=0,  # top-p alone decides (transformers would add its default top-k of 50)
                        max_new_tokens=self.max_new_tokens,
                        max_time=MAX_SECONDS,
                        stopping_criteria=StoppingCriteriaList([_StopWhenSet(self.stopped)]),
                        streamer=streamer,
                    )
                )
            except BaseException as error:  # handed to the streaming side, which raises it
                failure.append(error)
                streamer.end()

        worker = threading.Thread(target=work, name="rnnhub-write", daemon=True)
        start = time.perf_counter()
        worker.start()
        read, shown = "", None
        try:
            while True:
                try:
                    piece = next(streamer)
                except StopIteration:
                    break
                except queue.Empty:
                    if not worker.is_alive() and streamer.text_queue.empty():
                        break
                    continue
                read += piece
                text = self.prompt + read[len(prompt_read) :] if read.startswith(prompt_read) else self.prompt
                if text != shown:
                    shown = text
                    yield text
        finally:
            self.stopped.set()  # a no-op when generation ended by itself; ends it when the stream was closed
            worker.join()
        if failure:
            raise failure[0]
        new_tokens = int(output[0].shape[1] - input_ids.shape[1]) if output else 0
        seconds = time.perf_counter() - start
        eos = self.tokenizer.eos_token_id
        ended = bool(output) and new_tokens > 0 and int(output[0][0, -1]) == eos
        if ended:
            reason = "end of text"
        elif new_tokens >= self.max_new_tokens:
            reason = "length"
        else:
            reason = "stopped" if self.stop_requested else "time limit"
        final = shown if shown is not None else self.prompt
        self.result = {
            **self.info,
            "text": final,
            "prompt": self.prompt,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_new_tokens": self.max_new_tokens,
            "new_tokens": new_tokens,
            "seconds": round(seconds, 3),
            "stopped_by": reason,
        }
        if shown is None:  # nothing was generated (an end of text straight away): the prompt is the text
            yield final


def prepare(
    prompt: Any,
    writer: str | None = "Plays",
    temperature: Any = 0.8,
    top_p: Any = 0.95,
    length: Any = 400,
    *,
    model: str | None = None,
    progress: Progress | None = None,
    cache: ModelCache | None = None,
) -> Writing:
    """Check the request, load the writer for ``writer`` (a key of :data:`WRITERS`; or ``model``, any causal LM
    folder or registry name) and return the :class:`Writing` to iterate.

    Raises:
        ValueError: a blank / over-long prompt, a temperature, top-p or length out of range, an unknown writer,
            or no model published for it.
    """
    prompt = check_prompt(prompt)
    settings = check_settings(temperature, top_p, length)
    metric = None
    if model is None:
        if writer not in catalog.WRITERS:
            raise ValueError(f"writer={writer!r} is not one of {', '.join(WRITERS)}: pick one of them.")
        published = catalog.writer_models()
        if writer not in published:
            raise ValueError(not_published_message(writer if published else None))
        model, metric = published[writer].path, published[writer].metric
    name = model.rstrip("/").split("/")[-1]
    lm, tokenizer = load_writer(model, progress, cache)
    report(progress, 0.5, f"writing with {name}")
    return Writing(lm, tokenizer, prompt, settings, {"model": name, "model_metric": metric, "writer": writer})
