"""``rnnhub demo [--host 127.0.0.1] [--port 7860] [--share]``: serve the Gradio app;
``rnnhub demo --export-space DIR [--rnnhub-requirement SPEC]``: write it as a Hugging Face Space folder instead."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_cli", "add_parser_arguments", "export", "serve"]


def add_parser_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags shared by ``rnnhub demo`` and ``python demos/app.py``."""
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    parser.add_argument("--port", type=int, default=7860, help="port to serve on (default 7860)")
    parser.add_argument(
        "--share", action="store_true", help="also open a public gradio.live link (needs network)"
    )


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo", help="serve the Gradio demo (a tab per task, models load on first use)"
    )
    add_parser_arguments(demo)
    space = demo.add_argument_group("export as a Hugging Face Space (instead of serving)")
    space.add_argument(
        "--export-space",
        metavar="DIR",
        help="write a Space folder (README front matter, app.py, requirements.txt, the model folders) into DIR, "
        "a new or empty folder; push it with huggingface_hub's upload_folder(repo_type='space')",
    )
    space.add_argument(
        "--rnnhub-requirement",
        metavar="SPEC",
        help="the rnnhub line of the Space's requirements.txt (default rnnhub==<this version>), e.g. "
        "'rnnhub @ git+https://github.com/ORG/rnnhub@v0.1.0' where rnnhub is not on PyPI",
    )
    demo.set_defaults(func=_cli_demo)


def serve(args: argparse.Namespace, demo: Any = None) -> int:
    """Launch ``demo`` (default: a fresh ``build_demo()``) with the parsed ``--host/--port/--share``; blocks.

    Gradio's own start-up lines are silenced (its hint names ``share=True`` in ``launch()``, which a user of this
    command cannot type); these lines say where the app is and name ``--share``."""
    if not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be between 1 and 65535, got {args.port}.")
    from rnnhub.demo.app import build_demo, launch

    app = demo if demo is not None else build_demo()
    _, local_url, share_url = launch(
        app, host=args.host, port=args.port, share=args.share, prevent_thread_lock=True, quiet=True
    )
    print(f"rnnhub demo: serving on {local_url} (Ctrl+C to stop)", flush=True)
    if share_url:
        print(f"rnnhub demo: public link {share_url}", flush=True)
    elif not args.share:
        print("rnnhub demo: add --share for a public gradio.live link (needs network)", flush=True)
    app.block_thread()
    return 0


def export(args: argparse.Namespace) -> int:
    """``--export-space``: write the Space and say what is in it and how to push it."""
    from rnnhub.demo.space import export_space

    space = export_space(args.export_space, rnnhub_requirement=args.rnnhub_requirement)
    print(
        f"rnnhub demo: wrote a Gradio Space to {space.folder} with {len(space.models)} model folders:",
        flush=True,
    )
    for name in space.models:
        print(f"  {name}", flush=True)
    print(
        f"Try it: python {space.folder / 'app.py'}  Push it: huggingface_hub.upload_folder(repo_id='ORG/NAME', "
        f"repo_type='space', folder_path='{space.folder}') after create_repo(..., repo_type='space', space_sdk='gradio')",
        flush=True,
    )
    return 0


def _cli_demo(args: argparse.Namespace) -> int:
    if args.export_space:
        return export(args)
    if args.rnnhub_requirement:
        raise ValueError("--rnnhub-requirement only applies with --export-space DIR.")
    return serve(args)
