"""A few-minute smoke run of the captioning recipe on a slice of the emoji corpus (checks the real-data path learns).

    python bench/captioning_smoke.py --output /tmp/smoke --minutes 4 -- --encoder-block residual --flip 0.5

Everything after ``--`` is ``rnnhub train captioning`` options. The slice is the first ``--train`` training images
and the first ``--eval`` rows of every other split (variants held out of the slice as usual); the numbers say only
whether the code learns on real data, not how good a full run is.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    own, recipe = (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--train", type=int, default=400)
    parser.add_argument("--eval", type=int, default=60)
    args = parser.parse_args(own)

    import datasets

    from rnnhub import data as corpora
    from rnnhub.captioning.cli import add_cli
    from rnnhub.captioning.recipe import train_captioning
    from rnnhub.captioning.settings import CaptioningSettings
    from rnnhub.engine.command_line import recipe_arguments

    full = corpora.load("emoji-captions")
    sliced = datasets.DatasetDict(
        {
            name: split.select(range(min(len(split), args.train if name == "train" else args.eval)))
            for name, split in full.items()
        }
    )
    commands = argparse.ArgumentParser(prog="rnnhub train")
    add_cli(commands.add_subparsers(dest="recipe"))
    options = commands.parse_args(["captioning", "--output", args.output, "--threads", "1", *recipe])
    kwargs = recipe_arguments(options, "bench/captioning_smoke.py " + " ".join(argv), CaptioningSettings)
    kwargs["max_train_minutes"] = args.minutes
    report = train_captioning(cell_type=options.cell, data=sliced, **kwargs)
    losses = [entry["loss"] for entry in report["history"] if "loss" in entry]
    summary = {
        "steps": report["global_step"],
        "train_time_s": report["train_time_s"],
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "validation_bleu_by_epoch": [e["eval_bleu"] for e in report["history"] if "eval_bleu" in e],
        "decoding": report.get("decoding"),
        "metrics": report["metrics"],
    }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
