"""Eval questions from the chunks: the generators, each filter, the split shared with synth, the bias."""

from __future__ import annotations

import re

from ragtune.corpus.document import Chunk
from ragtune.synth import build_training_set
from ragtune.synth.bridge import bridged_questions
from ragtune.synth.eval_questions import (EvalQuestion, Tally, Training, candidates, choose, keep, shared_facts,
                                          unanswerable)
from ragtune.synth.heldout import held_out
from ragtune.synth.question_bias import bias
from ragtune.text import normalize_text, tokens

ZEPHYR = ("The Zephyr is our lightest city bike. The Zephyr costs 1299 euros and weighs 11 kilograms. "
          "It was launched in 2019 in Ghent.")
PEOPLE = "Elif Arslan is our Head of Aftercare."
AFTERCARE = "Elif Arslan joined Quellmoor in 2015 and runs the repair workshop with 12 mechanics."


def _chunks() -> list[Chunk]:
    return [Chunk("bikes/zephyr.md#0", "bikes/zephyr.md", 0, ZEPHYR, "Zephyr"),
            Chunk("people/elif.md#0", "people/elif.md", 0, PEOPLE, "Elif Arslan"),
            Chunk("news/workshop.md#0", "news/workshop.md", 0, AFTERCARE, "Workshop")]


def _corpus(n: int = 40) -> list[Chunk]:
    """Many chunks with several facts each, so a 50 % hold-out leaves facts on both sides."""
    out = []
    for i in range(n):
        text = (f"The model Vela{i} costs {100 + i} euros. The Vela{i} frame weighs {5 + i % 7} kilograms. "
                f"The Vela{i} was designed in {1990 + i} by Studio Norr{i}.")
        out.append(Chunk(f"m{i}.md#0", f"m{i}.md", 0, text, f"Vela{i}"))
    return out


def test_bridge_names_the_entity_by_its_description_from_another_sentence():
    made = list(bridged_questions(_chunks()))
    same = [q for q in made if q.generator == "bridge"]
    assert same, made
    q = next(q for q in same if q.answer.startswith("1299"))
    assert "Zephyr" not in q.question and "lightest city bike" in q.question
    assert q.answer_chunk.id == q.described_in.id == "bikes/zephyr.md#0"



def test_bridge_reads_a_pronoun_after_the_naming_sentence_as_the_entity():
    chunk = Chunk("z.md#0", "z.md", 0, "The Zephyr is our lightest city bike. It was launched in 2019 in Ghent.", "Z")
    made = list(bridged_questions([chunk]))
    assert [(q.generator, q.answer) for q in made] == [("bridge", "2019")]
    assert made[0].question.startswith("Our lightest city bike was launched in which year"), made[0].question


def test_multi_chunk_needs_two_documents_and_names_both_as_sources():
    made = [q for q in bridged_questions(_chunks()) if q.generator == "multi-chunk"]
    assert made and all(q.answer_chunk.doc_id != q.described_in.doc_id for q in made)
    q = made[0]
    assert "Elif Arslan" not in q.question and "Head of Aftercare" in q.question
    record = EvalQuestion(q.question, (q.answer,), (q.answer_chunk, q.described_in), q.generator).record("x")
    assert record["sources"] == ["news/workshop.md", "people/elif.md"] and record["generator"] == "multi-chunk"


def test_eval_questions_share_no_fact_with_synth_training_pairs():
    chunks = _corpus()
    training_set = build_training_set(chunks, None, val_fraction=0.3, seed=7, extractive="all")
    train_facts = {p.fact_key for p in training_set.split.train}
    val_facts = {p.fact_key for p in training_set.split.val}
    assert train_facts and val_facts and not train_facts & val_facts
    training = Training(frozenset(train_facts), tuple(p.question for p in training_set.split.train))
    kept = keep(candidates(chunks), training, 0.3, 7, Tally())
    assert kept
    assert not {q.fact_key for q in kept} & train_facts
    assert all(held_out(q.fact_key, 0.3, 7) for q in kept)
    # synth's validation facts are exactly the held-out ones: the same rule decides both
    assert all(held_out(k, 0.3, 7) for k in val_facts) and not any(held_out(k, 0.3, 7) for k in train_facts)


