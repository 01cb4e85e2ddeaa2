"""Whole-document splits by group, and the committed writer corpora: no group in two splits, formats kept."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from rnnhub.data import common, documents

WRITER_CORPORA = {"shakespeare-plays": "play", "python-stdlib": "module", "abc-tunes": "group"}


def test_split_documents_by_group_keeps_order_within_a_group() -> None:
    rows = [{"text": f"{group}-{part}", "group": f"g{group}"} for group in range(20) for part in range(3)]
    splits = documents.split_documents(rows, group="group", validation=2, test=2, salt="x", keep_order=True)
    groups = {name: set(split["group"]) for name, split in splits.items()}
    assert len(groups["test"]) == len(groups["validation"]) == 2 and len(groups["train"]) == 16
    texts = splits["test"]["text"]
    first = texts[0].split("-")[0]
    assert texts[:3] == [f"{first}-0", f"{first}-1", f"{first}-2"]
    with pytest.raises(ValueError, match="'text' and a 'play' column"):
        documents.split_documents(rows, group="play", validation=1, test=1, salt="x")


@pytest.mark.parametrize("name", sorted(WRITER_CORPORA))
def test_committed_writer_corpus_has_no_leaks(name: str) -> None:
    folder = common.data_dir() / name
    group = WRITER_CORPORA[name]
    tables = {split: pq.read_table(folder / f"{split}.parquet") for split in common.SPLITS}
    groups = [set(tables[split][group].to_pylist()) for split in common.SPLITS]
    assert all(groups) and not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])
    texts = [set(tables[split]["text"].to_pylist()) for split in common.SPLITS]
    assert not (texts[0] & texts[1] or texts[0] & texts[2] or texts[1] & texts[2])
    card = common.read_card_metadata(folder)
    assert {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]} == common.split_sizes(
        folder
    )
    assert sum((folder / f"{split}.parquet").stat().st_size for split in common.SPLITS) < 4 * 2**20
    sample = tables["test"]["text"].to_pylist()
    if name == "abc-tunes":
        for text in sample:
            fields = [line[:2] for line in text.split("\n")[:5]]
            assert fields[0] == "X:" and "M:" in fields and "K:" in fields
        titles = [set(tables[split]["title"].to_pylist()) for split in common.SPLITS]
        assert not (titles[0] & titles[2])
    if name == "shakespeare-plays":
        assert any("\n\nHAMLET:\n" in text or ":\n" in text for text in sample)
    if name == "python-stdlib":
        assert (folder / "LICENSE").is_file() and any("\ndef " in text for text in sample)
