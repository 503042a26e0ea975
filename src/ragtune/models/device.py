"""Choosing the torch device, dtype and CPU thread count for local models."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import warnings
from typing import Iterator

import torch

from ragtune.errors import ModelError

DEVICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(device: str = "auto") -> str:
    """`auto` picks cuda, then mps, then cpu; an explicit device must be available."""
    if device not in DEVICES and not device.startswith("cuda:"):
        raise ModelError(f"unknown device {device!r}; use one of {', '.join(DEVICES)} (or cuda:N).")
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError(f"device {device!r} requested but CUDA is not available; set device = \"cpu\" or \"auto\".")
    if device == "mps" and not torch.backends.mps.is_available():
        raise ModelError("device \"mps\" requested but MPS is not available; set device = \"cpu\" or \"auto\".")
    return device


def default_dtype(device: str) -> torch.dtype:
    """The dtype without a measurement: bf16 on CUDA, `RAGTUNE_CPU_BF16=0/1` on a CPU, else fp32.

    Local models do better: `ragtune.models.dtype` times each one in bf16 and fp32 on this machine at
    first use and keeps the faster (CPU flags do not tell: see that module).
    """
    if device.startswith("cuda") or (device == "cpu" and os.environ.get("RAGTUNE_CPU_BF16") == "1"):
        return torch.bfloat16
    return torch.float32


def parse_dtype(dtype: str | torch.dtype | None, device: str) -> torch.dtype:
    if dtype is None:
        return default_dtype(device)
    if isinstance(dtype, torch.dtype):
        return dtype
    value = getattr(torch, str(dtype).removeprefix("torch."), None)
    if not isinstance(value, torch.dtype):
        raise ModelError(f"unknown dtype {dtype!r}; use float32, bfloat16 or float16.")
    return value


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, which respects container limits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def configure_cpu_threads() -> None:
    """Cap torch's intra-op threads at the usable CPUs: oversubscription makes CPU inference slower.

    Measured for issue 16 on a 2-core AMD EPYC (Zen 4) while four other processes were running (1-minute load
    5-7), 1 thread against 2, medians of 5 interleaved passes: SmolLM2-135M fp32, 64-token prefill + 8 decode
    steps, 1.36 s vs 13.8 s; MiniLM fp32, 8 texts of 128 tokens, 0.77 s vs 2.20 s; a 1024x1024 fp32 matmul
    44 vs 32 GFLOPS. Torch's threads wait on each other whenever one is preempted, so on cores that other
    work shares, fewer threads win by far. Idle, all usable CPUs won every workload (generation alone and
    batched, embedding, a LoRA step; fp32 and bf16) on a 2-core Xeon and on a 16-core one (bench/threads.py,
    docs/benchmarks.md), so that is the setting; `torch.set_num_threads(1)` before loading helps a machine
    that is busy with other work (`ragtune.models.dtype.machine_busy` tells).
    """
    usable = available_cpus()
    if torch.get_num_threads() > usable:
        torch.set_num_threads(usable)


def release_freed_memory() -> None:
    """Return heap memory that torch has freed to the OS (glibc's `malloc_trim`); a no-op without glibc.

    Why: on CPU every batch of a new shape (embedding batches vary in token length) frees its activations
    into glibc's heap, which raises its mmap threshold and keeps the freed pages, so the resident size grows
    with the number of distinct shapes seen, not with the largest batch. Measured (MiniLM bf16, 61 batch
    shapes of 64 texts, 2-core Xeon): peak RSS 3,694 MiB without, 1,138 MiB trimming after every batch, at
    the same speed (38.2 s vs 38.0 s); a fixed `M_MMAP_THRESHOLD` held 960 MiB but ran 19 % slower.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # musl or another libc: nothing to trim
        return None


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide transformers' per-load progress bars and deprecation warnings raised inside libraries (e.g. peft
    calling `is_gradient_checkpointing`): noise in a CLI that the user cannot act on; restored afterwards."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
