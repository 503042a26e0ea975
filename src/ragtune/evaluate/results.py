"""Typed results of an eval run: a line of `results.jsonl`, a variant's summary, `summary.json` and
`manifest.json`, each read (and summary.json written) by one function here, through `ragtune.runs`.
Field names are the files' own; what a type does not know is kept in its `extra`, so a round trip loses
nothing. `ragtune.evaluate.summary` computes a `Summary` from records."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping, Sequence

from ragtune.errors import RunError
from ragtune.evaluate.stats import Comparison, Estimate
from ragtune.runs import MANIFEST, RESULTS, SUMMARY, read_json, read_json_if, read_jsonl, write_text

TIMINGS = ("retrieval_s", "prefill_s", "generation_s", "total_s")
RECORD_LISTS = ("gold", "sources", "tags", "cited_doc_ids", "citation_sources", "invalid_citations")
_FIGURES = ("k", "cost", "freshness", "forgetting", "retrievers", "known_new")  # Summary's optional fields, in order


@dataclass(frozen=True)
class Passage:
    """A retrieved passage as recorded: rank (1 = first), chunk, document, fused score, rank per retriever."""

    rank: int
    chunk_id: str
    doc_id: str
    score: float | None = None
    ranks: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Tokens:
    """Prompt and completion tokens: of one answer in a record, their means in a variant's summary."""

    prompt: float | None = None
    completion: float | None = None


