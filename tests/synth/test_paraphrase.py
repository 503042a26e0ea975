from ragtune.synth.paraphrase import check_paraphrase, key_names, paraphrase_messages, paraphrases
from synth_fixtures import HISTORY

GOOD = ("Marieke de Vries and Tomas Albers started Brightwell Appliances in Utrecht in 2009. Brightwell's "
        "factory in Eindhoven opened in 2016 and has 240 employees. In 2024 the company sold 1.2 million appliances.")


def test_paraphrase_must_keep_numbers_and_names():
    assert check_paraphrase(GOOD, HISTORY) is None
    assert check_paraphrase(GOOD.replace("240", "about two hundred"), HISTORY) == "lost a number"
    no_names = ("The firm began in 2009 and opened a plant in 2016 with 240 workers; "
                "it sold 1.2 million units in 2024. Two friends started it.")
    assert check_paraphrase(no_names, HISTORY) == "lost names"
    assert check_paraphrase(HISTORY, HISTORY) == "copy of the chunk"
    assert check_paraphrase("Brightwell 2009.", HISTORY) == "length out of range"
    assert {"utrecht", "eindhoven", "marieke"} <= key_names(HISTORY)


def test_k_paraphrases_use_different_instructions_and_report_yield(chunks, teacher_cls):
    teacher = teacher_cls(["Sure! Here is the rewritten text:\n" + GOOD, GOOD, "nonsense"])
    found, y = paraphrases([chunks[1]], teacher, k=3)
    assert [p.text for p in found] == [GOOD]  # the second is a duplicate, the third loses everything
    assert (y.asked, y.parsed, y.valid, y.kept) == (3, 3, 1, 1)
    assert y.rejected == {"duplicate": 1, "length out of range": 1}
    assert len({paraphrase_messages(chunks[1], s)[1]["content"] for s in range(3)}) == 3
