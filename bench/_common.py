"""Helpers shared by the benchmark scripts: environment record, timing clock, statistics, JSON/markdown output."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch

from rnnhub.engine.run_info import cpu_model, load_average

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def environment(device: torch.device) -> dict:
    """What a reader needs to interpret the numbers: hardware, software, threads, load, date."""
    env = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "python_version": platform.python_version(),
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_model(),
        "mkldnn_enabled": torch.backends.mkldnn.enabled,
    }
    try:
        import transformers

        env["transformers_version"] = transformers.__version__
    except ImportError:  # pragma: no cover - transformers is a dependency
        pass
    load = load_average()
    if load is not None:
        env["load_average_at_start"] = load
    return env


def pick_device(name: str | None) -> torch.device:
    if name is None:
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda asked for, but torch sees no CUDA device.")
    return torch.device(name)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device: torch.device) -> float:
    """Wall-clock seconds of ``fn()``, with the device's queue drained before and after."""
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def spread(values: list[float]) -> dict:
    """Median, min and max of a list (the summary quoted for every repeated measurement)."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def write_json(data: dict, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def check_line(passed: bool, text: str) -> str:
    return f"{'PASS' if passed else 'FAIL'}: {text}"


def check(name: str, passed: bool, value, threshold, text: str, required: bool = True) -> dict:
    """One entry of a results file's ``checks``: what was compared with what, and its PASS/FAIL line."""
    return {
        "name": name,
        "required": required,
        "passed": passed,
        "value": value,
        "threshold": threshold,
        "text": check_line(passed, text),
    }


def add_common_arguments(parser: argparse.ArgumentParser, quick_help: str) -> None:
    """The flags both benchmarks share: device, threads, seed, quick mode, output path, strictness."""
    parser.add_argument("--device", choices=("cpu", "cuda"), default=None, help="default: cuda if available")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument("--output", type=Path, default=None, help="JSON path (default bench/results/...)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when a requirement FAILs")


def finish(output: dict, args: argparse.Namespace, checks: list[dict]) -> int:
    """Write the results JSON and return the exit code (1 only with --strict and a failed required check)."""
    path = write_json(output, args.output)
    print(f"\nwrote {path}")
    failed = any(c["required"] and not c["passed"] for c in checks)
    return 1 if (args.strict and failed) else 0


def finish_run(benchmark: str, env: dict, args: argparse.Namespace, results: list, checks: list[dict]) -> int:
    """Print the checks, then write ``{benchmark, environment (load at the end added), settings, results, checks}``
    and return :func:`finish`'s exit code."""
    for entry in checks:
        print(entry["text"])
    env["load_average_at_end"] = load_average()
    settings = {**vars(args), "output": str(args.output)}
    output = {"benchmark": benchmark, "environment": env, "settings": settings, "results": results}
    output["checks"] = checks
    return finish(output, args, checks)


@contextlib.contextmanager
def onednn_off():
    """torch's native CPU kernels instead of oneDNN's inside the block: only ``torch.backends.mkldnn.enabled`` is
    switched (``torch.backends.mkldnn.flags`` also sets oneDNN's TF32 flag, and warns on every call that TF32
    needs an Intel GPU)."""
    saved = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = saved
