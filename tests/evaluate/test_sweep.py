"""`ragtune eval --sweep-retrieval`: settings chosen on one half of the questions, judged on the other, written
into ragtune.toml only when the gain's 95 % CI is above zero."""

from __future__ import annotations

import json
import random

import pytest

from cli_helpers import run
from ragtune.config import load_settings
from ragtune.errors import QuestionsError
from ragtune.evaluate.sweep import Setting, grid, split, sweep_project
from ragtune.project import Project
from ragtune.questions import Question


def code_corpus(root, n: int = 80) -> None:
    """Documents told apart only by a 6-digit part number: MiniLM finds the right one for about 3 questions in
    4, BM25 for all of them (measured on this corpus: 0.77 vs 1.0 at k = 1)."""
    rng = random.Random(7)
    docs = root / "docs"
    docs.mkdir(parents=True)
    questions = []
    for i in range(n):
        code = str(rng.randrange(100000, 999999))
        (docs / f"part{i}.txt").write_text(f"Spare part record {code}. This part is stored in aisle {i % 7} of the "
                                           "warehouse, ships within two days, and is covered by the standard "
                                           "warranty for spare parts of this kind.")
        questions.append({"id": f"q{i}", "question": f"Where is spare part {code} stored?",
                          "answers": [str(i % 7)], "sources": [f"part{i}.txt"]})
    (root / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))


def test_split_is_stable_and_roughly_even():
    qs = [Question(f"q{i}", "x") for i in range(400)]
    choose, report = split(qs)
    assert 150 < len(choose) < 250 and len(choose) + len(report) == 400
    again, _ = split(list(reversed(qs)) + [Question("new", "y")])
    assert {q.id for q in choose} <= {q.id for q in again}  # adding a question moves no other


def test_the_grid_always_holds_the_current_setting():
    odd = Setting("hybrid", 1.0, 3.0, 25)
    assert odd in grid(odd) and Setting("hybrid") in grid(odd) and Setting("bm25") in grid(Setting("bm25"))


def test_sweep_moves_a_dense_project_to_a_lexical_setting_and_writes_it(tmp_path):
    code_corpus(tmp_path)
    (tmp_path / "ragtune.toml").write_text('# my project\n[retrieval]\nretriever = "dense"  # was the default\n'
                                           'top_k = 1\n')
    Project(tmp_path).ingest(tmp_path / "docs")
    out = run("eval", "--sweep-retrieval", "--questions", str(tmp_path / "questions.jsonl"),
              "--project", str(tmp_path))
    assert out.exit_code == 0, out.text
    settings = load_settings(tmp_path).retrieval
    assert settings.retriever in ("bm25", "hybrid") and settings.top_k == 1
    text = (tmp_path / "ragtune.toml").read_text()
    assert text.startswith("# my project") and "chosen by `ragtune eval --sweep-retrieval`" in text
    evidence = json.loads(next((tmp_path / "runs").glob("sweep-*/sweep.json")).read_text())
    assert evidence["changed"] and evidence["written"] and evidence["current"]["retriever"] == "dense"
    assert evidence["report_test"]["low"] > 0  # the held-out half confirms the gain
    assert "dense (current)" in out.text and "written to ragtune.toml" in out.text


def test_no_write_and_too_few_questions(tmp_path):
    code_corpus(tmp_path)
    (tmp_path / "ragtune.toml").write_text('[retrieval]\nretriever = "dense"\ntop_k = 1\n')
    proj = Project(tmp_path)
    proj.ingest(tmp_path / "docs")
    before = (tmp_path / "ragtune.toml").read_text()
    result, run_dir = sweep_project(proj, tmp_path / "questions.jsonl", write=False)
    assert result.changed and (tmp_path / "ragtune.toml").read_text() == before
    assert json.loads((run_dir / "sweep.json").read_text())["written"] is False
    lines = (tmp_path / "questions.jsonl").read_text().splitlines()[:10]
    (tmp_path / "few.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(QuestionsError, match="at least 40"):
        sweep_project(proj, tmp_path / "few.jsonl")
    missing = run("eval", "--sweep-retrieval", "--project", str(tmp_path))
    assert missing.exit_code == 2 and "ragtune synth" in missing.text


def twin_corpus(root, n: int = 60) -> None:
    """Triplets of identical records, one of each the relevant document: at k = 1 any retriever finds it about
    one time in three, at k = 4 always; short records, so 64-token chunks hold them whole."""
    rng = random.Random(3)
    docs = root / "docs"
    docs.mkdir(parents=True)
    questions = []
    for i in range(n):
        code = str(rng.randrange(100000, 999999))
        for copy in "abc":
            (docs / f"rec{i}{copy}.txt").write_text(f"Record {code} is filed in cabinet {i % 9}.")
        questions.append({"id": f"q{i}", "question": f"Where is record {code} filed?", "answers": [str(i % 9)],
                          "sources": [f"rec{i}{rng.choice('abc')}.txt"]})
    (root / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))


def test_a_smaller_chunk_size_wins_at_the_same_budget_and_its_index_is_moved_in(tmp_path):
    twin_corpus(tmp_path)
    (tmp_path / "ragtune.toml").write_text("[retrieval]\ntop_k = 1\n")
    Project(tmp_path).ingest(tmp_path / "docs")
    out = run("eval", "--sweep-retrieval", "--chunk-sizes", "64,256", "--questions",
              str(tmp_path / "questions.jsonl"), "--project", str(tmp_path))
    assert out.exit_code == 0, out.text
    settings = load_settings(tmp_path)
    assert (settings.chunking.max_tokens, settings.chunking.overlap, settings.retrieval.top_k) == (64, 8, 4)
    run_dir = next((tmp_path / "runs").glob("sweep-*"))
    evidence = json.loads((run_dir / "sweep.json").read_text())
    assert evidence["chosen"]["chunk"] == {"tokens": 64, "overlap": 8, "k": 4} and evidence["written"]
    assert evidence["report_test"]["low"] > 0
    assert "chunks of 64 tokens, k=4" in out.text and "moved into place" in out.text
    assert (run_dir / "index-before").is_dir() and not list(run_dir.glob("chunks-*"))  # the old one kept
    proj = Project(tmp_path)  # opens the adopted index with the new settings: no mismatch
    assert proj.index.stats().chunks == 180 and proj.ingested_folder() == (tmp_path / "docs").resolve()
    assert proj.ingest(tmp_path / "docs").sync.chunks_embedded == 0  # it is exactly what the new settings build


def test_chunk_sizes_need_the_sweep_and_numbers(tmp_path):
    code_corpus(tmp_path, n=4)
    Project(tmp_path).ingest(tmp_path / "docs")
    alone = run("eval", "--chunk-sizes", "64", "-q", str(tmp_path / "questions.jsonl"), "--project", str(tmp_path))
    assert alone.exit_code == 2 and "--sweep-retrieval" in alone.text
    bad = run("eval", "--sweep-retrieval", "--chunk-sizes", "64,big", "--project", str(tmp_path))
    assert bad.exit_code == 2 and "128,512" in bad.text
