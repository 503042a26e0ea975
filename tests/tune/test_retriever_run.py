"""`ragtune tune --retriever` end to end: a run folder with the fine-tuned embedder, its card and its index;
the rag-ftr variant reads that index; a later `ragtune ingest` keeps it equal to the project's."""

from __future__ import annotations

import json

from cli_helpers import run
from retriever_helpers import retriever_project as project
from ragtune.project import Project
from ragtune.runs import CARD, find_training_run
from ragtune.variants import answerer, available_variants


def test_tune_retriever_then_rag_ftr_then_ingest_keeps_its_index_in_sync(tmp_path, tiny_llama_path):
    docs = project(tmp_path, tiny_llama_path)
    assert "rag-ftr" not in available_variants(Project(tmp_path))
    out = run("tune", "--retriever", "--epochs", "1", "--project", str(tmp_path))
    assert out.exit_code == 0, out.text
    proj = Project(tmp_path)
    info = find_training_run(proj.settings.runs_dir, "retriever")
    card = json.loads((info.path / CARD).read_text())
    assert card["pairs"] == 12 and card["steps"] >= 1 and card["chunks"] == 12 and card["seconds"] > 0
    assert {"rag-ftr", "ft+rag-ftr"} & set(available_variants(proj)) == {"rag-ftr"}  # no ft run: no ft+rag-ftr
    ftr = answerer(proj, "rag-ftr")
    assert ftr.describe()["embedder"].endswith("/retriever")
    answer = ftr.answer(["Which fuse does pump 3 use?"])[0]
    assert answer.passages and all(p.doc_id.startswith("box") for p in answer.passages)

    # evaluated next to rag, the report shows the retriever's gain and what its training cost
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps({"id": f"q{i}", "question": f"What fuse is in box {i}?",
                                             "answers": [f"{10 + i} amps"], "sources": [f"box{i}.md"]}) + "\n"
                                 for i in range(12)))
    out = run("eval", "-q", str(questions), "--variants", "rag,rag-ftr", "--project", str(tmp_path))
    assert out.exit_code == 0, out.text
    eval_dir = max(proj.settings.runs_dir.glob("eval-*"))
    gains = json.loads((eval_dir / "summary.json").read_text())["retrievers"]["rag-ftr"]
    assert gains["against"] == "rag" and gains["run"] == info.id and gains["card"]["train_s"] == card["train_s"]
    assert gains["metrics"]["hit@5"]["difference"]["n"] == 12
    assert run("report", eval_dir.name, "--project", str(tmp_path)).exit_code == 0
    html = (eval_dir / "report.html").read_text()
    assert 'id="table-retriever-gain"' in html and 'id="table-retriever-cost"' in html and info.id in html

    (docs / "box3.md").unlink()
    (docs / "box4.md").write_text("# Box 4\n\nBox 4 is empty now.")
    proj.ingest(docs)
    index = proj.retriever_index()
    assert set(index.doc_ids()) == set(proj.index.doc_ids()) and "box3.md" not in index.doc_ids()
    assert {r["chunk_hash"] for r in index.scan(["chunk_hash"]).to_pylist()} == \
        {r["chunk_hash"] for r in proj.index.scan(["chunk_hash"]).to_pylist()}

    # new chunking: `ingest --rebuild` rebuilds the retriever's index too (it would not open otherwise)
    with open(tmp_path / "ragtune.toml", "a") as f:
        f.write("[chunking]\nmax_tokens = 16\noverlap = 2\n")
    assert run("ingest", str(docs), "--rebuild", "--project", str(tmp_path)).exit_code == 0
    proj = Project(tmp_path)
    hashes = {r["chunk_hash"] for r in proj.index.scan(["chunk_hash"]).to_pylist()}
    assert len(hashes) > 11 and hashes == {r["chunk_hash"] for r in proj.active_retriever_index()
                                           .scan(["chunk_hash"]).to_pylist()}


def test_tune_retriever_needs_the_synth_pairs(tmp_path, tiny_llama_path):
    project(tmp_path, tiny_llama_path)
    (tmp_path / "synth" / "train_questions.jsonl").unlink()
    out = run("tune", "--retriever", "--project", str(tmp_path))
    assert out.exit_code == 2 and "ragtune synth" in out.text
    wrong = run("tune", "--retriever", "--raft", "--project", str(tmp_path))
    assert wrong.exit_code == 2 and "--retriever" in wrong.text
