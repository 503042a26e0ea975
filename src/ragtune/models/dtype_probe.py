"""The timing half of the dtype probe: a model's own work, run in bf16 and in fp32, medians of each.

Both dtypes are timed on the one loaded model: its fp32 parameters are kept aside while a bf16 cast of
them is made (1.5x the weights' memory for the probe's duration), and swapping which set the model holds
is a pointer assignment per parameter, so the repetitions interleave (fp32, bf16, fp32, bf16, ...) and a
burst of load from another process hits both dtypes alike. After the probe the model holds the faster set
and the other is freed; the fp32 tensors it gets back are the very ones it had (bit-identical).

On a GPU the same passes run there, each ending in a synchronize (a CUDA call returns before its work is
done). Small models decode launch-bound, where bf16's extra casts can cost more than its smaller matmuls
save; what wins depends on the model, the GPU and its driver stack, so it is measured there too.

Each pass is warmed up once (the first bf16 call packs oneDNN's kernels for its shapes), then repeated
`REPS` times; the median is the figure.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable

import torch

REPS = 3
# On a GPU a pass takes a tenth of a second and varies by 20 % between repetitions (an H200: small models
# decode launch-bound), so it gets more repetitions, within the same budget.
GPU_REPS = 9
BUDGET_S = 1.5  # no further repetitions after this (see `interleaved_medians`)
GEN_PROMPT_TOKENS = 32  # prefill ...
GEN_DECODE_STEPS = 4  # ... then single-token steps: a RAG answer (~450 prompt tokens, ~60 new ones) spends a
# comparable share of its time in each, and bf16 can win one while losing the other, so the pass holds both,
# scaled down to the probe's budget.
GEN_BATCH = 4  # ... once alone and once in a batch: `ragtune eval` answers in batches, `ask` one at a time, and
# on a 2-core Xeon with AMX bf16 took 1.12x fp32's time alone on closed-book answers but 0.44-0.67x in batches
# of 8 (docs/benchmarks.md); a pass at batch 1 alone measured a near-tie there (0.95).
EMBED_TEXTS, EMBED_TOKENS = 8, 128  # one batch of chunk-sized texts (ingest's chunks are up to 256 tokens)
# A LoRA micro-batch, forward and backward, at the packed row length ragtune trains on ([tune] seq_len):
# at 32 tokens a 2-core Xeon with AMX took 1.64x fp32's time in bf16 autocast, at 256 tokens 0.77x, and
# real rows are 256 tokens (bench/threads.py; docs/benchmarks.md).
TRAIN_TOKENS = 256

CLEAR_RATIO = 4.0  # a bf16 warm-up this many times the fp32 one ends the probe (see `interleaved_medians`)
Pass = Callable[[], None]


class Twin:
    """A module's fp32 parameters and a bf16 cast of them, side by side; `use` sets which the module holds."""

    def __init__(self, module: torch.nn.Module):
        self.params = _castable(module)
        self.sets = {torch.float32: [p.data for p in self.params]}
        self.sets[torch.bfloat16] = [t.to(torch.bfloat16) for t in self.sets[torch.float32]]

    def use(self, dtype: torch.dtype) -> None:
        for p, data in zip(self.params, self.sets[dtype]):
            p.data = data

    def keep(self, dtype: torch.dtype) -> None:
        """Leave the module holding `dtype` and free the other set."""
        self.use(dtype)
        self.sets = {}


def to_bf16(module: torch.nn.Module) -> torch.nn.Module:
    """Cast the parameters to bf16 as loading in bf16 would: buffers (rotary frequencies, computed in fp32
    at init) and a model's `_keep_in_fp32_modules` stay fp32. The probe keeps exactly this cast, so a model
    that was measured answers bit for bit like one loaded later in the remembered dtype."""
    for p in _castable(module):
        p.data = p.data.to(torch.bfloat16)
    return module


def _castable(module: torch.nn.Module) -> list[torch.nn.Parameter]:
    keep = set(getattr(module, "_keep_in_fp32_modules", None) or ())
    return [p for name, p in module.named_parameters()
            if p.is_floating_point() and not keep & set(name.split("."))]


def interleaved_medians(passes: dict[str, tuple[Callable[[], None], Pass]], reps: int = REPS,
                        budget_s: float = BUDGET_S) -> dict[str, float]:
    """{name: median seconds} of `run` for each (setup, run) pair: one untimed warm-up each, then up to
    `reps` rounds in turn, fewer (at least one) once `budget_s` has passed; `setup` runs untimed before
    every call. The budget bounds the probe on a slow or busy machine (a pass of 1 s, not 0.1 s). Where the
    bf16 warm-up takes over `CLEAR_RATIO` times the fp32 one (fp32 warms first, so its warm-up carries the
    process's first-call costs), the warm-ups are the figures: a Zen 3 EPYC took 10x for a LoRA step in
    bf16, and repeating that cost 8 s of an 18 s probe to learn nothing new."""
    start = time.perf_counter()
    warm = {}
    for name in sorted(passes, key=lambda n: n != "fp32"):  # fp32 first: it absorbs the process's first-call costs
        setup, run = passes[name]
        setup()
        tick = time.perf_counter()
        run()
        warm[name] = time.perf_counter() - tick
    if {"bf16", "fp32"} <= set(warm) and warm["bf16"] > CLEAR_RATIO * warm["fp32"]:
        return warm  # far slower even counting fp32's first-call costs against it: no repetitions needed
    times: dict[str, list[float]] = {name: [] for name in passes}
    for _ in range(reps):
        for name, (setup, run) in passes.items():
            setup()
            tick = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - tick)
        if time.perf_counter() - start > budget_s:
            break
    return {name: statistics.median(t) for name, t in times.items()}


