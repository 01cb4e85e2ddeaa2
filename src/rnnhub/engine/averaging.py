"""Checkpoint averaging: the element-wise mean of several saved weight files of one model (Vaswani et al. 2017,
Sennrich & Zhang 2019 for low-resource NMT), which often scores better than any one of them."""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch

__all__ = ["average_weights"]


def average_weights(files: Sequence[str | os.PathLike[str]]) -> dict[str, torch.Tensor]:
    """The mean of the tensors in ``files`` (safetensors of the same model), computed in float32.

    Raises:
        ValueError: fewer than two files, or files whose tensor names or shapes differ (not one model's
            checkpoints).
    """
    from safetensors.torch import load_file

    if len(files) < 2:
        raise ValueError(f"Averaging needs at least two checkpoint files, got {len(files)}.")
    total: dict[str, torch.Tensor] = {}
    for index, file in enumerate(files):
        weights = load_file(os.fspath(file))
        if index == 0:
            total = {name: tensor.to(torch.float32).clone() for name, tensor in weights.items()}
            continue
        if weights.keys() != total.keys():
            raise ValueError(
                f"{file} holds other tensors than {files[0]}: average checkpoints of one model only."
            )
        for name, tensor in weights.items():
            if tensor.shape != total[name].shape:
                raise ValueError(
                    f"{name} has shape {tuple(tensor.shape)} in {file} but {tuple(total[name].shape)} in "
                    f"{files[0]}: average checkpoints of one model only."
                )
            total[name] += tensor.to(torch.float32)
    return {name: tensor / len(files) for name, tensor in total.items()}
