"""Build hook: ship the published model folders (model_cards/) inside the wheel as rnnhub/model_cards,
so `rnnhub models` finds them after a non-editable `pip install .` too."""

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


setup(cmdclass={"build_py": BuildPyWithModelCards})
