"""rnnhub.sentiment.train.finetune: tiny fine-tunes from saved classifier / causal-LM folders, and every error case."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from datasets import ClassLabel, Dataset, DatasetDict, Features, Value
from huggingface_hub import ModelCard
from transformers import AutoModelForSequenceClassification

from builders import make_causal_lm, make_classifier, never_called, sentiment_rows, write_rows
from rnnhub import RnnHubConfig, RnnHubForCausalLM, RnnHubForSequenceClassification, RnnHubSeq2SeqConfig
from rnnhub.engine.trainer import CHECKPOINTS_DIRNAME
from rnnhub.publish.hub import verify
from rnnhub.sentiment.train import finetune

# Small and fast: a handful of steps per run.
FAST = {"epochs": 2, "batch_size": 8, "learning_rate": 0.05, "early_stopping_patience": None}


@pytest.fixture(scope="module")
def classifier(tmp_path_factory) -> Path:
    return make_classifier(tmp_path_factory.mktemp("source") / "classifier")


@pytest.fixture(scope="module")
def csv_data(tmp_path_factory) -> Path:
    return write_rows(tmp_path_factory.mktemp("data") / "reviews.csv", sentiment_rows(40))


def encoder_state(model) -> dict[str, torch.Tensor]:
    return {k: v for k, v in model.state_dict().items() if k.startswith("rnnhub.")}


def assert_same_tensors(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0, msg=key)


# ---------------------------------------------------------------------------------------------------------------
# Successful runs


def test_csv_finetune_reuses_the_head_and_writes_model_card_and_report(classifier, csv_data, tmp_path):
    out = tmp_path / "out"
    result = finetune(
        classifier, csv_data, text_column="review", label_column="sentiment", output_dir=out, seed=3, **FAST
    )
    # Same label set: the head is reused, and ids keep the source model's order (not alphabetical).
    assert result.head == "reused"
    assert result.labels == ["positive", "negative"]
    assert result.source_architecture == "RnnHubForSequenceClassification"
    assert set(result.metrics) == {"validation"}
    assert 0.0 <= result.metrics["validation"]["accuracy"] <= 1.0

    for name in ("config.json", "model.safetensors", "tokenizer.json", "README.md", "eval_report.json"):
        assert (out / name).is_file(), name
    assert not (out / CHECKPOINTS_DIRNAME).exists()  # pickled checkpoints are gone once the run finished
    assert not list(out.rglob("*.bin")) and not list(out.rglob("*.pth"))

    assert verify(out, remote_code=False).ok  # the folder is publishable as it is
    loaded = AutoModelForSequenceClassification.from_pretrained(out)
    assert loaded.config.id2label == {0: "positive", 1: "negative"}

    card = ModelCard.load(out / "README.md")
    assert card.data.pipeline_tag == "text-classification"
    headline = card.data.eval_results[0]
    assert (headline.metric_type, headline.dataset_split) == ("accuracy", "validation")
    assert headline.metric_value == pytest.approx(result.metrics["validation"]["accuracy"])
    assert "Seed: 3" in card.text

    report = json.loads((out / "eval_report.json").read_text())
    assert report["labels"] == ["positive", "negative"]
    assert report["rows"] == {"train": 36, "validation": 4}
    validation = report["splits"]["validation"]
    assert np.sum(validation["confusion_matrix"]) == 4
    assert set(validation["per_class"]) == {"positive", "negative"}


def test_new_label_set_gets_a_new_head_and_keeps_the_encoder(classifier, tmp_path):
    # Integer labels (10, 2, 1): a different label set, ordered numerically.
    rows = [dict(row, sentiment=[10, 2, 1][i % 3]) for i, row in enumerate(sentiment_rows(30))]
    data = write_rows(tmp_path / "reviews.jsonl", rows)
    out = tmp_path / "out"
    # learning_rate=0 leaves the weights as they were built, so the carried-over encoder can be compared.
    result = finetune(
        classifier,
        data,
        text_column="review",
        label_column="sentiment",
        output_dir=out,
        **{**FAST, "learning_rate": 0.0, "epochs": 1},
    )
    assert result.head == "new"
    assert result.labels == ["1", "2", "10"]
    tuned = AutoModelForSequenceClassification.from_pretrained(out)
    assert tuned.classifier.out_features == 3
    assert tuned.config.label2id == {"1": 0, "2": 1, "10": 2}
    source = RnnHubForSequenceClassification.from_pretrained(classifier)
    assert_same_tensors(encoder_state(tuned), encoder_state(source))


def test_causal_lm_encoder_becomes_a_classifier(tmp_path):
    lm = make_causal_lm(tmp_path / "lm")
    data = write_rows(tmp_path / "reviews.parquet", sentiment_rows(30))
    result = finetune(
        lm,
        data,
        text_column="review",
        label_column="sentiment",
        output_dir=tmp_path / "out",
        **{**FAST, "learning_rate": 0.0, "epochs": 1},
    )
    assert (result.head, result.source_architecture) == ("new", "RnnHubForCausalLM")
    assert result.labels == ["negative", "positive"]
    tuned = RnnHubForSequenceClassification.from_pretrained(tmp_path / "out")
    assert_same_tensors(encoder_state(tuned), encoder_state(RnnHubForCausalLM.from_pretrained(lm)))


def test_dataset_dict_with_class_labels_keeps_their_order(classifier, tmp_path):
    # As the built-in corpora and many Hub datasets come: a ClassLabel column, here with an unused name.
    features = Features({"review": Value("string"), "sentiment": ClassLabel(names=["neg", "pos", "neutral"])})
    rows = [dict(row, sentiment=i % 2) for i, row in enumerate(sentiment_rows(20))]
    data = DatasetDict({"train": Dataset.from_list(rows, features=features)})
    result = finetune(
        classifier, data, text_column="review", label_column="sentiment", output_dir=tmp_path / "out", **FAST
    )
    assert result.labels == ["neg", "pos", "neutral"]
    assert result.head == "new"
    assert json.loads((tmp_path / "out" / "eval_report.json").read_text())["data"] == "custom data"


def test_early_stopping_stops_and_the_test_split_is_the_headline(classifier, tmp_path):
    data = tmp_path / "splits"
    data.mkdir()
    write_rows(data / "train.csv", sentiment_rows(24, seed=1))
    write_rows(data / "validation.csv", sentiment_rows(8, seed=2))
    write_rows(data / "test.csv", sentiment_rows(8, seed=3))
    result = finetune(
        classifier,
        data,
        text_column="review",
        label_column="sentiment",
        output_dir=tmp_path / "out",
        epochs=40,
        batch_size=8,
        learning_rate=0.1,
        metric_for_best_model="accuracy",
        early_stopping_patience=1,
    )
    # Accuracy saturates quickly; one evaluation without improvement ends the run long before 40 epochs.
    assert result.stopped_early
    assert result.epochs_trained < 40
    assert set(result.metrics) == {"validation", "test"}
    headline = ModelCard.load(tmp_path / "out" / "README.md").data.eval_results[0]
    assert headline.dataset_split == "test"


def test_the_card_names_the_source_cards_model_id_as_base_model(classifier, csv_data, tmp_path):
    options = {"text_column": "review", "label_column": "sentiment", **FAST, "epochs": 1}
    finetune(classifier, csv_data, output_dir=tmp_path / "first", model_id="me/first", **options)
    assert ModelCard.load(tmp_path / "first" / "README.md").data.base_model is None  # a bare local folder
    finetune(tmp_path / "first", csv_data, output_dir=tmp_path / "second", model_id="me/second", **options)
    card = ModelCard.load(tmp_path / "second" / "README.md")
    assert (card.data.base_model, card.data.model_name) == ("me/first", "me/second")


# ---------------------------------------------------------------------------------------------------------------
# Errors


def run(classifier, data, tmp_path, **kwargs):
    options = {"text_column": "review", "label_column": "sentiment", "output_dir": tmp_path / "out", **FAST}
    return finetune(classifier, data, **{**options, **kwargs})


def test_missing_column_is_named(classifier, csv_data, tmp_path):
    with pytest.raises(ValueError, match=r"Column 'stars' .* available columns: review, sentiment"):
        run(classifier, csv_data, tmp_path, label_column="stars")


def test_empty_texts_are_counted_and_located(classifier, tmp_path):
    rows = sentiment_rows(10)
    rows[3]["review"] = "  "
    rows[7]["review"] = ""
    with pytest.raises(ValueError, match=r"2 of 10 rows .* empty 'text' \(row indices: 3, 7\)"):
        run(classifier, write_rows(tmp_path / "d.jsonl", rows), tmp_path)


def test_missing_labels_are_counted(classifier, tmp_path):
    rows = sentiment_rows(10)
    rows[4]["sentiment"] = None
    with pytest.raises(ValueError, match=r"1 of 10 rows in the train split have no label \(row indices: 4\)"):
        run(classifier, write_rows(tmp_path / "d.jsonl", rows), tmp_path)


def test_single_label_data_is_refused_up_front_naming_the_label(classifier, tmp_path, monkeypatch):
    import rnnhub.sentiment.train as train

    monkeypatch.setattr(train, "_build_model", never_called)  # refused before any model is built
    rows = [dict(row, sentiment="positive") for row in sentiment_rows(20)]
    with pytest.raises(ValueError, match=r"only one label, 'positive' \(all 20 rows\).*at least two"):
        run(classifier, write_rows(tmp_path / "d.csv", rows), tmp_path)
    assert not (tmp_path / "out").exists()
    # Also when the one label is spread over splits, or declared as the only ClassLabel name.
    data = tmp_path / "splits"
    data.mkdir()
    write_rows(data / "train.csv", rows[:12])
    write_rows(data / "test.csv", rows[12:])
    with pytest.raises(ValueError, match=r"only one label, 'positive' \(all 20 rows\)"):
        run(classifier, data, tmp_path)
    features = Features({"review": Value("string"), "sentiment": ClassLabel(names=["pos"])})
    one = DatasetDict({"train": Dataset.from_list([dict(r, sentiment=0) for r in rows], features=features)})
    with pytest.raises(ValueError, match=r"only one label, 'pos' \(all 20 rows\)"):
        run(classifier, one, tmp_path)


def test_labels_unseen_in_training_are_named(classifier, tmp_path):
    data = tmp_path / "splits"
    data.mkdir()
    write_rows(data / "train.csv", sentiment_rows(12))
    write_rows(data / "test.csv", sentiment_rows(6, labels=("negative", "positive", "neutral")))
    with pytest.raises(ValueError, match=r"test split has label\(s\) 'neutral' \(2 rows\)"):
        run(classifier, data, tmp_path)


def test_tokenizer_larger_than_the_vocabulary_is_a_mismatch(csv_data, tmp_path):
    folder = make_classifier(tmp_path / "small", vocab_size=10)
    with pytest.raises(
        ValueError, match=r"model/tokenizer mismatch .* 22 tokens but the model's vocabulary has 10"
    ):
        run(folder, csv_data, tmp_path)


def test_special_token_ids_must_match(csv_data, tmp_path):
    folder = make_classifier(tmp_path / "ids", pad_token_id=5)
    with pytest.raises(
        ValueError, match=r"model/tokenizer mismatch .* pad token id is 0 in the tokenizer but 5"
    ):
        run(folder, csv_data, tmp_path)


def test_folder_without_tokenizer(csv_data, tmp_path):
    folder = tmp_path / "bare"
    RnnHubForSequenceClassification(
        RnnHubConfig(vocab_size=30, embedding_size=4, hidden_size=4)
    ).save_pretrained(folder)
    with pytest.raises(ValueError, match="tokenizer.json is missing"):
        run(folder, csv_data, tmp_path)


def test_resume_without_a_checkpoint(classifier, csv_data, tmp_path):
    with pytest.raises(ValueError, match="Nothing to resume"):
        run(classifier, csv_data, tmp_path, resume=True)


def test_old_checkpoints_need_resume(classifier, csv_data, tmp_path):
    stale = tmp_path / "out" / CHECKPOINTS_DIRNAME / "checkpoint-4"
    stale.mkdir(parents=True)
    (stale / "trainer_state.json").write_text("{}")
    with pytest.raises(ValueError, match="checkpoints of an earlier run"):
        run(classifier, csv_data, tmp_path)


def test_a_model_that_is_not_a_recurrent_stack_is_refused(csv_data, tmp_path):
    folder = tmp_path / "seq2seq"
    RnnHubSeq2SeqConfig(vocab_size=30, embedding_size=4, hidden_size=4).save_pretrained(folder)
    with pytest.raises(ValueError, match=r"finetune starts from an rnnhub recurrent model"):
        run(folder, csv_data, tmp_path)


def test_resume_skips_a_half_written_checkpoint(classifier, csv_data, tmp_path):
    first = run(classifier, csv_data, tmp_path, eval_steps=3, keep_checkpoints=True)
    checkpoints = tmp_path / "out" / CHECKPOINTS_DIRNAME
    assert (checkpoints / f"checkpoint-{first.global_step}" / "trainer_state.json").is_file()
    # What a kill while saving leaves: a newer folder without trainer_state.json (Trainer writes it last).
    partial = checkpoints / "checkpoint-999"
    partial.mkdir()
    (partial / "model.safetensors").write_bytes(b"truncated")
    again = run(classifier, csv_data, tmp_path, eval_steps=3, resume=True)
    assert not partial.exists()
    assert again.global_step == first.global_step
    assert again.metrics == first.metrics
    assert not checkpoints.exists()
