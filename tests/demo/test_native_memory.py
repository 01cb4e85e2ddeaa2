"""The served demo bounds its native memory (rnnhub.demo.native_memory): oneDNN's primitive cache, which otherwise
keeps a kernel for every new sequence length, and glibc's mmap threshold, which otherwise rises after each large
free and leaves large blocks in the arenas. The effects are measured in subprocesses, so this worker's allocator
and oneDNN stay as they are."""

import os
import subprocess
import sys

import gradio as gr
import pytest

from rnnhub.demo import app
from rnnhub.demo.native_memory import (
    DEFAULTS_ENV,
    MMAP_ENV,
    ONEDNN_ENV,
    SERVER_CACHE_CAPACITY,
    SERVER_MMAP_THRESHOLD,
    bound_native_memory,
    cap_onednn_cache,
    fix_mmap_threshold,
)

# A bidirectional LSTM run on LENGTHS new lengths, one after another: the process's RSS growth in MB.
CACHE_GROWTH = """
import os, sys
import torch
from rnnhub.demo.soak import rss_bytes
if sys.argv[1] == "capped":
    from rnnhub.demo.native_memory import cap_onednn_cache
    cap_onednn_cache()
torch.set_num_threads(1)
def rss():
    return rss_bytes(os.getpid()) / (1 << 20)
lstm = torch.nn.LSTM(128, 128, bidirectional=True, batch_first=True)
with torch.no_grad():
    lstm(torch.randn(1, 1, 128))
    start = rss()
    for length in range(2, 2 + int(sys.argv[2])):
        lstm(torch.randn(1, length, 128))
print(rss() - start)
"""
LENGTHS = 160
# Free a 1 MiB block (glibc's dynamic threshold rises to 1 MiB), then ask for 512 KiB: mmapped or from an arena?
MMAPPED_AFTER_A_LARGE_FREE = """
import ctypes, sys
libc = ctypes.CDLL("libc.so.6")
if sys.argv[1] == "fixed":
    from rnnhub.demo.native_memory import fix_mmap_threshold
    assert fix_mmap_threshold() is not None
class Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]
libc.mallinfo2.restype = Mallinfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(1 << 20))
before = libc.mallinfo2().hblks
block = libc.malloc(512 << 10)
print(libc.mallinfo2().hblks - before)
libc.free(block)
"""


def _run(script: str, *args: str) -> str:
    env = {key: value for key, value in os.environ.items() if key not in (ONEDNN_ENV, MMAP_ENV, DEFAULTS_ENV)}
    env["OMP_NUM_THREADS"] = "1"
    result = subprocess.run([sys.executable, "-c", script, *args], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


@pytest.fixture
def nothing_set(monkeypatch):
    """None of the variables set for the test, and none left behind (setenv records their absence, so the undo
    removes what the code under test sets)."""
    for name in (ONEDNN_ENV, MMAP_ENV, DEFAULTS_ENV):
        monkeypatch.setenv(name, "0")
        monkeypatch.delenv(name)


def test_the_cache_cap_is_set_unless_the_operator_did(nothing_set, monkeypatch):
    assert cap_onednn_cache() == SERVER_CACHE_CAPACITY and os.environ[ONEDNN_ENV] == str(
        SERVER_CACHE_CAPACITY
    )
    monkeypatch.setenv(ONEDNN_ENV, "512")
    assert cap_onednn_cache() == 512 and os.environ[ONEDNN_ENV] == "512"


def test_values_the_libraries_cannot_take_are_refused(nothing_set, monkeypatch):
    with pytest.raises(ValueError, match="0 \\(no cache\\) or more"):
        cap_onednn_cache(-1)
    assert ONEDNN_ENV not in os.environ
    with pytest.raises(ValueError, match="between 1 byte and 32 MiB"):
        fix_mmap_threshold(64 << 20)
    monkeypatch.setenv(ONEDNN_ENV, "lots")
    with pytest.raises(ValueError, match="not a whole number.*unset it"):
        cap_onednn_cache()
    monkeypatch.setenv(MMAP_ENV, "128k")
    with pytest.raises(
        ValueError, match="MALLOC_MMAP_THRESHOLD_='128k' is not a whole number of bytes; unset it"
    ):
        fix_mmap_threshold()


def test_the_operators_mmap_threshold_wins_and_defaults_can_be_kept(nothing_set, monkeypatch):
    monkeypatch.setenv(MMAP_ENV, "262144")
    assert fix_mmap_threshold() == 262144
    monkeypatch.setenv(DEFAULTS_ENV, "1")
    assert bound_native_memory() == {"onednn_cache_capacity": None, "mmap_threshold": None}
    assert ONEDNN_ENV not in os.environ


def test_launch_bounds_native_memory_before_serving(monkeypatch):
    calls = []
    monkeypatch.setattr(app, "bound_native_memory", lambda: calls.append("bound"))
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kwargs: calls.append("launch"))
    app.launch(gr.Blocks())
    assert calls == ["bound", "launch"]


def test_the_cache_cap_bounds_the_memory_new_lengths_keep():
    uncapped = float(_run(CACHE_GROWTH, "uncapped", str(LENGTHS)))
    capped = float(_run(CACHE_GROWTH, "capped", str(LENGTHS)))
    # About 0.3-0.5 MB a new length without the cap (60-95 MB over 160 here); with 64 entries the cache stops
    # growing after 64 lengths.
    assert uncapped > 30, f"{LENGTHS} new lengths grew RSS by only {uncapped:.1f} MB without the cap"
    assert capped < 0.6 * uncapped, f"capped {capped:.1f} MB against {uncapped:.1f} MB uncapped"


def test_a_fixed_threshold_keeps_large_blocks_out_of_the_arenas():
    assert _run(MMAPPED_AFTER_A_LARGE_FREE, "dynamic") == "0"  # glibc's default: the threshold rose to 1 MiB
    assert _run(MMAPPED_AFTER_A_LARGE_FREE, "fixed") == "1"
    assert SERVER_MMAP_THRESHOLD <= 512 << 10
