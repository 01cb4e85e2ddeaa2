"""Rewrite the Hub metadata of committed cards by the generators' rules, leaving weights and measured numbers alone.

``python -m rnnhub.publish.refresh`` applies to every ``model_cards/*/README.md`` what
:func:`rnnhub.publish.cards.make_model_card` now writes (Hub ids ``<org>/NAME`` for the model, its datasets and
base model, in the metadata, the usage snippets and the Data section; licences the Hub accepts), and to every
``data/*/README.md`` what :func:`rnnhub.data.common.write_dataset` now writes (its licence rule). Running it twice
changes nothing. Retraining or rebuilding would write the same fields; this only spares the hours.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from huggingface_hub import ModelCard, ModelCardData

from rnnhub.data.common import hub_licence_metadata, read_card_metadata
from rnnhub.publish.cards import card_licence
from rnnhub.publish.hub_metadata import hub_id

__all__ = ["refresh_dataset_card", "refresh_model_card"]

ROOT = Path(__file__).resolve().parents[3]


def refresh_model_card(text: str) -> str:
    """The model card ``text`` with the current rules for its Hub ids and licence."""
    card = ModelCard(text)
    data = card.data.to_dict()
    datasets = [hub_id(name) for name in data.get("datasets") or []]
    old_names = [name for name in data.get("datasets") or [] if "/" not in name]
    model = card.data.model_name or ""
    for derived in ("eval_results", "model_name", "model-index"):  # rebuilt from card.data below
        data.pop(derived, None)
    licence = {key: data.pop(key, None) for key in ("license", "license_name", "license_link")}
    data.update(card_licence(licence["license"], licence["license_name"], licence["license_link"], datasets))
    if datasets:
        data["datasets"] = datasets
    if data.get("base_model"):
        data["base_model"] = hub_id(data["base_model"])
    results = card.data.eval_results or []
    for result in results:
        result.dataset_type = hub_id(result.dataset_type)
    new = ModelCardData(**_ordered(data), eval_results=results, model_name=hub_id(model))
    return f"---\n{new.to_yaml()}\n---\n\n{_body(card.text, model, old_names).lstrip()}"


def _ordered(data: dict) -> dict:
    # make_model_card's field order, so a regenerated card and a refreshed one are the same text.
    order = ("base_model", "datasets", "language", "library_name", "license", "license_name", "license_link")
    return {**{key: data[key] for key in order if key in data}, **data}


def _body(body: str, model: str, datasets: list[str]) -> str:
    short = model.rsplit("/", 1)[-1]
    body = re.sub(
        rf"""from_pretrained\((["']){re.escape(short)}\1""", rf'from_pretrained("{hub_id(short)}"', body
    )
    lines = body.split("\n")
    for number, line in enumerate(lines):
        if line.startswith("- Training data: "):
            for name in datasets:
                line = line.replace(f"`{name}`", f"`{hub_id(name)}`")
            lines[number] = line
    return "\n".join(lines)


def refresh_dataset_card(folder: Path) -> str:
    """The dataset card of ``folder`` with the licence rule of ``write_dataset``."""
    from huggingface_hub import DatasetCard, DatasetCardData

    text = (folder / "README.md").read_text(encoding="utf-8")
    metadata = hub_licence_metadata(read_card_metadata(folder), folder.name)
    return f"---\n{DatasetCardData(**metadata).to_yaml()}\n---\n\n{DatasetCard(text).text.lstrip()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout (model_cards/ and data/ inside)"
    )
    args = parser.parse_args(argv)
    for path in sorted(args.root.glob("model_cards/*/README.md")):
        _write(path, refresh_model_card(path.read_text(encoding="utf-8")))
    for path in sorted(args.root.glob("data/*/README.md")):
        _write(path, refresh_dataset_card(path.parent))
    return 0


def _write(path: Path, text: str) -> None:
    changed = path.read_text(encoding="utf-8") != text
    if changed:
        path.write_text(text, encoding="utf-8")
    print(f"{'rewrote' if changed else 'unchanged'} {path}")


if __name__ == "__main__":
    raise SystemExit(main())
