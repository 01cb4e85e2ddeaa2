"""The demo served on a free loopback port and called through every API endpoint with gradio_client, including
bad input (a clear error, the app keeps serving) and 20 concurrent requests."""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from builders import free_port, save_tiny_captioner, save_tiny_translator, save_tiny_writer
from rnnhub.demo import captioning
from rnnhub.demo.app import CONCURRENCY_LIMIT, REASONS, Reasons, _call, build_demo, launch, status_text

POSITIVE = "A wonderful, moving film with brilliant performances."
NEGATIVE = "A dull, boring and badly acted mess."


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """Tiny translation, captioning and writer folders: the endpoints work whether or not real ones are published
    (a published model ranks above these, which have no card metric)."""
    root = tmp_path_factory.mktemp("registry")
    save_tiny_translator(root / "tiny-translation-de-en")
    save_tiny_translator(root / "tiny-translation-en-zh")
    save_tiny_captioner(root / "tiny-captioning-emoji")
    save_tiny_writer(root / "tiny-writer-plays")
    return root


@pytest.fixture(scope="module")
def client(models_dir):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RNNHUB_MODELS_DIR", str(models_dir))
        demo = build_demo()
        port = free_port()
        launch(demo, port=port, prevent_thread_lock=True, quiet=True)
        try:
            yield Client(f"http://127.0.0.1:{port}/", verbose=False)
        finally:
            demo.close()


def test_every_endpoint_is_listed(client):
    endpoints = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert endpoints == {
        "/sentiment",
        "/sentiment_compare",
        "/translate",
        "/caption",
        "/write",
        "/lab_gradients",
        "/lab_memory_table",
        "/lab_memory",
        "/lab_gates",
        "/models",
        "/model_card",
    }


def test_sentiment(client):
    label, details, curve, gates, raw = client.predict(POSITIVE, "English", "lstm", api_name="/sentiment")
    assert label["label"] == "positive" and raw["label"] == "positive"
    assert "lstm-sentiment-rt-en" in details and gates
    assert curve["columns"] == ["step", "token", "label", "probability"]  # the native line plot's table
    assert len(curve["data"]) == 2 * raw["trace"]["num_tokens"]  # a point per token and label
    assert len(raw["trace"]["probabilities"]) == raw["trace"]["num_tokens"]
    label, *_ = client.predict("太差了，质量很差，非常失望。", "Chinese", "lstm", api_name="/sentiment")
    assert label["label"] == "negative"


def test_sentiment_compare(client):
    _, table, raw = client.predict(NEGATIVE, "English", api_name="/sentiment_compare")
    assert set(raw) == {"rnn", "gru", "lstm"} and all(r["label"] == "negative" for r in raw.values())
    assert "| rnn |" in table


@pytest.mark.parametrize(
    ("args", "api_name", "message"),
    [
        (("", "English", "lstm"), "/sentiment", "empty"),
        (("word " * 20_000, "English", "lstm"), "/sentiment", "99,999 characters"),
        (("这部电影很好看", "English", "lstm"), "/sentiment", "mostly Chinese characters"),
        (("a good film", "Chinese", "lstm"), "/sentiment", "no Chinese characters"),
        (("我没有时间", "German → English", 2), "/translate", "mostly Chinese"),
        (("", "English → Chinese", 2), "/translate", "empty"),
        (([], [], 100), "/lab_gradients", "Choose at least one"),
        ((5, []), "/lab_memory", "Choose at least one cell"),
        ((0, ["lstm"]), "/lab_memory", "Value 0 is less than minimum value 1"),  # Gradio's own slider check
        (("",), "/lab_gates", "empty"),
        (("", "Plays", 0.8, 0.95, 50), "/write", "The prompt is empty"),
        (("ROMEO:", "Plays", 0.8, 0.95, 2001), "/write", "Value 2001 is greater than maximum value 2000"),
        (("no-such-model",), "/model_card", "not a published model"),
    ],
)
def test_bad_input_gets_a_clear_message(client, args, api_name, message):
    with pytest.raises(AppError, match=message):
        client.predict(*args, api_name=api_name)


def test_translate(client):
    for text, direction in (
        ("das Haus ist klein", "German → English"),
        ("the house is small", "English → Chinese"),
    ):
        translation, details, heatmap, raw = client.predict(text, direction, 3, api_name="/translate")
        assert isinstance(translation, str) and raw["num_beams"] == 3 and "beam size 3" in details
        assert len(raw["attention"]) == len(raw["target_tokens"]) and heatmap


def test_write_streams(client):
    """A streaming endpoint: the client sees the growing text, then the final one with its details."""
    job = client.submit("ROMEO:", "Plays", 0.8, 0.95, 80, api_name="/write")
    text, details, raw = job.result()
    assert text.startswith("ROMEO:") and raw["text"] == text and raw["new_tokens"] > 0
    assert "new characters" in details
    texts = [output[0] for output in job.outputs()]
    assert len(texts) >= 3 and all(t.startswith("ROMEO:") for t in texts)
    assert all(after.startswith(before) for before, after in zip(texts, texts[1:]))


def test_caption(client, tmp_path):
    example = captioning.example_images()[0]
    caption, details, seen, maps, raw = client.predict(handle_file(example), 2, api_name="/caption")
    assert isinstance(caption, str) and raw["num_beams"] == 2 and len(raw["attention"]) == len(raw["words"])
    assert os.path.isfile(seen) and maps
    not_an_image = tmp_path / "cat.png"
    not_an_image.write_text("this is text, not a PNG")
    with pytest.raises(AppError, match="not an image PIL can read"):
        client.predict(handle_file(str(not_an_image)), 2, api_name="/caption")
    truncated = tmp_path / "half.png"
    truncated.write_bytes(Path(example).read_bytes()[:400])
    with pytest.raises(AppError, match="truncated or corrupt"):
        client.predict(handle_file(str(truncated)), 2, api_name="/caption")


