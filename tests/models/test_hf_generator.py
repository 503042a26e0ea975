import json
import sys
import shutil

import pytest
import torch

from ragtune.models import Completion, Generator, ModelError
from ragtune.models.hf_generator import TransformersGenerator

MESSAGES = [{"role": "user", "content": "Say something about the number seven."}]


@pytest.fixture(scope="module")
def tiny(tiny_llama_dir):
    return TransformersGenerator(tiny_llama_dir, device="cpu")


def test_completion_has_consistent_counts_and_timings(tiny):
    assert isinstance(tiny, Generator)
    result = tiny.generate(MESSAGES, max_new_tokens=7)
    assert isinstance(result, Completion)
    assert result.prompt_tokens == tiny.prompt_ids(MESSAGES).shape[1]
    assert 1 <= result.completion_tokens <= 7
    assert 0 < result.prefill_s < result.total_s
    assert result.model == tiny.name


def test_obeys_max_new_tokens(tiny):
    counts = [tiny.generate(MESSAGES, max_new_tokens=n).completion_tokens for n in (1, 4, 9)]
    assert counts == [1, 4, 9]  # a random model practically never emits the end token


def test_greedy_is_deterministic_and_sampling_is_seeded(tiny):
    greedy = [tiny.generate(MESSAGES, max_new_tokens=8).text for _ in range(2)]
    assert greedy[0] == greedy[1]
    sampled = [tiny.generate(MESSAGES, max_new_tokens=8, temperature=1.0).text for _ in range(2)]
    assert sampled[0] == sampled[1]  # same seed, same sample
    assert sampled[0] != greedy[0]


def test_stops_at_the_configured_end_token(tiny, tiny_llama_dir, tmp_path):
    with torch.no_grad():
        first = int(tiny.model(tiny.prompt_ids(MESSAGES)).logits[0, -1].argmax())
    stopping = tmp_path / "stopping"
    shutil.copytree(tiny_llama_dir, stopping)
    config_path = stopping / "generation_config.json"
    config = json.loads(config_path.read_text())
    config["eos_token_id"] = [2, first]
    config_path.write_text(json.dumps(config))

    result = TransformersGenerator(stopping, device="cpu").generate(MESSAGES, max_new_tokens=20)
    assert result.completion_tokens == 1
    assert result.text == ""  # the stop token is counted, not shown


def test_not_a_model_folder(tmp_path):
    with pytest.raises(ModelError, match="config.json"):
        TransformersGenerator(tmp_path)


def test_adapter_folder_is_checked(tiny_llama_dir, tmp_path):
    with pytest.raises(ModelError, match="adapter_config.json"):
        TransformersGenerator(tiny_llama_dir, device="cpu", adapter=tmp_path)


@pytest.mark.e2e
def test_smollm2_answers_from_context(converted):
    generator = TransformersGenerator(converted.path, device="cpu")
    messages = [{"role": "user", "content": "Context: The Zephyr 9 kettle has a warranty of 7 years.\n\n"
                                            "Question: How many years of warranty does the Zephyr 9 kettle have?"}]
    result = generator.generate(messages, max_new_tokens=40)
    assert "7" in result.text or "seven" in result.text.lower()
    assert result.completion_tokens < 40  # it stopped at the chat end token by itself


def test_missing_peft_names_the_install_command(tiny_llama_dir, tmp_path, monkeypatch):
    (tmp_path / "adapter_config.json").write_text("{}")
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(ModelError, match="pip install peft"):
        TransformersGenerator(tiny_llama_dir, device="cpu", adapter=tmp_path)


