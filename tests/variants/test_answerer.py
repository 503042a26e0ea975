"""The variant seam: a name resolves over a project to an Answerer that answers, with the parts it names."""

import shutil
from pathlib import Path

import pytest

from ragtune.errors import ProjectError, TuneError, VariantError
from ragtune.project import Project
from ragtune.variants import Answerer, answerer, answerers, available_variants

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_llama_path) -> Project:
    root = tmp_path_factory.mktemp("variants")
    (root / "ragtune.toml").write_text(
        f'[models]\ngenerator = "{tiny_llama_path}"\n[generation]\nmax_new_tokens = 4\n'
        '[variants.bm25-k2]\nretriever = "bm25"\ntop_k = 2\n'
        '[variants.pinned]\nadapter = "ft-none"\nretriever = "none"\n')
    docs = root / "docs"
    shutil.copytree(EXAMPLES / "policies", docs / "policies")
    proj = Project(root)
    proj.ingest(docs)
    return proj


def test_rag_retrieves_with_the_project_settings_and_answers(project):
    rag = answerer(project, "rag")
    assert isinstance(rag, Answerer) and rag.retrieval and rag.adapter is None
    assert (rag.retriever, rag.top_k) == ("hybrid", 5)
    answers = rag.answer(["How long is the warranty?", "What is the return window?"])
    assert [a.question for a in answers] == ["How long is the warranty?", "What is the return window?"]
    assert all(a.passages and a.completion.completion_tokens <= 4 for a in answers)
    assert rag.describe() == {"variant": "rag", "generator": rag.generator.name, "endpoint": None, "adapter": None,
                              "retriever": "hybrid", "top_k": 5, "embedder": "all-MiniLM-L6-v2",
                              "reranker": None, "system_prompt": None, "shots": None}


def test_closed_book_and_custom_variants(project):
    base = answerer(project, "base")
    assert not base.retrieval and base.answer(["Who founded Brightwell?"])[0].passages == ()
    k2 = answerer(project, "bm25-k2")
    hits = k2.answer(["warranty"])[0].passages
    assert 1 <= len(hits) <= 2 and all(set(h.ranks) == {"bm25"} for h in hits)
    overridden = answerer(project, "rag", retriever="dense", top_k=1, filters=["path^=policies/"])
    assert [set(h.ranks) for h in overridden.answer(["refund"])[0].passages] == [{"dense"}]


def test_what_cannot_be_resolved_says_why(project, tmp_path):
    with pytest.raises(VariantError, match="bm25-k2"):
        answerer(project, "nope")
    with pytest.raises(TuneError, match="ragtune tune"):
        answerer(project, "ft")
    with pytest.raises(TuneError, match="ft-none"):
        answerer(project, "pinned")
    assert available_variants(project) == ["base", "rag", "bm25-k2"]
    (tmp_path / "ragtune.toml").write_text(f'[models]\ngenerator = "{project.settings.models.generator}"\n')
    empty = Project(tmp_path)
    with pytest.raises(ProjectError, match="ragtune ingest"):
        answerer(empty, "rag")
    assert available_variants(empty) == ["base"]
    assert list(answerers(empty, ["base"])) == ["base"]


def test_multiple_choice_scores_each_option(project):
    base = answerer(project, "base")
    scores = base.choose("How long is the warranty?", ["1 year", "3 years"])
    assert len(scores) == 2 and all(lp < 0 and n >= 1 for lp, n in scores)
