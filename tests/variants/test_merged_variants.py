"""`[generation] merge_adapters` reaches the fine-tuned variants: merged by default, unmerged when set false."""

import shutil

import pytest

from ragtune.project import Project
from ragtune.runs import write_training_run
from ragtune.variants import answerer


@pytest.fixture(scope="module")
def adapter(tiny_llama_path, tmp_path_factory):
    peft = pytest.importorskip("peft")
    import torch
    from transformers import AutoModelForCausalLM

    out = tmp_path_factory.mktemp("lora") / "adapter"
    torch.manual_seed(1)
    lora = peft.get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_llama_path),
                               peft.LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    lora.save_pretrained(out)
    return out


@pytest.mark.parametrize("setting, merged", [("", True), ("merge_adapters = false\n", False)])
def test_merge_adapters_setting(tmp_path, tiny_llama_path, adapter, setting, merged):
    shutil.copytree(adapter, tmp_path / "runs" / "ft-1" / "adapter")
    write_training_run(tmp_path / "runs" / "ft-1", {"kind": "ft", "status": "done", "created": "2024-01-01T00:00:00"})
    (tmp_path / "ragtune.toml").write_text(f'[models]\ngenerator = "{tiny_llama_path}"\n'
                                           f'[generation]\nmax_new_tokens = 3\n{setting}')
    proj = Project(tmp_path)
    ft, base = answerer(proj, "ft"), answerer(proj, "base")
    assert ft.generator.merge_adapters is merged and ft.adapter == tmp_path / "runs" / "ft-1" / "adapter"
    cache = proj.generator._shared.get("merged")  # merged layers are built only when asked for
    assert (cache is not None and cache.layers.get("default") is not None) is merged
    assert ft.answer(["Who founded Brightwell?"])[0].completion.completion_tokens <= 3
    assert base.generator.adapter is None
