"""Per-question metrics; exact definitions in docs/metrics.md. None means "not measured", never 0.

Retrieval metrics are document-level: the retrieved chunks become their documents in rank order
(first occurrence), and a document is relevant when it is in the question's `sources`. They match
trec_eval (via pytrec_eval): P_k, recall_k, success_k, recip_rank on the top k, ndcg_cut_k (tested).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

from ragtune.answer import is_abstention
from ragtune.text import content_words, squad_normalize, tokens

# -- retrieval -----------------------------------------------------------------------------------


def ranked_docs(doc_ids: Sequence[str]) -> list[str]:
    """Documents in the order their first chunk was retrieved (a document counts once)."""
    return list(dict.fromkeys(doc_ids))


def precision_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    """Relevant documents in the top k, divided by k (as trec_eval's P_k: fewer than k retrieved still divides by k)."""
    return sum(d in relevant for d in ranked[:k]) / k if relevant else None


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    return sum(d in relevant for d in ranked[:k]) / len(relevant) if relevant else None


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    """1 if any relevant document is in the top k (trec_eval's success_k)."""
    return float(any(d in relevant for d in ranked[:k])) if relevant else None


def mrr_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    """1 / rank of the first relevant document in the top k, 0 if none."""
    if not relevant:
        return None
    return next((1.0 / rank for rank, d in enumerate(ranked[:k], start=1) if d in relevant), 0.0)


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float | None:
    """Binary-gain nDCG: sum 1/log2(rank+1) over relevant ranks <= k, over the ideal ordering's value."""
    if not relevant:
        return None
    dcg = sum(1.0 / math.log2(rank + 1) for rank, d in enumerate(ranked[:k], start=1) if d in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def retrieval_metrics(doc_ids: Sequence[str], sources: Sequence[str], k: int) -> dict[str, float | None]:
    ranked, relevant = ranked_docs(doc_ids), set(sources)
    return {f"precision@{k}": precision_at_k(ranked, relevant, k), f"recall@{k}": recall_at_k(ranked, relevant, k),
            f"hit@{k}": hit_at_k(ranked, relevant, k), f"mrr@{k}": mrr_at_k(ranked, relevant, k),
            f"ndcg@{k}": ndcg_at_k(ranked, relevant, k)}


# -- answers -------------------------------------------------------------------------------------

def exact_match(prediction: str, golds: Sequence[str]) -> float | None:
    """1 if the normalised prediction equals a normalised gold answer (best over golds); None without golds."""
    if not golds:
        return None
    return float(any(squad_normalize(prediction) == squad_normalize(g) for g in golds))


def token_f1(prediction: str, golds: Sequence[str]) -> float | None:
    """SQuAD token F1 between prediction and gold (bag of normalised tokens), the best over golds."""
    if not golds:
        return None
    pred = squad_normalize(prediction).split()
    best = 0.0
    for gold in golds:
        ref = squad_normalize(gold).split()
        common = sum((Counter(pred) & Counter(ref)).values())
        if not pred or not ref:
            best = max(best, float(pred == ref))
        elif common:
            p, r = common / len(pred), common / len(ref)
            best = max(best, 2 * p * r / (p + r))
    return best


def contains_answer(prediction: str, golds: Sequence[str]) -> float | None:
    """1 if a gold answer's tokens appear, in order and contiguous, in the prediction's tokens.

    Tokens are normalised as in SQuAD and numbers are compared as numbers ("4 years" = "four years",
    "1,000" = "1000"), so a correct answer inside a full sentence counts.
    """
    if not golds:
        return None
    pred = " " + " ".join(tokens(prediction)) + " "
    return float(any(f" {' '.join(tokens(g))} " in pred for g in golds if tokens(g)))


# -- behaviour: abstention, hallucination, citations, groundedness -------------------------------


_QUOTE = re.compile(r"\s*\bThe passage says:\s*[\"“].*", re.DOTALL)


def asserted(prediction: str) -> str:
    """What the answer asserts: the text before the quote a RAFT-trained answer appends as evidence
    (`<answer>. The passage says: "<quote>" [n]`, `synth/raft.py`). A quote of the sentence that holds the
    answer contains the answer whatever was asserted ("100 %. The passage says: "... (3 % by default)""):
    scored whole, quoting alone would count as correct."""
    return _QUOTE.sub("", prediction).strip() or prediction


def answer_metrics(prediction: str, golds: Sequence[str], *, referenced: bool = True) -> dict[str, float | None]:
    """Correctness, abstention and hallucination for one answer; `golds` empty = unanswerable question.

    Without a reference answer (`referenced` False: a question from a log) only `declined` is measured;
    whether the answer is right, or declining was right, is unknown, so those are None, never 0."""
    prediction = asserted(prediction)
    declined = is_abstention(prediction)
    if not referenced:
        return {"exact_match": None, "f1": None, "contains": None, "declined": float(declined),
                "abstained_correctly": None, "wrongly_declined": None, "hallucinated": None}
    answerable = bool(golds)
    correct = contains_answer(prediction, golds) if answerable else None
    return {
        "exact_match": exact_match(prediction, golds),
        "f1": token_f1(prediction, golds),
        "contains": correct,
        "declined": float(declined),
        "abstained_correctly": float(declined) if not answerable else None,  # unanswerable: declining is right
        "wrongly_declined": float(declined) if answerable else None,
        # Asserting something wrong: answerable, not declined, not correct; or unanswerable and not declined.
        "hallucinated": float(not declined and (not answerable or not correct)),
    }


def stale_answer(prediction: str, golds: Sequence[str], old_answers: Sequence[str]) -> float | None:
    """Freshness: 1 if the answer gives the value from before the documents changed (an old answer, and
    not a current one); None for questions whose answer did not change (no `old_answers`)."""
    prediction = asserted(prediction)
    if not old_answers:
        return None
    return float(bool(contains_answer(prediction, old_answers)) and not contains_answer(prediction, golds))


def choice_metrics(scores: Sequence[tuple[float, int]], options: Sequence[str], golds: Sequence[str]) -> dict:
    """Multiple choice by log-likelihood, as lm-evaluation-harness: `mc_correct` picks the option with the
    highest summed log-probability (its `acc`), `mc_correct_norm` the highest per byte of the option (`acc_norm`)."""
    if not scores:
        return {"mc_correct": None, "mc_correct_norm": None}
    gold = {i for i, o in enumerate(options) if o in set(golds)}
    best = max(range(len(options)), key=lambda i: scores[i][0])
    best_norm = max(range(len(options)), key=lambda i: scores[i][0] / max(len(options[i].encode()), 1))
    return {"mc_correct": float(best in gold), "mc_correct_norm": float(best_norm in gold)}


def citation_metrics(cited: Sequence[str], sources: Sequence[str], invalid: int = 0) -> dict[str, float | None]:
    """Precision and recall of cited documents against `sources`, and the count of invalid `[n]`s."""
    cited_set, relevant = set(cited), set(sources)
    hits = len(cited_set & relevant)
    return {"citation_precision": hits / len(cited_set) if cited_set and relevant else None,
            "citation_recall": hits / len(relevant) if relevant else None,
            "invalid_citations": float(invalid)}


def groundedness(prediction: str, passages: Sequence[str]) -> float | None:
    """Share of the answer's content tokens (no stop words) found in the retrieved passages; None without
    passages or without content (an abstention says nothing to ground)."""
    if not passages or is_abstention(prediction):
        return None
    content = content_words(prediction)
    if not content:
        return None
    context = set(tokens(" ".join(passages)))
    return sum(t in context for t in content) / len(content)
