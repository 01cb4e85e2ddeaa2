"""Length-bucketed training batches (``finetune(length_buckets=True)``, transformers' ``group_by_length``): they
only reorder the rows, and a fixed set of batches has the same loss whatever their order and padding."""

import random
from pathlib import Path

import pytest
import torch
from datasets import Dataset, DatasetDict
from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, Trainer

from builders import FILLER, NEGATIVE, POSITIVE, make_classifier
from rnnhub.engine import trainer as engine
from rnnhub.sentiment.train import finetune
from rnnhub.tokenization import load_tokenizer

ROWS = 96
BATCH = 8


def unequal_rows(n: int = ROWS, seed: int = 0) -> dict[str, list]:
    """Texts of 1 to 30 words whose label one sentiment word gives away."""
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        words = [rng.choice(FILLER) for _ in range(rng.randint(0, 29))]
        words.insert(rng.randint(0, len(words)), rng.choice(POSITIVE if i % 2 else NEGATIVE))
        texts.append(" ".join(words))
        labels.append(i % 2)
    return {"text": texts, "label": labels}


@pytest.fixture(scope="module")
def classifier(tmp_path_factory) -> Path:
    return make_classifier(tmp_path_factory.mktemp("source") / "classifier", labels=("negative", "positive"))


def encoded_rows(folder: Path) -> Dataset:
    tokenizer = load_tokenizer(folder)
    rows = unequal_rows()
    encoded = tokenizer(rows["text"])
    return Dataset.from_dict({**encoded, "labels": rows["label"]})


def epoch_batches(folder: Path, dataset: Dataset, buckets: bool, tmp_path: Path) -> list[dict]:
    """One epoch of training batches, as finetune's Trainer draws them."""
    overrides = engine.sampling_arguments() if buckets else {}
    args = engine.make_training_arguments(
        tmp_path / ("buckets" if buckets else "shuffled"),
        epochs=1,
        learning_rate=1e-3,
        batch_size=BATCH,
        eval_steps=None,
        metric_for_best_model="loss",
        save_total_limit=1,
        seed=0,
        progress=False,
        overrides=overrides,
    )
    tokenizer = load_tokenizer(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=dataset,
        eval_dataset=dataset,  # finetune's arguments evaluate every epoch
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
    )
    return list(trainer.get_train_dataloader())


def rows_of(batches: list[dict]) -> list[tuple[int, ...]]:
    """Every row's token ids (padding dropped), in the order the batches give them."""
    return [
        tuple(ids[mask.bool()].tolist())
        for batch in batches
        for ids, mask in zip(batch["input_ids"], batch["attention_mask"])
    ]


def padding_share(batches: list[dict]) -> float:
    slots = sum(batch["attention_mask"].numel() for batch in batches)
    return 1 - sum(int(batch["attention_mask"].sum()) for batch in batches) / slots


