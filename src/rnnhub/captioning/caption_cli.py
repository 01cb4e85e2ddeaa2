"""``rnnhub caption MODEL IMAGES... [--output captions.jsonl]``: caption image files.

Writes one JSON line per image, in the order given: ``{"image": path, "caption": text}``, or ``{"image": path,
"error": reason}`` for one that cannot be read (missing, not an image, a decompression bomb, ...: see
:func:`rnnhub.images.load_image`), which is also reported on standard error as ``rnnhub caption: image N (path):
reason`` and makes the exit code 1; the other images are still captioned. A file output is written beside it and
renamed into place when complete; standard output (the default) is streamed.
"""

from __future__ import annotations

import argparse
import json

from rnnhub.engine import batch

COMMAND = "rnnhub caption"
BATCHES_PER_CHUNK = 4  # images per pipeline call: a few batches, decoded images are large


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Register ``rnnhub caption``."""
    parser = subparsers.add_parser(
        "caption",
        help="caption image files (JSON lines out)",
        description="Caption every IMAGE with an rnnhub captioning model; one JSON line per image, in order. An "
        "image that cannot be read is reported on stderr and gets an 'error' record (exit code 1).",
    )
    parser.add_argument("model", help="captioning model folder, registry short name or Hub id")
    parser.add_argument(
        "images", nargs="+", metavar="IMAGE", help="image files (PNG, JPEG, GIF, WebP, BMP, TIFF)"
    )
    batch.add_io_arguments(parser, batch_size=16)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from transformers import pipeline

    from rnnhub.captioning.pipeline import TASK, ImageCaptioningPipeline
    from rnnhub.engine.line_files import Input
    from rnnhub.images import load_image
    from rnnhub.publish.hub import resolve

    batch.generation_options(args)  # refuse bad settings before the model loads
    # pipeline_class: rnnhub's installed class (a published folder's custom_pipelines would ask for trust_remote_code)
    captioner = pipeline(TASK, model=resolve(args.model), pipeline_class=ImageCaptioningPipeline)
    options = batch.generation_options(args, captioner.model, captioner.tokenizer)

    def caption(images: list) -> list[str]:
        return [r[0]["generated_text"] for r in captioner(images, batch_size=args.batch_size, **options)]

    job = batch.Job(
        prepare=load_image,
        work=caption,
        write=lambda item, text: json.dumps({"image": item.value, "caption": text}, ensure_ascii=False),
        write_failed=lambda item, reason: json.dumps(
            {"image": item.value, "error": reason}, ensure_ascii=False
        ),
        name=lambda item: f"image {item.number} ({item.value})",
        failed_note="their records carry an 'error'",
    )
    inputs = [Input(number, path) for number, path in enumerate(args.images, start=1)]
    chunk = args.batch_size * BATCHES_PER_CHUNK
    return batch.run_job(
        COMMAND, job, inputs, args.output, chunk_size=chunk, progress=args.progress, unit="image"
    )