def test_lora_adapter_changes_the_output(tiny, tiny_llama_dir, tmp_path):
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    lora = peft.get_peft_model(base, peft.LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    lora.save_pretrained(tmp_path / "adapter")

    tuned = TransformersGenerator(tiny_llama_dir, device="cpu", adapter=tmp_path / "adapter")
    assert tuned.name == f"{tiny_llama_dir.name}+{tmp_path.name}"  # runs/<id>/adapter is named by its run
    with torch.no_grad():
        ids = tiny.prompt_ids(MESSAGES)
        assert not torch.allclose(tuned.model(ids).logits, tiny.model(ids).logits)
    assert tuned.generate(MESSAGES, max_new_tokens=3).completion_tokens == 3


def _random_adapter(tiny_llama_dir, out, seed):
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    base = AutoModelForCausalLM.from_pretrained(tiny_llama_dir)
    lora = peft.get_peft_model(base, peft.LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    lora.save_pretrained(out)
    return out


def test_adapter_views_share_one_model_and_keep_the_base_intact(tiny, tiny_llama_dir, tmp_path):
    """Views made before and after adapters load: base stays base, each adapter matches loading it alone."""
    a = _random_adapter(tiny_llama_dir, tmp_path / "run-a" / "adapter", seed=1)
    b = _random_adapter(tiny_llama_dir, tmp_path / "run-b" / "adapter", seed=2)
    shared = TransformersGenerator(tiny_llama_dir, device="cpu")
    base_view = shared.with_adapter(None)
    with_a, with_b = shared.with_adapter(a), shared.with_adapter(b)
    assert (with_a.name, with_b.name) == (f"{tiny_llama_dir.name}+run-a", f"{tiny_llama_dir.name}+run-b")
    assert with_a.model is with_b.model is base_view.model  # one copy of the weights

    def first_logits(gen):
        with torch.no_grad(), gen._adapter_context():
            return gen.model(tiny.prompt_ids(MESSAGES)).logits

    alone_a = TransformersGenerator(tiny_llama_dir, device="cpu", adapter=a)
    with torch.no_grad():
        plain = tiny.model(tiny.prompt_ids(MESSAGES)).logits
    assert torch.allclose(first_logits(base_view), plain, atol=1e-5)
    assert torch.allclose(first_logits(with_a), first_logits(alone_a), atol=1e-5)
    assert not torch.allclose(first_logits(with_a), first_logits(with_b))
    assert torch.allclose(first_logits(shared.with_adapter(a)), first_logits(with_a), atol=1e-5)  # loaded once
    assert base_view.generate(MESSAGES, max_new_tokens=4).text == tiny.generate(MESSAGES, max_new_tokens=4).text


def test_option_logprobs_equal_the_full_forward_pass(tiny):
    """The batched, head-on-options-only scoring equals log-softmax over a plain forward of prompt + option."""
    options = ["seven", "The number 7 is prime.", "x"]
    scored = tiny.option_logprobs(MESSAGES, options)
    prompt = tiny.prompt_ids(MESSAGES)[0].tolist()
    for option, (logprob, n) in zip(options, scored):
        cont = tiny.tokenizer(option, add_special_tokens=False)["input_ids"]
        with torch.inference_mode():
            logits = tiny.model(input_ids=torch.tensor([prompt + cont])).logits[0].float()
        expected = torch.log_softmax(logits[len(prompt) - 1:-1], dim=-1)[torch.arange(len(cont)), cont].sum()
        assert n == len(cont)
        assert logprob == pytest.approx(float(expected), abs=1e-3)
    assert scored[1][0] < scored[0][0]  # more tokens, lower likelihood under a random model


def test_batched_generation_equals_one_at_a_time(tiny_llama_dir):
    """Left padding must not change greedy answers (fp32, so only padding could make them differ)."""
    gen = TransformersGenerator(tiny_llama_dir, device="cpu", dtype="float32")
    prompts = [[{"role": "user", "content": text}] for text in
               ("Hi.", "Say something about the number seven, please, at some length.", "What is ten?")]
    alone = [gen.generate(p, max_new_tokens=6) for p in prompts]
    batch = gen.generate_batch(prompts, max_new_tokens=6)
    assert [c.text for c in batch] == [c.text for c in alone]
    assert [c.prompt_tokens for c in batch] == [c.prompt_tokens for c in alone]  # padding is not counted
    assert [c.completion_tokens for c in batch] == [c.completion_tokens for c in alone]
    assert {c.batch_size for c in batch} == {3} and {c.batch_size for c in alone} == {1}
    assert batch[0].total_s == batch[1].total_s > 0  # each answer carries its share of the batch time


def test_default_dtype_without_a_model_reads_only_the_override(monkeypatch):
    """CPU flags no longer decide (ragtune.models.dtype measures each model); bf16 on CUDA, else the override."""
    from ragtune.models.device import default_dtype

    for forced, expected in (("1", torch.bfloat16), ("0", torch.float32)):
        monkeypatch.setenv("RAGTUNE_CPU_BF16", forced)
        assert default_dtype("cpu") == expected
    monkeypatch.delenv("RAGTUNE_CPU_BF16")
    assert default_dtype("cpu") == torch.float32 and default_dtype("cuda") == torch.bfloat16
