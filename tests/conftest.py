"""Shared test setup: deterministic seeds, one thread (the CI box has 2 cores), no network.

The tree mirrors the package (``tests/translation/test_pipeline.py`` tests ``rnnhub/translation/pipeline.py``);
the tiny models and data the tests share are built by ``tests/builders.py`` (importable from every test module,
which a conftest is not meant to be)."""

import os
import warnings

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


# Tiny models run fastest on one thread, and the CI box has only 2 cores.
torch.set_num_threads(1)


# Files collected first, longest first: `make test` deals whole files to 2 workers in collection order
# (`--dist loadfile --no-loadscope-reorder`; without the flag xdist deals the files with most tests first), so a
# file of many minutes dealt late leaves one worker alone with it at the end. The demo's memory soak (about half
# the suite's time) starts at once and the rest fills the other worker meanwhile.
FIRST = ("demo/test_memory.py",)


def pytest_collection_modifyitems(config, items):
    def order(item):
        path = item.path.as_posix()
        return next((k for k, name in enumerate(FIRST) if path.endswith("tests/" + name)), len(FIRST))

    items.sort(key=order)  # stable: every other test keeps its place


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield


@pytest.fixture
def no_network(monkeypatch):
    """Any Hub call (creating a repo, uploading a folder) fails the test."""
    from huggingface_hub import HfApi

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to reach the Hugging Face Hub")

    monkeypatch.setattr(HfApi, "create_repo", refuse)
    monkeypatch.setattr(HfApi, "upload_folder", refuse)


@pytest.fixture
def bf16_trainable(monkeypatch):
    """Lets a test train under ``--bf16`` on any CPU, so its plumbing (Trainer's ``bf16``, float32 weights saved, the
    card's precision line) is tested on every machine.

    On a CPU with native bfloat16 nothing changes. On one without it (AVX2 only), where ``--bf16`` is refused
    (``rnnhub.engine.precision``; its own tests check the refusal), the probe is told yes and oneDNN is turned off,
    so the recurrent layers take torch's native kernels, which do run under bfloat16 autocast (slowly: fine for a
    tiny model)."""
    from rnnhub.engine import precision

    if precision.cpu_has_native_bf16():
        yield
        return
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="TF32 acceleration on top of oneDNN")
        with torch.backends.mkldnn.flags(enabled=False):
            yield
