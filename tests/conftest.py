"""Shared by every test folder: this directory is on sys.path (pytest's rootdir conftest), so tests can
`from cli_helpers import run`."""

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_llama_path(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer llama with SmolLM2's real tokenizer and chat template: a generator
    that loads and answers in well under a second, for tests of the wiring rather than of the answers."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from ragtune.models.packaged import packaged_generator_path

    real = packaged_generator_path()
    out = tmp_path_factory.mktemp("tiny-llama-root")
    config = LlamaConfig(vocab_size=49152, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                         bos_token_id=1, eos_token_id=2, pad_token_id=2, tie_word_embeddings=True)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = 2
    model.save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        if (real / name).exists():
            shutil.copy(real / name, out / name)
    return out


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 for the whole session (tests/s3_helpers.py)."""
    from s3_helpers import start_s3

    server, proc = start_s3()
    yield server
    proc.terminate()
    proc.wait(30)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """The index tests run twice: on a local folder and on the S3-compatible server (`s3_helpers.IndexStore`)."""
    from s3_helpers import IndexStore

    if request.param == "local":
        return IndexStore(str(tmp_path))
    server = request.getfixturevalue("s3_server")
    return IndexStore(server.prefix(), server.options)
