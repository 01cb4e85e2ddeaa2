"""The fine-tune-from-the-language-model experiment: the ULMFiT / Dai & Le comparison behind
``lstm-sentiment-rt-en-lm``.

:func:`finetune_comparison` fine-tunes a sentiment classifier from the pretrained LM (:mod:`rnnhub.lm.recipe`) with
the classification fine-tune (:func:`rnnhub.sentiment.train.finetune`) and, with the same architecture, tokenizer,
hyperparameters and seed, from scratch (:func:`scratch_classifier`), and writes the card that compares the two.
This is the one place a task package uses another's: the experiment is an LM's downstream sentiment evaluation.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnhub.engine.report import REPORT_FILENAME, update_report

if TYPE_CHECKING:
    import datasets

__all__ = [
    "OTHER_RUNS_KEY",
    "TFIDF_BASELINE",
    "finetune_comparison",
    "record_other_runs",
    "scratch_classifier",
]

# eval_report.json key of the seeded comparisons run beside this one (:func:`record_other_runs`).
OTHER_RUNS_KEY = "seeded_comparisons"


# TF-IDF + logistic regression on rt-sentiment-en test (docs/baselines.json).
TFIDF_BASELINE = {"accuracy": 0.7969, "macro_f1": 0.7905}


def scratch_classifier(
    lm_folder: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    labels: Sequence[str],
    *,
    seed: int = 0,
    pooling: str | None = None,
) -> Path:
    """Save a randomly initialised ``RnnHubForSequenceClassification`` with the language model's config and
    tokenizer in ``output_dir``: the same classifier ``finetune`` builds from ``lm_folder``, minus the
    pretrained weights (the from-scratch arm of the comparison)."""
    import copy

    from transformers import AutoConfig, set_seed

    from rnnhub.models import RnnHubForSequenceClassification
    from rnnhub.tokenization import load_tokenizer

    config = copy.deepcopy(AutoConfig.from_pretrained(lm_folder))
    # The same changes rnnhub.sentiment.train makes when it turns a causal LM into a classifier.
    config.id2label = dict(enumerate(labels))
    config.label2id = {name: i for i, name in enumerate(labels)}
    config.architectures = ["RnnHubForSequenceClassification"]
    config.problem_type = "single_label_classification"
    config.tie_word_embeddings = False
    if pooling is not None:
        config.pooling = pooling
    set_seed(seed)
    model = RnnHubForSequenceClassification(config)
    output_dir = Path(output_dir)
    model.save_pretrained(output_dir)
    load_tokenizer(lm_folder).save_pretrained(output_dir)
    return output_dir


def finetune_comparison(
    lm_folder: str | os.PathLike[str],
    *,
    output_dir: str | os.PathLike[str],
    data: str | datasets.DatasetDict = "rt-sentiment-en",
    labels: Sequence[str] = ("negative", "positive"),
    work_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    epochs: float = 5.0,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    early_stopping_patience: int | None = 2,
    model_id: str | None = None,
    command: str | None = None,
    scratch_run: str | os.PathLike[str] | None = None,
    pooling: str | None = None,
    layer_lr_decay: float | None = None,
    gradual_unfreezing: bool = False,
) -> dict[str, dict[str, dict[str, float]]]:
    """Fine-tune a classifier of ``data`` from ``lm_folder`` (published in ``output_dir``) and, with the same
    architecture, tokenizer, hyperparameters and seed, from scratch (kept in ``work_dir`` or a temporary
    folder, reported only as numbers in the card).

    Args:
        labels: the data's label names, in the order of the from-scratch start's head (a different label set
            only means ``finetune`` gives it a new head).
        epochs, learning_rate, batch_size, early_stopping_patience, seed: shared by both runs; the best
            checkpoint of each is picked by validation accuracy.
        work_dir: keep the from-scratch start and run there (default: a temporary folder, deleted).
        scratch_run: reuse this finished from-scratch ``finetune`` output instead of training one; it must
            have the language model's tokenizer and architecture and the same settings (checked). The
            from-scratch arm does not depend on the language model's weights, so it may run while they train.
        pooling, layer_lr_decay, gradual_unfreezing: ULMFiT's classifier options
            (:func:`rnnhub.sentiment.train.finetune`), the same for both arms; None / False: the language model's
            pooling, one learning rate, everything trains from the start.

    Returns ``{"pretrained": metrics, "scratch": metrics}``, each ``{split: {"accuracy", "macro_f1", "loss"}}``.

    Raises:
        ValueError: ``lm_folder`` holds no model, or anything :func:`rnnhub.sentiment.train.finetune` refuses.
    """
    from rnnhub.sentiment.train import finetune

    lm_folder = Path(lm_folder)
    if not (lm_folder / "config.json").is_file():
        raise ValueError(
            f"{lm_folder} holds no model (config.json); run `rnnhub train-lm --output {lm_folder}` first."
        )
    settings = {
        "epochs": epochs,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "early_stopping_patience": early_stopping_patience,
        "metric_for_best_model": "accuracy",
        "seed": seed,
        "layer_lr_decay": layer_lr_decay,
        "gradual_unfreezing": gradual_unfreezing,
    }
    if scratch_run is not None:
        scratch = _reusable_scratch_run(Path(scratch_run), lm_folder, settings, pooling)
    else:
        with tempfile.TemporaryDirectory() as temporary:
            work = Path(work_dir) if work_dir is not None else Path(temporary)
            start = scratch_classifier(lm_folder, work / "scratch-start", labels, seed=seed, pooling=pooling)
            finetune(start, data, output_dir=work / "scratch", **settings)
            scratch = json.loads((work / "scratch" / REPORT_FILENAME).read_text(encoding="utf-8"))
    pretrained = finetune(
        lm_folder,
        data,
        output_dir=output_dir,
        model_id=model_id,
        command=command,
        pooling=pooling,
        **settings,
    )
    results = {"pretrained": pretrained.metrics, "scratch": scratch["metrics"]}

    from_scratch = {
        key: scratch[key] for key in ("metrics", "global_step", "best_step", "epochs_trained", "wall_time_s")
    }
    from_scratch["reused_run"] = None if scratch_run is None else os.fspath(scratch_run)
    keys: dict[str, Any] = {"from_scratch": from_scratch}
    written = json.loads((Path(output_dir) / REPORT_FILENAME).read_text(encoding="utf-8"))
    if written["data"] == "rt-sentiment-en":  # the corpus the committed TF-IDF baseline was measured on
        keys["tfidf_baseline_test"] = TFIDF_BASELINE
    report = update_report(output_dir, **keys)  # one write
    _save_comparison_card(pretrained.output_dir, report, lm_folder, model_id)
    return results


# Config fields that make two classifiers the same architecture.
_ARCHITECTURE_FIELDS = (
    "vocab_size",
    "cell_type",
    "embedding_size",
    "hidden_size",
    "num_hidden_layers",
    "bidirectional",
    "dropout",
    "embedding_dropout",
    "pooling",
    "classifier_dropout",
)


def _reusable_scratch_run(
    run: Path, lm_folder: Path, settings: Mapping[str, Any], pooling: str | None = None
) -> dict[str, Any]:
    """``run``'s eval report, after checking it is the from-scratch arm this comparison would train."""
    from transformers import AutoConfig

    report_path = run / REPORT_FILENAME
    if not report_path.is_file():
        raise ValueError(
            f"{run} holds no finished finetune run ({REPORT_FILENAME}); drop scratch_run to train one."
        )
    report = json.loads(report_path.read_text(encoding="utf-8"))
    problems = [
        f"{name} is {report.get(key)!r}, not {settings[name]!r}"
        for name, key in (
            ("seed", "seed"),
            ("learning_rate", "learning_rate"),
            ("batch_size", "batch_size"),
            ("epochs", "max_epochs"),
            ("metric_for_best_model", "metric_for_best_model"),
            ("layer_lr_decay", "layer_lr_decay"),
            ("gradual_unfreezing", "gradual_unfreezing"),
        )
        # Reports written before these options existed ran without them.
        if report.get(key, {"layer_lr_decay": None, "gradual_unfreezing": False}.get(key)) != settings[name]
    ]
    run_config, lm_config = AutoConfig.from_pretrained(run), AutoConfig.from_pretrained(lm_folder)
    if pooling is not None:
        lm_config.pooling = pooling  # the pooling both arms were asked for
    problems += [
        f"config {name} is {getattr(run_config, name)!r}, not the language model's {getattr(lm_config, name)!r}"
        for name in _ARCHITECTURE_FIELDS
        if getattr(run_config, name) != getattr(lm_config, name)
    ]
    # The vocabulary and the text processing; finetune's saved copy also records its truncation setting.
    parts = ("model", "normalizer", "pre_tokenizer", "post_processor", "decoder", "added_tokens")
    tokenizers = [
        {
            part: json.loads((folder / "tokenizer.json").read_text(encoding="utf-8")).get(part)
            for part in parts
        }
        for folder in (run, lm_folder)
    ]
    if tokenizers[0] != tokenizers[1]:
        problems.append("its tokenizer.json differs from the language model's")
    if problems:
        raise ValueError(
            f"{run} is not the from-scratch arm of this comparison: {'; '.join(problems)}. "
            "Drop scratch_run to train it here."
        )
    return report


def _gain_sentence(pretrained: Mapping[str, float], scratch: Mapping[str, float], with_tfidf: bool) -> str:
    gain = pretrained["accuracy"] - scratch["accuracy"]
    if abs(gain) < 0.005:
        verdict = "no meaningful difference (under half a point, within seed-to-seed noise for one seed)"
    elif gain > 0:
        verdict = f"a gain of {100 * gain:.1f} accuracy points from pretraining"
    else:
        verdict = f"a loss of {100 * -gain:.1f} accuracy points (pretraining did not help here)"
    sentence = (
        f"On the test split the pretrained start gives accuracy {pretrained['accuracy']:.4f} against "
        f"{scratch['accuracy']:.4f} from scratch: {verdict}."
    )
    if with_tfidf:
        tfidf = pretrained["accuracy"] - TFIDF_BASELINE["accuracy"]
        versus = "above" if tfidf > 0 else "below"
        sentence += (
            f" It is {100 * abs(tfidf):.1f} points {versus} the TF-IDF + logistic regression baseline "
            f"({TFIDF_BASELINE['accuracy']:.4f})."
        )
    return sentence + " One seed each, so a difference of about a point is not conclusive."


def _save_comparison_card(
    output_dir: Path, report: Mapping[str, Any], lm_folder: Path, model_id: str | None
) -> Path:
    """Regenerate the fine-tuned model's card with the from-scratch and TF-IDF results beside its own."""
    from transformers import AutoModelForSequenceClassification

    from rnnhub.publish.cards import make_model_card, save_card
    from rnnhub.sentiment.train import describe_schedule

    model = AutoModelForSequenceClassification.from_pretrained(output_dir)
    lm_corpus = json.loads((lm_folder / REPORT_FILENAME).read_text(encoding="utf-8")).get("corpus")
    if lm_corpus == "lm-text-en":
        lm_corpus = (
            "`lm-text-en`, built from books, speeches and the TRAIN splits of the labelled corpora only, so it "
            "holds no rt-sentiment-en validation or test sentence"
        )
    config = model.config
    dataset = report["data"]
    # The TF-IDF numbers were measured on rt-sentiment-en's test split only.
    with_tfidf = dataset == "rt-sentiment-en"
    metrics, baselines = [], []
    for split in ("test", "validation"):
        for name, kind, key in (("Accuracy", "accuracy", "accuracy"), ("Macro F1", "f1", "macro_f1")):
            metrics.append(
                {"name": name, "type": kind, "value": report["metrics"][split][key], "split": split}
            )
            baselines.append(
                {
                    "name": name,
                    "type": kind,
                    "value": report["from_scratch"]["metrics"][split][key],
                    "split": split,
                    "baseline": "same LSTM from scratch",
                }
            )
            if split == "test" and with_tfidf:
                baselines.append(
                    {
                        "name": name,
                        "type": kind,
                        "value": TFIDF_BASELINE[key],
                        "split": split,
                        "baseline": "TF-IDF + logistic regression",
                    }
                )
    pretrained, scratch = report["metrics"]["test"], report["from_scratch"]["metrics"]["test"]
    rows = [
        (
            f"LSTM fine-tuned from `{lm_folder.name}` (this model)",
            pretrained["accuracy"],
            pretrained["macro_f1"],
        ),
        (
            "same LSTM from scratch (same tokenizer, hyperparameters, seed)",
            scratch["accuracy"],
            scratch["macro_f1"],
        ),
    ]
    if with_tfidf:
        tfidf_name = "TF-IDF + logistic regression (docs/baselines.json)"
        rows.append((tfidf_name, TFIDF_BASELINE["accuracy"], TFIDF_BASELINE["macro_f1"]))
    table = "| Model | Test accuracy | Test macro-F1 |\n|---|---|---|\n" + "\n".join(
        f"| {name} | {accuracy:.4f} | {f1:.4f} |" for name, accuracy, f1 in rows
    )
    comparison = (
        "Dai & Le (2015) / ULMFiT (Howard & Ruder, 2018): the classifier's embeddings and LSTM start from the "
        f"language model `{lm_folder.name}`, pretrained on unlabelled text ({lm_corpus}). The from-scratch run trains the identical classifier (unidirectional "
        f"LSTM, `{config.pooling}` pooling, same tokenizer) with the same hyperparameters, schedule and seed; "
        "hyperparameters were chosen on the validation split only."
        + (
            " The from-scratch numbers come from an earlier run with these settings, reused with "
            "`--scratch-run` after checking its tokenizer, architecture and settings match."
            if report["from_scratch"].get("reused_run")
            else ""
        )
        + "\n\n"
        f"{table}\n\n{_gain_sentence(pretrained, scratch, with_tfidf)}"
    )
    training = {
        "command": report.get("command"),
        "base_model": f"`{lm_folder.name}` (RnnHubForCausalLM, new classification head)",
        "seed": report["seed"],
        "epochs": f"{report['epochs_trained']:g} of at most {report['max_epochs']:g}"
        + (" (early stopping)" if report["stopped_early"] else ""),
        "best checkpoint": f"step {report['best_step']} by validation {report['metric_for_best_model']}",
        "learning_rate": report["learning_rate"],
        "schedule": describe_schedule(report),
        "batch_size": report["batch_size"],
        "training_rows": report["rows"].get("train"),
        "wall_time": f"{report['wall_time_s']:.1f} s",
        "hardware": report["hardware"],
    }
    card = make_model_card(
        model_id=model_id or output_dir.resolve().name,
        config=config,
        task="text-classification",
        license="other",
        language="en",
        metrics=metrics,
        datasets=[dataset],
        base_model=lm_folder.name,
        baselines=baselines,
        training={k: v for k, v in training.items() if v is not None},
        description=(
            f"English movie-review sentiment (`{dataset}`: negative / positive), an LSTM fine-tuned from the "
            f"pretrained language model `{lm_folder.name}`."
        ),
        limitations=(
            "Lowercased word-level vocabulary of ~10k words from the pretraining text; one-sentence movie "
            "reviews only. Trained and compared with a single seed"
            + ("; the seeded comparisons are in their own section." if report.get(OTHER_RUNS_KEY) else ".")
        ),
        extra_sections={"Pretraining vs from scratch": comparison, **_other_runs_section(report)},
        num_parameters=model.num_parameters(),
        tags=["rnnhub-finetune", "ulmfit"],
    )
    return save_card(card, output_dir)


