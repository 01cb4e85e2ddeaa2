"""`rnnhub demo` and demos/app.py: the flags, and nothing heavy at import."""

import subprocess
import sys
from pathlib import Path

import pytest

from rnnhub.cli import build_parser
from rnnhub.demo.cli import serve

ROOT = Path(__file__).resolve().parents[2]


def test_demo_command_defaults_to_loopback_7860():
    args = build_parser().parse_args(["demo"])
    assert (args.host, args.port, args.share) == ("127.0.0.1", 7860, False)
    args = build_parser().parse_args(["demo", "--host", "0.0.0.0", "--port", "8000", "--share"])
    assert (args.host, args.port, args.share) == ("0.0.0.0", 8000, True)


@pytest.mark.parametrize("port", [0, 70_000])
def test_demo_command_refuses_a_bad_port(port):
    args = build_parser().parse_args(["demo", "--port", str(port)])
    with pytest.raises(ValueError, match="--port must be between 1 and 65535"):
        serve(args)


def test_demo_command_names_share_not_gradios_launch_argument(capsys):
    """Gradio's start-up hint says `share=True` in `launch()`; the command silences it and names --share."""

    class FakeDemo:
        def launch(self, **kwargs):
            self.kwargs = kwargs
            return None, f"http://{kwargs['server_name']}:{kwargs['server_port']}/", None

        def block_thread(self):
            self.blocked = True

    demo = FakeDemo()
    assert serve(build_parser().parse_args(["demo", "--port", "7861"]), demo) == 0
    assert demo.kwargs["quiet"] is True and demo.blocked
    printed = capsys.readouterr().out
    assert "serving on http://127.0.0.1:7861/" in printed
    assert "add --share for a public gradio.live link" in printed and "share=True" not in printed


def test_importing_the_demo_loads_no_model():
    """demos/app.py builds the Blocks at import; no model may load then (they load on first use), and the
    rnnhub.demo package itself does not import Gradio."""
    code = (
        "import sys, runpy\n"
        "import rnnhub.demo\n"
        "assert 'gradio' not in sys.modules, 'importing rnnhub.demo imported gradio'\n"
        f"namespace = runpy.run_path({str(ROOT / 'demos' / 'app.py')!r})\n"
        "import gradio\n"
        "from rnnhub.demo.cache import MODELS\n"
        "assert isinstance(namespace['demo'], gradio.Blocks)\n"
        "assert len(MODELS) == 0, 'a model loaded at import'\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
