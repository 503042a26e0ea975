"""Export a base model with a LoRA adapter merged in (a plain HF folder any tool can load without peft), or the
vLLM command that serves the base model and the adapters as they are (`vllm_command`)."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import uuid
from pathlib import Path
from typing import Mapping

import torch

from ragtune.models.device import quiet_transformers
from ragtune.errors import TuneError


def export_merged(model_path: str | Path, adapter_dir: str | Path, out_dir: str | Path) -> Path:
    """Merge `adapter_dir` into `model_path` and save model + tokenizer to `out_dir` (temp dir + rename)."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model_path, adapter_dir, out_dir = Path(model_path), Path(adapter_dir), Path(out_dir)
    if not (adapter_dir / "adapter_config.json").is_file():
        raise TuneError(f"{adapter_dir} is not a LoRA adapter folder (no adapter_config.json); "
                        "pass runs/<id>/adapter from `ragtune tune`.")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise TuneError(f"{out_dir} exists and is not empty; choose a new folder or remove it first.")
    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    with quiet_transformers():
        base = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32, local_files_only=True)
        merged = PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        merged.save_pretrained(temp, safe_serialization=True)
        tokenizer.save_pretrained(temp)
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        os.replace(temp, out_dir)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return out_dir


# vLLM's LoRAConfig accepts these --max-lora-rank values (vllm/config/lora.py, 0.6 to 0.11; default 16).
VLLM_MAX_LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)
# Layers vLLM applies LoRA to in Llama-style models (q/k/v and gate/up are packed there, and accepted by name).
VLLM_LORA_MODULES = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def vllm_command(model_path: str | Path, adapters: Mapping[str, str | Path], base_name: str = "weights-base") -> str:
    """`vllm serve` for the base model (as `base_name`) with each adapter as a LoRA module named by its key
    (`weights-ft`: the names `ragtune serve` gives them too), after checking each adapter is one vLLM loads:
    a rank it accepts, LoRA on the linear layers it supports, no DoRA, no extra trained modules."""
    ranks = [_vllm_rank(name, Path(folder)) for name, folder in adapters.items()]
    args = ["vllm", "serve", str(Path(model_path).resolve()), "--served-model-name", base_name]
    if adapters:
        rank = min(r for r in VLLM_MAX_LORA_RANKS if r >= max(ranks))
        args += ["--enable-lora", "--max-lora-rank", str(rank), "--max-loras", str(len(adapters)), "--lora-modules",
                 *(f"{name}={Path(folder).resolve()}" for name, folder in adapters.items())]
    return shlex.join(args)


def _vllm_rank(name: str, folder: Path) -> int:
    try:
        config = json.loads((folder / "adapter_config.json").read_text())
    except (OSError, ValueError) as e:
        raise TuneError(f"{folder} is not a LoRA adapter folder (no readable adapter_config.json); "
                        "pass runs/<id>/adapter from `ragtune tune`.") from e
    rank = max([int(config.get("r") or 0), *map(int, (config.get("rank_pattern") or {}).values())])
    targets = config.get("target_modules") or []
    targets = {targets} if isinstance(targets, str) else set(targets)
    problems = []
    if rank > VLLM_MAX_LORA_RANKS[-1]:
        problems.append(f"rank {rank} is above vLLM's largest, {VLLM_MAX_LORA_RANKS[-1]}")
    if not targets <= VLLM_LORA_MODULES:
        problems.append(f"LoRA on {', '.join(sorted(targets - VLLM_LORA_MODULES))}, which vLLM does not adapt")
    if config.get("use_dora"):
        problems.append("DoRA, which vLLM does not serve")
    if config.get("modules_to_save"):
        problems.append(f"fully trained modules ({', '.join(config['modules_to_save'])})")
    if problems:
        raise TuneError(f"{name} ({folder}): vLLM cannot serve this adapter: {'; '.join(problems)}. Serve it with "
                        "`ragtune serve`, or export it merged (`ragtune export --merged DIR`).")
    return rank
