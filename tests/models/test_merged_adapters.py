"""Adapters answer with merged weights: the same answers as through the LoRA layers (fp32), no LoRA on the
path, the base weights never written, each adapter its own answers when interleaved."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("peft")

from peft.tuners.lora import LoraLayer  # noqa: E402

from ragtune.models import merged as merged_module  # noqa: E402
from ragtune.models.hf_generator import TransformersGenerator  # noqa: E402
from ragtune.tune import TuneConfig, train_lora  # noqa: E402

FACTS = [("What is the capital of Veloria?", "Marnholt."), ("Who founded the Quillbrook Institute?", "Edda Farrow."),
         ("What color is the flag of Tessaly Reach?", "Teal."), ("How many moons does Zephyrine have?", "Seven.")]
PROMPTS = [[{"role": "user", "content": q}] for q, _ in FACTS] + [
    [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": "Where is the Orvane Bridge?"}]]
OPTIONS = ["Marnholt.", "Edda Farrow.", "Teal", "Seven moons and a ring."]
NEW = 8


def chat(q: str, a: str) -> list[dict]:
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


@pytest.fixture(scope="module")
def adapters(tiny_llama_path, tmp_path_factory):
    """Two real LoRA adapters on the tiny llama, trained (high learning rate) until they change its answers."""
    out = []
    for seed, facts in ((1, FACTS), (2, [(q, a.upper() + " " + a) for q, a in FACTS[::-1]])):
        cfg = TuneConfig(rank=8, alpha=16, learning_rate=3e-2, epochs=6, seq_len=128, warmup_ratio=0.0,
                         eval_every=0, checkpoint_every=0, seed=seed, device="cpu", dtype="float32")
        run = tmp_path_factory.mktemp(f"run-{seed}")
        out.append(train_lora(tiny_llama_path, [chat(q, a) for q, a in facts], None, run, cfg).adapter_dir)
    return out


def answers(gen) -> list[tuple[str, int]]:
    return [(c.text, c.completion_tokens) for c in (gen.generate(m, max_new_tokens=NEW) for m in PROMPTS)]


def logits(gen, messages) -> torch.Tensor:
    with torch.inference_mode(), gen._adapter_context():
        return gen.model(gen.prompt_ids(messages)).logits


@pytest.fixture(scope="module")
def plain(tiny_llama_path):
    return TransformersGenerator(tiny_llama_path, device="cpu", dtype="float32")


def test_merged_answers_equal_unmerged_and_the_base_is_untouched(tiny_llama_path, adapters, plain):
    before = answers(plain)
    shared = TransformersGenerator(tiny_llama_path, device="cpu", dtype="float32")
    weights = {k: v.clone() for k, v in shared.model.state_dict().items()}
    unmerged, merged = shared.with_adapter(adapters[0], merge=False), shared.with_adapter(adapters[0])
    assert merged.merge_adapters and not unmerged.merge_adapters and shared.with_adapter(None).merge_adapters
    assert answers(unmerged) != before  # the adapter really changes the answers
    assert answers(merged) == answers(unmerged)  # greedy: the same tokens
    for m in PROMPTS:
        assert torch.allclose(logits(merged, m), logits(unmerged, m), atol=1e-4)
    base = shared.with_adapter(None)
    assert answers(base) == before
    for m in PROMPTS:  # after merged and unmerged answers: the base is the plain model, bit for bit
        assert torch.equal(logits(base, m), logits(plain, m))
    after = {k.replace(".base_layer", ""): v for k, v in shared.model.get_base_model().state_dict().items()
             if "lora_" not in k}
    assert after.keys() == weights.keys() and all(torch.equal(after[k], v) for k, v in weights.items())


def test_merged_answers_run_no_lora_layer_and_put_the_wrappers_back(tiny_llama_path, adapters):
    shared = TransformersGenerator(tiny_llama_path, device="cpu", dtype="float32")
    merged, unmerged = shared.with_adapter(adapters[0]), shared.with_adapter(adapters[0], merge=False)
    lora = sum(isinstance(m, LoraLayer) for m in shared.model.modules())
    assert lora > 0
    for view, on_path in ((merged, 0), (shared.with_adapter(None), 0), (unmerged, lora)):
        with view._adapter_context():
            assert sum(isinstance(m, LoraLayer) for m in view.model.modules()) == on_path
        assert sum(isinstance(m, LoraLayer) for m in shared.model.modules()) == lora  # training still sees LoRA


def test_two_adapters_interleaved_each_answer_as_alone(tiny_llama_path, adapters, plain):
    alone = [answers(TransformersGenerator(tiny_llama_path, device="cpu", dtype="float32", adapter=a,
                                           merge_adapters=False)) for a in adapters]
    assert alone[0] != alone[1]
    shared = TransformersGenerator(tiny_llama_path, device="cpu", dtype="float32")
    views = [shared.with_adapter(a) for a in adapters]
    base, before = shared.with_adapter(None), answers(plain)
    for i in (0, 1, 0, 1):  # block-major evaluation order: the adapters alternate, the base in between
        assert answers(views[i]) == alone[i]
        assert answers(base) == before


def test_option_logprobs_merged_equal_unmerged(tiny_llama_path, adapters, plain):
    shared = TransformersGenerator(tiny_llama_path, device="cpu", dtype="float32")
    merged, unmerged = shared.with_adapter(adapters[1]), shared.with_adapter(adapters[1], merge=False)
    before = plain.option_logprobs(PROMPTS[0], OPTIONS)
    for m in PROMPTS[:3]:
        a, b = merged.option_logprobs(m, OPTIONS), unmerged.option_logprobs(m, OPTIONS)
        assert [n for _, n in a] == [n for _, n in b]
        assert all(abs(x - y) < 1e-4 for (x, _), (y, _) in zip(a, b))
    assert merged.option_logprobs(PROMPTS[0], OPTIONS) != before
    assert shared.with_adapter(None).option_logprobs(PROMPTS[0], OPTIONS) == before


def test_an_adapter_that_does_not_fit_in_memory_answers_unmerged(tiny_llama_path, adapters, monkeypatch):
    monkeypatch.setattr(merged_module, "MEMORY_HEADROOM_BYTES", 1 << 60)  # no machine has an exbibyte free
    shared = TransformersGenerator(tiny_llama_path, device="cpu", dtype="float32")
    view = shared.with_adapter(adapters[0])
    assert shared._merged().merged(view.adapter) is None
    with view._adapter_context():
        assert any(isinstance(m, LoraLayer) for m in view.model.modules())
    assert answers(view) == answers(shared.with_adapter(adapters[0], merge=False))


def test_an_adapter_given_at_load_is_merged_at_load(tiny_llama_path, adapters):
    gen = TransformersGenerator(tiny_llama_path, device="cpu", dtype="float32", adapter=adapters[0])
    assert gen._merged().layers["default"] is not None  # built before the first (timed) answer
    assert answers(gen) == answers(gen.with_adapter(adapters[0], merge=False))
