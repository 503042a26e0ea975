"""Exact incremental sync, on a local folder and on an S3-compatible server (the `store` fixture)."""

import random

import numpy as np
import pytest
from index_fixtures import HashEmbedder, assert_same_contents, edit_corpus, paragraph_chunker, random_corpus, table_contents

from ragtune.corpus.document import Document
from ragtune.index import DuplicateDocumentError, IndexMismatchError


def rebuilt(store, docs, name="rebuild"):
    index = store.open(name, HashEmbedder())
    index.sync(docs.values(), paragraph_chunker)
    return index


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_sequence_of_edits_equals_clean_rebuild(store, seed):
    rng = random.Random(seed)
    docs = random_corpus(rng, 12)
    index = store.open("inc", HashEmbedder())
    for step in range(6):
        report = index.sync(docs.values(), paragraph_chunker, write_batch=rng.choice([1, 5, 100]))
        assert report.version == index.version
        assert sorted(set(report.added + report.changed + report.unchanged + report.empty)) == sorted(docs)
        assert_same_contents(index, rebuilt(store, docs, f"rebuild{step}"))
        docs = edit_corpus(rng, docs)


def test_report_counts_and_vector_reuse(store):
    embedder = HashEmbedder()
    index = store.open("ix", embedder)
    docs = {"a": Document("a", "one two\n\nthree four\n\nfive six"), "b": Document("b", "seven\n\neight")}
    first = index.sync(docs.values(), paragraph_chunker)
    assert first.added == ("a", "b") and first.chunks_embedded == 5 and first.chunks_reused == 0

    docs["a"] = Document("a", "one two\n\nthree four changed")  # 1 paragraph kept, 1 edited, 1 dropped
    del docs["b"]
    docs["c"] = Document("c", "seven")  # a paragraph of the removed doc: its vector is reused
    second = index.sync(docs.values(), paragraph_chunker)
    assert (second.added, second.changed, second.removed) == (("c",), ("a",), ("b",))
    assert second.chunks_embedded == 1  # only "three four changed"
    assert second.chunks_reused == 2  # "one two" and "seven"
    assert second.chunks_deleted == 1 + 2  # a#2, then b's two rows
    assert index.doc_ids() == ["a", "c"]
    assert [c.text for c in index.get_chunks("a")] == ["one two", "three four changed"]

    calls = embedder.calls
    third = index.sync(docs.values(), paragraph_chunker)
    assert third.unchanged == ("a", "c") and not third.wrote and embedder.calls == calls
    assert third.version == second.version  # nothing written, no new version


def test_progress_reports_embedded_chunks(store):
    seen = []
    index = store.open("ix", HashEmbedder())
    docs = [Document(f"d{i}", "\n\n".join(f"p{i} {j}" for j in range(10))) for i in range(5)]
    index.sync(docs, paragraph_chunker, progress=lambda done, total: seen.append((done, total)), embed_batch=8)
    assert seen[0] == (0, 50) and seen[-1] == (50, 50)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_empty_documents_are_reported_and_leave_no_rows(store):
    index = store.open("ix", HashEmbedder())
    index.sync([Document("a", "text"), Document("e", "  ")], paragraph_chunker)
    report = index.sync([Document("a", "   "), Document("e", "  ")], paragraph_chunker)  # a became empty
    assert report.empty == ("a", "e") and report.changed == ("a",) and not report.added
    assert index.table.count_rows() == 0


def test_duplicate_ids_rejected(store):
    index = store.open("ix", HashEmbedder())
    with pytest.raises(DuplicateDocumentError, match="unique"):
        index.sync([Document("a", "x"), Document("a", "y")], paragraph_chunker)


def test_stats_and_reopen_keep_version(store):
    index = store.open("ix", HashEmbedder(), chunking="para")
    report = index.sync([Document("a", "x\n\ny"), Document("b", "z")], paragraph_chunker)
    stats = store.open("ix", HashEmbedder(), chunking="para").stats()
    assert (stats.documents, stats.chunks, stats.version) == (2, 3, report.version)
    assert (stats.embedder, stats.dim, stats.chunking) == ("hash-bow", 32, "para")


class OtherEmbedder(HashEmbedder):
    name = "other"


def test_embedder_or_chunking_mismatch_asks_for_rebuild(store):
    index = store.open("ix", HashEmbedder(), chunking="max=256")
    index.sync([Document("a", "x")], paragraph_chunker)
    with pytest.raises(IndexMismatchError, match="rebuild"):
        store.open("ix", OtherEmbedder())
    with pytest.raises(IndexMismatchError, match="chunking 'max=256', now 'max=128'"):
        store.open("ix", HashEmbedder(), chunking="max=128")

    fresh = store.open("ix", OtherEmbedder(), chunking="max=128", rebuild=True)
    assert fresh.table.count_rows() == 0
    fresh.sync([Document("b", "y")], paragraph_chunker)
    assert store.open("ix", OtherEmbedder(), chunking="max=128").doc_ids() == ["b"]


def test_sync_rebuild_starts_over(store):
    index = store.open("ix", HashEmbedder())
    index.sync([Document("a", "x"), Document("b", "y")], paragraph_chunker)
    report = index.sync([Document("a", "x")], paragraph_chunker, rebuild=True)
    assert report.added == ("a",) and index.doc_ids() == ["a"]
    assert_same_contents(index, rebuilt(store, {"a": Document("a", "x")}))


def test_versions_name_corpus_states(store):
    index = store.open("ix", HashEmbedder())
    v1 = index.sync([Document("a", "old words")], paragraph_chunker).version
    v2 = index.sync([Document("a", "new words")], paragraph_chunker).version
    assert v2 > v1
    index.table.checkout(v1)
    assert index.table.to_arrow().column("text").to_pylist() == ["old words"]
    index.table.checkout_latest()
    assert [c.text for c in index.get_chunks("a")] == ["new words"]
    _, vectors = table_contents(index)
    assert np.isclose(np.linalg.norm(vectors["a#0"]), 1.0)
