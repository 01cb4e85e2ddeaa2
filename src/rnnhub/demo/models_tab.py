"""The models tab: every published model with its headline metric, its rendered card and its evaluation report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rnnhub.publish.hub import list_models, resolve

__all__ = ["COLUMNS", "model_card", "model_rows"]

COLUMNS = ["name", "task", "data", "headline metric", "cell", "MB"]


def model_rows() -> list[list[Any]]:
    """One row per published model, in :data:`COLUMNS` order."""
    return [
        [
            info.name,
            info.task or "-",
            ", ".join(info.datasets) or "-",
            info.headline,
            info.cell_type or "-",
            round(info.size_mb, 1),
        ]
        for info in list_models()
    ]


def _strip_front_matter(text: str) -> str:
    """The card body without its YAML metadata block (shown separately as the table row)."""
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            return text[end + 4 :].lstrip("\n")
    return text


def model_card(name: Any) -> dict[str, Any]:
    """``name``'s card body as Markdown, its ``eval_report.json`` (or None) and folder.

    Raises:
        ValueError: no name, or a name that is not a published model.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError("Choose a model from the list.")
    names = [info.name for info in list_models()]
    if name.strip() not in names:
        raise ValueError(f"{name!r} is not a published model; choose one of {', '.join(names) or 'none'}.")
    folder = Path(resolve(name.strip()))
    card = folder / "README.md"
    markdown = _strip_front_matter(card.read_text(encoding="utf-8")) if card.is_file() else "(no card)"
    report_path = folder / "eval_report.json"
    report = None
    if report_path.is_file():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except ValueError:
            report = {"error": "eval_report.json is not valid JSON"}
    return {"name": folder.name, "folder": str(folder), "card": markdown, "eval_report": report}
