"""Reranking (`[retrieval] rerank`): a tiny randomly initialised cross-encoder tests the plumbing (order by its
scores, the latency budget, the project's search), a local HTTP server the endpoint. No quality is claimed:
no cross-encoder weights ship here."""

from __future__ import annotations

import shutil

import pytest
from fastapi import FastAPI

from ragtune.errors import ModelError
from ragtune.models.packaged import packaged_embedder_path
from ragtune.models.rerank import CrossEncoderReranker, EndpointReranker
from ragtune.project import Project
from ragtune.retrieve.hit import Hit
from ragtune.retrieve.rerank import BudgetedReranker
from ragtune.variants import answerer
from serve_helpers import serving, small_project

HITS = [Hit(f"c{i}", f"d{i}", text, "", {}, 1.0 / (i + 1)) for i, text in enumerate(
    ["Kettles boil water.", "The warranty lasts three years.", "Returns within 30 days.", "Shipping is free.",
     "The kettle's warranty covers limescale? No.", "Cats purr."])]


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    out = tmp_path_factory.mktemp("tiny-cross-encoder")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, num_labels=1)
    BertForSequenceClassification(config).save_pretrained(out)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (packaged_embedder_path() / name).exists():
            shutil.copy(packaged_embedder_path() / name, out / name)
    return out


def test_hits_come_back_in_the_cross_encoders_order(tiny_cross_encoder):
    model = CrossEncoderReranker(tiny_cross_encoder)
    question = "How long is the warranty?"
    expected = sorted(range(len(HITS)), key=lambda i: -model.scores(question, [HITS[i].text])[0])
    ranked = BudgetedReranker(model, budget_s=10).rerank(question, HITS, keep=4)
    assert [h.chunk_id for h in ranked] == [HITS[i].chunk_id for i in expected[:4]]
    assert [h.ranks["rerank"] for h in ranked] == [1, 2, 3, 4] and "rerank" in ranked[0].scores


def test_the_budget_limits_how_many_are_scored(tiny_cross_encoder):
    seen = []

    class Counting(CrossEncoderReranker):
        def scores(self, query, texts):
            seen.append(len(texts))
            return super().scores(query, texts)

    budgeted = BudgetedReranker(Counting(tiny_cross_encoder), budget_s=1.0)
    budgeted.rerank("q", HITS, keep=2)
    budgeted.per_passage_s = 0.5  # as if measured: two passages fit in one second
    ranked = budgeted.rerank("q", HITS, keep=3)
    assert seen == [6, 3]  # all the first time; then the budget's two, but never fewer than keep
    assert len(ranked) == 3


def test_the_project_searches_then_reranks(tmp_path, tiny_llama_path, tiny_cross_encoder):
    small_project(tmp_path, tiny_llama_path, f'[retrieval]\nrerank = "{tiny_cross_encoder}"\nrerank_depth = 6\n')
    proj = Project(tmp_path)
    proj.ingest(tmp_path / "docs")
    rag = answerer(proj, "rag")
    hits = rag.search("How long is the warranty?")
    assert 0 < len(hits) <= 5 and all("rerank" in h.ranks for h in hits)


def test_a_rerank_endpoint(tmp_path):
    app = FastAPI()

    @app.post("/v1/rerank")
    def rerank(body: dict) -> dict:  # a stand-in server: longer documents are more relevant
        docs = body["documents"]
        return {"results": [{"index": i, "relevance_score": float(len(d))} for i, d in enumerate(docs)]}

    @app.post("/bad/rerank")
    def bad(body: dict) -> dict:
        return {"nope": []}

    with serving(app) as url:
        scores = EndpointReranker("bge", url + "/v1", None).scores("q", ["a", "abc", "ab"])
        assert scores == [1.0, 3.0, 2.0]
        with pytest.raises(ModelError, match="relevance_score"):
            EndpointReranker("bge", url + "/bad", None).scores("q", ["a"])


def test_a_variant_of_your_own_reranks_and_eval_compares_it_paired(tmp_path, tiny_llama_path, tiny_cross_encoder):
    """`[variants.rag-rerank] rerank = FOLDER`: the same retrieval as `rag`, reordered; one eval measures both and
    its manifest records which one reranked."""
    import json

    from ragtune.evaluate.results import read_manifest, read_results
    from ragtune.evaluate.session import evaluate

    small_project(tmp_path, tiny_llama_path, f'[variants.rag-rerank]\nrerank = "{tiny_cross_encoder}"\n')
    proj = Project(tmp_path)
    proj.ingest(tmp_path / "docs")
    question = "How long is the warranty?"
    plain, reranked = answerer(proj, "rag"), answerer(proj, "rag-rerank")
    assert not any("rerank" in h.ranks for h in plain.search(question))
    hits = reranked.search(question)
    assert hits and all("rerank" in h.ranks for h in hits)
    assert [h.ranks["rerank"] for h in hits] == list(range(1, len(hits) + 1))
    assert plain.describe()["reranker"] is None and reranked.describe()["reranker"] == tiny_cross_encoder.name

    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "q1", "question": question, "answers": ["three years"],
                                     "sources": ["policies/warranty.md"]}) + "\n")
    run_dir, _ = evaluate(proj, questions, ["rag", "rag-rerank"])
    definitions = read_manifest(run_dir).variant_definitions
    assert definitions["rag"]["rerank"] is None and definitions["rag-rerank"]["rerank"] == str(tiny_cross_encoder)
    assert {r.variant for r in read_results(run_dir)} == {"rag", "rag-rerank"}


def test_a_variant_can_turn_the_projects_reranker_off(tmp_path, tiny_llama_path, tiny_cross_encoder):
    small_project(tmp_path, tiny_llama_path, f'[retrieval]\nrerank = "{tiny_cross_encoder}"\n'
                                             '[variants.rag-plain]\nrerank = "none"\n[variants.rag-same]\n')
    proj = Project(tmp_path)
    proj.ingest(tmp_path / "docs")
    assert not any("rerank" in h.ranks for h in answerer(proj, "rag-plain").search("warranty"))
    assert all("rerank" in h.ranks for h in answerer(proj, "rag-same").search("warranty"))
    assert proj.reranker() is proj.reranker(str(tiny_cross_encoder))  # one model, one measured speed


def test_reranking_without_retrieval_is_refused(tmp_path, tiny_llama_path):
    from ragtune.errors import VariantError

    small_project(tmp_path, tiny_llama_path, '[variants.closed]\nretriever = "none"\nrerank = "some/folder"\n')
    with pytest.raises(VariantError, match="rerank without retrieval"):
        answerer(Project(tmp_path), "closed")
