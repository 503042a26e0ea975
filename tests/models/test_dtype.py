"""The dtype a local model runs in on a CPU is chosen by timing it (bf16 against fp32) and remembered.

The decision rule is checked on injected timings (real timings on a shared machine are noise); the probe
itself runs for real on the tiny random llama and MiniLM and must return sane numbers quickly.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from cli_helpers import run
from ragtune.config import ModelSettings
from ragtune.models import dtype_probe, dtype_status
from ragtune.models.device import available_cpus
from ragtune.models.dtype import (BF16_MAX_RATIO, NOT_MEASURED, DtypeChoice, decide, known_choice, measure,
                                  remembered, verdict_key, verdicts_path)
from ragtune.models.hf_generator import TransformersGenerator
from ragtune.models.packaged import packaged_embedder_path


@pytest.fixture(autouse=True)
def fresh_cache(tmp_path, monkeypatch):
    """Every test starts with no verdict measured and no override."""
    monkeypatch.setenv("RAGTUNE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("RAGTUNE_CPU_BF16", raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))  # a quiet machine, whatever runs beside
    return tmp_path / "cache"


def fp32_llama(path):
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, local_files_only=True).eval()


def cells(table_text: str) -> str:
    """A rich table's text without its borders, wrapped cells joined up."""
    return " ".join(table_text.replace("│", " ").split())


def test_bf16_only_when_it_is_faster_by_the_margin():
    assert decide(0.50, 1.0) == torch.bfloat16
    assert decide(BF16_MAX_RATIO * 2.0, 2.0) == torch.bfloat16  # exactly the margin still counts
    assert decide(0.96, 1.0) == torch.float32  # faster, but by less than the margin: a tie goes to fp32
    assert decide(1.0, 1.0) == torch.float32
    assert decide(1.7, 1.0) == torch.float32  # the Xeon of issue 16
    assert decide(None, 1.0) == torch.float32  # bf16 failed on this CPU


def test_a_choice_carries_its_ratio_and_says_where_it_came_from():
    choice = DtypeChoice("bfloat16", "cache", bf16_s=0.2, fp32_s=0.4, probe_s=1.1)
    assert choice.ratio == 0.5 and choice.torch_dtype == torch.bfloat16
    assert choice.record() == {"dtype": "bfloat16", "source": "cache", "bf16_s": 0.2, "fp32_s": 0.4,
                               "probe_s": 1.1, "ratio": 0.5}
    assert choice.describe() == "bf16 (bf16 takes 0.50x the fp32 time; measured earlier on this machine)"
    assert DtypeChoice("float32", "env").ratio is None


def test_the_probe_times_the_tiny_llama_and_keeps_the_faster_dtype(tiny_llama_path):
    model = fp32_llama(tiny_llama_path)
    start = time.perf_counter()
    choice = measure("generate", tiny_llama_path, model)
    took = time.perf_counter() - start
    assert choice.source == "probe" and choice.bf16_s > 0 and choice.fp32_s > 0 and choice.ratio > 0
    assert choice.probe_s <= took + 1e-3 and took < 10
    assert choice.dtype == str(decide(choice.bf16_s, choice.fp32_s)).removeprefix("torch.")
    assert {p.dtype for p in model.parameters()} == {choice.torch_dtype}


@pytest.mark.parametrize("kept", [torch.float32, torch.bfloat16])
def test_the_probe_leaves_the_model_as_loading_the_kept_dtype_would(tiny_llama_path, kept):
    """Timing both dtypes on one model leaves exactly what loading it in the kept dtype gives, buffers (the
    rotary frequencies, fp32 either way) included: a measured model answers like a remembered one."""
    from transformers import AutoModelForCausalLM

    model = fp32_llama(tiny_llama_path)
    dtype_probe.time_cast(model, dtype_probe.generation_pass(model), lambda *_: kept)
    loaded = AutoModelForCausalLM.from_pretrained(tiny_llama_path, dtype=kept, local_files_only=True)
    got, want = model.state_dict(), loaded.state_dict()
    assert got.keys() == want.keys() and all(torch.equal(got[k], want[k]) for k in want)
    assert all(got[k].dtype == want[k].dtype for k in want)
    buffers = dict(loaded.named_buffers())
    assert all(b.dtype == buffers[n].dtype and torch.equal(b, buffers[n]) for n, b in model.named_buffers())


