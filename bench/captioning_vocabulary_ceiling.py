"""How well can a captioner with a closed vocabulary do at best? The BLEU-4 of an oracle that knows each test
picture's references but may only write words of the model's tokenizer.

For each picture the oracle writes the reference with the fewest words outside the vocabulary, with those words
left out (a word-level tokenizer's ``<unk>``, which the captioner never generates). That is the best a model can
hope for that only combines the words it saw in training: on `test` (emoji never seen) their names hold words such
as "holding", "walking" or "astronaut" that no training caption has. The same metrics as the recipe's
(:func:`rnnhub.captioning.metrics.caption_metrics`), on the same splits:

    python bench/captioning_vocabulary_ceiling.py [--model model_cards/lstm-captioning-emoji]

Writes ``bench/results/captioning_vocabulary_ceiling.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

SPLITS = ("validation", "test", "test_variants")


def producible(tokenizer, text: str) -> tuple[str, int]:
    """``text`` as the tokenizer can write it (out-of-vocabulary words dropped) and how many words were dropped."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    unknown = sum(1 for i in ids if i == tokenizer.unk_token_id)
    kept = [i for i in ids if i != tokenizer.unk_token_id]
    return tokenizer.decode(kept, skip_special_tokens=True), unknown


def ceiling(tokenizer, references: list[list[str]]) -> dict:
    """The oracle's metrics on one split, and its most frequent missing words."""
    from rnnhub.captioning.metrics import caption_metrics, words

    oracle, missing, images_with_missing = [], Counter(), 0
    for texts in references:
        written = [producible(tokenizer, text) for text in texts]
        best = min(range(len(texts)), key=lambda k: written[k][1])  # fewest unknown words; first on a tie
        oracle.append(written[best][0])
        if written[best][1]:
            images_with_missing += 1
            missing.update(w for w in words(texts[best]) if producible(tokenizer, w)[1])
    return {
        "images": len(references),
        "images_whose_best_reference_has_unknown_words": images_with_missing,
        "oracle": caption_metrics(oracle, references),
        "most_frequent_missing_words": missing.most_common(10),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="model_cards/lstm-captioning-emoji", help="a captioning folder")
    parser.add_argument(
        "--output", type=Path, default=Path("bench/results/captioning_vocabulary_ceiling.json")
    )
    args = parser.parse_args(argv)
    from transformers import AutoTokenizer

    from rnnhub import data
    from rnnhub.captioning.data import caption_lists

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    corpus = data.load("emoji-captions")
    results = {
        "model": args.model,
        "vocabulary": len(tokenizer),
        "splits": {
            name: ceiling(tokenizer, caption_lists(list(corpus[name]["captions"]), name)) for name in SPLITS
        },
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for name, result in results["splits"].items():
        m = result["oracle"]
        print(
            f"{name:<14} {result['images']:>4} pictures, {result['images_whose_best_reference_has_unknown_words']:>4} "
            f"need an unknown word; oracle BLEU-4 {m['bleu']:.1f} chrF {m['chrf']:.1f} exact {m['exact_match']:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
