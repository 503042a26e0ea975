"""Ingest on Ray (issue 30): documents per second with 1 and 2 embedding actors against the local engine, measured
in the same run on the same corpus, and a projection to N nodes from the measured parts.

The corpus is written by others: a seeded sample of this machine's manual pages (bench/external_corpora.py,
cached under ~/.cache/ragtune-bench/man-<N>/docs). Every engine ingests the same folder into a fresh index with
the packaged MiniLM; each Ray index is checked against the local one (the same chunk ids and hashes). Ray runs on
a local instance of this machine's CPUs, started once before the runs (as a cluster that is already up), each
embedding actor with `--cpus-per-actor` CPUs (default: half the cores, so 2 actors hold the machine's cores as
the local engine's torch threads do). A tiny warm-up ingest on each engine first loads the models and warms
Ray's task workers.

Timed per run: the whole ingest (load + sync = `ragtune ingest` less the model load), split into load (the driver
reads the files, tasks parse them), chunk, the time the sync waited for vectors, and the rest (plan, writes, FTS).
For Ray also the actor pool's start (actors launched, embedder loaded, one text embedded): every ingest pays it.

The projection to N nodes (Amdahl): each node like this machine with the same actors; parsing, chunking and
embedding spread over the nodes (tasks and actors, linear); reading the files, the plan and the writes stay on
the driver (one index writer); the actor pool's start is paid once, in parallel on every node; texts and vectors
cross the network at no cost (about 1.5 KB a chunk). Writes that overlap with embedding count as serial, so the
projection is conservative while the writer is not the bottleneck; its ceiling is docs / (start + serial).

Usage: .venv/bin/python bench/ray_ingest.py [--max-docs 1000] [--docs N] [--actors 1,2] [--cpus-per-actor C]
       [--out FILE]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import external_corpora  # noqa: E402
import machine_info  # noqa: E402

from ragtune import Project  # noqa: E402
from ragtune.config import write_default_config  # noqa: E402
from ragtune.corpus import load_corpus  # noqa: E402
from ragtune.corpus.load import FileLoad  # noqa: E402
from ragtune.index.engine import LOCAL  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks" / "ray_ingest.json"
NODES = (1, 2, 4, 8, 16, 32)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class TimedEngine:
    """An engine with the seconds of each step summed; `embed_wait_s` is the time the sync waited for vectors."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = {"load_s": 0.0, "chunk_s": 0.0, "embed_wait_s": 0.0}

    def load(self, path):
        t = time.perf_counter()
        try:
            return self.inner.load(path)
        finally:
            self.seconds["load_s"] += time.perf_counter() - t

    def chunk(self, documents, chunker):
        t = time.perf_counter()
        try:
            return self.inner.chunk(documents, chunker)
        finally:
            self.seconds["chunk_s"] += time.perf_counter() - t

    def embed(self, batches, embedder):
        stream = iter(self.inner.embed(batches, embedder))
        while True:
            t = time.perf_counter()
            vectors = next(stream, None)
            self.seconds["embed_wait_s"] += time.perf_counter() - t
            if vectors is None:
                return
            yield vectors


def fresh_project(root: Path, embedder) -> Project:
    write_default_config(root)
    proj = Project(root)
    proj.__dict__["embedder"] = embedder  # one loaded model for every run: the model load is not the ingest
    return proj


def ingest(engine, corpus: Path, root: Path, embedder) -> tuple[dict, Project]:
    """`Project.ingest` with a timed engine: load, then sync through the one index writer."""
    proj = fresh_project(root, embedder)
    timed = TimedEngine(engine)
    t = time.perf_counter()
    loaded = timed.load(corpus)
    report = proj.index.sync(loaded.documents, proj.chunker(), engine=timed)
    wall = time.perf_counter() - t
    if loaded.skipped:
        raise SystemExit(f"unexpected skipped files: {loaded.skipped[:3]}")
    s = timed.seconds
    row = {"docs": len(loaded.documents), "chunks": report.chunks_embedded, "wall_s": wall,
           "docs_per_s": len(loaded.documents) / wall, **s,
           "rest_s": wall - s["load_s"] - s["chunk_s"] - s["embed_wait_s"]}
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}, proj


def read_seconds(corpus: Path) -> float:
    """The driver's share of the load: walking the folder and reading every file, parsing nothing."""
    t = time.perf_counter()
    load_corpus(corpus, parse=lambda raw: (FileLoad(r.rel, [], []) for r in raw))
    return time.perf_counter() - t


