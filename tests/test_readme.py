"""Every ```python block of README.md runs as written: each in a fresh Python, in an empty folder, offline.

The blocks use small sizes and the published folders under model_cards/, so they need neither the Hub nor a
network; a block that cannot run that way does not belong in the README."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def python_blocks() -> list[tuple[int, str]]:
    """(line number, code) of each ```python block."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, match.start()) + 1, match.group(1)) for match in BLOCK.finditer(text)]


BLOCKS = python_blocks()


def test_the_readme_has_its_snippets():
    assert len(BLOCKS) >= 5  # quick start, gates, and the sentiment / translation / captioning pipelines


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_snippet_runs(line, code, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"README.md line {line}:\n{code}\n{result.stderr[-3000:]}"
