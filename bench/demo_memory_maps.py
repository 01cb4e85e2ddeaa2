"""Where the served demo's memory goes: the server's RSS after each round of requests, split by the kind of mapping
that holds it (``/proc/<pid>/smaps``), with rnnhub's native-memory bounds (``rnnhub.demo.native_memory``) or
without them.

What runs
    ``rnnhub demo`` in a subprocess on a free loopback port (one torch thread), then ``--rounds`` rounds of 48
    requests from two ``gradio_client`` clients at once (the server's ``CONCURRENCY_LIMIT``), each request from a
    new session, over the memory test's endpoints (``tests/demo/test_memory.py``: ``/sentiment``, ``/lab_gates``,
    ``/lab_gradients``, ``/lab_memory_table``, ``/models``, ``/model_card``) with the mix's varied inputs
    (``rnnhub.demo.soak``). After each round: RSS (``VmRSS``) and the resident MB of ``[heap]`` (the main malloc
    arena), anonymous mappings over 8 MiB (the worker threads' malloc arenas, large mmaps), smaller anonymous
    mappings (Python's object arenas, small mmaps) and file mappings (libraries, model weights).
    ``--native-defaults`` runs the server with ``RNNHUB_NATIVE_DEFAULTS=1`` (oneDNN's and glibc's defaults).
    Reported: the table per round and the growth over the last 300 requests, as the memory test measures it.
    Nothing is required: this explains the memory test's numbers, one run per configuration.

    PYTHONPATH=src python bench/demo_memory_maps.py                       # ~9 min on 2 vCPUs
    PYTHONPATH=src python bench/demo_memory_maps.py --native-defaults     # the same without the bounds
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import torch
from _common import RESULTS_DIR, environment, load_average, markdown_table, write_json
from demo_soak import free_port, start_server
from gradio_client import Client

from rnnhub.demo.native_memory import DEFAULTS_ENV
from rnnhub.demo.soak import MEMORY_ENDPOINTS, rss_bytes, send_together, stop_server

ROUND = 8 * len(MEMORY_ENDPOINTS)
CLIENTS = 2
KINDS = ("heap", "anon > 8 MiB", "anon <= 8 MiB", "file")
_RANGE = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) ")


def resident_by_kind(pid: int) -> dict[str, float]:
    """Resident MB of each kind of mapping of process ``pid``."""
    totals, kind = dict.fromkeys(KINDS, 0.0), None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            match = _RANGE.match(line)
            if match:
                fields = line.split()
                name = fields[5] if len(fields) > 5 else ""
                size = int(match.group(2), 16) - int(match.group(1), 16)
                if name == "[heap]":
                    kind = "heap"
                elif name.startswith("/"):
                    kind = "file"
                elif name:  # [stack], [vdso], ...
                    kind = None
                else:
                    kind = "anon > 8 MiB" if size > 8 << 20 else "anon <= 8 MiB"
            elif line.startswith("Rss:") and kind is not None:
                totals[kind] += int(line.split()[1]) / 1024
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=18, help="rounds of 48 requests (default 18: 864 requests)"
    )
    parser.add_argument("--native-defaults", action="store_true", help="serve with RNNHUB_NATIVE_DEFAULTS=1")
    parser.add_argument("--console-script", type=Path, default=Path(sys.executable).parent / "rnnhub")
    parser.add_argument("--output", type=Path, default=None, help="JSON path (default bench/results/...)")
    args = parser.parse_args(argv)
    label = "defaults" if args.native_defaults else "bounded"
    args.output = args.output or RESULTS_DIR / f"demo_memory_maps_{label}.json"
    if args.native_defaults:
        os.environ[DEFAULTS_ENV] = "1"  # start_server passes this process's environment to the server
    env = environment(torch.device("cpu"))
    port = free_port()
    server = start_server(args.console_script, port, threads=1)
    rows = []
    try:
        clients = [Client(f"http://127.0.0.1:{port}/", verbose=False) for _ in range(CLIENTS)]
        for number in range(args.rounds):
            records = send_together(
                clients, number * ROUND, ROUND, endpoints=MEMORY_ENDPOINTS, new_sessions=True
            )
            failed = [r["error"] for r in records if not r["ok"]]
            if failed:
                raise SystemExit(f"round {number + 1}: {len(failed)} requests failed, e.g. {failed[0]}")
            rows.append(
                {
                    "requests": (number + 1) * ROUND,
                    "rss_mb": rss_bytes(server.pid) / 1e6,
                    **resident_by_kind(server.pid),
                }
            )
            print(rows[-1], flush=True)
    finally:
        stop_server(server)
    last = rows[-1]
    before = next(
        (r for r in reversed(rows) if r["requests"] <= last["requests"] - 300), rows[0]
    )  # >= 300 back
    growth = {key: last[key] - before[key] for key in ("rss_mb", *KINDS)}
    print(
        markdown_table(
            ["requests", "RSS MB", *(f"{kind} MB" for kind in KINDS)],
            [[r["requests"], f"{r['rss_mb']:.0f}", *(f"{r[kind]:.0f}" for kind in KINDS)] for r in rows],
        )
    )
    print(
        f"{label}: over requests {before['requests']}-{last['requests']}: "
        + ", ".join(f"{k} {v:+.1f} MB" for k, v in growth.items())
    )
    env["load_average_at_end"] = load_average()
    output = {
        "benchmark": "demo_memory_maps",
        "environment": env,
        "settings": {**vars(args), "output": str(args.output), "console_script": str(args.console_script)},
        "results": {
            "configuration": label,
            "rounds": rows,
            "growth_last_300": {"from": before["requests"], **growth},
        },
    }
    write_json(output, args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
