"""Every ```python block of README.md runs as written: each in its own process and empty folder, offline.

The blocks use small sizes and the published folders under model_cards/, so they need neither the Hub nor a
network; a block that cannot run that way does not belong in the README.

One Python imports torch and transformers (seconds, the same for every block) and forks a child per block; each
child runs its block with fresh globals, so a block must import every name it uses, rnnhub included (the parent
never imports rnnhub: registering the Auto classes is the block's own ``import rnnhub``)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)

DRIVER = r"""
import json, os, sys, traceback
import torch, transformers, transformers.modeling_utils  # the heavy imports every block makes, done once
assert not any(name.split(".")[0] == "rnnhub" for name in sys.modules), "the driver must not import rnnhub"
for line, code, folder in json.loads(sys.stdin.read()):
    pid = os.fork()
    if pid == 0:
        os.chdir(folder)
        errors = os.open("stderr.txt", os.O_WRONLY | os.O_CREAT)
        os.dup2(errors, 2)
        try:
            exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__main__"})
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
        sys.stderr.flush()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print(json.dumps([line, os.waitstatus_to_exitcode(status)]), flush=True)
"""


def python_blocks() -> list[tuple[int, str]]:
    """(line number, code) of each ```python block."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, match.start()) + 1, match.group(1)) for match in BLOCK.finditer(text)]


BLOCKS = python_blocks()


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[int, tuple[int, str]]:
    """line -> (exit code, stderr) of every block."""
    folders = {line: tmp_path_factory.mktemp(f"readme-{line}") for line, _ in BLOCKS}
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    result = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps([(line, code, str(folders[line])) for line, code in BLOCKS]),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    codes = dict(json.loads(row) for row in result.stdout.splitlines() if row.startswith("["))
    return {
        line: (codes.get(line), (folders[line] / "stderr.txt").read_text(errors="replace"))
        for line, _ in BLOCKS
    }


def test_the_readme_has_its_snippets():
    assert len(BLOCKS) >= 5  # quick start, gates, and the sentiment / translation / captioning pipelines


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_snippet_runs(runs, line, code):
    exit_code, errors = runs[line]
    assert exit_code == 0, f"README.md line {line}:\n{code}\n{errors[-3000:]}"
