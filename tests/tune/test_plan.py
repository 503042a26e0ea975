"""The plan of a LoRA run (steps, tokens, estimated time) and the rule for the default number of epochs.

Planning is tested on injected step times (deterministic); the training loop with the tiny random llama
checks that the plan comes before step 1, is recorded in the card and is what the run follows.
"""

from dataclasses import replace

import pytest

from ragtune.config import DEFAULT_CONFIG, TuneConfig, load_settings
from ragtune.tune import TrainPlan, train_lora
from ragtune.tune.plan import (EPOCHS_CEILING, EPOCHS_FLOOR, MIN_ACCURACY_GAIN, checkpoints_in, epoch_stop, evals_in,
                               plan_training, resumed_plan)


def _plan(cfg: TuneConfig, step_s: float = 2.0, eval_s: float = 0.0, rows: int = 100) -> TrainPlan:
    return plan_training(cfg, rows=rows, tokens_per_epoch=rows * 200, step_s=step_s, eval_s=eval_s,
                         has_val=eval_s > 0)


def test_explicit_epochs_are_planned_exactly():
    plan = _plan(TuneConfig(epochs=3, eval_every=0))
    assert (plan.steps, plan.epochs, plan.steps_per_epoch, plan.length) == (300, 3, 100, "epochs")
    assert plan.tokens == 60_000 and plan.estimated_s == pytest.approx(600.0)
    assert "300 steps" in plan.note and "10 min" in plan.note


def test_unset_epochs_plan_the_ceiling_and_batches_and_accumulation_shorten_an_epoch():
    plan = _plan(TuneConfig(eval_every=0, batch_rows=2, grad_accum=2))
    assert plan.steps_per_epoch == 25 and plan.steps == 25 * EPOCHS_CEILING and plan.length == "measured"


def test_max_minutes_fits_the_steps_to_the_measured_step_time():
    cfg = TuneConfig(epochs=10, eval_every=0, max_minutes=1.0)
    assert _plan(cfg, step_s=2.0).steps == 30  # 60 s / 2 s
    assert _plan(cfg, step_s=0.5).steps == 120
    assert _plan(cfg, step_s=0.01).length == "epochs"  # 1,000 steps take 10 s: the budget does not bind
    slow = _plan(cfg, step_s=600.0)
    assert slow.steps == 1 and slow.length == "max_minutes"  # never fewer than one step
    fitted = _plan(cfg, step_s=2.0)
    assert fitted.length == "max_minutes" and fitted.epochs == 1 and fitted.estimated_s <= 60
    assert "max_minutes" in fitted.note


def test_max_minutes_counts_the_validation_passes():
    cfg = TuneConfig(epochs=10, eval_every=10, max_minutes=1.0)
    plan = _plan(cfg, step_s=2.0, eval_s=5.0)
    # 22 steps + 3 validations (after steps 10, 20 and the last) = 59 s; 23 steps would be 61 s
    assert (plan.steps, plan.evals) == (22, 3) and plan.estimated_s == pytest.approx(59.0)
    assert evals_in(0, 22, 10) == 3 and evals_in(0, 20, 10) == 2 and evals_in(20, 22, 10) == 1


def test_checkpoints_are_counted_and_a_resumed_plan_keeps_its_steps():
    cfg = TuneConfig(epochs=1, eval_every=0, checkpoint_every=20)
    plan = plan_training(cfg, rows=100, tokens_per_epoch=1000, step_s=1.0, eval_s=0.0, has_val=False,
                         checkpoint_s=0.5)
    assert plan.checkpoints == 4 and plan.estimated_s == pytest.approx(102.0)  # after 20, 40, 60, 80; not 100
    assert checkpoints_in(0, 100, 20, 100) == 4 and checkpoints_in(40, 100, 20, 100) == 2
    later = resumed_plan(plan, 40, step_s=2.0, eval_s=0.0, checkpoint_s=0.5, cfg=replace(cfg, max_minutes=0.1))
    assert (later.steps, later.start_step, later.checkpoints) == (100, 40, 2) and later.estimated_s == pytest.approx(121)


def test_max_steps_and_max_minutes_only_shorten():
    assert _plan(TuneConfig(epochs=2, max_steps=50, eval_every=0)).steps == 50
    assert _plan(TuneConfig(epochs=2, max_steps=500, eval_every=0)).steps == 200
    both = _plan(TuneConfig(epochs=2, max_steps=50, max_minutes=1.0, eval_every=0), step_s=2.0)
    assert both.steps == 30 and both.length == "max_minutes"


def test_epoch_rule_waits_for_the_floor_then_stops_when_an_epoch_adds_too_little():
    flat = [0.5] * 10
    assert [epoch_stop(flat[:n]) for n in range(1, EPOCHS_FLOOR)] == [None] * (EPOCHS_FLOOR - 1)
    assert "epoch 3" in epoch_stop(flat[:EPOCHS_FLOOR])
    rising = [0.30, 0.45, 0.60, 0.70, 0.80]
    assert all(epoch_stop(rising[:n]) is None for n in range(1, 6))
    gain = MIN_ACCURACY_GAIN / 2
    assert epoch_stop([0.3, 0.5, 0.6, 0.6 + gain]) is not None
    assert epoch_stop([0.3, 0.5, 0.6, 0.6 + 2 * MIN_ACCURACY_GAIN]) is None
    assert epoch_stop([0.3, 0.5, 0.7, 0.65]) is not None  # a worse epoch stops too


