"""The memory lab measures what it claims: vanishing / exploding gradients, clipping, memory, gates.

Tiny versions of each experiment (seconds), checking the measured numbers, not just that files appear.
"""

from __future__ import annotations

import argparse
import json
import math

import pytest
import torch

from rnnhub.lab import (
    QUICK,
    FirstWordTask,
    MemoryConfig,
    clipping_experiment,
    gate_trace,
    gradient_flow,
    plot_clipping,
    plot_gates,
    plot_gradient_flow,
    plot_memory,
    run_memory,
    set_spectral_radius,
    train_first_word,
)
from rnnhub.lab.cli import add_cli
from rnnhub.lab.experiments import memory_table
from rnnhub.lab.gradients import make_layer, spectral_radius, state_gradients
from rnnhub.lab.memory import build_model
from rnnhub.lab.model import count_parameters, set_keep_bias
from rnnhub.models.recurrent import RecurrentLayer

# ---------------------------------------------------------------------------------------------------- gradients


def test_spectral_radius_is_set_exactly():
    layer = RecurrentLayer("rnn", 4, 16)
    set_spectral_radius(layer, 1.1)
    assert spectral_radius(layer.weights(0, 0)[1]) == pytest.approx(1.1, rel=1e-5)


def test_vanishing_at_radius_0_9_and_exploding_at_1_1():
    # Small inputs and no biases keep tanh near-linear, so the signal scales like radius ** (T - t).
    vanishing = gradient_flow("rnn", 80, radius=0.9, input_scale=1e-3)
    exploding = gradient_flow("rnn", 80, radius=1.1, input_scale=1e-3)
    assert vanishing["first_over_last"] < 1e-2
    assert exploding["first_over_last"] > 1e2
    assert vanishing["decay_per_step"] < 1 < exploding["decay_per_step"]
    assert exploding["saturation"] < 0.3  # still mostly in tanh's linear range


def test_tanh_saturation_turns_the_explosion_into_vanishing():
    # The honest caveat shown in the docs: with inputs of scale 1, tanh saturates and radius 1.1 vanishes too.
    saturated = gradient_flow("rnn", 80, radius=1.1, input_scale=1.0)
    assert saturated["saturation"] > 0.4
    assert saturated["first_over_last"] < 1e-3


def test_gated_cells_carry_the_gradient_much_further_at_init():
    steps = 60
    rnn = gradient_flow("rnn", steps)["first_over_last"]
    lstm_bias1 = gradient_flow("lstm", steps, keep_bias=1.0)["first_over_last"]
    lstm = gradient_flow("lstm", steps, keep_bias=3.0)["first_over_last"]
    gru = gradient_flow("gru", steps, keep_bias=3.0)["first_over_last"]
    assert rnn < 1e-10  # torch's default init: radius ~0.55, times tanh' < 1, per step
    assert rnn * 1e4 < lstm_bias1 < lstm  # forget gate ~0.73 per step, vs ~0.95 with bias 3
    assert lstm > 1e-3 and gru > 1e-3


def test_step_loop_gradient_is_the_total_derivative():
    # dL/dh_t from the step loop must equal autograd's gradient of the same loss w.r.t. the *initial* state pushed
    # one step further: check it at t = 0 against the fused kernel with a leaf initial state.
    layer = make_layer("gru", 8, 8, seed=0).double()
    inputs = torch.randn(3, 12, 8, dtype=torch.float64)
    readout = torch.randn(8, 4, dtype=torch.float64)
    targets = torch.tensor([0, 1, 2])
    _, grads = state_gradients(layer, inputs, targets, readout)
    h1 = layer(inputs[:, :1], implementation="fused").outputs[:, 0].detach().requires_grad_(True)
    final = layer(inputs[:, 1:], state=(h1[None],), implementation="fused").outputs[:, -1]
    torch.nn.functional.cross_entropy(final @ readout, targets).backward()
    torch.testing.assert_close(grads[0], h1.grad)


def test_clipping_tames_the_exploding_case():
    result = clipping_experiment(steps=60)
    assert max(result["unclipped"]["grad_norms"]) > 10 * result["settings"]["clip_norm"]
    assert result["final_loss"]["unclipped"] > math.log(4) - 0.05  # stuck at chance
    assert result["final_loss"]["clipped"] < result["final_loss"]["unclipped"] - 0.3


def test_gradient_flow_rejects_bad_arguments():
    with pytest.raises(ValueError, match="rnn"):
        gradient_flow("lstm", 10, radius=0.9)
    with pytest.raises(ValueError, match="lstm"):
        gradient_flow("transformer", 10)
    with pytest.raises(ValueError, match="steps"):
        gradient_flow("rnn", 1)


# ------------------------------------------------------------------------------------------------------- memory


