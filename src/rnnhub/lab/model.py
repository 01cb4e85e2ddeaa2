"""The lab's small classifier (embedding -> recurrent layer -> linear on the last state) and its sizes.

Self-contained on purpose: the lab needs nothing but :class:`~rnnhub.models.recurrent.RecurrentLayer`, so it
stays fast and does not depend on the Hugging Face model classes.
"""

from __future__ import annotations

import torch
from torch import nn

from rnnhub.models.constants import CELL_TYPES
from rnnhub.models.recurrent import RecurrentLayer, RecurrentLayerOutput

# Weight blocks per cell: the LSTM stacks 4 (i, f, g, o), the GRU 3 (r, z, n), the vanilla RNN 1.
GATE_BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}


def check_cell_type(cell_type: str) -> None:
    if cell_type not in CELL_TYPES:
        raise ValueError(f"cell_type={cell_type!r} is not supported; choose one of {', '.join(CELL_TYPES)}.")


class LabClassifier(nn.Module):
    """Reads a sequence of token ids and classifies it from the final hidden state."""

    def __init__(
        self, cell_type: str, vocab_size: int, embedding_size: int, hidden_size: int, num_classes: int
    ):
        super().__init__()
        check_cell_type(cell_type)
        self.cell_type = cell_type
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        self.recurrent = RecurrentLayer(cell_type, embedding_size, hidden_size)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(
        self, input_ids: torch.Tensor, implementation: str = "fused", output_gates: bool = False
    ) -> tuple[torch.Tensor, RecurrentLayerOutput]:
        """``(logits (batch, classes), recurrent output)``; the logits read the state after the last token."""
        out = self.recurrent(
            self.embedding(input_ids), implementation=implementation, output_gates=output_gates
        )
        return self.head(out.outputs[:, -1]), out


def set_keep_bias(layer: RecurrentLayer, value: float) -> None:
    """Start the gate that keeps the old state at ``sigmoid(value)``: "keep" becomes the default.

    That gate is the LSTM's forget gate ``f`` (``c_t = f c_{t-1} + ...``) and the GRU's update gate ``z``
    (``h_t = z h_{t-1} + (1 - z) n``). torch adds two biases (``b_ih + b_hh``): the gate's block of ``b_ih`` gets
    ``value`` and that of ``b_hh`` 0. A common LSTM recipe uses 1 (Jozefowicz et al. 2015); the vanilla RNN has no
    such gate.
    """
    if layer.cell_type not in ("lstm", "gru"):
        raise ValueError(f"set_keep_bias needs an lstm or gru layer, got {layer.cell_type!r}.")
    hidden = layer.hidden_size
    _, _, b_ih, b_hh = layer.weights(0, 0)
    # Block 1 is the forget gate in the LSTM's (i, f, g, o) order and the update gate in the GRU's (r, z, n).
    with torch.no_grad():
        b_ih[hidden : 2 * hidden].fill_(value)
        b_hh[hidden : 2 * hidden].zero_()


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def classifier_parameters(
    cell_type: str, vocab_size: int, embedding_size: int, hidden_size: int, num_classes: int
) -> int:
    """The parameter count of a :class:`LabClassifier` without building it."""
    check_cell_type(cell_type)
    h, e = hidden_size, embedding_size
    recurrent = GATE_BLOCKS[cell_type] * (h * e + h * h + 2 * h)
    return vocab_size * e + recurrent + h * num_classes + num_classes


def matched_hidden_size(
    cell_type: str, budget: int, vocab_size: int, embedding_size: int, num_classes: int
) -> int:
    """The hidden size whose :class:`LabClassifier` parameter count is closest to ``budget``.

    Equal budgets, not equal widths: an LSTM of width H has four times the recurrent weights of a vanilla RNN of
    width H, so the vanilla RNN gets a wider state for the same number of parameters.
    """
    if budget < 1:
        raise ValueError(f"budget must be a positive integer, got {budget!r}.")

    def size(h: int) -> int:
        return classifier_parameters(cell_type, vocab_size, embedding_size, h, num_classes)

    hidden = 1
    while size(hidden + 1) <= budget:
        hidden += 1
    # The step just above the budget may be closer than the one below it.
    return hidden + 1 if abs(size(hidden + 1) - budget) < abs(size(hidden) - budget) else hidden
