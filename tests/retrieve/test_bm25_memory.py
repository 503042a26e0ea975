"""BM25 in memory (retrieve/bm25.py): the text analysis, its agreement with Lance's full-text path, filters,
and an index rebuilt for each table version."""

import numpy as np
from retrieve_fixtures import paragraph_chunker

from ragtune.corpus.document import Document
from ragtune.index import ChunkIndex
from ragtune.retrieve import retrieve
from ragtune.retrieve.bm25 import analyze, build, lexical_index

DOCS = {
    "nfs": "NFS: the Network File System, a protocol to share folders over a network.",
    "glossary": "Abbreviations in computing: what an abbreviation stands for is listed here, for every abbreviation.",
    "cafe": "The Café Noir opens at nine; its espresso machine is serviced monthly.",
    "running": "Runners running marathons need electrolytes.",
    "filler": "Gardening tips for tomatoes and cucumbers in a small greenhouse.",
}


def test_analysis_folds_stems_and_drops_question_words():
    assert analyze("What does the abbreviation NFS stand for?") == ["abbrevi", "nfs", "stand"]
    assert analyze("Café RUNNING") == ["cafe", "run"]
    assert analyze("What is it?") == []


def test_scores_rank_the_rare_term_and_respect_the_mask():
    titles = [None] * len(DOCS)
    ix = build(titles, list(DOCS.values()))
    scores = ix.scores("Which café serves espresso?")
    assert int(np.argmax(scores)) == list(DOCS).index("cafe")
    assert ix.scores("zzzz unknown words").max() == 0
    mask = np.array([name != "cafe" for name in DOCS])
    assert ix.scores("Which café serves espresso?", mask)[list(DOCS).index("cafe")] == 0


def test_in_memory_and_lance_paths_agree_on_the_best_document(minilm, tmp_path):
    memory = ChunkIndex.open(tmp_path / "memory", minilm)
    lance = ChunkIndex.open(tmp_path / "lance", minilm, max_cache_bytes=0)  # no snapshot: Lance's FTS
    for index in (memory, lance):
        index.sync([Document(k, v) for k, v in DOCS.items()], paragraph_chunker)
    assert memory.vector_snapshot() is not None and lance.vector_snapshot() is None
    for question, expected in (("When is the espresso machine at Café Noir serviced?", "cafe"),
                               ("What do runners running marathons need?", "running"),
                               ("Tips for tomatoes in a greenhouse?", "filler")):
        for index in (memory, lance):
            assert retrieve(index, question, retriever="bm25", top_k=1)[0].doc_id == expected, (question, index)


def test_filters_apply_before_ranking(minilm, tmp_path):
    index = ChunkIndex.open(tmp_path / "ix", minilm)
    index.sync([Document(k, v) for k, v in DOCS.items()], paragraph_chunker)
    hits = retrieve(index, "espresso café", retriever="bm25", top_k=3, filters=["doc_id!=cafe"])
    assert "cafe" not in {h.doc_id for h in hits}


def test_one_index_per_table_version(minilm, tmp_path):
    index = ChunkIndex.open(tmp_path / "ix", minilm)
    index.sync([Document(k, v) for k, v in DOCS.items()], paragraph_chunker)
    first = lexical_index(index.vector_snapshot())
    assert lexical_index(index.vector_snapshot()) is first  # cached while nothing is written
    index.sync([Document(k, v) for k, v in DOCS.items() if k != "cafe"], paragraph_chunker)
    second = lexical_index(index.vector_snapshot())
    assert second is not first and second.version > first.version and second.rows == first.rows - 1
    assert "cafe" not in {h.doc_id for h in retrieve(index, "espresso café noir", retriever="bm25", top_k=5)}
