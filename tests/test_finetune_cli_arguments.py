"""`rnnhub finetune` as a run_glue.py user knows it: HfArgumentParser over rnnhub's dataclasses and TrainingArguments,
a JSON/YAML file of arguments, the old short flags as aliases, TensorBoard event files, --push_to_hub (the Hub
mocked), and the history of every evaluation in eval_report.json."""

import json
import os
import shlex
from pathlib import Path

import pytest
import torch

from builders import make_classifier, sentiment_rows, write_rows
from rnnhub import finetune_cli
from rnnhub.engine.launch import single_process_launch_warning

COLUMNS = {"text_column": "review", "label_column": "sentiment"}


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return make_classifier(tmp_path_factory.mktemp("source") / "classifier")


@pytest.fixture
def data(tmp_path) -> Path:
    return write_rows(tmp_path / "reviews.csv", sentiment_rows(40))


def base(source, data, out) -> list[str]:
    return ["--model", str(source), "--data", str(data), "--output", str(out)] + [
        "--text-column",
        "review",
        "--label-column",
        "sentiment",
    ]


def test_a_json_file_of_arguments_runs_and_passes_training_arguments_through(source, data, tmp_path):
    out = tmp_path / "out"
    config = {
        "model": str(source),
        "data": str(data),
        "output": str(out),  # an old short name works in the file too
        **COLUMNS,
        "num_train_epochs": 2,
        "per_device_train_batch_size": 6,
        "gradient_accumulation_steps": 2,
        "weight_decay": 0.01,
        "lr_scheduler_type": "constant",
        "keep_checkpoints": True,
        "patience": 0,
    }
    path = tmp_path / "args.json"
    path.write_text(json.dumps(config))
    assert finetune_cli.main([str(path)]) == 0
    report = json.loads((out / "eval_report.json").read_text())
    # 36 training rows, 6 a batch, 2 batches a step: 3 steps an epoch.
    assert report["global_step"] == 6 and report["epochs_trained"] == 2.0
    # The TrainingArguments Trainer ran with: what the file gave, and the engine's choices where it said nothing.
    checkpoint = sorted((out / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[
        -1
    ]
    args = torch.load(checkpoint / "training_args.bin", weights_only=False)
    assert (args.gradient_accumulation_steps, args.weight_decay, str(args.lr_scheduler_type.value)) == (
        2,
        0.01,
        "constant",
    )
    assert (args.learning_rate, args.per_device_train_batch_size, args.seed) == (
        1e-3,
        6,
        0,
    )  # rnnhub's defaults
    assert args.eval_strategy == "epoch" and args.load_best_model_at_end and args.save_total_limit == 2
    # The card's command reproduces the run as flags, rnnhub's short names first, TrainingArguments' as named.
    assert report["command"] == (
        f"rnnhub finetune --model {source} --data {data} --output {out} --text-column review "
        "--label-column sentiment --patience 0 --keep-checkpoints --batch-size 6 --epochs 2 "
        "--lr_scheduler_type constant --weight_decay 0.01 --gradient_accumulation_steps 2"
    )
    # Classification keeps the history of its evaluations now, as every task does.
    history = report["history"]
    assert [(row["epoch"], row["step"]) for row in history] == [(1.0, 3), (2.0, 6)]
    for row in history:
        assert {"loss", "eval_loss", "eval_accuracy", "eval_macro_f1"} <= row.keys()
        assert "eval_runtime" not in row
    assert report["best_step"] in (3, 6)


def test_a_yaml_file_parses_as_the_same_json_and_options_after_it_override(tmp_path):
    values = {
        "model": "m",
        "data": "d.csv",
        "output_dir": "o",
        "epochs": 3,
        "bf16": True,
        "length_buckets": False,
    }
    (tmp_path / "a.json").write_text(json.dumps(values))
    (tmp_path / "a.yaml").write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in values.items()))
    from_json = finetune_cli.parse_arguments([str(tmp_path / "a.json")])
    from_yaml = finetune_cli.parse_arguments([str(tmp_path / "a.yaml")])
    assert from_json == from_yaml
    assert from_json.schedule["num_train_epochs"] == 3.0 and from_json.training == {"bf16": True}
    assert from_json.data.length_buckets is False
    later = finetune_cli.parse_arguments([str(tmp_path / "a.yaml"), "--epochs", "1", "--seed", "4"])
    assert (later.schedule["num_train_epochs"], later.schedule["seed"]) == (1.0, 4)


