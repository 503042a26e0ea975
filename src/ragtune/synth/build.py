"""`build_training_set`: every strategy in one call, and `TrainingSet.write` for the files `ragtune tune` reads."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ragtune.corpus.document import Chunk
from ragtune.models.protocols import Generator, Message
from ragtune.runs import write_json
from ragtune.synth.dataset import (Split, document_messages, qa_messages, split_by_fact, write_chat_jsonl,
                                   write_questions_jsonl)
from ragtune.synth.calls import TeacherCalls
from ragtune.synth.extractive import extractive_pairs
from ragtune.synth.pairs import QAPair, StrategyYield, dedupe
from ragtune.synth.paraphrase import Paraphrase, paraphrases as make_paraphrases
from ragtune.synth.pilot import PilotRule
from ragtune.synth.qa import teacher_pairs
from ragtune.synth.raft import RaftExample, raft_examples
from ragtune.text import normalize_text

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class TrainingSet:
    """Everything `synth` produced: the split pairs, the documents, RAFT examples and the yields."""

    split: Split
    documents: tuple[tuple[str, str], ...]  # (title, text): original chunks and their valid paraphrases
    raft: tuple[RaftExample, ...] = ()
    yields: dict[str, StrategyYield] = field(default_factory=dict)
    extra_chat: tuple[tuple[Message, ...], ...] = ()  # user-supplied chat conversations, trained as given
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0

    def train_conversations(self) -> list[list[Message]]:
        return ([qa_messages(p) for p in self.split.train] + [document_messages(text, title)
                for title, text in self.documents] + [list(c) for c in self.extra_chat])

    def pilot_notes(self) -> list[str]:
        """One line per generative strategy the pilot judged: what it measured and whether it ran on."""
        return [y.pilot["reason"] for y in self.yields.values() if y.pilot]

    def report(self) -> dict:
        return {"yields": {k: y.to_dict() for k, y in self.yields.items()}, "pilot": self.pilot_notes(),
                "counts": {"train_pairs": len(self.split.train), "val_pairs": len(self.split.val),
                           "paraphrase_pairs": len(self.split.paraphrase), "documents": len(self.documents),
                           "raft_examples": len(self.raft), "user_chat": len(self.extra_chat)},
                "settings": self.settings, "seconds": round(self.seconds, 3)}

    def write(self, directory: str | Path) -> dict[str, Path]:
        """train.jsonl, val.jsonl (chat), train/val/paraphrase questions, raft_train.jsonl, synth_report.json."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        files = {"train": out / "train.jsonl", "val": out / "val.jsonl", "report": out / "synth_report.json",
                 "val_questions": out / "val_questions.jsonl", "train_questions": out / "train_questions.jsonl"}
        write_chat_jsonl(files["train"], self.train_conversations())
        write_questions_jsonl(files["train_questions"], self.split.train, prefix="train-")  # the retriever's pairs
        write_chat_jsonl(files["val"], [qa_messages(p) for p in self.split.val])
        write_questions_jsonl(files["val_questions"], self.split.val, prefix="val-")
        if self.split.paraphrase:
            files["paraphrase_questions"] = out / "paraphrase_questions.jsonl"
            write_questions_jsonl(files["paraphrase_questions"], self.split.paraphrase, prefix="para-")
        if self.raft:
            files["raft_train"] = out / "raft_train.jsonl"
            write_chat_jsonl(files["raft_train"], [e.messages() for e in self.raft])
        write_json(files["report"], self.report())
        return files


