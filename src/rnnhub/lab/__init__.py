"""The memory lab: why a vanilla RNN forgets and how the LSTM's gated cell remembers, as experiments.

* :func:`run_memory` / :func:`train_first_word` — experiment 1, "remember the first word" across distances N.
* :func:`gradient_flow` and :func:`clipping_experiment` — experiment 2, ``||dL/dh_t||`` back through time, the
  vanishing (radius 0.9) and exploding (radius 1.1) cases, and gradient-norm clipping.
* :func:`gate_trace` — experiment 3, the LSTM's gates and cell state step by step.
* ``plot_*`` — the matching matplotlib figures (returned, never shown), for the CLI and the demo.

Command line: ``rnnhub lab memory|gradients|gates|all --out DIR [--quick]`` (see :mod:`rnnhub.lab.cli`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rnnhub.lab.clipping import clipping_experiment
    from rnnhub.lab.gates import gate_trace
    from rnnhub.lab.gradients import gradient_flow, set_spectral_radius
    from rnnhub.lab.memory import QUICK, VARIANTS, MemoryConfig, run_memory, train_first_word
    from rnnhub.lab.plots import plot_clipping, plot_gates, plot_gradient_flow, plot_memory
    from rnnhub.lab.tasks import FirstWordTask

# name -> the module defining it. Imported on first use, so that ``rnnhub lab --help`` (and ``rnnhub --help``,
# which reaches rnnhub.lab.cli through this package) does not import torch.
_SOURCES = {
    "clipping_experiment": "clipping",
    "gate_trace": "gates",
    "gradient_flow": "gradients",
    "set_spectral_radius": "gradients",
    "QUICK": "memory",
    "VARIANTS": "memory",
    "MemoryConfig": "memory",
    "run_memory": "memory",
    "train_first_word": "memory",
    "plot_clipping": "plots",
    "plot_gates": "plots",
    "plot_gradient_flow": "plots",
    "plot_memory": "plots",
    "FirstWordTask": "tasks",
}


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"rnnhub.lab.{_SOURCES[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "QUICK",
    "VARIANTS",
    "FirstWordTask",
    "MemoryConfig",
    "clipping_experiment",
    "gate_trace",
    "gradient_flow",
    "plot_clipping",
    "plot_gates",
    "plot_gradient_flow",
    "plot_memory",
    "run_memory",
    "set_spectral_radius",
    "train_first_word",
]
