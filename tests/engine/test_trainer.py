"""rnnhub.engine.trainer: checkpoints and resume, the best step, the main-process check and BudgetSchedule."""

from types import SimpleNamespace

import pytest

from rnnhub.engine.trainer import BudgetSchedule, best_step, is_main_process, resume_checkpoint


def _checkpoint(folder, step, complete=True):
    path = folder / f"checkpoint-{step}"
    path.mkdir(parents=True)
    if complete:
        (path / "trainer_state.json").write_text("{}")
    return path


def test_resume_picks_the_newest_complete_checkpoint_and_drops_half_written_ones(tmp_path):
    _checkpoint(tmp_path, 5)
    _checkpoint(tmp_path, 10)
    partial = _checkpoint(tmp_path, 15, complete=False)
    assert resume_checkpoint(tmp_path, resume=True) == str(tmp_path / "checkpoint-10")
    assert not partial.exists()


def test_resume_refuses_old_checkpoints_without_resume_and_resume_without_checkpoints(tmp_path):
    with pytest.raises(ValueError, match="Nothing to resume"):
        resume_checkpoint(tmp_path / "none", resume=True)
    assert resume_checkpoint(tmp_path / "none", resume=False) is None
    _checkpoint(tmp_path, 3)
    with pytest.raises(ValueError, match="checkpoint-3.*resume=True"):
        resume_checkpoint(tmp_path, resume=False)


def test_best_step_and_main_process(monkeypatch):
    assert best_step(SimpleNamespace(best_model_checkpoint="/x/checkpoints/checkpoint-42")) == 42
    assert best_step(SimpleNamespace(best_model_checkpoint=None)) is None
    monkeypatch.setenv("RANK", "1")
    assert not is_main_process()
    monkeypatch.setenv("RANK", "0")
    assert is_main_process()


def test_budget_schedule_warms_up_then_decays_by_steps_or_by_time_whichever_is_further():
    now = [0.0]
    schedule = BudgetSchedule(total_steps=100, budget_seconds=50.0, warmup_steps=10, clock=lambda: now[0])
    assert schedule(0) == pytest.approx(0.1)  # warm-up: (step + 1) / warmup_steps
    assert schedule(9) == pytest.approx(1.0)
    assert schedule(20) == pytest.approx(0.8)  # by steps: 20 % done, 0 s of 50 s used
    now[0] = 25.0
    assert schedule(30) == pytest.approx(0.5)  # by time: half the budget gone, further than 30 % of the steps
    now[0] = 60.0
    assert schedule(40) == 0.0  # the budget is spent: the rate has reached zero
    no_budget = BudgetSchedule(total_steps=4, budget_seconds=None)
    assert [no_budget(step) for step in range(5)] == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total_steps": 0, "budget_seconds": 1.0}, "total_steps"),
        ({"total_steps": 5, "budget_seconds": 0}, "budget"),
    ],
)
def test_budget_schedule_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BudgetSchedule(**kwargs)


@pytest.mark.parametrize(
    ("eval_strategy", "save_strategy", "evaluates", "saves"),
    [("steps", "steps", True, True), ("epoch", "epoch", False, False), ("no", "no", False, False)],
)
def test_time_budget_stops_and_evaluates_only_what_the_run_has(
    eval_strategy, save_strategy, evaluates, saves
):
    from transformers import TrainerControl

    from rnnhub.engine.trainer import time_budget_callback

    budget = time_budget_callback(minutes=0.0)
    args = SimpleNamespace(eval_strategy=eval_strategy, save_strategy=save_strategy)
    control = budget.on_step_end(args, SimpleNamespace(global_step=7), TrainerControl())
    assert control.should_training_stop and budget.stopped_at_step == 7
    assert (control.should_evaluate, control.should_save) == (evaluates, saves)
