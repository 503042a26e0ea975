"""Training checkpoints: everything a killed run needs to continue exactly where it stopped.

A checkpoint is a folder `step-NNNNNNN/` holding the adapter (PEFT format, usable on its own) and
`state.pt` (trainable weights, optimizer, scheduler, every RNG state, data position, loss history).
It is written into a temp sibling and renamed into place, so a folder with a step name is always
complete, whenever the process dies.
"""

from __future__ import annotations

import os
import random
import shutil
import uuid
from pathlib import Path

import numpy as np
import torch

from ragtune.errors import TuneError
from ragtune.runs import ADAPTER_DIR

STATE_FILE = "state.pt"
PREFIX = "step-"


def rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def trainable_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Copies of the parameters being trained (the LoRA weights), on the CPU."""
    return {name: p.detach().to("cpu", copy=True) for name, p in model.named_parameters() if p.requires_grad}


def load_trainable_state(model: torch.nn.Module, weights: dict[str, torch.Tensor]) -> None:
    params = dict(model.named_parameters())
    missing = [name for name in weights if name not in params]
    if missing:
        raise TuneError(f"the checkpoint does not match this model/LoRA config (e.g. {missing[0]}); "
                        "resume with the same model and settings, or start without --resume.")
    with torch.no_grad():
        for name, value in weights.items():
            params[name].copy_(value)


def save_checkpoint(root: Path, step: int, model, state: dict, keep: int = 1) -> Path:
    """Write checkpoint `step` atomically, then delete all but the newest `keep` checkpoints."""
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{PREFIX}{step:07d}"
    temp = root / f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        model.save_pretrained(temp / "adapter")
        torch.save(state, temp / STATE_FILE)
        if final.exists():  # a rerun reached the same step: replace it
            shutil.rmtree(final)
        os.replace(temp, final)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    for old in list_checkpoints(root)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def save_run(root: Path, model, optimizer, scheduler, run: dict, rngs: list[dict]) -> Path:
    """A checkpoint of the training loop at step `run["step"]`; `rngs` holds every rank's RNG state (rank 0's
    first), so each rank of a resumed multi-process run draws what it would have drawn."""
    payload = {"weights": trainable_state(model), "optimizer": optimizer.state_dict(),
               "scheduler": scheduler.state_dict(), "rng": rngs[0], "run": run}
    if len(rngs) > 1:
        payload["rank_rng"] = rngs
    return save_checkpoint(root, run["step"], model, payload)


def restore_run(payload: dict, model, optimizer, scheduler, rank: int = 0) -> None:
    load_trainable_state(model, payload["weights"])
    optimizer.load_state_dict(payload["optimizer"])
    scheduler.load_state_dict(payload["scheduler"])
    restore_rng_state(payload.get("rank_rng", [payload["rng"]])[rank])


def save_adapter(model, tokenizer, out_dir: Path) -> Path:
    """Write `out_dir/adapter/` atomically (PEFT `save_pretrained`, plus the tokenizer for convenience)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / ADAPTER_DIR
    temp = out_dir / f".{ADAPTER_DIR}.tmp-{os.getpid()}"
    shutil.rmtree(temp, ignore_errors=True)
    model.save_pretrained(temp)
    tokenizer.save_pretrained(temp)
    if final.exists():
        shutil.rmtree(final)
    os.replace(temp, final)
    return final


def list_checkpoints(root: Path) -> list[Path]:
    """Complete checkpoints, oldest first (temp folders never carry the step prefix)."""
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX) and (p / STATE_FILE).is_file()]
    return sorted(found, key=lambda p: p.name)


def load_checkpoint(path: Path) -> dict:
    try:
        return torch.load(path / STATE_FILE, map_location="cpu", weights_only=False)
    except Exception as e:  # noqa: BLE001 - any unreadable file means the same thing to the user
        raise TuneError(f"checkpoint {path} is unreadable ({e}); delete it to resume from an earlier one.") from e
