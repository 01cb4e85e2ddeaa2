"""Knowledge distillation: one classifier trained to match what several trained classifiers (its teachers) say.

>>> from rnnhub.sentiment.distill import teacher_probabilities
>>> soft = teacher_probabilities(["runs/lstm-seed-3", "runs/lstm-seed-4"], texts, labels=["negative", "positive"])

An ensemble of classifiers trained with different seeds is more accurate than any one of them (their errors
differ), but costs N times the memory and time at every call. Distillation (Hinton, Vinyals & Dean, 2015) keeps
one model of the original size: it is trained on the teachers' mean probability, softened by a temperature ``T``,
as well as on the labels:

    loss = weight * T^2 * KL(teachers_T || student_T) + (1 - weight) * cross_entropy(student, labels)

where ``p_T = softmax(logits / T)``. A teacher's soft probabilities say *how* sure it is ("a bit negative"),
which a one-hot label cannot; ``T^2`` keeps the soft term's gradients on the scale of the hard one's. The teachers
read the training texts once, before training (:func:`teacher_probabilities`); :class:`DistillationTrainer` is
stock ``transformers.Trainer`` with that loss, used where a batch carries ``teacher_probs``. Evaluation batches
carry none, so validation loss and metrics are the usual ones.

A teacher of another kind can join them: TF-IDF + logistic regression (:func:`tfidf_teacher_probabilities`),
which beats the recurrent classifiers on the Chinese corpus. Its settings are chosen on validation, as the
baseline's are, and each training text's probability comes from a model fitted on the other folds of train
(out-of-fold): fitted on all of train, it would repeat the labels it has memorised (the training accuracy of
a bag of 600,000 n-grams is near 1) and teach nothing the labels do not.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from transformers import Trainer

__all__ = [
    "TEACHER_COLUMN",
    "DistillationTrainer",
    "check_distillation",
    "classifier_probabilities",
    "distillation_loss",
    "teacher_probabilities",
    "tfidf_teacher_probabilities",
]

TFIDF_TEACHER_FOLDS = (
    5  # out-of-fold probabilities for the train texts: each from a model fitted on 4/5 of train
)

TEACHER_COLUMN = "teacher_probs"  # the train split's column of the teachers' soft probabilities


def check_distillation(weight: float, temperature: float) -> None:
    """Refuse a weight outside [0, 1] or a temperature that is not positive, saying what they mean."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError(
            f"distill_weight is the share of the loss that matches the teachers, in [0, 1] (0: labels only, "
            f"1: teachers only); got {weight}."
        )
    if not temperature > 0:
        raise ValueError(
            f"distill_temperature must be positive (1: the teachers' own probabilities), got {temperature}."
        )


def classifier_probabilities(
    folder: str | os.PathLike[str],
    texts: Sequence[str],
    *,
    max_length: int,
    temperature: float = 1.0,
    batch_size: int = 64,
) -> tuple[np.ndarray, list[str]]:
    """``softmax(logits / temperature)`` of the classifier saved in ``folder`` for each of ``texts`` (in order,
    each truncated to ``max_length`` tokens by the folder's own tokenizer), and its label names in id order."""
    from transformers import AutoModelForSequenceClassification

    import rnnhub.models  # noqa: F401  (registers the architectures with the Auto classes)
    from rnnhub.tokenization import load_tokenizer

    tokenizer = load_tokenizer(str(folder))
    model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32).eval()
    labels = [str(model.config.id2label[i]) for i in range(model.config.num_labels)]
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))  # similar lengths share a batch
    probabilities = np.zeros((len(encoded), len(labels)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            batch = tokenizer.pad({"input_ids": [encoded[i] for i in rows]}, return_tensors="pt")
            logits = model(**batch).logits.float()
            probabilities[rows] = torch.softmax(logits / temperature, dim=-1).numpy()
    return probabilities, labels


def teacher_probabilities(
    teachers: Sequence[str | os.PathLike[str]],
    texts: Sequence[str],
    *,
    labels: Sequence[str],
    max_length: int,
    temperature: float = 1.0,
) -> np.ndarray:
    """The teachers' mean soft probability for each text, columns in the order of ``labels``.

    Raises:
        ValueError: no teachers, or a teacher whose labels are not ``labels`` (in any order).
    """
    if not teachers:
        raise ValueError("Distillation needs at least one teacher: a saved classifier folder.")
    total = np.zeros((len(texts), len(labels)), dtype=np.float64)
    for teacher in teachers:
        probabilities, names = classifier_probabilities(
            teacher, texts, max_length=max_length, temperature=temperature
        )
        if sorted(names) != sorted(labels):
            raise ValueError(
                f"The teacher {Path(teacher)} predicts {names}, but the data's labels are {list(labels)}: a "
                "teacher must be trained on the same labels."
            )
        total += probabilities[:, [names.index(name) for name in labels]]
    return (total / len(teachers)).astype(np.float32)


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_probs: torch.Tensor,
    hard_loss: torch.Tensor,
    *,
    weight: float,
    temperature: float,
) -> torch.Tensor:
    """``weight * T^2 * KL(teacher || softmax(student / T)) + (1 - weight) * hard_loss``, the KL a batch mean."""
    log_student = F.log_softmax(student_logits.float() / temperature, dim=-1)
    soft = F.kl_div(log_student, teacher_probs.float(), reduction="batchmean") * temperature**2
    return weight * soft + (1.0 - weight) * hard_loss


class DistillationTrainer(Trainer):
    """``Trainer`` whose loss also matches the batch's ``teacher_probs`` (:func:`distillation_loss`).

    Batches without that column (evaluation) get the model's own loss, so validation numbers are comparable with
    a run without teachers.
    """

    def __init__(self, *args: Any, distill_weight: float, distill_temperature: float, **kwargs: Any) -> None:
        check_distillation(distill_weight, distill_temperature)
        super().__init__(*args, **kwargs)
        self.distill_weight = distill_weight
        self.distill_temperature = distill_temperature

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        teacher = inputs.pop(TEACHER_COLUMN, None)
        loss, outputs = super().compute_loss(
            model, inputs, return_outputs=True, num_items_in_batch=num_items_in_batch
        )
        if teacher is not None:
            loss = distillation_loss(
                outputs.logits,
                teacher,
                loss,
                weight=self.distill_weight,
                temperature=self.distill_temperature,
            )
        return (loss, outputs) if return_outputs else loss


def tfidf_teacher_probabilities(
    train: tuple[Sequence[str], Sequence[int]],
    validation: tuple[Sequence[str], Sequence[int]],
    *,
    analyzer: str,
    num_labels: int,
    temperature: float = 1.0,
    folds: int = TFIDF_TEACHER_FOLDS,
    seed: int = 0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Out-of-fold ``softmax(log p / temperature)`` of TF-IDF + logistic regression for each training text.

    ``train`` and ``validation`` are ``(texts, label ids)`` pairs, ids in ``range(num_labels)``. The n-gram range
    and ``C`` are chosen on validation (:func:`rnnhub.sentiment.baseline.select_tfidf_settings`, the baseline's
    grid); then train is cut into ``folds`` stratified folds and each fold's texts are scored by a model fitted on
    the others. Returns the probabilities (columns in label-id order) and the facts a report records: the
    settings, the folds and the chosen model's validation accuracy.

    Raises:
        ValueError: fewer than 2 folds, or a label with fewer training texts than folds.
    """
    from sklearn.model_selection import StratifiedKFold

    from rnnhub.sentiment.baseline import MODEL_NAME, fit_tfidf, select_tfidf_settings

    texts, labels = list(train[0]), np.asarray(train[1])
    if folds < 2:
        raise ValueError(
            f"folds must be at least 2 (each text is scored by a model that did not see it), got {folds}."
        )
    counts = np.bincount(labels, minlength=num_labels)
    if counts.min() < folds:
        raise ValueError(
            f"Out-of-fold teacher probabilities need at least {folds} training texts of every label; the label "
            f"id {int(counts.argmin())} has {int(counts.min())}. Use fewer folds or drop the TF-IDF teacher."
        )
    selection = select_tfidf_settings(texts, labels.tolist(), *validation, analyzer=analyzer, seed=seed)
    chosen = selection["best"]["settings"]
    ngram_range, C = tuple(chosen["ngram_range"]), chosen["C"]
    log_probabilities = np.zeros((len(texts), num_labels), dtype=np.float64)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_rows, score_rows in splitter.split(np.zeros(len(texts)), labels):
        model = fit_tfidf([texts[i] for i in fit_rows], labels[fit_rows], analyzer, ngram_range, C, seed)
        scored = model.predict_log_proba([texts[i] for i in score_rows])
        log_probabilities[np.ix_(score_rows, model.classes_)] = scored
    probabilities = torch.softmax(torch.from_numpy(log_probabilities / temperature), dim=-1).numpy()
    out_of_fold = float((log_probabilities.argmax(axis=1) == labels).mean())
    facts = {
        "kind": MODEL_NAME,
        "analyzer": analyzer,
        "ngram_range": list(ngram_range),
        "C": float(C),
        "folds": folds,
        "validation_accuracy": selection["best"]["metrics"]["accuracy"],
        "out_of_fold_train_accuracy": out_of_fold,
    }
    return probabilities.astype(np.float32), facts