@dataclass(frozen=True)
class ResultRecord:
    """One line of results.jsonl: a question, one variant's answer, what it retrieved and cited, its metrics.

    `options`: multiple-choice log-likelihoods (`{text, logprob, tokens}` per option) where the question had
    options; `judge`: the LLM judge's reply or error where a judge ran. Older files may lack any field."""

    question_id: str
    variant: str
    question: str = ""
    answer: str = ""
    gold: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    retrieved: tuple[Passage, ...] = ()
    cited_doc_ids: tuple[str, ...] = ()
    citation_sources: tuple[str, ...] = ()
    invalid_citations: tuple[int, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    tokens: Tokens = Tokens()
    model: str | None = None
    metrics: Mapping[str, float | None] = field(default_factory=dict)
    old_answers: tuple[str, ...] = ()  # the answers before a document update (changed facts only)
    referenced: bool = True  # False: the question had no reference answer (`gold` empty then means nothing)
    generator: str = ""  # the question's generator (`ragtune questions`); "" = written by a person
    options: tuple[Mapping[str, Any], ...] | None = None
    judge: Mapping[str, str] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        return self.timings.get("total_s", 0.0)

    @property
    def batch_size(self) -> int:
        """How many answers were generated together with this one (1: alone, its time is latency)."""
        return self.timings.get("batch_size", 1)

    def to_json(self) -> dict:
        """The line as `ragtune eval` writes it (old_answers only for changed facts, options and judge if any)."""
        out = {"question_id": self.question_id, "variant": self.variant, "question": self.question,
               "answer": self.answer, "gold": list(self.gold), "sources": list(self.sources), "tags": list(self.tags),
               "retrieved": [asdict(p) for p in self.retrieved], "cited_doc_ids": list(self.cited_doc_ids),
               "citation_sources": list(self.citation_sources), "invalid_citations": list(self.invalid_citations),
               "timings": dict(self.timings), "tokens": asdict(self.tokens), "model": self.model}
        out |= ({"old_answers": list(self.old_answers)} if self.old_answers else {}) | \
            ({} if self.referenced else {"referenced": False}) | \
            ({"generator": self.generator} if self.generator else {})  # old lines read as True and ""
        out["metrics"] = dict(self.metrics)
        if self.options is not None:
            out["options"] = [dict(o) for o in self.options]
        if self.judge is not None:
            out["judge"] = dict(self.judge)
        return out | dict(self.extra)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ResultRecord:
        known = {f.name for f in fields(cls)} - {"extra"}
        tokens = obj.get("tokens") or {}
        options = obj.get("options")
        return cls(
            question_id=obj["question_id"], variant=obj["variant"], question=obj.get("question", ""),
            answer=obj.get("answer", ""), **{k: tuple(obj.get(k) or ()) for k in (*RECORD_LISTS, "old_answers")},
            retrieved=tuple(Passage(p.get("rank", n), p.get("chunk_id", ""), p.get("doc_id", ""), p.get("score"),
                                    p.get("ranks") or {}) for n, p in enumerate(obj.get("retrieved") or (), start=1)),
            timings=dict(obj.get("timings") or {}), tokens=Tokens(tokens.get("prompt"), tokens.get("completion")),
            model=obj.get("model"), metrics=dict(obj.get("metrics") or {}), judge=obj.get("judge"),
            options=None if options is None else tuple(options), referenced=obj.get("referenced") is not False,
            generator=str(obj.get("generator") or ""), extra={k: v for k, v in obj.items() if k not in known})


@dataclass(frozen=True)
class Spread:
    """Median, 95th percentile and mean of a timing, in seconds; None where nothing was timed."""

    p50: float | None = None
    p95: float | None = None
    mean: float | None = None


@dataclass(frozen=True)
class VariantSummary:
    """One variant in summary.json: every metric's mean with its 95 % CI, latency, tokens, accuracy per tag.

    `latency` holds the answers generated alone (`latency_n` of the `n`; a batch's share of time is
    throughput); `seconds_per_answer` is the mean machine time over all answers, batched or not.
    """

    n: int
    metrics: Mapping[str, Estimate]
    latency: Mapping[str, Spread]  # per timing: retrieval_s, prefill_s, generation_s, total_s
    latency_n: int | None = None  # None: a summary from before batching was recorded
    latency_batched: bool | None = None
    seconds_per_answer: float | None = None
    tokens: Tokens = Tokens()
    by_tag: Mapping[str, Estimate] = field(default_factory=dict)  # correct answers (`contains`) per question tag
    by_generator: Mapping[str, Estimate] = field(default_factory=dict)  # right answers per question generator

    def metric(self, name: str) -> Estimate | None:
        """The estimate of a metric, or None when it was not measured for this variant."""
        e = self.metrics.get(name)
        return e if e is not None and e.measured else None

    def tag(self, tag: str) -> Estimate | None:
        """Correct answers on the questions with this tag, or None when none was scored."""
        e = self.by_tag.get(tag)
        return e if e is not None and e.measured else None

    @property
    def p50_s(self) -> float | None:
        """Median total seconds per answer (retrieval + generation)."""
        return self.latency.get("total_s", Spread()).p50

    @property
    def mean_s(self) -> float | None:
        return self.latency.get("total_s", Spread()).mean

    def to_json(self) -> dict:
        return {"n": self.n, "metrics": {m: e.to_json() for m, e in self.metrics.items()},
                "latency_s": {t: asdict(s) for t, s in self.latency.items()}, "latency_n": self.latency_n,
                "latency_batched": self.latency_batched, "seconds_per_answer": self.seconds_per_answer,
                "tokens": asdict(self.tokens), "by_tag": {t: e.to_json() for t, e in self.by_tag.items()},
                "by_generator": {g: e.to_json() for g, e in self.by_generator.items()}}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> VariantSummary:
        tokens = obj.get("tokens") or {}
        return cls(int(obj.get("n") or 0), {m: Estimate.from_json(e) for m, e in (obj.get("metrics") or {}).items()},
                   {t: Spread(**s) for t, s in (obj.get("latency_s") or {}).items()}, obj.get("latency_n"),
                   obj.get("latency_batched"), obj.get("seconds_per_answer"),
                   Tokens(tokens.get("prompt"), tokens.get("completion")),
                   {t: Estimate.from_json(e) for t, e in (obj.get("by_tag") or {}).items()},
                   {g: Estimate.from_json(e) for g, e in (obj.get("by_generator") or {}).items()})


@dataclass(frozen=True)
class Summary:
    """summary.json: every variant (in the order the run evaluated them), paired comparisons, the bootstrap's
    seed and resamples, retrieval's k, and the cost, freshness and forgetting figures (plain JSON objects)."""

    variants: Mapping[str, VariantSummary]
    comparisons: tuple[Comparison, ...] = ()
    seed: int = 0
    resamples: int = 2000
    k: int | None = None
    cost: Mapping[str, Any] | None = None
    freshness: Mapping[str, Any] | None = None
    forgetting: Mapping[str, Any] | None = None
    retrievers: Mapping[str, Any] | None = None  # the fine-tuned retriever's gain and cost (retriever_gain.py)
    known_new: Mapping[str, Any] | None = None  # accuracy on facts known to base closed-book and new to it (known.py)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        """The summary.json object; NaN (nothing measured) as null, figures that were not computed left out."""
        out: dict = {"variants": {v: s.to_json() for v, s in self.variants.items()},
                     "comparisons": [c.to_json() for c in self.comparisons], "seed": self.seed,
                     "resamples": self.resamples}
        out |= {key: getattr(self, key) for key in _FIGURES if getattr(self, key) is not None}
        return _finite(out | dict(self.extra))

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Summary:
        known = {f.name for f in fields(cls)} - {"extra"}
        return cls({v: VariantSummary.from_json(s) for v, s in (obj.get("variants") or {}).items()},
                   tuple(Comparison.from_json(c) for c in obj.get("comparisons") or ()), obj.get("seed", 0),
                   obj.get("resamples", 2000), *(obj.get(key) for key in _FIGURES),
                   {k: v for k, v in obj.items() if k not in known})


@dataclass(frozen=True)
class Manifest:
    """manifest.json: what an eval run measured (settings, versions, hashes, corpus version, variants)."""

    kind: str = "eval"
    variants: tuple[str, ...] = ()
    questions: str | None = None
    questions_hash: str | None = None
    corpus_version: int | None = None
    variant_definitions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    retrieval: Mapping[str, bool] = field(default_factory=dict)  # does each variant retrieve
    freshness: str | None = None  # the new documents an update synced to
    settings: Mapping[str, Any] = field(default_factory=dict)
    packages: Mapping[str, str] = field(default_factory=dict)
    generator: Mapping[str, Any] | None = None  # {spec, hash}
    embedder: str | None = None
    adapters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # {path, hash} per adapter variant
    retrievers: Mapping[str, str] = field(default_factory=dict)  # the retriever run of each -ftr variant
    seed: int | None = None
    temperature: float | None = None
    created: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    order: tuple[str, ...] = field(default=(), compare=False, repr=False)  # keys as read, kept when written

    def retrieves(self, variant: str, results: Sequence[ResultRecord] = (), *,
                  absorbed_by: str | None = None) -> bool:
        """Does `variant` answer from retrieved passages? As recorded; else (older runs) whether its answers
        carry passages, else whether it took in an update by an index sync (`absorbed_by`, summary.freshness)."""
        if variant in self.retrieval:
            return bool(self.retrieval[variant])
        if any(r.retrieved for r in results if r.variant == variant):
            return True
        return absorbed_by == "index sync"

    def to_json(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("extra", "order")}
        values["variants"] = list(self.variants)
        values |= dict(self.extra)
        return {k: values[k] for k in self.order or values}

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Manifest:
        known = {f.name for f in fields(cls)} - {"extra", "order"}
        given = {k: v for k, v in obj.items() if k in known and v is not None}
        given["variants"] = tuple(obj.get("variants") or ())
        return cls(**given, extra={k: v for k, v in obj.items() if k not in known}, order=tuple(obj))


# -- reading and writing ---------------------------------------------------------------------------

def read_results(run_dir: Path, *, repair: bool = False) -> list[ResultRecord]:
    """The complete lines of results.jsonl (`ragtune.runs.read_jsonl`); `repair` cuts a torn last line off."""
    return [ResultRecord.from_json(r) for r in read_jsonl(Path(run_dir) / RESULTS, repair=repair)]


def as_records(results: Sequence[ResultRecord | Mapping[str, Any]]) -> list[ResultRecord]:
    """Records as typed records, whether read by `read_results` or still results.jsonl dicts."""
    return [r if isinstance(r, ResultRecord) else ResultRecord.from_json(r) for r in results]


def read_manifest(run_dir: Path) -> Manifest | None:
    """The run's manifest.json, or None for a run folder without one (not written by `ragtune eval`)."""
    obj = read_json_if(Path(run_dir) / MANIFEST, redo="ragtune eval -q QUESTIONS")
    return None if obj is None else Manifest.from_json(obj)


def read_summary(run_dir: Path) -> Summary:
    """summary.json; a RunError that says how to make it when it is missing or unreadable."""
    run_dir = Path(run_dir)
    if not (run_dir / SUMMARY).is_file():
        raise RunError(f"{run_dir} has no {SUMMARY}: run `ragtune eval` first (an interrupted eval resumes with "
                       f"`ragtune eval -q QUESTIONS --run {run_dir.name}`).")
    return Summary.from_json(read_json(run_dir / SUMMARY, redo=f"ragtune eval --run {run_dir.name}"))


def write_summary(run_dir: Path, summary: Summary | Mapping[str, Any]) -> Path:
    """summary.json as strict JSON (NaN as null) that any tool reads; a dict is written as it is."""
    obj = summary.to_json() if isinstance(summary, Summary) else _finite(summary)
    return write_text(Path(run_dir) / SUMMARY, json.dumps(obj, indent=2, allow_nan=False) + "\n")


def _finite(obj: Any) -> Any:
    """NaN (nothing measured) becomes null, all the way down."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, Mapping):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj
