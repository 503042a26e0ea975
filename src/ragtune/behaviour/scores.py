"""How close an output is to the reference, and how right its labels are: standard metrics, from libraries.

Closeness is chrF (sacrebleu's `sentence_chrf`, scaled to 0-1): a character n-gram F-score, so it needs
no tokenizer, treats JSON punctuation and words alike, and gives partial credit for inflected or
reordered words where ROUGE-L's word-level longest common subsequence gives none (Popovic 2015; sacrebleu
is the reference implementation that WMT reports with). Labels are scored with scikit-learn: accuracy and
macro-F1, the mean F1 over the label set, so a rare label counts as much as a common one. Macro-F1 is not
a mean of per-answer scores, so its CI resamples whole test sets (`macro_f1_resampled`, vectorised with
numpy and checked against scikit-learn in the tests).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def closeness(output: str, reference: str) -> float:
    """chrF of the output against the reference output, 0 (nothing shared) to 1 (identical)."""
    from sacrebleu.metrics import CHRF

    return CHRF().sentence_score(output, [reference]).score / 100.0


def macro_f1(truth: Sequence[str], predicted: Sequence[str | None], labels: Sequence[str]) -> float:
    """scikit-learn's macro-F1 over `labels`; an answer with no readable label counts as wrong for its class."""
    from sklearn.metrics import f1_score

    pred = [p if p is not None else NO_LABEL for p in predicted]
    return float(f1_score(list(truth), pred, labels=list(labels), average="macro", zero_division=0))


NO_LABEL = "\u0000none"  # an answer whose label could not be read: wrong for its class, a class of its own


def macro_f1_resampled(truth: Sequence[str], predicted: Sequence[str | None], labels: Sequence[str],
                       draws: np.ndarray) -> np.ndarray:
    """Macro-F1 of each resample (`draws`: rows of example indices), as scikit-learn computes it with
    `labels=labels, average="macro", zero_division=0`."""
    index = {label: i for i, label in enumerate(labels)}
    other = len(labels)  # labels outside the set (or none): they only ever count as false positives / negatives
    t = np.array([index.get(x, other) for x in truth])[draws]
    p = np.array([index.get(x, other) if x is not None else other for x in predicted])[draws]
    scores = np.zeros(draws.shape[0])
    for c in range(len(labels)):
        tp = ((t == c) & (p == c)).sum(axis=1)
        fp = ((t != c) & (p == c)).sum(axis=1)
        fn = ((t == c) & (p != c)).sum(axis=1)
        denom = 2 * tp + fp + fn
        scores += np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return scores / max(len(labels), 1)
