"""The lexical side's text analysis, one knob at a time (issue 19): which tokenizer, case, ASCII folding, stop
words, stemming, title weight and BM25 parameters find the relevant document for real questions.

Every configuration is BM25 (bm25s) over the same chunks ragtune's ingest makes of the external corpora
(bench/external_corpora.py: man pages and the Python library reference, questions derived mechanically from
their structure), scored by document exactly like bench/retrieval_external.py. `shipped` is ragtune's
analysis (`ragtune.retrieve.bm25.analyze`, checked term for term on the corpus before anything is measured);
every other row changes one thing. A change would replace the shipped setting only if it beat it on the
tune half with a paired-bootstrap 95 % CI above zero *and* did so again on the test half.

No embedding: the corpora are only chunked (with the embedder's tokenizer, as ingest does), so a run takes
about a minute per corpus after the corpora are built and cached (~/.cache/ragtune-bench).

Usage: .venv/bin/python bench/lexical_ablation.py [--corpus man,python] [--out FILE]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import re
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import external_corpora as ec  # noqa: E402
import machine_info  # noqa: E402
from retrieval_external import CHUNK_DEPTH, KS, SPLITS, compare, distinct_docs, first_relevant, summarise  # noqa: E402

from ragtune.corpus import load_corpus  # noqa: E402
from ragtune.project import Project  # noqa: E402
from ragtune.retrieve.bm25 import STOP_WORDS, analyze  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks" / "lexical_ablation.json"
# Lucene's (and Elasticsearch's) default English stop set: ragtune's list without the question words it adds.
LUCENE_STOP = frozenset("""a an and are as at be but by for if in into is it no not of on or such that the their
then there these they this to was will with""".split())


@dataclass(frozen=True)
class Analysis:
    """One way of turning text into BM25 terms, and BM25's own parameters."""

    fold: bool = True  # NFKD, then drop what is not ASCII (é -> e)
    lower: bool = True
    stop: str = "ragtune"  # ragtune (Lucene's + question words) | lucene | none
    stem: bool = True  # Snowball English (Porter 2)
    min_len: int = 2  # shortest term kept
    title: int = 1  # how many times a chunk's title is counted with its text (0: the text alone)
    k1: float = 1.5  # bm25s's defaults
    b: float = 0.75


SHIPPED = Analysis()
CONFIGS: dict[str, Analysis] = {
    "shipped": SHIPPED,
    "no stemming": replace(SHIPPED, stem=False),
    "Lucene stop words only (question words kept)": replace(SHIPPED, stop="lucene"),
    "no stop words": replace(SHIPPED, stop="none"),
    "case kept": replace(SHIPPED, lower=False),
    "no ASCII folding": replace(SHIPPED, fold=False),
    "one-letter terms kept": replace(SHIPPED, min_len=1),
    "title not counted": replace(SHIPPED, title=0),
    "title counted twice": replace(SHIPPED, title=2),
    "title counted three times": replace(SHIPPED, title=3),
    "k1 = 1.2": replace(SHIPPED, k1=1.2),
    "k1 = 0.9, b = 0.4 (Anserini)": replace(SHIPPED, k1=0.9, b=0.4),
    "b = 0.5": replace(SHIPPED, b=0.5),
    "b = 0.9": replace(SHIPPED, b=0.9),
}


class Analyzer:
    def __init__(self, a: Analysis):
        import Stemmer

        self.a, self.stemmer = a, Stemmer.Stemmer("english")
        self.word = re.compile(r"[^\W_]{%d,}" % a.min_len)  # letters and digits (only ASCII once folded)
        self.stop = {"ragtune": STOP_WORDS, "lucene": LUCENE_STOP, "none": frozenset()}[a.stop]

    def __call__(self, text: str) -> list[str]:
        if self.a.fold:
            text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        if self.a.lower:
            text = text.lower()
        words = [w for w in self.word.findall(text) if w.lower() not in self.stop]
        return self.stemmer.stemWords(words) if self.a.stem else words


class Lexical:
    """bm25s over the chunks analysed one way; `docs(question)` -> the first ten distinct documents."""

    def __init__(self, a: Analysis, chunks: list[tuple[str, str, str]]):
        import bm25s

        self.analyze = Analyzer(a)
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in self.analyze("\n".join([title] * a.title + [text])) or [""]]
               for _doc, title, text in chunks]
        self.vocab, self.doc_ids = vocab, [doc for doc, _t, _x in chunks]
        self.bm25 = bm25s.BM25(k1=a.k1, b=a.b)
        self.bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)

    def docs(self, question: str, k: int = max(KS)) -> list[str]:
        terms = [t for t in self.analyze(question) if t in self.vocab]
        if not terms:
            return []
        scores = np.asarray(self.bm25.get_scores(terms), dtype=np.float32)
        depth = min(CHUNK_DEPTH, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.lexsort((top, -scores[top]))]  # best first, ties by position
        return distinct_docs([self.doc_ids[i] for i in top if scores[i] > 0], k)