def build_training_set(chunks: Sequence[Chunk], teacher: Generator | None, *, pairs_per_chunk: int = 3,
                       paraphrases: int = 1, raft: bool = False, index=None, seed: int = 0,
                       extractive: str = "fill", user_pairs: Sequence[QAPair] = (),
                       user_chat: Sequence[Sequence[Message]] = (), val_fraction: float = 0.1,
                       raft_distractors: int = 3, p_no_oracle: float = 0.2, batch_size: int = 4,
                       pilot: PilotRule | None = None, progress_dir: str | Path | None = None,
                       progress: Progress | None = None) -> TrainingSet:
    """Teacher pairs, extractive fill-in, paraphrases, optional RAFT, split by fact.

    The teacher's prompts go `batch_size` at a time; with `progress_dir` each finished completion is saved
    there (`<strategy>.jsonl`) and reused by the next call, so an interrupted build resumes; with `pilot`,
    teacher Q/A and paraphrases each run on the first chunks and go on only if worth it (`synth/pilot.py`).

    `extractive`: "fill" tops each chunk up to `pairs_per_chunk` when the teacher yields fewer (or there is
    no teacher), "all" adds every extractive pair, "off" never uses it. Every chunk (and its paraphrases)
    is a training document, val facts included: validation asks whether knowledge read in documents can
    be recalled for questions never trained on, which is what fine-tuning on documents is for.
    """
    if extractive not in ("fill", "all", "off"):
        raise ValueError('extractive must be "fill", "all" or "off"')
    t0 = time.perf_counter()
    yields: dict[str, StrategyYield] = {}
    pairs: list[QAPair] = []
    store = Path(progress_dir) if progress_dir is not None else None
    calls = {s: TeacherCalls(teacher, batch_size=batch_size, store=store / f"{s}.jsonl" if store else None)
             for s in ("teacher", "paraphrase")} if teacher is not None else {}
    if teacher is not None and pairs_per_chunk > 0:
        teacher_kept, yields["teacher"] = teacher_pairs(
            chunks, teacher, pairs_per_chunk=pairs_per_chunk, calls=calls["teacher"], pilot=pilot,
            progress=(lambda d, n: progress("teacher", d, n)) if progress else None)
        pairs.extend(teacher_kept)
    if extractive != "off":
        candidates, ex_yields = extractive_pairs(chunks, seed=seed)
        added = _fill(pairs, candidates, pairs_per_chunk if extractive == "fill" else None)
        for strategy, y in ex_yields.items():
            kept = sum(p.strategy == strategy for p in added)
            yields[strategy] = StrategyYield(strategy, y.asked, y.parsed, y.valid, kept, y.seconds, y.rejected)
        pairs.extend(added)
    if user_pairs:
        user_kept = dedupe(user_pairs, {_key(p) for p in pairs})
        yields["user"] = StrategyYield("user", asked=len(user_pairs), parsed=len(user_pairs),
                                       valid=len(user_pairs), kept=len(user_kept))
        pairs.extend(user_kept)
    documents: list[tuple[str, str]] = [(c.title, c.text) for c in chunks]
    if teacher is not None and paraphrases > 0:
        found: list[Paraphrase]
        found, yields["paraphrase"] = make_paraphrases(
            chunks, teacher, k=paraphrases, calls=calls["paraphrase"], pilot=pilot,
            progress=(lambda d, n: progress("paraphrase", d, n)) if progress else None)
        documents.extend((p.title, p.text) for p in found)
    for c in calls.values():
        c.compact()
    split = split_by_fact(pairs, val_fraction=val_fraction, seed=seed)
    examples = raft_examples(split.train, chunks, distractors=raft_distractors, p_no_oracle=p_no_oracle,
                             index=index, seed=seed) if raft else []
    settings = {"pairs_per_chunk": pairs_per_chunk, "paraphrases": paraphrases, "raft": raft, "seed": seed,
                "extractive": extractive, "val_fraction": val_fraction, "raft_distractors": raft_distractors,
                "p_no_oracle": p_no_oracle, "teacher": getattr(teacher, "name", None), "chunks": len(chunks),
                "batch_size": batch_size, "pilot": asdict(pilot) if pilot else None}
    seconds = time.perf_counter() - t0 + sum(c.reused_seconds for c in calls.values())  # as if never interrupted
    return TrainingSet(split, tuple(documents), tuple(examples), yields, tuple(tuple(c) for c in user_chat),
                       settings, seconds)


def _fill(existing: list[QAPair], candidates: list[QAPair], per_chunk: int | None) -> list[QAPair]:
    """Extractive candidates not asked already; with `per_chunk`, only up to that many pairs per chunk."""
    seen = {_key(p) for p in existing}
    have: dict[str, int] = {}
    for p in existing:
        have[p.chunk_id] = have.get(p.chunk_id, 0) + 1
    added = []
    for pair in dedupe(candidates, seen):
        if per_chunk is not None and have.get(pair.chunk_id, 0) >= per_chunk:
            continue
        have[pair.chunk_id] = have.get(pair.chunk_id, 0) + 1
        added.append(pair)
    return added


def _key(pair: QAPair) -> str:
    return normalize_text(pair.question)