def test_a_url_sent_to_the_caption_api_is_refused_without_being_fetched(client):
    import http.server
    import threading

    hits = []

    class Counting(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(Path(captioning.example_images()[0]).read_bytes())

        def log_message(self, *args):
            pass

    # gradio itself refuses loopback and private addresses (after resolving the name) but downloads public ones;
    # refuse_url_downloads refuses every URL before any lookup, with its own message.
    server = http.server.HTTPServer(("127.0.0.1", free_port()), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/cat.png"
        with pytest.raises(AppError, match="does not download images from URLs"):
            client.predict(handle_file(url), 2, api_name="/caption")
    finally:
        server.shutdown()
    assert hits == [], "the server fetched the URL"


def test_uploads_are_deleted_by_gradio(client):
    from rnnhub.demo.app import UPLOAD_CACHE_SECONDS

    demo = build_demo()
    assert demo.delete_cache == UPLOAD_CACHE_SECONDS and UPLOAD_CACHE_SECONDS[1] <= 24 * 3600


def test_lab_endpoints(client):
    cells_plot, radius_plot, rows = client.predict(
        ["rnn", "lstm"], ["0.9", "1.1"], 50, api_name="/lab_gradients"
    )
    ratios = {row["run"]: row["first_over_last"] for row in rows}
    assert ratios["rnn, radius 0.9"] < 1 < ratios["rnn, radius 1.1"] and cells_plot and radius_plot
    figure, table = client.predict(api_name="/lab_memory_table")
    assert "| lstm |" in table and figure
    figure, raw = client.predict(5, ["lstm"], api_name="/lab_memory")
    assert raw["rows"][0]["variant"] == "lstm" and raw["settings"]["distractors"] == 5
    details, gates, raw = client.predict("not bad at all", api_name="/lab_gates")
    assert raw["cell_type"] == "lstm" and "forget" in raw["trace"]["gate_summary"]


def test_models_endpoints(client):
    table = client.predict(api_name="/models")
    names = [row[0] for row in table["data"]]
    assert "lstm-sentiment-rt-en" in names and "tiny-captioning-emoji" in names
    card, report = client.predict("lstm-sentiment-rt-en", api_name="/model_card")
    assert "# lstm-sentiment-rt-en" in card and report


def test_twenty_concurrent_requests_all_answered_correctly(client):
    texts = [(POSITIVE, "positive") if i % 2 == 0 else (NEGATIVE, "negative") for i in range(20)]
    cells = ["lstm", "gru", "rnn"]

    def call(index: int) -> tuple[str, str]:
        text, expected = texts[index]
        label, *_ = client.predict(text, "English", cells[index % 3], api_name="/sentiment")
        return label["label"], expected

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(call, range(20)))
    assert len(answers) == 20 and all(got == expected for got, expected in answers)
    assert CONCURRENCY_LIMIT >= 1


def test_a_full_queue_says_busy_try_again_in_words():
    import httpx

    from rnnhub.demo.app import BUSY_MESSAGE, QUEUE_SIZE

    demo = build_demo()
    assert demo._queue.max_size == QUEUE_SIZE
    port = free_port()
    launch(demo, port=port, prevent_thread_lock=True, quiet=True)
    try:
        demo._queue.max_size = 0  # the queue as the 65th waiting caller finds it
        body = {"data": ["a fine film", "English", "lstm"], "fn_index": 0, "session_hash": "full-queue"}
        response = httpx.post(f"http://127.0.0.1:{port}/gradio_api/queue/join", json=body, timeout=30)
    finally:
        demo.close()
    assert response.status_code == 503
    assert response.json()["detail"] == BUSY_MESSAGE.format(running=CONCURRENCY_LIMIT, waiting=0)
    assert "busy" in BUSY_MESSAGE and "Try again" in BUSY_MESSAGE


def test_handler_errors_become_one_line_messages():
    def bad_input():
        raise ValueError("The text is empty.")

    def bug():
        raise RuntimeError("boom")

    with pytest.raises(gr.Error) as error:
        _call(bad_input)
    assert error.value.message == "The text is empty."
    with pytest.raises(gr.Error) as error:
        _call(bug)
    assert error.value.message.startswith(
        "Something went wrong (RuntimeError: boom). The app is still running"
    )
    assert _call(lambda x: x + 1, 1) == 2


def test_a_failed_request_leaves_its_reason_for_the_status_line():
    """The toast fades; the status line next to the input reads the reason kept per (session, tab)."""

    class Request:
        session_hash = "session-1"

    def bad_input():
        raise ValueError("The text is empty: type a sentence.")

    with pytest.raises(gr.Error):
        _call(bad_input, tab="sentiment", request=Request())
    assert REASONS.get("session-1", "sentiment") == "The text is empty: type a sentence."
    assert REASONS.get("session-1", "translation") == "" and REASONS.get("session-2", "sentiment") == ""
    assert (
        status_text(REASONS.get("session-1", "sentiment"))
        == "**Not done:** The text is empty: type a sentence."
    )
    assert status_text("") == ""
    with pytest.raises(gr.Error):
        _call(bad_input)  # no session (a direct call): nothing kept, still an error

    reasons = Reasons(size=2)  # bounded: the oldest sessions go first
    for session in ("a", "b", "c"):
        reasons.put(session, "tab", f"reason {session}")
    assert [reasons.get(session, "tab") for session in ("a", "b", "c")] == ["", "reason b", "reason c"]
