"""bf16 or fp32 for a local model on a CPU or GPU, chosen by timing that model on this machine, and remembered.

Why a measurement: the rule it replaces (bf16 wherever /proc/cpuinfo lists avx512_bf16 or amx_bf16) was
measured on one CPU, a 2-core Zen 4, where bf16 ran SmolLM2's prefill and MiniLM about 2x faster; on a
2-core Xeon with avx512_bf16 but no AMX the same rule made generation 1.7x and embedding 1.3x slower (issue
16). So at first use of a model on a CPU, `dtype_probe` times the model's own work in both dtypes (a
short answer for a generator, a batch of chunks for an embedder, a LoRA step for training) and the faster
one is kept. The verdict is written to `<cache>/dtype_verdicts.json` (`RAGTUNE_CACHE`, else
~/.cache/ragtune), keyed by everything that decides it: the workload, the CPU model, the usable cores and
torch's threads, the torch version and the model (its folder and config hash); later processes read it
back instead of measuring. A corrupt file is ignored and rewritten; deleting it measures again (after a
first use on a machine that was busy with other work, say).

Where the bf16 warm-up alone takes over 4x the fp32 one, the probe stops there (`dtype_probe.CLEAR_RATIO`):
on a Zen 3 EPYC without bf16 instructions a LoRA step took 10x in bf16, and repeating it only cost time.

Margin: bf16 is chosen only when it takes at most `BF16_MAX_RATIO` (0.95) of the fp32 time. A tie goes to
fp32 because bf16 costs precision (greedy answers can differ from fp32's; embeddings keep a cosine of
>= 0.999), and medians of interleaved repetitions still move by a few percent on a busy machine. The
margin is no wider than 5 % so that the fp32 kept in a near-tie is never more than ~5 % slower than bf16.

On a GPU with native bf16 (Ampere and later) the same probe runs there, keyed by the GPU's name: on an H200
(a sandboxed one, random weights at real shapes) LoRA training under bf16 autocast ran 1.3-1.5x slower
than fp32 for a 135M and a 1B llama, and generation was within noise of fp32, so "bf16 on CUDA" was a rule
to measure too (docs/benchmarks.md). A model too big to hold in fp32 beside its bf16 twin in half the free
memory runs in bf16 unmeasured (`probe_fits`). Before Ampere, fp16 answers and embeds and training stays
fp32. `RAGTUNE_CPU_BF16=1` (or 0) forces bf16 (or fp32) on a CPU without measuring; an explicit dtype (a
`dtype=` argument, `[tune] dtype`) is used as given.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from ragtune.errors import ModelError
from ragtune.models import dtype_probe
from ragtune.models.device import available_cpus, parse_dtype
from ragtune.numbers import ratio_text, seconds_text
from ragtune.runs import file_hash, write_json

BF16_MAX_RATIO = 0.95
ENV = "RAGTUNE_CPU_BF16"
VERDICTS_FILE = "dtype_verdicts.json"
KINDS = ("generate", "embed", "train")
NAMES = {"bfloat16": "bf16", "float32": "fp32"}
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")
NOT_MEASURED = "not measured yet (measured at first use)"


@dataclass(frozen=True)
class DtypeChoice:
    """The dtype a model runs in, where that came from, and (when measured) both timings of the probe."""

    dtype: str  # "bfloat16" or "float32"
    source: str  # "probe" | "cache" | "env" | "cuda" | "setting" | "device"
    bf16_s: float | None = None  # median seconds of the probe's pass in bf16 (None: not measured)
    fp32_s: float | None = None
    probe_s: float | None = None  # the probe's whole wall time (casts and warm-ups included)

    @property
    def ratio(self) -> float | None:
        """bf16 time over fp32 time: below 1, bf16 is faster."""
        return self.bf16_s / self.fp32_s if self.bf16_s and self.fp32_s else None

    @property
    def torch_dtype(self) -> torch.dtype:
        return getattr(torch, self.dtype)

    def record(self) -> dict:
        """What a manifest or the verdict file holds."""
        return {**asdict(self), "ratio": None if self.ratio is None else round(self.ratio, 3)}

    def describe(self) -> str:
        """"bf16 (bf16 takes 0.48x the fp32 time; measured on this machine)", "fp32 (RAGTUNE_CPU_BF16=0)", ..."""
        name = NAMES.get(self.dtype, self.dtype)
        if self.source in ("probe", "cache"):
            if self.ratio is None:
                return f"{name} (bf16 failed on this device)"
            how = "measured now" if self.source == "probe" else "measured earlier on this machine"
            return f"{name} (bf16 takes {ratio_text(self.ratio)} the fp32 time; {how})"
        why = {"env": f"{ENV}={os.environ.get(ENV, '')}", "cuda": "CUDA, not measured", "setting": "as set",
               "device": "not a CPU: fp32"}.get(self.source, self.source)
        return f"{name} ({why})"


def decide(bf16_s: float | None, fp32_s: float) -> torch.dtype:
    """bf16 only when it took at most `BF16_MAX_RATIO` of the fp32 time (see the module docstring)."""
    return torch.bfloat16 if bf16_s is not None and bf16_s <= BF16_MAX_RATIO * fp32_s else torch.float32


def known_choice(kind: str, model_dir: str | Path, device: str, requested: str | torch.dtype | None = None
                 ) -> DtypeChoice | None:
    """The choice where nothing needs measuring (a set dtype, a device without a probe, `RAGTUNE_CPU_BF16`, a
    cached verdict); None: measure with `measure`."""
    if requested is not None:
        return DtypeChoice(str(parse_dtype(requested, device)).removeprefix("torch."), "setting")
    if device.startswith("cuda"):
        if not torch.cuda.is_bf16_supported(including_emulation=False):
            # Before Ampere (a T4, a V100) bf16 is emulated: fp16 answers and embeds; training stays fp32,
            # since fp16 autocast without loss scaling can underflow the LoRA gradients.
            return DtypeChoice("float32" if kind == "train" else "float16", "cuda")
        if kind != "train" and not probe_fits(Path(model_dir), torch.cuda.mem_get_info(torch.device(device))[0]):
            return DtypeChoice("bfloat16", "cuda")  # no room to hold it in fp32 beside a bf16 twin
        return remembered(kind, model_dir, device)
    if device != "cpu":
        return DtypeChoice("float32", "device")
    forced = os.environ.get(ENV)
    if forced in ("0", "1"):
        return DtypeChoice("bfloat16" if forced == "1" else "float32", "env")
    return remembered(kind, model_dir)


def probe_fits(model_dir: Path, free_bytes: int) -> bool:
    """Whether a model can be probed on a GPU: in fp32 with its bf16 twin (6 bytes a parameter, counting its
    weight files as 16-bit, the most parameters a byte can hold) within half the free memory. A model too
    big for that runs in bf16 unmeasured, as it would have to anyway."""
    stored = sum(f.stat().st_size for f in Path(model_dir).rglob("*") if f.suffix in WEIGHT_SUFFIXES)
    return stored / 2 * 6 <= free_bytes / 2


def measure(kind: str, model_dir: str | Path, module: torch.nn.Module) -> DtypeChoice:
    """Time `module` (loaded in fp32, on the device it will run on) in both dtypes on `kind`'s work,
    remember the verdict, and leave the module in the chosen dtype (training keeps fp32 weights: its bf16
    is autocast)."""
    device = str(next(module.parameters()).device)
    start, busy = time.perf_counter(), device == "cpu" and machine_busy()
    reps = dtype_probe.REPS if device == "cpu" else dtype_probe.GPU_REPS
    if kind == "train":
        bf16_s, fp32_s = dtype_probe.time_autocast(dtype_probe.training_pass(module), device.split(":")[0], reps)
    else:
        work = dtype_probe.generation_pass if kind == "generate" else dtype_probe.embedding_pass
        bf16_s, fp32_s = dtype_probe.time_cast(module, work(module), decide, reps)
    chosen = str(decide(bf16_s, fp32_s)).removeprefix("torch.")
    choice = DtypeChoice(chosen, "probe", _round(bf16_s), _round(fp32_s), _round(time.perf_counter() - start))
    _remember(kind, model_dir, choice, busy, device)
    return choice


def remembered(kind: str, model_dir: str | Path, device: str = "cpu") -> DtypeChoice | None:
    """The verdict measured earlier for this workload, machine, torch and model; None if there is none."""
    entry = _read_verdicts().get(verdict_key(kind, model_dir, device))
    if isinstance(entry, dict) and entry.get("busy") and not machine_busy():
        return None  # measured while other work competed for the cores: measure again now that it does not
    try:
        choice = DtypeChoice(entry["dtype"], "cache", entry["bf16_s"], entry["fp32_s"], entry.get("probe_s"))
    except (KeyError, TypeError):
        return None
    numbers = (choice.fp32_s, *([] if choice.bf16_s is None else [choice.bf16_s]))
    if choice.dtype not in NAMES or not all(isinstance(x, (int, float)) and x > 0 for x in numbers):
        return None  # an entry of another shape (edited, or from another version): measure again
    return choice


def status_text(kind: str, model_dir: Path, device: str) -> str:
    """One line for `ragtune status`: the choice and its ratio, or that it is measured at first use."""
    choice = known_choice(kind, model_dir, device)
    if choice is None:
        return NOT_MEASURED
    took = f"; probe {seconds_text(choice.probe_s)}" if choice.probe_s else ""
    return choice.describe() + took


def verdict_key(kind: str, model_dir: str | Path, device: str = "cpu") -> str:
    """What decides the verdict, readable: workload | CPU and its cores and threads, or the GPU | torch | model."""
    if kind not in KINDS:
        raise ModelError(f"unknown dtype workload {kind!r}; use one of {', '.join(KINDS)}.")
    if device.startswith("cuda"):
        hardware = (torch.cuda.get_device_name(torch.device(device)), "cuda")
    else:
        cpus = available_cpus()
        threads = min(torch.get_num_threads(), cpus)  # what `configure_cpu_threads` sets before a model runs
        hardware = (cpu_model(), f"{cpus} cpus, {threads} threads")
    return " | ".join((kind, *hardware, f"torch {torch.__version__}", model_identity(Path(model_dir))))


def model_identity(model_dir: Path) -> str:
    """The model's folder and a hash of its config: a changed model in the same folder is measured again."""
    for name in ("config.json", "modules.json"):
        if (model_dir / name).is_file():
            return f"{model_dir.resolve()} ({name} {file_hash(model_dir / name)[:12]})"
    return str(model_dir.resolve())


