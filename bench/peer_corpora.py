"""The corpora, updates, probes and questions of the peer benchmark, the same for every tool.

Two corpora, each with a "before" and an "after" version:
- the bundled knowledge base: examples/kb/v1 -> v2 (a real update: 21 facts changed, 2 documents deleted, 3 added);
- a generated corpus (bench/synthetic_corpus.py) -> one sentence replaced in 1 % of the documents and 1 % deleted.
Both go through ragtune's loader once; every tool then gets the same texts.

A probe asks each retriever for what should be gone: the text of a deleted document, or a line the update
removed from a changed one. A hit is wrong if it comes from that document and is deleted or still holds the
removed text.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import synthetic_corpus as sc
from peer_api import Doc, squash

ROOT = Path(__file__).resolve().parent.parent
KB = ROOT / "examples" / "kb"
MIN_PROBE_CHARS = 25


@dataclass(frozen=True)
class Corpus:
    name: str
    before: list[Doc]
    after: list[Doc]
    probes: list[dict]  # {"kind": "deleted" | "changed", "doc_id", "query", "old_text"}
    questions: list[dict]  # {"id", "question", "sources", "answers"}: retrieval and answer questions (may be [])


def load_docs(folder: Path) -> list[Doc]:
    from ragtune.corpus import load_corpus

    loaded = load_corpus(folder)
    if loaded.skipped:
        raise RuntimeError(f"{folder}: files skipped: {loaded.skipped[:3]}")
    return [Doc(d.id, d.text, d.title) for d in sorted(loaded.documents, key=lambda d: d.id)]


def _units(text: str) -> list[str]:
    """Lines split into sentences: the granularity at which an update removes text."""
    out = []
    for line in text.splitlines():
        out.extend(s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if s.strip())
    return out


def probes(before: list[Doc], after: list[Doc]) -> list[dict]:
    """One probe per deleted document and one per changed document (its longest removed sentence or row)."""
    new = {d.id: d for d in after}
    out = []
    for doc in before:
        if doc.id not in new:
            body = max(_units(doc.text), key=len)
            out.append({"kind": "deleted", "doc_id": doc.id, "query": squash(body)[:300], "old_text": ""})
        elif new[doc.id].text != doc.text:
            kept = set(_units(new[doc.id].text))
            removed = [u for u in _units(doc.text) if u not in kept and len(u) >= MIN_PROBE_CHARS]
            if removed:
                old = squash(max(removed, key=len))
                out.append({"kind": "changed", "doc_id": doc.id, "query": old[:300], "old_text": old})
    return out


def kb_corpus() -> Corpus:
    before, after = load_docs(KB / "v1"), load_docs(KB / "v2")
    questions = []
    with (KB / "questions.jsonl").open(encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            if q.get("sources"):  # answerable: has gold documents
                questions.append({"id": q["id"], "question": q["question"], "sources": q["sources"],
                                  "answers": q.get("answers", [])})
    return Corpus("kb", before, after, probes(before, after), questions)


def generated_corpus(work: Path, n_docs: int, seed: int, change: float = 0.01, delete: float = 0.01) -> Corpus:
    """`n_docs` generated documents, then `change` of them edited and another `delete` of them removed."""
    ids, texts = sc.generate(n_docs, seed)
    folder = work / f"generated-{n_docs}"
    if folder.exists():
        shutil.rmtree(folder)
    sc.write_folder(folder / "before", ids, texts)
    before = load_docs(folder / "before")
    shutil.copytree(folder / "before", folder / "after")
    changed = set(sc.edit_documents(folder / "after", ids, change, seed + 1))
    rng = random.Random(seed + 2)
    gone = rng.sample([i for i in ids if i not in changed], max(1, round(n_docs * delete)))
    for doc_id in gone:
        (folder / "after" / doc_id).unlink()
    after = load_docs(folder / "after")
    queries = [{"id": f"q{i}", "question": q, "sources": [], "answers": []}
               for i, q in enumerate(sc.queries(200, seed + 3, seed))]
    return Corpus(f"generated-{n_docs}", before, after, probes(before, after), queries)
