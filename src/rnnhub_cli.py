"""The ``rnnhub`` console command's entry point, outside the package so that ``rnnhub --help`` is instant.

Python runs ``rnnhub/__init__.py`` before any ``rnnhub.*`` module, and that registers the models with
transformers' Auto classes (importing torch and transformers: seconds). While :data:`DEFERRING` is true,
``rnnhub/__init__.py`` skips that; :func:`rnnhub.cli.main` registers once the arguments are parsed, before any
subcommand runs, so ``--help`` and usage errors import neither torch, transformers nor gradio.
"""

from __future__ import annotations

DEFERRING = False


def main() -> int:
    global DEFERRING
    DEFERRING = True  # read by rnnhub/__init__.py, only while the import below runs
    try:
        from rnnhub.cli import main as run
    finally:
        DEFERRING = False
    return run()


if __name__ == "__main__":  # python -m rnnhub_cli: import this file as rnnhub_cli, where the flag is read
    from rnnhub_cli import main as entry

    raise SystemExit(entry())
