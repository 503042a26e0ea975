"""`ragtune export --vllm`: the vLLM command for the adapters `ragtune tune` writes, checked against the limits
vLLM documents (a --max-lora-rank it accepts, LoRA only on layers it adapts, no DoRA, no fully trained modules)."""

import json
import shlex
import shutil

import pytest

from ragtune.errors import TuneError
from ragtune.tune.export import VLLM_MAX_LORA_RANKS, vllm_command


def test_the_command_serves_the_base_and_each_adapter_under_ragtune_serves_names(trained, tiny_model_dir):
    adapter = trained.adapter_dir
    rank = json.loads((adapter / "adapter_config.json").read_text())["r"]
    args = shlex.split(vllm_command(tiny_model_dir, {"weights-ft": adapter, "weights-raft": adapter}))
    assert args[:3] == ["vllm", "serve", str(tiny_model_dir.resolve())]
    assert args[args.index("--served-model-name") + 1] == "weights-base" and "--enable-lora" in args
    max_rank = int(args[args.index("--max-lora-rank") + 1])
    assert max_rank in VLLM_MAX_LORA_RANKS and max_rank >= rank and max_rank == min(r for r in VLLM_MAX_LORA_RANKS
                                                                                      if r >= rank)
    modules = args[args.index("--lora-modules") + 1:]
    assert modules == [f"weights-ft={adapter.resolve()}", f"weights-raft={adapter.resolve()}"]
    assert shlex.split(vllm_command(tiny_model_dir, {})) == ["vllm", "serve", str(tiny_model_dir.resolve()),
                                                             "--served-model-name", "weights-base"]


@pytest.mark.parametrize("change, match", [
    ({"use_dora": True}, "DoRA"),
    ({"modules_to_save": ["lm_head"]}, "lm_head"),
    ({"target_modules": ["q_proj", "embed_tokens"]}, "embed_tokens"),
    ({"r": 1024}, "rank 1024"),
])
def test_an_adapter_vllm_cannot_serve_is_refused_with_what_to_do(trained, tiny_model_dir, tmp_path, change, match):
    bad = tmp_path / "adapter"
    shutil.copytree(trained.adapter_dir, bad)
    config = json.loads((bad / "adapter_config.json").read_text()) | change
    (bad / "adapter_config.json").write_text(json.dumps(config))
    with pytest.raises(TuneError, match=f"{match}.*ragtune serve"):
        vllm_command(tiny_model_dir, {"weights-ft": bad})