def time_cast(module: torch.nn.Module, run: Pass, decide: Callable[[float | None, float], torch.dtype],
              reps: int = REPS) -> tuple[float | None, float]:
    """(bf16 s, fp32 s) of `run` on `module` (in fp32 on entry); the module is left holding the dtype that
    `decide(bf16_s, fp32_s)` names. bf16 is None where it fails (an op without a bf16 kernel on this CPU)."""
    twin = Twin(module)
    kept = torch.float32  # whatever escapes, the module is left as it came
    try:
        try:
            medians = interleaved_medians({"bf16": (lambda: twin.use(torch.bfloat16), run),
                                           "fp32": (lambda: twin.use(torch.float32), run)}, reps)
            bf16_s, fp32_s = medians["bf16"], medians["fp32"]
        except RuntimeError:
            twin.use(torch.float32)
            bf16_s, fp32_s = None, interleaved_medians({"fp32": (lambda: None, run)}, reps)["fp32"]
        kept = decide(bf16_s, fp32_s)
    finally:
        twin.keep(kept)
    return bf16_s, fp32_s


def time_autocast(run: Pass, device_type: str = "cpu", reps: int = REPS) -> tuple[float | None, float]:
    """(bf16 s, fp32 s) of `run` under autocast to bf16 on `device_type` and without it (training keeps fp32
    weights)."""
    def bf16_run() -> None:
        with torch.autocast(device_type, dtype=torch.bfloat16):
            run()

    try:
        medians = interleaved_medians({"bf16": (lambda: None, bf16_run), "fp32": (lambda: None, run)}, reps)
        return medians["bf16"], medians["fp32"]
    except RuntimeError:
        return None, interleaved_medians({"fp32": (lambda: None, run)}, reps)["fp32"]


def _token_ids(model: torch.nn.Module, n: int) -> torch.Tensor:
    """(1, n) fixed ids from the ordinary vocabulary (no special tokens), on the model's device: timings do
    not depend on which."""
    vocab = int(getattr(model.config, "vocab_size", 1000))
    low = min(1000, vocab // 2)
    return ((torch.arange(n) * 7919) % (vocab - low) + low).unsqueeze(0).to(_device(model))


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def _synced(model: torch.nn.Module, run: Pass) -> Pass:
    """`run`, returning only when a GPU has finished it (CUDA calls return before the work is done)."""
    if _device(model).type != "cuda":
        return run

    def done() -> None:
        run()
        torch.cuda.synchronize(_device(model))

    return done


def generation_pass(model) -> Pass:
    """A short answer alone and a batch of `GEN_BATCH`: prefill `GEN_PROMPT_TOKENS`, then `GEN_DECODE_STEPS`
    greedy steps through `generate` (the path answers take). Prefill is matrix-matrix work, decoding
    matrix-vector at batch 1: bf16 can win one and lose the other, so the pass holds both, alone and batched
    as ragtune answers (one at a time for `ask`, in batches for `eval`)."""
    ids = _token_ids(model, GEN_PROMPT_TOKENS)
    batch = ids.repeat(GEN_BATCH, 1)
    pad = model.generation_config.pad_token_id
    pad = pad if pad is not None else model.generation_config.eos_token_id
    pad = pad[0] if isinstance(pad, list) else pad

    def run() -> None:
        with torch.inference_mode():
            for x in (ids, batch):
                model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=GEN_DECODE_STEPS,
                               min_new_tokens=GEN_DECODE_STEPS, do_sample=False, temperature=None, top_k=None,
                               top_p=None, pad_token_id=pad)

    return _synced(model, run)


def embedding_pass(model) -> Pass:
    """One batch of `EMBED_TEXTS` texts of `EMBED_TOKENS` tokens through a sentence-transformers model."""
    length = min(EMBED_TOKENS, int(getattr(model, "max_seq_length", EMBED_TOKENS) or EMBED_TOKENS))
    texts = ["the quick brown fox jumps over the lazy dog " * 40] * EMBED_TEXTS
    features = (model.preprocess if hasattr(model, "preprocess") else model.tokenize)(texts)
    features = {k: (v[:, :length] if v.dim() == 2 else v).to(_device(model)) for k, v in features.items()
                if torch.is_tensor(v)}

    def run() -> None:
        with torch.inference_mode():
            model(dict(features))

    return _synced(model, run)


def training_pass(model) -> Pass:
    """A LoRA micro-batch: forward and backward over `TRAIN_TOKENS` tokens; gradients are dropped after, and
    the RNG (LoRA dropout) is forked, so a probed run trains exactly like one that found a cached verdict."""
    ids = _token_ids(model, TRAIN_TOKENS)
    trainable = [p for p in model.parameters() if p.requires_grad]
    device = _device(model)
    rngs = [device] if device.type == "cuda" else []

    def run() -> None:
        with torch.random.fork_rng(devices=rngs):
            model(input_ids=ids, labels=ids).loss.backward()
        for p in trainable:
            p.grad = None

    return _synced(model, run)
