from ragtune.corpus.document import Chunk
from ragtune.synth.extractive import BLANK, extractive_pairs, table_questions
from ragtune.synth.validate import check_support

PROSE = ("Mount Kelvar is the highest peak of the Ostrand range. Its summit lies 4,210 metres above sea level. "
         "The first ascent was made in 1897 by Elin Marsh. Every summer the Kelvar Festival draws 12,000 visitors.")


def test_yields_questions_and_cloze_on_plain_prose():
    chunk = Chunk("kelvar.md#0", "kelvar.md", 0, PROSE, "Mount Kelvar")
    pairs, yields = extractive_pairs([chunk])
    questions = {p.question: p.answer for p in pairs if p.strategy == "extractive"}
    clozes = [p for p in pairs if p.strategy == "cloze"]
    assert yields["extractive"].kept >= 4 and yields["cloze"].kept >= 4
    assert questions["The first ascent was made in which year by Elin Marsh?"] == "1897"
    assert ("Fill in the blank: The first ascent was made in ____ by Elin Marsh.", "1897") in {
        (c.question, c.answer) for c in clozes}
    assert any(a == "4,210 metres" and "how many metres" in q for q, a in questions.items())
    for pair in pairs:
        assert check_support(pair.answer, PROSE) is None  # every answer is a span of the chunk
        assert pair.doc_id == "kelvar.md" and pair.chunk_id == "kelvar.md#0"
    for cloze in clozes:
        assert BLANK in cloze.question and cloze.answer not in cloze.question


def test_deterministic_given_seed_and_capped_per_chunk(chunks):
    first, _ = extractive_pairs(chunks, per_chunk=2, seed=7)
    again, _ = extractive_pairs(chunks, per_chunk=2, seed=7)
    assert first == again
    assert all(sum(p.chunk_id == c.id for p in first) <= 2 for c in chunks)
    assert len(first) == 2 * len(chunks)


def test_two_column_tables_become_attribute_questions():
    text = "# Aurora\n\n| Property | Value |\n|---|---|\n| Capacity | 1.7 litres |\n| Power | 2200 watts |"
    chunk = Chunk("k.md#0", "k.md", 0, text, "Aurora Smart Kettle")
    assert table_questions(chunk) == [("What is the capacity of the Aurora Smart Kettle?", "1.7 litres"),
                                      ("What is the power of the Aurora Smart Kettle?", "2200 watts")]