def record_other_runs(
    folder: str | os.PathLike[str], entry: Mapping[str, Any], lm_folder: str | os.PathLike[str]
) -> None:
    """Record seeded comparisons run beside ``folder``'s own (``entry``: ``{"command", "rows"}``, each row a variant
    with both arms' accuracy mean and std over its seeds, as ``bench/ulmfit_runs.py`` writes them) in its
    ``eval_report.json``, and rewrite its card, which then shows them in a section of their own. The folder's weights
    and its own numbers are left as they are."""
    folder = Path(folder)
    report = update_report(folder, **{OTHER_RUNS_KEY: dict(entry)})
    _save_comparison_card(folder, report, Path(lm_folder), None)


def _other_runs_section(report: Mapping[str, Any]) -> dict[str, str]:
    entry = report.get(OTHER_RUNS_KEY)
    if not entry:
        return {}

    def cell(values: Mapping[str, Any]) -> str:
        return f"{values['mean']:.4f}" + ("" if values.get("std") is None else f" ± {values['std']:.4f}")

    lines = [
        "| variant | language model | options (both arms) | seeds | test: from the LM | from scratch "
        "| validation: from the LM | from scratch |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in entry["rows"]:
        lines.append(
            f"| {row['variant']} | {row['lm']} | `{row['options']}` | {len(row['seeds'])} | "
            f"{cell(row['lm_test_accuracy'])} | {cell(row['scratch_test_accuracy'])} | "
            f"{cell(row['lm_validation_accuracy'])} | {cell(row['scratch_validation_accuracy'])} |"
        )
    text = (
        "The comparison above is one seed. The same comparison with several seeds (mean ± sample std of the "
        "accuracy), and with ULMFiT's other ingredients, each run by `"
        + entry["command"]
        + "` (pretrained: the LM this card names; target-finetuned: that LM trained further on the labelled "
        "corpus' train text, labels unread):\n\n" + "\n".join(lines)
    )
    verdicts = []
    for row in entry["rows"]:
        gain = row["lm_validation_accuracy"]["mean"] - row["scratch_validation_accuracy"]["mean"]
        test_gain = row["lm_test_accuracy"]["mean"] - row["scratch_test_accuracy"]["mean"]
        verdicts.append(
            f"{row['variant']}: the LM start is {100 * abs(gain):.1f} points "
            f"{'above' if gain > 0 else 'below'} from scratch on validation "
            f"({100 * abs(test_gain):.1f} {'above' if test_gain > 0 else 'below'} on test)"
        )
    text += "\n\nOn the means: " + "; ".join(verdicts) + "."
    return {"Seeds, and ULMFiT's recipe": text}
