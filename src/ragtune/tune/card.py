"""The training card: what a run was trained on, how, and what it cost, next to the adapter."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import resource
import sys
from pathlib import Path

import torch

PACKAGES = ("ragtune", "torch", "transformers", "peft", "accelerate", "safetensors")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


def model_hash(model_path: Path) -> str:
    """sha256 over the config and weight files of a HF model folder (names and bytes)."""
    h = hashlib.sha256()
    files = sorted(p for p in Path(model_path).iterdir()
                   if p.name == "config.json" or p.suffix in (".safetensors", ".bin"))
    for p in files:
        h.update(p.name.encode())
        with p.open("rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()[:16]


def peak_memory() -> dict[str, float]:
    """Peak resident memory of this process (MiB) and, on CUDA, peak allocated GPU memory (MiB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = rss / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux
    peak = {"max_rss_mib": round(rss_mib, 1)}
    if torch.cuda.is_available():
        peak["cuda_max_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return peak


def write_card(path: Path, card: dict) -> Path:
    """Write the card as indented JSON, atomically."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temp.write_text(json.dumps(card, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(temp, path)
    return path
