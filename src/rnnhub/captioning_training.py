"""Fine-tune an rnnhub captioning model on your own images and captions (``rnnhub finetune`` on a captioner).

>>> from rnnhub.captioning_training import finetune_captioning
>>> finetune_captioning("lstm-captioning-emoji", "my_images/", output_dir="my-captioner")

Data, any of:

* a folder of images with a ``captions.csv`` (columns: the image file name, relative to the folder, and its caption;
  repeat an image on several rows for several captions);
* a CSV / JSON lines / parquet file, a folder of ``train``/``validation``/``test`` files or a Hub dataset id
  (Flickr8k / COCO style) with an image column (file paths relative to the file, or a ``datasets`` Image feature)
  and a caption column (one string, or a list of strings = several captions per image);
* a ``datasets.DatasetDict`` with those columns.

The model keeps its tokenizer: words it does not know become ``<unk>`` (train a new model with
:mod:`rnnhub.recipes.captioning` for a different vocabulary). Without a validation split, ``validation_fraction`` of
the images is held out. Checkpoints go to ``output_dir/checkpoints`` (``resume=True`` continues a killed run) and are
deleted at the end unless ``keep_checkpoints``; the folder gets the model, tokenizer, image processor, generation
config, ``eval_report.json`` and a card.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from rnnhub.run_info import trainer_hardware
from rnnhub.training import (
    CHECKPOINTS_DIRNAME,
    REPORT_FILENAME,
    FinetuneResult,
    card_base_model,
    progress_bars,
    resume_checkpoint,
)

__all__ = ["CAPTIONS_CSV", "finetune_captioning", "load_caption_data"]

CAPTIONS_CSV = "captions.csv"
_URL_PREFIXES = ("http://", "https://", "ftp://", "s3://", "gs://")


def load_caption_data(
    data: Any,
    *,
    image_column: str = "image",
    caption_column: str = "caption",
    validation_fraction: float = 0.1,
    seed: int = 0,
) -> tuple[dict[str, tuple[list[Any], list[list[str]]]], str]:
    """``({split: (images, caption lists)}, data name)``, with a validation split (carved from train if needed).

    Images are returned as given (PIL images, ``datasets`` image dicts) or as absolute paths; they are read later by
    :func:`rnnhub.images.load_image`.
    """
    import datasets

    from rnnhub.captioning_data import caption_lists
    from rnnhub.data.loaders import load_user_data, train_validation_split

    columns = {"image": image_column, "captions": caption_column}
    base: Path | None = None
    if isinstance(data, (datasets.DatasetDict, datasets.Dataset)):
        loaded = data if isinstance(data, datasets.DatasetDict) else datasets.DatasetDict({"train": data})
        from rnnhub.data.loaders import group_captions, select_columns

        loaded = datasets.DatasetDict(
            {
                name: group_captions(select_columns(split, columns, f"the data [{name}]"))
                for name, split in loaded.items()
            }
        )
        name = "custom data"
    else:
        path = Path(os.fspath(data)).expanduser()
        source: str | Path = os.fspath(data)
        if path.is_dir() and (path / CAPTIONS_CSV).is_file():
            source, base = path / CAPTIONS_CSV, path
        elif path.is_dir():
            base = path
        elif path.is_file():
            base = path.parent
        loaded = load_user_data(source, columns=columns)
        name = path.name if path.exists() else os.fspath(data)
    loaded = train_validation_split(loaded, fraction=validation_fraction, seed=seed)
    splits = {}
    for split_name, split in loaded.items():
        images = [_image_reference(image, base) for image in split["image"]]
        splits[split_name] = (images, caption_lists(list(split["captions"]), f"{name} [{split_name}]"))
    return splits, name


def _image_reference(image: Any, base: Path | None) -> Any:
    """A path string made absolute against the data's folder; anything else unchanged."""
    if isinstance(image, str) and base is not None and not image.lower().startswith(_URL_PREFIXES):
        candidate = Path(image).expanduser()
        return str(candidate if candidate.is_absolute() else base / candidate)
    return image


