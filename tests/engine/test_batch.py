"""run_job: one output line per input in order, failures reported with their number, chunks, progress."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnhub.engine import batch
from rnnhub.engine.line_files import Input


def upper_job(calls: list) -> batch.Job:
    def prepare(text: str) -> str:
        if text == "bad":
            raise ValueError("a bad word")
        return text

    def work(texts: list[str]) -> list[str]:
        calls.append(list(texts))
        return [text.upper() for text in texts]

    return batch.Job(
        prepare=prepare,
        work=work,
        write=lambda item, result: result,
        write_failed=lambda item, reason: "",
        failed_note="their output lines are empty",
    )


def test_failures_are_reported_and_marked_the_rest_is_done(tmp_path: Path, capsys) -> None:
    inputs = [Input(1, "a"), Input(2, "bad"), Input(3, "b"), Input(4, None, "not valid UTF-8"), Input(5, "c")]
    calls: list = []
    out = tmp_path / "out.txt"
    code = batch.run_job("rnnhub x", upper_job(calls), inputs, str(out), chunk_size=2)
    assert code == 1
    assert out.read_text(encoding="utf-8") == "A\n\nB\n\nC\n"  # aligned with the input
    assert calls == [["a"], ["b"], ["c"]]  # chunks of two inputs; failed ones never reach the model
    assert capsys.readouterr().err.splitlines() == [
        "rnnhub x: line 2: a bad word",
        "rnnhub x: line 4: not valid UTF-8",
        "rnnhub x: 2 of 5 lines failed; their output lines are empty.",
    ]


def test_standard_output_and_a_clean_run(capsys) -> None:
    calls: list = []
    assert batch.run_job("rnnhub x", upper_job(calls), [Input(1, "a"), Input(2, "b")], "-", chunk_size=8) == 0
    captured = capsys.readouterr()
    assert captured.out == "A\nB\n" and captured.err == ""
    assert calls == [["a", "b"]]


def test_a_crash_leaves_no_output_file(tmp_path: Path) -> None:
    def crash(texts):
        raise RuntimeError("the model broke")

    job = batch.Job(prepare=str, work=crash, write=lambda i, r: r, write_failed=lambda i, r: "")
    with pytest.raises(RuntimeError, match="the model broke"):
        batch.run_job("rnnhub x", job, [Input(1, "a")], str(tmp_path / "out.txt"), chunk_size=1)
    assert list(tmp_path.iterdir()) == []


def test_progress_bar_only_for_long_inputs_on_a_terminal(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    assert batch.show_progress(batch.LONG_INPUT, forced=False)
    assert not batch.show_progress(batch.LONG_INPUT - 1, forced=False)
    assert batch.show_progress(1, forced=True)
    inputs = [Input(n, "a") for n in range(1, 4)]
    assert batch.run_job("rnnhub x", upper_job([]), inputs, "-", chunk_size=2, progress=True) == 0
    assert "3/3" in capsys.readouterr().err  # tqdm's bar on standard error
