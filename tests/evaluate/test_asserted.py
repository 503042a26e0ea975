"""Correctness is scored on what an answer asserts, not on the passage a RAFT answer quotes as evidence."""

from ragtune.corpus.document import Chunk
from ragtune.evaluate.metrics import answer_metrics, asserted, stale_answer
from ragtune.synth.raft import raft_answer


def test_a_quote_that_holds_the_answer_does_not_make_a_wrong_answer_right():
    wrong = '100%. The passage says: "An integer parameter specifies a cut-off percent (3% by default)." [1]'
    assert asserted(wrong) == "100%."
    m = answer_metrics(wrong, ["3%"])
    assert m["contains"] == 0.0 and m["hallucinated"] == 1.0
    right = '3%. The passage says: "An integer parameter specifies a cut-off percent (3% by default)." [1]'
    assert answer_metrics(right, ["3%"])["contains"] == 1.0


def test_the_format_raft_trains_on_is_the_one_cut_and_other_answers_are_untouched():
    trained = raft_answer("3 years", Chunk("w#0", "w", 0, "The warranty lasts 3 years."), 2)
    assert trained.startswith("3 years. The passage says:") and asserted(trained) == "3 years."
    plain = 'The warranty lasts "3 years" from purchase [1].'
    assert asserted(plain) == plain
    assert asserted('The passage says: "3 years" [1]') == 'The passage says: "3 years" [1]'  # nothing before it


def test_stale_answers_are_judged_on_the_assertion_too():
    quoted_old = '5 years. The passage says: "It used to be 3 years." [1]'
    assert stale_answer(quoted_old, ["5 years"], ["3 years"]) == 0.0
    assert stale_answer('3 years. The passage says: "It is 5 years now." [1]', ["5 years"], ["3 years"]) == 1.0
