"""The served demo's memory stays flat: 300 mixed requests through gradio_client on a loopback port, from as many
clients at once as the server runs requests (``CONCURRENCY_LIMIT``), each request from a new session (as every
visitor and every new ``gradio_client.Client`` is), after a warm-up.

The server runs as ``rnnhub demo`` in a process of its own, as it is deployed, and only its resident memory is
measured. An in-process server shared the test worker's heap with the client and with every test the worker had
run before, so its RSS depended on the suite's order: one run grew 70 MB over the 300 requests where the same code
grew 27-29 MB alone.

The warm-up loads the models and lets the heap reach its working size (glibc keeps freed memory for reuse, and the
session cache fills, so RSS first rises over a few hundred requests from new sessions; a warm-up of 36 requests
left +91 MB for the 300 after it on an idle CI machine): at least ``MIN_WARMUP`` requests, then rounds until two in
a row each end less than ``SETTLED_MB`` above the highest RSS read before them, at most ``MAX_WARMUP_ROUNDS`` in
all. ``SETTLED_MB`` is half the average rate the bound allows (50 MB over 300 requests: 8 MB a round).

What used to rise in steps here (+43 MB over requests 145-192 in one run, +26 MB in one round of a CI run that then
failed at +60 MB) was native memory, not Python objects: the worker threads' malloc arenas (anonymous mappings over
8 MiB in ``/proc/<pid>/smaps``) grew while ``[heap]`` and Python's own arenas held (``bench/demo_memory_maps.py``).
glibc's mmap threshold rose after each large free, so later large blocks (tensors, images, encoded plots) came
from the arenas, whose high-water mark only grows; and oneDNN kept a kernel for each new sequence length, for up
to 1,024 of them. ``rnnhub.demo.app.launch`` now bounds both (``rnnhub.demo.native_memory``). Side by side on one
box, 864 requests: with the bounds RSS stayed within 758-777 MB from request 240 on; without them it rose from 793
to 874 MB. RSS read after a round still moves by up to ±13 MB either way (blocks mapped and unmapped), so the
warm-up compares each round with the highest RSS before it: a drop followed by a rise to the old level is settled.

Every session used to keep a copy of the whole app's config with its last inputs and outputs, for up to 10,000
sessions (``docs/demo.md``, "Memory"); ``rnnhub.demo.app.launch`` now keeps ``SESSION_CAPACITY`` of them, which
the second test checks in-process. The soak's endpoints are the cheap ones whose outputs are largest (plots), with
the published models and short inputs."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from gradio_client import Client

from builders import free_port, wait_for_page
from rnnhub.demo.app import CONCURRENCY_LIMIT, SESSION_CAPACITY, build_demo, launch
from rnnhub.demo.soak import (
    MEMORY_ENDPOINTS,
    english,
    request,
    rss_bytes,
    run_client,
    send_together,
    stop_server,
)

REQUESTS = 300
MAX_GROWTH_MB = 50
WARMUP_ROUND = 8 * len(MEMORY_ENDPOINTS)  # requests
MIN_WARMUP = 6 * WARMUP_ROUND
SETTLED_MB = 4.0  # above the highest RSS before: half the 8 MB a round the bound allows on average
MAX_WARMUP_ROUNDS = 12
SOAK = {"endpoints": MEMORY_ENDPOINTS, "new_sessions": True}
# The server runs CONCURRENCY_LIMIT requests at a time: as many clients keep its workers busy.
CLIENTS = CONCURRENCY_LIMIT


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``rnnhub demo`` in its own process on a free loopback port, one torch thread: (process, clients)."""
    port = free_port()
    log = tmp_path_factory.mktemp("demo-server") / "output.log"
    console = Path(sys.executable).with_name("rnnhub")
    command = [str(console)] if console.is_file() else [sys.executable, "-m", "rnnhub.cli"]
    output = log.open("wb")  # a file, not a pipe: a full pipe would block the server
    process = subprocess.Popen(
        [*command, "demo", "--host", "127.0.0.1", "--port", str(port)],
        stdout=output,
        stderr=subprocess.STDOUT,
        env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"},
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        assert wait_for_page(url, process, lambda: log.read_text(errors="replace")).status_code == 200
        yield process, [Client(url, verbose=False) for _ in range(CLIENTS)]
    finally:
        stop_server(process)
        output.close()


def warm_up(clients, pid: int) -> tuple[int, list[float]]:
    """Rounds of :data:`WARMUP_ROUND` requests until the server's RSS settles (two rounds in a row each end less
    than :data:`SETTLED_MB` above the highest RSS read before them, after at least :data:`MIN_WARMUP` requests):
    the number of requests sent and the RSS after each round, in MB."""
    sent, rss = 0, [rss_bytes(pid) / 1e6]
    for _ in range(MAX_WARMUP_ROUNDS):
        records = send_together(clients, sent, WARMUP_ROUND, **SOAK)
        assert [r["error"] for r in records if not r["ok"]] == []
        sent += len(records)
        rss.append(rss_bytes(pid) / 1e6)
        if sent >= MIN_WARMUP and all(rss[k] - max(rss[:k]) < SETTLED_MB for k in (-2, -1)):
            break
    return sent, rss


def test_rss_stays_flat_over_300_requests_from_new_sessions(server):
    process, clients = server
    sent, warm_up_rss = warm_up(clients, process.pid)
    measured, records = [rss_bytes(process.pid) / 1e6], []
    while len(records) < REQUESTS:  # in rounds, so a failure shows where the memory went
        count = min(WARMUP_ROUND, REQUESTS - len(records))
        records += send_together(clients, sent + len(records), count, **SOAK)
        measured.append(rss_bytes(process.pid) / 1e6)
    growth_mb = measured[-1] - measured[0]
    print(
        f"warm-up: {sent} requests, RSS (MB) {[round(m) for m in warm_up_rss]}; then {[round(m) for m in measured]}"
    )
    assert [r["error"] for r in records if not r["ok"]] == []
    assert {r["endpoint"] for r in records} == set(MEMORY_ENDPOINTS) and len(records) == REQUESTS
    assert growth_mb < MAX_GROWTH_MB, (
        f"the server's RSS grew {growth_mb:.1f} MB over {REQUESTS} requests after a warm-up of {sent}; "
        f"RSS (MB) after each warm-up round {[round(m) for m in warm_up_rss]}, then {[round(m) for m in measured]}"
    )


def test_new_sessions_push_the_oldest_out_of_the_session_cache():
    demo = build_demo()
    port = free_port()
    launch(demo, port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        records = run_client(
            client, 0, 1, count=2 * SESSION_CAPACITY + 8, endpoints=("/model_card",), new_sessions=True
        )
        assert [r["error"] for r in records if not r["ok"]] == []
        assert SESSION_CAPACITY // 2 < len(demo.state_holder.session_data) <= SESSION_CAPACITY
    finally:
        demo.close()


def test_the_mix_varies_inputs_and_covers_every_endpoint():
    from rnnhub.demo.soak import ENDPOINTS as ALL

    first_round = [request(i)[0] for i in range(len(ALL))]
    assert first_round == list(ALL)
    assert len({english(k) for k in range(240)}) == 240  # 240 different sentences before one repeats
    assert {len(english(k).split()) for k in range(240)} >= {3, 15}  # short and long: many tensor shapes