def finetune_captioning(
    model: str | os.PathLike[str],
    data: Any,
    *,
    output_dir: str | os.PathLike[str],
    image_column: str = "image",
    caption_column: str = "caption",
    validation_fraction: float = 0.1,
    epochs: float = 5.0,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    max_length: int = 32,
    early_stopping_patience: int | None = 3,
    eval_steps: int | None = None,
    save_total_limit: int = 2,
    seed: int = 0,
    resume: bool = False,
    keep_checkpoints: bool = False,
    model_id: str | None = None,
    license: str = "other",
    command: str | None = None,
    progress: bool = False,
    num_beams: int = 1,
) -> FinetuneResult:
    """Fine-tune the captioner ``model`` on ``data`` (see the module docstring) and save it in ``output_dir``.

    The best checkpoint by validation BLEU (greedy) is kept; ``metrics`` reports BLEU-4 and exact match on
    validation (and test, when the data has one) with ``num_beams``.

    Raises:
        ValueError: a model that is not an rnnhub captioner, missing columns, empty captions, unreadable images
            (naming the row), ``resume`` without a checkpoint, or old checkpoints without ``resume``.
    """
    with progress_bars(progress):
        return _finetune(**locals())


def _load_captioner(model: str | os.PathLike[str]) -> tuple[Any, Any, Any, str]:
    from transformers import AutoConfig, AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer

    import rnnhub  # noqa: F401  (registers the rnnhub models with the Auto classes)
    from rnnhub.hub import resolve

    source = resolve(model)
    config = AutoConfig.from_pretrained(source)
    if getattr(config, "model_type", None) != "rnnhub-captioning":
        raise ValueError(
            f"{model} is a {getattr(config, 'model_type', 'unknown')!r} model; finetune_captioning needs an rnnhub "
            "captioning model (model_type 'rnnhub-captioning'). Use rnnhub.training.finetune for classifiers."
        )
    try:
        image_processor = AutoImageProcessor.from_pretrained(source)
    except OSError as error:
        raise ValueError(f"{model} has no image processor (preprocessor_config.json): {error}") from error
    captioner = AutoModelForImageTextToText.from_pretrained(source)
    return captioner, AutoTokenizer.from_pretrained(source), image_processor, source


def _finetune(**kw: Any) -> FinetuneResult:
    from transformers import set_seed

    from rnnhub.captioning_data import encode_images
    from rnnhub.captioning_eval import evaluate_captioner
    from rnnhub.captioning_trainer import (
        CaptionSplit,
        TrainerSettings,
        build_trainer,
        set_generation_defaults,
    )

    if kw["num_beams"] < 1:
        raise ValueError(f"num_beams must be at least 1, got {kw['num_beams']}.")
    output_dir = Path(kw["output_dir"])
    checkpoint_dir = output_dir / CHECKPOINTS_DIRNAME
    resume_from = resume_checkpoint(checkpoint_dir, kw["resume"])
    model, tokenizer, image_processor, source = _load_captioner(kw["model"])
    splits, data_name = load_caption_data(
        kw["data"],
        image_column=kw["image_column"],
        caption_column=kw["caption_column"],
        validation_fraction=kw["validation_fraction"],
        seed=kw["seed"],
    )
    encoded = {
        name: CaptionSplit(encode_images(image_processor, images), captions)
        for name, (images, captions) in splits.items()
        if name in ("train", "validation", "test")
    }
    set_seed(kw["seed"])
    settings = TrainerSettings(
        epochs=kw["epochs"],
        learning_rate=kw["learning_rate"],
        batch_size=kw["batch_size"],
        max_length=kw["max_length"],
        early_stopping_patience=kw["early_stopping_patience"],
        eval_steps=kw["eval_steps"],
        save_total_limit=kw["save_total_limit"],
        seed=kw["seed"],
        progress=kw["progress"],
    )
    trainer = build_trainer(
        model, tokenizer, image_processor, encoded["train"], encoded["validation"], checkpoint_dir, settings
    )
    started = time.perf_counter()
    trainer.train(resume_from_checkpoint=resume_from)
    wall_time = time.perf_counter() - started
    model = trainer.model
    # Trainer's evaluation filled in generate()'s default max_length; the saved settings go back now.
    set_generation_defaults(model, kw["max_length"])
    mode = "greedy" if kw["num_beams"] == 1 else f"beam{kw['num_beams']}"
    metrics = {}
    for name in ("validation", "test"):
        if name in encoded:
            scores, _ = evaluate_captioner(
                model,
                tokenizer,
                encoded[name].pixel_values,
                encoded[name].captions,
                beams=(kw["num_beams"],),
                max_new_tokens=kw["max_length"],
            )
            metrics[name] = scores[mode]
    state = trainer.state
    result = FinetuneResult(
        output_dir=output_dir,
        metrics=metrics,
        labels=[],
        head="reused",
        source_architecture="RnnHubForImageCaptioning",
        global_step=state.global_step,
        epochs_trained=float(state.epoch or 0.0),
        stopped_early=state.global_step < state.max_steps,
        best_step=int(Path(state.best_model_checkpoint).name.split("-")[-1])
        if state.best_model_checkpoint
        else None,
        wall_time_s=wall_time,
    )
    if trainer.is_world_process_zero():
        facts = {
            "base_model": os.fspath(kw["model"]),
            "data": data_name,
            "rows": {name: len(split.captions) for name, split in encoded.items()},
            "command": kw["command"],
            "seed": kw["seed"],
            "learning_rate": kw["learning_rate"],
            "batch_size": kw["batch_size"],
            "max_epochs": kw["epochs"],
            "decoding": mode,
            "hardware": trainer_hardware(trainer.args.world_size),
            "resumed_from": Path(resume_from).name if resume_from else None,
        }
        _save(model, tokenizer, image_processor, result, facts, source, kw)
        if not kw["keep_checkpoints"]:
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return result


