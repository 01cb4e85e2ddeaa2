"""Training speed under bfloat16 autocast vs float32, through the Trainer the recipes use (``--bf16``).

What is timed
    For each model (the published ``lstm-translation-de-en`` and ``lstm-writer-plays`` configurations, freshly
    initialised from their ``config.json``; speed does not depend on what the weights say), ``transformers.Trainer``
    runs ``--steps`` optimizer steps on real batches of the model's corpus (translation: ding-de-en train pairs,
    batch 64, batches grouped by length as in the recipe; writer: 32 blocks of 256 characters of shakespeare-plays)
    with ``bf16=False`` and then ``bf16=True``, in alternating rounds after one warm-up round each. Trainer's
    ``train_samples_per_second`` is the number quoted; the ratio is bf16 / float32 of the medians over rounds.

What it does not say
    Whether a model trained under bf16 is as good: that is what the training runs' validation scores say
    (``docs/translation.md``, ``docs/writers.md``). The last step's loss of each round is recorded beside the speed,
    as a sanity check only (same data, same seed: the two precisions should be close).

    PYTHONPATH=src python bench/bench_mixed_precision.py --threads 1
    PYTHONPATH=src python bench/bench_mixed_precision.py --quick      # smoke run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import datasets
import torch
from _common import RESULTS_DIR, add_common_arguments, environment, finish, load_average, pick_device

ROOT = Path(__file__).resolve().parent.parent
MODELS = {
    "translation": ROOT / "model_cards" / "lstm-translation-de-en",
    "writer": ROOT / "model_cards" / "lstm-writer-plays",
}


def _translation_setup(folder: Path, rows: int):
    from transformers import DataCollatorForSeq2Seq, PreTrainedTokenizerFast

    from rnnhub import data
    from rnnhub.models import RnnHubForSeq2SeqLM, RnnHubSeq2SeqConfig

    tokenizer = PreTrainedTokenizerFast.from_pretrained(folder)
    pairs = data.load_pairs("ding-de-en")["train"].select(range(rows))
    encoded = tokenizer(
        list(pairs["source"]), text_target=list(pairs["target"]), truncation=True, max_length=64
    )
    dataset = datasets.Dataset.from_dict({"input_ids": encoded["input_ids"], "labels": encoded["labels"]})

    def model():
        return RnnHubForSeq2SeqLM(RnnHubSeq2SeqConfig.from_pretrained(folder))

    collator = DataCollatorForSeq2Seq(tokenizer, model=model(), label_pad_token_id=-100)
    return model, dataset, collator, 64, {"group_by_length": True}


def _writer_setup(folder: Path, rows: int):
    from transformers import DataCollatorForLanguageModeling, PreTrainedTokenizerFast

    from rnnhub.engine.blocks import load_text_corpus, make_blocks
    from rnnhub.models import RnnHubConfig, RnnHubForCausalLM

    tokenizer = PreTrainedTokenizerFast.from_pretrained(folder)
    texts = list(load_text_corpus("shakespeare-plays")["train"]["text"][:200])
    blocks = make_blocks(texts, tokenizer, 256)[:rows]
    dataset = datasets.Dataset.from_dict({"input_ids": blocks.tolist()})

    def model():
        return RnnHubForCausalLM(RnnHubConfig.from_pretrained(folder))

    return model, dataset, DataCollatorForLanguageModeling(tokenizer, mlm=False), 32, {}


SETUPS = {"translation": _translation_setup, "writer": _writer_setup}


def train_once(
    make_model, dataset, collator, batch_size: int, extra: dict, *, bf16: bool, steps: int, seed: int
):
    """One Trainer run of ``steps`` steps from the same initial weights; its samples/s and last loss."""
    from transformers import Trainer, TrainingArguments, set_seed

    set_seed(seed)
    with tempfile.TemporaryDirectory() as scratch:
        arguments = TrainingArguments(
            scratch,
            max_steps=steps,
            per_device_train_batch_size=batch_size,
            learning_rate=2e-3,
            bf16=bf16,
            use_cpu=not torch.cuda.is_available(),
            save_strategy="no",
            eval_strategy="no",
            logging_steps=steps,
            report_to="none",
            disable_tqdm=True,
            seed=seed,
            **{key: value for key, value in extra.items() if key in TrainingArguments.__dataclass_fields__},
        )
        trainer = Trainer(model=make_model(), args=arguments, train_dataset=dataset, data_collator=collator)
        output = trainer.train()
    return output.metrics["train_samples_per_second"], output.training_loss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_arguments(parser, quick_help="a few steps, one round (smoke run; numbers mean nothing)")
    parser.add_argument("--steps", type=int, default=40, help="optimizer steps per run (default 40)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per precision (default 3)")
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=sorted(MODELS))
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    from rnnhub.engine.precision import bf16_problem

    problem = bf16_problem(use_cpu=device.type == "cpu")
    if problem is not None:  # nothing to compare: the bf16 runs would crash in oneDNN's LSTM
        print(f"bench_mixed_precision: {problem}", file=sys.stderr)
        return 2
    steps, rounds = (3, 1) if args.quick else (args.steps, args.rounds)
    args.output = args.output or RESULTS_DIR / "mixed_precision.json"
    output = {"benchmark": "bf16_autocast_training", "environment": environment(device), "models": {}}
    checks = []
    for name in args.models:
        make_model, dataset, collator, batch_size, extra = SETUPS[name](MODELS[name], rows=steps * 64 + 64)
        runs = {"float32": [], "bf16": []}
        losses = {"float32": [], "bf16": []}
        for round_index in range(rounds + 1):  # round 0 warms up and is dropped
            for label, bf16 in (("float32", False), ("bf16", True)):
                speed, loss = train_once(
                    make_model, dataset, collator, batch_size, extra, bf16=bf16, steps=steps, seed=args.seed
                )
                if round_index:
                    runs[label].append(round(speed, 2))
                    losses[label].append(round(loss, 4))
        medians = {label: statistics.median(values) for label, values in runs.items()}
        ratio = medians["bf16"] / medians["float32"]
        output["models"][name] = {
            "folder": str(MODELS[name].relative_to(ROOT)),
            "batch_size": batch_size,
            "steps": steps,
            "samples_per_second": runs,
            "mean_training_loss": losses,
            "ratio_bf16_over_float32": round(ratio, 3),
        }
        print(
            f"{name}: float32 {medians['float32']:.1f} samples/s, bf16 {medians['bf16']:.1f} samples/s, "
            f"ratio {ratio:.2f} (mean training loss {losses['float32'][-1]} vs {losses['bf16'][-1]})"
        )
        checks.append({"name": name, "required": False, "passed": ratio > 1.0})
    output["environment"]["load_average_at_end"] = load_average()
    return finish(output, args, checks)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