def test_a_bad_arguments_file_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"model": "m", "data": "d", "output": "o", "num_epochs": 2}))
    assert finetune_cli.main([str(path)]) == 2
    assert "unknown argument 'num_epochs'" in capsys.readouterr().err
    path.write_text("[1, 2]")
    assert finetune_cli.main([str(path)]) == 2
    assert "must hold a mapping of argument names to values" in capsys.readouterr().err
    path.write_text("{not json")
    assert finetune_cli.main([str(path)]) == 2
    assert "is not valid JSON" in capsys.readouterr().err


OLD = [
    "--output", "o", "--epochs", "2", "--batch-size", "4", "--learning-rate", "0.1", "--metric", "accuracy",
    "--eval-steps", "5", "--save-total-limit", "1", "--seed", "3",
]  # fmt: skip
NEW = [
    "--output_dir", "o", "--num_train_epochs", "2", "--per_device_train_batch_size", "4", "--learning_rate", "0.1",
    "--metric_for_best_model", "accuracy", "--eval_steps", "5", "--save_total_limit", "1", "--seed", "3",
]  # fmt: skip


def test_the_old_flags_are_aliases_of_the_training_arguments():
    start = ["--model", "m", "--data", "d.csv"]
    old, new = finetune_cli.parse_arguments(start + OLD), finetune_cli.parse_arguments(start + NEW)
    assert (
        old.schedule
        == new.schedule
        == {
            "output_dir": "o",
            "num_train_epochs": 2.0,
            "learning_rate": 0.1,
            "per_device_train_batch_size": 4,
            "seed": 3,
            "save_total_limit": 1,
            "eval_steps": 5.0,
            "metric_for_best_model": "accuracy",
        }
    )
    assert old.training == new.training == {}  # nothing more to pass on: the fine-tune takes these itself
    # Both record the same command, in the old short names, and that command parses back to the same run.
    assert (
        old.command
        == new.command
        == (
            "rnnhub finetune --model m --data d.csv --output o --batch-size 4 --epochs 2 --learning-rate 0.1 "
            "--eval-steps 5 --save-total-limit 1 --metric accuracy --seed 3"
        )
    )
    assert finetune_cli.parse_arguments(shlex.split(old.command)[2:]) == old


def test_the_old_rnnhub_options_keep_their_names_and_meanings():
    parsed = finetune_cli.parse_arguments(
        ["--model", "m", "--data", "d", "--output", "o", "--text-column", "review", "--no-length-buckets"]
        + ["--freeze-vectors", "--vectors", "v.txt", "--pooling", "concat", "--layer-lr-decay", "2.6"]
        + [
            "--gradual-unfreezing",
            "--patience",
            "0",
            "--resume",
            "--keep-checkpoints",
            "--json",
            "--progress",
        ]
        + ["--num-beams", "2", "--max-length", "64", "--validation-fraction", "0.2", "--overwrite"]
        + ["--allow-images-outside-data", "--model-id", "me/x", "--license", "mit", "--source-lang", "de"]
    )
    model, data, run = parsed.model, parsed.data, parsed.run
    assert (data.text_column, data.length_buckets, data.num_beams, data.max_length) == (
        "review",
        False,
        2,
        64,
    )
    assert (data.validation_fraction, data.allow_images_outside_data, data.source_lang) == (0.2, True, "de")
    assert (model.freeze_vectors, model.vectors, model.pooling, model.layer_lr_decay) == (
        True,
        "v.txt",
        "concat",
        2.6,
    )
    assert (model.gradual_unfreezing, model.model_id, model.license) == (True, "me/x", "mit")
    assert (run.patience, run.resume, run.keep_checkpoints, run.json, run.progress, run.overwrite) == (
        0,
        True,
        True,
        True,
        True,
        True,
    )
    # How a run is shown or continued is not part of the command that reproduces it.
    for flag in ("--resume", "--json", "--progress", "--overwrite"):
        assert flag not in parsed.command.split()
    with pytest.raises(SystemExit):
        finetune_cli.parse_arguments(["--model", "m", "--data", "d", "--output", "o", "--pooling", "sum"])


