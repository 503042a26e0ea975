"""Eval runs built the way `ragtune eval` builds them (records like runs/<id>/results.jsonl, metrics from
ragtune.evaluate.metrics, summary.json from build_summary + cost_summary + freshness_summary), small enough to read."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from ragtune.config import CostSettings
from ragtune.evaluate.cost import TrainingCost, cost_summary
from ragtune.evaluate.freshness import freshness_summary
from ragtune.evaluate.metrics import answer_metrics, citation_metrics, retrieval_metrics, stale_answer
from ragtune.evaluate.results import write_summary
from ragtune.evaluate.summary import build_summary

K = 3
RETRIEVAL = {"base": False, "rag": True, "ft": False, "ft+rag": True, "raft": True}
TIME_S = {"base": 0.9, "rag": 2.1, "ft": 0.4, "ft+rag": 1.8, "raft": 2.4}

# (id, question, gold, old gold (changed facts only), sources, tags)
QUESTIONS = [
    ("warranty", "How long is the standard warranty?", ["3 years"], ["2 years"], ["warranty.md"],
     ["policy", "updated"]),
    ("price", "What does the kettle cost?", ["99 euros"], ["89 euros"], ["kettle.md"], ["product", "updated"]),
    ("capacity", "How many litres does the kettle hold?", ["1.7 litres"], [], ["kettle.md"], ["product"]),
    ("e7", "What does error E7 mean?", ["switched on while empty"], [], ["faq.md"], ["support"]),
    ("ceo", "Who is the CEO?", ["Mara Lind"], [], ["about.md"], ["company"]),
    ("moon", "What is the price of the moon?", [], [], [], ["unanswerable"]),
]

# Answers per variant: before the update (old facts) and after it.
BEFORE = {
    "base": ["About 1 year.", "50 euros", "1000 litres", "It is broken.", "Mara Lind, since 2023.", "A lot."],
    "rag": ["2 years [1]", "It costs 89 euros [1]", "1.7 litres [1]", "switched on while empty [1]",
            "Mara Lind [1]", "I don't know"],
    "ft": ["2 years", "89 euros", "1.7 litres", "<script>alert('x')</script> overheated", "Mara Lind", "12 euros"],
}
AFTER = {
    "base": ["About 1 year.", "50 euros", "1000 litres", "It is broken.", "Mara Lind, since 2023.", "A lot."],
    "rag": ["3 years [1]", "It costs 89 euros [1]", "1.7 litres [1]", "switched on while empty [1]",
            "Mara Lind [1]", "I don't know"],
    "ft": ["2 years", "89 euros", "1.7 litres", "overheated", "Mara Lind", "12 euros"],
}


def record(qid: str, question: str, gold: list, old: list, sources: list, tags: list, variant: str, answer: str,
           *, changed: bool) -> dict:
    """One results.jsonl line, metrics computed by ragtune's own metric functions."""
    docs = (sources or ["about.md"]) + ["faq.md", "other.md"] if RETRIEVAL[variant] else []
    retrieved = [{"rank": i + 1, "chunk_id": f"{d}#0", "doc_id": d, "score": 0.03 - i / 100, "ranks": {"dense": i + 1}}
                 for i, d in enumerate(docs)]
    cited = [retrieved[0]["doc_id"]] if retrieved and "[1]" in answer else []
    metrics = answer_metrics(answer, gold)
    metrics["stale"] = stale_answer(answer, gold, old if changed else [])
    if RETRIEVAL[variant]:
        metrics |= retrieval_metrics([r["doc_id"] for r in retrieved], sources, K)
        metrics |= citation_metrics(cited, sources)
    total = TIME_S[variant] + len(answer) / 100
    rec = {"question_id": qid, "variant": variant, "question": question, "answer": answer, "gold": gold,
           "sources": sources, "tags": tags, "retrieved": retrieved, "cited_doc_ids": cited,
           "citation_sources": ["model"] * len(cited), "invalid_citations": [],
           "timings": {"retrieval_s": 0.02 if retrieved else 0.0, "prefill_s": 0.1, "generation_s": total,
                       "total_s": total},
           "tokens": {"prompt": 600 if retrieved else 50, "completion": len(answer.split())},
           "model": "SmolLM2-135M-Instruct", "metrics": metrics}
    if changed and old:
        rec["old_answers"] = old
    return rec


def write_run(run_dir: Path, records: list[dict], variants: list[str], *, update: dict | None = None,
              manifest: bool = True, summary: bool = True) -> Path:
    """results.jsonl, manifest.json and summary.json as `ragtune eval` writes them."""
    run_dir.mkdir(parents=True)
    (run_dir / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    retrieval = {v: RETRIEVAL.get(v, False) for v in variants}
    if manifest:
        (run_dir / "manifest.json").write_text(json.dumps({
            "kind": "eval", "variants": variants, "questions": "/data/questions.jsonl", "questions_hash": "ab12",
            "corpus_version": 4, "retrieval": retrieval, "adapters": {},
            "settings": {"retrieval": {"retriever": "hybrid", "top_k": K}, "eval": {"seed": 0}},
            "packages": {"python": "3.11", "ragtune": "0.1.0"}, "generator": {"spec": "smollm2", "hash": "cd34"},
            "embedder": "minilm", "seed": 0, "temperature": 0.0, "created": "2026-01-02T03:04:05"}), encoding="utf-8")
    if summary:
        s = build_summary(records, variants, resamples=200)
        training = {"ft": TrainingCost(300.0, 20000, 0.0075)} if "ft" in variants else {}
        cost = cost_summary(s, CostSettings(), adapters=training, retrieval=retrieval,
                            sync_s=update["sync_s"] if update else None)
        fresh = freshness_summary(records, variants, update, {v: t.seconds for v, t in training.items()},
                                  retrieval, resamples=200) if update else None
        write_summary(run_dir, replace(s, k=K, cost=cost, freshness=fresh))
    return run_dir


def build_runs(root: Path, variants: tuple[str, ...] = ("base", "rag", "ft")) -> tuple[Path, Path]:
    """A run on the old documents (eval-before) and a freshness run after two facts changed (eval-after)."""
    before, after = [], []
    for i, (qid, question, gold, old, sources, tags) in enumerate(QUESTIONS):
        for v in variants:
            # Before the update the gold answers were the old ones; tags as the old questions file had them.
            before.append(record(qid, question, old or gold, [], sources, [t for t in tags if t != "updated"], v,
                                 BEFORE[v][i], changed=False))
            after.append(record(qid, question, gold, old, sources, tags, v, AFTER[v][i], changed=True))
    update = {"status": "done", "new_documents": "/data/docs_v2", "version_before": 4, "version_after": 6,
              "sync_s": 1.5, "load_s": 0.2, "added": [], "changed": ["warranty.md", "kettle.md"], "removed": [],
              "chunks_embedded": 2, "skipped_files": [], "interrupted_before": False}
    return (write_run(root / "eval-before", before, list(variants)),
            write_run(root / "eval-after", after, list(variants), update=update))
