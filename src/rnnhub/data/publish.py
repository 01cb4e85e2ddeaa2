"""`rnnhub data publish NAME --repo-id ORG/NAME [--dry-run]`: check a built corpus's card and files and upload it
as a Hub dataset repository, with the checks `rnnhub publish` runs on model cards."""

from __future__ import annotations

import os
from pathlib import Path

from rnnhub.data.common import data_dir, split_sizes
from rnnhub.publish.hub import final_card, target, upload

__all__ = ["publish_dataset"]


def publish_dataset(
    name: str,
    repo_id: str,
    *,
    root: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    token: str | None = None,
    private: bool = False,
) -> str:
    """Check ``<root>/<name>`` (default root: ``data/``) and upload it to the dataset repository ``repo_id``.

    Returns the card as uploaded (``<org>`` filled with repo_id's organisation); ``dry_run=True`` uploads nothing.

    Raises:
        ValueError: ``repo_id`` is not ORG/NAME, the corpus is not built, its card has metadata the Hub would
            reject or show wrongly, or its split sizes differ from the card's.
    """
    folder = Path(root if root is not None else data_dir()) / name
    if not (folder / "README.md").is_file():
        built = sorted(card.parent.name for card in folder.parent.glob("*/README.md"))
        raise ValueError(
            f"{folder} is not a built corpus (no README.md); build it with `rnnhub data build {name}`. "
            f"Built corpora there: {', '.join(built) or 'none'}."
        )
    repo_id, org = target(folder, repo_id, None)
    card = final_card(folder, org, repo_type="dataset")
    _check_split_sizes(folder, card)
    if not dry_run:
        upload(folder, repo_id, token=token, private=private, repo_type="dataset", card_text=card)
    return card


def _check_split_sizes(folder: Path, card: str) -> None:
    # The Hub shows the card's dataset_info; rows it does not hold would be shown wrongly.
    from huggingface_hub import DatasetCard

    info = DatasetCard(card).data.to_dict().get("dataset_info") or {}
    stated = {split["name"]: split["num_examples"] for split in info.get("splits") or []}
    actual = split_sizes(folder)
    if stated != actual:
        raise ValueError(
            f"{folder}'s card states splits {stated} but its parquet files hold {actual}; rebuild it "
            f"(rnnhub data build {folder.name})."
        )
