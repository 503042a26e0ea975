"""`ragtune eval --sweep-retrieval` on corpora nobody here wrote (issue 19): does the sweep, choosing on one half
of the questions, find a setting that beats today's default (hybrid) on the other half?

For each corpus of bench/external_corpora.py: a copy of the benchmark's project (its index, an empty
ragtune.toml: the defaults), its mechanically derived questions in ragtune's questions format (`sources` =
the relevant pages), then `sweep_project` exactly as the CLI runs it, with `[retrieval] top_k` = 5. Writes
docs/benchmarks/sweep_external.json: per corpus the setting chosen, each setting's hit@5 on the choose half,
and the chosen setting against the default on the report half (paired bootstrap).

Usage: .venv/bin/python bench/sweep_external.py [--corpus man,python] [--chunk-sizes 128,512 --out F]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import external_corpora as ec  # noqa: E402
import machine_info  # noqa: E402
import retrieval_external as rx  # noqa: E402

from ragtune.evaluate.sweep import sweep_project  # noqa: E402
from ragtune.project import Project  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks" / "sweep_external.json"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="man,python")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--chunk-sizes", default="", help="also sweep these chunk sizes (tokens), e.g. 128,512")
    args = ap.parse_args()
    out: dict = {"issue": 19, "machine": machine_info.machine(), "corpora": {}}
    for corpus in [c for c in args.corpus.split(",") if c]:
        root = ec.build(corpus)
        rx.open_project(root)  # the benchmark's index, synced to the cached docs
        work = root / "sweep"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(root / "project", work, ignore=shutil.ignore_patterns("runs", "synth"))
        (work / "ragtune.toml").write_text("# the defaults; the sweep writes its choice below\n")
        questions = work / "questions.jsonl"
        questions.write_text("".join(json.dumps({"id": q.id, "question": q.question, "answers": ["-"],
                                                 "sources": q.relevant}) + "\n" for q in ec.load_questions(root)))
        sizes = [int(n) for n in args.chunk_sizes.split(",") if n]
        result, run_dir = sweep_project(Project(work), questions, sizes=sizes)
        out["corpora"][corpus] = result.to_json() | {"toml": (work / "ragtune.toml").read_text()}
        r = result.report
        print(f"{corpus}: chose {result.chosen.label} (changed: {result.changed}); on {result.questions[1]} held-out "
              f"questions hit@k {result.report_chosen.value:.3f} vs {result.report_current.value:.3f}, "
              f"diff {r.diff:+.3f} [{r.low:+.3f}, {r.high:+.3f}] in {result.seconds:.0f} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
