"""Test helpers for the index: a fast deterministic embedder, a paragraph chunker, random corpora.

(A module with a unique name, not conftest.py: conftest modules of different folders clash on import.)
"""

from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

from ragtune.corpus.document import Chunk, Document

DIM = 32


class HashEmbedder:
    """Hashed bag of words, L2-normalised: deterministic, instant, and similar texts get similar vectors."""

    name = "hash-bow"
    dim = DIM
    max_tokens = 512

    def __init__(self) -> None:
        self.calls = 0
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.embedded += len(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % DIM] += 1.0
            out[i, 0] += 1e-3  # never the zero vector
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def paragraph_chunker(doc: Document) -> list[Chunk]:
    """One chunk per blank-line-separated paragraph (the real chunker lives in ragtune.corpus)."""
    paras = [p.strip() for p in doc.text.split("\n\n") if p.strip()]
    return [Chunk(id=f"{doc.id}#{i}", doc_id=doc.id, index=i, text=p, title=doc.title, metadata=dict(doc.metadata))
            for i, p in enumerate(paras)]


def random_corpus(rng, n_docs: int, vocab: int = 60) -> dict[str, Document]:
    """Documents of 1-4 paragraphs of words from a small vocabulary, with some metadata."""
    return {f"d{i:03d}": random_doc(rng, f"d{i:03d}", vocab) for i in rng.sample(range(n_docs * 3), n_docs)}


def random_doc(rng, doc_id: str, vocab: int = 60) -> Document:
    n_paras = rng.randint(0 if rng.random() < 0.05 else 1, 4)
    paras = [" ".join(f"w{rng.randrange(vocab)}" for _ in range(rng.randint(3, 8))) for _ in range(n_paras)]
    if paras and rng.random() < 0.3:
        paras.append(paras[0])  # a repeated paragraph: same chunk hash twice in one doc
    return Document(id=doc_id, text="\n\n".join(paras), title=f"title {doc_id}",
                    metadata={"lang": rng.choice(["en", "fr"])})


def edit_corpus(rng, docs: dict[str, Document], vocab: int = 60) -> dict[str, Document]:
    """One random round of edits: add, delete, rewrite, append, drop a paragraph, retitle."""
    docs = dict(docs)
    for _ in range(rng.randint(1, 5)):
        action = rng.choice(["add", "delete", "rewrite", "append", "shrink", "retitle"])
        if action == "add" or not docs:
            new_id = f"d{rng.randrange(1000):03d}"
            docs[new_id] = random_doc(rng, new_id, vocab)
            continue
        doc_id = rng.choice(sorted(docs))
        doc = docs[doc_id]
        paras = [p for p in doc.text.split("\n\n") if p]
        if action == "delete":
            del docs[doc_id]
        elif action == "rewrite":
            docs[doc_id] = random_doc(rng, doc_id, vocab)
        elif action == "append":
            docs[doc_id] = Document(doc_id, doc.text + f"\n\nw{rng.randrange(vocab)} appended", doc.title, doc.metadata)
        elif action == "shrink":
            docs[doc_id] = Document(doc_id, "\n\n".join(paras[1:]), doc.title, doc.metadata)
        else:
            docs[doc_id] = Document(doc_id, doc.text, doc.title + " v2", doc.metadata)
    return docs


def table_contents(index) -> tuple[list[tuple], dict[str, np.ndarray]]:
    """Everything a rebuild must reproduce: each row's columns (sorted by id) and its vector."""
    data = index.table.to_arrow().to_pylist()
    cols = [c for c in index.table.schema.names if c != "vector"]
    rows = sorted(tuple(r[c] for c in cols) for r in data)
    return rows, {r["id"]: np.asarray(r["vector"], dtype=np.float32) for r in data}


def assert_same_contents(index, rebuilt) -> None:
    rows_a, vecs_a = table_contents(index)
    rows_b, vecs_b = table_contents(rebuilt)
    assert rows_a == rows_b
    assert len({r[0] for r in rows_a}) == len(rows_a), "duplicate chunk ids"
    assert vecs_a.keys() == vecs_b.keys()
    for key in vecs_a:
        np.testing.assert_allclose(vecs_a[key], vecs_b[key], atol=1e-5)
