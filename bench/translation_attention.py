"""Attention statistics of translation models on one split, recorded for the cards' before/after table.

For each ``--model`` folder, ``rnnhub.translation.attention.attention_statistics`` on the ``--split`` of
``--corpus`` (teacher forcing on the reference translations): the share of target steps whose attention peaks on
the first source token, the share with more than 0.9 on one token, the mean entropy next to that of uniform
weights, and how often the peak moves forward. Written to ``docs/translation-runs/attention-<corpus>.json``, which
the translation card reads (``rnnhub train translation-rescore`` rewrites the card).

    PYTHONPATH=src python bench/translation_attention.py --corpus ding-de-en \\
        --model "first published (unscaled Luong)=model_cards/lstm-translation-de-en"
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, help="a built-in translation corpus, e.g. ding-de-en")
    parser.add_argument("--split", default="validation")
    parser.add_argument(
        "--model", action="append", required=True, help="LABEL=FOLDER (repeat for several models)"
    )
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=None, help="default: docs/translation-runs/attention-<corpus>.json"
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    from rnnhub import data
    from rnnhub.translation.attention import attention_statistics
    from rnnhub.translation.view import load_translator

    torch.set_num_threads(args.threads)
    split = data.load_pairs(args.corpus, split=args.split)
    models = []
    for entry in args.model:
        label, sep, folder = entry.partition("=")
        if not sep:
            raise SystemExit(f"--model takes LABEL=FOLDER, got {entry!r}")
        model, tokenizer = load_translator(folder)
        stats = attention_statistics(model, tokenizer, split["source"], split["target"])
        models.append({"model": label, "folder": folder, "split": args.split, **stats})
        print(label, stats)
    out = args.out or ROOT / "docs" / "translation-runs" / f"attention-{args.corpus}.json"
    out.write_text(
        json.dumps(
            {"corpus": args.corpus, "split": args.split, "models": models}, indent=2, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
