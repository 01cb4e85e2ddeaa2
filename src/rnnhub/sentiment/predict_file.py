"""``rnnhub predict MODEL --input reviews.txt|.csv|.jsonl --output labels.jsonl``: classify a file.

One JSON line per input, in order: ``{"line": N, "label": ..., "score": ...}`` (with ``"labels"``, the ``--top-k``
best, when it is above 1), or ``{"line": N, "error": reason}`` for a text that cannot be classified (empty, bytes
that are not UTF-8, a CSV row without the column's value), which is also reported on standard error as ``rnnhub
predict: line N: reason`` and makes the exit code 1; the rest is still classified. ``N`` is the line of the input
the text starts on. A file output is written beside it and renamed into place when complete; standard output is
streamed. A text over the model's limit is truncated there with a warning, as ``rnnhub predict TEXT`` does.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from rnnhub.engine import batch
from rnnhub.engine.line_files import Input, read_inputs
from rnnhub.sentiment.classify import check_top_k, classify, load_classifier

COMMAND = "rnnhub predict"
BATCHES_PER_CHUNK = 8


def _text(text: str) -> str:
    if not text.strip():
        raise ValueError("empty: no words to classify")
    return text


def _record(item: Input, labels: list[dict[str, Any]], top_k: int) -> str:
    record = {"line": item.number, "label": labels[0]["label"], "score": labels[0]["score"]}
    if top_k > 1:
        record["labels"] = labels
    return json.dumps(record, ensure_ascii=False)


def predict_file(args: argparse.Namespace) -> int:
    """Classify every text of ``args.input`` into ``args.output``; the exit code (1 if some text failed)."""
    check_top_k(args.top_k)
    batch.generation_options(args)  # --batch-size
    inputs = read_inputs(args.input, column=args.text_column)
    classifier = load_classifier(args.model)
    job = batch.Job(
        prepare=_text,
        work=lambda texts: classify(classifier, texts, args.top_k),
        write=lambda item, labels: _record(item, labels, args.top_k),
        write_failed=lambda item, reason: json.dumps(
            {"line": item.number, "error": reason}, ensure_ascii=False
        ),
        failed_note="their records carry an 'error'",
    )
    chunk = args.batch_size * BATCHES_PER_CHUNK
    return batch.run_job(COMMAND, job, inputs, args.output, chunk_size=chunk, progress=args.progress)
