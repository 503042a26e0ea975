"""The fine-tuned retriever on a corpus nobody here wrote (issue 19): `ragtune synth` then `ragtune tune
--retriever` with their defaults on the corpus of bench/external_corpora.py, then recall@k on its mechanically
derived questions (which the training never sees: it trains on synth's pairs from the chunks) for dense and
hybrid over the project's index and over the fine-tuned retriever's, each against today's hybrid by a paired
bootstrap. Also the time of each step, which is what a retrain costs.

Works in `<cache>/<corpus>/ftr/`, a copy of the benchmark's project (its index), so the cached corpus
stays as bench/retrieval_external.py left it. Writes docs/benchmarks/retriever_finetune_<corpus>.json.

Usage: .venv/bin/python bench/retriever_finetune.py [--corpus man] [--epochs 1]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import external_corpora as ec  # noqa: E402
import machine_info  # noqa: E402
import retrieval_external as rx  # noqa: E402

from ragtune.project import Project  # noqa: E402
from ragtune.synth.session import synthesize  # noqa: E402
from ragtune.tune.retriever import RetrieverConfig  # noqa: E402
from ragtune.tune.retriever_run import tune_retriever  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks"


def on_index(index, kind: str):
    """A DocRetriever over another index of the same chunks (the retriever's)."""
    inner = rx.chunk_retriever(kind)
    return lambda _ignored, question, k: inner(index, question, k)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="man")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="default: docs/benchmarks/retriever_finetune_<corpus>.json")
    args = ap.parse_args()
    args.out = args.out or OUT / f"retriever_finetune_{args.corpus}.json"
    root = ec.build(args.corpus)
    base, _ = rx.open_project(root)  # the benchmark's project, synced to the cached docs
    work = root / "ftr"
    if not (work / "index").exists():
        shutil.copytree(root / "project", work, ignore=shutil.ignore_patterns("runs", "synth"))
    proj = Project(work)
    times: dict[str, float] = {}
    if not (proj.settings.synth_dir / "train_questions.jsonl").is_file():
        t0 = time.perf_counter()
        synthesize(proj, None)
        times["synth_s"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    info, card = tune_retriever(proj, cfg=RetrieverConfig(epochs=args.epochs),
                                progress=lambda s, t, loss: print(f"\rstep {s}/{t} loss {loss:.3f}", end="",
                                                                  flush=True))
    times["tune_retriever_s"] = round(time.perf_counter() - t0, 1)
    print(f"\n{info.id}: {card}", flush=True)
    ftr = proj.retriever_index(info.id)
    retrievers = {"dense": rx.RETRIEVERS["dense"], "hybrid": rx.RETRIEVERS["hybrid"],
                  "dense-ftr": on_index(ftr, "dense"), "hybrid-ftr": on_index(ftr, "hybrid")}
    questions = ec.load_questions(root)
    runs = rx.run_questions(proj.index, questions, retrievers)
    ranks = {n: [rx.first_relevant(d, q.relevant) for (d, _), q in zip(runs[n], questions)] for n in runs}
    result: dict = {"issue": 19, "machine": machine_info.machine("sentence_transformers"), "corpus": args.corpus,
                    "questions": len(questions), "card": card, "times": times, "retrievers": {}, "vs_hybrid": {}}
    for split in (*rx.SPLITS, "all"):
        pick = [i for i, q in enumerate(questions) if split in ("all", q.split)]
        for n in runs:
            result["retrievers"].setdefault(n, {})[split] = rx.summarise([ranks[n][i] for i in pick],
                                                                         [runs[n][i][1] for i in pick])
            if n != "hybrid":
                result["vs_hybrid"].setdefault(n, {})[split] = rx.compare(
                    [ranks[n][i] for i in pick], [ranks["hybrid"][i] for i in pick], (n, "hybrid"))
    print(rx.table({args.corpus: result}))
    for n, by_split in result["vs_hybrid"].items():
        t = by_split["test"]
        print(f"{n} - hybrid, recall@5 on test: {t['diff']:+.3f} [{t['low']:+.3f}, {t['high']:+.3f}]")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
