"""The mechanical question derivation of bench/external_corpora.py (issue 19) on tiny fixed pages: questions
never name the answer page or quote what they ask about, and point at the right documents."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import external_corpora as ec  # noqa: E402

FROB = """FROB(1)                          User Commands                         FROB(1)

NAME
       frob, unfrob - twist the bits of files in place and report the dam\u2010
       age

SYNOPSIS
       frob [-q] [--level=N] FILE...

OPTIONS
       -l, --level=N
              Twist each byte N times before writing it back.

       -q     be quiet about the damage

       --dry-run  Show which bytes would change without touching them.

       --help display this help and exit

SEE ALSO
       gzip(1)
"""
SELFISH = FROB.replace("twist the bits of files", "frob the bits of files")
OTHER = FROB.replace("FROB", "GRIND").replace("frob, unfrob - twist the bits", "grind - mill the bytes")


def test_overstrike_and_name_line():
    assert ec.plain("N\bNA\bAM\bME\bE _\bx") == "NAME x"
    assert ec.name_line(FROB) == (["frob", "unfrob"], "twist the bits of files in place and report the damage")


def test_options_take_the_first_paragraph_of_each_long_option():
    opts = ec.options(FROB)
    assert opts["--level"] == "Twist each byte N times before writing it back."
    assert opts["--dry-run"] == "Show which bytes would change without touching them."
    assert "--help" in opts and "-q" not in opts


def test_questions_never_name_the_page_nor_quote_the_option_description():
    pages = {"frob.txt": FROB, "grind.txt": OTHER}
    questions = ec.man_questions(pages)
    names = [q for q in questions if q.kind == "name"]
    assert [q.relevant for q in names] == [["frob.txt"], ["grind.txt"]]
    assert names[0].question == "Which command does this: twist the bits of files in place and report the damage?"
    for q in names:
        assert "frob" not in q.question.lower() and "grind" not in q.question.lower()
    option = next(q for q in questions if q.kind == "option" and q.relevant == ["frob.txt"])
    assert option.question in {f"What does the option {o} of frob do?" for o in ("--level", "--dry-run")}
    for desc in ec.options(FROB).values():
        assert desc.lower() not in option.question.lower()
    assert "--help" not in option.question
    assert {q.split for q in questions if q.relevant == ["frob.txt"]} <= {"tune", "test"}
    assert len({q.split for q in questions if q.relevant == ["frob.txt"]}) == 1  # a page's questions: one side


def test_which_option_questions_name_no_page_and_count_every_page_with_the_option():
    questions = ec.man_questions({"frob.txt": FROB, "grind.txt": OTHER})
    which = [q for q in questions if q.kind == "which-option"]
    assert len(which) == 2 and all(q.relevant == ["frob.txt", "grind.txt"] for q in which)
    for q in which:
        assert q.question in {f"Which command has the option {o}?" for o in ("--level", "--dry-run")}
        assert not ec.mentions(q.question, ["frob", "unfrob", "grind"])


def test_a_summary_that_names_its_command_asks_nothing():
    assert ec.name_question("frob", ["frob"], "frob the bits of files in place") is None
    assert not [q for q in ec.man_questions({"frob.txt": SELFISH}) if q.kind == "name"]


def test_a_summary_shared_by_pages_makes_all_of_them_relevant():
    twin = FROB.replace("frob, unfrob", "twiddle")
    q = next(q for q in ec.man_questions({"frob.txt": FROB, "twiddle.txt": twin}) if q.kind == "name")
    assert q.relevant == ["frob.txt", "twiddle.txt"]


def test_python_questions_from_first_sentences():
    html = """<html><head><title>zlibx</title></head><body><div role="main">
    <dl class="py function"><dt id="zlibx.squeeze">squeeze()</dt>
      <dd><p>Compress the <em>data</em> given, e.g. bytes. More text here.</p></dd></dl>
    <dl class="py function"><dt id="zlibx.stretch">stretch()</dt>
      <dd><p>Undo what zlibx did to the data.</p></dd></dl>
    <dl class="py method"><dt id="zlibx.Box.squeeze_all">squeeze_all()</dt>
      <dd><p>Call squeeze_all on every item.</p></dd></dl></div></body></html>"""
    body, objs = ec.python_objects(html)
    assert "zlibx" in body and objs[0] == ("function", "zlibx.squeeze", "Compress the data given, e.g. bytes")
    questions = ec.python_questions({"zlibx.html": objs})
    assert [(q.question, q.relevant) for q in questions] == [
        ("Which function compress the data given, e.g. bytes?", ["zlibx.html"])]
