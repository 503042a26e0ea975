"""The ANN vector index (`ragtune.index.ann`): built past its threshold and not below, close to exact search,
and correct between builds: rows added after it are found, deleted rows never come back, filters still hold.

Real LanceDB tables of clustered synthetic unit vectors (dim 32), searched through ragtune's dense path with
a cache budget of 0 (so Lance answers, as it does for tables over the budget); thresholds are passed small so
a table of a few thousand rows builds its index in about a second.
"""

from __future__ import annotations

import numpy as np
import pytest
from index_fixtures import DIM, HashEmbedder, paragraph_chunker, random_corpus

from ragtune.index import ChunkIndex, ann
from ragtune.index.schema import rows_to_table
from ragtune.retrieve.dense import dense_candidates, dense_search
from ragtune.retrieve.filters import prefilter

K = 10
RECALL_FLOOR = 0.95  # recall@10 against exact search; the benchmark measured 0.98-1.0 (docs/benchmarks/ann_scale.json)
CENTRES = np.random.default_rng(99).standard_normal((40, DIM)).astype(np.float32)


def clustered(n: int, seed: int) -> np.ndarray:
    """Unit vectors around 40 centres: each row's nearest neighbours are mostly its own cluster's."""
    rng = np.random.default_rng(seed)
    x = CENTRES[rng.integers(0, len(CENTRES), n)] + rng.standard_normal((n, DIM)).astype(np.float32) * 0.6
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def add_rows(index: ChunkIndex, vectors: np.ndarray, start: int) -> list[str]:
    """One chunk (and document) per vector; every 50th lives under `fr/`, the rest under `en/`."""
    ids = [f"c{i:05d}" for i in range(start, start + len(vectors))]
    rows = [{"id": c, "doc_id": c, "doc_hash": c, "chunk_hash": c, "n_chunks": 1, "idx": 0, "title": c,
             "path": f"{'fr' if i % 50 == 0 else 'en'}/{c}", "heading": None, "page": None, "text": c,
             "metadata": "{}"} for i, c in zip(range(start, start + len(vectors)), ids)]
    index.table.add(rows_to_table(rows, vectors, index.table.schema))
    index.wrote()
    return ids


def open_index(path, vectors: np.ndarray) -> ChunkIndex:
    index = ChunkIndex.open(path, HashEmbedder(), max_cache_bytes=0)  # no snapshot: Lance searches
    add_rows(index, vectors, 0)
    return index


def exact(matrix: np.ndarray, ids: list[str], query: np.ndarray, allowed: np.ndarray | None = None) -> list[str]:
    scores = matrix @ query
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    return [ids[i] for i in np.argsort(-scores)[:K] if np.isfinite(scores[i])]


def found(index: ChunkIndex, query: np.ndarray, filters=()) -> list[str]:
    pre = prefilter(index, filters) if filters else None
    return [c.chunk_id for c in dense_candidates(index, query, K, pre)]


def uses_index(index: ChunkIndex, query: np.ndarray) -> bool:
    builder = ann.ann_query(index.table.search(query).distance_type("cosine").limit(K), K)
    return "ANNSubIndex" in builder.explain_plan()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """3000 rows with an ANN index (threshold 2000); read-only."""
    vectors = clustered(3000, seed=1)
    index = open_index(tmp_path_factory.mktemp("ann") / "ix", vectors)
    assert ann.ensure_vector_index(index.table, min_rows=2000) == "built"
    index.wrote()
    return index, vectors, [f"c{i:05d}" for i in range(len(vectors))]


def test_built_past_the_threshold_not_below_and_retrained_when_doubled(tmp_path):
    index = open_index(tmp_path / "ix", clustered(900, seed=2))
    assert ann.ensure_vector_index(index.table, min_rows=1000) is None
    assert ann.vector_index(index.table) is None
    add_rows(index, clustered(200, seed=3), 900)
    assert ann.ensure_vector_index(index.table, min_rows=1000) == "built"
    assert ann.vector_index(index.table).name == "vector_ann_1100"
    assert ann.ensure_vector_index(index.table, min_rows=1000) is None  # current: nothing to do
    add_rows(index, clustered(1000, seed=4), 1100)  # 2100 < 2 x 1100: new rows are folded in, not retrained
    index.optimize()
    assert ann.vector_index(index.table).name == "vector_ann_1100"
    assert index.table.index_stats("vector_ann_1100").num_unindexed_rows == 0
    add_rows(index, clustered(100, seed=5), 2100)
    assert ann.ensure_vector_index(index.table, min_rows=1000) == "retrained"
    vector_indexes = [ix.name for ix in index.table.list_indices() if "vector" in ix.columns]
    assert vector_indexes == ["vector_ann_2200"]  # the old one dropped once the new one was complete


