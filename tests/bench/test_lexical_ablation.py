"""bench/lexical_ablation.py measures ragtune's own analysis in its `shipped` row and changes one knob per row:
its analyzer must give ragtune's terms, each knob must change what it names, and its BM25 must rank like
ragtune's in-memory index on the same chunks."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import lexical_ablation as la  # noqa: E402

from ragtune.retrieve.bm25 import analyze, build  # noqa: E402

TEXTS = ["What does the option --kill-after of timeout do?", "Café crème: Files are RETURNED as-is (x, y, 42).",
         "Which command has the option --dry-run?", "Return the number of elements in the queue q."]
CHUNKS = [("timeout.1", "TIMEOUT(1)", "timeout - run a command with a time limit; --kill-after also sends KILL"),
          ("kill.1", "KILL(1)", "kill - send a signal to a process"),
          ("queue.html", "queue", "Return the approximate size of the queue."),
          ("cafe.md", "Café", "The café serves crème brûlée."),
          ("frob.1", "FROB(1) twister", "bits in place")]


def test_the_shipped_row_is_ragtunes_analysis():
    shipped = la.Analyzer(la.SHIPPED)
    for text in TEXTS:
        assert shipped(text) == analyze(text)


def test_each_knob_changes_what_it_names():
    text = TEXTS[1]
    assert "RETURNED" in la.Analyzer(replace(la.SHIPPED, lower=False))(text)  # the stemmer knows lowercase only
    assert "returned" in la.Analyzer(replace(la.SHIPPED, stem=False))(text)
    assert "cafe" not in la.Analyzer(replace(la.SHIPPED, fold=False))(text)
    assert "x" in la.Analyzer(replace(la.SHIPPED, min_len=1))(text)
    assert "what" in la.Analyzer(replace(la.SHIPPED, stop="lucene"))(TEXTS[0])
    assert "the" in la.Analyzer(replace(la.SHIPPED, stop="none"))(TEXTS[0])
    assert "the" not in la.Analyzer(replace(la.SHIPPED, stop="lucene"))(TEXTS[0])


def test_the_shipped_bm25_ranks_like_ragtunes_index():
    lex = la.Lexical(la.SHIPPED, CHUNKS)
    ragtune = build([t for _d, t, _x in CHUNKS], [x for _d, _t, x in CHUNKS])
    for question in ("kill-after timeout", "size of a queue", "crème brûlée"):
        ours = ragtune.scores(question)
        expected = [CHUNKS[i][0] for i in sorted(range(len(CHUNKS)), key=lambda i: (-ours[i], i)) if ours[i] > 0]
        assert lex.docs(question) == expected
    assert lex.docs("twister") == ["frob.1"]
    assert la.Lexical(replace(la.SHIPPED, title=0), CHUNKS).docs("twister") == []  # the word is only in the title
