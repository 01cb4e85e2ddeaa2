"""The served demo's memory stays flat: 300 mixed requests through gradio_client on a loopback port, each from a
new session (as every visitor and every new ``gradio_client.Client`` is), after a warm-up.

The warm-up loads the models and lets the heap reach its working size (glibc keeps freed memory for reuse, and the
session cache fills, so RSS first rises over a few hundred requests from new sessions; a warm-up of 36 requests
left +91 MB for the 300 after it on an idle CI machine): at least ``MIN_WARMUP`` requests, then rounds until one
raises RSS by less than ``SETTLED_MB``, at most ``MAX_WARMUP_ROUNDS`` in all. A leak of the old size (~0.4 MB a request) never settles, and then
shows in the 300 requests after it.

Every session used to keep a copy of the whole app's config with its last inputs and outputs, for up to 10,000
sessions (``docs/demo.md``, "Memory"); ``rnnhub.demo.app.launch`` now keeps ``SESSION_CAPACITY`` of them. The
endpoints are the cheap ones whose outputs are largest (plots), with the published models and short inputs."""

import os

import pytest
from gradio_client import Client

from builders import free_port
from rnnhub.demo.app import SESSION_CAPACITY, build_demo, launch
from rnnhub.demo.soak import english, request, rss_bytes, run_client

ENDPOINTS = ("/sentiment", "/lab_gates", "/lab_gradients", "/lab_memory_table", "/models", "/model_card")
REQUESTS = 300
MAX_GROWTH_MB = 50
WARMUP_ROUND = 8 * len(ENDPOINTS)  # requests
MIN_WARMUP = 6 * WARMUP_ROUND
SETTLED_MB = 2.0
MAX_WARMUP_ROUNDS = 10
SOAK = {"endpoints": ENDPOINTS, "new_sessions": True}


@pytest.fixture(scope="module")
def served():
    demo = build_demo()
    port = free_port()
    launch(demo, port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield demo, Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        demo.close()


def warm_up(client) -> int:
    """Rounds of :data:`WARMUP_ROUND` requests until RSS settles; the number of requests sent."""
    sent, previous = 0, rss_bytes(os.getpid())
    for _ in range(MAX_WARMUP_ROUNDS):
        records = run_client(client, sent, 1, count=WARMUP_ROUND, **SOAK)
        assert [r["error"] for r in records if not r["ok"]] == []
        sent += len(records)
        now = rss_bytes(os.getpid())
        if sent >= MIN_WARMUP and now - previous < SETTLED_MB * 1e6:
            break
        previous = now
    return sent


def test_rss_stays_flat_over_300_requests_from_new_sessions(served):
    demo, client = served
    sent = warm_up(client)
    before = rss_bytes(os.getpid())
    records = run_client(client, sent, 1, count=REQUESTS, **SOAK)
    growth_mb = (rss_bytes(os.getpid()) - before) / 1e6
    assert [r["error"] for r in records if not r["ok"]] == []
    assert {r["endpoint"] for r in records} == set(ENDPOINTS) and len(records) == REQUESTS
    assert len(demo.state_holder.session_data) <= SESSION_CAPACITY  # new sessions pushed the oldest out
    assert growth_mb < MAX_GROWTH_MB, (
        f"RSS grew {growth_mb:.1f} MB over {REQUESTS} requests after a warm-up of {sent}"
    )


def test_the_mix_varies_inputs_and_covers_every_endpoint():
    from rnnhub.demo.soak import ENDPOINTS as ALL

    first_round = [request(i)[0] for i in range(len(ALL))]
    assert first_round == list(ALL)
    assert len({english(k) for k in range(240)}) == 240  # 240 different sentences before one repeats
    assert {len(english(k).split()) for k in range(240)} >= {3, 15}  # short and long: many tensor shapes