def test_a_verdict_is_remembered_under_its_key_and_another_key_measures_again(tiny_llama_path, tmp_path):
    first = measure("generate", tiny_llama_path, fp32_llama(tiny_llama_path))
    cached = remembered("generate", tiny_llama_path)
    assert cached == replace(first, source="cache")
    assert known_choice("generate", tiny_llama_path, "cpu") == cached
    key = verdict_key("generate", tiny_llama_path)
    assert json.loads(verdicts_path().read_text())[key]["dtype"] == first.dtype
    assert f"torch {torch.__version__}" in key and f"{available_cpus()} cpus" in key

    assert remembered("embed", tiny_llama_path) is None  # another workload
    other = tmp_path / "edited-llama"  # another model: same files but its config changed
    shutil.copytree(tiny_llama_path, other)
    config = json.loads((other / "config.json").read_text())
    (other / "config.json").write_text(json.dumps({**config, "rms_norm_eps": 1e-5}))
    assert remembered("generate", other) is None
    if available_cpus() > 1:  # another thread count
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            assert remembered("generate", tiny_llama_path) is None
        finally:
            torch.set_num_threads(threads)


def test_a_verdict_measured_on_a_busy_machine_is_measured_again_once_it_is_quiet(tiny_llama_path, monkeypatch):
    busy = (available_cpus() + 3.0,) * 3
    monkeypatch.setattr(os, "getloadavg", lambda: busy)
    first = measure("generate", tiny_llama_path, fp32_llama(tiny_llama_path))
    assert json.loads(verdicts_path().read_text())[verdict_key("generate", tiny_llama_path)]["busy"] is True
    assert remembered("generate", tiny_llama_path) == replace(first, source="cache")  # still busy: reused
    monkeypatch.setattr(os, "getloadavg", lambda: (0.5, 0.5, 0.5))
    assert remembered("generate", tiny_llama_path) is None  # quiet now: measure again
    measure("generate", tiny_llama_path, fp32_llama(tiny_llama_path))
    assert remembered("generate", tiny_llama_path) is not None  # a quiet verdict stays


def test_a_later_process_reuses_the_verdict(tiny_llama_path, fresh_cache):
    first = TransformersGenerator(tiny_llama_path, device="cpu")
    assert first.dtype_choice.source == "probe" and first.model.dtype == first.dtype
    script = ("from ragtune.models.hf_generator import TransformersGenerator as G; import sys; "
              "g = G(sys.argv[1], device='cpu'); print(g.dtype_choice.source, g.dtype_choice.dtype)")
    out = subprocess.run([sys.executable, "-c", script, str(tiny_llama_path)], capture_output=True, text=True,
                         env={**os.environ, "RAGTUNE_CACHE": str(fresh_cache)}, check=True, timeout=300)
    assert out.stdout.split() == ["cache", first.dtype_choice.dtype]


def test_a_corrupt_verdict_file_is_ignored_and_rewritten(tiny_llama_path):
    verdicts_path().parent.mkdir(parents=True)
    verdicts_path().write_text("{not json")
    assert remembered("generate", tiny_llama_path) is None
    measure("generate", tiny_llama_path, fp32_llama(tiny_llama_path))
    assert verdict_key("generate", tiny_llama_path) in json.loads(verdicts_path().read_text())
    verdicts_path().write_text(json.dumps({verdict_key("generate", tiny_llama_path): {"dtype": "int8"}}))
    assert remembered("generate", tiny_llama_path) is None  # an entry of the wrong shape counts as none


def test_the_override_cuda_and_a_set_dtype_decide_without_measuring(tiny_llama_path, monkeypatch):
    for forced, dtype in (("1", torch.bfloat16), ("0", torch.float32)):
        monkeypatch.setenv("RAGTUNE_CPU_BF16", forced)
        gen = TransformersGenerator(tiny_llama_path, device="cpu")
        assert gen.dtype == dtype and gen.model.dtype == dtype
        assert gen.dtype_choice == DtypeChoice(str(dtype).removeprefix("torch."), "env")
    monkeypatch.delenv("RAGTUNE_CPU_BF16")
    # A GPU with bf16 (an H100, say): measured like a CPU, keyed by the GPU's name, unless the model is too big
    # to hold in fp32 beside a bf16 twin; torch's device queries stand in for a GPU this machine lacks.
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA H100")
    weights = sum(f.stat().st_size for f in Path(tiny_llama_path).rglob("*") if f.suffix == ".safetensors")
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (weights * 6, weights * 20))
    assert known_choice("generate", tiny_llama_path, "cuda") is None  # fits: measured at first use
    assert known_choice("train", tiny_llama_path, "cuda") is None
    assert "NVIDIA H100 | cuda" in verdict_key("generate", tiny_llama_path, "cuda")
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None: (weights * 6 - 1, weights * 20))
    assert known_choice("generate", tiny_llama_path, "cuda") == DtypeChoice("bfloat16", "cuda")  # too big
    assert known_choice("train", tiny_llama_path, "cuda") is None  # training holds fp32 weights anyway
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: False)  # a T4, a V100
    assert known_choice("generate", tiny_llama_path, "cuda") == DtypeChoice("float16", "cuda")
    assert known_choice("embed", tiny_llama_path, "cuda") == DtypeChoice("float16", "cuda")
    assert known_choice("train", tiny_llama_path, "cuda") == DtypeChoice("float32", "cuda")  # no loss scaling
    assert known_choice("generate", tiny_llama_path, "cpu", "float32") == DtypeChoice("float32", "setting")
    assert TransformersGenerator(tiny_llama_path, device="cpu", dtype="bfloat16").dtype_choice.source == "setting"
    assert not verdicts_path().exists()  # nothing was measured


