import json
import os
import subprocess
import sys
import textwrap

from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file

from ragtune.models.hf_generator import TransformersGenerator
from ragtune.tune import TrainingResult, TuneError, train_lora

# Trains in a child process that SIGKILLs itself right after step 6 (checkpoints every 4 steps):
# a hard crash with no cleanup, between checkpoints.
CRASH_SCRIPT = textwrap.dedent(
    """
    import json, os, signal, sys
    from ragtune.tune import TuneConfig, train_lora

    model, out, cfg, examples = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
    cfg["target_modules"] = tuple(cfg["target_modules"])

    def die_at_step_6(p):
        if p.step == 6:
            os.kill(os.getpid(), signal.SIGKILL)

    train_lora(model, examples, examples, out, TuneConfig(**cfg), progress=die_at_step_6)
    """
)


def _adapter_weights(result: TrainingResult) -> dict[str, torch.Tensor]:
    return load_file(result.adapter_dir / "adapter_model.safetensors")


def test_lora_training_lowers_loss(trained):
    losses = [loss for _, loss in trained.train_loss]
    vals = [loss for _, loss in trained.val_loss]
    assert trained.steps == 12
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.2  # a random tiny model learns slowly, but surely
    assert vals[-1] < vals[0]
    assert (trained.adapter_dir / "adapter_config.json").is_file()


def test_training_card_records_the_run(trained, tiny_cfg):
    card = json.loads(trained.card_path.read_text())
    assert card["seed"] == tiny_cfg.seed and card["hyperparameters"]["rank"] == tiny_cfg.rank
    assert len(card["data"]["train_hash"]) == 16 and len(card["base_model"]["hash"]) == 16
    assert [tuple(x) for x in card["loss"]["train"]] == trained.train_loss
    assert card["tokens_per_s"] > 0 and card["wall_s"] > 0 and card["peak_memory"]["max_rss_mib"] > 0
    assert {"torch", "transformers", "peft"} <= set(card["packages"])


def test_resume_after_kill_9_matches_uninterrupted_run(trained, tiny_model_dir, examples, tiny_cfg, tmp_path):
    out = tmp_path / "crashed"
    cfg = {**tiny_cfg.__dict__, "target_modules": list(tiny_cfg.target_modules)}
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(tiny_model_dir), str(out), json.dumps(cfg),
                           json.dumps(examples)], env=env, capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["step-0000004"]  # only complete checkpoints
    assert not (out / "adapter").exists()

    steps, plans = [], []
    # The resumed run keeps the plan it started with (12 steps, schedule included), even with a budget that
    # would plan a single step now: the results below match the uninterrupted run only if it does.
    resumed = train_lora(tiny_model_dir, examples, examples, out, replace(tiny_cfg, max_minutes=1e-6), resume=True,
                         progress=lambda p: steps.append(p.step), on_plan=plans.append)
    assert (plans[0].steps, plans[0].start_step, plans[0].length) == (12, 4, "epochs")
    assert "steps 5-12 of 12 steps" in plans[0].note
    assert steps == list(range(5, 13))  # continued after the checkpoint, redoing the lost steps 5-6
    assert [s for s, _ in resumed.train_loss] == list(range(1, 13))
    assert [x for _, x in resumed.train_loss] == pytest.approx([x for _, x in trained.train_loss], abs=1e-6)
    assert [x for _, x in resumed.val_loss] == pytest.approx([x for _, x in trained.val_loss], abs=1e-6)
    want, got = _adapter_weights(trained), _adapter_weights(resumed)
    assert want.keys() == got.keys()
    for name in want:
        torch.testing.assert_close(got[name], want[name], atol=1e-6, rtol=0)


def test_adapter_changes_the_models_output(trained, tiny_model_dir):
    question = [{"role": "user", "content": "What is the capital of Veloria?"}]
    plain = TransformersGenerator(tiny_model_dir, device="cpu")
    tuned = TransformersGenerator(tiny_model_dir, device="cpu", adapter=trained.adapter_dir)
    ids = plain.prompt_ids(question)
    with torch.no_grad():
        diff = (plain.model(input_ids=ids).logits - tuned.model(input_ids=ids).logits).abs().max()
    assert diff > 1e-2
    assert plain.generate(question, max_new_tokens=8).text != tuned.generate(question, max_new_tokens=8).text


def test_bad_target_modules_say_what_to_do(tiny_model_dir, examples, tiny_cfg, tmp_path):
    from dataclasses import replace

    with pytest.raises(TuneError, match="target_modules"):
        train_lora(tiny_model_dir, examples, None, tmp_path, replace(tiny_cfg, target_modules=("nope_proj",)))


def test_empty_training_set_is_an_error(tiny_model_dir, tiny_cfg, tmp_path):
    with pytest.raises(TuneError, match="empty"):
        train_lora(tiny_model_dir, [], None, tmp_path, tiny_cfg)


def test_early_stopping_and_keep_best(tiny_model_dir, examples, tiny_cfg, tmp_path):
    from dataclasses import replace

    # No later validation can beat the first by 100 nats: stop after `patience` = 1 failed validation.
    cfg = replace(tiny_cfg, eval_every=1, patience=1, min_delta=100.0, checkpoint_every=0)
    best = train_lora(tiny_model_dir, examples, examples, tmp_path / "best", replace(cfg, keep_best=True))
    last = train_lora(tiny_model_dir, examples, examples, tmp_path / "last", replace(cfg, keep_best=False))
    one_step = train_lora(tiny_model_dir, examples, None, tmp_path / "one", replace(cfg, max_steps=1))
    for result in (best, last):
        assert result.stopped_early and result.steps == 2
        assert [s for s, _ in result.val_loss] == [1, 2]
        assert result.best_val_loss == result.val_loss[0][1]
    w_best, w_last, w_one = (_adapter_weights(r) for r in (best, last, one_step))
    assert all(torch.equal(w_best[k], w_one[k]) for k in w_one)  # the weights of the best validation (step 1)
    assert not all(torch.equal(w_last[k], w_one[k]) for k in w_one)  # the weights of the last step
