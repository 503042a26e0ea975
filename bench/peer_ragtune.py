"""ragtune under the peer benchmark's interface (bench/peer_api.py), used the way `ragtune ingest` / `ask` use it.

Setups:
- "sync": ragtune's defaults. `ChunkIndex.sync` chunks at 256/32 MiniLM tokens, embeds each distinct chunk
  once (sorted by length, 64 per batch) and writes vectors and the BM25 full-text index to LanceDB. The
  embedder runs in bf16 where the CPU has bf16 instructions (fp32 elsewhere).
- "sync-fp32": the same with the embedder forced to fp32, the dtype every peer uses by default; it splits
  ragtune's lead into "pipeline" and "bf16".
Update is the same `sync` on the new full set: it embeds only chunks whose hash it has not stored and
deletes the rows of documents that are gone, in the vector and the BM25 index alike (one table).
"""

from __future__ import annotations

from pathlib import Path

from peer_api import Answerer, Doc, Models, Passage, Reply, Retriever

SETUPS = ("sync", "sync-fp32")
FINGERPRINT = "chunker=v1;max_tokens={};overlap={}"


def _embedder(setup: str, models: Models):
    from ragtune.models.st_embedder import SentenceTransformerEmbedder

    dtype = "float32" if setup == "sync-fp32" else None  # None: ragtune's default for this CPU
    return SentenceTransformerEmbedder(models.embedder, device="cpu", dtype=dtype, name="all-MiniLM-L6-v2")


def _open(setup: str, store: Path, models: Models):
    from ragtune.corpus import make_chunker
    from ragtune.index import ChunkIndex

    embedder = _embedder(setup, models)
    fingerprint = FINGERPRINT.format(models.chunk_tokens, models.chunk_overlap)
    index = ChunkIndex.open(Path(store) / "index", embedder, fingerprint)
    return index, make_chunker(embedder, max_tokens=models.chunk_tokens, overlap=models.chunk_overlap)


def _documents(docs: list[Doc]):
    from ragtune.corpus import Document

    return [Document(id=d.id, text=d.text, title=d.title) for d in docs]


def build(setup: str, docs: list[Doc], store: Path, models: Models) -> None:
    index, chunker = _open(setup, store, models)
    index.sync(_documents(docs), chunker)


def update(setup: str, docs: list[Doc], store: Path, models: Models) -> None:
    build(setup, docs, store, models)  # sync is incremental: the same call adds, updates and deletes


def expected_chunks(setup: str, docs: list[Doc], models: Models) -> int:
    from ragtune.corpus import make_chunker

    chunker = make_chunker(_embedder(setup, models), max_tokens=models.chunk_tokens, overlap=models.chunk_overlap)
    return sum(len(chunker(d)) for d in _documents(docs))


def stored_chunks(setup: str, store: Path, models: Models) -> int:
    index, _ = _open(setup, store, models)
    return index.stats().chunks


def retrievers(setup: str, store: Path, models: Models) -> dict[str, Retriever]:
    from ragtune.retrieve import retrieve

    index, _ = _open(setup, store, models)

    def make(kind: str) -> Retriever:
        def search(query: str, k: int) -> list[Passage]:
            return [Passage(h.doc_id, h.text) for h in retrieve(index, query, retriever=kind, top_k=k)]
        return search

    return {"vector": make("dense"), "bm25": make("bm25"), "hybrid": make("hybrid")}


def answerer(setup: str, store: Path, models: Models, top_k: int, max_new_tokens: int) -> Answerer:
    """`ragtune ask --variant rag` with the project default retriever (hybrid)."""
    from ragtune.answer import answer_questions
    from ragtune.models.hf_generator import TransformersGenerator
    from ragtune.retrieve import retrieve

    index, _ = _open(setup, store, models)
    generator = TransformersGenerator(models.generator, "cpu", dtype=models.generator_dtype)

    def answer(question: str) -> Reply:
        a = answer_questions([question], generator, lambda q: retrieve(index, q, retriever="hybrid", top_k=top_k),
                             max_new_tokens=max_new_tokens)[0]
        return Reply(a.text, [Passage(h.doc_id, h.text) for h in a.passages], a.completion.prompt_tokens,
                     a.completion.completion_tokens)

    return answer
