"""Fine-tune an rnnhub captioning model on your own images and captions (``rnnhub finetune`` on a captioner).

>>> from rnnhub.captioning.train import finetune_captioning
>>> finetune_captioning("lstm-captioning-emoji", "my_images/", output_dir="my-captioner")

Data, any of:

* a folder of images with a ``captions.csv`` (columns: the image file name, relative to the folder, and its caption;
  repeat an image on several rows for several captions);
* a CSV / JSON lines / parquet file, a folder of ``train``/``validation``/``test`` files or a Hub dataset id
  (Flickr8k / COCO style) with an image column (file paths relative to the file, or a ``datasets`` Image feature)
  and a caption column (one string, or a list of strings = several captions per image);
* a ``datasets.DatasetDict`` with those columns.

The model keeps its tokenizer: words it does not know become ``<unk>`` (train a new model with
:mod:`rnnhub.captioning.recipe` for a different vocabulary). Without a validation split, ``validation_fraction`` of
the images is held out. Checkpoints go to ``output_dir/checkpoints`` (``resume=True`` continues a killed run) and are
deleted at the end unless ``keep_checkpoints``; the folder gets the model, tokenizer, image processor, generation
config, ``eval_report.json`` and a card.

:func:`build_trainer` is the training loop shared with the emoji recipe (:mod:`rnnhub.captioning.recipe`): teacher
forcing on every (image, caption) pair for the loss; after each epoch (or ``eval_steps``) the model captions the
validation images greedily and the checkpoint with the best validation BLEU is kept (early stopping on it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rnnhub.captioning.augment import Augmentation
from rnnhub.captioning.data import CaptionPairs, collate_captions
from rnnhub.captioning.evaluate import caption_scores
from rnnhub.engine import report as engine_report
from rnnhub.engine import trainer as engine
from rnnhub.engine.checks import check_num_beams
from rnnhub.engine.report import FinetuneResult
from rnnhub.engine.run_info import trainer_hardware
from rnnhub.engine.trainer import CHECKPOINTS_DIRNAME

__all__ = [
    "CAPTIONS_CSV",
    "CaptionSplit",
    "TrainerSettings",
    "build_trainer",
    "finetune_captioning",
    "load_caption_data",
    "set_generation_defaults",
]

CAPTIONS_CSV = "captions.csv"
_URL_PREFIXES = ("http://", "https://", "ftp://", "s3://", "gs://")


# ---------------------------------------------------------------------------------------------------------------
# The training loop (shared with the emoji recipe)


@dataclass
class CaptionSplit:
    """Encoded images and their reference captions (one list per image)."""

    pixel_values: Any  # torch.Tensor (n, 3, h, w)
    captions: list[list[str]]

    def __post_init__(self) -> None:
        if len(self.pixel_values) != len(self.captions):
            raise ValueError(f"{len(self.pixel_values)} images but {len(self.captions)} caption lists.")


@dataclass
class TrainerSettings:
    epochs: float = 5.0
    learning_rate: float = 1e-3
    batch_size: int = 32
    max_length: int = 32
    early_stopping_patience: int | None = 3
    eval_steps: int | None = None
    save_total_limit: int = 2
    seed: int = 0
    max_shift: int = 0
    augmentation: Augmentation | None = None  # replaces max_shift when given
    weight_decay: float = 0.0
    max_train_minutes: float | None = None  # stop then; the learning rate decays to zero within it
    suppress_tokens: Sequence[int] = ()  # never generated (the recipe's <unk>)
    progress: bool = False
    training_arguments: Mapping[str, Any] = field(default_factory=dict)  # overriding build_trainer's


def set_generation_defaults(
    model: Any, max_length: int, num_beams: int = 1, suppress_tokens: Sequence[int] = ()
) -> None:
    """The generation settings saved with the model (generation_config.json): greedy or beam, caption length, and
    tokens never to write (``suppress_tokens``: a word-level vocabulary's ``<unk>`` says nothing in a caption)."""
    config = model.config
    generation = model.generation_config
    generation.decoder_start_token_id = config.decoder_start_token_id
    generation.bos_token_id = config.bos_token_id
    generation.eos_token_id = config.eos_token_id
    generation.pad_token_id = config.pad_token_id
    generation.max_new_tokens = max_length  # the caption and its <eos>
    generation.max_length = None  # max_new_tokens rules; a leftover max_length would only draw a warning
    generation.num_beams = num_beams
    generation.do_sample = False
    generation.suppress_tokens = list(suppress_tokens) or None


def _compute_metrics(tokenizer: Any, references: Sequence[Sequence[str]]):
    import numpy as np

    def compute(prediction: Any) -> dict[str, float]:
        ids = (
            prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
        )
        ids = np.where(ids < 0, tokenizer.pad_token_id, ids)
        captions = [text.strip() for text in tokenizer.batch_decode(ids, skip_special_tokens=True)]
        return caption_scores(captions, references)

    return compute


def build_trainer(
    model: Any,
    tokenizer: Any,
    image_processor: Any,
    train: CaptionSplit,
    validation: CaptionSplit,
    checkpoint_dir: str | Path,
    settings: TrainerSettings,
):
    """A ``Seq2SeqTrainer`` ready to train (:func:`rnnhub.engine.trainer.run_training`): best checkpoint by
    validation BLEU (greedy), early stopping."""
    from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

    set_generation_defaults(model, settings.max_length, suppress_tokens=settings.suppress_tokens)
    args = engine.make_training_arguments(
        Path(checkpoint_dir),
        epochs=settings.epochs,
        learning_rate=settings.learning_rate,
        batch_size=settings.batch_size,
        eval_steps=settings.eval_steps,
        metric_for_best_model="bleu",
        save_total_limit=settings.save_total_limit,
        seed=settings.seed,
        progress=settings.progress,
        overrides={
            "weight_decay": settings.weight_decay,
            "per_device_eval_batch_size": max(settings.batch_size, 64),
            "predict_with_generate": True,
            "generation_num_beams": 1,
            "remove_unused_columns": False,
            "max_grad_norm": 1.0,  # clip: recurrent decoders can have exploding gradients
            **settings.training_arguments,
        },
        arguments_class=Seq2SeqTrainingArguments,
    )
    # Validation: one example per image (its first caption for the loss), scored against all its captions.
    first_captions = [[texts[0]] for texts in validation.captions]
    budget = settings.max_train_minutes
    trainer_class = engine.keeping_generation_length(
        engine.budget_trainer_class(0.0, budget) if budget else Seq2SeqTrainer
    )
    callbacks = engine.early_stopping(settings.early_stopping_patience)
    if budget:
        callbacks = [*callbacks, engine.time_budget_callback(budget)]
    trainer = trainer_class(
        model=model,
        args=args,
        train_dataset=CaptionPairs(
            train.pixel_values,
            train.captions,
            tokenizer,
            settings.max_length,
            max_shift=settings.max_shift,
            augmentation=settings.augmentation,
            image_processor=image_processor,
            seed=settings.seed,
        ),
        eval_dataset=CaptionPairs(validation.pixel_values, first_captions, tokenizer, settings.max_length),
        processing_class=tokenizer,
        data_collator=collate_captions,
        compute_metrics=_compute_metrics(tokenizer, validation.captions),
        callbacks=callbacks,
    )
    return trainer


# ---------------------------------------------------------------------------------------------------------------
# Fine-tuning on your own images


def load_caption_data(
    data: Any,
    *,
    image_column: str = "image",
    caption_column: str = "caption",
    validation_fraction: float = 0.1,
    seed: int = 0,
    allow_images_outside: bool = False,
) -> tuple[dict[str, tuple[list[Any], list[list[str]]]], str]:
    """``({split: (images, caption lists)}, data name)``, with a validation split (carved from train if needed).

    Images are returned as given (PIL images, ``datasets`` image dicts) or as absolute paths; they are read later by
    :func:`rnnhub.images.load_image`. An image path in a file or folder of data must stay inside that data's
    folder (no absolute path elsewhere, no ``..`` out of it) unless ``allow_images_outside``: a captions file from
    someone else cannot make the run read (and the card quote) any file on the machine.

    Raises:
        ValueError: an image path outside the data folder (naming it and the way to allow it).
    """
    import datasets

    from rnnhub.captioning.data import caption_lists
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
        images = [_image_reference(image, base, allow_images_outside) for image in split["image"]]
        splits[split_name] = (images, caption_lists(list(split["captions"]), f"{name} [{split_name}]"))
    return splits, name


def _image_reference(image: Any, base: Path | None, allow_outside: bool = False) -> Any:
    """A path string made absolute against the data's folder (and kept inside it unless ``allow_outside``);
    anything else unchanged."""
    if isinstance(image, str) and base is not None and not image.lower().startswith(_URL_PREFIXES):
        candidate = Path(image).expanduser()
        path = candidate if candidate.is_absolute() else base / candidate
        if not allow_outside and not path.resolve().is_relative_to(base.resolve()):
            raise ValueError(
                f"The image path {image!r} points outside the data folder {base}. Keep the images inside it, or "
                "pass allow_images_outside=True (--allow-images-outside-data) if you trust the captions file."
            )
        return str(path)
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
    allow_images_outside: bool = False,
    training_arguments: Mapping[str, Any] | None = None,
) -> FinetuneResult:
    """Fine-tune the captioner ``model`` on ``data`` (see the module docstring) and save it in ``output_dir``.

    Image paths in the data must stay inside its folder unless ``allow_images_outside`` (see
    :func:`load_caption_data`).
    ``training_arguments``: extra ``Seq2SeqTrainingArguments`` fields, overriding the ones set here.

    The best checkpoint by validation BLEU (greedy) is kept; ``metrics`` reports BLEU-4 and exact match on
    validation (and test, when the data has one) with ``num_beams``.

    Raises:
        ValueError: a model that is not an rnnhub captioner, missing columns, empty captions, unreadable images
            (naming the row), ``resume`` without a checkpoint, or old checkpoints without ``resume``.
    """
    with engine.progress_bars(progress):
        return _finetune(**locals())


