"""Train a translation model (recurrent encoder-decoder with attention) from scratch on a built-in corpus.

>>> from rnnhub.translation.recipe import train_translation
>>> result = train_translation("ding-de-en", cell_type="lstm", output_dir="model_cards/lstm-translation-de-en")

One call: a joint BPE tokenizer trained on the train split only (source and target texts together; Chinese is split
into characters by the tokenizer's pre-tokenizer), a fresh ``RnnHubForSeq2SeqLM`` (bidirectional encoder, attention
decoder), :func:`rnnhub.translation.train.train_seq2seq` (Seq2SeqTrainer, greedy validation BLEU after every epoch,
early stopping, a wall-time budget), then greedy and beam-5 BLEU / chrF on validation and test, a generation
config (beam size, length limit, length penalty), ``eval_report.json`` and the model card with a sample table.

Every run also leaves its report (without the model) in ``docs/translation-runs/``: the card's comparison table
(GRU against LSTM, attention against none) is built from those records, so unpublished ablation runs count too.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rnnhub.engine import settings as recipe_settings
from rnnhub.engine.checks import check_choice
from rnnhub.engine.precision import check_bf16
from rnnhub.engine.run_info import recipe_hardware, weights_license
from rnnhub.models.constants import CELL_TYPES
from rnnhub.translation import ablation

if TYPE_CHECKING:
    import datasets

    from rnnhub.engine.report import FinetuneResult

__all__ = [
    "CORPUS_SETTINGS",
    "TranslationSettings",
    "rescore",
    "settings_for",
    "train_translation",
    "write_card",
]

ATTENTIONS = ("luong", "bahdanau", "none")
RECIPE_KEY = "recipe"
RECORDS_DIR = Path(__file__).resolve().parents[3] / "docs" / "translation-runs"
SAMPLE_ROWS = 10
# Reference scale from bentrevett/pytorch-seq2seq on Multi30k de->en (29k pairs): quoted, not measured here.
MULTI30K_SCALE = (
    "2-layer LSTM seq2seq 13.8, GRU encoder-decoder 20.6, bidirectional GRU + attention 28.3 BLEU"
)


@dataclass(frozen=True)
class TranslationSettings:
    """Tokenizer, model, training and decoding settings of one corpus."""

    source_language: str
    target_language: str
    normalization: str  # NFC keeps Chinese full-width punctuation, which NFKC would fold into ASCII
    vocab_size: int
    max_source_length: int
    max_target_length: int
    attention: str = "luong"
    attention_scaled: bool = (
        True  # Luong scores / sqrt(d): without it the attention collapses onto one position
    )
    embedding_size: int = 256
    hidden_size: int = 384  # per encoder direction
    decoder_hidden_size: int = 384
    num_hidden_layers: int = 1
    dropout: float = 0.3
    embedding_dropout: float = 0.2
    word_dropout: float = 0.1  # whole tokens -> <unk> in training (Sennrich & Zhang 2019)
    label_smoothing: float = 0.1
    # bfloat16 autocast in training (the weights and optimizer stay float32): 1.78x the pairs per second on this
    # CPU with AVX512-BF16 (bench/bench_mixed_precision.py), so a time budget buys that many more epochs.
    bf16: bool = False
    learning_rate: float = 2e-3
    warmup_ratio: float = 0.01
    batch_size: int = 64
    epochs: float = (
        40.0  # a cap: the learning rate decays over whichever ends first, these epochs or the budget
    )
    patience: int = 4  # validation evaluations without a lower validation loss
    best_by: str = "loss"  # early stopping and the kept checkpoint: validation loss (BLEU sits at 0 early on)
    max_train_minutes: float = 85.0
    # Other built-in corpora of the same language pair whose train splits are added to this one's; validation
    # (model selection) stays this corpus', and each added corpus' test split is scored on its own.
    extra_train: tuple[str, ...] = ()
    num_beams: int = 5
    length_penalty: float = 1.0  # the start; the recipe then picks one of LENGTH_PENALTIES on validation


CORPUS_SETTINGS: dict[str, TranslationSettings] = {
    # Ding pairs are short (99% of the train sentences have at most 31 source / 28 target BPE tokens, max 49).
    "ding-de-en": TranslationSettings(
        source_language="de",
        target_language="en",
        normalization="NFKC",
        vocab_size=4000,
        max_source_length=64,
        max_target_length=64,
    ),
    # LibreOffice help strings are longer and the Chinese side is one token per character (max 86 in validation).
    "libreoffice-en-zh": TranslationSettings(
        source_language="en",
        target_language="zh",
        normalization="NFC",
        vocab_size=4000,  # the train split has 1,412 distinct Chinese characters; the rest are English subwords
        max_source_length=96,
        max_target_length=128,
    ),
}


def settings_for(corpus: str, **overrides: Any) -> TranslationSettings:
    """The recipe's settings for ``corpus`` with ``overrides`` (None values are ignored) applied."""
    settings = recipe_settings.corpus_settings(
        CORPUS_SETTINGS,
        corpus,
        overrides,
        recipe="translation",
        hint="For your own sentence pairs, fine-tune a published model with `rnnhub finetune`.",
    )
    if settings.attention not in ATTENTIONS:
        raise ValueError(f"attention must be one of {', '.join(ATTENTIONS)}, got {settings.attention!r}.")
    return settings


def _pairs(splits: datasets.DatasetDict, settings: TranslationSettings) -> datasets.DatasetDict:
    """The corpus with ``source``/``target`` columns, whether stored so or in the standard ``translation`` column."""
    from rnnhub.data.translation_layout import as_source_target

    return as_source_target(splits, settings.source_language, settings.target_language)