def test_epoch_rule_lets_the_measured_knowledge_injection_run_train_all_its_epochs():
    # Training-answer accuracy per epoch of the 30-invented-facts run (plan.py docstring), which needed 10 epochs.
    measured = [0.5166, 0.6188, 0.7842, 0.8703, 0.9288, 0.9644, 0.9736, 0.9874, 0.9966, 0.9977]
    assert [epoch_stop(measured[:n]) for n in range(1, EPOCHS_CEILING)] == [None] * (EPOCHS_CEILING - 1)


def test_settings_keep_explicit_epochs_and_read_max_minutes(tmp_path):
    (tmp_path / "ragtune.toml").write_text("[tune]\nepochs = 10\nmax_minutes = 20\n")
    tune = load_settings(tmp_path).tune
    assert tune.epochs == 10 and tune.max_minutes == 20  # a project written before: its epochs stay exact
    (tmp_path / "ragtune.toml").write_text(DEFAULT_CONFIG)
    assert load_settings(tmp_path).tune.epochs is None  # the template leaves it to measurement
    assert TuneConfig().epochs is None and TuneConfig().max_minutes is None  # unset: by measurement
    with pytest.raises(ValueError, match="max_minutes"):
        TuneConfig(max_minutes=0)
    with pytest.raises(ValueError, match="epochs"):
        TuneConfig(epochs=0)


def test_plan_comes_before_step_1_and_the_card_records_estimate_and_actual(tiny_model_dir, examples, tiny_cfg,
                                                                            tmp_path):
    import json

    events = []
    result = train_lora(tiny_model_dir, examples, examples, tmp_path, tiny_cfg, progress=events.append,
                        on_plan=events.append)
    plan = events[0]
    assert isinstance(plan, TrainPlan) and [e.step for e in events[1:]] == list(range(1, 13))
    assert plan.steps == result.steps == 12 and plan.length == "epochs" and plan.step_s > 0 and plan.eval_s > 0
    assert plan.evals == 3 and plan.estimated_s > 0 and result.plan == plan
    card = json.loads(result.card_path.read_text())
    assert card["plan"]["steps"] == 12 and card["plan"]["estimated_s"] > 0
    assert card["time"]["actual_s"] > 0 and card["time"]["estimated_s_run"] == card["time"]["estimated_s"]
    # The card rounds seconds to 0.01 (each off by up to 0.005): on the tiny model's sub-second estimate that alone
    # moves actual / estimated by up to 0.005 (1 + ratio) / (estimated - 0.005).
    actual, estimated = card["time"]["actual_s"], card["time"]["estimated_s"]
    assert card["time"]["error"] == pytest.approx(actual / estimated - 1,
                                                  abs=0.001 + 0.005 * (1 + actual / estimated) / (estimated - 0.005))
    assert [e["epoch"] for e in card["epochs"]] == [1, 2, 3, 4] and card["stop_reason"].startswith("the planned")
    assert all(0 <= e["accuracy"] <= 1 and 0 <= e["exact"] <= 1 for e in card["epochs"])


def test_max_minutes_plans_the_run_to_fit(tiny_model_dir, examples, tiny_cfg, tmp_path):
    plans = []
    result = train_lora(tiny_model_dir, examples, None, tmp_path, replace(tiny_cfg, max_minutes=1e-6),
                        on_plan=plans.append)
    assert plans[0].length == "max_minutes" and plans[0].steps == result.steps == 1


def test_unset_epochs_stop_when_accuracy_stops_rising_and_explicit_epochs_run_in_full(tiny_model_dir, examples,
                                                                                      tiny_cfg, tmp_path):
    # A learning rate too small to change a prediction: every epoch has the same accuracy.
    still = replace(tiny_cfg, learning_rate=1e-12, eval_every=0, checkpoint_every=0)
    auto = train_lora(tiny_model_dir, examples, None, tmp_path / "auto", replace(still, epochs=None))
    assert auto.plan.length == "measured" and auto.plan.steps == EPOCHS_CEILING * auto.plan.steps_per_epoch
    assert len(auto.epoch_accuracy) == EPOCHS_FLOOR and auto.steps == EPOCHS_FLOOR * auto.plan.steps_per_epoch
    assert "epoch 3" in auto.stop_reason
    fixed = train_lora(tiny_model_dir, examples, None, tmp_path / "fixed", replace(still, epochs=5))
    assert len(fixed.epoch_accuracy) == 5 and fixed.steps == fixed.plan.steps == 5 * fixed.plan.steps_per_epoch
    assert fixed.stop_reason.startswith("the planned")
