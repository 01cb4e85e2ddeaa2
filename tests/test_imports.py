"""The package's shape: every module imports on its own, no import cycle among rnnhub modules, ``models/`` imports
nothing but torch, transformers and its siblings, the engine imports no task package and no task package imports
another (one sanctioned edge: the LM's downstream sentiment comparison)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from builders import absolute_import_roots

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "rnnhub"
TASKS = ("sentiment", "translation", "captioning", "lm")
# lm.comparison fine-tunes a sentiment classifier from the language model (rnnhub.sentiment.train).
ALLOWED_CROSS_TASK = {("rnnhub.lm.comparison", "rnnhub.sentiment.train")}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The rnnhub modules (or packages) ``name`` imports, anywhere in the file (function-level imports too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "rnnhub"}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if base.split(".")[0] != "rnnhub":
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    found.discard(name)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_graph_sees_the_package():
    assert "rnnhub.engine.trainer" in GRAPH["rnnhub.translation.train"]
    assert "rnnhub.models.recurrent" in GRAPH["rnnhub.models.decoder"]  # relative imports resolved


def test_no_import_cycle_among_rnnhub_modules():
    index, low, stack, on_stack, cycles, counter = {}, {}, [], set(), [], [0]

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in GRAPH.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in GRAPH:
        if node not in index:
            visit(node)
    assert not cycles, f"import cycles: {cycles}"


def test_models_is_self_contained():
    allowed = {
        "torch",
        "transformers",
        "__future__",
        "dataclasses",
        "os",
        "math",
        "typing",
        "collections",
        "importlib",  # models/__init__.py loads its names lazily (the package itself is never copied)
    }
    for name, path in MODULES.items():
        if not name.startswith("rnnhub.models"):
            continue
        roots = absolute_import_roots(path)
        assert roots <= allowed, f"{name} imports {roots - allowed} (models/ is copied next to the weights)"


def test_the_engine_imports_no_task_and_tasks_import_no_other_task():
    def task_of(module: str) -> str | None:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 and parts[1] in TASKS else None

    for name, imported in GRAPH.items():
        for other in imported:
            if name.startswith("rnnhub.engine"):
                assert task_of(other) is None, f"the engine module {name} imports the task module {other}"
            mine, theirs = task_of(name), task_of(other)
            if mine and theirs and mine != theirs:
                assert (name, other) in ALLOWED_CROSS_TASK, f"{name} imports another task's {other}"


# A fresh interpreter imports the heavy third-party libraries once, then forks one child per rnnhub module, which
# imports that module alone (nothing of rnnhub is loaded before it): a module that only works because another was
# imported first fails here.
_IMPORT_EACH = """
import importlib, os, sys, traceback
for library in ("torch", "transformers.pipelines", "transformers.trainer", "transformers.generation", "datasets",
                "PIL.Image", "matplotlib.pyplot", "gradio", "gradio_client", "sklearn.linear_model", "sacrebleu",
                "pandas", "huggingface_hub", "tokenizers"):
    importlib.import_module(library)
assert not [m for m in sys.modules if m.split(".")[0] == "rnnhub"]
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    if os.waitpid(pid, 0)[1] != 0:
        failed.append(name)
print("FAILED:", " ".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_alone_in_a_fresh_interpreter():
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_EACH, *sorted(MODULES)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-500:] + result.stderr[-3000:]


@pytest.mark.parametrize("package", ["engine", *TASKS, "publish"])
def test_each_package_has_a_docstring_and_modules(package):
    init = PACKAGE / package / "__init__.py"
    assert init.is_file() and ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert len(list((PACKAGE / package).glob("*.py"))) >= 3
