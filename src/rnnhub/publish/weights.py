"""Store a model folder's weights in half precision: half the folder's size, so published folders stay small.

``from_pretrained`` casts the stored float16 tensors to the model's dtype (float32 unless asked otherwise), so
users load the same float32 model as before, with every weight rounded to float16 once. Score a folder after this,
not before: its numbers must be those of the weights it holds.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["store_half_precision"]

WEIGHTS = "model.safetensors"


def store_half_precision(folder: str | os.PathLike[str]) -> tuple[int, int]:
    """Rewrite ``folder/model.safetensors`` with its float32 tensors as float16; returns (bytes before, after).

    Other dtypes (integer buffers) are kept. The file is written beside the old one and renamed over it, so a
    crash leaves the old weights.

    Raises:
        ValueError: no ``model.safetensors`` in ``folder``, or a float32 weight outside float16's range.
    """
    import torch
    from safetensors.torch import load_file, save_file

    path = Path(folder) / WEIGHTS
    if not path.is_file():
        raise ValueError(f"{folder} has no {WEIGHTS} to convert.")
    before = path.stat().st_size
    tensors = load_file(path)
    limit = torch.finfo(torch.float16).max
    converted = {}
    for name, tensor in tensors.items():
        if tensor.dtype == torch.float32:
            if tensor.abs().max() > limit:
                raise ValueError(f"{name} has values beyond float16's range ({limit:g}); keep it in float32.")
            tensor = tensor.half()
        converted[name] = tensor.contiguous()
    partial = path.with_name(WEIGHTS + ".partial")
    save_file(converted, partial, metadata={"format": "pt"})
    partial.replace(path)
    return before, path.stat().st_size
