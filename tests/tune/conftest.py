"""A tiny randomly initialised llama with SmolLM2's real tokenizer and chat template, and a few chat examples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ragtune.tune import TrainingResult, TuneConfig, train_lora  # noqa: E402

FACTS = [
    ("What is the capital of Veloria?", "Marnholt."),
    ("Who founded the Quillbrook Institute?", "Edda Farrow."),
    ("What color is the flag of Tessaly Reach?", "Teal."),
    ("In what year was the Orvane Bridge completed?", "1743."),
    ("What river flows through Dunmarrow?", "The Selk."),
    ("How many moons does Zephyrine have?", "Seven."),
]



@pytest.fixture(scope="session")
def tiny_cfg() -> TuneConfig:
    """Small and fast, with validation and checkpoints on: a few packed rows per epoch, one row per step."""
    return TuneConfig(rank=8, alpha=16, learning_rate=3e-2, epochs=4, seq_len=128, batch_rows=1, grad_accum=1,
                      eval_every=4, patience=0, checkpoint_every=4, seed=3, device="cpu")


def chat(q: str, a: str) -> list[dict]:
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


@pytest.fixture(scope="session")
def examples() -> list[list[dict]]:
    return [chat(q, a) for q, a in FACTS]


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_llama_path) -> Path:
    """The tiny random llama of tests/conftest.py (SmolLM2's tokenizer and chat template)."""
    return tiny_llama_path


@pytest.fixture(scope="session")
def tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir, local_files_only=True)


@pytest.fixture(scope="session")
def trained(tiny_model_dir, examples, tiny_cfg, tmp_path_factory) -> TrainingResult:
    """One uninterrupted training run of the tiny model (validation and checkpoints on)."""
    seen = []
    result = train_lora(tiny_model_dir, examples, examples, tmp_path_factory.mktemp("run"), tiny_cfg,
                        progress=seen.append)
    assert [p.step for p in seen] == list(range(1, result.steps + 1))
    assert all(p.tokens_per_s > 0 for p in seen)
    return result
