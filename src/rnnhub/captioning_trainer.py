"""Train an ``RnnHubForImageCaptioning`` with the stock ``Seq2SeqTrainer``: the loop shared by the emoji recipe and
``finetune_captioning``.

Teacher forcing on every (image, caption) pair for the loss; after each epoch (or ``eval_steps``) the model captions
the validation images greedily and the checkpoint with the best validation BLEU is kept (early stopping on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rnnhub.captioning_data import CaptionPairs, collate_captions
from rnnhub.captioning_eval import caption_scores

__all__ = ["CaptionSplit", "TrainerSettings", "build_trainer", "set_generation_defaults"]


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
    weight_decay: float = 0.0
    progress: bool = False


def set_generation_defaults(model: Any, max_length: int, num_beams: int = 1) -> None:
    """The generation settings saved with the model (generation_config.json): greedy or beam, caption length."""
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
    """A ``Seq2SeqTrainer`` ready to ``train()``: best checkpoint by validation BLEU (greedy), early stopping."""
    import torch
    from transformers import EarlyStoppingCallback, PrinterCallback, Seq2SeqTrainer, Seq2SeqTrainingArguments

    set_generation_defaults(model, settings.max_length)
    strategy = "epoch" if settings.eval_steps is None else "steps"
    steps = (
        {}
        if settings.eval_steps is None
        else {
            "eval_steps": settings.eval_steps,
            "save_steps": settings.eval_steps,
            "logging_steps": settings.eval_steps,
        }
    )
    args = Seq2SeqTrainingArguments(
        output_dir=str(checkpoint_dir),
        num_train_epochs=settings.epochs,
        learning_rate=settings.learning_rate,
        weight_decay=settings.weight_decay,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=max(settings.batch_size, 64),
        eval_strategy=strategy,
        save_strategy=strategy,
        logging_strategy=strategy,
        **steps,
        load_best_model_at_end=True,
        metric_for_best_model="bleu",
        greater_is_better=True,
        save_total_limit=settings.save_total_limit,
        seed=settings.seed,
        data_seed=settings.seed,
        restore_callback_states_from_checkpoint=True,
        predict_with_generate=True,
        generation_num_beams=1,
        remove_unused_columns=False,
        use_cpu=not torch.cuda.is_available(),
        report_to="none",
        disable_tqdm=not settings.progress,
        max_grad_norm=1.0,  # clip: recurrent decoders can have exploding gradients
    )
    # Validation: one example per image (its first caption for the loss), scored against all its captions.
    first_captions = [[texts[0]] for texts in validation.captions]
    callbacks = (
        [EarlyStoppingCallback(settings.early_stopping_patience)] if settings.early_stopping_patience else []
    )
    trainer = Seq2SeqTrainer(
        model=model,
        args=args,
        train_dataset=CaptionPairs(
            train.pixel_values,
            train.captions,
            tokenizer,
            settings.max_length,
            max_shift=settings.max_shift,
            image_processor=image_processor,
            seed=settings.seed,
        ),
        eval_dataset=CaptionPairs(validation.pixel_values, first_captions, tokenizer, settings.max_length),
        processing_class=tokenizer,
        data_collator=collate_captions,
        compute_metrics=_compute_metrics(tokenizer, validation.captions),
        callbacks=callbacks,
    )
    if not settings.progress:
        trainer.remove_callback(PrinterCallback)
    return trainer
