"""ULMFiT's fine-tuning schedule for a model started from a pretrained one (Howard & Ruder, 2018):
discriminative learning rates per layer group and gradual unfreezing, for stock ``transformers.Trainer``.

The layer groups of an rnnhub model, bottom to top::

    0        the embeddings (``*embeddings.*``: token and, if any, bigram embeddings)
    1..L     recurrent layer k-1 (torch's ``*_l{k-1}`` and ``*_l{k-1}_reverse`` parameters)
    L+1      the rest: the head (classifier, output projection)

* :func:`discriminative_param_groups`: one AdamW parameter group per layer group; the head gets the base
  learning rate, each group below it the rate of the one above divided by ``decay`` (ULMFiT: 2.6).
* :func:`gradual_unfreezing_callback`: in epoch 0 only the head trains, each later epoch unfreezes one more
  group from the top down, until all train (epoch L+1 on). A parameter frozen before training starts (e.g.
  ``freeze_vectors``) stays frozen.

Both go through Trainer's own loop (``Trainer(optimizers=(optimizer, None), callbacks=[...])``): the learning-rate
schedule, clipping, checkpoints and resume are Trainer's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = [
    "discriminative_param_groups",
    "gradual_unfreezing_callback",
    "layer_group_names",
    "layer_groups",
    "trainable_groups",
]

_LAYER = re.compile(r"_l(\d+)(?:_reverse)?$")


def layer_groups(model: nn.Module) -> list[list[tuple[str, torch.nn.Parameter]]]:
    """``model``'s named parameters in layer groups, bottom (embeddings) to top (head); see the module docstring.

    Raises:
        ValueError: a model without embeddings or without recurrent layers (not an rnnhub recurrent model).
    """
    embeddings: list[tuple[str, Any]] = []
    recurrent: dict[int, list[tuple[str, Any]]] = {}
    head: list[tuple[str, Any]] = []
    for name, parameter in model.named_parameters():
        layer = _LAYER.search(name) if ".recurrent." in f".{name}" else None
        if layer is not None:
            recurrent.setdefault(int(layer.group(1)), []).append((name, parameter))
        elif "embeddings." in name:
            embeddings.append((name, parameter))
        else:
            head.append((name, parameter))
    if not embeddings or not recurrent:
        raise ValueError(
            f"{type(model).__name__} has no embeddings or no recurrent layers to group; discriminative learning "
            "rates and gradual unfreezing need an rnnhub recurrent model."
        )
    return [embeddings, *(recurrent[k] for k in sorted(recurrent)), head]


def layer_group_names(model: nn.Module) -> list[str]:
    """How the groups are called in reports: ``embeddings``, ``recurrent layer 0``, ..., ``head``."""
    count = len(layer_groups(model))
    return ["embeddings", *(f"recurrent layer {k}" for k in range(count - 2)), "head"]


def discriminative_param_groups(model: nn.Module, learning_rate: float, decay: float) -> list[dict[str, Any]]:
    """AdamW parameter groups, bottom to top: group g of G gets ``learning_rate / decay ** (G - 1 - g)``.

    Parameters that do not train (``requires_grad`` off before training, e.g. frozen vectors) are left out, as
    Trainer's own optimizer leaves them out.

    Raises:
        ValueError: ``decay`` below 1 (the lower layers would learn faster than the head).
    """
    if decay < 1:
        raise ValueError(
            f"The layer learning-rate decay must be at least 1 (1: one rate for all; ULMFiT: 2.6), got {decay}."
        )
    groups = layer_groups(model)
    top = len(groups) - 1
    return [
        {
            "params": [parameter for _, parameter in group if parameter.requires_grad],
            "lr": learning_rate / decay ** (top - index),
            "name": name,
        }
        for index, (group, name) in enumerate(zip(groups, layer_group_names(model)))
    ]


def trainable_groups(num_groups: int, epoch: int) -> range:
    """The group indices that train in ``epoch`` (0-based) under gradual unfreezing: the top ``epoch + 1``."""
    return range(max(0, num_groups - 1 - epoch), num_groups)


def gradual_unfreezing_callback(model: nn.Module):
    """A ``TrainerCallback`` that sets which layer groups train at the start of every step, from the epoch
    (``floor(state.epoch)``, so a resumed run picks the right stage)."""
    from transformers import TrainerCallback

    groups = layer_groups(model)
    # Frozen by the caller before training (frozen vectors): never unfrozen here.
    fixed = {id(parameter) for group in groups for _, parameter in group if not parameter.requires_grad}

    class GradualUnfreezing(TrainerCallback):
        def __init__(self) -> None:
            self.stage: int | None = None

        def apply(self, epoch: int) -> None:
            trainable = trainable_groups(len(groups), epoch)
            for index, group in enumerate(groups):
                for _, parameter in group:
                    parameter.requires_grad_(index in trainable and id(parameter) not in fixed)
            self.stage = epoch

        def on_train_begin(self, args, state, control, **kwargs):
            self.apply(int((state.epoch or 0) + 1e-6))

        def on_step_begin(self, args, state, control, **kwargs):
            epoch = int((state.epoch or 0) + 1e-6)  # 0.9999... at an epoch's end is still that epoch
            if epoch != self.stage:
                self.apply(epoch)

        def on_train_end(self, args, state, control, **kwargs):
            # The saved model's parameters are all trainable again (as a fine-tune's output is).
            for group in groups:
                for _, parameter in group:
                    parameter.requires_grad_(id(parameter) not in fixed)

    return GradualUnfreezing()
