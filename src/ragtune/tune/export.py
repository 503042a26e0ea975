"""Export a base model with a LoRA adapter merged in: a plain HF folder any tool can load without peft."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

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
