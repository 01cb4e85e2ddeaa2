"""Soak/load test of the served demo: N concurrent clients for T seconds over every API endpoint, with the server's
resident memory (RSS) over time.

What runs
    ``rnnhub demo`` starts in a subprocess on a free loopback port (the server's RSS is then its own, not mixed with
    the clients'). Warm-up: one request to every endpoint, in turn (loads every model, fills gradio's and
    matplotlib's one-time caches). Then ``--clients`` threads, each with its own ``gradio_client.Client``, send
    the fixed mix of ``rnnhub.demo.soak`` (every endpoint in turn, inputs varied from round to round: texts of 3
    to 15 words, languages, cells, beam sizes, images, steps) until ``--seconds`` have passed; client ``i`` starts
    at request ``i`` of the mix and takes every N-th. A sampler reads the server's ``VmRSS`` every ``--every``
    seconds. Reported: per endpoint successes, failures, p50/p95 latency (wall time of ``Client.predict``, queue
    wait included); RSS at start, after warm-up, every k seconds, at the end; growth after warm-up in MB and per
    request. **Required: no failed request; RSS growth after warm-up under ``--max-growth-mb`` (50 MB).**

    PYTHONPATH=src python bench/demo_soak.py --clients 4 --seconds 120          # ~3 min with start-up
    PYTHONPATH=src python bench/demo_soak.py --endpoints /sentiment --clients 1 --seconds 60   # one endpoint
    PYTHONPATH=src python bench/demo_soak.py --quick                             # 1 client, 20 s: a smoke run
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import torch
from _common import RESULTS_DIR, check_line, environment, finish, load_average, markdown_table

from rnnhub.demo.native_memory import DEFAULTS_ENV
from rnnhub.demo.soak import ENDPOINTS, rss_bytes, run_client, stop_server

MB = 1e6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(console_script: Path, port: int, threads: int, timeout: float = 300.0) -> subprocess.Popen:
    """``rnnhub demo`` on ``port`` with ``threads`` OpenMP threads, once it answers HTTP (its output goes to this script's stderr)."""
    import httpx

    server = subprocess.Popen(
        [str(console_script), "demo", "--host", "127.0.0.1", "--port", str(port)],
        stdout=sys.stderr,
        env={**os.environ, "OMP_NUM_THREADS": str(threads)},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"rnnhub demo exited with status {server.returncode} before serving")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    server.kill()
    raise SystemExit(f"rnnhub demo did not answer on port {port} within {timeout:.0f} s")


class Sampler(threading.Thread):
    """The server's RSS every ``every`` seconds (and on demand through :meth:`mark`), as (seconds, label, MB)."""

    def __init__(self, pid: int, every: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.start_time = pid, every, time.monotonic()
        self.samples: list[dict] = []
        self.stopped = threading.Event()

    def mark(self, label: str) -> float:
        megabytes = rss_bytes(self.pid) / MB
        self.samples.append(
            {
                "seconds": round(time.monotonic() - self.start_time, 1),
                "label": label,
                "rss_mb": round(megabytes, 1),
            }
        )
        return megabytes

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.mark("sample")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarize(records: list[dict], endpoints: list[str]) -> dict:
    summary = {}
    for endpoint in endpoints:
        mine = [r for r in records if r["endpoint"] == endpoint]
        seconds = [r["seconds"] for r in mine if r["ok"]]
        summary[endpoint] = {
            "ok": len(seconds),
            "failed": len(mine) - len(seconds),
            "p50_s": statistics.median(seconds) if seconds else None,
            "p95_s": percentile(seconds, 0.95) if seconds else None,
            "errors": sorted({r["error"] for r in mine if not r["ok"]})[:5],
        }
    return summary


def soak(url: str, sampler: Sampler, args: argparse.Namespace) -> tuple[list[dict], list[dict]]:
    """Warm-up (``--warmup-rounds`` requests per endpoint, in turn), then the clients until the deadline; returns
    (warm-up records, soak records)."""
    from gradio_client import Client

    mix = {"endpoints": args.endpoints, "new_sessions": args.sessions == "new"}
    warm_client = Client(url, verbose=False)
    warmup = run_client(warm_client, 0, 1, count=len(args.endpoints) * args.warmup_rounds, **mix)
    sampler.mark("after warm-up")
    results: list[list[dict]] = [[] for _ in range(args.clients)]
    deadline = time.monotonic() + args.seconds

    def client_thread(index: int) -> None:
        client = Client(url, verbose=False)
        results[index] = run_client(client, index, args.clients, deadline=deadline, **mix)

    threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return warmup, [record for client in results for record in client]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="the server's OMP_NUM_THREADS (torch threads)")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--every", type=float, default=10.0, help="RSS sampling period, seconds")
    parser.add_argument(
        "--warmup-rounds", type=int, default=4, help="requests per endpoint before the soak (4: every model)"
    )
    parser.add_argument("--endpoints", nargs="+", default=list(ENDPOINTS), choices=ENDPOINTS)
    parser.add_argument(
        "--sessions",
        choices=("client", "new"),
        default="client",
        help="client: one session per client; new: every request from a new session (a new visitor each)",
    )
    parser.add_argument("--max-growth-mb", type=float, default=50.0)
    parser.add_argument(
        "--quick", action="store_true", help="1 client for 20 s (a smoke run, not a measurement)"
    )
    parser.add_argument("--console-script", type=Path, default=Path(sys.executable).parent / "rnnhub")
    parser.add_argument("--device", choices=("cpu",), default="cpu", help="the demo serves on the CPU")
    parser.add_argument("--output", type=Path, default=None, help="JSON path (default bench/results/...)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a requirement FAILs")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.seconds, args.every = 1, 20.0, 5.0
    if args.output is None:
        args.output = RESULTS_DIR / ("demo_soak_quick.json" if args.quick else "demo_soak.json")

    env = environment(torch.device("cpu"))
    port = free_port()
    server = start_server(args.console_script, port, args.threads)
    try:
        sampler = Sampler(server.pid, args.every)
        sampler.mark("start")
        sampler.start()
        warmup, records = soak(f"http://127.0.0.1:{port}/", sampler, args)
        end = sampler.mark("end")
        sampler.stopped.set()
    finally:
        stop_server(server, timeout=60)

    after_warmup = next(s["rss_mb"] for s in sampler.samples if s["label"] == "after warm-up")
    growth = end - after_warmup
    summary = summarize(records, args.endpoints)
    failed = sum(entry["failed"] for entry in summary.values()) + sum(not r["ok"] for r in warmup)
    rows = [
        [
            endpoint,
            s["ok"],
            s["failed"],
            f"{s['p50_s']:.2f}" if s["ok"] else "-",
            f"{s['p95_s']:.2f}" if s["ok"] else "-",
        ]
        for endpoint, s in summary.items()
    ]
    print(markdown_table(["endpoint", "ok", "failed", "p50 s", "p95 s"], rows))
    print()
    print(
        markdown_table(
            ["t (s)", "when", "RSS MB"], [[s["seconds"], s["label"], s["rss_mb"]] for s in sampler.samples]
        )
    )
    print(
        f"\n{len(records)} requests in {args.seconds:.0f} s from {args.clients} clients "
        f"({len(records) / args.seconds:.2f}/s); RSS {sampler.samples[0]['rss_mb']:.0f} MB at start, "
        f"{after_warmup:.0f} MB after warm-up, {end:.0f} MB at the end: {growth:+.1f} MB after warm-up "
        f"({growth * 1000 / max(1, len(records)):+.1f} kB per request)\n"
    )
    checks = [
        {
            "name": "no_failed_request",
            "required": True,
            "passed": failed == 0,
            "value": failed,
            "threshold": 0,
        },
        {
            "name": "rss_growth_after_warmup",
            "required": True,
            "passed": growth < args.max_growth_mb,
            "value": round(growth, 1),
            "threshold": args.max_growth_mb,
        },
    ]
    checks[0]["text"] = check_line(checks[0]["passed"], f"{failed} failed requests, need 0")
    checks[1]["text"] = check_line(
        checks[1]["passed"], f"RSS growth after warm-up {growth:+.1f} MB, need < {args.max_growth_mb:g} MB"
    )
    for check in checks:
        print(check["text"])
    env["load_average_at_end"] = load_average()
    env["malloc_arena_max"] = os.environ.get("MALLOC_ARENA_MAX")
    env["rnnhub_native_defaults"] = os.environ.get(
        DEFAULTS_ENV
    )  # set: the server kept the libraries' defaults
    output = {
        "benchmark": "demo_soak",
        "environment": env,
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "results": {
            "endpoints": summary,
            "requests": len(records),
            "rss_samples": sampler.samples,
            "rss_growth_after_warmup_mb": round(growth, 1),
            "warmup_failures": [r for r in warmup if not r["ok"]],
        },
        "checks": checks,
    }
    return finish(output, args, checks)


if __name__ == "__main__":
    sys.exit(main())
