"""`rnnhub finetune`: the command, kill-and-resume to the same result, and data-parallel runs under torchrun."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from builders import make_classifier, sentiment_rows, write_rows
from rnnhub import finetune_cli
from rnnhub.engine.output import old_dir, staging_dir
from rnnhub.engine.trainer import CHECKPOINTS_DIRNAME

SRC = str(Path(__file__).resolve().parents[1] / "src")


def parse(argv):
    parser = argparse.ArgumentParser(prog="rnnhub")
    finetune_cli.add_cli(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def command(model, data, out, *extra) -> list[str]:
    return [
        "--model",
        str(model),
        "--data",
        str(data),
        "--text-column",
        "review",
        "--label-column",
        "sentiment",
        "--output",
        str(out),
        *extra,
    ]


def subprocess_env() -> dict[str, str]:
    # One thread, as in-process tests use (conftest), so that float results can be compared exactly.
    return {
        **os.environ,
        "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "OMP_NUM_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    # Dropout makes the result depend on the RNG stream, which resuming must restore too.
    return make_classifier(tmp_path_factory.mktemp("source") / "classifier", dropout=0.2)


def test_finetune_subcommand_prints_a_summary(source, tmp_path, capsys):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(40))
    args = parse(["finetune", *command(source, data, tmp_path / "out", "--epochs", "2", "--seed", "7")])
    assert args.func(args) == 0
    captured = capsys.readouterr()
    printed = captured.out
    assert (
        "Fine-tuned a RnnHubForSequenceClassification (reused head) for labels: positive, negative" in printed
    )
    # The CSV has no validation split: the held-out share is named, and its small size called out.
    assert "INFO: validation: 4 rows, held out from the 40 training rows" in captured.err
    assert "WARNING: the validation split has only 4 rows" in captured.err
    assert "validation" in printed and "accuracy" in printed
    report = json.loads((tmp_path / "out" / "eval_report.json").read_text())
    # The card's command reproduces the run: required and non-default options only.
    assert report["command"] == (
        f"rnnhub finetune --model {source} --data {data} --output {tmp_path / 'out'} --text-column review "
        "--label-column sentiment --epochs 2 --seed 7"
    )


def test_teachers_distil_the_model_and_the_report_names_them(source, tmp_path, capsys):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(40))
    argv = command(source, data, tmp_path / "out", "--epochs", "1", "--teachers", str(source))
    assert finetune_cli.main([*argv, "--distill-weight", "0.9", "--distill-temperature", "4"]) == 0
    report = json.loads((tmp_path / "out" / "eval_report.json").read_text())
    distillation = report["distillation"]
    assert [t["folder"] for t in distillation["teachers"]] == [str(source)]
    assert distillation["weight"] == 0.9 and distillation["temperature"] == 4.0
    assert "--teachers" in report["command"] and "--distill-weight 0.9" in report["command"]


def test_the_tfidf_teacher_distils_the_model_alone_and_the_report_records_its_settings(source, tmp_path):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(40))
    argv = command(source, data, tmp_path / "out", "--epochs", "1", "--tfidf-teacher", "word")
    assert finetune_cli.main([*argv, "--distill-temperature", "1"]) == 0
    report = json.loads((tmp_path / "out" / "eval_report.json").read_text())
    (teacher,) = report["distillation"]["teachers"]
    assert teacher["kind"] == "tfidf-logistic-regression" and teacher["analyzer"] == "word"
    assert teacher["folds"] == 5 and 0.0 <= teacher["out_of_fold_train_accuracy"] <= 1.0
    assert report["distillation"]["temperature"] == 1.0 and "--tfidf-teacher word" in report["command"]


def test_distillation_settings_without_teachers_are_refused(source, tmp_path, capsys):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(20))
    assert finetune_cli.main(command(source, data, tmp_path / "out", "--distill-temperature", "4")) == 2
    assert (
        "--distill-temperature set how to distil from teachers: give --teachers FOLDER ... or --tfidf-teacher"
        in capsys.readouterr().err
    )
    assert (
        finetune_cli.main(
            command(source, data, tmp_path / "out", "--teachers", str(source), "--distill-weight", "2")
        )
        == 2
    )
    assert "distill_weight is the share of the loss" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_json_output(source, tmp_path, capsys):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(20))
    assert finetune_cli.main(command(source, data, tmp_path / "out", "--epochs", "1", "--json")) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["labels"] == ["positive", "negative"]
    assert summary["report_path"] == str(tmp_path / "out" / "eval_report.json")


def test_errors_are_one_line_with_exit_code_2(source, tmp_path, capsys):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(20))
    code = finetune_cli.main(command(source, data, tmp_path / "out") + ["--label-column", "stars"])
    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith("rnnhub finetune: error: Column 'stars' (for 'label') not found")
    assert finetune_cli.main(command(source, data, tmp_path / "out", "--resume")) == 2
    assert "Nothing to resume" in capsys.readouterr().err


def test_translation_flags_are_refused_for_a_classifier(source, tmp_path, capsys):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(20))
    argv = command(source, data, tmp_path / "out", "--source-lang", "de", "--dataset-config-name", "x")
    assert finetune_cli.main(argv) == 2
    error = capsys.readouterr().err
    assert "--source-lang, --dataset-config-name apply to translation models" in error
    assert not (tmp_path / "out").exists()


def test_too_many_beams_are_refused_before_training(tmp_path, capsys):
    from builders import save_tiny_translator

    model = save_tiny_translator(tmp_path / "translator")
    data = write_rows(tmp_path / "pairs.csv", [{"source": "Hallo", "target": "Hello"}] * 4)
    argv = [
        "--model",
        str(model),
        "--data",
        str(data),
        "--output",
        str(tmp_path / "out"),
        "--num-beams",
        "1000",
    ]
    assert finetune_cli.main(argv) == 2
    assert "num_beams=1000 is above the limit of 16 beams" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_an_existing_output_is_refused_without_overwrite(source, tmp_path, capsys):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(20))
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("another model's card")
    assert finetune_cli.main(command(source, data, out, "--epochs", "1")) == 2
    error = capsys.readouterr().err
    assert "already holds files (README.md); pass --overwrite" in error
    assert (out / "README.md").read_text() == "another model's card"
    (out / "README.md").unlink()
    assert finetune_cli.main(command(source, data, out, "--epochs", "1")) == 0  # an empty folder is fine


def test_a_crash_while_saving_leaves_the_old_folder_intact(source, tmp_path, monkeypatch):
    from rnnhub.engine import report

    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(24))
    out = tmp_path / "out"
    assert finetune_cli.main(command(source, data, out, "--epochs", "1", "--seed", "1")) == 0
    before = folder_bytes(out)
    assert {"model.safetensors", "README.md", "eval_report.json"} <= before.keys()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed while writing the card")

    # The new weights are written, the card is not: the moment a kill used to leave new weights by an old card.
    monkeypatch.setattr(report, "write_card", crash)
    again = command(source, data, out, "--epochs", "2", "--seed", "2", "--overwrite")
    with pytest.raises(KeyboardInterrupt):
        finetune_cli.main(again)
    assert folder_bytes(out) == before, "the previous folder changed"
    assert (staging_dir(out) / "model.safetensors").is_file()  # the new weights wait beside it

    # The same command with --resume finishes from the staged checkpoints and only then replaces the folder.
    monkeypatch.undo()
    assert finetune_cli.main([*again, "--resume"]) == 0
    after = folder_bytes(out)
    assert (
        after["model.safetensors"] != before["model.safetensors"]
        and after["README.md"] != before["README.md"]
    )
    assert "--epochs 2" in json.loads(after["eval_report.json"])["command"]
    assert not staging_dir(out).exists() and not old_dir(out).exists()
    assert "--overwrite" not in json.loads(after["eval_report.json"])["command"]


def test_a_kill_between_the_renames_puts_the_old_folder_back(source, tmp_path, capsys):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(20))
    out = tmp_path / "out"
    assert finetune_cli.main(command(source, data, out, "--epochs", "1")) == 0
    before = folder_bytes(out)
    out.rename(old_dir(out))  # the first rename done, the second not
    assert finetune_cli.main(command(source, data, out, "--epochs", "1")) == 2
    assert "already holds files" in capsys.readouterr().err
    assert folder_bytes(out) == before and not old_dir(out).exists()


def final_state(out: Path) -> tuple[dict, dict]:
    report = json.loads((out / "eval_report.json").read_text())
    facts = {
        key: report[key]
        for key in ("metrics", "splits", "global_step", "epochs_trained", "stopped_early", "best_step")
    }
    return load_file(out / "model.safetensors"), facts


def first_checkpoint(state: dict) -> bool:
    return True


def counting_to_stop(state: dict) -> bool:
    """Early stopping is counting evaluations without improvement after the best possible accuracy: from
    here the run stops exactly when the restored count says so."""
    stopping = state["stateful_callbacks"]["EarlyStoppingCallback"]["attributes"]
    return state["best_metric"] == 1.0 and stopping["early_stopping_patience_counter"] > 0


def wait_for_checkpoint(process: subprocess.Popen, checkpoints: Path, ready, timeout: float = 120.0) -> Path:
    """Poll until a complete checkpoint (trainer_state.json is written last) whose state is ``ready``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for state in checkpoints.glob("checkpoint-*/trainer_state.json"):
            try:
                if ready(json.loads(state.read_text())):
                    return state.parent
            except (OSError, ValueError):
                pass  # being written right now
        if process.poll() is not None:
            pytest.fail(f"the run ended (code {process.returncode}) before the checkpoint to kill it at")
        time.sleep(0.005)
    pytest.fail("no checkpoint appeared in time")


