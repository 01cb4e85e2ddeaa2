"""The nearest-neighbour baseline scored with every metric, on any split, broken down by a column, and on a
committed corpus folder by name."""

from __future__ import annotations

from pathlib import Path

import datasets
import pytest

from builders import caption_splits
from rnnhub.captioning.baseline import corpus_baseline, run_nearest_neighbour_baseline
from rnnhub.data import common

METRICS = {"bleu", "chrf", "cider", "exact_match", "content_hit"}


def _with_source(split: datasets.Dataset) -> datasets.Dataset:
    return split.add_column("source", ["openclipart" if i % 2 else "tuxpaint" for i in range(len(split))])


def test_every_metric_on_any_split_with_a_breakdown() -> None:
    splits = caption_splits()
    splits["test"] = _with_source(splits["test"])
    result = run_nearest_neighbour_baseline(splits, evaluate=("test", "validation"), breakdown="source")
    assert set(result["metrics"]) == {"test", "validation"}
    assert all(set(scores) == METRICS for scores in result["metrics"].values())
    by_source = result["metrics_by"]["test"]
    assert set(by_source) == {"openclipart", "tuxpaint"} and "validation" not in result["metrics_by"]
    assert sum(part["rows"] for part in by_source.values()) == len(splits["test"])
    # shifted copies of training shapes: retrieval names them exactly
    assert result["metrics"]["test"]["exact_match"] == 1.0 and result["metrics"]["test"]["content_hit"] == 1.0
    with pytest.raises(ValueError, match="'test_unseen' split"):
        run_nearest_neighbour_baseline(splits, evaluate=("test_unseen",))


def test_corpus_baseline_loads_a_committed_folder_by_name(tmp_path: Path) -> None:
    splits = caption_splits()
    common.write_dataset(tmp_path / "shapes", dict(splits), {"license": "other"}, "# shapes")
    result = corpus_baseline("shapes", root=str(tmp_path))
    assert result["corpus"] == "shapes" and set(result["metrics"]) == {"test", "test_variants"}
    assert result["rows"] == {name: len(split) for name, split in splits.items()}
    assert result["metrics_by"] == {}  # no source column here
    only = corpus_baseline("shapes", evaluate=["test"], breakdown=None, root=str(tmp_path))
    assert set(only["metrics"]) == {"test"} and "metrics_by" not in only
