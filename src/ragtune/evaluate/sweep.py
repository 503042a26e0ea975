"""`ragtune eval --sweep-retrieval`: the retrieval settings chosen by measurement on the project's questions.

The defaults (hybrid, equal weights, rrf_k 60) were measured on other corpora; on this one another setting
may find the right passage more often. The questions with `sources` (held-out synthetic questions, or the
user's own) are split in two by a stable hash of their id: every setting is measured on the `choose` half,
and the best one replaces the current setting only if a paired bootstrap puts its gain in hit@k (a source
document among the first k) above zero there. The `report` half, which took no part in the choice, then
gives the honest estimate of the chosen setting against the current one. k stays `[retrieval] top_k`: more
passages always find more and cost more prompt tokens, a trade the user sets. With `chunk_sizes` the
documents are also indexed at other chunk sizes, each measured at the k of the same prompt budget
(`sweep_chunks.py`); a winning size is written into `[chunking]` and its index moved into place.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

from ragtune.config import RetrievalSettings
from ragtune.config.edit import set_section_values
from ragtune.errors import QuestionsError
from ragtune.evaluate.metrics import hit_at_k, ranked_docs
from ragtune.evaluate.stats import Comparison, Estimate, bootstrap_ci, paired_bootstrap
from ragtune.evaluate.sweep_chunks import INDEX_PREFIX, ChunkSize, adopt_index, build_indexes, chunk_sizes
from ragtune.index import ChunkIndex
from ragtune.project import Project
from ragtune.questions import Question, load_questions
from ragtune.retrieve import retrieve
from ragtune.runs import new_run_id, write_json

MIN_QUESTIONS = 20  # per half; below this a paired test cannot tell settings apart


@dataclass(frozen=True)
class Setting:
    retriever: str
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    rrf_k: int = 60
    chunk: ChunkSize | None = None  # None: the project's chunking and top_k

    @property
    def label(self) -> str:
        name = self.retriever if self.retriever != "hybrid" else \
            f"hybrid dense={self.dense_weight:g} bm25={self.bm25_weight:g} rrf_k={self.rrf_k}"
        return name if self.chunk is None else f"{name}, chunks of {self.chunk.tokens} tokens, k={self.chunk.k}"


@dataclass(frozen=True)
class SweepResult:
    current: Setting
    chosen: Setting
    changed: bool  # the chosen setting beat the current one on the choose half (CI above zero)
    choose: dict[str, Estimate]  # each setting's hit@k on the choose half
    choose_test: Comparison  # best vs current on the choose half
    report: Comparison  # chosen vs current on the report half: the estimate to believe
    report_current: Estimate
    report_chosen: Estimate
    k: int
    questions: tuple[int, int]  # (choose, report)
    seconds: float

    def to_json(self) -> dict:
        return {"k": self.k, "questions": {"choose": self.questions[0], "report": self.questions[1]},
                "current": asdict(self.current), "chosen": asdict(self.chosen), "changed": self.changed,
                "choose": {label: e.to_json() for label, e in self.choose.items()},
                "choose_test": self.choose_test.to_json(), "report_test": self.report.to_json(),
                "report": {"current": self.report_current.to_json(), "chosen": self.report_chosen.to_json()},
                "seconds": round(self.seconds, 1)}


def grid(current: Setting, chunks: Sequence[ChunkSize] = ()) -> list[Setting]:
    """The settings tried: each retriever alone, and hybrid with the lexical side weighted 0.5-2x, at a sharp
    and the usual RRF constant, at the project's chunking and at each of `chunks`; the current setting is
    always among them."""
    found = []
    for chunk in (None, *chunks):
        found += [Setting("dense", chunk=chunk), Setting("bm25", chunk=chunk)]
        found += [Setting("hybrid", 1.0, w, k, chunk) for k in (10, 60) for w in (0.5, 1.0, 2.0)]
    return found if current in found else [current, *found]


def split(questions: Sequence[Question]) -> tuple[list[Question], list[Question]]:
    """(choose, report): each question's half fixed by a hash of its id, so adding questions keeps the others'."""
    halves: tuple[list[Question], list[Question]] = ([], [])
    for q in questions:
        halves[hashlib.sha256(q.id.encode()).digest()[0] % 2].append(q)
    return halves


def halves(questions: Sequence[Question]) -> tuple[list[Question], list[Question]]:
    """(choose, report) of the questions with `sources`; a QuestionsError when a half is too small."""
    usable = [q for q in questions if q.sources]
    choose, report = split(usable)
    if min(len(choose), len(report)) < MIN_QUESTIONS:
        raise QuestionsError(f"{len(usable)} questions have `sources`; the sweep needs at least "
                             f"{2 * MIN_QUESTIONS} (run `ragtune synth` for held-out questions, or add sources).")
    return choose, report


def current_setting(r: RetrievalSettings) -> Setting:
    return Setting(r.retriever, r.dense_weight, r.bm25_weight, r.rrf_k)


def sweep(proj: Project, questions: Sequence[Question], *, indexes: dict[int, ChunkIndex] | None = None,
          progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """`indexes`: the documents at other chunk sizes (`sweep_chunks.build_indexes`), swept too."""
    start = time.perf_counter()
    choose, report = halves(questions)
    k, current = proj.settings.retrieval.top_k, current_setting(proj.settings.retrieval)
    indexes = indexes or {}
    settings = grid(current, [c for c in chunk_sizes(proj, list(indexes)) if c.tokens in indexes])
    total, done = len(settings) * len(choose) + 2 * len(report), 0

    def hits(setting: Setting, qs: Sequence[Question]) -> list[float]:
        nonlocal done
        scores = []
        index, top_k = (proj.index, k) if setting.chunk is None else (indexes[setting.chunk.tokens], setting.chunk.k)
        for q in qs:
            found = retrieve(index, q.question, retriever=setting.retriever, top_k=top_k, rrf_k=setting.rrf_k,
                             weights={"dense": setting.dense_weight, "bm25": setting.bm25_weight})
            scores.append(hit_at_k(ranked_docs([h.doc_id for h in found]), set(q.sources), top_k))
            done += 1
            if progress:
                progress(done, total)
        return scores

    measured = {s: hits(s, choose) for s in settings}
    best = max(settings, key=lambda s: (sum(measured[s]), s == current))  # a tie keeps the current setting
    choose_test = paired_bootstrap(measured[best], measured[current], names=(best.label, current.label))
    changed = best != current and choose_test.low > 0
    chosen = best if changed else current
    report_chosen, report_current = hits(chosen, report), hits(current, report)
    return SweepResult(current, chosen, changed, {s.label: bootstrap_ci(v) for s, v in measured.items()},
                       choose_test, paired_bootstrap(report_chosen, report_current, names=(chosen.label,
                                                                                           current.label)),
                       bootstrap_ci(report_current), bootstrap_ci(report_chosen), k, (len(choose), len(report)),
                       time.perf_counter() - start)


SWEEP_FILE = "sweep.json"


def sweep_project(proj: Project, questions: Path | None = None, *, write: bool = True, sizes: Sequence[int] = (),
                  progress: Callable[[int, int], None] | None = None,
                  index_progress: Callable[[str, int, int], None] | None = None) -> tuple[SweepResult, Path]:
    """Sweep on `questions` (default: the held-out questions of `ragtune synth`), with the documents also
    indexed at each chunk size of `sizes`; record the evidence in `runs/sweep-<time>/sweep.json` and, if a
    setting won and `write`, set it in ragtune.toml ([retrieval], and [chunking] with its index for a size)."""
    path = questions or proj.settings.synth_dir / "val_questions.jsonl"
    if not path.is_file():
        raise QuestionsError(f"{path} does not exist: run `ragtune synth` first (its held-out questions), or pass "
                             "--questions FILE with `sources`.")
    qs = load_questions(path)
    halves(qs)  # too few questions: said before any index is built
    runs = proj.settings.runs_dir
    run_dir = runs / new_run_id("sweep", runs)
    run_dir.mkdir(parents=True)
    candidates = chunk_sizes(proj, sizes)
    indexes = build_indexes(proj, candidates, run_dir, progress=index_progress) if candidates else {}
    result = sweep(proj, qs, indexes=indexes, progress=progress)
    record = result.to_json() | {"questions_file": str(path.resolve()), "written": False}
    if result.changed and write:
        s = result.chosen
        note = (f"chosen by `ragtune eval --sweep-retrieval` ({run_dir.name}): hit@k "
                f"{result.report_chosen.value:.2f} vs {result.report_current.value:.2f} on held-out questions")
        values = {"retriever": s.retriever, "dense_weight": s.dense_weight, "bm25_weight": s.bm25_weight,
                  "rrf_k": s.rrf_k}
        if s.chunk is not None:
            set_section_values(proj.settings.root, "chunking", {"max_tokens": s.chunk.tokens,
                                                                "overlap": s.chunk.overlap}, note)
            values["top_k"] = s.chunk.k
        set_section_values(proj.settings.root, "retrieval", values, note)
        if s.chunk is not None:
            adopt_index(proj, s.chunk, run_dir)
        record["written"] = True
    for tokens in indexes:  # each is the whole corpus embedded again: only the adopted one is kept
        shutil.rmtree(run_dir / f"{INDEX_PREFIX}{tokens}", ignore_errors=True)
    write_json(run_dir / SWEEP_FILE, record)
    return result, run_dir
