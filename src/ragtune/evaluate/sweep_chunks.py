"""Chunk sizes for `ragtune eval --sweep-retrieval --chunk-sizes`: the project's documents indexed again at
each size, compared at the same prompt budget, and the winner's index moved into place.

A chunk size cannot be judged at a fixed k: five 512-token passages hold twice the text of five 256-token
ones, so they find more and cost more. Each size is measured at the k that keeps the passages' tokens
where `[chunking] max_tokens` x `[retrieval] top_k` has them (k = that budget / size, at least 1), with
the overlap at the same share of the chunk. The candidate indexes are built in the sweep's run folder from
the folder the project last ingested; the one chosen replaces the project's index (the old one is kept
in the run folder), and the fine-tuned retriever's index, if any, is rebuilt at the new size.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ragtune.config import load_settings
from ragtune.corpus import load_corpus, make_chunker
from ragtune.errors import ProjectError
from ragtune.index import ChunkIndex
from ragtune.project import Project

INDEX_PREFIX = "chunks-"


@dataclass(frozen=True)
class ChunkSize:
    tokens: int
    overlap: int
    k: int  # passages per question at the project's prompt budget


def chunk_sizes(proj: Project, sizes: Sequence[int]) -> list[ChunkSize]:
    """Each size other than the project's, with its overlap and its k at the same budget."""
    c, top_k = proj.settings.chunking, proj.settings.retrieval.top_k
    found = []
    for tokens in sorted(set(sizes)):
        if tokens < 16:
            raise ProjectError(f"--chunk-sizes: {tokens} tokens is too small a chunk (at least 16).")
        if tokens != c.max_tokens:
            found.append(ChunkSize(tokens, c.overlap * tokens // c.max_tokens,
                                   max(1, int(top_k * c.max_tokens / tokens + 0.5))))
    return found


def fingerprint(size: ChunkSize) -> str:
    return f"chunker=v1;max_tokens={size.tokens};overlap={size.overlap}"  # as Project.chunker_fingerprint


def build_indexes(proj: Project, sizes: Sequence[ChunkSize], run_dir: Path, *,
                  progress: Callable[[str, int, int], None] | None = None) -> dict[int, ChunkIndex]:
    """The project's last ingested folder indexed at each size under `run_dir/chunks-<tokens>/`."""
    folder = proj.ingested_folder()
    if folder is None:
        raise ProjectError("--chunk-sizes re-chunks the folder the project last ingested, and there is none: run "
                           "`ragtune ingest FOLDER` first.")
    documents = load_corpus(folder).documents
    built = {}
    for size in sizes:
        index = ChunkIndex.open(run_dir / f"{INDEX_PREFIX}{size.tokens}", proj.embedder, fingerprint(size))
        step = (lambda d, n, t=size.tokens: progress(f"Indexing at {t} tokens", d, n)) if progress else None
        index.sync(documents, make_chunker(proj.embedder, max_tokens=size.tokens, overlap=size.overlap),
                   progress=step)
        built[size.tokens] = index
    return built


def adopt_index(proj: Project, size: ChunkSize, run_dir: Path) -> None:
    """Move the chosen size's index into the project (the old one to `run_dir/index-before/`), after its
    settings were written; then rebuild the fine-tuned retriever's index at that size."""
    index_dir = Path(proj.settings.index_dir)
    if proj.settings.index_uri != str(index_dir):
        raise ProjectError(f"--chunk-sizes adopts a local index folder; this project's index is at "
                           f"{proj.settings.index_uri}. Run the sweep on a local copy, then `ragtune ingest --rebuild` "
                           "there with the chosen [chunking].")
    new = run_dir / f"{INDEX_PREFIX}{size.tokens}"
    with proj.writing():  # no other writer (a server, an ingest) while the folders change places
        for name in ("ingested_from.json",):
            if (index_dir / name).is_file():
                shutil.copy2(index_dir / name, new / name)
        shutil.move(str(index_dir), str(run_dir / "index-before"))
        shutil.move(str(new), str(index_dir))
    adopted = Project(proj.settings.root, load_settings(proj.settings.root))
    retriever = adopted.active_retriever_index(rebuild=True)
    folder = adopted.ingested_folder()
    if retriever is not None and folder is not None:
        retriever.sync(load_corpus(folder).documents, adopted.chunker())
