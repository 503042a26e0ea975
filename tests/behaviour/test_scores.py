"""Label metrics equal scikit-learn's, resampled too; chrF closeness is sacrebleu's, scaled to 0-1."""

import numpy as np
from hypothesis import given, settings, strategies as st
from sklearn.metrics import f1_score

from ragtune.behaviour.scores import closeness, macro_f1, macro_f1_resampled

LABELS = ["a", "b", "c"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(LABELS + ["z"]), st.sampled_from(LABELS + ["z", None])),
                min_size=1, max_size=30))
def test_macro_f1_matches_scikit_learn(pairs):
    truth = [t for t, _ in pairs]
    pred = [p for _, p in pairs]
    expected = f1_score(truth, [p if p is not None else "<none>" for p in pred], labels=LABELS, average="macro",
                        zero_division=0)
    assert abs(macro_f1(truth, pred, LABELS) - expected) < 1e-12
    draws = np.random.default_rng(0).integers(0, len(truth), size=(5, len(truth)))
    resampled = macro_f1_resampled(truth, pred, LABELS, draws)
    for row, value in zip(draws, resampled):
        ref = f1_score([truth[i] for i in row], [pred[i] if pred[i] is not None else "<none>" for i in row],
                       labels=LABELS, average="macro", zero_division=0)
        assert abs(value - ref) < 1e-12


def test_closeness_is_chrf():
    from sacrebleu.metrics import CHRF

    assert closeness("Dear Ana, thanks.", "Dear Ana, thanks.") == 1.0
    assert closeness("zzzz", "Dear Ana, thanks.") == 0.0
    a, ref = "Dear Ana, your bike ships Monday.", "Dear Ana, the bike ships on Monday."
    assert abs(closeness(a, ref) - CHRF().sentence_score(a, [ref]).score / 100) < 1e-12
    assert 0.3 < closeness(a, ref) < 1.0
