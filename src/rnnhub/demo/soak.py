"""Load for the served demo: a fixed mix of requests over every API endpoint with varied inputs, clients that send
it through ``gradio_client``, and the server's resident memory. Shared by ``bench/demo_soak.py`` (N clients for T
seconds) and the memory test (``tests/demo/test_memory.py``: a few hundred requests, RSS held flat).

>>> request(0)                               # ("/sentiment", ("a wonderful film", "English", "lstm"))
>>> client = Client(url); send(client, *request(7))
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = [
    "ENDPOINTS",
    "MEMORY_ENDPOINTS",
    "Record",
    "request",
    "rss_bytes",
    "run_client",
    "send",
    "send_together",
    "stop_server",
]

# Every API endpoint of rnnhub.demo.app, in the order the mix cycles through them.
ENDPOINTS = (
    "/sentiment",
    "/sentiment_compare",
    "/translate",
    "/caption",
    "/lab_gradients",
    "/lab_memory_table",
    "/lab_memory",
    "/lab_gates",
    "/models",
    "/model_card",
)

# The memory test's mix (tests/demo/test_memory.py, bench/demo_memory_maps.py): the cheap endpoints whose outputs are
# largest (plots), with the published models and short inputs.
MEMORY_ENDPOINTS = (
    "/sentiment",
    "/lab_gates",
    "/lab_gradients",
    "/lab_memory_table",
    "/models",
    "/model_card",
)

_OPENINGS = ("a wonderful", "a dull", "a moving", "a tedious", "an honest", "a clumsy", "a funny", "a slow")
_NOUNS = ("film", "story", "script", "cast", "ending")
_TAILS = (
    "",
    "with brilliant performances",
    "that never finds its footing",
    "and the actors make it worth watching",
    "but the plot is thin and the music is loud",
    "that I would happily watch again with friends on a rainy evening",
)
_CHINESE = ("质量非常好，很满意。", "太差了，非常失望。", "值得购买！", "很一般，不推荐。")
_GERMAN = ("das Haus ist klein", "der Hund schläft", "wir gehen heute nach Hause", "die Katze trinkt Milch")
_GERMAN_TAILS = ("", " und das Wetter ist schön", " aber der Garten ist sehr groß und grün")
_CELLS = ("lstm", "gru", "rnn")
_CARDS = ("lstm-sentiment-rt-en", "gru-sentiment-rt-en", "lstm-translation-de-en", "lstm-captioning-emoji")


def english(k: int) -> str:
    """The k-th English sentence of the mix: 240 different texts of 3 to 15 words."""
    return " ".join(
        filter(None, (_OPENINGS[k % 8], _NOUNS[k // 8 % 5], _TAILS[k // 40 % 6]))
    )  # k, k//8, k//40: every combination before a repeat


def _arguments(endpoint: str, k: int) -> tuple:
    from gradio_client import handle_file

    from rnnhub.demo.captioning import example_images
    from rnnhub.lab import VARIANTS

    if endpoint == "/sentiment":
        if k % 4 == 3:
            return (_CHINESE[k % 4] + _CHINESE[k // 4 % 4], "Chinese", "lstm")
        return (english(k), "English", _CELLS[k % 3])
    if endpoint == "/sentiment_compare":
        return (english(k), "English")
    if endpoint == "/translate":
        if k % 2:
            return (english(k), "English → Chinese", 1 + k % 4)
        return (_GERMAN[k // 2 % 4] + _GERMAN_TAILS[k // 8 % 3], "German → English", 1 + k // 2 % 4)
    if endpoint == "/caption":
        images = example_images()
        return (handle_file(images[k % len(images)]), 1 + k % 3)
    if endpoint == "/lab_gradients":
        return (list(_CELLS[: 1 + k % 3]), ["0.9", "1.1"][: 1 + k % 2], 10 + 10 * (k % 5))
    if endpoint == "/lab_memory":
        return (1 + k % 5, [tuple(VARIANTS)[k % len(VARIANTS)]])
    if endpoint == "/lab_gates":
        return (english(k),)
    if endpoint == "/model_card":
        return (_CARDS[k % len(_CARDS)],)
    if endpoint in ("/lab_memory_table", "/models"):
        return ()
    raise ValueError(f"Unknown endpoint {endpoint!r}; the demo has {', '.join(ENDPOINTS)}.")


def request(index: int, endpoints: Sequence[str] = ENDPOINTS) -> tuple[str, tuple]:
    """The ``index``-th request of the mix: ``(api_name, arguments)``, cycling through ``endpoints`` and varying
    each one's input (text, language, cell, beams, image, steps) from one round to the next."""
    endpoint = endpoints[index % len(endpoints)]
    return endpoint, _arguments(endpoint, index // len(endpoints))


def send(client: Any, endpoint: str, arguments: tuple) -> Any:
    """One request through a ``gradio_client.Client``; raises what the client raises."""
    return client.predict(*arguments, api_name=endpoint)


class Record(dict):
    """One answered request: ``endpoint``, ``ok``, ``seconds`` (wall time), ``error`` (empty when ok), ``at``
    (seconds since the client's start)."""


def run_client(
    client: Any,
    first: int,
    stride: int,
    *,
    endpoints: Sequence[str] = ENDPOINTS,
    deadline: float | None = None,
    count: int | None = None,
    new_sessions: bool = False,
) -> list[Record]:
    """Send requests ``first``, ``first + stride``, ... of the mix until ``deadline`` (``time.monotonic()``) or
    ``count`` requests, whichever comes first; a failed request is recorded and the client goes on. With
    ``new_sessions`` every request comes from a new session (``Client.reset_session``), as from a new visitor."""
    records: list[Record] = []
    start = time.monotonic()
    index = first
    while (count is None or len(records) < count) and (deadline is None or time.monotonic() < deadline):
        endpoint, arguments = request(index, endpoints)
        if new_sessions:
            client.reset_session()
        began = time.monotonic()
        try:
            send(client, endpoint, arguments)
            error = ""
        except Exception as failure:  # a load test counts failures instead of stopping at the first
            error = f"{type(failure).__name__}: {failure}"[:300]
        now = time.monotonic()
        records.append(
            Record(endpoint=endpoint, ok=not error, seconds=now - began, error=error, at=now - start)
        )
        index += stride
    return records


def send_together(clients: Sequence[Any], first: int, count: int, **mix: Any) -> list[Record]:
    """Requests ``first`` .. ``first + count - 1`` of the mix, dealt round-robin to the clients, which send at once
    (a thread each); ``mix`` is :func:`run_client`'s ``endpoints`` / ``new_sessions``."""

    def share(k: int) -> list[Record]:
        return run_client(
            clients[k], first + k, len(clients), count=len(range(k, count, len(clients))), **mix
        )

    with ThreadPoolExecutor(len(clients)) as pool:
        return [record for part in pool.map(share, range(len(clients))) for record in part]


def stop_server(process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Stop a served demo: SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rss_bytes(pid: int) -> int:
    """Resident set size of process ``pid`` in bytes (``VmRSS`` in ``/proc/<pid>/status``; Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmRSS line (is the process a zombie?)")