def _load_captioner(model: str | os.PathLike[str]) -> tuple[Any, Any, Any, str]:
    from transformers import AutoConfig, AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer

    from rnnhub.publish.hub import resolve  # importing rnnhub registers its models with the Auto classes

    source = resolve(model)
    config = AutoConfig.from_pretrained(source)
    if getattr(config, "model_type", None) != "rnnhub-captioning":
        raise ValueError(
            f"{model} is a {getattr(config, 'model_type', 'unknown')!r} model; finetune_captioning needs an rnnhub "
            "captioning model (model_type 'rnnhub-captioning'). Use rnnhub.sentiment.train.finetune for classifiers."
        )
    try:
        image_processor = AutoImageProcessor.from_pretrained(source)
    except OSError as error:
        raise ValueError(f"{model} has no image processor (preprocessor_config.json): {error}") from error
    captioner = AutoModelForImageTextToText.from_pretrained(source)
    return captioner, AutoTokenizer.from_pretrained(source), image_processor, source


def _finetune(**kw: Any) -> FinetuneResult:
    from transformers import set_seed

    from rnnhub.captioning.data import encode_images
    from rnnhub.captioning.evaluate import evaluate_captioner

    check_num_beams(kw["num_beams"])
    output_dir = Path(kw["output_dir"])
    checkpoint_dir = output_dir / CHECKPOINTS_DIRNAME
    resume_from = engine.resume_checkpoint(checkpoint_dir, kw["resume"])
    model, tokenizer, image_processor, source = _load_captioner(kw["model"])
    splits, data_name = load_caption_data(
        kw["data"],
        image_column=kw["image_column"],
        caption_column=kw["caption_column"],
        validation_fraction=kw["validation_fraction"],
        seed=kw["seed"],
        allow_images_outside=kw["allow_images_outside"],
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
        training_arguments=kw["training_arguments"] or {},
    )
    trainer = build_trainer(
        model, tokenizer, image_processor, encoded["train"], encoded["validation"], checkpoint_dir, settings
    )
    wall_time = engine.run_training(trainer, resume_from, kw["progress"])
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
    result = engine_report.run_result(
        trainer, output_dir, metrics, wall_time, source_architecture="RnnHubForImageCaptioning"
    )
    if engine.is_main_process():
        facts = engine_report.run_facts(
            model=kw["model"],
            data=data_name,
            rows={name: len(split.captions) for name, split in encoded.items()},
            command=kw["command"],
            seed=kw["seed"],
            learning_rate=kw["learning_rate"],
            batch_size=kw["batch_size"] * trainer.args.world_size,  # global, as every report gives it
            max_epochs=kw["epochs"],
            decoding=mode,
            hardware=trainer_hardware(trainer.args.world_size),
            resumed_from=resume_from,
        )
        _save(model, tokenizer, image_processor, result, facts, source, kw)
        if not kw["keep_checkpoints"]:
            shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return result


