"""Is a generated pair worth training on? Supported by its chunk, not a copy of it, of sane length.

Each check returns a short reason string (counted in the yield report) or None when the pair passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ragtune.text import content_words, numbers, tokens


@dataclass(frozen=True)
class Limits:
    """Thresholds for a pair; the defaults suit short factual Q/A about a chunk of a few hundred tokens."""

    min_question_words: int = 3
    max_question_words: int = 40
    max_answer_words: int = 40
    min_support: float = 0.8  # share of the answer's content words that must appear in the chunk
    max_copy_run: int = 10  # a question sharing this many consecutive tokens with the chunk is a copy
    max_copy_share: float = 0.8  # ... or sharing this share of its own tokens in one run


DEFAULT_LIMITS = Limits()


def check_pair(question: str, answer: str, chunk_text: str, limits: Limits = DEFAULT_LIMITS,
               *, allow_echo: bool = False) -> str | None:
    """None if the pair is usable, else why not.

    `allow_echo` skips the copy check for extractive questions, which reuse their sentence on purpose
    (the answer span is removed, so the question still gives nothing away).
    """
    q_tokens, a_tokens = tokens(question), tokens(answer)
    if not q_tokens:
        return "empty question"
    if not a_tokens:
        return "empty answer"
    if len(q_tokens) < limits.min_question_words:
        return "question too short"
    if len(q_tokens) > limits.max_question_words:
        return "question too long"
    if len(a_tokens) > limits.max_answer_words:
        return "answer too long"
    reason = check_support(answer, chunk_text, limits.min_support)
    if reason:
        return reason
    if _gives_answer_away(q_tokens, a_tokens):
        return "question contains the answer"
    if not allow_echo and is_copy(q_tokens, tokens(chunk_text), limits):
        return "question copies the chunk"
    return None


def check_support(answer: str, chunk_text: str, min_support: float = DEFAULT_LIMITS.min_support) -> str | None:
    """The answer's numbers must all be in the chunk, and most of its content words."""
    if not numbers(answer) <= numbers(chunk_text):
        return "answer number not in chunk"
    words = content_words(answer)
    if not words:
        return "answer has no content words"
    chunk_words = set(tokens(chunk_text))
    share = sum(w in chunk_words for w in words) / len(words)
    return None if share >= min_support else "answer not supported by chunk"


def longest_common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest run of tokens that `a` and `b` share (the copy detector)."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def is_copy(q_tokens: list[str], chunk_tokens: list[str], limits: Limits = DEFAULT_LIMITS) -> bool:
    run = longest_common_run(q_tokens, chunk_tokens)
    return run >= limits.max_copy_run or (len(q_tokens) >= 5 and run >= limits.max_copy_share * len(q_tokens))


def _gives_answer_away(q_tokens: list[str], a_tokens: list[str]) -> bool:
    """The whole answer appears verbatim in the question (e.g. a statement repeated as a 'question')."""
    answer = " ".join(a_tokens)
    return len(a_tokens) >= 1 and f" {answer} " in f" {' '.join(q_tokens)} " and content_words(answer) != []
