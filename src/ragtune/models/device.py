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
from transformers.utils import logging as hf_logging

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
    """bf16 where the hardware does it fast (CUDA, and CPUs with bf16 instructions), fp32 elsewhere.

    Measured on a 2-core Zen 4 (avx512_bf16): SmolLM2-135M prefill 490 tok/s in bf16 vs 230 in fp32.
    CPUs without bf16 instructions emulate it and run slower than fp32, so they keep fp32.
    """
    if device.startswith("cuda") or (device == "cpu" and cpu_has_fast_bf16()):
        return torch.bfloat16
    return torch.float32


@functools.cache
def cpu_has_fast_bf16() -> bool:
    """Whether the CPU has native bf16 matrix instructions (x86 avx512_bf16 or AMX); RAGTUNE_CPU_BF16=0/1 overrides."""
    forced = os.environ.get("RAGTUNE_CPU_BF16")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:  # not Linux: stay with fp32
        return False
    return bool({"avx512_bf16", "amx_bf16"} & set(flags.split()))


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
    """Cap torch's intra-op threads at the usable CPUs: oversubscription makes CPU inference slower."""
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
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