# Two kill points, each covering what the other cannot:
# * loss (improves to the end): killed at its first checkpoint, mid-epoch; the saved (best) weights come from
#   the resumed training, so optimizer, scheduler, data order and dropout RNG must all be restored exactly;
# * accuracy (saturates): killed while early stopping counts towards stopping; the best weights predate the
#   kill, but the run must stop at the same step, so the patience count must be restored.
RESUME_CASES = {
    "loss": (["--metric", "loss", "--patience", "2"], first_checkpoint),
    "accuracy": (["--metric", "accuracy", "--patience", "4"], counting_to_stop),
}


@pytest.mark.parametrize("case", list(RESUME_CASES))
def test_killed_run_resumes_to_the_same_result(source, tmp_path, case):
    metric_options, kill_when = RESUME_CASES[case]
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(160))
    options = [
        "--epochs",
        "3",
        "--batch-size",
        "4",
        "--eval-steps",
        "5",
        "--seed",
        "5",
        "--learning-rate",
        "0.1",
    ]
    options += metric_options

    # The uninterrupted reference run.
    assert finetune_cli.main(command(source, data, tmp_path / "reference", *options)) == 0
    reference_weights, reference_facts = final_state(tmp_path / "reference")

    # The same command, killed (SIGKILL: no clean-up) at a complete checkpoint.
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "rnnhub.finetune_cli", *command(source, data, out, *options)]
    process = subprocess.Popen(argv, env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Until the run is complete it writes beside the output (checkpoints too); OUTPUT itself does not exist yet.
    killed_at = wait_for_checkpoint(process, staging_dir(out) / CHECKPOINTS_DIRNAME, kill_when)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not out.exists(), "the run finished before it was killed"
    killed_step = int(killed_at.name.split("-")[1])
    assert killed_step < reference_facts["global_step"]
    if case == "loss":
        assert reference_facts["best_step"] > killed_step  # the saved weights are trained after the resume
    else:
        assert reference_facts["stopped_early"]

    resumed = subprocess.run(
        [*argv, "--resume"], env=subprocess_env(), capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    weights, facts = final_state(out)
    assert facts == reference_facts
    assert weights.keys() == reference_weights.keys()
    for name, tensor in weights.items():
        torch.testing.assert_close(tensor, reference_weights[name], rtol=0, atol=0, msg=name)
    resumed_from = json.loads((out / "eval_report.json").read_text())["resumed_from"]
    assert resumed_from is not None and int(resumed_from.split("-")[1]) >= killed_step


def test_torchrun_two_cpu_processes(source, tmp_path):
    data = write_rows(tmp_path / "reviews.csv", sentiment_rows(48))
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    argv += ["-m", "rnnhub.finetune_cli", *command(source, data, out, "--epochs", "2", "--batch-size", "4")]
    finished = subprocess.run(argv, env=subprocess_env(), capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, finished.stderr[-3000:]
    # Only rank 0 reports and writes.
    assert finished.stdout.count("Fine-tuned a") == 1
    report = json.loads((out / "eval_report.json").read_text())
    assert report["hardware"] == "2 x CPU"
    assert report["batch_size"] == 8  # 4 per process
    # 43 training rows, 4 per process and step, 2 processes: 6 steps per epoch.
    assert report["global_step"] == 12
    assert report["rows"] == {"train": 43, "validation": 5}
    validation = report["metrics"]["validation"]
    assert 0.0 <= validation["accuracy"] <= 1.0 and validation["loss"] > 0
    assert report["splits"]["validation"]["rows"] == 5  # gathered from both processes, without padding rows
    assert not (out / CHECKPOINTS_DIRNAME).exists()