def cpu_model() -> str:
    """The CPU's model name as /proc/cpuinfo (Linux) or the platform reports it."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def verdicts_path() -> Path:
    from ragtune.models.packaged import cache_dir

    return cache_dir() / VERDICTS_FILE


def _read_verdicts() -> dict:
    """The verdict file; an unreadable or corrupt one counts as empty (it is rewritten on the next verdict)."""
    try:
        data = json.loads(verdicts_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def machine_busy() -> bool:
    """Whether other work competes for the cores: a 1-minute load average above the usable CPUs plus one
    (this process, loading its model, adds about one). Torch's threads then wait on each other and both
    dtypes run several times slower, unevenly (2-core EPYC at load 5: a pass 10x slower with 2 threads
    than with 1), so such a verdict is kept only until a quieter first use measures again."""
    try:
        return os.getloadavg()[0] > available_cpus() + 1
    except (AttributeError, OSError):  # Windows: no load average
        return False


def _remember(kind: str, model_dir: str | Path, choice: DtypeChoice, busy: bool = False, device: str = "cpu") -> None:
    """Add the verdict to the file, atomically, dropping those of model folders that no longer exist (test
    runs' temporary models); a read-only cache only means measuring again next time."""
    verdicts = {k: v for k, v in _read_verdicts().items()
                if isinstance(v, dict) and Path(v.get("model_dir") or "/").exists()}
    verdicts[verdict_key(kind, model_dir, device)] = {**choice.record(), "model_dir": str(Path(model_dir).resolve()),
                                              "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "busy": busy}
    try:
        write_json(verdicts_path(), verdicts)
    except OSError:
        pass


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def choice_records(**models) -> dict[str, dict | None]:
    """{role: its `DtypeChoice.record()`} for a manifest; None for a model without one (remote, or not loaded)."""
    return {role: c.record() if (c := getattr(m, "dtype_choice", None)) is not None else None
            for role, m in models.items()}