def test_buckets_only_reorder_the_rows_and_cut_the_padding(classifier, tmp_path):
    dataset = encoded_rows(classifier)
    bucketed = epoch_batches(classifier, dataset, True, tmp_path)
    shuffled = epoch_batches(classifier, dataset, False, tmp_path)
    every_row = sorted(tuple(ids) for ids in dataset["input_ids"])
    assert sorted(rows_of(bucketed)) == every_row == sorted(rows_of(shuffled))
    assert [len(batch["labels"]) for batch in bucketed] == [BATCH] * (ROWS // BATCH)
    assert padding_share(bucketed) < padding_share(shuffled) / 2, (
        padding_share(bucketed),
        padding_share(shuffled),
    )


def batch_losses(model, batches: list[dict], pad_to: int | None = None) -> torch.Tensor:
    """The loss of each batch (in eval mode), optionally right-padded to ``pad_to`` tokens."""
    losses = []
    with torch.no_grad():
        for batch in batches:
            ids, mask = batch["input_ids"], batch["attention_mask"]
            if pad_to is not None:
                extra = pad_to - ids.shape[1]
                ids = torch.nn.functional.pad(ids, (0, extra), value=0)
                mask = torch.nn.functional.pad(mask, (0, extra), value=0)
            losses.append(model(input_ids=ids, attention_mask=mask, labels=batch["labels"]).loss)
    return torch.stack(losses)


def test_a_fixed_set_of_batches_has_the_same_loss_in_any_order_and_padding(classifier, tmp_path):
    model = AutoModelForSequenceClassification.from_pretrained(classifier).eval()
    batches = epoch_batches(classifier, encoded_rows(classifier), True, tmp_path)
    longest = max(batch["input_ids"].shape[1] for batch in batches)
    own = batch_losses(model, batches)
    # Each batch padded to the longest batch: what its rows would cost in a shuffled batch.
    torch.testing.assert_close(batch_losses(model, batches, pad_to=longest), own, rtol=1e-6, atol=1e-6)
    # The same batches in reverse order: the epoch's mean loss is the same.
    reversed_losses = batch_losses(model, batches[::-1])
    torch.testing.assert_close(reversed_losses.flip(0), own, rtol=0, atol=0)
    # And the mean over rows equals the mean of one batch holding them all (no padding effect anywhere).
    whole = DataCollatorWithPadding(load_tokenizer(classifier))(encoded_rows(classifier).to_list())
    torch.testing.assert_close(batch_losses(model, [whole])[0], own.mean(), rtol=1e-5, atol=1e-6)


def splits() -> DatasetDict:
    data = Dataset.from_dict(unequal_rows())
    return DatasetDict(train=data.select(range(64)), validation=data.select(range(64, ROWS)))


@pytest.mark.parametrize("buckets", [True, False])
def test_finetune_uses_buckets_unless_told_not_to_and_says_so(buckets, classifier, tmp_path, monkeypatch):
    made = []
    make = engine.make_training_arguments

    def spy(*args, **kwargs):
        made.append(make(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(engine, "make_training_arguments", spy)
    result = finetune(
        classifier, splits(), output_dir=tmp_path / "out", epochs=1, batch_size=8, length_buckets=buckets
    )
    strategy = made[0].train_sampling_strategy
    assert strategy == ("group_by_length" if buckets else "random")
    assert result.extra["report"]["length_buckets"] is buckets
    card = (tmp_path / "out" / "README.md").read_text()
    assert ("grouped by length" in card) is buckets and ("uniformly shuffled" in card) is not buckets


def test_both_commands_turn_buckets_off_with_a_reproduced_flag(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the finetune command checks its output folder, "o"
    from rnnhub import finetune_cli
    from rnnhub.cli import build_parser
    from rnnhub.engine.command_line import recipe_arguments
    from rnnhub.sentiment import cli as sentiment_cli
    from rnnhub.sentiment.recipe import SentimentSettings

    train = ["train", "sentiment", "--corpus", "rt-sentiment-en", "--cell", "lstm", "--output", "o"]
    tune = ["finetune", "--model", "m", "--data", "d.csv", "--output", "o"]
    parsed = {}
    for argv, command_line in ((train, sentiment_cli.command_line), (tune, finetune_cli.command_line)):
        on, off = build_parser().parse_args(argv), build_parser().parse_args([*argv, "--no-length-buckets"])
        assert "length-buckets" not in command_line(on)
        assert command_line(off).endswith(" --no-length-buckets")
        parsed[argv[0]] = on, off
    # The recipe gets the setting only when the flag is given (None: the corpus recipe's default, on) ...
    on, off = parsed["train"]
    assert recipe_arguments(on, "", SentimentSettings)["length_buckets"] is None
    assert recipe_arguments(off, "", SentimentSettings)["length_buckets"] is False
    # ... and finetune gets it always.
    calls = []
    monkeypatch.setattr(finetune_cli, "task_of", lambda model: "classification")
    monkeypatch.setattr("rnnhub.sentiment.train.finetune", lambda *args, **kwargs: calls.append(kwargs))
    for args in parsed["finetune"]:
        finetune_cli._finetune(args)
    assert [kwargs["length_buckets"] for kwargs in calls] == [True, False]