def test_the_embedder_measures_at_first_use_then_reuses():
    from ragtune.models.st_embedder import SentenceTransformerEmbedder

    first = SentenceTransformerEmbedder(packaged_embedder_path(), device="cpu")
    choice = first.dtype_choice
    assert choice.source == "probe" and choice.bf16_s > 0 and choice.fp32_s > 0 and choice.probe_s < 30
    assert {p.dtype for p in first.model.parameters()} == {first.dtype}
    assert first.embed(["How long is the warranty?"]).shape == (1, first.dim)
    again = SentenceTransformerEmbedder(packaged_embedder_path(), device="cpu")
    assert again.dtype_choice == replace(choice, source="cache") and again.dtype == first.dtype


def test_the_training_probe_leaves_the_run_as_it_found_it(tiny_llama_path):
    """Forward and backward under autocast and without: no gradient, no RNG draw and no weight is left changed,
    so a run that measured trains exactly like one that found the verdict cached."""
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(fp32_llama(tiny_llama_path), LoraConfig(r=4, lora_dropout=0.1, task_type="CAUSAL_LM",
                                                                  target_modules=["q_proj", "v_proj"]))
    model.train()
    rng = torch.get_rng_state()
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    choice = measure("train", tiny_llama_path, model)
    assert choice.source == "probe" and choice.bf16_s > 0 and choice.fp32_s > 0
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(p.grad is None and torch.equal(p, before[n]) for n, p in model.named_parameters())
    assert remembered("train", tiny_llama_path) == replace(choice, source="cache")


def test_status_shows_the_choice_without_loading_a_model(tiny_llama_path, tmp_path):
    models = ModelSettings(generator=str(tiny_llama_path), embedder="openai:text-embedding-3-small", device="cpu")
    assert dtype_status(models) == {"generator": NOT_MEASURED, "embedder": "remote endpoint (its server chooses)"}
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "ragtune.toml").write_text(f'[models]\ngenerator = "{tiny_llama_path}"\ndevice = "cpu"\n')
    shown = run("status", "-p", str(proj))
    assert shown.exit_code == 0 and f"generator dtype {NOT_MEASURED}" in cells(shown.text)
    choice = measure("generate", tiny_llama_path, fp32_llama(tiny_llama_path))
    assert dtype_status(models)["generator"].startswith(
        f"{'bf16' if choice.dtype == 'bfloat16' else 'fp32'} (bf16 takes ")
    assert "measured earlier on this machine" in cells(run("status", "-p", str(proj)).text)


def test_the_eval_manifest_records_the_generators_dtype(tiny_llama_path, tmp_path):
    from ragtune.evaluate.session import evaluate
    from ragtune.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    (root / "ragtune.toml").write_text(f'[models]\ngenerator = "{tiny_llama_path}"\ndevice = "cpu"\n'
                                       "[generation]\nmax_new_tokens = 2\n")
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": "What is ten?", "answers": ["10"]}) + "\n")
    run_dir, _ = evaluate(Project(root), questions, ["base"])
    recorded = json.loads((run_dir / "manifest.json").read_text())["dtype"]
    assert recorded["generator"]["source"] == "probe" and recorded["generator"]["fp32_s"] > 0
    assert recorded["embedder"] is None  # a closed-book run loads no embedder


def test_a_clear_verdict_ends_the_probe_after_the_warm_ups():
    import time as _time

    from ragtune.models.dtype_probe import interleaved_medians

    calls = []

    def slow():
        calls.append("bf16")
        _time.sleep(0.06)

    def fast():
        calls.append("fp32")
        _time.sleep(0.01)

    medians = interleaved_medians({"bf16": (lambda: None, slow), "fp32": (lambda: None, fast)}, reps=3,
                                  budget_s=60)
    assert calls == ["fp32", "bf16"] and medians["bf16"] > 4 * medians["fp32"]
    calls.clear()

    def also_fast():
        calls.append("bf16")
        _time.sleep(0.01)

    close = interleaved_medians({"bf16": (lambda: None, also_fast), "fp32": (lambda: None, fast)}, reps=3,
                                budget_s=60)
    assert calls.count("bf16") == 4 and calls.count("fp32") == 4 and set(close) == {"bf16", "fp32"}
