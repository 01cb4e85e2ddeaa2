"""What a training report records about where and under which licence a run happened (one place for all recipes)."""

from __future__ import annotations

import os
import platform
from pathlib import Path

__all__ = [
    "cpu_model",
    "describe_load",
    "load_average",
    "recipe_hardware",
    "trainer_hardware",
    "weights_license",
]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else the platform's short name."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass  # not Linux: the platform's short name will do
    return platform.processor() or platform.machine()


def recipe_hardware(threads: int) -> str:
    """A from-scratch recipe's machine: ``"2 vCPU (AMD EPYC ...), 1 torch thread, no GPU"`` (or the GPU's name)."""
    import torch

    accelerator = torch.cuda.get_device_name() if torch.cuda.is_available() else "no GPU"
    plural = "s" if threads != 1 else ""
    return f"{os.cpu_count()} vCPU ({cpu_model()}), {threads} torch thread{plural}, {accelerator}"


def load_average() -> list[float] | None:
    """The machine's 1, 5 and 15-minute load averages (None where the OS has none): how shared a run's CPU was."""
    if not hasattr(os, "getloadavg"):
        return None
    return [round(value, 2) for value in os.getloadavg()]


def describe_load(load: dict | None) -> str | None:
    """A card's line for ``{"start": [1, 5, 15 min], "end": [...]}`` load averages (None when not recorded)."""
    if not load or not load.get("start"):
        return None
    start, end = (", ".join(f"{v:.2f}" for v in load[k]) for k in ("start", "end"))
    return f"load average {start} at the start, {end} at the end (1, 5, 15 min)"


def trainer_hardware(world_size: int) -> str:
    """A fine-tuning run's processes: ``"CPU"``, ``"2 x CPU"`` (torchrun) or the GPU's name."""
    import torch

    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "CPU"
    return f"{world_size} x {device}" if world_size > 1 else device


def weights_license(corpus: str) -> str:
    """The weights inherit the training data's licence; "other" when the data states none (its card explains)."""
    from rnnhub.data import get_corpus

    try:
        licence_id = get_corpus(corpus).license
    except ValueError:  # a corpus outside the registry (custom data)
        return "other"
    return licence_id if licence_id not in ("", "unknown") else "other"
