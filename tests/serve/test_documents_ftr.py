"""Document writes through `ragtune serve` reach the fine-tuned retriever's index too (rag-ftr answers from
it), and the readers' in-memory copy and BM25 index of the new version are built before anyone asks."""

from __future__ import annotations

import httpx

from ragtune.config import ServeSettings
from ragtune.models import load_embedder
from ragtune.project import Project
from ragtune.retrieve import bm25
from ragtune.serve import create_app
from ragtune.serve.documents import DocumentStore
from ragtune.tune.retriever import RetrieverConfig
from ragtune.tune.retriever_run import tune_retriever
from retriever_helpers import retriever_project
from serve_helpers import serving

VALVE = "# Valve 7\n\nThe quarzite valve 7 is torqued to ninety newton metres every spring."


def test_writes_reach_the_fine_tuned_retrievers_index(tmp_path, tiny_llama_path):
    docs = retriever_project(tmp_path, tiny_llama_path)
    tune_retriever(Project(tmp_path), cfg=RetrieverConfig(epochs=1))
    proj = Project(tmp_path)
    app = create_app(proj, ServeSettings(api_key_env="RAGTUNE_TEST_NO_KEYS"), ["rag-ftr"])
    with serving(app) as url:
        http = httpx.Client(base_url=url, timeout=120)
        assert http.put("/v1/documents/valve7.md", json={"text": VALVE}).status_code == 200
        ftr = Project(tmp_path).active_retriever_index()  # read from disk, as a new process would
        assert "valve7.md" in ftr.doc_ids() and set(ftr.doc_ids()) == set(Project(tmp_path).index.doc_ids())
        chat = http.post("/v1/chat/completions", json={"model": "rag-ftr", "max_tokens": 2, "messages": [
            {"role": "user", "content": "What is the quarzite valve 7 torqued to?"}]}).json()
        assert "valve7.md" in [p["doc_id"] for p in chat["ragtune"]["passages"]]
        assert http.delete("/v1/documents/valve7.md").status_code == 200
        ftr = Project(tmp_path).active_retriever_index()
        assert "valve7.md" not in ftr.doc_ids() and (docs / "box1.md").is_file()
        chat = http.post("/v1/chat/completions", json={"model": "rag-ftr", "max_tokens": 2, "messages": [
            {"role": "user", "content": "What is the quarzite valve 7 torqued to?"}]}).json()
        assert "valve7.md" not in [p["doc_id"] for p in chat["ragtune"]["passages"]]


def test_readers_caches_are_built_after_a_write(tmp_path, tiny_llama_path):
    docs = retriever_project(tmp_path, tiny_llama_path)
    proj = Project(tmp_path)
    store = DocumentStore(proj, docs, load_embedder(proj.settings.models))
    written = store.put("valve7.md", VALVE.encode())
    store.preparing.join(60)
    snapshot = proj.index._snapshot  # the readers' cache, looked at without loading it
    assert snapshot is not None and snapshot.version == written.index_version == proj.index.version
    lexical = bm25._CACHE.get(snapshot)
    assert lexical is not None and lexical.rows == 13  # 12 boxes and the valve, one chunk each
    assert [h.doc_id for h in bm25.bm25_search(proj.index, "quarzite valve torqued", top_k=1)] == ["valve7.md"]
    assert bm25._CACHE.get(proj.index._snapshot) is lexical  # the search used what was prepared

