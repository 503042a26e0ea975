"""Session fixtures: one real GGUF conversion (after a simulated crash), a tiny random llama, the packaged MiniLM."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ragtune.models.packaged import packaged_generator_path  # noqa: E402

# Runs a conversion whose writer dies by SIGKILL halfway through writing the weights: a hard crash,
# no `finally`, no cleanup. The real writer is replaced only to choose the moment of death.
CRASH_SCRIPT = textwrap.dedent(
    """
    import os, signal
    from ragtune.models import packaged

    def dying_writer(gguf, out):
        out.mkdir(parents=True)
        (out / "config.json").write_text("{}")
        (out / "tokenizer.json").write_text("{}")
        with open(out / "model.safetensors", "wb") as f:
            f.write(b"\\0" * 1_000_000)
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    packaged._write_hf_folder = dying_writer
    packaged.packaged_generator_path()
    """
)


@dataclass(frozen=True)
class Crash:
    cache: Path
    returncode: int
    models_dir_entries: list[str]


@dataclass(frozen=True)
class Converted:
    path: Path
    seconds: float
    leftover_after_crash: list[str]


@pytest.fixture(scope="session")
def crashed_cache(tmp_path_factory) -> Crash:
    cache = tmp_path_factory.mktemp("ragtune-cache")
    env = {**os.environ, "RAGTUNE_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", CRASH_SCRIPT], env=env, capture_output=True, timeout=120)
    entries = sorted(p.name for p in (cache / "models").iterdir())
    return Crash(cache, proc.returncode, entries)


@pytest.fixture(scope="session")
def converted(crashed_cache: Crash) -> Converted:
    """The real conversion, into the cache the crash left debris in (aged, so it counts as stale)."""
    leftovers = [p for p in (crashed_cache.cache / "models").iterdir() if ".tmp-" in p.name]
    old = time.time() - 2 * 3600
    for p in leftovers:
        os.utime(p, (old, old))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAGTUNE_CACHE", str(crashed_cache.cache))
        start = time.perf_counter()
        path = packaged_generator_path()
        seconds = time.perf_counter() - start
    return Converted(path, seconds, [p.name for p in leftovers])


@pytest.fixture(scope="session")
def tiny_llama_dir(converted: Converted, tmp_path_factory) -> Path:
    """A randomly initialised 2-layer llama with SmolLM2's tokenizer and chat template: fast, deterministic."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    out = tmp_path_factory.mktemp("tiny-llama")
    config = LlamaConfig(vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                         bos_token_id=1, eos_token_id=2, pad_token_id=2, tie_word_embeddings=True)
    torch.manual_seed(0)
    LlamaForCausalLM(config).save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        if (converted.path / name).exists():
            shutil.copy(converted.path / name, out / name)
    return out


@pytest.fixture(scope="session")
def minilm():
    from ragtune.models.packaged import packaged_embedder_path
    from ragtune.models.st_embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(packaged_embedder_path(), device="cpu")
