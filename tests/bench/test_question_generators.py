"""bench/question_generators.py: the structure-derived questions it asks, answered by the page's name."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import question_generators as qg  # noqa: E402


def test_structure_questions_are_answered_by_the_pages_names(tmp_path):
    rows = [{"id": "n1", "question": "Which command does this: twist bits?", "relevant": ["frob.txt"],
             "split": "tune", "kind": "name"},
            {"id": "w1", "question": "Which command has the option --dry-run?", "relevant": ["frob.txt", "zap.txt"],
             "split": "test", "kind": "which"},
            {"id": "o1", "question": "What does the option --level of frob do?", "relevant": ["frob.txt"],
             "split": "test", "kind": "option"}]
    (tmp_path / "questions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    asked = {q["id"]: q for q in qg.structure_questions(tmp_path, 10)}
    assert set(asked) == {"n1", "w1"}  # an option's description is no short answer to check
    assert asked["n1"]["answers"] == ["frob"] and asked["n1"]["sources"] == ["frob.txt"]
    assert asked["w1"]["answers"] == ["frob", "zap"]
    assert len(qg.structure_questions(tmp_path, 1)) == 1


def test_rankings_and_corpus_names():
    acc = {"rag": {"value": 0.6}, "raft": {"value": 0.58}, "base": {"value": 0.0}}
    assert qg.ranking(acc) == ["rag", "raft", "base"]
    assert qg._corpus_args("man-150") == ("man", 150) and qg._corpus_args("python") == ("python", None)
