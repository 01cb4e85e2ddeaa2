"""rnnhub's models. Self-contained: these files import only torch, transformers and each other, so that
`save_pretrained` can copy them next to the weights for `trust_remote_code` loading."""

from .cache import RecurrentCache
from .configuration_rnnhub import (
    ATTENTION_TYPES,
    CELL_TYPES,
    POOLING_TYPES,
    RnnHubCaptioningConfig,
    RnnHubConfig,
    RnnHubSeq2SeqConfig,
)
from .modeling_rnnhub import (
    RnnHubForCausalLM,
    RnnHubForImageCaptioning,
    RnnHubForSeq2SeqLM,
    RnnHubForSequenceClassification,
    RnnHubModel,
    RnnHubPreTrainedModel,
)
from .recurrent import GATE_NAMES, RecurrentLayer, RecurrentLayerOutput

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