def _fresh_model(splits: datasets.DatasetDict, cell_type: str, settings: TranslationSettings, seed: int):
    """A joint tokenizer trained on the train split only, and a fresh seq2seq model sized to it."""
    from transformers import GenerationConfig, set_seed

    from rnnhub.models import RnnHubForSeq2SeqLM, RnnHubSeq2SeqConfig
    from rnnhub.tokenization import BOS_ID, EOS_ID, PAD_ID, train_tokenizer

    train = splits["train"]
    tokenizer = train_tokenizer(
        list(train["source"]) + list(train["target"]),
        kind="bpe",
        vocab_size=settings.vocab_size,
        normalization=settings.normalization,
        model_max_length=settings.max_source_length,
    )
    config = RnnHubSeq2SeqConfig(
        vocab_size=len(tokenizer),
        cell_type=cell_type,
        embedding_size=settings.embedding_size,
        hidden_size=settings.hidden_size,
        num_hidden_layers=settings.num_hidden_layers,
        bidirectional=True,
        decoder_hidden_size=settings.decoder_hidden_size,
        attention_type=settings.attention,
        attention_scaled=settings.attention_scaled,
        dropout=settings.dropout,
        embedding_dropout=settings.embedding_dropout,
        word_dropout=settings.word_dropout,
        architectures=["RnnHubForSeq2SeqLM"],
        # What `rnnhub finetune` reads to pick the pairs of a `translation` column ({language: text}).
        source_language=settings.source_language,
        target_language=settings.target_language,
    )
    set_seed(seed)
    model = RnnHubForSeq2SeqLM(config)
    model.generation_config = GenerationConfig(
        num_beams=settings.num_beams,
        max_new_tokens=settings.max_target_length,
        length_penalty=settings.length_penalty,
        early_stopping=True,
        do_sample=False,
        bos_token_id=BOS_ID,
        eos_token_id=EOS_ID,
        pad_token_id=PAD_ID,
        decoder_start_token_id=BOS_ID,
    )
    return model, tokenizer


def _pick_samples(sources, references, hypotheses, rows: int = SAMPLE_ROWS) -> list[dict[str, str]]:
    """``rows`` test sentences spread evenly over the sentence-chrF ranking: good and bad outputs alike."""
    from rnnhub.engine.text_metrics import sentence_chrf

    scored = sorted(
        range(len(sources)), key=lambda i: (-sentence_chrf(hypotheses[i], references[i]), len(sources[i]), i)
    )
    if len(scored) <= rows:
        chosen = scored
    else:
        chosen = [scored[round(k * (len(scored) - 1) / (rows - 1))] for k in range(rows)]

    def shown(reference) -> str:
        if isinstance(reference, str):
            return reference
        more = f" (+{len(reference) - 1} more)" if len(reference) > 1 else ""
        return reference[0] + more

    return [
        {
            "Source": sources[i],
            "Reference": shown(references[i]),
            "Model (beam)": hypotheses[i],
            "chrF": f"{sentence_chrf(hypotheses[i], references[i]):.1f}",
        }
        for i in chosen
    ]


def references_of(dataset) -> list:
    """The references to score against: the ``references`` lists where the corpus has them, else ``target``."""
    if "references" in dataset.column_names:
        return [list(refs) for refs in dataset["references"]]
    return list(dataset["target"])


# Splits scored after training, when the corpus has them; test_v1 is ding-de-en's test split before cleaning.
EVALUATED_SPLITS = ("validation", "test", "test_v1")
# An added corpus' test split is scored as "test_<corpus>" (its own domain, reported beside the headline test).
EXTRA_TEST = "test_{corpus}"


def _added_test_splits(names) -> list[str]:
    """The added corpora's test splits among ``names`` (``test_<corpus>``; test_v1 is not one)."""
    prefix = EXTRA_TEST.format(corpus="")
    return [name for name in names if name.startswith(prefix) and name not in EVALUATED_SPLITS]


def _scored_splits(splits) -> list[str]:
    return [name for name in EVALUATED_SPLITS if name in splits] + _added_test_splits(splits)


def with_extra_train(splits, settings: TranslationSettings):
    """``splits`` with the train splits of ``settings.extra_train`` appended to train and their test splits
    added as ``test_<corpus>``; each added corpus must translate the same language pair.

    Raises:
        ValueError: an added corpus of another language pair, or the corpus itself added again.
    """
    import datasets

    from rnnhub.data import get_corpus

    if not settings.extra_train:
        return splits
    pair = (settings.source_language, settings.target_language)
    trains, added = [splits["train"].select_columns(["source", "target"])], dict(splits)
    for corpus in settings.extra_train:
        languages = tuple(get_corpus(corpus).languages)
        if languages != pair:
            raise ValueError(
                f"extra_train corpus {corpus!r} translates {'->'.join(languages)}, this recipe "
                f"{'->'.join(pair)}; add only corpora of the same language pair."
            )
        extra = _pairs(recipe_settings.load_corpus(corpus), settings)
        trains.append(extra["train"].select_columns(["source", "target"]))
        name = EXTRA_TEST.format(corpus=corpus.replace("-", "_"))
        if name in added:
            raise ValueError(
                f"extra_train names {corpus!r} twice or the corpus itself; name each corpus once."
            )
        added[name] = extra["test"]
    added["train"] = datasets.concatenate_datasets(trains).shuffle(seed=0).flatten_indices()
    return datasets.DatasetDict(added)