def test_task_puts_the_label_first_and_only_distractors_after():
    task = FirstWordTask(7, num_classes=3, num_distractor_tokens=5)
    ids, labels = task.sample(64, torch.Generator().manual_seed(0))
    assert ids.shape == (64, 8)
    assert torch.equal(ids[:, 0], labels)
    assert bool((ids[:, 1:] >= 3).all()) and bool((ids[:, 1:] < 8).all())
    assert task.chance == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="num_classes"):
        FirstWordTask(5, num_classes=1)


def test_variants_share_one_parameter_budget():
    models = {v: build_model(v, MemoryConfig(), 0) for v in ("rnn", "gru", "lstm")}
    counts = {v: count_parameters(m) for v, m in models.items()}
    hidden = {v: m.recurrent.hidden_size for v, m in models.items()}
    assert max(counts.values()) / min(counts.values()) < 1.02
    assert hidden["rnn"] > hidden["gru"] > hidden["lstm"]


def test_keep_bias_sets_the_forget_gate():
    layer = RecurrentLayer("lstm", 3, 5)
    set_keep_bias(layer, 3.0)
    _, _, b_ih, b_hh = layer.weights(0, 0)
    assert torch.equal((b_ih + b_hh)[5:10], torch.full((5,), 3.0))
    with pytest.raises(ValueError, match="lstm or gru"):
        set_keep_bias(RecurrentLayer("rnn", 3, 5), 1.0)


def test_lstm_learns_a_short_gap_within_seconds():
    _, numbers = train_first_word("lstm", 5, seed=0, config=QUICK)
    assert numbers["accuracy"] > 0.8 > 3 * numbers["chance"] - 0.05


def test_memory_run_is_deterministic_given_the_seed():
    config = MemoryConfig(steps=30, budget_lstm_hidden=8, eval_size=64)
    first = run_memory(("rnn", "lstm"), (4,), (0, 1), config)
    second = run_memory(("rnn", "lstm"), (4,), (0, 1), config)

    def numbers(results):
        return [{k: v for k, v in run.items() if k != "seconds"} for run in results["runs"]]

    assert numbers(first) == numbers(second)
    assert [r["seed"] for r in first["runs"]] == [0, 1, 0, 1]
    table = memory_table(first["summary"])
    assert table.count("\n") == 4 and "N=4" in table
    with pytest.raises(ValueError, match="lstm-bias1"):
        run_memory(("transformer",), (4,), (0,), config)


# -------------------------------------------------------------------------------------------------------- gates


def test_gate_trace_shows_a_kept_memory():
    trace = gate_trace(distractors=10, config=QUICK)
    assert trace["accuracy"] > 0.8
    assert trace["predictions"] == trace["labels"]  # one sequence per class, same distractors
    cell = torch.tensor(trace["gates"]["cell"])  # (class, time, unit)
    forget = torch.tensor(trace["gates"]["forget"])
    assert cell.shape == (4, 11, 6)
    # The strongest memory unit ends in a different place for each first word, though the rest is identical...
    assert float(cell[:, -1, 0].std()) > 0.5
    # ...because its forget gate keeps the cell through the distractors.
    assert float(forget[:, 1:, 0].mean()) > 0.8


# ---------------------------------------------------------------------------------------------- plots and CLI


def test_plots_return_figures():
    flow = [gradient_flow("rnn", 10), gradient_flow("lstm", 10, keep_bias=3.0)]
    memory = run_memory(("rnn",), (3,), (0,), MemoryConfig(steps=2, budget_lstm_hidden=4, eval_size=8))
    clipping = clipping_experiment(steps=3)
    trace = gate_trace(distractors=3, config=MemoryConfig(steps=2, budget_lstm_hidden=4, eval_size=8))
    for figure in (plot_gradient_flow(flow), plot_memory(memory), plot_clipping(clipping), plot_gates(trace)):
        assert figure.axes


def _parse(argv):
    parser = argparse.ArgumentParser(prog="rnnhub")
    add_cli(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def test_cli_gradients_quick_writes_measured_numbers(tmp_path):
    args = _parse(["lab", "gradients", "--quick", "--out", str(tmp_path)])
    assert args.func(args) == 0
    results = json.loads((tmp_path / "gradients.json").read_text())
    vanishing, exploding, saturated = results["radius"]
    assert vanishing["first_over_last"] < 1e-2 < 1e2 < exploding["first_over_last"]
    for name in ("gradient_flow.png", "gradient_radius.png", "clipping.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_cli_parses_memory_options():
    args = _parse(["lab", "memory", "--seeds", "0,1", "--distractors", "10,50", "--jobs", "2"])
    assert (args.seeds, args.distractors, args.jobs, args.out) == ([0, 1], [10, 50], 2, "outputs/lab")
    with pytest.raises(SystemExit):
        _parse(["lab", "memory", "--seeds", "a"])
