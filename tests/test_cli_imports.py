"""`rnnhub --help` imports no torch, transformers or gradio (the console entry defers them), while `import rnnhub`
still registers the models with transformers' Auto classes, and a subcommand run through the console entry too.

Each check runs in a fresh Python (a subprocess): this process has long imported everything."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HEAVY = ("torch", "transformers", "gradio", "datasets")
CONSOLE_SCRIPT = Path(sys.executable).parent / "rnnhub"


def run_python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=180, cwd=cwd
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_help_through_the_console_entry_imports_nothing_heavy():
    # The same call the `rnnhub` console script makes (`from rnnhub_cli import main; main()`), with --help.
    result = run_python(
        f"""
        import sys
        sys.argv = ["rnnhub", "--help"]
        from rnnhub_cli import main
        try:
            main()
        except SystemExit as stop:
            assert stop.code == 0, stop.code
        heavy = sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r}))
        print("HEAVY", heavy)
        """
    )
    assert "finetune" in result.stdout and "demo" in result.stdout  # the full help was printed
    assert result.stdout.strip().splitlines()[-1] == "HEAVY []"


@pytest.mark.parametrize("subcommand", ["finetune", "lab", "train", "demo"])
def test_subcommand_help_imports_nothing_heavy(subcommand):
    result = run_python(
        f"""
        import sys
        sys.argv = ["rnnhub", {subcommand!r}, "--help"]
        from rnnhub_cli import main
        try:
            main()
        except SystemExit as stop:
            assert stop.code == 0, stop.code
        print("HEAVY", sorted({{name.split(".")[0] for name in sys.modules}} & set({HEAVY!r})))
        """
    )
    assert result.stdout.strip().splitlines()[-1] == "HEAVY []"


def test_the_console_script_points_at_the_light_entry():
    assert CONSOLE_SCRIPT.is_file(), f"{CONSOLE_SCRIPT} is missing: reinstall with `make install`"
    text = CONSOLE_SCRIPT.read_text(encoding="utf-8")
    assert "from rnnhub_cli import main" in text
    result = subprocess.run([str(CONSOLE_SCRIPT), "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "usage: rnnhub" in result.stdout


def test_a_subcommand_through_the_console_entry_registers_the_models():
    result = run_python(
        """
        import sys
        sys.argv = ["rnnhub", "models"]
        from rnnhub_cli import main
        assert main() == 0
        from transformers import CONFIG_MAPPING
        assert "rnnhub-recurrent" in CONFIG_MAPPING and "rnnhub-seq2seq" in CONFIG_MAPPING
        from transformers.pipelines import PIPELINE_REGISTRY
        assert "rnnhub-translation" in PIPELINE_REGISTRY.get_supported_tasks()
        print("ok")
        """
    )
    assert "lstm-sentiment-rt-en" in result.stdout and result.stdout.strip().endswith("ok")


def test_import_rnnhub_registers_the_auto_classes(tmp_path):
    """What the README promises: `import rnnhub`, then stock Auto classes load an rnnhub folder."""
    from rnnhub import RnnHubConfig, RnnHubForSequenceClassification

    folder = tmp_path / "tiny"
    RnnHubForSequenceClassification(
        RnnHubConfig(vocab_size=11, embedding_size=4, hidden_size=6)
    ).save_pretrained(folder)
    # A fresh Python: config.json's auto_map would also let trust_remote_code load it, so refuse that path.
    result = run_python(
        f"""
        import rnnhub
        from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification
        config = AutoConfig.from_pretrained({str(folder)!r}, trust_remote_code=False)
        model = AutoModelForSequenceClassification.from_pretrained({str(folder)!r}, trust_remote_code=False)
        base = AutoModel.from_pretrained({str(folder)!r}, trust_remote_code=False)
        print(type(config).__module__, type(model).__name__, type(base).__name__)
        """
    )
    assert result.stdout.split() == [
        "rnnhub.models.configuration_rnnhub",
        "RnnHubForSequenceClassification",
        "RnnHubModel",
    ]


def test_deferred_import_completes_on_first_attribute():
    """While the console entry defers the import, the package's names still resolve (and register)."""
    result = run_python(
        """
        import sys
        import rnnhub_cli
        rnnhub_cli.DEFERRING = True
        import rnnhub
        rnnhub_cli.DEFERRING = False
        assert "torch" not in sys.modules
        from rnnhub import publish  # a subpackage: imported alone
        from rnnhub.models import constants  # the cell list, without torch
        assert "torch" not in sys.modules
        from rnnhub import RnnHubConfig
        from transformers import CONFIG_MAPPING
        assert CONFIG_MAPPING["rnnhub-recurrent"] is RnnHubConfig
        assert "RnnHubForCausalLM" in rnnhub.__all__
        print("ok")
        """
    )
    assert result.stdout.strip() == "ok"
