"""The recurrent layer: fused and transparent paths agree, padding never changes a result, state carries over."""

import pytest
import torch

from rnnhub.models.recurrent import GATE_NAMES, RecurrentLayer

CELLS = ["rnn", "gru", "lstm"]
INPUT, HIDDEN, LAYERS, BATCH, TIME = 6, 5, 2, 3, 7  # unequal sizes: a swapped dimension fails


def make_layer(cell, bidirectional, layers=LAYERS):
    return RecurrentLayer(cell, INPUT, HIDDEN, num_layers=layers, bidirectional=bidirectional).eval()


def ragged_mask():
    """Row 0 full, row 1 right-padded, row 2 left-padded."""
    mask = torch.ones(BATCH, TIME, dtype=torch.long)
    mask[1, 4:] = 0
    mask[2, :3] = 0
    return mask


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_output_and_state_shapes(cell, bidirectional):
    layer = make_layer(cell, bidirectional)
    out = layer(torch.randn(BATCH, TIME, INPUT))
    directions = 2 if bidirectional else 1
    assert out.outputs.shape == (BATCH, TIME, directions * HIDDEN)
    assert len(out.state) == (2 if cell == "lstm" else 1)
    for tensor in out.state:
        assert tensor.shape == (LAYERS * directions, BATCH, HIDDEN)
    assert out.gates is None


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_fused_equals_transparent_outputs_and_gradients(cell, bidirectional, masked):
    layer = make_layer(cell, bidirectional)
    x = torch.randn(BATCH, TIME, INPUT, requires_grad=True)
    mask = ragged_mask() if masked else None
    h0 = tuple(
        torch.randn(LAYERS * (2 if bidirectional else 1), BATCH, HIDDEN) for _ in layer.initial_state(1)
    )

    results = []
    for implementation in ("fused", "transparent"):
        out = layer(x, mask, state=h0, implementation=implementation)
        loss = (out.outputs**2).sum() + sum((s**3).sum() for s in out.state)
        grads = torch.autograd.grad(loss, [x, *layer.parameters()])
        results.append((out, grads))
    (fused, fused_grads), (transparent, transparent_grads) = results

    assert torch.allclose(fused.outputs, transparent.outputs, atol=1e-5, rtol=0)
    for a, b in zip(fused.state, transparent.state):
        assert torch.allclose(a, b, atol=1e-5, rtol=0)
    for a, b in zip(fused_grads, transparent_grads):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("implementation", ["fused", "transparent"])
