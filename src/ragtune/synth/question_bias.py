"""How a question set may favour one variant by construction, measured per generator.

- `lexical_overlap`: the share of a question's content words found in its source chunk(s). High overlap
  favours lexical retrieval (BM25 matches the words) over a question a user would word differently.
- `bm25_top1`: how often BM25 alone ranks a source document's chunk first: retrieval made easy.
- `answer_in_training`: how often the answer string occurs verbatim in a training row (a document the
  adapter read, or a Q/A pair); `answer_in_training_pairs`: in a training Q/A pair's text. Both favour the
  fine-tuned variants, which saw the string.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ragtune.synth.eval_questions import EvalQuestion, asked_words
from ragtune.text import normalize_text, tokens

TopDoc = Callable[[str], str | None]  # question -> the document of BM25's first hit


def bias(questions: Sequence[EvalQuestion], top_doc: TopDoc | None, training_rows: Sequence[str],
         training_pairs: Sequence[str]) -> dict[str, dict]:
    """Per generator (and "all"): the figures above over its answerable questions, with `n`."""
    rows = "\n".join(normalize_text(r) for r in training_rows)
    pairs = "\n".join(normalize_text(r) for r in training_pairs)
    out = {}
    groups = sorted({q.generator for q in questions})
    for name in groups + ["all"]:
        group = [q for q in questions if q.answers and name in ("all", q.generator)]
        if not group:
            continue
        out[name] = {
            "n": len(group),
            "lexical_overlap": _mean(_overlap(q) for q in group),
            "bm25_top1": _mean(top_doc(q.question) in {c.doc_id for c in q.chunks} for q in group)
            if top_doc else None,
            "answer_in_training": _mean(f" {normalize_text(q.answers[0])} " in f" {rows} " for q in group)
            if training_rows else None,
            "answer_in_training_pairs": _mean(f" {normalize_text(q.answers[0])} " in f" {pairs} " for q in group)
            if training_pairs else None,
        }
    return out


def _overlap(q: EvalQuestion) -> float:
    words = asked_words(q.question)
    source = set(tokens("\n".join(c.text for c in q.chunks)))
    return sum(w in source for w in words) / len(words) if words else 0.0


def _mean(values) -> float:
    return round(float(np.mean([float(v) for v in values])), 4)
