"""rnnhub models train with stock transformers Trainer / Seq2SeqTrainer and their stock collators."""

import numpy as np
import torch
from datasets import Dataset
from transformers import (
    DataCollatorForLanguageModeling,
    DataCollatorForSeq2Seq,
    DataCollatorWithPadding,
    Seq2SeqTrainer,
    Seq2SeqTrainingArguments,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from rnnhub import (
    RnnHubConfig,
    RnnHubForCausalLM,
    RnnHubForSeq2SeqLM,
    RnnHubForSequenceClassification,
    RnnHubSeq2SeqConfig,
)
from rnnhub.tokenization import train_tokenizer

TEXTS = [
    "a great movie",
    "a truly terrible film",
    "great acting and a great plot",
    "terrible",
    "great fun",
] * 4
LABELS = [1, 0, 1, 0, 1] * 4


class LossRecorder(TrainerCallback):
    def __init__(self):
        self.losses = []

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.losses.append(logs["loss"])


def common_args(tmp_path, **kw):
    return {
        "output_dir": str(tmp_path),
        "per_device_train_batch_size": 4,
        "per_device_eval_batch_size": 4,
        "learning_rate": 0.02,
        "report_to": [],
        "use_cpu": True,
        "save_strategy": "no",
        "logging_steps": 1,
        "seed": 0,
        "disable_tqdm": True,
        **kw,
    }


def test_trainer_trains_and_evaluates_a_classifier(tmp_path):
    tokenizer = train_tokenizer(TEXTS, kind="word")
    dataset = Dataset.from_dict({"text": TEXTS, "label": LABELS}).map(
        lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"]
    )
    config = RnnHubConfig(vocab_size=len(tokenizer), embedding_size=8, hidden_size=12, num_labels=2)
    model = RnnHubForSequenceClassification(config)

    def accuracy(prediction):
        return {"accuracy": float((np.argmax(prediction.predictions, -1) == prediction.label_ids).mean())}

    trainer = Trainer(
        model=model,
        args=TrainingArguments(**common_args(tmp_path, max_steps=25)),
        train_dataset=dataset,
        eval_dataset=dataset,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=accuracy,
    )
    recorder = LossRecorder()
    trainer.add_callback(recorder)
    trainer.train()
    metrics = trainer.evaluate()
    assert recorder.losses[-1] < recorder.losses[0]
    assert metrics["eval_accuracy"] == 1.0
    assert np.isfinite(metrics["eval_loss"])


def test_trainer_trains_a_causal_lm_with_the_stock_lm_collator(tmp_path):
    tokenizer = train_tokenizer(TEXTS, kind="char", add_bos=True)
    dataset = Dataset.from_dict({"text": TEXTS}).map(
        lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"]
    )
    model = RnnHubForCausalLM(RnnHubConfig(vocab_size=len(tokenizer), embedding_size=8, hidden_size=16))
    trainer = Trainer(
        model=model,
        args=TrainingArguments(**common_args(tmp_path, max_steps=5)),
        train_dataset=dataset,
        eval_dataset=dataset,
        processing_class=tokenizer,
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
    )
    before = trainer.evaluate()["eval_loss"]
    trainer.train()
    assert trainer.evaluate()["eval_loss"] < before


def test_seq2seq_trainer_with_predict_with_generate(tmp_path):
    sources = ["ein gutes buch", "ein schlechter film", "gute musik", "schlechtes essen"] * 3
    targets = ["a good book", "a bad film", "good music", "bad food"] * 3
    tokenizer = train_tokenizer(sources + targets, kind="word")
    dataset = Dataset.from_dict({"source": sources, "target": targets}).map(
        lambda batch: tokenizer(batch["source"], text_target=batch["target"]),
        batched=True,
        remove_columns=["source", "target"],
    )
    config = RnnHubSeq2SeqConfig(
        vocab_size=len(tokenizer), embedding_size=12, hidden_size=16, attention_type="luong"
    )
    model = RnnHubForSeq2SeqLM(config)
    trainer = Seq2SeqTrainer(
        model=model,
        args=Seq2SeqTrainingArguments(
            **common_args(tmp_path, max_steps=40, learning_rate=0.03),
            predict_with_generate=True,
            generation_max_length=8,
        ),
        train_dataset=dataset,
        eval_dataset=dataset,
        processing_class=tokenizer,
        data_collator=DataCollatorForSeq2Seq(tokenizer, model=model),
    )
    trainer.train()
    prediction = trainer.predict(dataset.select(range(4)))
    decoded = tokenizer.batch_decode(
        np.where(prediction.predictions < 0, 0, prediction.predictions), skip_special_tokens=True
    )
    assert decoded == targets[:4]
    assert torch.isfinite(torch.tensor(prediction.metrics["test_loss"]))
