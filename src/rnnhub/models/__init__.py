"""rnnhub's models. Self-contained: these files import only torch, transformers and each other, so that
`save_pretrained` can copy them next to the weights for `trust_remote_code` loading.

The names load on first use (PEP 562), so ``rnnhub.models.constants`` (the cell list, the special-token ids) is
importable without torch: ``rnnhub --help`` builds its choices from it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# name -> the module (in this package) that defines it
_HOMES = {
    "RecurrentCache": "cache",
    "ATTENTION_TYPES": "constants",
    "CELL_TYPES": "constants",
    "POOLING_TYPES": "constants",
    "RnnHubCaptioningConfig": "configuration_rnnhub",
    "RnnHubConfig": "configuration_rnnhub",
    "RnnHubSeq2SeqConfig": "configuration_rnnhub",
    "RnnHubForCausalLM": "modeling_rnnhub",
    "RnnHubForImageCaptioning": "modeling_rnnhub",
    "RnnHubForSeq2SeqLM": "modeling_rnnhub",
    "RnnHubForSequenceClassification": "modeling_rnnhub",
    "RnnHubModel": "modeling_rnnhub",
    "RnnHubPreTrainedModel": "modeling_rnnhub",
    "GATE_NAMES": "recurrent",
    "RecurrentLayer": "recurrent",
    "RecurrentLayerOutput": "recurrent",
}
__all__ = [
    "ATTENTION_TYPES",
    "CELL_TYPES",
    "GATE_NAMES",
    "POOLING_TYPES",
    "RecurrentCache",
    "RecurrentLayer",
    "RecurrentLayerOutput",
    "RnnHubCaptioningConfig",
    "RnnHubConfig",
    "RnnHubForCausalLM",
    "RnnHubForImageCaptioning",
    "RnnHubForSeq2SeqLM",
    "RnnHubForSequenceClassification",
    "RnnHubModel",
    "RnnHubPreTrainedModel",
    "RnnHubSeq2SeqConfig",
]

if TYPE_CHECKING:
    from .cache import RecurrentCache
    from .configuration_rnnhub import RnnHubCaptioningConfig, RnnHubConfig, RnnHubSeq2SeqConfig
    from .constants import ATTENTION_TYPES, CELL_TYPES, POOLING_TYPES
    from .modeling_rnnhub import (
        RnnHubForCausalLM,
        RnnHubForImageCaptioning,
        RnnHubForSeq2SeqLM,
        RnnHubForSequenceClassification,
        RnnHubModel,
        RnnHubPreTrainedModel,
    )
    from .recurrent import GATE_NAMES, RecurrentLayer, RecurrentLayerOutput


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