def corpus_chunks(root: Path) -> list[tuple[str, str, str]]:
    """(doc_id, title, text) of every chunk ragtune's ingest would make of the corpus, with the default chunking."""
    (root / "project").mkdir(exist_ok=True)
    (root / "project" / "ragtune.toml").touch()
    chunker = Project(root / "project").chunker()
    return [(c.doc_id, c.title, c.text) for d in load_corpus(root / "docs").documents for c in chunker(d)]


def check_shipped(chunks: list[tuple[str, str, str]], sample: int = 500) -> None:
    """The `shipped` row measures ragtune's own analysis: the same terms on a sample of chunks."""
    mine = Analyzer(SHIPPED)
    step = max(1, len(chunks) // sample)
    for _doc, title, text in chunks[::step]:
        joined = f"{title}\n{text}"
        if mine(joined) != analyze(joined):
            raise SystemExit(f"the bench's `shipped` analysis differs from ragtune's on: {joined[:200]!r}")


def bench_corpus(corpus: str) -> dict:
    root = ec.build(corpus)
    questions = ec.load_questions(root)
    t0 = time.perf_counter()
    chunks = corpus_chunks(root)
    check_shipped(chunks)
    print(f"{corpus}: {len(chunks)} chunks, {len(questions)} questions (chunked in {time.perf_counter() - t0:.0f} s)",
          flush=True)
    ranks: dict[str, list[int | None]] = {}
    for name, a in CONFIGS.items():
        lex = Lexical(a, chunks)
        ranks[name] = [first_relevant(lex.docs(q.question), q.relevant) for q in questions]
    out: dict = {"chunks": len(chunks), "questions": len(questions), "configs": {}, "vs_shipped": {}}
    for split in (*SPLITS, "all"):
        pick = [i for i, q in enumerate(questions) if split in ("all", q.split)]
        for name in CONFIGS:
            s = summarise([ranks[name][i] for i in pick], [0.0])
            s.pop("latency_ms")
            out["configs"].setdefault(name, {})[split] = s
            if name != "shipped":
                out["vs_shipped"].setdefault(name, {})[split] = compare(
                    [ranks[name][i] for i in pick], [ranks["shipped"][i] for i in pick], (name, "shipped"))
    return out


def verdict(corpora: dict) -> dict[str, str]:
    """Per configuration: `adopt` where it beats `shipped` on tune (CI above zero) and again on test, on every
    corpus; `worse` where its test-half CI is below zero on any."""
    out = {}
    for name in CONFIGS:
        if name == "shipped":
            continue
        per = [res["vs_shipped"][name] for res in corpora.values()]
        wins = all(c["tune"]["low"] > 0 and c["test"]["low"] > 0 for c in per)
        loses = any(c["test"]["high"] < 0 for c in per)
        out[name] = "adopt" if wins else ("worse" if loses else "no difference shown")
    return out


def table(corpora: dict) -> str:
    names = list(corpora)
    head = "| analysis | " + " | ".join(f"{c} recall@5 (test) | {c} - shipped [95 % CI]" for c in names) + " |"
    lines = [head, "|---|" + "---:|---:|" * len(names)]
    for name in CONFIGS:
        cells = []
        for c in names:
            s = corpora[c]["configs"][name]["test"]["recall@5"]["value"]
            d = corpora[c]["vs_shipped"].get(name, {}).get("test")
            cells += [f"{s:.3f}", f"{d['diff']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}]" if d else ""]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="man,python", help="comma-separated: man, python")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    start = time.perf_counter()
    corpora = {c: bench_corpus(c) for c in args.corpus.split(",") if c}
    result = {"issue": 19, "machine": machine_info.machine("bm25s"), "chunk_depth": CHUNK_DEPTH,
              "configs": {n: asdict(a) for n, a in CONFIGS.items()}, "corpora": corpora,
              "verdict": verdict(corpora), "wall_s": round(time.perf_counter() - start, 1)}
    print(table(corpora))
    for name, v in result["verdict"].items():
        print(f"{name}: {v}")
    print(f"wall: {result['wall_s']} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
