import pytest
from retrieve_fixtures import paragraph_chunker

from ragtune.corpus.document import Document
from ragtune.index import ChunkIndex
from ragtune.retrieve import retrieve, rrf_fuse

# The answer needs both signals: the error code (lexical; MiniLM barely tells E4012 from E4013) and
# the meaning (paper not feeding, said with other words). Distractors: near-identical symptoms with
# other codes fool dense; a room notice sharing the code and two query words fools BM25.
DOCS = {
    "target": "E4012 while printing: the pickup rollers are worn, so sheets are no longer drawn in from the tray.",
    "dense1": "Code E4013 while printing: sheets are not drawn in from the tray because the pickup rollers are dirty; "
              "clean them.",
    "dense2": "Code E5120 while printing: the machine jams and no longer pulls sheets from the tray; open the side door.",
    "dense3": "Code E7001 while printing: the tray is empty or its guides are loose, so no sheets are drawn in.",
    "bm25_1": "Room E4012 notice: the heating stops on Friday because of a boiler error.",
    "other1": "Our office coffee machine needs descaling every month to keep the water flowing.",
    "other2": "Quarterly sales grew eleven percent thanks to the new distribution partners.",
}
QUERY = "How do I fix printer error E4012 when it stops feeding paper?"


@pytest.fixture(scope="module")
def index(minilm, tmp_path_factory):
    index = ChunkIndex.open(tmp_path_factory.mktemp("hybrid") / "ix", minilm)
    index.sync([Document(k, v) for k, v in DOCS.items()], paragraph_chunker)
    return index


def test_hybrid_finds_what_neither_retriever_finds_alone(index):
    dense = retrieve(index, QUERY, retriever="dense", top_k=1)
    bm25 = retrieve(index, QUERY, retriever="bm25", top_k=1)
    hybrid = retrieve(index, QUERY, retriever="hybrid", top_k=3)
    assert dense[0].doc_id != "target" and bm25[0].doc_id != "target"
    top = hybrid[0]
    assert top.doc_id == "target"
    assert set(top.ranks) == {"dense", "bm25"} and all(r > 1 for r in top.ranks.values())
    assert top.score == pytest.approx(sum(1 / (60 + r) for r in top.ranks.values()))
    assert top.scores["bm25"] > 0 and -1 <= top.scores["dense"] <= 1


def test_hits_carry_ids_text_and_per_retriever_scores(index):
    hits = retrieve(index, QUERY, retriever="dense", top_k=3)
    assert [h.ranks["dense"] for h in hits] == [1, 2, 3]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.chunk_id == f"{h.doc_id}#0" and h.text == DOCS[h.doc_id] for h in hits)


def test_weights_can_turn_hybrid_into_one_retriever(index):
    dense_only = retrieve(index, QUERY, retriever="hybrid", top_k=3, weights={"bm25": 0})
    assert [h.chunk_id for h in dense_only] == [h.chunk_id for h in retrieve(index, QUERY, retriever="dense", top_k=3)]
    assert all(set(h.ranks) == {"dense"} for h in dense_only)


def test_rrf_math_on_a_hand_made_example():
    fused = rrf_fuse({"dense": ["a", "b", "c"], "bm25": ["c", "a"]}, k=60)
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["b"] == pytest.approx(1 / 62)
    assert [i for i, _ in fused] == ["a", "c", "b"]
    weighted = dict(rrf_fuse({"dense": ["a", "b"], "bm25": ["b", "a"]}, k=1, weights={"dense": 2.0, "bm25": 0.5}))
    assert weighted["a"] == pytest.approx(2 / 2 + 0.5 / 3) and weighted["b"] == pytest.approx(2 / 3 + 0.5 / 2)


def test_rrf_ties_are_broken_by_id():
    assert rrf_fuse({"x": ["b"], "y": ["a"]}) == [("a", 1 / 61), ("b", 1 / 61)]


def test_bad_arguments(index):
    with pytest.raises(ValueError, match="unknown retriever"):
        retrieve(index, QUERY, retriever="sparse")
    with pytest.raises(ValueError, match="top_k"):
        retrieve(index, QUERY, top_k=0)
    assert retrieve(index, "   ", retriever="bm25") == []
