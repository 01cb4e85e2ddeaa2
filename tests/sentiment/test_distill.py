"""rnnhub.sentiment.distill and the recipe's --teacher-seeds: the loss, the teachers' soft labels, one command."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from builders import sentiment_corpus
from rnnhub.cli import main
from rnnhub.sentiment.distill import (
    check_distillation,
    classifier_probabilities,
    distillation_loss,
    teacher_probabilities,
    tfidf_teacher_probabilities,
)
from rnnhub.sentiment.recipe import train_seeds, train_sentiment
from rnnhub.sentiment.seeds import seeds_dir, teachers_dir

TINY = {"epochs": 1, "hidden_size": 8, "embedding_size": 8, "threads": 1}


def test_the_loss_is_the_weighted_sum_of_the_softened_kl_times_t_squared_and_the_hard_loss():
    torch.manual_seed(0)
    logits = torch.randn(4, 2)
    teacher = torch.softmax(torch.randn(4, 2), dim=-1)
    hard = torch.tensor(0.7)
    t = 2.0
    student = torch.softmax(logits / t, dim=-1)
    kl = (teacher * (teacher.log() - student.log())).sum(-1).mean()
    loss = distillation_loss(logits, teacher, hard, weight=0.25, temperature=t)
    assert loss.item() == pytest.approx(0.25 * t**2 * kl.item() + 0.75 * 0.7, rel=1e-5)
    # weight 0: the labels alone; a student that equals its teacher adds no soft loss.
    assert distillation_loss(logits, teacher, hard, weight=0.0, temperature=t).item() == pytest.approx(0.7)
    same = F.softmax(logits / t, dim=-1)
    assert distillation_loss(logits, same, hard, weight=1.0, temperature=t).item() == pytest.approx(
        0, abs=1e-6
    )


@pytest.mark.parametrize(
    ("weight", "temperature", "match"), [(1.5, 2, "in \\[0, 1\\]"), (0.5, 0, "positive")]
)
def test_bad_weight_or_temperature_is_refused_saying_what_they_mean(weight, temperature, match):
    with pytest.raises(ValueError, match=match):
        check_distillation(weight, temperature)


@pytest.fixture(scope="module")
def teachers(tmp_path_factory):
    output = tmp_path_factory.mktemp("distill") / "lstm-distilled"
    entry = train_seeds(
        "rt-sentiment-en",
        cell_type="lstm",
        output_dir=output,
        seeds=(0, 1),
        teacher_seeds=(2, 3),
        data=sentiment_corpus(),
        distill_weight=0.7,
        distill_temperature=3.0,
        **TINY,
    )
    return output, entry


def test_teacher_seeds_are_trained_first_and_every_seed_is_distilled_from_them(teachers):
    output, entry = teachers
    assert entry["teacher_seeds"] == [2, 3] and entry["teachers"]["seeds"] == [2, 3]
    assert "chosen" not in entry["teachers"]  # the teachers are a comparison, not a choice
    for seed in (2, 3):
        report = json.loads((teachers_dir(output) / f"seed-{seed}" / "eval_report.json").read_text())
        assert report["seed"] == seed and report.get("distillation") is None  # a teacher learns from labels
    report = json.loads((seeds_dir(output) / "seed-0" / "eval_report.json").read_text())
    distillation = report["distillation"]
    assert distillation["weight"] == 0.7 and distillation["temperature"] == 3.0
    assert [t["folder"] for t in distillation["teachers"]] == [
        str(teachers_dir(output) / f"seed-{seed}") for seed in (2, 3)
    ]
    assert all(isinstance(t["validation_accuracy"], float) for t in distillation["teachers"])
    card = (output / "README.md").read_text()
    assert "distilled from the mean probability of 2 teacher classifiers (`seed-2`, `seed-3`)" in card
    assert "temperature 3" in card
    # 0.7 and 3 are no pair the English sweep compared: the card does not claim they were chosen.
    assert "weight 0.7, temperature 3) was kept" in card and "set by hand, not compared on validation" in card
    assert "- Load: load average " in card and "at the end (1, 5, 15 min)" in card
    teachers = entry["teachers"]["summary"]["validation"]["accuracy"]
    assert "Every seed was distilled from the same 2 teachers" in card
    assert f"validation accuracy {teachers['mean']:.4f} ± {teachers['std']:.4f}" in card


def test_the_teachers_soft_labels_are_the_mean_of_their_tempered_probabilities(teachers):
    output, _ = teachers
    texts = list(sentiment_corpus()["train"]["text"])[:6]
    folders = [teachers_dir(output) / f"seed-{seed}" for seed in (2, 3)]
    each = [classifier_probabilities(f, texts, max_length=128, temperature=3.0)[0] for f in folders]
    soft = teacher_probabilities(
        folders, texts, labels=["negative", "positive"], max_length=128, temperature=3.0
    )
    np.testing.assert_allclose(soft, (each[0] + each[1]) / 2, rtol=1e-6)
    np.testing.assert_allclose(soft.sum(-1), 1.0, rtol=1e-5)
    # Columns follow the labels asked for, whatever the teachers' id order.
    swapped = teacher_probabilities(
        folders, texts, labels=["positive", "negative"], max_length=128, temperature=3.0
    )
    np.testing.assert_allclose(swapped, soft[:, ::-1], rtol=1e-6)
    with pytest.raises(ValueError, match="same labels"):
        teacher_probabilities(folders, texts, labels=["bad", "good"], max_length=128)


def test_a_teacher_seed_that_is_also_a_seed_is_refused(tmp_path):
    with pytest.raises(ValueError, match="Teacher seeds must differ"):
        train_seeds(
            "rt-sentiment-en", cell_type="lstm", output_dir=tmp_path / "x", seeds=(0, 1), teacher_seeds=(1,)
        )


def test_the_cli_wants_seeds_with_teacher_seeds(tmp_path, capsys):
    command = [
        "train",
        "sentiment",
        *["--corpus", "rt-sentiment-en", "--cell", "lstm", "--output"],
        str(tmp_path / "m"),
    ]
    assert main([*command, "--teacher-seeds", "3"]) == 2
    assert "give --seeds too" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_the_trainer_adds_the_teachers_term_to_batches_that_carry_them_and_only_to_those(tmp_path):
    from transformers import TrainingArguments

    from builders import make_classifier
    from rnnhub.models import RnnHubForSequenceClassification
    from rnnhub.sentiment.distill import DistillationTrainer

    model = RnnHubForSequenceClassification.from_pretrained(make_classifier(tmp_path / "clf")).eval()
    trainer = DistillationTrainer(
        model=model,
        args=TrainingArguments(output_dir=str(tmp_path / "out"), report_to=[], use_cpu=True),
        distill_weight=0.6,
        distill_temperature=2.5,
    )
    batch = {"input_ids": torch.tensor([[4, 5, 6], [5, 7, 8]]), "labels": torch.tensor([0, 1])}
    teacher = torch.tensor([[0.9, 0.1], [0.3, 0.7]])
    with torch.no_grad():
        plain, outputs = trainer.compute_loss(model, dict(batch), return_outputs=True)
        mixed = trainer.compute_loss(model, {**batch, "teacher_probs": teacher})
    assert plain.item() == pytest.approx(outputs.loss.item())  # no teachers: the model's own loss
    expected = distillation_loss(outputs.logits, teacher, outputs.loss, weight=0.6, temperature=2.5)
    assert mixed.item() == pytest.approx(expected.item(), rel=1e-6)
    assert mixed.item() != pytest.approx(plain.item())


# The TF-IDF teacher: out-of-fold probabilities, alone or beside teacher folders.

WORDS = {0: ["dull", "awful", "boring", "bad"], 1: ["great", "superb", "moving", "good"]}


def _word_pairs(rows: int, offset: int = 0) -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for i in range(rows):
        label = i % 2
        words = WORDS[label]
        texts.append(f"{words[(i + offset) % 4]} film , {words[(i + offset + 1) % 4]} acting")
        labels.append(label)
    return texts, labels


def test_the_tfidf_teacher_scores_each_train_text_with_a_model_that_did_not_see_it():
    train, validation = _word_pairs(40), _word_pairs(12, offset=1)
    # One text written against its label: a model fitted on it would give it its (wrong) label; out-of-fold,
    # the other texts' evidence wins and the teacher disagrees with the label.
    train[0][0] = "great film , superb acting"  # labelled 0 (negative)
    soft, facts = tfidf_teacher_probabilities(train, validation, analyzer="word", num_labels=2, folds=4)
    assert soft.shape == (40, 2) and np.allclose(soft.sum(axis=1), 1.0, atol=1e-6)
    assert soft[0, 1] > 0.5  # out-of-fold: the mislabelled text looks positive
    assert (soft.argmax(axis=1)[1:] == np.asarray(train[1][1:])).all()
    assert (
        facts["kind"] == "tfidf-logistic-regression" and facts["folds"] == 4 and facts["analyzer"] == "word"
    )
    assert facts["validation_accuracy"] == 1.0 and facts["out_of_fold_train_accuracy"] == pytest.approx(
        39 / 40
    )
    # A temperature softens: the same ranking, less sure.
    softer, _ = tfidf_teacher_probabilities(
        train, validation, analyzer="word", num_labels=2, folds=4, temperature=3.0
    )
    assert (softer.argmax(axis=1) == soft.argmax(axis=1)).all() and softer.max() < soft.max()


def test_the_tfidf_teacher_refuses_too_few_texts_of_a_label_for_its_folds():
    texts, labels = ["good", "great", "bad"], [1, 1, 0]
    with pytest.raises(ValueError, match="at least 5 training texts of every label"):
        tfidf_teacher_probabilities((texts, labels), (texts, labels), analyzer="word", num_labels=2)
    with pytest.raises(ValueError, match="folds must be at least 2"):
        tfidf_teacher_probabilities((texts, labels), (texts, labels), analyzer="word", num_labels=2, folds=1)


def test_the_recipe_distils_from_the_tfidf_teacher_and_its_card_names_it(tmp_path):
    output = tmp_path / "lstm-tfidf"
    train_sentiment(
        "rt-sentiment-en",
        cell_type="lstm",
        output_dir=output,
        data=sentiment_corpus(),
        tfidf_teacher=True,
        distill_temperature=1.0,
        **TINY,
    )
    report = json.loads((output / "eval_report.json").read_text())
    (teacher,) = report["distillation"]["teachers"]
    assert teacher["kind"] == "tfidf-logistic-regression" and teacher["analyzer"] == "word"
    assert report["distillation"]["temperature"] == 1.0 and report["recipe"]["settings"]["tfidf_teacher"]
    card = (output / "README.md").read_text()
    assert "distilled from one teacher classifier (TF-IDF + logistic regression on word 1-" in card


def test_finetune_counts_the_tfidf_teacher_as_one_teacher_beside_the_folders(teachers, tmp_path):
    from rnnhub.sentiment.train import _soft_targets

    output, _ = teachers
    corpus = sentiment_corpus()
    folders = [teachers_dir(output) / f"seed-{seed}" for seed in (2, 3)]
    encoded = {
        split: corpus[split].rename_column("label", "labels").remove_columns("text") for split in corpus
    }
    labels = ["negative", "positive"]
    both, facts = _soft_targets(corpus, encoded, labels, folders, "word", 128, 1.0, 0)
    alone = teacher_probabilities(folders, corpus["train"]["text"], labels=labels, max_length=128)
    tfidf, _ = tfidf_teacher_probabilities(
        (corpus["train"]["text"], corpus["train"]["label"]),
        (corpus["validation"]["text"], corpus["validation"]["label"]),
        analyzer="word",
        num_labels=2,
    )
    np.testing.assert_allclose(both, (2 * alone + tfidf) / 3, atol=1e-6)
    assert facts["kind"] == "tfidf-logistic-regression"
