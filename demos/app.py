"""The rnnhub Gradio demo: ``python demos/app.py [--host 127.0.0.1] [--port 7860] [--share]``.

Same app as ``rnnhub demo``; ``gradio demos/app.py`` runs it in reload mode. ``demo`` is built at import without
loading any model: each tab loads its model on first use.
"""

import argparse

from rnnhub.demo.app import build_demo
from rnnhub.demo.cli import add_parser_arguments, serve

demo = build_demo()

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the rnnhub Gradio demo.")
    add_parser_arguments(parser)
    raise SystemExit(serve(parser.parse_args(), demo))