def _evaluate(model, tokenizer, splits, settings: TranslationSettings, tokenize: str) -> tuple[dict, list]:
    from rnnhub.translation.evaluate import evaluate_translation

    metrics: dict[str, dict[str, Any]] = {}
    samples: list[dict[str, str]] = []
    for split in _scored_splits(splits):
        metrics[split] = {}
        references = references_of(splits[split])
        for name, beams in (("greedy", 1), ("beam", settings.num_beams)):
            measured = evaluate_translation(
                model,
                tokenizer,
                splits[split]["source"],
                references,
                num_beams=beams,
                max_new_tokens=settings.max_target_length,
                bleu_tokenize=tokenize,
            )
            hypotheses = measured.pop("hypotheses")
            metrics[split][name] = {key: value for key, value in measured.items() if key != "bleu_tokenize"}
            if split == "test" and name == "beam":
                samples = _pick_samples(splits[split]["source"], references, hypotheses)
    return metrics, samples


# Beam search's length penalty divides a hypothesis' log-probability by length ** penalty: above 1 favours longer
# outputs. The first models' beam outputs were 13% too short (brevity penalty 0.86), so the choice is made on
# validation BLEU after training.
LENGTH_PENALTIES = (0.6, 1.0, 1.4, 2.0)


def _validation_bleu(model, tokenizer, validation, settings: TranslationSettings, tokenize: str) -> float:
    """BLEU of ``model``'s beam-search translations of the validation split (all references), as generated now."""
    from rnnhub.translation.evaluate import evaluate_translation

    return evaluate_translation(
        model,
        tokenizer,
        validation["source"],
        references_of(validation),
        num_beams=settings.num_beams,
        max_new_tokens=settings.max_target_length,
        bleu_tokenize=tokenize,
    )["bleu"]


def _choose_length_penalty(model, tokenizer, splits, settings: TranslationSettings, tokenize: str) -> dict:
    """Set the generation config's length penalty to the one of :data:`LENGTH_PENALTIES` with the best validation
    BLEU (beam search); returns ``{"chosen": ..., "validation_bleu": {penalty: BLEU}}``."""
    scores = {}
    for penalty in LENGTH_PENALTIES:
        model.generation_config.length_penalty = penalty
        scores[penalty] = _validation_bleu(model, tokenizer, splits["validation"], settings, tokenize)
    chosen = max(LENGTH_PENALTIES, key=lambda penalty: (scores[penalty], -abs(penalty - 1.0)))
    model.generation_config.length_penalty = chosen
    return {"chosen": chosen, "validation_bleu": {f"{k:g}": round(v, 2) for k, v in scores.items()}}


def _everyday(model, tokenizer, settings: TranslationSettings, tokenize: str) -> dict[str, Any] | None:
    """BLEU / chrF and every output on the hand-written everyday sentences (rnnhub.data.everyday), if any."""
    from rnnhub.data.everyday import EVERYDAY, everyday_pairs
    from rnnhub.translation.evaluate import evaluate_translation

    if f"{settings.source_language}-{settings.target_language}" not in EVERYDAY:
        return None
    sources, references = everyday_pairs(settings.source_language, settings.target_language)
    measured = evaluate_translation(
        model, tokenizer, sources, references, num_beams=settings.num_beams, bleu_tokenize=tokenize
    )
    return {
        "bleu": measured["bleu"],
        "chrf": measured["chrf"],
        "num_beams": settings.num_beams,
        "rows": [
            {"source": s, "references": r, "translation": h}
            for s, r, h in zip(sources, references, measured["hypotheses"])
        ],
    }


def _score_model(model, tokenizer, splits, settings: TranslationSettings, tokenize: str) -> dict[str, Any]:
    """Everything the report holds about a trained model's output, in one pass: the length penalty chosen on
    validation (set in the model's generation config), then every split's scores and the test samples, the
    everyday sentences and the attention statistics."""
    length_penalty = _choose_length_penalty(model, tokenizer, splits, settings, tokenize)
    metrics, samples = _evaluate(model, tokenizer, splits, settings, tokenize)
    return {
        "metrics": metrics,
        "samples": samples,
        "everyday": _everyday(model, tokenizer, settings, tokenize),
        "attention": _attention(model, tokenizer, splits),
        "length_penalty": length_penalty,
    }


def _attention(model, tokenizer, splits) -> dict[str, Any] | None:
    """Teacher-forced attention statistics on validation (rnnhub.translation.attention); None without attention."""
    from rnnhub.translation.attention import attention_statistics

    if model.config.attention_type == "none":
        return None
    validation = splits["validation"]
    return {
        "split": "validation",
        **attention_statistics(model, tokenizer, validation["source"], validation["target"]),
    }


def _save_pipeline_code(folder) -> None:
    """The pipeline as remote code next to the weights: ``custom_pipelines`` and its files (docs/pipelines.md)."""
    from rnnhub.auto import save_pipeline_code

    save_pipeline_code(folder)


