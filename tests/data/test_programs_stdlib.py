"""`python-stdlib`: non-test modules, licence headers stripped and nothing else, a deterministic cap."""

from __future__ import annotations

from pathlib import Path

from rnnhub.data import programs_stdlib


def test_strip_licence_header_keeps_everything_else() -> None:
    source = "#!/usr/bin/env python3\n# Copyright 2001 Someone.\n# Permission is granted.\n\n# A comment.\n'''Doc.'''\n"
    assert (
        programs_stdlib.strip_licence_header(source) == "#!/usr/bin/env python3\n# A comment.\n'''Doc.'''\n"
    )
    plain = "# Helpers for x.\nimport os\n"
    assert programs_stdlib.strip_licence_header(plain) == plain


def test_read_modules_skips_tests_and_generated_files(tmp_path: Path) -> None:
    files = {
        "json/__init__.py": "# Copyright PSF\n\nimport codecs\n",
        "json/tests/test_x.py": "import json\n",
        "test/support.py": "x = 1\n",
        "test_thing.py": "x = 1\n",
        "encodings/cp1.py": '""" Python Character Mapping Codec cp1 generated """\n',
        "site-packages/pkg.py": "x = 1\n",
        "_sysconfigdata__linux.py": "build = {}\n",
        "shlex.py": "def split(s):\r\n    return s\r\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode())
    stats: dict[str, int] = {}
    rows = {row["module"]: row["text"] for row in programs_stdlib.read_modules(tmp_path, stats)}
    assert rows == {"json": "import codecs\n", "shlex": "def split(s):\n    return s\n"}
    assert stats["generated codec tables left out"] == 1


def test_choose_is_a_deterministic_cap() -> None:
    rows = [{"text": "x" * (10 + i), "module": f"m{i}", "path": f"m{i}.py"} for i in range(50)]
    rows.append({"text": "x" * 500, "module": "huge", "path": "huge.py"})
    first = programs_stdlib.choose(rows, {}, max_characters=300, max_module_characters=100)
    again = programs_stdlib.choose(list(reversed(rows)), {}, max_characters=300, max_module_characters=100)
    assert first == again and "huge" not in {row["module"] for row in first}
    assert sum(len(row["text"]) for row in first) <= 300


def test_build_writes_the_licence_and_a_card(tmp_path, monkeypatch) -> None:
    import pyarrow.parquet as pq

    from rnnhub.data import common

    stdlib = tmp_path / "lib"
    for index in range(40):
        (stdlib / f"mod{index}.py").parent.mkdir(parents=True, exist_ok=True)
        (stdlib / f"mod{index}.py").write_text(f"# Copyright PSF\n\ndef f{index}():\n    return {index}\n")
    (stdlib / "LICENSE.txt").write_text("PSF LICENSE AGREEMENT\n")
    monkeypatch.setattr(programs_stdlib, "stdlib_dir", lambda: stdlib)
    out = tmp_path / "out"
    programs_stdlib.build(common.BuildContext("python-stdlib", out, tmp_path / "cache", show_progress=False))
    assert (out / "LICENSE").read_text() == "PSF LICENSE AGREEMENT\n"
    texts = [t for s in common.SPLITS for t in pq.read_table(out / f"{s}.parquet")["text"].to_pylist()]
    assert len(texts) == 40 and all(t.startswith("def f") for t in texts)
    assert programs_stdlib.python_version() in (out / "README.md").read_text(encoding="utf-8")
