"""Train the emoji captioner from scratch in one deterministic call: CNN encoder + LSTM decoder with soft attention.

>>> from rnnhub.captioning.recipe import train_captioning
>>> train_captioning(output_dir="model_cards/lstm-captioning-emoji", cell_type="lstm")

The recipe trains a word tokenizer on the train split's captions only, encodes every image once with the image
processor saved next to the model (a stock ``ViTImageProcessor``), trains ``RnnHubForImageCaptioning`` with
``Seq2SeqTrainer`` (every caption of every training image is one example; small random shifts as augmentation;
early stopping on validation BLEU), then captions both test splits (``test``: emoji never seen in training;
``test_variants``: unseen skin-tone / gender / direction variants of seen emoji) greedily and with beam search,
measures the nearest-neighbour retrieval baseline on the same splits, and writes model, tokenizer, image processor,
generation config, a sample grid (``samples.png``), an attention figure (``attention.png``), ``eval_report.json``
and the card. The settings were fixed before looking at the test splits; the test splits are only reported.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from rnnhub.captioning.corpora import combine_corpora, extra_split_name, load_extra_corpora, test_split_names
from rnnhub.captioning.evaluate import evaluate_captioner
from rnnhub.captioning.samples import KINDS, PER_KIND, sample_rows
from rnnhub.captioning.settings import (
    CORPUS,
    RECIPE_KEY,
    SELECTION_SPLITS,
    TEST_SPLITS,
    VARIANT_VALIDATION,
    CaptioningSettings,
    settings_with,
)
from rnnhub.engine.checks import check_choice
from rnnhub.engine.precision import check_bf16
from rnnhub.engine.run_info import load_average, recipe_hardware
from rnnhub.engine.settings import fresh_output_dir, schedule, torch_threads
from rnnhub.models.constants import CELL_TYPES

__all__ = ["CORPUS", "CaptioningSettings", "settings_with", "train_captioning"]


def _load_splits(data: Any) -> Any:
    if data is None:
        from rnnhub import data as corpora

        data = corpora.load(CORPUS)
    missing = [name for name in ("train", "validation", *TEST_SPLITS) if name not in data]
    if missing:
        raise ValueError(
            f"The captioning recipe needs the splits train, validation, test and test_variants; missing "
            f"{', '.join(missing)}. Rebuild the corpus with `rnnhub data build {CORPUS}`."
        )
    return data


def train_captioning(
    *,
    output_dir: str | os.PathLike[str],
    cell_type: str = "lstm",
    seed: int = 0,
    threads: int | None = None,
    model_id: str | None = None,
    command: str | None = None,
    data: Any = None,
    extra_data: dict[str, Any] | None = None,
    progress: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """Train a captioner on the emoji corpus and save the complete model folder in ``output_dir``.

    Args:
        output_dir: the folder to write; it must not hold a model yet.
        cell_type: the decoder's recurrent cell, ``"rnn"``, ``"gru"`` or ``"lstm"``.
        seed: seeds the weights, data order, dropout and augmentation.
        threads: torch CPU threads for the run (restored afterwards); None keeps the current setting.
        model_id: the Hub id the card names (default: the folder's name).
        command: the command line recorded in the card (the CLI passes its own).
        data: the splits to use instead of the built corpus (tests): a mapping with ``train``, ``validation``,
            ``test`` and ``test_variants``, each with ``image``, ``caption`` and ``captions`` columns.
        extra_data: ``{name: splits}`` for the names in ``extra_train`` (tests); other names are loaded with
            :func:`rnnhub.data.load`.
        overrides: any :class:`CaptioningSettings` field, e.g. ``epochs=2`` or ``hidden_size=64``.

    Returns the eval report (also written to ``output_dir/eval_report.json``).
    """
    import torch

    from rnnhub.engine.trainer import progress_bars

    check_choice("cell_type", cell_type, CELL_TYPES)
    settings = settings_with(**overrides)
    if settings.bf16:
        check_bf16()  # before the corpus, the images and the model are built
    table = None
    if settings.vectors is not None:  # loaded (or refused) before anything is built
        from dataclasses import replace

        from rnnhub.engine.vectors import load_vectors

        table = load_vectors(settings.vectors)
        if overrides.get("embedding_size") is None:
            settings = replace(settings, embedding_size=table.dimension)
    output_dir = fresh_output_dir(output_dir)
    load_at_start = load_average()
    splits = _load_splits(data)
    extra = load_extra_corpora(settings.extra_train, extra_data)
    with torch_threads(threads):
        with progress_bars(progress):
            report = _run(splits, extra, output_dir, cell_type, settings, seed, progress, table)
        report[RECIPE_KEY].update(
            command=command,
            model_id=model_id or output_dir.resolve().name,
            hardware=recipe_hardware(torch.get_num_threads()),
            load_average={"start": load_at_start, "end": load_average()},
        )
    (output_dir / "eval_report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    from rnnhub.captioning.card import write_card

    write_card(output_dir)
    return report


def _run(
    splits: Any,
    extra: dict[str, Any],
    output_dir: Path,
    cell_type: str,
    settings: CaptioningSettings,
    seed: int,
    progress: bool,
    table: Any = None,
):
    from transformers import set_seed

    from rnnhub.captioning.data import (
        caption_lists,
        encode_images,
        make_image_processor,
        train_caption_tokenizer,
    )
    from rnnhub.captioning.train import CaptionSplit, TrainerSettings, build_trainer, set_generation_defaults
    from rnnhub.engine.trainer import best_step as best_step_of
    from rnnhub.models import RnnHubCaptioningConfig, RnnHubForImageCaptioning

    started = time.perf_counter()
    splits = _hold_out_variants(splits, settings.variant_validation)
    splits, train_images = combine_corpora(splits, extra)
    selection_names = [name for name in SELECTION_SPLITS if name in splits] + [
        extra_split_name(corpus, "validation") for corpus in extra
    ]
    test_names = [*TEST_SPLITS, *(extra_split_name(c, t) for c in extra for t in test_split_names(extra[c]))]
    captions = {name: caption_lists(list(splits[name]["captions"]), name) for name in splits}
    tokenizer = train_caption_tokenizer(
        [text for texts in captions["train"] for text in texts],
        min_frequency=settings.min_frequency,
        max_length=settings.max_length,
        kind=settings.tokenizer,
        bpe_vocab_size=settings.bpe_vocab_size,
    )
    image_size = settings.image_size or _image_size(splits["train"])
    image_processor = make_image_processor(image_size)
    encoded = {
        name: CaptionSplit(encode_images(image_processor, list(splits[name]["image"])), captions[name])
        for name in ("train", *selection_names, *test_names)
    }
    selection = _selection_split(encoded, selection_names)
    config = RnnHubCaptioningConfig(
        vocab_size=len(tokenizer),
        cell_type=cell_type,
        embedding_size=settings.embedding_size,
        hidden_size=settings.hidden_size,
        attention_type="bahdanau",
        attention_size=settings.attention_size,
        image_size=image_size,
        encoder_channels=list(settings.encoder_channels),
        encoder_block=settings.encoder_block,
        encoder_norm=settings.encoder_norm,
        encoder_dropout=settings.encoder_dropout,
        dropout=settings.dropout,
        embedding_dropout=settings.embedding_dropout,
        architectures=["RnnHubForImageCaptioning"],
    )
    set_seed(seed)
    model = RnnHubForImageCaptioning(config)
    vector_facts = None
    if table is not None:
        from rnnhub.engine.vectors import apply_vectors

        vector_facts = apply_vectors(model, tokenizer, table, freeze=settings.freeze_vectors, seed=seed)
    suppress = [tokenizer.unk_token_id] if settings.tokenizer == "word" else []
    trainer_settings = TrainerSettings(
        **schedule(settings),
        max_length=settings.max_length,
        seed=seed,
        augmentation=settings.augmentation(),
        weight_decay=settings.weight_decay,
        max_train_minutes=settings.max_train_minutes,
        suppress_tokens=suppress,
        progress=progress,
        training_arguments={"bf16": True} if settings.bf16 else {},
    )
    with tempfile.TemporaryDirectory(prefix="rnnhub-captioning-") as checkpoints:
        trainer = build_trainer(
            model, tokenizer, image_processor, encoded["train"], selection, checkpoints, trainer_settings
        )
        train_started = time.perf_counter()
        trainer.train()
        train_time = time.perf_counter() - train_started
        state = trainer.state
        best_step = best_step_of(state)
        history = [
            {
                k: v
                for k, v in entry.items()
                if k in ("epoch", "step", "loss", "eval_loss", "eval_bleu", "eval_exact_match")
            }
            for entry in state.log_history
        ]
        model = trainer.model
    model.eval()
    # Trainer's evaluation filled in generate()'s default max_length; the saved settings go back now.
    set_generation_defaults(model, settings.max_length, suppress_tokens=suppress)
    decoding = _choose_decoding(model, tokenizer, selection, settings)
    model.generation_config.length_penalty = decoding["length_penalty"]
    metrics, outputs = {}, {}
    for name in (*selection_names, *test_names):
        metrics[name], outputs[name] = evaluate_captioner(
            model,
            tokenizer,
            encoded[name].pixel_values,
            encoded[name].captions,
            beams=(1, settings.num_beams),
            max_new_tokens=settings.max_length,
        )
    # The saved default decoding (generation_config.json): whichever did better on the selection splits.
    saved_beams = settings.num_beams if decoding["saved"] != "greedy" else 1
    set_generation_defaults(model, settings.max_length, num_beams=saved_beams, suppress_tokens=suppress)
    model.generation_config.length_penalty = decoding["length_penalty"] if saved_beams > 1 else 1.0
    baseline = _baselines(splits, extra, keep_predictions=True)
    retrieval = baseline.pop("predictions")

    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    image_processor.save_pretrained(output_dir)
    from rnnhub.auto import save_pipeline_code

    # The pipeline as remote code: custom_pipelines + its files (docs/pipelines.md).
    save_pipeline_code(output_dir)
    samples = sample_rows(splits, outputs, retrieval, test_names, ranked_by=decoding["saved"])
    _save_figures(model, image_processor, tokenizer, splits, samples, output_dir)
    return {
        "metrics": metrics,
        "baseline": baseline,
        "samples": samples,
        "rows": {name: len(split.captions) for name, split in encoded.items()},
        "training_images": train_images,
        "training_pairs": sum(len(texts) for texts in captions["train"]),
        "decoding": decoding,
        "epochs_trained": float(state.epoch or 0.0),
        "global_step": state.global_step,
        "best_step": best_step,
        "stopped_early": state.global_step < state.max_steps,
        "history": history,
        "seed": seed,
        "train_time_s": round(train_time, 1),
        "total_time_s": round(time.perf_counter() - started, 1),
        RECIPE_KEY: {
            "corpus": CORPUS,
            "extra_corpora": list(extra),
            "cell_type": cell_type,
            "settings": asdict(settings),
            "vocab_size": len(tokenizer),
            "grid_size": [config.feature_grid_size, config.feature_grid_size],
            "num_parameters": model.num_parameters(),
            "vectors": vector_facts,
        },
    }


def _choose_decoding(model, tokenizer, selection, settings: CaptioningSettings) -> dict[str, Any]:
    """Beam search's length penalty with the best selection BLEU (the first listed on a tie), and which decoding,
    greedy or beam search with that penalty, the saved model uses by default (the better on selection)."""
    scores = {}
    for penalty in settings.length_penalties:
        model.generation_config.length_penalty = penalty
        result, _ = evaluate_captioner(
            model,
            tokenizer,
            selection.pixel_values,
            selection.captions,
            beams=(settings.num_beams,),
            max_new_tokens=settings.max_length,
        )
        scores[f"{penalty:g}"] = next(iter(result.values()))["bleu"]
    best = max(settings.length_penalties, key=lambda penalty: scores[f"{penalty:g}"])
    greedy, _ = evaluate_captioner(
        model,
        tokenizer,
        selection.pixel_values,
        selection.captions,
        beams=(1,),
        max_new_tokens=settings.max_length,
    )
    greedy_bleu = greedy["greedy"]["bleu"]
    beam = f"beam{settings.num_beams}"
    return {
        "length_penalty": best,
        "selection_bleu": scores,
        "greedy_selection_bleu": greedy_bleu,
        "saved": beam if settings.num_beams > 1 and scores[f"{best:g}"] > greedy_bleu else "greedy",
    }


def _baselines(
    splits: dict[str, Any], extra: dict[str, Any], *, keep_predictions: bool = False
) -> dict[str, Any]:
    """Nearest-neighbour retrieval from the (joined) train split, its representation chosen on each corpus'
    validation split, on each corpus' test splits (with ``keep_predictions``, its captions per split under
    ``"predictions"``)."""
    from rnnhub.captioning.baseline import run_nearest_neighbour_baseline

    baseline = run_nearest_neighbour_baseline(splits, evaluate=TEST_SPLITS, keep_predictions=keep_predictions)
    for corpus, corpus_splits in extra.items():
        result = run_nearest_neighbour_baseline(
            splits,
            evaluate=[extra_split_name(corpus, t) for t in test_split_names(corpus_splits)],
            selection_split=extra_split_name(corpus, "validation"),
            keep_predictions=keep_predictions,
        )
        baseline["metrics"].update(result["metrics"])
        if keep_predictions:
            baseline["predictions"].update(result["predictions"])
        baseline.setdefault("extra_corpora", {})[corpus] = {
            "settings": result["settings"],
            "selection": result["selection"],
        }
    return baseline


VARIANT_SALT = "emoji-captions/validation-variants"


def _hold_out_variants(splits: Any, fraction: float) -> dict[str, Any]:
    """Move a stable ``fraction`` of the training variants (``is_variant``, chosen by a salted hash of ``code``) to
    a ``validation_variants`` split. Data without those columns (or ``fraction`` 0) is returned unchanged."""
    from rnnhub.data.common import stable_fraction

    splits = dict(splits)
    train = splits["train"]
    if not fraction or not {"is_variant", "code"} <= set(train.column_names):
        return splits
    held = [
        variant and stable_fraction(code, VARIANT_SALT) < fraction
        for variant, code in zip(train["is_variant"], train["code"])
    ]
    if not any(held) or all(held):
        return splits
    splits[VARIANT_VALIDATION] = train.select([i for i, h in enumerate(held) if h])
    splits["train"] = train.select([i for i, h in enumerate(held) if not h])
    return splits


def _selection_split(encoded: dict[str, Any], names: list[str]) -> Any:
    """What early stopping, checkpoint selection and the length penalty watch: validation, the held-out variants if
    any, and every extra corpus' validation split."""
    import torch

    from rnnhub.captioning.train import CaptionSplit

    parts = [encoded[name] for name in names]
    return CaptionSplit(
        torch.cat([part.pixel_values for part in parts]), [texts for part in parts for texts in part.captions]
    )


def _image_size(train: Any) -> int:
    from rnnhub.images import load_image

    width, height = load_image(train[0]["image"]).size
    if width != height:
        raise ValueError(f"The recipe expects square images; the first training image is {width}x{height}.")
    return width


def _save_figures(model, image_processor, tokenizer, splits, samples, output_dir: Path) -> None:
    from rnnhub.captioning.figures import attention_figure, sample_grid

    images = [splits[s["split"]][s["index"]]["image"] for s in samples]
    sample_grid(images, samples, output_dir / "samples.png", columns=len(KINDS) * PER_KIND)
    first_variant = next(s for s in samples if s["split"] == "test_variants")
    attention_figure(
        model,
        image_processor,
        tokenizer,
        splits["test_variants"][first_variant["index"]]["image"],
        output_dir / "attention.png",
    )
