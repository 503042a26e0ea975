"""A deleted or changed document never comes back from any retriever."""

import pytest
from retrieve_fixtures import paragraph_chunker

from ragtune.corpus.document import Document
from ragtune.index import ChunkIndex
from ragtune.retrieve import retrieve

RETRIEVERS = ["dense", "bm25", "hybrid"]


def docs_with(**texts):
    base = {f"filler{i}": f"Filler document number {i} about gardening and tomatoes." for i in range(4)}
    return [Document(k, v) for k, v in {**base, **texts}.items()]


@pytest.mark.parametrize("retriever", RETRIEVERS)
def test_deleted_and_changed_documents_never_come_back(minilm, tmp_path, retriever):
    index = ChunkIndex.open(tmp_path / "ix", minilm)
    index.sync(docs_with(gone="The zorblax quarterly warranty covers flux capacitors.",
                         edited="The glimmerfang policy allows returns within 30 days."), paragraph_chunker)
    assert retrieve(index, "zorblax warranty", retriever=retriever, top_k=1)[0].doc_id == "gone"

    index.sync(docs_with(edited="Returns are accepted within 14 days of purchase."), paragraph_chunker)
    for query in ("zorblax quarterly warranty flux capacitors", "glimmerfang policy returns 30 days"):
        hits = retrieve(index, query, retriever=retriever, top_k=10)
        texts = " ".join(h.text for h in hits)
        assert "zorblax" not in texts and "glimmerfang" not in texts
        assert "gone" not in {h.doc_id for h in hits}
    assert any(h.doc_id == "edited" for h in retrieve(index, "returns 14 days", retriever=retriever, top_k=2))
