"""The machine a benchmark ran on, recorded next to its figures."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
from pathlib import Path


def machine(*modules: str) -> dict:
    """CPU, cores, RAM, Python, torch (version and threads) and the versions of `modules`."""
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    info = {"cpu": cpu, "cores": len(os.sched_getaffinity(0)), "ram_gib": round(mem_kb / 2**20, 1),
            "python": platform.python_version(), "torch": torch.__version__, "torch_threads": torch.get_num_threads()}
    for name in modules:
        version = getattr(importlib.import_module(name), "__version__", None)
        info[name] = version or importlib.metadata.version(name.replace(".", "-").replace("_", "-"))
    info["platform"] = platform.platform()
    return info
