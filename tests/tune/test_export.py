import pytest
import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM

from ragtune.tune import TuneError, export_merged


def test_merged_export_matches_base_plus_adapter(trained, tiny_model_dir, tokenizer, tmp_path):
    out = export_merged(tiny_model_dir, trained.adapter_dir, tmp_path / "merged")
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    assert not (out / "adapter_config.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["merged"]  # no temp leftovers

    ids = tokenizer.apply_chat_template([{"role": "user", "content": "Where is Marnholt?"}],
                                        add_generation_prompt=True, return_tensors="pt", return_dict=True)["input_ids"]
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    with_adapter = PeftModel.from_pretrained(base, str(trained.adapter_dir)).eval()
    merged = AutoModelForCausalLM.from_pretrained(out).eval()
    with torch.no_grad():
        torch.testing.assert_close(merged(input_ids=ids).logits, with_adapter(input_ids=ids).logits,
                                   atol=1e-4, rtol=1e-4)


def test_export_refuses_non_adapter_and_non_empty_target(trained, tiny_model_dir, tmp_path):
    with pytest.raises(TuneError, match="adapter_config.json"):
        export_merged(tiny_model_dir, tmp_path, tmp_path / "x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("x")
    with pytest.raises(TuneError, match="not empty"):
        export_merged(tiny_model_dir, trained.adapter_dir, tmp_path / "full")
