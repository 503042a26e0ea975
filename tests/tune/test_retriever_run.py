"""`ragtune tune --retriever` end to end: a run folder with the fine-tuned embedder, its card and its index;
the rag-ftr variant reads that index; a later `ragtune ingest` keeps it equal to the project's."""

from __future__ import annotations

import json

from cli_helpers import run
from ragtune.project import Project
from ragtune.runs import CARD, find_training_run
from ragtune.variants import answerer, available_variants

FACTS = {f"box{i}.md": f"# Box {i}\n\nBox {i} holds the spare fuse rated {10 + i} amps for the pump {i}."
         for i in range(12)}


def project(tmp_path, tiny_llama_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in FACTS.items():
        (docs / name).write_text(text)
    (tmp_path / "ragtune.toml").write_text(f'[models]\ngenerator = "{tiny_llama_path}"\ndevice = "cpu"\n'
                                           '[generation]\nmax_new_tokens = 4\n')
    proj = Project(tmp_path)
    proj.ingest(docs)
    chunks = {r["doc_id"]: r["id"] for r in proj.index.scan(["id", "doc_id"]).to_pylist()}
    synth = tmp_path / "synth"
    synth.mkdir()
    rows = [{"id": f"train-{i}", "question": f"Which fuse does pump {i} use?", "answers": [f"{10 + i} amps"],
             "sources": [f"box{i}.md"], "chunk_id": chunks[f"box{i}.md"]} for i in range(12)]
    (synth / "train_questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return docs


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

    (docs / "box3.md").unlink()
    (docs / "box4.md").write_text("# Box 4\n\nBox 4 is empty now.")
    proj.ingest(docs)
    index = proj.retriever_index()
    assert set(index.doc_ids()) == set(proj.index.doc_ids()) and "box3.md" not in index.doc_ids()
    assert {r["chunk_hash"] for r in index.scan(["chunk_hash"]).to_pylist()} == \
        {r["chunk_hash"] for r in proj.index.scan(["chunk_hash"]).to_pylist()}


def test_tune_retriever_needs_the_synth_pairs(tmp_path, tiny_llama_path):
    project(tmp_path, tiny_llama_path)
    (tmp_path / "synth" / "train_questions.jsonl").unlink()
    out = run("tune", "--retriever", "--project", str(tmp_path))
    assert out.exit_code == 2 and "ragtune synth" in out.text
    wrong = run("tune", "--retriever", "--raft", "--project", str(tmp_path))
    assert wrong.exit_code == 2 and "--retriever" in wrong.text