def _one(question: str, answer: str, chunk: Chunk, generator: str = "extractive") -> EvalQuestion:
    return EvalQuestion(question, (answer,), (chunk,), generator)


def _held(chunk: Chunk, answers: list[str], fraction: float = 0.5, seed: int = 0) -> tuple[str, str]:
    """One answer whose fact is held out and one whose fact is not."""
    inside = next(a for a in answers if held_out((chunk.id, normalize_text(a)), fraction, seed))
    outside = next(a for a in answers if not held_out((chunk.id, normalize_text(a)), fraction, seed))
    return inside, outside


def test_each_filter_drops_what_fails_it():
    chunk = Chunk("c.md#0", "c.md", 0, " ".join(f"Line {i} has {i} widgets in stock." for i in range(2, 30)), "C")
    ins, out = _held(chunk, [f"{i} widgets" for i in range(2, 30)])
    good = _one(f"Line {ins.split()[0]} has how many widgets in stock?", ins, chunk)
    cases = {
        "held-out": _one(f"Line {out.split()[0]} has how many widgets in stock?", out, chunk),
        "answerable": _one("How many gadgets are there on line seven?", ins.replace("widgets", "gadgets"), chunk),
        "specific": _one("Has how many widgets?", ins, chunk),
        "not-a-copy": _one("How many widgets does the line that is named here have in stock?", ins, chunk),
        "unique": good,
    }
    training = Training(frozenset({("other#0", "x")}),
                        ("How many widgets does the line that is named here have in stock today?",))
    tally = Tally()
    kept = keep([good, *cases.values()], training, 0.5, 0, tally)
    assert [q.question for q in kept] == [good.question]
    assert kept[0].filters == ("held-out", "answerable", "specific", "not-a-copy", "unique")
    assert tally.dropped["extractive"] == {name: 1 for name in cases}
    assert tally.candidates["extractive"] == 6 and tally.kept["extractive"] == 1


def test_a_fact_that_synth_trained_on_is_dropped_even_if_the_hash_holds_it_out():
    chunk = Chunk("c.md#0", "c.md", 0, " ".join(f"Line {i} has {i} widgets in stock." for i in range(2, 30)), "C")
    ins, _ = _held(chunk, [f"{i} widgets" for i in range(2, 30)])
    q = _one(f"Line {ins.split()[0]} has how many widgets in stock?", ins, chunk)
    tally = Tally()
    assert keep([q], Training(frozenset({q.fact_key})), 0.5, 0, tally) == []
    assert tally.dropped["extractive"] == {"held-out": 1}


def test_unanswerable_questions_name_something_no_chunk_contains():
    chunks = _corpus(10)
    kept = keep(candidates(chunks), Training(), 0.5, 1, Tally())
    tally = Tally()
    made = unanswerable(kept, chunks, 5, seed=3, tally=tally)
    assert len(made) == 5 and tally.kept["unanswerable"] == 5
    vocabulary = {w for c in chunks for w in tokens(c.text)}
    for q in made:
        assert q.answers == () and q.generator == "unanswerable"
        new = set(tokens(q.question)) - vocabulary
        assert new, q.question  # the swapped-in word is absent from the corpus
        assert q.record("u")["sources"] == []


def test_shared_facts_become_multi_chunk_questions_with_both_sources():
    a = Chunk("a.md#0", "a.md", 0, "The Borealis lamp uses 7 watts of power.", "A")
    b = Chunk("b.md#0", "b.md", 0, "Reviewers noted that the Borealis lamp uses 7 watts of power at most.", "B")
    c = Chunk("c.md#0", "c.md", 0, "Nothing about lamps here at all.", "C")
    q = _one("The Borealis lamp uses how many watts of power?", "7 watts", a)
    shared = shared_facts([q], [a, b, c], limit=5)
    assert len(shared) == 1 and shared[0].generator == "multi-chunk"
    assert [ch.doc_id for ch in shared[0].chunks] == ["a.md", "b.md"]


