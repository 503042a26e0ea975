"""Do generated eval questions rank the variants as questions derived from the corpus's structure do?

Issue 28. On a corpus nobody here wrote (`bench/external_corpora.py`: Debian's manual pages), a project that
has run `ragtune ingest`, `synth`, `tune` (and `tune --raft`) is evaluated twice with the same variants:
- on the questions `ragtune questions` generated from its documents (`synth/eval_questions.jsonl`);
- on questions derived from the pages' structure, with their answers: "Which command does this: <NAME
  summary>?" and "Which command has the option --x?", answered by the page's name (never ragtune's generator).
It records each variant's accuracy (`contains`) on both sets with CIs, whether the winner is the same,
Kendall's tau between the two rankings, and the bias figures (word overlap with the source, BM25 at rank 1)
of both sets, into docs/benchmarks/question_generators.json.

    python bench/question_generators.py --project /tmp/manproj --corpus man-150 [--questions 60]

A project folder that does not exist yet is prepared as a user would, with the CLI: `ragtune init`, these
settings (60 generated questions, answers of at most 48 tokens, ft trained for 5 minutes and raft for 3
without validation passes: on 2 cores the default schedule's validation alone took 15 minutes), `ragtune
ingest DOCS`, `ragtune synth`, `ragtune tune`, `ragtune tune --raft`; then `ragtune eval` with no question
file. About 60-75 minutes on 2 cores, most of it training and answering.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import external_corpora  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / "question_generators.json"
VARIANTS = ("base", "rag", "ft", "ft+rag", "raft")


def structure_questions(corpus_root: Path, n: int, seed: int = 28) -> list[dict]:
    """Name and which-option questions answered by the page's name, in the questions format."""
    out = []
    for q in external_corpora.load_questions(corpus_root):
        if q.kind not in ("name", "which"):
            continue
        names = [Path(doc).stem for doc in q.relevant]
        out.append({"id": q.id, "question": q.question, "answers": names, "sources": list(q.relevant),
                    "tags": [f"structure-{q.kind}"]})
    random.Random(seed).shuffle(out)
    return out[:n]


def accuracy(summary, variants) -> dict:
    return {v: summary.variants[v].metrics["contains"].to_json() for v in variants if v in summary.variants}


def ranking(acc: dict) -> list[str]:
    return sorted(acc, key=lambda v: -(acc[v]["value"] or 0.0))


def structure_bias(proj, questions: list[dict]) -> dict:
    """The same bias figures as `ragtune questions` reports, for the structure-derived questions."""
    from ragtune.retrieve.search import retrieve
    from ragtune.synth.eval_questions import asked_words
    from ragtune.text import tokens

    overlap, top1 = [], []
    for q in questions:
        chunks = [c for d in q["sources"] for c in proj.index.get_chunks(d)]
        source = set(tokens("\n".join(c.text for c in chunks)))
        words = asked_words(q["question"])
        overlap.append(sum(w in source for w in words) / len(words) if words else 0.0)
        hits = retrieve(proj.index, q["question"], retriever="bm25", top_k=1)
        top1.append(bool(hits) and hits[0].doc_id in q["sources"])
    return {"n": len(questions), "lexical_overlap": round(sum(overlap) / len(overlap), 4),
            "bm25_top1": round(sum(top1) / len(top1), 4)}


SETTINGS = (("count = 100 ", "count = 60  "), ("# max_minutes = 20 ", "max_minutes = 5  "),
            ("eval_every = 10 ", "eval_every = 0  "))


def prepare(project: Path, docs: Path) -> None:
    """The project as a user makes it, through the `ragtune` command (see the module docstring)."""
    import re
    import subprocess

    ragtune = [sys.executable, "-m", "ragtune.cli"]
    subprocess.run([*ragtune, "init", str(project)], check=True)
    toml = project / "ragtune.toml"
    text = toml.read_text(encoding="utf-8")
    for old, new in SETTINGS:
        text = text.replace(old, new)
    toml.write_text(re.sub(r"(\[generation\]\n)max_new_tokens = \d+", r"\1max_new_tokens = 48", text), encoding="utf-8")
    for args in (["ingest", str(docs)], ["synth"], ["tune"]):
        subprocess.run([*ragtune, *args, "-p", str(project)], check=True)
    toml.write_text(toml.read_text(encoding="utf-8").replace("max_minutes = 5 ", "max_minutes = 3 "), encoding="utf-8")
    subprocess.run([*ragtune, "tune", "--raft", "-p", str(project)], check=True)
    subprocess.run([*ragtune, "eval", "--run", "qgen-generated", "-p", str(project)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--project", type=Path, required=True)
    ap.add_argument("--corpus", default="man-150", help="a folder under the bench cache (external_corpora.build)")
    ap.add_argument("--questions", type=int, default=60, help="structure-derived questions asked")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from scipy.stats import kendalltau

    from ragtune.evaluate.session import evaluate, summarize_run
    from ragtune.project import Project
    from ragtune.runs import write_jsonl
    from ragtune.synth.questions_session import questions_for_eval

    cache = Path(os.environ.get("RAGTUNE_BENCH_CACHE", Path.home() / ".cache" / "ragtune-bench"))
    if not args.project.exists():
        prepare(args.project, external_corpora.build(*_corpus_args(args.corpus)) / "docs")
    proj = Project(args.project)
    structure = structure_questions(cache / args.corpus, args.questions)
    structure_file = write_jsonl(args.project / "structure_questions.jsonl", structure)
    generated = questions_for_eval(proj)
    results = {}
    for name, path in (("generated", generated.path), ("structure", structure_file)):
        run_dir, _ = evaluate(proj, path, list(VARIANTS), run=f"qgen-{name}")
        results[name] = summarize_run(proj, run_dir)
    acc = {name: accuracy(s, VARIANTS) for name, s in results.items()}
    order = {name: ranking(a) for name, a in acc.items()}
    tau = kendalltau([acc["generated"][v]["value"] for v in VARIANTS], [acc["structure"][v]["value"] for v in VARIANTS])
    from ragtune.evaluate.results import read_manifest  # noqa: F401  (the runs' manifests name the files)
    out = {"corpus": args.corpus, "variants": list(VARIANTS), "accuracy": acc, "ranking": order,
           "same_winner": order["generated"][0] == order["structure"][0],
           "kendall_tau": None if tau.statistic != tau.statistic else round(float(tau.statistic), 3),
           "kendall_p": None if tau.pvalue != tau.pvalue else round(float(tau.pvalue), 4),
           "by_generator": {v: {g: e.to_json() for g, e in results["generated"].variants[v].by_generator.items()}
                            for v in VARIANTS},
           "bias": {"generated": generated.report.get("bias"), "structure": structure_bias(proj, structure)},
           "filters": generated.report.get("generators"),
           "known_new": {name: s.known_new for name, s in results.items()}, "cpu": _cpu()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: out[k] for k in ("accuracy", "ranking", "same_winner", "kendall_tau", "kendall_p")},
                     indent=1))


def _corpus_args(name: str) -> tuple[str, int | None]:
    """"man-150" -> ("man", 150): the external corpus and its page count, as `external_corpora.build` takes."""
    corpus, _, size = name.partition("-")
    return corpus, int(size) if size else None


def _cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
