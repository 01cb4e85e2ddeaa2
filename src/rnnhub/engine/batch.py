"""Run a model over every input of a file: one output line per input, in the input order, a bad input reported
with its number and marked in the output while the rest is still done, and a progress bar on long inputs.

The inputs go through in chunks (a chunk is one pipeline call, which sorts by length within it); each chunk's
lines are written as soon as it is done, to the stream :func:`rnnhub.engine.line_files.open_output` gives
(streamed to standard output, atomic for a file).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rnnhub.engine.line_files import Input, open_output

__all__ = ["LONG_INPUT", "Job", "add_io_arguments", "generation_options", "run_job", "show_progress"]

# From this many inputs on, a progress bar is shown when standard error is a terminal (--progress: always).
LONG_INPUT = 100


@dataclass(frozen=True)
class Job:
    """What a batch command does with each input.

    prepare: the value ready for the model (a checked text, a decoded image); raises ``ValueError`` or
        ``OSError`` whose message says why this input cannot be used.
    work: the results of a list of prepared values, in their order (one pipeline call).
    write: the output line of an input and its result (no newline).
    write_failed: the output line of an input that failed, and the reason (no newline).
    name: how a report names an input, e.g. ``line 3``.
    failed_note: what the summary says the output holds for failed inputs, e.g. ``their output lines are empty``.
    """

    prepare: Callable[[str], Any]
    work: Callable[[list[Any]], list[Any]]
    write: Callable[[Input, Any], str]
    write_failed: Callable[[Input, str], str]
    name: Callable[[Input], str] = lambda item: f"line {item.number}"
    failed_note: str = "their output lines are marked"


def show_progress(total: int, forced: bool) -> bool:
    """Whether to draw a progress bar: ``forced`` (--progress), or a long input and standard error a terminal."""
    return forced or (total >= LONG_INPUT and sys.stderr.isatty())


def _prepare(job: Job, item: Input) -> tuple[Any, str | None]:
    if item.problem is not None:
        return None, item.problem
    try:
        return job.prepare(item.value), None
    except (ValueError, OSError) as error:
        return None, str(error)


def run_job(
    command: str,
    job: Job,
    inputs: Sequence[Input],
    output: str,
    *,
    chunk_size: int,
    progress: bool = False,
    unit: str = "line",
) -> int:
    """Run ``job`` over ``inputs`` into ``output`` (a path, or ``-``); return the exit code: 0 when every input
    was done, 1 when some failed (each reported on standard error as ``COMMAND: line N: reason``, then a count)."""
    from tqdm import tqdm

    failed = 0
    with (
        open_output(output) as stream,
        tqdm(
            total=len(inputs),
            unit=unit,
            disable=not show_progress(len(inputs), progress),
            file=sys.stderr,
            dynamic_ncols=True,
        ) as bar,
    ):
        for start in range(0, len(inputs), chunk_size):
            chunk = inputs[start : start + chunk_size]
            prepared = [_prepare(job, item) for item in chunk]
            good = [value for value, problem in prepared if problem is None]
            results = iter(job.work(good) if good else [])
            for item, (_, problem) in zip(chunk, prepared):
                if problem is None:
                    stream.write(job.write(item, next(results)) + "\n")
                else:
                    failed += 1
                    bar.write(f"{command}: {job.name(item)}: {problem}", file=sys.stderr)
                    stream.write(job.write_failed(item, problem) + "\n")
            stream.flush()
            bar.update(len(chunk))
    if failed:
        print(f"{command}: {failed} of {len(inputs)} {unit}s failed; {job.failed_note}.", file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------------------------------------------------------
# The options of the batch commands


def add_io_arguments(parser: argparse.ArgumentParser, *, batch_size: int, generation: bool = True) -> None:
    """The options the batch commands share: --output, --batch-size, --progress and, for ``generation``,
    --num-beams and --max-new-tokens."""
    parser.add_argument(
        "--output",
        default="-",
        help="file to write (default: - for standard output, streamed); a file is written as .NAME.partial and "
        "renamed when complete",
    )
    if generation:
        parser.add_argument(
            "--num-beams", type=int, default=None, help="beam width (default: the model's generation config)"
        )
        parser.add_argument(
            "--max-new-tokens", type=int, default=None, help="longest output in tokens (default: the model's)"
        )
    parser.add_argument("--batch-size", type=int, default=batch_size, help=f"default: {batch_size}")
    parser.add_argument(
        "--progress",
        action="store_true",
        help="always show the progress bar (default: for long inputs when standard error is a terminal)",
    )


def generation_options(args: argparse.Namespace, model: Any = None, tokenizer: Any = None) -> dict[str, int]:
    """``num_beams`` / ``max_new_tokens`` as given (where the command has them), checked against the limits of
    :mod:`rnnhub.engine.checks` (``max_new_tokens`` only once ``model`` is loaded); ``--batch-size`` checked."""
    from rnnhub.engine.checks import check_max_new_tokens, check_num_beams, check_positive_int

    check_positive_int("--batch-size", args.batch_size)
    options = {}
    num_beams, max_new_tokens = getattr(args, "num_beams", None), getattr(args, "max_new_tokens", None)
    if num_beams is not None:
        options["num_beams"] = check_num_beams(num_beams)
    if max_new_tokens is not None:
        options["max_new_tokens"] = (
            check_max_new_tokens(max_new_tokens, model, tokenizer)
            if model is not None
            else check_positive_int("--max-new-tokens", max_new_tokens)
        )
    return options