def _save(
    model, tokenizer, image_processor, result: FinetuneResult, facts: dict, source: str, kw: dict
) -> None:
    output_dir = result.output_dir
    output_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)
    image_processor.save_pretrained(output_dir)
    label = facts["decoding"].replace("beam", "beam ")
    columns = [
        (f"BLEU-4 ({label})", "bleu", "bleu"),
        (f"Exact match ({label})", "exact_match", "exact_match"),
    ]
    report = engine_report.save_report_and_card(
        result,
        model,
        leading={"metrics": result.metrics},
        facts=facts,
        card={
            "task": "image-to-text",
            "model": kw["model"],
            "source": source,
            "model_id": kw["model_id"],
            "license": kw["license"],
            "data_name": facts["data"],
            "metrics": engine_report.metric_rows(result.metrics, columns),
            "description": f"Fine-tuned with `rnnhub finetune` on `{facts['data']}` to caption images. BLEU-4 is "
            "sacrebleu's corpus BLEU against all captions of an image; exact match counts a caption equal to any "
            "of them.",
            "tags": ["image-captioning", "rnnhub-finetune"],
        },
        training={
            "base_model": f"`{facts['base_model']}` (RnnHubForImageCaptioning, its tokenizer and image processor "
            "kept)",
            "best_by": f"BLEU ({label})",
            "rows_label": "training_images",
        },
    )
    result.extra["report"] = report
