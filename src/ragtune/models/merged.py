"""LoRA adapters answered with merged weights: as fast per answer as the base model.

Unmerged, every LoRA-wrapped linear layer runs two extra matmuls per forward pass (x -> A -> B); on
SmolLM2-135M that made `ft+rag` and `raft` 25-45 % slower per answer than `rag`. Merged, a layer is one
plain `nn.Linear` with weight W + s * B @ A, the base model's cost exactly. Measured (2-core AMD EPYC,
SmolLM2-135M, rank-16 adapter on all linear layers, a 496-token RAG prompt, best of 8 interleaved):

| | prefill fp32 | decode/token fp32 | prefill bf16 | decode/token bf16 |
|---|---:|---:|---:|---:|
| base | 1.02 s | 63.5 ms | 0.55 s | 45.9 ms |
| adapter, unmerged LoRA | 1.16 s (+14 %) | 72.0 ms (+13 %) | 0.65 s (+19 %) | 60.6 ms (+32 %) |
| adapter, merged | 0.98 s | 62.7 ms | 0.52 s | 42.8 ms |

How: the shared model keeps its PEFT wrappers (training code and `disable_adapter` still see a PEFT
model); for each adapter we fold W + s * B @ A once into new `nn.Linear` layers and swap them into the
module tree only while that adapter answers (`answering_with`), then swap the wrappers back. The base
tensors are never written, so the base model's answers stay bit-identical after any number of switches,
and every tensor the adapter does not touch (embeddings, norms, LM head, biases) stays shared.

Why not merge/unmerge in place (PEFT `merge_adapter` / `unmerge_adapter`): W + d - d != W in floating
point. Measured on SmolLM2-135M with an adapter on all linear layers: one merge/unmerge leaves 503,694
base weights changed in fp32 (max 1.2e-7) and 964,810 in bf16 (max 3.9e-3), and the drift grows with
every variant block an evaluation switches through. Why not a merged copy saved to `runs/<id>/merged/`:
a full model on disk per adapter (513 MiB for SmolLM2 in fp32, 3.2 s to merge and save) and a full
model in memory per adapter once loaded; PEFT's `merge_and_unload` into separate models likewise holds
everything twice (2 adapters: 2,001 MiB peak against 1,798 MiB here). Folding an adapter in memory takes
about 0.4 s on SmolLM2 (fresh memory is most of it) and happens once, when the variant is resolved.

The cost is memory: each merged adapter holds its own copy of the layers it targets (all linear layers
by default: about 80 % of SmolLM2-135M, 428 MiB in fp32; about 96 % of a 7B model, 13 GB in bf16).
Measured peak RSS with two adapters in fp32: base alone 943 MiB, unmerged 1,003 MiB, merged 1,798 MiB.
`merge_adapters = false` in `[generation]` answers unmerged instead (one copy of the weights, slower
answers); and an adapter whose merged layers would not leave `MEMORY_HEADROOM_BYTES` free answers
unmerged by itself (a 7B model in bf16 on a 24 GiB machine: the base fits, a merged adapter does not).
In bf16 the merged weight is W + s * B @ A rounded once to bf16, so logits differ from unmerged LoRA
in the last bits (greedy answers were identical on the measured prompts); in fp32 they agree to 1e-4.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Iterator

import torch

# Merged layers are built only while this much memory stays free for answering (activations, KV cache).
MEMORY_HEADROOM_BYTES = 1 << 30


class MergedAdapters:
    """The merged layers of each adapter loaded on one shared PEFT model, built on first use."""

    def __init__(self, model):
        self.model = model
        self.layers: dict[str, dict[str, torch.nn.Module] | None] = {}  # adapter -> name -> layer (None: unmergeable)

    def sites(self) -> list[tuple[str, torch.nn.Module]]:
        """The (qualified name, LoRA layer) pairs of the shared model."""
        from peft.tuners.lora import LoraLayer

        return [(name, m) for name, m in self.model.named_modules() if isinstance(m, LoraLayer)]

    def base_layers(self) -> dict[str, torch.nn.Module]:
        """The layers the LoRA wrappers hold: swapped in, the model is exactly the base model with no wrapper cost."""
        return {name: m.base_layer for name, m in self.sites()}

    def merged(self, adapter: str) -> dict[str, torch.nn.Module] | None:
        """Name -> merged layer for `adapter` (built once), or None where it cannot merge (not enough memory,
        or a LoRA kind other than plain linear LoRA, such as DoRA): that adapter then answers unmerged."""
        if adapter not in self.layers:
            sites = self.sites()
            if not all(_mergeable(m, adapter) for _, m in sites):
                self.layers[adapter] = None
            else:
                targeted = [m.base_layer.weight for _, m in sites if adapter in m.lora_A]
                fits = not targeted or _fits(sum(w.nbytes for w in targeted), targeted[0].device)
                self.layers[adapter] = _merged_layers(sites, adapter) if fits else None
        return self.layers[adapter]


@contextlib.contextmanager
def swapped(model: torch.nn.Module, layers: dict[str, torch.nn.Module]) -> Iterator[None]:
    """`model` with the modules named in `layers` replaced for the duration (then put back exactly)."""
    replaced = []
    try:
        for name, layer in layers.items():
            parent_name, _, attr = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            replaced.append((parent, attr, getattr(parent, attr)))
            setattr(parent, attr, layer)
        yield
    finally:
        for parent, attr, old in reversed(replaced):
            setattr(parent, attr, old)


def _mergeable(layer, adapter: str) -> bool:
    """Plain linear LoRA (no DoRA or other variant, no LoRA bias): W + s * B @ A is the whole layer."""
    from peft.tuners.lora import Linear

    if adapter not in layer.lora_A:
        return True  # this adapter leaves the layer alone: the base layer is swapped in
    return (isinstance(layer, Linear) and adapter not in getattr(layer, "lora_variant", {})
            and not getattr(layer, "lora_bias", {}).get(adapter, False))


def _merged_layers(sites, adapter: str) -> dict[str, torch.nn.Module]:
    """W + s * B @ A as one fused `addmm` per layer (one new tensor each), in fp32 and rounded once to the
    weights' dtype (PEFT's merge rounds the delta to that dtype first, then adds)."""
    out = {}
    with torch.no_grad():
        for name, layer in sites:
            base = layer.base_layer
            if adapter not in layer.lora_A:
                out[name] = base
                continue
            weight = base.weight
            a, b = layer.lora_A[adapter].weight.float(), layer.lora_B[adapter].weight.float()
            if getattr(layer, "fan_in_fan_out", False):  # weights stored (in, out), as GPT-2's Conv1D
                a, b = b.T, a.T
            merged = torch.addmm(weight.float(), b, a, alpha=layer.scaling[adapter]).to(weight.dtype)
            clone = copy.copy(base)  # shares the bias and every other attribute; only the weight is new
            clone._parameters = dict(base._parameters)
            clone._parameters["weight"] = torch.nn.Parameter(merged, requires_grad=False)
            out[name] = clone
    return out


def _fits(nbytes: int, device: torch.device) -> bool:
    """Whether `nbytes` more still leave the headroom free: on the GPU for CUDA, else in RAM (Linux's
    MemAvailable; where that is unknown, assume it fits)."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return free - nbytes > MEMORY_HEADROOM_BYTES
    try:
        with open("/proc/meminfo") as f:
            available = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, StopIteration, ValueError):
        return True
    return available - nbytes > MEMORY_HEADROOM_BYTES