def test_recall_against_exact_search(indexed):
    index, matrix, ids = indexed
    queries = clustered(50, seed=6)
    assert uses_index(index, queries[0])
    recalls = [len(set(found(index, q)) & set(exact(matrix, ids, q))) / K for q in queries]
    assert np.mean(recalls) >= RECALL_FLOOR
    # The scores are exact cosines (the candidates are re-ranked on the full vectors), as without the index.
    best = dense_candidates(index, queries[0], K)
    by_id = dict(zip(ids, matrix @ queries[0]))
    assert all(abs(c.score - by_id[c.chunk_id]) < 1e-4 for c in best)


def test_filters_still_hold(indexed):
    index, matrix, ids = indexed
    french = np.array([i % 50 == 0 for i in range(len(ids))])  # 60 of 3000 rows
    for q in clustered(10, seed=7):
        got = found(index, q, ["path^=fr/"])
        assert len(got) == K and all(int(c[1:]) % 50 == 0 for c in got)
        assert set(got) == set(exact(matrix, ids, q, french))  # a narrow filter probes on: nothing lost
    assert found(index, matrix[0], ["doc_id=c00100"]) == ["c00100"]


def test_rows_added_after_the_index_are_found_and_deleted_ones_never_return(tmp_path):
    index = open_index(tmp_path / "ix", clustered(1200, seed=8))
    assert ann.ensure_vector_index(index.table, min_rows=1000) == "built"
    queries = clustered(20, seed=9)
    new_ids = add_rows(index, queries, 1200)  # each query's own vector, in rows the index has not seen
    deleted = {c for q in queries[:10] for c in found(index, q)[1:4] if c not in new_ids}  # indexed rows near them
    index.table.delete("id IN (" + ", ".join(f"'{c}'" for c in sorted(deleted)) + ")")
    index.wrote()
    for when in ("before optimize", "after optimize"):
        for q, new in zip(queries, new_ids):
            got = dense_candidates(index, q, K)
            assert got[0].chunk_id == new and got[0].score == pytest.approx(1.0, abs=1e-5), when
            assert len(got) == K and not deleted & {c.chunk_id for c in got}, when
        index.optimize()  # folds the new rows into the index (no retraining: 1220 < 2 x 1200)
    assert index.table.index_stats("vector_ann_1200").num_unindexed_rows == 0


def test_without_an_index_lance_search_stays_exact(tmp_path):
    vectors = clustered(600, seed=10)
    index = open_index(tmp_path / "ix", vectors)
    ids = [f"c{i:05d}" for i in range(len(vectors))]
    assert ann.ensure_vector_index(index.table) is None  # far below ANN_MIN_ROWS
    for q in clustered(10, seed=11):
        assert not uses_index(index, q)
        assert found(index, q) == exact(vectors, ids, q)


def test_sync_builds_the_index_past_the_threshold(tmp_path, monkeypatch):
    import random

    monkeypatch.setattr(ann, "ANN_MIN_ROWS", 40)  # the one setting: every sync's optimize checks it
    docs = list(random_corpus(random.Random(3), 40).values())
    lance = ChunkIndex.open(tmp_path / "ix", HashEmbedder(), max_cache_bytes=0)
    lance.sync(docs, paragraph_chunker)
    assert lance.table.count_rows() >= 40 and ann.vector_index(lance.table) is not None
    in_memory = ChunkIndex.open(tmp_path / "ix", HashEmbedder())  # the same table, searched exactly by numpy
    for text in ("w1 w2 w3", "w10 w11", "w42 w7 w7"):
        assert uses_index(lance, lance.embed_query(text))
        ann_scores = [round(h.scores["dense"], 4) for h in dense_search(lance, text, top_k=K)]
        assert ann_scores == [round(h.scores["dense"], 4) for h in dense_search(in_memory, text, top_k=K)]
