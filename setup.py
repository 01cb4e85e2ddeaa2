"""Build hook: ship the published model folders (model_cards/) inside the wheel as rnnhub/model_cards, so
`rnnhub models` finds them after a non-editable `pip install .` too, and the memory lab's committed results
(docs/lab/*.json, *.md) as rnnhub/demo/lab_results for the demo's precomputed table."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithModelCards(build_py):
    def run(self):
        super().run()
        source = Path(__file__).parent / "model_cards"
        if source.is_dir():
            shutil.copytree(source, Path(self.build_lib) / "rnnhub" / "model_cards", dirs_exist_ok=True)
        lab = Path(__file__).parent / "docs" / "lab"
        if lab.is_dir():
            target = Path(self.build_lib) / "rnnhub" / "demo" / "lab_results"
            target.mkdir(parents=True, exist_ok=True)
            for result in [*lab.glob("*.json"), *lab.glob("*.md")]:  # the numbers and the table the demo shows
                shutil.copy2(result, target / result.name)


setup(cmdclass={"build_py": BuildPyWithModelCards})