def test_padded_batch_equals_each_example_alone(cell, bidirectional, implementation):
    layer = make_layer(cell, bidirectional)
    x = torch.randn(BATCH, TIME, INPUT)
    mask = ragged_mask()
    batched = layer(x, mask, implementation=implementation)
    for row in range(BATCH):
        keep = mask[row].bool()
        alone = layer(x[row : row + 1, keep], implementation=implementation)
        assert torch.allclose(batched.outputs[row, keep], alone.outputs[0], atol=1e-5)
        assert torch.all(batched.outputs[row, ~keep] == 0), "padding positions must output zeros"
        for a, b in zip(batched.state, alone.state):
            assert torch.allclose(a[:, row], b[:, 0], atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_padding_tokens_do_not_influence_results(cell):
    layer = make_layer(cell, bidirectional=True)
    x = torch.randn(BATCH, TIME, INPUT)
    mask = ragged_mask()
    noisy = x.clone()
    noisy[~mask.bool()] = 1000.0
    assert torch.allclose(layer(x, mask).outputs, layer(noisy, mask).outputs, atol=1e-6)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("implementation", ["fused", "transparent"])
def test_state_carry_whole_sequence_equals_two_halves(cell, implementation):
    layer = make_layer(cell, bidirectional=False)
    x = torch.randn(BATCH, TIME, INPUT)
    whole = layer(x, implementation=implementation)
    first = layer(x[:, :3], implementation=implementation)
    second = layer(x[:, 3:], state=first.state, implementation=implementation)
    assert torch.allclose(torch.cat([first.outputs, second.outputs], dim=1), whole.outputs, atol=1e-6)
    for a, b in zip(second.state, whole.state):
        assert torch.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("implementation", ["fused", "transparent"])
def test_all_padding_row_keeps_initial_state(implementation):
    layer = make_layer("lstm", bidirectional=False)
    x = torch.randn(2, TIME, INPUT)
    mask = torch.ones(2, TIME, dtype=torch.long)
    mask[1] = 0
    h0 = tuple(torch.randn(LAYERS, 2, HIDDEN) for _ in range(2))
    out = layer(x, mask, state=h0, implementation=implementation)
    assert torch.all(out.outputs[1] == 0)
    for initial, final in zip(h0, out.state):
        assert torch.equal(final[:, 1], initial[:, 1])


def test_lstm_gates_follow_the_equations():
    layer = make_layer("lstm", bidirectional=False, layers=1)
    out = layer(torch.randn(BATCH, TIME, INPUT), implementation="transparent", output_gates=True)
    g = {k: v[0] for k, v in out.gates.items()}  # layer 0: (batch, time, hidden)
    assert set(out.gates) == set(GATE_NAMES["lstm"])
    for name in ("input", "forget", "output"):
        assert torch.all((g[name] > 0) & (g[name] < 1)), f"{name} gate is a sigmoid"
    assert torch.allclose(g["hidden"], g["output"] * torch.tanh(g["cell"]), atol=1e-6)
    previous_cell = torch.cat([torch.zeros(BATCH, 1, HIDDEN), g["cell"][:, :-1]], dim=1)
    assert torch.allclose(g["cell"], g["forget"] * previous_cell + g["input"] * g["candidate"], atol=1e-6)
    assert torch.allclose(g["hidden"], out.outputs, atol=1e-6)


def test_gru_gates_follow_the_equations():
    layer = make_layer("gru", bidirectional=False, layers=1)
    out = layer(torch.randn(BATCH, TIME, INPUT), implementation="transparent", output_gates=True)
    g = {k: v[0] for k, v in out.gates.items()}
    assert set(out.gates) == set(GATE_NAMES["gru"])
    previous = torch.cat([torch.zeros(BATCH, 1, HIDDEN), g["hidden"][:, :-1]], dim=1)
    expected = (1 - g["update"]) * g["candidate"] + g["update"] * previous
    assert torch.allclose(g["hidden"], expected, atol=1e-6)


@pytest.mark.parametrize("cell", CELLS)
def test_gates_cover_every_layer_and_direction_and_zero_at_padding(cell):
    layer = make_layer(cell, bidirectional=True)
    mask = ragged_mask()
    out = layer(torch.randn(BATCH, TIME, INPUT), mask, implementation="transparent", output_gates=True)
    for tensor in out.gates.values():
        assert tensor.shape == (LAYERS * 2, BATCH, TIME, HIDDEN)
        assert torch.all(tensor[:, ~mask.bool()] == 0)


def test_weights_are_torch_parameters_of_the_fused_module():
    layer = make_layer("lstm", bidirectional=True)
    w_ih, w_hh, b_ih, b_hh = layer.weights(1, 1)
    assert w_ih is layer.rnn.weight_ih_l1_reverse
    assert w_hh is layer.rnn.weight_hh_l1_reverse
    assert b_ih is layer.rnn.bias_ih_l1_reverse and b_hh is layer.rnn.bias_hh_l1_reverse
    assert w_hh.shape == (4 * HIDDEN, HIDDEN) and w_ih.shape == (4 * HIDDEN, 2 * HIDDEN)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="choose one of rnn, gru, lstm"):
        RecurrentLayer("transformer", INPUT, HIDDEN)
    layer = make_layer("gru", bidirectional=False)
    x = torch.randn(1, 2, INPUT)
    with pytest.raises(ValueError, match="implementation"):
        layer(x, implementation="cuda-magic")
    with pytest.raises(ValueError, match="transparent"):
        layer(x, implementation="fused", output_gates=True)
    deep = make_layer("gru", bidirectional=False, layers=2)
    with pytest.raises(ValueError, match="several layers needs implementation='transparent'"):
        deep(x, implementation="fused", output_hidden_states=True)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_the_dispatcher_picks_transparent_only_to_show_what_fused_hides(cell):
    x = torch.randn(2, 5, INPUT)
    layer = make_layer(cell, bidirectional=True, layers=2)
    assert layer.choose_implementation(None) == "fused"
    assert layer.choose_implementation(None, output_gates=True) == "transparent"
    assert layer.choose_implementation(None, output_hidden_states=True) == "transparent"
    assert make_layer(cell, False, layers=1).choose_implementation(None, output_hidden_states=True) == "fused"
    fused = layer(x)
    shown = layer(x, output_gates=True, output_hidden_states=True)
    assert fused.gates is None and fused.layer_outputs is None
    assert set(shown.gates) == set(GATE_NAMES[cell])
    assert len(shown.layer_outputs) == 2 and shown.layer_outputs[-1] is shown.outputs
    assert shown.layer_outputs[0].shape == (2, 5, 2 * HIDDEN)
    torch.testing.assert_close(shown.outputs, fused.outputs, atol=1e-5, rtol=1e-4)


def test_one_lstm_step_without_gradients_runs_the_native_cell_and_agrees_with_the_module(monkeypatch):
    # Generation's path: oneDNN's LSTM cost ~8x the native cell for one step at batch 1 (bench/bench_recurrent_step.py).
    layer = make_layer("lstm", bidirectional=False)
    x = torch.randn(BATCH, 1, INPUT)
    state = tuple(torch.randn(LAYERS, BATCH, HIDDEN) for _ in range(2))
    expected_outputs, expected_state = layer.rnn(x, state)
    calls = []
    cell = torch.lstm_cell
    monkeypatch.setattr(torch, "lstm_cell", lambda *a: calls.append(1) or cell(*a))
    with torch.no_grad():
        step = layer(x, state=state)
    assert len(calls) == LAYERS
    torch.testing.assert_close(step.outputs, expected_outputs, atol=1e-6, rtol=1e-5)
    for got, want in zip(step.state, expected_state):
        torch.testing.assert_close(got, want, atol=1e-6, rtol=1e-5)


def test_the_native_step_is_only_for_one_unmasked_lstm_step_without_gradients(monkeypatch):
    calls = []
    cell = torch.lstm_cell
    monkeypatch.setattr(torch, "lstm_cell", lambda *a: calls.append(1) or cell(*a))
    x = torch.randn(BATCH, 1, INPUT)
    lstm = make_layer("lstm", bidirectional=False)
    # With gradients (training) the module runs, so a training run reproduces bit for bit.
    trained = lstm(x)
    assert torch.equal(trained.outputs, lstm.rnn(x)[0])
    with torch.no_grad():
        lstm(torch.randn(BATCH, 2, INPUT))  # two steps
        make_layer("lstm", bidirectional=True)(x)
        make_layer("gru", bidirectional=False)(x)
        lstm(x, attention_mask=torch.tensor([[1], [0], [1]]))  # a padded row
        dropping = RecurrentLayer("lstm", INPUT, HIDDEN, num_layers=2, dropout=0.5).train()
        dropping(x)  # dropout between layers in training: the module applies it
    assert calls == []
