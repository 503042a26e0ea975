"""Which questions a demo asks: a sample per tag of the knowledge base's v1 and v2 sets, written into the
demo folder (the same bytes on a re-run, so a resumed evaluation stays valid)."""

from __future__ import annotations

import json
from pathlib import Path

from ragtune.questions import Question
from ragtune.runs import write_text


def sample_questions(questions: list[Question], per_tag: int | None, keep: set[str] = frozenset()) -> list[Question]:
    """In file order, a question joins while one of its tags has fewer than `per_tag` (and every id in `keep`)."""
    if per_tag is None:
        return list(questions)
    counts: dict[str, int] = {}
    out = []
    for q in questions:
        tags = q.tags or ("untagged",)
        if q.id in keep or any(counts.get(t, 0) < per_tag for t in tags):
            out.append(q)
            for t in tags:
                counts[t] = counts.get(t, 0) + 1
    return out


def write_questions(questions: list[Question], path: Path) -> Path:
    """Questions back to JSONL (the sampled sets the demo evaluates, kept in its run folder)."""
    lines = []
    for q in questions:
        record = {"id": q.id, "question": q.question, "answers": list(q.answers), "sources": list(q.sources),
                  "tags": list(q.tags)}
        if not q.referenced:
            del record["answers"]  # no reference answer; `[]` would say the corpus does not answer it
        if q.old_answers:
            record["old_answers"] = list(q.old_answers)
        lines.append(json.dumps(record, ensure_ascii=False))
    text = "\n".join(lines) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:  # unchanged bytes keep a resume valid
        write_text(path, text)
    return path


def pick_questions(all_v1: list[Question], all_v2: list[Question], per_tag_v1: int | None,
                   per_tag_v2: int | None) -> tuple[list[Question], list[Question]]:
    """The v1 and v2 questions of a plan: every v1 question about a fact the update changes or removes is
    kept, so the before/after comparison has both sides."""
    v2 = sample_questions(all_v2, per_tag_v2)
    changed = {q.id for q in v2 if q.old_answers}
    return sample_questions(all_v1, per_tag_v1, keep=changed), v2


def sampled_questions(all_v1: list[Question], all_v2: list[Question], per_tag_v1: int | None,
                      per_tag_v2: int | None, demo_dir: Path) -> tuple[Path, Path]:
    """`pick_questions`, written into the demo folder as questions_v1.jsonl and questions_v2.jsonl."""
    v1, v2 = pick_questions(all_v1, all_v2, per_tag_v1, per_tag_v2)
    return write_questions(v1, demo_dir / "questions_v1.jsonl"), write_questions(v2, demo_dir / "questions_v2.jsonl")
