"""Model backends behind small protocols: packaged local models, transformers, OpenAI-compatible HTTP.

`load_embedder` / `load_generator` turn the `[models]` settings into a backend. Heavy libraries
(torch, transformers) are imported only when a local model is actually loaded.
"""

from __future__ import annotations

import os
from pathlib import Path

from ragtune.config import ModelSettings
from ragtune.errors import ModelError
from ragtune.models.protocols import Completion, Embedder, Generator, Message

__all__ = ["Completion", "Embedder", "Generator", "Message", "ModelError", "dtype_status", "load_embedder",
           "load_generator"]

PACKAGED_EMBEDDER = "minilm"
PACKAGED_GENERATOR = "smollm2"
OPENAI_PREFIX = "openai:"


def load_embedder(models: ModelSettings) -> Embedder:
    """"minilm" (packaged), "openai:<model>" (HTTP at `api_base`) or a sentence-transformers folder."""
    spec = models.embedder
    if spec.startswith(OPENAI_PREFIX):
        from ragtune.models.openai_http import OpenAIEmbedder

        return OpenAIEmbedder(_openai_model(spec, "embedder"), models.api_base, os.environ.get(models.api_key_env),
                              batch_size=models.embed_batch_size, concurrency=models.concurrency)
    from ragtune.models.st_embedder import SentenceTransformerEmbedder

    if spec == PACKAGED_EMBEDDER:
        from ragtune.models.packaged import packaged_embedder_path

        return SentenceTransformerEmbedder(packaged_embedder_path(), models.device, models.embed_batch_size,
                                           name="all-MiniLM-L6-v2")
    return SentenceTransformerEmbedder(_local_path(spec, "embedder", "minilm", "a sentence-transformers model folder"),
                                       models.device, models.embed_batch_size)


def load_generator(models: ModelSettings, adapter: str | Path | None = None) -> Generator:
    """"smollm2" (packaged), "openai:<model>" (HTTP at `api_base`) or a local HF causal-LM folder.

    `adapter` (a PEFT LoRA folder) applies to local models only.
    """
    spec = models.generator
    if spec.startswith(OPENAI_PREFIX):
        if adapter is not None:
            raise ModelError("LoRA adapters apply to local generators only; serve the adapter from your endpoint "
                             "(e.g. vLLM --lora-modules) and name it in \"openai:<model>\".")
        from ragtune.models.openai_http import OpenAIChatGenerator

        model = _openai_model(spec, "generator")
        return OpenAIChatGenerator(model, models.api_base, os.environ.get(models.api_key_env),
                                   concurrency=models.concurrency, key_env=models.api_key_env)
    from ragtune.models.hf_generator import TransformersGenerator

    if spec == PACKAGED_GENERATOR:
        from ragtune.models.hf_generator import adapter_label
        from ragtune.models.packaged import packaged_generator_path

        return TransformersGenerator(packaged_generator_path(), models.device, adapter,
                                     name="SmolLM2-135M-Instruct" + (f"+{adapter_label(adapter)}" if adapter else ""))
    return TransformersGenerator(_local_path(spec, "generator", "smollm2", "a Hugging Face causal-LM folder"),
                                 models.device, adapter)


def dtype_status(models: ModelSettings) -> dict[str, str]:
    """{"embedder": ..., "generator": ...}: the dtype each local model runs in and its measured bf16/fp32 ratio,
    or "not measured yet"; loads (and converts) no model (`ragtune status`)."""
    from ragtune.models.device import resolve_device
    from ragtune.models.dtype import NOT_MEASURED, status_text
    from ragtune.models.packaged import is_complete_model_dir, packaged_embedder_path, packaged_generator_dir

    try:
        device = resolve_device(models.device)
    except ModelError as e:
        return {"embedder": str(e), "generator": str(e)}
    rows = {}
    for role, kind, spec, packaged in (("embedder", "embed", models.embedder, PACKAGED_EMBEDDER),
                                       ("generator", "generate", models.generator, PACKAGED_GENERATOR)):
        try:
            if spec.startswith(OPENAI_PREFIX):
                rows[role] = "remote endpoint (its server chooses)"
            elif spec != packaged:
                rows[role] = status_text(kind, Path(spec).expanduser(), device)
            elif role == "embedder":
                rows[role] = status_text(kind, packaged_embedder_path(), device)
            else:  # the packaged generator is converted at first use; nothing was measured before that either
                folder = packaged_generator_dir()
                rows[role] = status_text(kind, folder, device) if is_complete_model_dir(folder) else NOT_MEASURED
        except ModelError as e:
            rows[role] = str(e)
    return rows


def _openai_model(spec: str, role: str) -> str:
    model = spec.removeprefix(OPENAI_PREFIX).strip()
    if not model:
        raise ModelError(f"[models] {role} = {spec!r} names no model; "
                         "write \"openai:<model>\", e.g. \"openai:gpt-4o-mini\".")
    return model


def _local_path(spec: str, role: str, packaged: str, folder: str) -> Path:
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise ModelError(f"[models] {role} = {spec!r} is not a folder. Accepted values: \"{packaged}\" (the packaged "
                         f"model), \"openai:<model>\" (an OpenAI-compatible endpoint at api_base), or {folder}.")
    return path