def train_translation(
    corpus: str,
    *,
    cell_type: str,
    output_dir: str | os.PathLike[str],
    seed: int = 0,
    threads: int | None = None,
    model_id: str | None = None,
    command: str | None = None,
    data: datasets.DatasetDict | None = None,
    records_dir: str | os.PathLike[str] | None = RECORDS_DIR,
    record_name: str | None = None,
    progress: bool = False,
    **overrides: Any,
) -> FinetuneResult:
    """Train a ``cell_type`` translation model on ``corpus`` from scratch and save it in ``output_dir``.

    Args:
        corpus: ``ding-de-en`` or ``libreoffice-en-zh`` (:data:`CORPUS_SETTINGS`).
        cell_type: ``"rnn"``, ``"gru"`` or ``"lstm"``.
        output_dir: the model folder to write (model, tokenizer, generation config, README.md, eval_report.json).
        seed: seeds the initial weights, the data order and dropout.
        threads: torch CPU threads for the run (restored afterwards); None keeps the current setting.
        model_id: the Hub id the card names (default: the output folder's name).
        command: the command line recorded in the card (the CLI passes its own).
        data: splits to use instead of loading ``corpus`` (tests); columns ``source``/``target``.
        records_dir: where the run's report is also recorded for comparison tables; None: nowhere.
        record_name: the record's file name without ``.json`` (an ablation's own name); default
            ``<corpus>-<cell>-<attention>``.
        overrides: any :class:`TranslationSettings` field, e.g. ``attention="none"`` or ``epochs=3``.

    Raises:
        ValueError: unknown corpus, cell, attention or setting, an output folder that already holds a model, or
            ``bf16=True`` on a machine without bfloat16 (:mod:`rnnhub.engine.precision`).
    """
    import torch

    from rnnhub.engine.trainer import progress_bars
    from rnnhub.translation.text import bleu_tokenize_for
    from rnnhub.translation.train import train_seq2seq

    check_choice("cell_type", cell_type, CELL_TYPES)
    settings = settings_for(corpus, **overrides)
    if settings.bf16:
        check_bf16()  # before the data, the tokenizer and the model
    output_dir = recipe_settings.fresh_output_dir(output_dir)
    splits = with_extra_train(
        _pairs(data if data is not None else recipe_settings.load_corpus(corpus), settings), settings
    )
    tokenize = (
        "zh" if settings.target_language == "zh" else bleu_tokenize_for(splits["train"]["target"][:2000])
    )

    started = time.perf_counter()
    with recipe_settings.torch_threads(threads):
        with progress_bars(progress):
            model, tokenizer = _fresh_model(splits, cell_type, settings, seed)
        result = train_seq2seq(
            model,
            tokenizer,
            splits,
            output_dir=output_dir,
            **recipe_settings.schedule(settings),
            max_source_length=settings.max_source_length,
            max_target_length=settings.max_target_length,
            metric_for_best_model=settings.best_by,
            seed=seed,
            bleu_tokenize=tokenize,
            progress=progress,
            max_train_minutes=settings.max_train_minutes,
            label_smoothing=settings.label_smoothing,
            budget_schedule=True,
            warmup_ratio=settings.warmup_ratio,
            training_arguments={"bf16": True} if settings.bf16 else None,
        )
        train_time = time.perf_counter() - started
        scores = _score_model(model, tokenizer, splits, settings, tokenize)
        total_time = time.perf_counter() - started
        used_threads = torch.get_num_threads()
    with progress_bars(progress):
        model.generation_config.save_pretrained(output_dir)
    _save_pipeline_code(output_dir)

    report = {
        RECIPE_KEY: {
            "corpus": corpus,
            "cell_type": cell_type,
            "attention": settings.attention,
            "settings": asdict(settings),
            "vocab_size": len(tokenizer),
            "num_parameters": model.num_parameters(),
            "model_id": model_id or output_dir.resolve().name,
            "record_name": record_name,
            "license": weights_license(corpus),
            "command": command,
            "seed": seed,
            "hardware": recipe_hardware(used_threads),
            "train_time_s": round(train_time, 1),
            "total_time_s": round(total_time, 1),
        },
        "metrics": scores["metrics"],
        "bleu_tokenize": tokenize,
        "rows": {split: len(splits[split]) for split in splits},
        "epochs_trained": result.epochs_trained,
        "global_step": result.global_step,
        "best_step": result.best_step,
        "stopped_early": result.stopped_early,
        "stopped_by_time_budget": result.extra["stopped_by_time_budget"],
        "history": result.extra["history"],
        **{key: scores[key] for key in ("attention", "everyday", "length_penalty", "samples")},
    }
    (output_dir / "eval_report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    if records_dir is not None:
        _record(report, Path(records_dir))
    write_card(output_dir, records_dir=records_dir)
    result.metrics = {
        split: {k: v["bleu"] for k, v in values.items()} for split, values in scores["metrics"].items()
    }
    result.extra["report"] = report
    return result


def _trained_folder(folder: Path, data: datasets.DatasetDict | None, action: str):
    """A trained folder's report path, report, settings and corpus pairs (``data`` instead of the corpus)."""
    path = folder / "eval_report.json"
    report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if RECIPE_KEY not in report:
        raise ValueError(f"{folder} has no eval_report.json from train_translation; nothing to {action}.")
    recipe = report[RECIPE_KEY]
    settings = settings_for(recipe["corpus"], **{k: v for k, v in recipe["settings"].items() if k in _FIELDS})
    pairs = _pairs(data if data is not None else recipe_settings.load_corpus(recipe["corpus"]), settings)
    return path, report, settings, pairs


def rescore(
    folder: str | os.PathLike[str],
    *,
    records_dir: str | os.PathLike[str] | None = RECORDS_DIR,
    record_name: str | None = None,
    data: datasets.DatasetDict | None = None,
    half_precision: bool = False,
) -> dict[str, Any]:
    """Score a folder that :func:`train_translation` wrote with this version's evaluation, without training.

    ``half_precision``: first store the folder's weights as float16 (:func:`rnnhub.publish.weights.store_half_precision`),
    so the scores are those of the weights it then holds.

    Every split the corpus has now (the cleaned test split with all its references, ``test_v1``), the everyday
    sentences and the attention statistics; ``eval_report.json``, the run record and the card are rewritten, the
    training facts (command, history, times) kept. Returns the new report.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    folder = Path(folder)
    path, report, settings, pairs = _trained_folder(folder, data, "re-score")
    recipe = report[RECIPE_KEY]
    splits = with_extra_train(pairs, settings)
    if half_precision:
        from rnnhub.publish.weights import store_half_precision

        store_half_precision(folder)
        recipe["weights_stored_as"] = "float16"
    model = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    tokenize = report["bleu_tokenize"]
    started = time.perf_counter()
    with torch.no_grad():
        report.update(_score_model(model, tokenizer, splits, settings, tokenize))
    model.generation_config.save_pretrained(folder)  # with the chosen length penalty
    _save_pipeline_code(folder)
    trained_rows = report["rows"]["train"]  # training happened on the split as it was then
    report["rows"] = {**{split: len(splits[split]) for split in splits}, "train": trained_rows}
    if trained_rows != len(splits["train"]):
        recipe["train_split_changed"] = {"trained_on": trained_rows, "now": len(splits["train"])}
    if record_name is not None:
        recipe["record_name"] = record_name
    recipe["rescored"] = {
        "hardware": recipe_hardware(torch.get_num_threads()),
        "seconds": round(time.perf_counter() - started, 1),
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    if records_dir is not None:
        _record(report, Path(records_dir))
    write_card(folder, records_dir=records_dir)
    return report


def average_checkpoints(
    folder: str | os.PathLike[str],
    checkpoints: list[str | os.PathLike[str]],
    *,
    records_dir: str | os.PathLike[str] | None = RECORDS_DIR,
    record_name: str | None = None,
    data: datasets.DatasetDict | None = None,
    half_precision: bool = False,
) -> dict[str, Any]:
    """Average the weights of ``checkpoints`` (model.safetensors files of the run that wrote ``folder``) and keep
    the average in ``folder`` only if it scores a higher validation BLEU (beam search, the folder's generation
    config) than the folder's own weights; then :func:`rescore` the folder. Returns the new report, whose recipe
    says what was compared and kept (``averaged``).

    Raises:
        ValueError: a folder without a recipe report, fewer than two checkpoints, or checkpoints of another model.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from rnnhub.engine.averaging import average_weights

    folder = Path(folder)
    path, report, settings, pairs = _trained_folder(folder, data, "average into")
    recipe = report[RECIPE_KEY]
    averaged = average_weights(checkpoints)
    model = AutoModelForSeq2SeqLM.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    dtype = next(model.parameters()).dtype
    scores = {}
    with torch.no_grad():
        scores["folder"] = _validation_bleu(
            model, tokenizer, pairs["validation"], settings, report["bleu_tokenize"]
        )
        # strict=False: tied weights are stored once, so a checkpoint may lack names the model has.
        _, unexpected = model.load_state_dict({k: v.to(dtype) for k, v in averaged.items()}, strict=False)
        if unexpected:
            raise ValueError(
                f"The checkpoints do not fit {folder}'s model: average the checkpoints of its own run."
            )
        scores["average"] = _validation_bleu(
            model, tokenizer, pairs["validation"], settings, report["bleu_tokenize"]
        )
    kept = "average" if scores["average"] > scores["folder"] else "folder"
    if kept == "average":
        model.save_pretrained(folder)  # else the folder keeps its own weights (rescore below reloads them)
    recipe["averaged"] = {
        "checkpoints": [Path(file).name for file in checkpoints],
        "validation_bleu_beam": {name: round(value, 2) for name, value in scores.items()},
        "kept": kept,
    }
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return rescore(
        folder, records_dir=records_dir, record_name=record_name, data=data, half_precision=half_precision
    )


_FIELDS = set(TranslationSettings.__dataclass_fields__)


def _record_name(recipe: dict[str, Any]) -> str:
    if recipe.get("record_name"):
        return f"{recipe['record_name']}.json"
    return f"{recipe['corpus']}-{recipe['cell_type']}-{recipe['attention']}.json"


def _record(report: dict[str, Any], records_dir: Path) -> None:
    records_dir.mkdir(parents=True, exist_ok=True)
    slim = {key: value for key, value in report.items() if key != "samples"}
    path = records_dir / _record_name(report[RECIPE_KEY])
    path.write_text(json.dumps(slim, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _records(corpus: str, records_dir: Path | None, own: dict[str, Any]) -> list[dict[str, Any]]:
    """Every recorded run on ``corpus`` (this folder's own report replacing its record)."""
    found = {_record_name(own[RECIPE_KEY]): own}
    if records_dir is not None and Path(records_dir).is_dir():
        for path in sorted(Path(records_dir).glob(f"{corpus}-*.json")):
            report = json.loads(path.read_text(encoding="utf-8"))
            found.setdefault(path.name, report)
    return sorted(
        found.values(), key=lambda r: (r[RECIPE_KEY]["attention"] == "none", r[RECIPE_KEY]["cell_type"])
    )


# ---------------------------------------------------------------------------------------------------------------
# The card


def _fits_budget(settings: dict[str, Any]) -> bool:
    """Whether a recorded run's learning rate was fitted to its time budget: every run since the recipe got
    ``best_by`` (the same change) was; the records from before it decayed over the epochs."""
    return "best_by" in settings


def _remedies(settings: dict[str, Any]) -> str:
    """The training remedies of one run (records from before a setting existed ran without it)."""
    parts = [f"lr {settings['learning_rate']:g}"]
    if settings.get("attention_scaled"):
        parts.append("scaled scores")
    if settings.get("label_smoothing"):
        parts.append(f"label smoothing {settings['label_smoothing']:g}")
    if settings.get("word_dropout"):
        parts.append(f"word dropout {settings['word_dropout']:g}")
    if settings.get("bf16"):
        parts.append("bfloat16 autocast")
    parts.append("LR fitted to budget" if _fits_budget(settings) else "LR over epochs")
    parts.extend(f"+ {name} train" for name in settings.get("extra_train") or ())
    return ", ".join(parts)


def _score(metrics: dict[str, Any], split: str | None, decoding: str, key: str = "bleu") -> str:
    """One recorded score, or "–" where the record has no such split (None: the run had no such split)."""
    value = metrics.get(split, {}).get(decoding, {}).get(key)
    return "–" if value is None else f"{value:.2f}"


def _comparison(report: dict[str, Any], records_dir: Path | None) -> str:
    recipe = report[RECIPE_KEY]
    rows = [
        "| Cell | Attention | Sizes (emb / hidden) | Remedies | Test BLEU beam | Test chrF beam | Old test BLEU beam "
        "| Validation BLEU beam | Epochs | Train time | Parameters |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for other in _records(recipe["corpus"], records_dir, report):
        o, m = other[RECIPE_KEY], other["metrics"]
        settings = o["settings"]
        mark = "**" if _record_name(o) == _record_name(recipe) else ""
        old_test = "test_v1" if "test_v1" in m else "test"
        cleaned = "test" if "test_v1" in m else None
        rows.append(
            f"| {mark}{o['cell_type'].upper()}{mark} | {o['attention']} | {settings['embedding_size']} / "
            f"{settings['hidden_size']} | {_remedies(settings)} | "
            f"{_score(m, cleaned, 'beam')} | {_score(m, cleaned, 'beam', 'chrf')} | "
            f"{_score(m, old_test, 'beam')} | {_score(m, 'validation', 'beam')} | {other['epochs_trained']:.1f} | "
            f"{o['train_time_s'] / 60:.0f} min | {o['num_parameters']:,} |"
        )
    return (
        "\n".join(rows)
        + "\n\nEvery row is one `rnnhub train translation` run (the bold row is this model); `none` is the plain "
        "encoder-decoder, whose decoder sees the source only through its initial state. *Test* is the cleaned "
        "test split scored against all its references; *old test* is the test split as first published (one "
        "reference, headword entries included), the only one the earlier runs were scored on. Validation is the "
        "split each run had (the earlier runs' uncleaned one), so compare validation scores within a corpus "
        "version only. Train times are wall-clock on a shared 2-vCPU machine with other training running at the "
        "same time: compare them loosely."
    )


def _history(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The validation evaluations, one per step (a run stopped by the budget may log its last step twice)."""
    return list({entry["step"]: entry for entry in report["history"]}.values())


def _undertrained_note(report: dict[str, Any]) -> str:
    history = _history(report)
    losses = [entry["eval_loss"] for entry in history]
    # Still improving: the best validation loss is at one of the last two evaluations.
    if not report["stopped_by_time_budget"] or len(losses) < 3 or losses.index(min(losses)) < len(losses) - 2:
        return ""
    return (
        f"Training ended by the time budget after {report['epochs_trained']:.1f} epochs while the validation loss "
        f"was still falling ({losses[0]:.2f} after the first epoch, {min(losses):.2f} at the end): the model is "
        "undertrained for this corpus. "
    )


def _training_rows(report: dict[str, Any]) -> str:
    changed = report[RECIPE_KEY].get("train_split_changed")
    extra = report[RECIPE_KEY]["settings"].get("extra_train") or ()
    if extra:
        added = ", ".join(f"`{name}`" for name in extra)
        return (
            f"{report['rows']['train']:,}: the train split of `{report[RECIPE_KEY]['corpus']}` and those of "
            f"{added} (their test splits are scored as `test_<corpus>`; validation is this corpus' alone)"
        )
    if not changed:
        return f"{report['rows']['train']:,}"
    return (
        f"{changed['trained_on']:,} (the corpus' train split when this model was trained; the corpus has been "
        f"cleaned since, and its train split now has {changed['now']:,} rows, so rerunning the command trains on "
        "those)"
    )


def _averaging_text(averaged: dict[str, Any] | None) -> str | None:
    if not averaged:
        return None
    scores = averaged["validation_bleu_beam"]
    outcome = (
        "kept (these are the averaged weights)"
        if averaged["kept"] == "average"
        else "not kept (the best checkpoint's weights are these)"
    )
    return (
        f"the mean of {len(averaged['checkpoints'])} checkpoints ({', '.join(averaged['checkpoints'])}): "
        f"validation BLEU (beam) {scores['average']:.2f} against {scores['folder']:.2f} for the best checkpoint, "
        f"{outcome}; `rnnhub train translation-average`"
    )


def _generation_text(report: dict[str, Any], settings: dict[str, Any]) -> str:
    text = f"beam size {settings['num_beams']}, at most {settings['max_target_length']} new tokens, "
    search = report.get("length_penalty")
    if not search:
        return text + f"length penalty {settings['length_penalty']:g}, early stopping"
    tried = ", ".join(f"{penalty}: {bleu:.2f}" for penalty, bleu in search["validation_bleu"].items())
    return (
        text
        + f"length penalty {search['chosen']:g} (chosen on validation BLEU with beam search; tried {tried}), "
        "early stopping"
    )


def _everyday_section(everyday: dict[str, Any]) -> str:
    rows = ["| Source | Model (beam) | References |", "| --- | --- | --- |"]
    for row in everyday["rows"]:
        cells = [row["source"], row["translation"] or "(empty)", " / ".join(row["references"])]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return (
        f"{len(everyday['rows'])} short everyday sentences written for rnnhub (`rnnhub.data.everyday`; none is in "
        f"the corpus, and nothing was trained or selected on them), translated with beam {everyday['num_beams']}: "
        f"BLEU {everyday['bleu']:.1f}, chrF {everyday['chrf']:.1f} against the references shown. Every output is "
        "listed, good and bad.\n\n" + "\n".join(rows)
    )


ATTENTION_RECORD = "attention-{corpus}.json"


def _attention_section(report: dict[str, Any], records_dir: Path | None) -> str:
    """This model's attention statistics, beside those of earlier models measured on the same split."""
    own = report.get("attention")
    if not own:
        return ""
    measured = []
    path = (
        None
        if records_dir is None
        else records_dir / ATTENTION_RECORD.format(corpus=report[RECIPE_KEY]["corpus"])
    )
    if path is not None and path.is_file():
        measured = json.loads(path.read_text(encoding="utf-8"))["models"]
    rows = [
        "| Model | Peak on the first source token | Steps with > 0.9 on one token | Entropy (nats) | Uniform entropy | "
        "Peak moves forward |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, stats in [*((m["model"], m) for m in measured), ("this model", own)]:
        rows.append(
            f"| {name} | {stats['peak_on_first']:.0%} | {stats['peaked']:.0%} | {stats['entropy']:.2f} | "
            f"{stats['uniform_entropy']:.2f} | {stats['monotonic']:.0%} |"
        )
    return (
        f"Teacher-forced attention on the {own['split']} split ({own['target_steps']:,} target steps; "
        "`rnnhub.translation.attention.attention_statistics`; earlier models measured on the same split by "
        "`bench/translation_attention.py`). A collapsed attention puts nearly every step's peak on the first source "
        "token with almost no entropy; an aligning one moves its peak forward through the source.\n\n"
        + "\n".join(rows)
    )


def write_card(
    folder: str | os.PathLike[str], records_dir: str | os.PathLike[str] | None = RECORDS_DIR
) -> Path:
    """(Re)write ``folder/README.md`` from its config and ``eval_report.json`` (from :func:`train_translation`)."""
    from transformers import AutoConfig

    from rnnhub.publish.cards import make_model_card, save_card

    folder = Path(folder)
    path = folder / "eval_report.json"
    report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if RECIPE_KEY not in report:
        raise ValueError(
            f"{folder} has no eval_report.json from train_translation; train it with `rnnhub train translation`."
        )
    recipe, metrics = report[RECIPE_KEY], report["metrics"]
    corpus, settings = recipe["corpus"], recipe["settings"]
    beams = settings["num_beams"]
    config = AutoConfig.from_pretrained(folder)
    rows = []
    card_splits = ["test", "test_v1", *_added_test_splits(metrics), "validation"]
    for split in (name for name in card_splits if name in metrics):
        for name, label in (("beam", f"beam {beams}"), ("greedy", "greedy")):
            values = metrics[split][name]
            rows.append(
                {"name": f"BLEU ({label})", "type": "bleu", "value": round(values["bleu"], 2), "split": split}
            )
            rows.append(
                {"name": f"chrF ({label})", "type": "chrf", "value": round(values["chrf"], 2), "split": split}
            )
    stop = (
        "stopped by the wall-time budget"
        if report["stopped_by_time_budget"]
        else ("early stopping" if report["stopped_early"] else "the epoch cap")
    )
    training = {
        "command": recipe["command"],
        "seed": recipe["seed"],
        "tokenizer": f"joint BPE ({recipe['vocab_size']} tokens) trained on the train split's source and target "
        f"texts only, {settings['normalization']}, cased"
        + (
            "; Chinese split into single characters"
            if "zh" in (settings["source_language"], settings["target_language"])
            else ""
        ),
        "epochs": f"{report['epochs_trained']:.2f} of at most {settings['epochs']:g} ({stop}; patience "
        f"{settings['patience']}, budget {settings['max_train_minutes']:g} min)",
        "best checkpoint": f"step {report['best_step']}, by "
        + (
            "validation loss"
            if settings.get("best_by") == "loss"
            else "validation BLEU of greedy translations"
        ),
        "optimizer": f"AdamW (Trainer default), learning rate {settings['learning_rate']:g} "
        + (
            f"after {settings['warmup_ratio']:g} of the planned steps of linear warm-up, decaying linearly to zero "
            "over whichever ends first, the epochs or the time budget (rnnhub.engine.trainer.BudgetSchedule)"
            if _fits_budget(settings)
            else "with linear decay over the epochs"
        )
        + f", batch size {settings['batch_size']} (batches of similar length), gradient clipping at norm 1",
        "regularisation": f"dropout {settings['dropout']:g}, embedding dropout {settings['embedding_dropout']:g}, "
        f"word dropout {settings.get('word_dropout', 0):g} (whole tokens to <unk>), label smoothing "
        f"{settings.get('label_smoothing', 0):g}",
        "attention": f"{recipe['attention']}"
        + (", scores divided by sqrt(hidden size)" if settings.get("attention_scaled") else ""),
        "max length": f"{settings['max_source_length']} source / {settings['max_target_length']} target tokens "
        "(longer training pairs are cut)",
        "generation config": _generation_text(report, settings),
        "scores": f"sacrebleu corpus BLEU (tokenize={report['bleu_tokenize']!r}) and chrF on the raw reference "
        "texts"
        + (
            ", against all references of a sentence where the corpus gives several (test_v1: one)"
            if "test_v1" in metrics
            else ", one reference per sentence"
        ),
        "training rows": _training_rows(report),
        "train time": f"{recipe['train_time_s'] / 60:.1f} min (whole command incl. tokenizer and the four "
        f"evaluations: {recipe['total_time_s'] / 60:.1f} min)",
        "hardware": recipe["hardware"],
        "precision": "bfloat16 autocast in training (float32 weights and optimizer)"
        if settings.get("bf16")
        else None,
        "checkpoint averaging": _averaging_text(recipe.get("averaged")),
        "weights": "stored as float16 (half the folder's size; from_pretrained loads them as float32); every score "
        "here is of the stored weights"
        if recipe.get("weights_stored_as") == "float16"
        else None,
    }
    pair = f"{settings['source_language']}→{settings['target_language']}"
    test = metrics["test"]
    description = (
        f"Translates {pair} ({'German to English' if pair == 'de→en' else 'English to Chinese'}); trained from "
        f"scratch on `{corpus}` by `rnnhub train translation` (one command, see Training). A bidirectional "
        f"{recipe['cell_type'].upper()} encoder reads the source; a {recipe['cell_type'].upper()} decoder with "
        f"{recipe['attention']} attention writes the translation. Test split: BLEU {test['beam']['bleu']:.1f} "
        f"(beam {beams}), {test['greedy']['bleu']:.1f} (greedy); chrF {test['beam']['chrf']:.1f}."
    )
    usage = (
        "```python\nimport rnnhub  # registers the models and the rnnhub-translation pipeline\n"
        "from transformers import pipeline\n\n"
        f'translate = pipeline("rnnhub-translation", model="{recipe["model_id"]}", trust_remote_code=True)\n'
        'translate(["...", "..."], num_beams=5, batch_size=16)   # [{"translation_text": ...}, ...]\n```\n\n'
        "Attention weights for one sentence (for a heatmap): "
        "`rnnhub.translation.view.translate_with_attention(model, tokenizer, text)`."
    )
    choice = (
        "Luong (multiplicative) attention was picked over Bahdanau for training speed on a CPU: its decoder runs "
        "the recurrent stack fused over the whole target, so more epochs fit in the budget. Its scores are divided "
        "by sqrt(hidden size): unscaled, the first published models' scores spanned tens of logits and the "
        "attention collapsed onto the first source token (see the attention statistics). Label smoothing, whole-word "
        "dropout and the learning-rate schedule fitted to the time budget follow Sennrich & Zhang (2019), "
        '"Revisiting Low-Resource Neural Machine Translation". Sizes were set from timings of training steps '
        "before any result was seen; there was no search on validation or test."
    )
    curve = ", ".join(
        f"epoch {entry['epoch']:.1f}: loss {entry['eval_loss']:.2f} / BLEU {entry.get('eval_bleu', 0.0):.1f}"
        for entry in _history(report)
    )
    training["validation curve"] = f"{curve} (greedy, references decoded from token ids)"
    goal = ""
    if corpus == "ding-de-en":
        goal = (
            f"\n\nThe goal set for this model is BLEU >= 15 on the cleaned test split (all references); it reached "
            f"{test['beam']['bleu']:.1f} ({'met' if test['beam']['bleu'] >= 15 else 'not met'}). For scale only "
            f"(another corpus, not comparable): on Multi30k de→en (29k pairs) bentrevett/pytorch-seq2seq reports "
            f"{MULTI30K_SCALE}. Ding's pairs are dictionary examples, many of them idioms translated freely."
        )
    if corpus == "libreoffice-en-zh":
        goal = (
            f"\n\nThe goal set for this model is BLEU >= 25 on this test split (tokenize='zh'); it reached "
            f"{test['beam']['bleu']:.1f} ({'met' if test['beam']['bleu'] >= 25 else 'not met'})."
        )
    extra_sections = {
        "Comparison: cells, attention and remedies": _comparison(
            report, Path(records_dir) if records_dir else None
        )
        + goal,
    }
    ablation_section = ablation.section(Path(records_dir) if records_dir else None, corpus)
    if ablation_section:
        extra_sections["Ablation: one change at a time"] = ablation_section
    if report.get("everyday"):
        extra_sections["Everyday sentences"] = _everyday_section(report["everyday"])
    attention_section = _attention_section(report, Path(records_dir) if records_dir else None)
    if attention_section:
        extra_sections["Attention: aligned or collapsed"] = attention_section
    extra_sections["The rnnhub-translation pipeline"] = usage
    extra_sections["How the settings were chosen"] = choice
    limitations = (
        f"A small model trained from scratch on about {report['rows']['train']:,} sentence pairs of `{corpus}`"
        + "".join(f" and `{name}`" for name in settings.get("extra_train") or ())
        + ", "
        "with no pretraining: it knows only that vocabulary and domain and often fails on anything else. "
        + _undertrained_note(report)
        + f"Sources longer than {settings['max_source_length']} tokens are truncated (with a warning). Meant for "
        "learning how attention-based recurrent translation works, not for translating anything that matters."
    )
    card = make_model_card(
        model_id=recipe["model_id"],
        config=config,
        task="translation",
        license=recipe["license"],
        metrics=rows,
        language=[settings["source_language"], settings["target_language"]],
        datasets=[corpus, *settings.get("extra_train", ())],
        training={key: value for key, value in training.items() if value is not None},
        description=description,
        limitations=limitations,
        samples=report.get("samples") or None,
        extra_sections=extra_sections,
        num_parameters=recipe["num_parameters"],
        tags=["translation", "rnnhub-recipe", "seq2seq"],
    )
    return save_card(card, folder)