def test_choose_takes_turns_between_generators_and_adds_the_unanswerable_share():
    chunk = _corpus(1)[0]
    pool = [_one(f"Q{i}?", "a", chunk, g) for g in ("extractive", "bridge") for i in range(20)]
    extra = [EvalQuestion(f"U{i}?", (), (chunk,), "unanswerable") for i in range(5)]
    chosen = choose(pool, 10, 0.2, 0, extra)
    gens = [q.generator for q in chosen]
    assert len(chosen) == 10 and gens.count("unanswerable") == 2
    assert gens.count("extractive") == gens.count("bridge") == 4


def test_bias_figures_per_generator():
    chunk = _corpus(1)[0]
    copied = _one("The model Vela0 costs how many euros?", "100 euros", chunk, "extractive")
    reworded = _one("What is the price of the lamp?", "100 euros", chunk, "bridge")
    figures = bias([copied, reworded], lambda q: "m0.md" if "Vela0" in q else "other.md",
                   training_rows=["Vela0 is sold for 100 euros."], training_pairs=["How heavy is it? 5 kilograms"])
    assert figures["extractive"]["lexical_overlap"] == 1.0
    assert figures["bridge"]["lexical_overlap"] < 0.5
    assert figures["extractive"]["bm25_top1"] == 1.0 and figures["bridge"]["bm25_top1"] == 0.0
    assert figures["all"]["answer_in_training"] == 1.0 and figures["all"]["answer_in_training_pairs"] == 0.0
    assert figures["all"]["n"] == 2


def test_extractive_questions_leave_out_layout_fragments_boilerplate_and_determiners():
    from ragtune.synth.eval_questions import extractive_questions

    chunk = Chunk("p.md#0", "p.md", 0, "The pump delivers 40 litres per minute.\n\n"
                  "to 76, unless -t is given, in which case it is 2 columns less.\n\n"
                  "You must specify one action for the pump.\n\n"
                  "-p     sets the limit to 12 processes.\n\n"
                  "The warranty lasts one year from delivery.\n\n"
                  "Copyright 2019 The Pump Authors and many others.", "Pump")
    questions = dict(extractive_questions(chunk, boilerplate=frozenset({normalize_text(
        "Copyright 2019 The Pump Authors and many others.")})))
    answers = set(questions.values())
    assert "40 litres" in answers and "one year" in answers  # a count with a unit stays
    assert not answers & {"2 columns", "one action", "12 processes", "2019"}


def test_unanswerable_swaps_a_name_never_the_wh_phrase_or_a_verb():
    from ragtune.synth.eval_questions import _entity

    df = {"constants": 3, "collected": 1, "groups": 4, "many": 1, "uuidcreate": 1, "windows": 2, "api": 2}
    assert _entity("These constants can be collected in how many groups?", df) is None  # nothing named
    assert _entity("This wraps the Windows API functions UuidCreate()?", df) == "UuidCreate"


def test_quoted_literals_are_not_asked_about():
    from ragtune.synth.eval_questions import extractive_questions

    chunk = Chunk("s.md#0", "s.md", 0, "Uppercase characters are the bytes in the sequence b'ABCDEFG' here.\n\n"
                  "The possible values are 'CDATA', 'ID' and 'IDREF' in version 2.\n\n"
                  "The module was added in Python 3.11 by Guido.", "S")
    answers = {a for _, a in extractive_questions(chunk)}
    assert not answers & {"ABCDEFG", "CDATA", "ID", "IDREF"}
    assert "Guido" in answers or "3.11" in answers
