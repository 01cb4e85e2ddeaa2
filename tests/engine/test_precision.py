"""``--bf16`` on a machine that cannot train in bfloat16 is refused up front, with what to do, and nothing is written.

The training under bf16 itself is tested by the recipes' own tests (``bf16_trainable`` fixture)."""

from __future__ import annotations

import datasets
import pytest
import torch

from builders import caption_splits
from rnnhub.captioning.recipe import train_captioning
from rnnhub.cli import main
from rnnhub.engine import precision
from rnnhub.engine.trainer import make_training_arguments
from rnnhub.translation.recipe import train_translation
from rnnhub.writers.recipe import train_writer


@pytest.fixture
def cpu_without_bf16(monkeypatch):
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def test_the_problem_names_the_cpu_and_what_to_do(cpu_without_bf16) -> None:
    problem = precision.bf16_problem(use_cpu=True)
    assert "AVX512-BF16 or AMX" in problem and torch.backends.cpu.get_cpu_capability() in problem
    assert "Train without --bf16" in problem
    with pytest.raises(ValueError, match="Train without --bf16"):
        precision.check_bf16()


def test_a_cpu_with_native_bf16_is_accepted(monkeypatch) -> None:
    monkeypatch.setattr(precision, "cpu_has_native_bf16", lambda: True)
    assert precision.bf16_problem(use_cpu=True) is None
    precision.check_bf16(use_cpu=True)


def test_the_probe_agrees_with_torch() -> None:
    assert precision.cpu_has_native_bf16() == bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def test_training_arguments_refuse_bf16_and_accept_float32(cpu_without_bf16, tmp_path) -> None:
    common = {
        "epochs": 1,
        "learning_rate": 1e-3,
        "batch_size": 2,
        "eval_steps": None,
        "metric_for_best_model": "loss",
        "save_total_limit": 1,
        "seed": 0,
        "progress": False,
    }
    with pytest.raises(ValueError, match="native bfloat16"):
        make_training_arguments(tmp_path / "ckpt", overrides={"bf16": True}, **common)
    assert make_training_arguments(tmp_path / "ckpt", overrides={}, **common).bf16 is False


def test_the_recipes_refuse_before_writing_anything(cpu_without_bf16, tmp_path) -> None:
    pairs = datasets.Dataset.from_dict({"source": ["Hallo."] * 4, "target": ["Hello."] * 4})
    splits = datasets.DatasetDict({"train": pairs, "validation": pairs, "test": pairs})
    with pytest.raises(ValueError, match="Train without --bf16"):
        train_translation("ding-de-en", cell_type="lstm", output_dir=tmp_path / "t", data=splits, bf16=True)
    texts = datasets.Dataset.from_dict({"text": ["ROMEO:\nHello.\n"] * 4})
    writer_data = datasets.DatasetDict({"train": texts, "validation": texts, "test": texts})
    with pytest.raises(ValueError, match="Train without --bf16"):
        train_writer("shakespeare-plays", output_dir=tmp_path / "w", data=writer_data, bf16=True)
    with pytest.raises(ValueError, match="Train without --bf16"):
        train_captioning(output_dir=tmp_path / "c", data=caption_splits(), bf16=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_the_command_line_says_it_in_one_message(cpu_without_bf16, tmp_path, capsys) -> None:
    output = tmp_path / "w"
    status = main(["train", "writer", "--corpus", "abc-tunes", "--output", str(output), "--bf16"])
    assert status == 2 and not output.exists()
    assert "Train without --bf16" in capsys.readouterr().err