def pool_start_seconds(engine, embedder) -> float:
    """Actors launched, the embedder loaded in each, one text embedded: what every Ray ingest pays first."""
    t = time.perf_counter()
    list(engine.embed([["warm-up"]] * engine.pool()[0], embedder))
    return time.perf_counter() - t


def same_rows(a: Project, b: Project) -> bool:
    def rows(p: Project):
        return sorted(map(tuple, (r.values() for r in p.index.scan(["id", "doc_hash", "chunk_hash"]).to_pylist())))

    return rows(a) == rows(b)


def per_actor_rate(run: dict, start_s: float, actors: int) -> float | None:
    """Chunks embedded per second per actor, the pool's start left out; None while the embedding took less time
    than the start (too small a corpus to tell the two apart)."""
    embedding = run["embed_wait_s"] - start_s
    return round(run["chunks"] / embedding / actors, 1) if embedding > start_s else None


def projection(run: dict, actors: int, read_s: float, start_s: float) -> dict:
    """docs/s on N nodes like this one (Amdahl; the module docstring states the assumptions)."""
    parallel = max(0.0, run["load_s"] - read_s) + run["chunk_s"] + max(0.0, run["embed_wait_s"] - start_s)
    serial = read_s + run["rest_s"]
    docs = run["docs"]
    return {"from": f"ray, {actors} actors", "start_s": round(start_s, 3), "serial_s": round(serial, 3),
            "parallel_s": round(parallel, 3),
            "docs_per_s": {str(n): round(docs / (start_s + serial + parallel / n), 2) for n in NODES},
            "ceiling_docs_per_s": round(docs / (start_s + serial), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-docs", type=int, default=1000, help="man pages in the corpus (cached per size)")
    parser.add_argument("--docs", type=int, default=None, help="ingest only the first N of them (a quick check)")
    parser.add_argument("--actors", default="1,2", help="comma-separated actor counts to measure")
    parser.add_argument("--cpus-per-actor", type=int, default=max(1, len(os.sched_getaffinity(0)) // 2))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    import ray

    from ragtune.index.ray_engine import RayEngine

    start, load_avg = time.perf_counter(), os.getloadavg()[0]
    source = external_corpora.build("man", args.max_docs) / "docs"
    files = sorted(source.iterdir())[: args.docs]
    with tempfile.TemporaryDirectory(prefix="ray-ingest-") as tmp:
        work = Path(tmp)
        corpus, warm = work / "corpus", work / "warm"
        corpus.mkdir(), warm.mkdir()
        for i, f in enumerate(files):
            shutil.copy(f, corpus / f.name)
            if i < 4:
                shutil.copy(f, warm / f.name)
        log(f"{len(files)} man pages, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB")
        defaults = Project(work)  # the default [models] and [chunking] of `ragtune init`
        embedder = defaults.embedder
        ray.init(num_cpus=len(os.sched_getaffinity(0)), include_dashboard=False, log_to_driver=False)
        runs: dict[str, dict] = {}
        ingest(LOCAL, warm, work / "warm-local", embedder)
        runs["local"], local = ingest(LOCAL, corpus, work / "local", embedder)
        log(f"local: {runs['local']}")
        read_s = read_seconds(corpus)
        starts = {}
        for n in [int(a) for a in args.actors.split(",") if a]:
            with RayEngine(defaults.settings.models, defaults.settings.chunking, actors=n,
                           cpus_per_actor=args.cpus_per_actor) as engine:
                ingest(engine, warm, work / f"warm-ray-{n}", embedder)
                starts[n] = pool_start_seconds(engine, embedder)
                runs[f"ray-{n}"], proj = ingest(engine, corpus, work / f"ray-{n}", embedder)
            runs[f"ray-{n}"] |= {"pool_start_s": round(starts[n], 3), "same_index_as_local": same_rows(local, proj),
                                 "chunks_per_s_per_actor": per_actor_rate(runs[f"ray-{n}"], starts[n], n)}
            log(f"ray, {n} actor(s): {runs[f'ray-{n}']}")
        ray.shutdown()
    most = max(starts)
    result = {"issue": 30, "machine": machine_info.machine("lancedb", "ray", "sentence_transformers"),
              "corpus": f"man-{args.max_docs}" + (f", first {args.docs}" if args.docs else ""),
              "cpus_per_actor": args.cpus_per_actor, "runs": runs,
              "projection": projection(runs[f"ray-{most}"], most, read_s, starts[most]) | {"read_s": round(read_s, 3)},
              "wall_s": round(time.perf_counter() - start, 1), "load_avg_1m": [load_avg, os.getloadavg()[0]]}
    print(json.dumps(result["projection"], indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
