"""The loading policy of every rnnhub model: safetensors only, complete and finite weights, with a clear message for
anything else.

Unpickling a ``.bin`` / ``.pt`` checkpoint can run arbitrary code, so rnnhub refuses pickle-only folders before
transformers looks at them, and reports a damaged safetensors file as a ``ValueError`` naming the folder.

A folder loaded into the class that saved it (its config's ``architectures``) must hold exactly that class's
weights: a missing key would be randomly initialised and an unexpected one ignored, so a damaged folder would
answer with confident nonsense. Those, and NaN/Inf weights (in any load), raise a ``ValueError``.
``from_pretrained(folder, check_weights=False)`` opts out (transformers' own warnings then apply). Loading into
another class (a base model from a classifier folder, a new classifier from a language model) is transformers'
usual partial load.
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


def _shown(keys) -> str:
    keys = sorted(keys)
    return ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


def check_loaded_weights(model, loading_info: dict, path) -> None:
    """Refuse a load with missing or unexpected keys (when ``model`` is the class that saved the folder) or with
    non-finite weights.

    Raises:
        ValueError: naming the keys and how to opt out (``check_weights=False``).
    """
    import torch

    advice = (
        "The folder is damaged or was saved by other code: download or save it again "
        "(or pass check_weights=False to load it anyway)."
    )
    own_class = type(model).__name__ in (getattr(model.config, "architectures", None) or [])
    missing = loading_info.get("missing_keys") or []
    unexpected = loading_info.get("unexpected_keys") or []
    if own_class and missing:
        raise ValueError(
            f"{path} lacks {len(missing)} weight(s) of {type(model).__name__} ({_shown(missing)}); loading would "
            f"initialise them at random. {advice}"
        )
    if own_class and unexpected:
        raise ValueError(
            f"{path} holds {len(unexpected)} weight(s) that {type(model).__name__} does not have "
            f"({_shown(unexpected)}). {advice}"
        )
    bad = [
        name
        for name, tensor in model.state_dict().items()
        if tensor.is_floating_point() and tensor.device.type != "meta" and not torch.isfinite(tensor).all()
    ]
    if bad:
        raise ValueError(
            f"{path} has NaN or infinite values in {len(bad)} weight(s) ({_shown(bad)}). {advice}"
        )


class SafetensorsOnlyLoading:
    """Mixin for a ``PreTrainedModel``: ``from_pretrained`` with the policy above (``check_weights=False``: no
    key or finiteness check)."""

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, check_weights: bool = True, **kwargs):
        check_weights_folder(pretrained_model_name_or_path)
        kwargs.setdefault("use_safetensors", True)
        wants_info = kwargs.pop("output_loading_info", False)
        try:
            model, info = super().from_pretrained(
                pretrained_model_name_or_path, *args, output_loading_info=True, **kwargs
            )
        except Exception as error:
            # safetensors reports a damaged file with its own exception type (SafetensorError), which is not
            # importable from a stable place: recognise it by name.
            if type(error).__name__ != "SafetensorError":
                raise
            raise ValueError(
                f"Could not read the weights in {pretrained_model_name_or_path}: the safetensors file is "
                f"truncated or corrupt ({error}). Download or save it again."
            ) from error
        if check_weights:
            check_loaded_weights(model, info, pretrained_model_name_or_path)
        return (model, info) if wants_info else model
