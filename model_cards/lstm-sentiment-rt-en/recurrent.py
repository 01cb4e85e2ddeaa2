r"""The recurrent layer: one set of weights, two ways to run it.

* **fused** — torch's ``nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` kernels (oneDNN on CPU, cuDNN on GPU), with packed
  sequences so padding never changes a result. This is the path for training and inference. One exception: a
  single LSTM step on the CPU without gradients (what generation runs, token by token) goes through torch's native
  LSTM cell (``torch.lstm_cell``), because oneDNN's LSTM pays a fixed cost per call that dwarfs one step (batch 1,
  hidden 512: 2.9 ms against 0.37 ms on an AVX2 CPU; ``bench/bench_recurrent_step.py``). Same weights, same
  equations; the outputs agree to float rounding (~1e-7).
* **transparent** — the same equations written out one time step at a time in plain tensor code, returning every gate
  activation when asked. This is the path for teaching, plots and gradient experiments. It gives the same outputs and
  gradients as the fused path (up to float rounding).

Both read the parameters of the torch module (``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
``bias_hh_l{k}``, with ``_reverse`` for the backward direction), so a checkpoint moves freely between them.

The equations, in torch's gate order (``x_t`` input, ``h_{t-1}`` previous state, ``\odot`` elementwise product):

Vanilla (Elman) RNN::

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

GRU (gates r, z, n stacked in that order in ``W_ih`` / ``W_hh``)::

    r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)        reset gate: how much past to use in the candidate
    z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)        update gate: how much of the old state to keep
    n_t = tanh(W_in x_t + b_in + r_t \odot (W_hn h_{t-1} + b_hn))   candidate state
    h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}

LSTM (gates i, f, g, o stacked in that order)::

    i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)        input gate: how much of the candidate to write
    f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)        forget gate: how much of the cell to keep
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)           candidate cell content
    o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)        output gate: how much of the cell to show
    c_t = f_t \odot c_{t-1} + i_t \odot g_t                     the cell state: an additive path through time
    h_t = o_t \odot tanh(c_t)

The LSTM's additive cell update is why it remembers: the gradient from ``c_t`` to ``c_{t-1}`` is ``f_t``, a gate the
network learns to hold near 1, instead of a product with the same recurrent matrix at every step as in the vanilla RNN.

Batch layout (``batch_first``)::

    inputs   (batch, time, input_size)      attention_mask (batch, time), 1 = real token, 0 = padding
    outputs  (batch, time, directions * hidden_size), zeros at padding
    state    tuple of (layers * directions, batch, hidden_size): (h,) for rnn/gru, (h, c) for lstm
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

State = tuple[torch.Tensor, ...]

GATE_NAMES = {
    "rnn": ("hidden",),
    "gru": ("reset", "update", "candidate", "hidden"),
    "lstm": ("input", "forget", "candidate", "output", "cell", "hidden"),
}
IMPLEMENTATIONS = ("fused", "transparent")
_TORCH_MODULES = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


@dataclass
class RecurrentLayerOutput:
    """What a recurrent layer returns.

    outputs: (batch, time, directions * hidden) top-layer states, zeros at padding.
    state: final state per layer and direction, ``(h,)`` or ``(h, c)``, each (layers * directions, batch, hidden).
        For a padded sequence this is the state after its last real token.
    gates: only from the transparent path with ``output_gates=True``: gate name -> (layers * directions, batch,
        time, hidden), zeros at padding. Names are in ``GATE_NAMES[cell_type]``.
    layer_outputs: only with ``output_hidden_states=True``: each layer's outputs, bottom to top, each
        (batch, time, directions * hidden); the last one is ``outputs``.
    """

    outputs: torch.Tensor
    state: State
    gates: dict[str, torch.Tensor] | None = None
    layer_outputs: tuple[torch.Tensor, ...] | None = None


# ----------------------------------------------------------------------------------------------------------------
# One time step of each cell. ``x_proj`` is ``W_ih x_t + b_ih`` (computed for all steps at once, since it does not
# depend on the state); ``w_hh`` and ``b_hh`` are the recurrent weights. Each returns the new state and the gates.


def rnn_step(x_proj, state: State, w_hh, b_hh, nonlinearity: str = "tanh"):
    (h,) = state
    pre = x_proj + F.linear(h, w_hh, b_hh)
    h_new = torch.tanh(pre) if nonlinearity == "tanh" else torch.relu(pre)
    return (h_new,), {"hidden": h_new}


def gru_step(x_proj, state: State, w_hh, b_hh, nonlinearity: str = "tanh"):
    (h,) = state
    x_r, x_z, x_n = x_proj.chunk(3, dim=-1)
    h_r, h_z, h_n = F.linear(h, w_hh, b_hh).chunk(3, dim=-1)
    r = torch.sigmoid(x_r + h_r)
    z = torch.sigmoid(x_z + h_z)
    n = torch.tanh(x_n + r * h_n)
    h_new = (1 - z) * n + z * h
    return (h_new,), {"reset": r, "update": z, "candidate": n, "hidden": h_new}


def lstm_step(x_proj, state: State, w_hh, b_hh, nonlinearity: str = "tanh"):
    h, c = state
    i, f, g, o = (x_proj + F.linear(h, w_hh, b_hh)).chunk(4, dim=-1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g
    h_new = o * torch.tanh(c_new)
    return (h_new, c_new), {
        "input": i,
        "forget": f,
        "candidate": g,
        "output": o,
        "cell": c_new,
        "hidden": h_new,
    }


CELL_STEPS = {"rnn": rnn_step, "gru": gru_step, "lstm": lstm_step}


# ----------------------------------------------------------------------------------------------------------------
# Padding: the fused kernels need each sequence's real tokens first (right padding). Any other layout (left padding
# for batched generation, holes) is compacted to the front, run, and scattered back.


def _is_right_padded(mask: torch.Tensor, lengths: torch.Tensor) -> bool:
    positions = torch.arange(mask.shape[1], device=mask.device)
    return bool(torch.equal(mask, positions[None, :] < lengths[:, None]))


def _compaction_index(mask: torch.Tensor) -> torch.Tensor:
    """Per row, the time indices of real tokens first (in order), then padding: a stable sort on ``~mask``."""
    return torch.sort((~mask).to(torch.int8), dim=1, stable=True).indices


class RecurrentLayer(nn.Module):
    """A stack of recurrent layers with a fused and a transparent implementation over the same parameters."""

    def __init__(
        self,
        cell_type: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        nonlinearity: str = "tanh",
    ):
        super().__init__()
        if cell_type not in _TORCH_MODULES:
            raise ValueError(
                f"cell_type={cell_type!r} is not supported; choose one of {', '.join(_TORCH_MODULES)}."
            )
        self.cell_type = cell_type
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.num_directions = 2 if bidirectional else 1
        self.dropout = dropout
        self.nonlinearity = nonlinearity
        extra = {"nonlinearity": nonlinearity} if cell_type == "rnn" else {}
        # Between-layer dropout only exists with 2+ layers (torch warns otherwise).
        self.rnn = _TORCH_MODULES[cell_type](
            input_size,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
            **extra,
        )

    @property
    def num_state_tensors(self) -> int:
        return 2 if self.cell_type == "lstm" else 1

    def weights(
        self, layer: int, direction: int
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(W_ih, W_hh, b_ih, b_hh)`` of one layer and direction (0 forward, 1 backward), torch's layout."""
        suffix = f"l{layer}" + ("_reverse" if direction == 1 else "")
        return tuple(
            getattr(self.rnn, f"{kind}_{suffix}") for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        )

    def initial_state(self, batch_size: int, device=None, dtype=None) -> State:
        shape = (self.num_layers * self.num_directions, batch_size, self.hidden_size)
        return tuple(torch.zeros(shape, device=device, dtype=dtype) for _ in range(self.num_state_tensors))

    def choose_implementation(
        self, implementation: str | None, output_gates: bool = False, output_hidden_states: bool = False
    ) -> str:
        """The one place that picks the path: ``implementation`` if given, else fused unless the gates or the
        states between layers are asked for, which only the transparent path exposes.

        Raises:
            ValueError: an unknown ``implementation``, or fused with gates / with several layers' states.
        """
        sees_inside = output_gates or (output_hidden_states and self.num_layers > 1)
        if implementation is None:
            return "transparent" if sees_inside else "fused"
        if implementation not in IMPLEMENTATIONS:
            raise ValueError(
                f"implementation={implementation!r}; choose one of {', '.join(IMPLEMENTATIONS)}."
            )
        if output_gates and implementation != "transparent":
            raise ValueError(
                "output_gates=True needs implementation='transparent' (the fused kernels hide gates)."
            )
        if sees_inside and implementation != "transparent":
            raise ValueError(
                "output_hidden_states=True with several layers needs implementation='transparent' (the fused "
                "kernels hide the states between layers)."
            )
        return implementation

    def forward(
        self,
        inputs: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        state: State | None = None,
        implementation: str | None = None,
        output_gates: bool = False,
        output_hidden_states: bool = False,
    ) -> RecurrentLayerOutput:
        """Run the stack over ``inputs`` (see the module docstring for shapes); ``implementation`` None lets
        :meth:`choose_implementation` pick."""
        implementation = self.choose_implementation(implementation, output_gates, output_hidden_states)
        batch_size = inputs.shape[0]
        if state is None:
            state = self.initial_state(batch_size, inputs.device, inputs.dtype)
        mask = None if attention_mask is None else attention_mask.to(torch.bool)
        if mask is not None and bool(mask.all()):
            mask = None  # nothing to skip: take the plain path
        if implementation == "transparent":
            return self._forward_transparent(inputs, mask, state, output_gates, output_hidden_states)
        run = self._forward_fused(inputs, mask, state)
        if output_hidden_states:  # one layer (choose_implementation): its outputs are the top ones
            run.layer_outputs = (run.outputs,)
        return run

    # -- fused ------------------------------------------------------------------------------------------------------
    def _native_step_applies(self, inputs: torch.Tensor, mask) -> bool:
        """Whether :meth:`_lstm_step` runs instead of the module: one unmasked LSTM step, one direction, on the
        CPU, without gradients or autocast (training keeps torch's module, so it reproduces bit for bit), and no
        dropout between layers to apply."""
        return (
            self.cell_type == "lstm"
            and inputs.shape[1] == 1
            and mask is None
            and self.num_directions == 1
            and inputs.device.type == "cpu"
            and not torch.is_grad_enabled()
            and not torch.is_autocast_enabled("cpu")
            and not (self.training and self.dropout > 0 and self.num_layers > 1)
        )

    def _lstm_step(self, inputs: torch.Tensor, state: State) -> RecurrentLayerOutput:
        """One time step through every layer with torch's native LSTM cell (the equations above)."""
        h, c = state
        layer_input = inputs[:, 0]
        hidden, cell = [], []
        for layer in range(self.num_layers):
            h_t, c_t = torch.lstm_cell(layer_input, (h[layer], c[layer]), *self.weights(layer, 0))
            hidden.append(h_t)
            cell.append(c_t)
            layer_input = h_t
        return RecurrentLayerOutput(layer_input[:, None], (torch.stack(hidden), torch.stack(cell)))

    def _run_module(self, inputs, state: State):
        module_state = state if self.cell_type == "lstm" else state[0]
        outputs, final = self.rnn(inputs, module_state)
        return outputs, (final if self.cell_type == "lstm" else (final,))

    def _forward_fused(self, inputs, mask, state: State) -> RecurrentLayerOutput:
        if self._native_step_applies(inputs, mask):
            return self._lstm_step(inputs, state)
        if mask is None:
            outputs, final = self._run_module(inputs, state)
            return RecurrentLayerOutput(outputs, tuple(final))

        total_length = inputs.shape[1]
        lengths = mask.sum(dim=1)
        index = None
        if not _is_right_padded(mask, lengths):
            index = _compaction_index(mask)
            inputs = inputs.gather(1, index[..., None].expand_as(inputs))
        # pack_padded_sequence refuses empty sequences; run them for one (ignored) step and restore them below.
        packed = pack_padded_sequence(
            inputs, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False
        )
        packed_outputs, final = self._run_module(packed, state)
        outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=total_length)
        empty = lengths == 0
        if bool(empty.any()):
            outputs = outputs.masked_fill(empty[:, None, None], 0.0)
            final = tuple(torch.where(empty[None, :, None], s0, s) for s0, s in zip(state, final))
        if index is not None:
            outputs = torch.zeros_like(outputs).scatter(1, index[..., None].expand_as(outputs), outputs)
        return RecurrentLayerOutput(outputs, tuple(final))

    # -- transparent ------------------------------------------------------------------------------------------------
    def _forward_transparent(
        self, inputs, mask, state: State, output_gates: bool, output_hidden_states: bool = False
    ) -> RecurrentLayerOutput:
        step = CELL_STEPS[self.cell_type]
        time = inputs.shape[1]
        layer_input = inputs
        layer_outputs: list[torch.Tensor] = []
        finals: list[State] = []
        all_gates: list[dict[str, torch.Tensor]] = []
        for layer in range(self.num_layers):
            if layer > 0 and self.dropout > 0 and self.training:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
            direction_outputs = []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                w_ih, w_hh, b_ih, b_hh = self.weights(layer, direction)
                x_proj = F.linear(layer_input, w_ih, b_ih)  # (batch, time, gates * hidden), all steps at once
                current = tuple(s[index] for s in state)
                steps_out: list[torch.Tensor] = [None] * time
                steps_gates: list[dict[str, torch.Tensor]] = [None] * time
                order = range(time - 1, -1, -1) if direction == 1 else range(time)
                for t in order:
                    new, gates = step(x_proj[:, t], current, w_hh, b_hh, self.nonlinearity)
                    if mask is not None:
                        # A padding step leaves the state as it was and outputs zeros, exactly like packing.
                        keep = mask[:, t, None]
                        new = tuple(torch.where(keep, n, c) for n, c in zip(new, current))
                        gates = {k: g * keep for k, g in gates.items()}
                        steps_out[t] = new[0] * keep
                    else:
                        steps_out[t] = new[0]
                    current = new
                    steps_gates[t] = gates
                direction_outputs.append(torch.stack(steps_out, dim=1))
                finals.append(current)
                if output_gates:
                    all_gates.append(
                        {k: torch.stack([g[k] for g in steps_gates], dim=1) for k in steps_gates[0]}
                    )
            layer_input = (
                torch.cat(direction_outputs, dim=-1) if self.num_directions == 2 else direction_outputs[0]
            )
            layer_outputs.append(layer_input)
        final_state = tuple(torch.stack([f[k] for f in finals]) for k in range(self.num_state_tensors))
        gates = None
        if output_gates:
            gates = {k: torch.stack([g[k] for g in all_gates]) for k in GATE_NAMES[self.cell_type]}
        return RecurrentLayerOutput(
            layer_input, final_state, gates, tuple(layer_outputs) if output_hidden_states else None
        )