def test_required_and_unsupported_options_are_named(capsys):
    assert finetune_cli.main(["--model", "m"]) == 2
    assert "--data, --output required" in capsys.readouterr().err
    argv = ["--model", "m", "--data", "d", "--output", "o", "--resume_from_checkpoint", "x"]
    assert finetune_cli.main(argv) == 2
    assert "--resume_from_checkpoint is not supported here: use --resume" in capsys.readouterr().err


def test_warmup_ratio_is_passed_as_transformers_5_spells_it():
    start = ["--model", "m", "--data", "d", "--output", "o"]
    parsed = finetune_cli.parse_arguments([*start, "--warmup_ratio", "0.1"])
    assert finetune_cli._training_overrides(parsed) == {"warmup_steps": 0.1}
    for extra, message in (
        (["--warmup_ratio", "1.5"], "--warmup_ratio must be at least 0 and below 1"),
        (["--warmup_ratio", "0.1", "--warmup_steps", "10"], "not both"),
    ):
        with pytest.raises(ValueError, match=message):
            finetune_cli._training_overrides(finetune_cli.parse_arguments([*start, *extra]))


def test_seq2seq_arguments_are_refused_for_a_classifier(source, data, tmp_path, capsys):
    argv = [*base(source, data, tmp_path / "out"), "--predict_with_generate", "--generation_num_beams", "2"]
    assert finetune_cli.main(argv) == 2
    assert (
        "--predict_with_generate, --generation_num_beams are Seq2SeqTrainingArguments"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()


def test_report_to_tensorboard_writes_event_files_into_the_output(source, data, tmp_path):
    out = tmp_path / "out"
    assert finetune_cli.main([*base(source, data, out), "--epochs", "1", "--report_to", "tensorboard"]) == 0
    events = list((out / "runs").rglob("events.out.tfevents.*"))
    assert events and all(event.stat().st_size > 0 for event in events)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    accumulator = EventAccumulator(str(events[0].parent))
    accumulator.Reload()
    assert "eval/loss" in accumulator.Tags()["scalars"]
    assert "--report_to tensorboard" in json.loads((out / "eval_report.json").read_text())["command"]


class FakeHub:
    """HfApi with the calls rnnhub makes recorded instead of sent."""

    calls: list = []

    def __init__(self, token=None):
        self.token = token

    def create_repo(self, repo_id, **kwargs):
        FakeHub.calls.append(("create_repo", repo_id, kwargs, self.token))

    def upload_folder(self, *, repo_id, folder_path, **kwargs):
        files = sorted(str(p.relative_to(folder_path)) for p in Path(folder_path).rglob("*") if p.is_file())
        FakeHub.calls.append(("upload_folder", repo_id, folder_path, files))
        return type("Commit", (), {"commit_url": f"https://huggingface.co/{repo_id}/commit/abc"})()


def test_push_to_hub_uploads_the_finished_folder_once(source, data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("rnnhub.publish.hub.HfApi", FakeHub)
    FakeHub.calls = []
    out = tmp_path / "out"
    argv = [*base(source, data, out), "--epochs", "1", "--push_to_hub", "--hub_model_id", "me/tuned"]
    assert finetune_cli.main([*argv, "--hub_private_repo", "True", "--hub_token", "secret"]) == 0
    assert "Pushed to the Hub: https://huggingface.co/me/tuned/commit/abc" in capsys.readouterr().out
    (create, repo_id, kwargs, token), (upload, upload_id, folder, files) = FakeHub.calls
    assert (create, repo_id, kwargs["private"], token) == ("create_repo", "me/tuned", True, "secret")
    assert (upload, upload_id, folder) == ("upload_folder", "me/tuned", str(out))
    assert {"model.safetensors", "config.json", "README.md", "eval_report.json"} <= set(files)
    assert not any(name.startswith("checkpoints") or name.endswith(".bin") for name in files)  # no pickles
    # The card's snippets load the pushed repo; the command leaves the token and the push out.
    assert "me/tuned" in (out / "README.md").read_text()
    command = json.loads((out / "eval_report.json").read_text())["command"]
    assert not {"secret", "--push_to_hub", "--hub_token"} & set(command.split())


def test_push_to_hub_refuses_to_upload_checkpoints(source, data, tmp_path, capsys):
    argv = [*base(source, data, tmp_path / "out"), "--push_to_hub", "--keep-checkpoints"]
    assert finetune_cli.main(argv) == 2
    assert "would upload the checkpoints, which hold pickles" in capsys.readouterr().err


def test_accelerate_cpu_launch_of_one_process_is_named():
    # What `accelerate launch --cpu --num_processes 2 -m rnnhub.finetune_cli` gives its single process.
    one = {"ACCELERATE_USE_CPU": "True", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29500"}
    assert "started one process only" in single_process_launch_warning(one)
    assert "torchrun --nproc_per_node N" in single_process_launch_warning(one)
    assert single_process_launch_warning({"ACCELERATE_USE_CPU": "True"}) is None  # --num_processes 1
    assert single_process_launch_warning({**one, "WORLD_SIZE": "2", "RANK": "0"}) is None  # torchrun, mpirun
    assert single_process_launch_warning({}) is None


def test_help_lists_rnnhubs_options_and_help_training_every_training_argument(capsys):
    assert finetune_cli.main(["--help"]) == 0
    text = capsys.readouterr().out
    for flag in (
        "--text-column",
        "--num-train-epochs, --epochs",
        "--batch-size",
        "--help-training",
        "--patience",
    ):
        assert flag in text
    assert finetune_cli.main(["--help-training"]) == 0
    text = capsys.readouterr().out
    for flag in (
        "--gradient_accumulation_steps",
        "--bf16",
        "--lr_scheduler_type",
        "--hub_model_id",
        "--fsdp",
    ):
        assert flag in text


def test_the_rnnhub_command_hands_every_token_to_the_finetune_parser(tmp_path, capsys):
    from rnnhub.cli import build_parser

    (tmp_path / "args.yaml").write_text("model: m\ndata: d.csv\noutput: o\n")
    args = build_parser().parse_args(["finetune", str(tmp_path / "args.yaml"), "--bf16", "--max_steps", "7"])
    parsed = finetune_cli.arguments_of(args)
    assert parsed.training == {"bf16": True, "max_steps": 7} and parsed.schedule["output_dir"] == "o"
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["finetune", "--help"])
    assert stop.value.code == 0 and "--text-column" in capsys.readouterr().out


def test_tensorboard_missing_is_named_and_the_log_folder_is_set_only_for_the_run(tmp_path, monkeypatch):
    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    with finetune_cli._tensorboard_into(tmp_path / "runs", "tensorboard"):
        assert os.environ["TENSORBOARD_LOGGING_DIR"] == str(tmp_path / "runs")
    assert "TENSORBOARD_LOGGING_DIR" not in os.environ
    with finetune_cli._tensorboard_into(tmp_path / "runs", "none"):
        assert "TENSORBOARD_LOGGING_DIR" not in os.environ
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)
    with pytest.raises(ValueError, match="pip install tensorboard"):
        finetune_cli._tensorboard_into(tmp_path / "runs", "tensorboard").__enter__()
    with finetune_cli._tensorboard_into(tmp_path / "runs", "all"):  # "all" is what is installed: nothing here
        assert "TENSORBOARD_LOGGING_DIR" not in os.environ
