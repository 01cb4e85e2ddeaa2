"""Smoke test of the benchmark scripts: they run in --quick mode and write well-formed JSON.

No timing is asserted here (timings are never asserted in tests); only that the scripts work and the JSON has
the fields the README and the report read.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"


def _run(script: str, output: Path) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick", "--device", "cpu", "--output", str(output)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| " in result.stdout  # the markdown table
    assert "PASS" in result.stdout or "FAIL" in result.stdout
    return json.loads(output.read_text())


def _check_environment(env: dict) -> None:
    for key in ("date", "cpu_model", "torch_version", "torch_threads", "device", "device_name"):
        assert key in env, key
    assert env["device"] == "cpu"


def _check_checks(checks: list) -> None:
    assert checks
    for check in checks:
        assert {"name", "required", "passed", "value", "threshold", "text"} <= set(check)
        assert isinstance(check["passed"], bool)
        assert check["text"].startswith(("PASS", "FAIL"))


def test_bench_figures_quick(tmp_path):
    data = _run("bench_figures.py", tmp_path / "figures.json")
    assert data["benchmark"] == "demo_figures"
    _check_environment(data["environment"])
    _check_checks(data["checks"])
    [result] = data["results"]
    assert result["endpoint"] == "/lab_gradients"
    assert set(result["cpu_s_per_request"]) == {"fixed margins", "tight_layout"}
    assert result["fixed_over_tight"] > 0


def test_bench_recurrent_step_quick(tmp_path):
    data = _run("bench_recurrent_step.py", tmp_path / "recurrent_step.json")
    assert data["benchmark"] == "lstm_step_cpu"
    _check_environment(data["environment"])
    _check_checks(data["checks"])
    [result] = data["results"]
    assert set(result["us_per_step"]) == {"module", "module, oneDNN off", "RecurrentLayer"}
    assert result["max_abs_difference"] < 1e-5


def test_bench_recurrent_quick(tmp_path):
    data = _run("bench_recurrent.py", tmp_path / "recurrent.json")
    assert data["benchmark"] == "recurrent_training_throughput"
    _check_environment(data["environment"])
    assert data["settings"]["quick"] is True
    expected = {
        "lstm/raw",
        "lstm/fused",
        "lstm/fused_ones",
        "lstm/fused_padded",
        "lstm/transparent",
        "gru/raw",
        "gru/fused",
        "rnn/raw",
        "rnn/fused",
    }
    assert expected <= set(data["results"])
    for entry in data["results"].values():
        assert entry["tokens_per_s"]["median"] > 0
        assert len(entry["tokens_per_s_rounds"]) == data["settings"]["rounds"]
        assert {"median", "min", "max"} <= set(entry["ratio_vs_raw"])
        assert entry["ratio_of_medians_vs_raw"] > 0
    assert data["results"]["lstm/raw"]["ratio_of_medians_vs_raw"] == pytest.approx(1.0)
    _check_checks(data["checks"])
    assert any(c["name"] == "lstm_fused_within_10pct_of_raw" and c["required"] for c in data["checks"])


def test_bench_generate_quick(tmp_path):
    data = _run("bench_generate.py", tmp_path / "generate.json")
    assert data["benchmark"] == "generate_cost"
    _check_environment(data["environment"])
    settings = data["settings"]
    short, long = str(settings["short"]), str(settings["long"])
    assert {"greedy", "beam", "greedy_no_cache"} <= set(data["results"])
    for entry in data["results"].values():
        assert entry["seconds_per_token"][short]["median"] > 0
        assert entry["seconds_per_token"][long]["median"] > 0
        assert entry["per_token_ratio_long_over_short"] > 0
        assert entry["extra_output_ids_bytes"] > 0
    greedy = data["results"]["greedy"]
    for length in (short, long):
        memory = greedy["memory"][length]
        assert memory["new_tokens"] == int(length)
        assert isinstance(memory["peak_growth_bytes"], int)
    assert isinstance(greedy["peak_growth_long_minus_short_bytes"], int)
    names = {c["name"] for c in data["checks"]}
    assert {"greedy_per_token_ratio", "greedy_memory_flat"} <= names
    _check_checks(data["checks"])


def test_bench_cli_quick(tmp_path):
    data = _run("bench_cli.py", tmp_path / "cli.json")
    assert data["benchmark"] == "cli_startup"
    _check_environment(data["environment"])
    assert data["settings"]["quick"] is True
    assert set(data["results"]) == {"python -c pass", "rnnhub --help"}  # --quick leaves out the full import
    for entry in data["results"].values():
        assert len(entry["seconds_rounds"]) == data["settings"]["rounds"]
        assert entry["seconds"]["median"] > 0 and entry["ratio_of_medians_vs_bare"] > 0
    _check_checks(data["checks"])
    assert any(c["name"] == "rnnhub_help_under_1s" and c["required"] for c in data["checks"])


def test_bench_buckets_quick(tmp_path):
    data = _run("bench_buckets.py", tmp_path / "buckets.json")
    assert data["benchmark"] == "sentiment_length_buckets"
    _check_environment(data["environment"])
    assert data["settings"]["quick"] is True
    assert set(data["results"]) == {"buckets", "shuffled"}
    for entry in data["results"].values():
        assert len(entry["texts_per_s_rounds"]) == data["settings"]["rounds"]
        assert entry["texts_per_s"]["median"] > 0 and 0 <= entry["padding_share"] < 1
    # Same texts, grouped by length: less padding (the timing is not asserted).
    assert data["results"]["buckets"]["padding_share"] < data["results"]["shuffled"]["padding_share"]
    _check_checks(data["checks"])


def test_bench_writer_quick(tmp_path):
    data = _run("bench_writer.py", tmp_path / "writer.json")
    assert data["benchmark"] == "writer_chars_per_s"
    _check_environment(data["environment"])
    assert data["settings"]["quick"] is True and data["settings"]["batch"] == 1
    assert set(data["results"]) == {"generate", "plain", "plain_native"}
    for entry in data["results"].values():
        assert len(entry["chars_per_s_rounds"]) == data["settings"]["rounds"]
        assert entry["chars_per_s"]["median"] > 0 and entry["cpu_chars_per_s"]["median"] > 0
    assert data["ratio_of_medians"] > 0 and data["cpu_ratio_of_medians"] > 0
    assert data["cpu_ratio_to_plain_native"] > 0
    assert {"model_forward", "plain_step", "generate_loop_rest"} <= set(data["cpu_ms_per_step_parts"])
    _check_checks(data["checks"])
    # The plain loop has the model's weights: both paths decode the same prompt to the same ids.
    assert any(c["name"] == "greedy_agrees" and c["required"] and c["passed"] for c in data["checks"])
