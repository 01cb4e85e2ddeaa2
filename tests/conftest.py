"""Shared test setup: deterministic seeds, one thread (the CI box has 2 cores), no network.

The tree mirrors the package (``tests/translation/test_pipeline.py`` tests ``rnnhub/translation/pipeline.py``);
the tiny models and data the tests share are built by ``tests/builders.py`` (importable from every test module,
which a conftest is not meant to be)."""

import os

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


# Tiny models run fastest on one thread, and the CI box has only 2 cores.
torch.set_num_threads(1)


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