def _save(
    model, tokenizer, image_processor, result: FinetuneResult, facts: dict, source: str, kw: dict
) -> None:
    from rnnhub.cards import make_model_card, save_card

    output_dir = result.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    image_processor.save_pretrained(output_dir)
    report = {
        "metrics": result.metrics,
        "global_step": result.global_step,
        "epochs_trained": result.epochs_trained,
        "stopped_early": result.stopped_early,
        "best_step": result.best_step,
        "wall_time_s": round(result.wall_time_s, 3),
        **facts,
    }
    result.report_path = output_dir / REPORT_FILENAME
    result.report_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    label = facts["decoding"].replace("beam", "beam ")
    rows = []
    for split in sorted(result.metrics, key=lambda s: s != "test"):
        rows.append(
            {
                "name": f"BLEU-4 ({label})",
                "type": "bleu",
                "value": result.metrics[split]["bleu"],
                "split": split,
            }
        )
        rows.append(
            {
                "name": f"Exact match ({label})",
                "type": "exact_match",
                "value": result.metrics[split]["exact_match"],
                "split": split,
            }
        )
    training = {
        "command": facts["command"],
        "base_model": f"`{facts['base_model']}` (RnnHubForImageCaptioning, its tokenizer and image processor kept)",
        "seed": facts["seed"],
        "epochs": f"{result.epochs_trained:g} of at most {facts['max_epochs']:g}"
        + (" (early stopping)" if result.stopped_early else ""),
        "best checkpoint": f"step {result.best_step} by validation BLEU ({label})",
        "learning_rate": facts["learning_rate"],
        "batch_size": facts["batch_size"],
        "training_images": facts["rows"].get("train"),
        "wall_time": f"{result.wall_time_s:.1f} s" + (" (since the resume)" if facts["resumed_from"] else ""),
        "hardware": facts["hardware"],
    }
    card = make_model_card(
        model_id=kw["model_id"] or output_dir.resolve().name,
        config=model.config,
        task="image-to-text",
        license=kw["license"],
        metrics=rows,
        datasets=[facts["data"]],
        base_model=card_base_model(kw["model"], source),
        training={k: v for k, v in training.items() if v is not None},
        description=f"Fine-tuned with `rnnhub finetune` on `{facts['data']}` to caption images. BLEU-4 is "
        "sacrebleu's corpus BLEU against all captions of an image; exact match counts a caption equal to any of them.",
        num_parameters=model.num_parameters(),
        tags=["image-captioning", "rnnhub-finetune"],
    )
    result.card_path = save_card(card, output_dir)
    result.extra["report"] = report
