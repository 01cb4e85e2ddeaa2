"""Gradient flow through time: how much of the error signal at the end reaches each earlier step.

For a loss computed from the last state ``h_T``, backpropagation through time gives::

    dL/dh_t = (dh_{t+1}/dh_t)^T dL/dh_{t+1}        for a vanilla RNN  dh_{t+1}/dh_t = diag(tanh') W_hh

so the signal that reaches step ``t`` is multiplied by (roughly) the recurrent matrix ``T - t`` times: it shrinks
geometrically when the matrix's spectral radius is below 1 (vanishing) and grows when it is above 1 (exploding),
as long as tanh stays in its near-linear range. The LSTM's cell adds a path ``dc_{t+1}/dc_t = f_{t+1}`` (the
forget gate), which the network can hold near 1.

The fused kernels hide the per-step states, so this module runs the cell one step at a time with
:data:`~rnnhub.models.recurrent.CELL_STEPS` over the layer's own weights and keeps every ``h_t`` in the graph with
``retain_grad()``: ``h_t.grad`` is then the *total* derivative of the loss, through all later steps.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from rnnhub.lab.model import check_cell_type, set_keep_bias
from rnnhub.models.recurrent import CELL_STEPS, RecurrentLayer


def set_spectral_radius(layer: RecurrentLayer, radius: float) -> float:
    """Rescale a vanilla RNN's ``W_hh`` so that its largest |eigenvalue| is ``radius``; returns the old radius."""
    if layer.cell_type != "rnn":
        raise ValueError(
            f"set_spectral_radius needs an rnn layer (one recurrent matrix), got {layer.cell_type!r}."
        )
    if not radius > 0:
        raise ValueError(f"radius must be a positive number, got {radius!r}.")
    _, w_hh, _, _ = layer.weights(0, 0)
    with torch.no_grad():
        old = float(torch.linalg.eigvals(w_hh).abs().max())
        w_hh.mul_(radius / old)
    return old


def spectral_radius(matrix: torch.Tensor) -> float:
    return float(torch.linalg.eigvals(matrix.detach()).abs().max())


def make_layer(
    cell_type: str,
    hidden_size: int,
    input_size: int,
    radius: float | None = None,
    keep_bias: float | None = None,
    seed: int = 0,
) -> RecurrentLayer:
    """A freshly initialised one-layer cell, optionally with a rescaled recurrent matrix or gate bias."""
    check_cell_type(cell_type)
    torch.manual_seed(seed)
    layer = RecurrentLayer(cell_type, input_size, hidden_size)
    if radius is not None:
        set_spectral_radius(layer, radius)
        # No constant drive: with zero biases the state comes from the inputs alone, so small inputs keep tanh in
        # its near-linear range and the radius alone decides whether the signal shrinks or grows.
        with torch.no_grad():
            for bias in layer.weights(0, 0)[2:]:
                bias.zero_()
    if keep_bias is not None:
        set_keep_bias(layer, keep_bias)
    return layer


def state_gradients(
    layer: RecurrentLayer, inputs: torch.Tensor, targets: torch.Tensor, readout: torch.Tensor
):
    """Run ``layer`` step by step, put a cross-entropy loss on ``readout @ h_T``, return ``(loss, [dL/dh_t])``.

    Each entry is the total gradient (batch, hidden) of the loss with respect to the state after step ``t``.
    """
    step = CELL_STEPS[layer.cell_type]
    w_ih, w_hh, b_ih, b_hh = layer.weights(0, 0)
    x_proj = F.linear(inputs, w_ih, b_ih)
    state = tuple(s[0] for s in layer.initial_state(inputs.shape[0], dtype=inputs.dtype))
    hidden_states = []
    for t in range(inputs.shape[1]):
        state, _ = step(x_proj[:, t], state, w_hh, b_hh, layer.nonlinearity)
        state[0].retain_grad()  # keep dL/dh_t, which autograd would otherwise free
        hidden_states.append(state[0])
    loss = F.cross_entropy(hidden_states[-1] @ readout, targets)
    loss.backward()
    return loss, [h.grad for h in hidden_states]


def gradient_flow(
    cell_type: str,
    steps: int = 100,
    radius: float | None = None,
    seed: int = 0,
    hidden_size: int = 32,
    input_scale: float = 1.0,
    keep_bias: float | None = None,
    batch_size: int = 16,
) -> dict:
    """``||dL/dh_t||`` for t = 1..steps of a freshly initialised cell, with the loss on the last state.

    ``radius`` rescales a vanilla RNN's recurrent matrix to that spectral radius; ``input_scale`` multiplies the
    standard-normal inputs (small inputs keep tanh near-linear, so the radius alone decides the growth);
    ``keep_bias`` sets the LSTM forget / GRU update gate bias. Returns plain numbers: ``norms`` (one per step,
    first step first), ``recurrent_radius`` (a vanilla RNN's, after any rescaling), ``first_over_last`` (``norms[0] / norms[-1]``), ``decay_per_step`` (its geometric mean
    per step), ``saturation`` (mean ``|h_t|`` over the run, near 1 means tanh is saturated).
    """
    if not isinstance(steps, int) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2, got {steps!r}.")
    if radius is not None and cell_type != "rnn":
        raise ValueError(f"radius only applies to cell_type='rnn', got cell_type={cell_type!r}.")
    layer = make_layer(cell_type, hidden_size, hidden_size, radius=radius, keep_bias=keep_bias, seed=seed)
    # float64: at default init a vanilla RNN's signal falls below float32's smallest number within 100 steps.
    layer = layer.double()
    generator = torch.Generator().manual_seed(seed + 1)
    inputs = input_scale * torch.randn(
        batch_size, steps, hidden_size, generator=generator, dtype=torch.float64
    )
    readout = torch.randn(hidden_size, 4, generator=generator, dtype=torch.float64) / math.sqrt(hidden_size)
    targets = torch.randint(0, 4, (batch_size,), generator=generator)
    loss, grads = state_gradients(layer, inputs, targets, readout)
    norms = [float(g.norm()) for g in grads]
    with torch.no_grad():
        # The mean |h| says whether tanh worked near-linear (small) or saturated (near 1).
        states = layer(inputs, implementation="fused").outputs
    ratio = norms[0] / norms[-1] if norms[-1] > 0 else math.inf
    return {
        "cell_type": cell_type,
        "steps": steps,
        "radius": radius,
        "input_scale": input_scale,
        "keep_bias": keep_bias,
        "seed": seed,
        "hidden_size": hidden_size,
        "recurrent_radius": spectral_radius(layer.weights(0, 0)[1]) if cell_type == "rnn" else None,
        "loss": float(loss.detach()),
        "norms": norms,
        "first_over_last": ratio,
        "decay_per_step": ratio ** (1.0 / (steps - 1)) if 0 < ratio < math.inf else 0.0,
        "saturation": float(states.abs().mean()),
    }
