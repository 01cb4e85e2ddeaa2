"""The Write tab (rnnhub.demo.write and its wiring in rnnhub.demo.app): the text streams in growing chunks that
start with the prompt, bad input is refused before any model loads, an absent writer is named, Stop ends the
generation thread, and the app builds with and without writer folders.

A tiny random character-level writer (tests/builders.py) and the published word-level LM (model_cards/lstm-lm-en)
stand in for the writers: the plumbing is tested, not what they write."""

import threading
from pathlib import Path

import gradio as gr
import pytest

from builders import never_called, save_tiny_writer
from rnnhub.demo import app, catalog, write
from rnnhub.demo.cache import ModelCache
from rnnhub.publish.hub import model_info

LM_FOLDER = Path(__file__).resolve().parents[2] / "model_cards" / "lstm-lm-en"


@pytest.fixture(scope="module")
def writer_dir(tmp_path_factory):
    return save_tiny_writer(tmp_path_factory.mktemp("writers") / "tiny-writer-plays")


@pytest.fixture
def only_plays(monkeypatch, writer_dir):
    """A registry holding the tiny plays writer and nothing else (whatever model_cards/ holds)."""
    monkeypatch.setattr(catalog, "list_models", lambda: [model_info(writer_dir)])
    return writer_dir


@pytest.fixture
def no_writers(monkeypatch):
    monkeypatch.setattr(catalog, "list_models", lambda: [])


def _write(prompt, *, model, length=60, **settings):
    writing = write.prepare(prompt, length=length, model=str(model), cache=ModelCache(), **settings)
    return list(writing), writing.result


def _check_growing(chunks, prompt):
    assert len(chunks) >= 3, chunks
    for before, after in zip(chunks, chunks[1:]):
        assert after.startswith(before) and len(after) > len(before)
    assert all(chunk.startswith(prompt) for chunk in chunks)


# ---------------------------------------------------------------------------------------------------------------
# Streaming


@pytest.mark.parametrize("prompt", ["ROMEO:", "X:1\nT:", "def fib(n):\n    "])
def test_a_character_writer_streams_growing_chunks(writer_dir, prompt):
    chunks, result = _write(prompt, model=writer_dir, length=60)
    _check_growing(chunks, prompt)  # the prompt's line breaks and trailing spaces are kept
    assert result["text"] == chunks[-1] and result["prompt"] == prompt
    # The tiny writer never writes a special token: one character per new token, all of them shown.
    assert result["new_tokens"] == 60 and len(chunks[-1]) == len(prompt) + 60
    assert result["stopped_by"] == "length" and result["model"] == "tiny-writer-plays"
    assert result["temperature"] == 0.8 and result["top_p"] == 0.95


def test_the_word_level_lm_continues_the_prompt():
    chunks, result = _write("The house", model=LM_FOLDER, length=40, temperature=0.7, top_p=0.9)
    assert chunks[0] == "The house" and len(chunks[-1]) > len("The house")
    assert all(chunk.startswith("The house") for chunk in chunks)
    assert 0 < result["new_tokens"] <= 40 and result["stopped_by"] in ("length", "end of text")


def test_stop_ends_the_generation_thread(writer_dir):
    writing = write.prepare("ROMEO:", length=write.MAX_NEW_TOKENS, model=str(writer_dir), cache=ModelCache())
    chunks = iter(writing)
    next(chunks)
    writing.stop()
    rest = list(chunks)
    assert writing.result["stopped_by"] == "stopped"
    assert writing.result["new_tokens"] < write.MAX_NEW_TOKENS
    assert rest[-1] == writing.result["text"]
    assert not any(t.name == "rnnhub-write" and t.is_alive() for t in threading.enumerate())


def test_closing_the_stream_ends_the_generation_thread(writer_dir):
    """What gradio does when the page's Stop button cancels the event (it closes the generator)."""
    writing = write.prepare("ROMEO:", length=write.MAX_NEW_TOKENS, model=str(writer_dir), cache=ModelCache())
    chunks = iter(writing)
    next(chunks)
    next(chunks)
    chunks.close()  # joins the worker: it stops after its current step
    assert writing.stopped.is_set()
    assert not any(t.name == "rnnhub-write" and t.is_alive() for t in threading.enumerate())


def test_a_failing_generation_is_raised_not_hung(writer_dir, monkeypatch):
    cache = ModelCache()
    writing = write.prepare("ROMEO:", length=10, model=str(writer_dir), cache=cache)

    def broken(*args, **kwargs):
        raise RuntimeError("out of cheese")

    monkeypatch.setattr(writing.model, "generate", broken)
    with pytest.raises(RuntimeError, match="out of cheese"):
        list(writing)


# ---------------------------------------------------------------------------------------------------------------
# Bad input: refused before any model loads (nothing allocated for an absurd length)


