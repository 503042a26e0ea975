"""A small project ready for `ragtune tune --retriever`: 12 documents ingested with the real MiniLM, the tiny
random llama as generator, and synth/train_questions.jsonl pairing a question with each document's chunk."""

from __future__ import annotations

import json
from pathlib import Path

from ragtune.project import Project

FACTS = {f"box{i}.md": f"# Box {i}\n\nBox {i} holds the spare fuse rated {10 + i} amps for the pump {i}."
         for i in range(12)}


def retriever_project(tmp_path: Path, tiny_llama_path: Path) -> Path:
    """Returns the documents folder (ingested)."""
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
