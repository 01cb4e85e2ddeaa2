"""The loading policy of every rnnhub model: safetensors only, with a clear message for anything else.

Unpickling a ``.bin`` / ``.pt`` checkpoint can run arbitrary code, so rnnhub refuses pickle-only folders before
transformers looks at them, and reports a damaged safetensors file as a ``ValueError`` naming the folder.
"""

from __future__ import annotations

import os

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl")


def check_weights_folder(path: str | os.PathLike) -> None:
    """Refuse a local folder that holds no ``.safetensors`` file (a Hub id or missing path passes through).

    Raises:
        ValueError: a folder with only pickle checkpoints, or with no weights at all.
    """
    if not os.path.isdir(path):
        return
    files = os.listdir(path)
    if any(f.endswith(".safetensors") for f in files):
        return
    pickles = [f for f in files if f.endswith(PICKLE_SUFFIXES)]
    if pickles:
        raise ValueError(
            f"{path} holds only pickle checkpoints ({', '.join(sorted(pickles))}). rnnhub loads safetensors only, "
            "because unpickling can run arbitrary code. Convert a checkpoint you trust with "
            "`model.save_pretrained(folder)` (which writes model.safetensors)."
        )
    raise ValueError(
        f"{path} has no model.safetensors; is it a model folder? It contains: {', '.join(sorted(files))}"
    )


class SafetensorsOnlyLoading:
    """Mixin for a ``PreTrainedModel``: ``from_pretrained`` with the policy above."""

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        check_weights_folder(pretrained_model_name_or_path)
        kwargs.setdefault("use_safetensors", True)
        try:
            return super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        except Exception as error:
            # safetensors reports a damaged file with its own exception type (SafetensorError), which is not
            # importable from a stable place: recognise it by name.
            if type(error).__name__ != "SafetensorError":
                raise
            raise ValueError(
                f"Could not read the weights in {pretrained_model_name_or_path}: the safetensors file is "
                f"truncated or corrupt ({error}). Download or save it again."
            ) from error
