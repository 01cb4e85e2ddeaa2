"""`rnnhub train writer` end to end on tiny data: a complete folder, honest report fields, re-evaluation."""

from __future__ import annotations

import json

import datasets
import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from rnnhub.cli import build_parser
from rnnhub.writers.recipe import WRITERS, train_writer

SCENE = "ACT I\nSCENE I. A room.\n\nROMEO:\nBut soft, what light\nthrough yonder window breaks?\n\nJULIET:\nAy me.\n"
SIZES = {"embedding_size": 6, "hidden_size": 10, "seq_len": 32, "batch_size": 4, "max_steps": 3}
FEW_SAMPLES = {"samples": 2, "reference_limit": 2, "min_frequency": 1}


def tiny_corpus() -> datasets.DatasetDict:
    return datasets.DatasetDict(
        {
            split: datasets.Dataset.from_dict({"text": [SCENE] * 6})
            for split in ("train", "validation", "test")
        }
    )


def test_train_writer_writes_a_complete_folder(tmp_path) -> None:
    out = tmp_path / "lstm-writer-plays"
    result = train_writer(
        "shakespeare-plays",
        output_dir=out,
        data=tiny_corpus(),
        samples=4,
        reference_limit=4,
        min_frequency=1,
        **SIZES,
    )
    names = {path.name for path in out.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md", "eval_report.json"} <= names
    report = json.loads((out / "eval_report.json").read_text())
    assert report["training"]["global_step"] == 3 and report["ngram"]["order"] in (5, 6, 7)
    assert set(report["validity"]) == {"lstm", "ngram", "test texts"}
    assert report["validity"]["test texts"]["share"] == 1.0  # the real speeches pass the check
    assert len(report["samples"]["lstm"]) == len(report["samples"]["ngram"]) == 4
    card = (out / "README.md").read_text()
    assert "Bits per character" in card and "Kneser-Ney" in card and "## Samples" in card
    assert result.bits_per_character["test"] == pytest.approx(report["bits_per_character"]["test"])
    AutoModelForCausalLM.from_pretrained(out)
    assert AutoTokenizer.from_pretrained(out)("R")["input_ids"][0] == 1

    again = train_writer(
        "shakespeare-plays", output_dir=out, data=tiny_corpus(), evaluate_only=True, samples=2
    )
    assert again.report["training"]["global_step"] == 3 and len(again.report["samples"]["lstm"]) == 2
    with pytest.raises(ValueError, match="already holds files"):
        train_writer("shakespeare-plays", output_dir=out, data=tiny_corpus(), **SIZES)


def test_bad_input_says_what_to_do(tmp_path) -> None:
    with pytest.raises(ValueError, match="choose one of: shakespeare-plays, python-stdlib, abc-tunes"):
        train_writer("lm-text-en", output_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="holds no trained writer"):
        train_writer("abc-tunes", output_dir=tmp_path / "empty", data=tiny_corpus(), evaluate_only=True)


def test_the_command_and_the_published_names() -> None:
    args = build_parser().parse_args(
        [
            "train",
            "writer",
            "--corpus",
            "abc-tunes",
            "--output",
            "o",
            "--max-train-minutes",
            "20",
            "--threads",
            "1",
        ]
    )
    assert (args.corpus, args.max_train_minutes, args.threads, args.hidden_size) == (
        "abc-tunes",
        20.0,
        1,
        512,
    )
    assert [w.model_id for w in WRITERS.values()] == [
        "lstm-writer-plays",
        "lstm-writer-programs",
        "lstm-writer-music",
    ]


def test_bf16_training_records_its_precision_machine_and_load(tmp_path, bf16_trainable) -> None:
    out = tmp_path / "bf16"
    train_writer("shakespeare-plays", output_dir=out, data=tiny_corpus(), bf16=True, **SIZES, **FEW_SAMPLES)
    training = json.loads((out / "eval_report.json").read_text())["training"]
    assert training["settings"]["bf16"] is True and "vCPU" in training["hardware"]
    assert len(training["load_average"]["start"]) == len(training["load_average"]["end"]) == 3
    card = (out / "README.md").read_text()
    assert "bfloat16 autocast (float32 weights)" in card and "load average" in card
    model = AutoModelForCausalLM.from_pretrained(out)
    assert {str(p.dtype) for p in model.parameters()} == {"torch.float32"}
    args = build_parser().parse_args(["train", "writer", "--corpus", "abc-tunes", "--output", "o", "--bf16"])
    assert args.bf16 is True
