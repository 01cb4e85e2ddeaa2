"""``rnnhub translate MODEL --input src.txt --output out.txt``: translate a file, one sentence per line.

The output has one line per input line, in the input order (the pipeline sorts each chunk by length and returns
it in order): a blank line gives a blank line (nothing to translate, not an error). A line that cannot be
translated (bytes that are not UTF-8, more tokens than the model reads) is reported on standard error as
``rnnhub translate: line N: reason``, gets an empty output line, and makes the exit code 1; the rest is still
translated. ``-`` is standard input / output. A file output is written beside it and renamed into place when
complete (:mod:`rnnhub.engine.line_files`); standard output is streamed.
"""

from __future__ import annotations

import argparse
from typing import Any

from rnnhub.engine import batch

COMMAND = "rnnhub translate"
# Lines per pipeline call: the pipeline sorts a call's lines by length, so batches of similar length pad little.
BATCHES_PER_CHUNK = 16


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rnnhub translate``."""
    parser = subparsers.add_parser(
        "translate",
        help="translate a text file, one sentence per line (file in, file out)",
        description="Translate every line of --input with an rnnhub translation model into --output, one line "
        "per line. A bad line is reported as 'line N: reason' on stderr and left empty in the output (exit "
        "code 1); the others are still translated.",
    )
    parser.add_argument("model", help="translation model folder, registry short name or Hub id")
    parser.add_argument(
        "--input", default="-", help="text file, one sentence per line (default: - for standard input)"
    )
    batch.add_io_arguments(parser, batch_size=32)
    parser.set_defaults(func=run)


def _checked_line(tokenizer: Any):
    from rnnhub.translation.text import encode_sources, source_max_length

    limit = source_max_length(tokenizer)

    def prepare(text: str) -> str:
        if text.strip():
            _, (cut,) = encode_sources(tokenizer, [text], warn=False)  # where the pipeline would cut it
            if cut:
                raise ValueError(
                    f"longer than the model's limit of {limit} tokens; split the line into sentences."
                )
        return text

    return prepare


def run(args: argparse.Namespace) -> int:
    from transformers import pipeline

    from rnnhub.engine.line_files import read_inputs
    from rnnhub.translation.pipeline import TASK
    from rnnhub.translation.view import load_translator

    batch.generation_options(args)  # refuse bad settings before the model loads
    model, tokenizer = load_translator(args.model)
    options = batch.generation_options(args, model, tokenizer)
    translator = pipeline(TASK, model=model, tokenizer=tokenizer)
    inputs = read_inputs(args.input)

    def translate(texts: list[str]) -> list[str]:
        return [r["translation_text"] for r in translator(texts, batch_size=args.batch_size, **options)]

    job = batch.Job(
        prepare=_checked_line(tokenizer),
        work=translate,
        write=lambda item, translation: " ".join(translation.splitlines()),
        write_failed=lambda item, reason: "",
        failed_note="their output lines are empty",
    )
    return batch.run_job(
        COMMAND,
        job,
        inputs,
        args.output,
        chunk_size=args.batch_size * BATCHES_PER_CHUNK,
        progress=args.progress,
    )