@pytest.mark.parametrize(
    ("prompt", "settings", "message"),
    [
        ("", {}, "The prompt is empty"),
        ("  \n\t", {}, "The prompt is empty"),
        (None, {}, "The prompt is empty"),
        (42, {}, "must be a string, got int"),
        ("x" * (write.MAX_PROMPT_CHARS + 1), {}, "2,001 characters long; the demo reads at most 2,000"),
        ("ROMEO \ud83d", {}, "lone surrogate"),
        (
            "ROMEO:",
            {"length": write.MAX_NEW_TOKENS + 1},
            "whole number of characters from 1 to 2,000, got 2001",
        ),
        ("ROMEO:", {"length": 10**12}, "from 1 to 2,000"),
        ("ROMEO:", {"length": 0}, "from 1 to 2,000"),
        ("ROMEO:", {"length": 2.5}, "from 1 to 2,000"),
        ("ROMEO:", {"length": "lots"}, "The length must be a number, got 'lots'"),
        ("ROMEO:", {"length": float("inf")}, "The length must be a number"),
        ("ROMEO:", {"temperature": 0}, "temperature must be above 0 and at most 5"),
        ("ROMEO:", {"temperature": -1.0}, "temperature must be above 0"),
        ("ROMEO:", {"temperature": 50}, "temperature must be above 0 and at most 5"),
        ("ROMEO:", {"temperature": float("nan")}, "The temperature must be a number"),
        ("ROMEO:", {"top_p": 0}, "top-p must be above 0 and at most 1"),
        ("ROMEO:", {"top_p": 1.5}, "top-p must be above 0 and at most 1"),
        ("ROMEO:", {"top_p": True}, "The top-p must be a number"),
    ],
)
def test_bad_input_gets_a_clear_message_before_any_model_loads(monkeypatch, prompt, settings, message):
    monkeypatch.setattr(write, "load_writer", never_called)
    with pytest.raises(ValueError, match=message):
        write.prepare(prompt, "Plays", **settings)


def test_check_settings_accepts_slider_values():
    assert write.check_settings(0.8, 0.95, 400.0) == (0.8, 0.95, 400)
    assert write.check_settings("1", 1, write.MAX_NEW_TOKENS) == (1.0, 1.0, write.MAX_NEW_TOKENS)


# ---------------------------------------------------------------------------------------------------------------
# Which writers are there


def test_an_absent_writer_is_named(only_plays):
    assert list(catalog.writer_models()) == ["Plays"]
    with pytest.raises(
        ValueError, match=r"The Music writer is not published yet \(expected model_cards/lstm-writer-music/;"
    ):
        write.prepare("X:1\nT:", "Music")
    with pytest.raises(ValueError, match="writer='Poems' is not one of Plays, Programs, Music"):
        write.prepare("ROMEO:", "Poems")
    writing = write.prepare("ROMEO:", "Plays", length=5, cache=ModelCache())
    assert list(writing)[-1].startswith("ROMEO:") and writing.result["model"] == "tiny-writer-plays"


def test_no_writer_at_all_is_said_plainly(no_writers):
    assert catalog.writer_models() == {}
    with pytest.raises(
        ValueError, match="No writer is published yet .*lstm-writer-plays/, .*lstm-writer-music/"
    ):
        write.prepare("ROMEO:", "Plays")


def test_a_folder_without_tokenizer_json_is_not_a_writer(tmp_path, writer_dir, monkeypatch):
    import shutil

    broken = tmp_path / "lstm-writer-programs"
    shutil.copytree(writer_dir, broken)
    (broken / "tokenizer.json").unlink()
    monkeypatch.setattr(catalog, "list_models", lambda: [model_info(broken)])
    assert catalog.writer_models() == {}


def test_abc_note_names_missing_header_fields():
    assert "has its X:, M:, L: and K: header fields" in write.abc_note("X:1\nT:Air\nM:6/8\nL:1/8\nK:G\nGAB|")
    assert "lacks the header field(s) M:, L:" in write.abc_note("X:1\nT:Air\nK:G\nGAB|")
    assert "ABC player" in write.abc_note("")


# ---------------------------------------------------------------------------------------------------------------
# The app: the tab's handler and the layout with and without writers


def test_write_fn_streams_then_reports(only_plays):
    steps = list(app.write_fn("ROMEO:", "Plays", 0.8, 0.95, 50))
    texts = [text for text, _, _ in steps]
    _check_growing(texts[:-1], "ROMEO:")
    assert all(raw is None for _, _, raw in steps[:-1]) and "Writing" in steps[0][1]
    text, details, raw = steps[-1]
    assert text == raw["text"] and len(text) == len("ROMEO:") + 50
    assert "`tiny-writer-plays`: 50 new characters" in details and "stopped by length" in details


def test_write_fn_adds_the_abc_note_for_music(monkeypatch, only_plays):
    monkeypatch.setattr(catalog, "WRITERS", {"Music": "-writer-plays"})  # the tiny writer plays a musician
    *_, (text, details, raw) = app.write_fn("X:1\nT:", "Music", 0.8, 0.95, 20)
    assert raw["writer"] == "Music" and "ABC player" in details


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", "Plays", 0.8, 0.95, 50), "The prompt is empty"),
        (("X:1", "Music", 0.8, 0.95, 50), "Music writer"),
    ],
)
def test_write_fn_bad_input_is_a_gradio_error(only_plays, args, message):
    with pytest.raises(gr.Error, match=message):
        list(app.write_fn(*args))


def _component(demo, elem_id):
    (found,) = [block for block in demo.blocks.values() if getattr(block, "elem_id", None) == elem_id]
    return found


def _markdown_texts(demo):
    return [block.value for block in demo.blocks.values() if isinstance(block, gr.Markdown) and block.value]


def test_the_app_builds_without_writers(no_writers):
    demo = app.build_demo()
    assert _component(demo, "write-writer").choices == []
    assert any("No writer is published yet" in text for text in _markdown_texts(demo))
    assert "write" in {fn.api_name for fn in demo.fns.values()}


def test_the_app_builds_with_a_writer(only_plays):
    demo = app.build_demo()
    writer = _component(demo, "write-writer")
    assert [value for _, value in writer.choices] == ["Plays"] and writer.value == "Plays"
    notices = [text for text in _markdown_texts(demo) if "writers are not published yet" in text]
    assert notices == [
        "> **Not available yet:** The Programs and Music writers are not published yet (expected "
        "model_cards/lstm-writer-programs/, model_cards/lstm-writer-music/; see `rnnhub models`)."
    ]
