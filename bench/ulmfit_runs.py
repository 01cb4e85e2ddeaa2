"""ULMFiT's route on rt-sentiment-en, with 3 seeds: does a language model help the classifier?

The stages (Howard & Ruder 2018), each one rnnhub command on one torch thread:

1. the published LM (``model_cards/lstm-lm-en``, pretrained on ``lm-text-en``);
2. that LM fine-tuned on rt-sentiment-en's TRAIN text (labels not read): ``rnnhub train-lm --start-from``;
3. per seed, ``rnnhub train-lm --finetune-from`` trains the classifier from the LM and, identically (same
   architecture, tokenizer, pooling, rates, unfreezing, seed), from scratch: the two arms of the comparison.

Variants (stage 3's options; both arms get them):

* ``published-recipe``: the options of the published ``lstm-sentiment-rt-en-lm`` (one rate 1e-3, 5 epochs, the LM's
  max pooling) from the stage-1 LM, i.e. that folder's recipe again, with 3 seeds;
* ``target-lm``: the same options from the stage-2 LM (what fine-tuning the LM on the target text adds);
* ``ulmfit``: from the stage-2 LM, concat pooling, discriminative rates (2.6 per layer group), gradual unfreezing,
  6 epochs.

A from-scratch arm depends on the options and the seed, not on which LM it was compared with (the tokenizer and the
architecture are the same), so variants with the same options share their from-scratch arms (``--scratch-run``,
which checks that they match). Runs already finished
under ``--runs`` are reused; the table (mean ± sample std over the seeds, validation and test accuracy, both arms)
goes to ``docs/sentiment-runs/ulmfit.md`` and ``.json``:

    python bench/ulmfit_runs.py                  # train what is missing (minutes a run), then the table
    python bench/ulmfit_runs.py --summary-only [--record-in model_cards/lstm-sentiment-rt-en-lm]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

RNNHUB = str(Path(sys.executable).with_name("rnnhub"))
PUBLISHED_LM = Path("model_cards/lstm-lm-en")
SEEDS = (0, 1, 2)
PUBLISHED_OPTIONS = ["--finetune-lr", "1e-3", "--epochs", "5"]
ULMFIT_OPTIONS = [*PUBLISHED_OPTIONS[:2], "--epochs", "6", "--pooling", "concat", "--layer-lr-decay", "2.6"]
ULMFIT_OPTIONS += ["--gradual-unfreezing"]
# name: (which LM, stage 3's options, the name of the from-scratch arms it shares)
VARIANTS: dict[str, tuple[str, list[str], str]] = {
    "published-recipe": ("pretrained", PUBLISHED_OPTIONS, "published-recipe"),
    "target-lm": ("target-finetuned", PUBLISHED_OPTIONS, "published-recipe"),
    "ulmfit": ("target-finetuned", ULMFIT_OPTIONS, "ulmfit"),
}
OUT = Path("docs/sentiment-runs/ulmfit")
MODEL_ID = "lstm-sentiment-rt-en-lm"  # the published folder a chosen seed would become


def target_lm(runs: Path) -> Path:
    """Stage 2: the published LM fine-tuned on rt-sentiment-en's train text."""
    folder = runs / "lm-rt"
    if not (folder / "eval_report.json").is_file():
        command = ["train-lm", "--start-from", str(PUBLISHED_LM), "--corpus", "rt-sentiment-en"]
        command += ["--output", str(folder), "--lm-epochs", "3", "--threads", "1", "--overwrite"]
        subprocess.run([RNNHUB, *command], check=True)
    return folder


def classifier(runs: Path, variant: str, seed: int, train: bool) -> dict | None:
    """Stage 3 for one seed: the LM arm's report (it holds the from-scratch arm's as ``from_scratch``)."""
    which, options, scratch_name = VARIANTS[variant]
    folder = runs / f"{variant}-s{seed}"
    if not (folder / "eval_report.json").is_file():
        if not train:
            return None
        lm = PUBLISHED_LM if which == "pretrained" else target_lm(runs)
        work_dir = runs / f"{scratch_name}-scratch-s{seed}"
        command = ["train-lm", "--finetune-from", str(lm), "--data", "rt-sentiment-en", "--seed", str(seed)]
        command += [*options, "--threads", "1", "--output", str(folder), "--model-id", MODEL_ID]
        if (work_dir / "scratch" / "eval_report.json").is_file():  # finetune_comparison's layout
            command += ["--scratch-run", str(work_dir / "scratch")]
        else:
            command += ["--work-dir", str(work_dir)]
        subprocess.run([RNNHUB, *command], check=True)
    return json.loads((folder / "eval_report.json").read_text(encoding="utf-8"))


def _mean_std(values: list[float]) -> dict:
    return {
        "values": [round(v, 4) for v in values],
        "mean": round(statistics.fmean(values), 4),
        "std": round(statistics.stdev(values), 4) if len(values) > 1 else None,
    }


def summary(runs: Path, train: bool) -> list[dict]:
    rows = []
    for variant, (which, options, _) in VARIANTS.items():
        reports = {seed: classifier(runs, variant, seed, train) for seed in SEEDS}
        reports = {seed: report for seed, report in reports.items() if report is not None}
        if not reports:
            continue
        row = {"variant": variant, "lm": which, "options": " ".join(options), "seeds": sorted(reports)}
        for arm in ("lm", "scratch"):
            for split in ("validation", "test"):
                values = [
                    (r if arm == "lm" else r["from_scratch"])["metrics"][split]["accuracy"]
                    for r in reports.values()
                ]
                row[f"{arm}_{split}_accuracy"] = _mean_std(values)
        rows.append(row)
    return rows


def _cell(entry: dict) -> str:
    spread = "" if entry["std"] is None else f" ± {entry['std']:.4f}"
    return f"{entry['mean']:.4f}{spread}"


def table(rows: list[dict]) -> str:
    lines = [
        "| Variant | LM | Options (both arms) | Seeds | validation: from the LM | from scratch "
        "| test: from the LM | from scratch |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['lm']} | `{r['options']}` | {len(r['seeds'])} | "
            f"{_cell(r['lm_validation_accuracy'])} | {_cell(r['scratch_validation_accuracy'])} | "
            f"{_cell(r['lm_test_accuracy'])} | {_cell(r['scratch_test_accuracy'])} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/ulmfit"))
    parser.add_argument("--summary-only", action="store_true")
    parser.add_argument("--variants", nargs="+", choices=sorted(VARIANTS), default=None, help="default: all")
    parser.add_argument(
        "--record-in",
        type=Path,
        default=None,
        metavar="FOLDER",
        help="also record the table in this published comparison folder's report and card (its weights untouched)",
    )
    args = parser.parse_args(argv)
    if args.variants:
        for name in set(VARIANTS) - set(args.variants):
            del VARIANTS[name]
    rows = summary(args.runs, train=not args.summary_only)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.with_suffix(".json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    OUT.with_suffix(".md").write_text(table(rows), encoding="utf-8")
    print(table(rows))
    if args.record_in is not None:
        from rnnhub.lm.comparison import record_other_runs

        record_other_runs(
            args.record_in, {"command": "python bench/ulmfit_runs.py", "rows": rows}, PUBLISHED_LM
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
