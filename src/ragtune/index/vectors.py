"""An in-memory copy of the index (vectors and the columns a hit shows) for exact dense search.

Lance's flat (index-free) vector search measured about 90-150 ms at 100k x 384 on 2 cores, a
matrix-vector product in memory about 3.5 ms; so tables that fit the cache budget are searched in
memory, and filters are evaluated on the cached columns too. The copy is keyed by table version:
any write makes a new version, and the next search reloads. It also keeps Lance's row ids, so a
full-text search can return ids only (about 2 ms at 100k chunks, vs 5 ms with the text of 50 rows)
and take the hit columns from memory.

The product runs in torch, not numpy: numpy's OpenBLAS keeps a thread pool of its own that spins
after each call, and alternating it with the query embedder's torch threads on the same cores doubled
dense latency (query embedding + top-10 over 10k chunks, 2 cores: p50 27.8 -> 14.0 ms, p95 124 -> 17.4 ms;
bench/dense_threads.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import torch

SNAPSHOT_COLUMNS = ["id", "doc_id", "title", "text", "metadata", "path", "heading", "page"]


@dataclass(frozen=True, eq=False)
class VectorSnapshot:
    version: int
    rows: pa.Table  # SNAPSHOT_COLUMNS, aligned with `matrix`
    matrix: np.ndarray  # float32 (n, dim), rows L2-normalised
    row_ids: np.ndarray | None = None  # Lance `_rowid` of each row, ascending (None: not loaded)

    def positions(self, row_ids: np.ndarray) -> np.ndarray | None:
        """Positions of these Lance row ids in the snapshot, or None if any is not in it."""
        if self.row_ids is None or not len(self.row_ids):
            return None
        wanted = np.asarray(row_ids, dtype=np.uint64)
        found = np.minimum(np.searchsorted(self.row_ids, wanted), len(self.row_ids) - 1)
        return found if (self.row_ids[found] == wanted).all() else None

    @property
    def ids(self) -> list[str]:
        return self.rows.column("id").to_pylist()


def snapshot_bytes(rows: int, dim: int, text_bytes: int) -> int:
    return rows * dim * 4 + text_bytes


def load_snapshot(table, version: int, dim: int) -> VectorSnapshot:
    data: pa.Table = table.search().with_row_id(True).select(SNAPSHOT_COLUMNS + ["vector"]).to_arrow()
    row_ids = data.column("_rowid").to_numpy().astype(np.uint64)
    if len(row_ids) > 1 and not (np.diff(row_ids.astype(np.int64)) > 0).all():
        order = np.argsort(row_ids, kind="stable")
        data, row_ids = data.take(pa.array(order)), row_ids[order]
    vectors = data.column("vector").combine_chunks()
    if len(vectors):
        matrix = vectors.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False).reshape(-1, dim)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms == 0, 1.0, norms)
    else:
        matrix = np.zeros((0, dim), dtype=np.float32)
    rows = data.drop_columns(["vector", "_rowid"]).combine_chunks()
    return VectorSnapshot(version, rows, np.ascontiguousarray(matrix, dtype=np.float32), row_ids)


def top_k(snapshot: VectorSnapshot, query: np.ndarray, k: int, mask: np.ndarray | None = None
          ) -> list[tuple[int, float]]:
    """(position, cosine similarity) of the k best rows, best first; `mask` keeps only allowed rows."""
    if k <= 0 or snapshot.matrix.shape[0] == 0:
        return []
    q = np.asarray(query, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(q))
    scores = torch.mv(torch.from_numpy(snapshot.matrix), torch.from_numpy(q / norm if norm else q)).numpy()
    return best_rows(snapshot, scores, k, mask)


def best_rows(snapshot: VectorSnapshot, scores: np.ndarray, k: int, mask: np.ndarray | None = None
              ) -> list[tuple[int, float]]:
    """(position, score) of the k highest `scores` among the rows `mask` allows, best first, ties by chunk id."""
    n = len(scores)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
        k = min(k, int(mask.sum()))
    k = min(k, n)
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k] if k < n else np.arange(n)
    ids = snapshot.rows.column("id")
    ranked = sorted(part.tolist(), key=lambda i: (-scores[i], ids[i].as_py()))  # ties by chunk id
    return [(i, float(scores[i])) for i in ranked]
