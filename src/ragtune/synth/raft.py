"""RAFT examples (Zhang et al. 2024): a question, its oracle chunk among distractors, and a cited answer.

Choices (the paper's recipe, adapted to our prompt):
- Distractors come from OTHER documents: retrieved from the index with the question (hard negatives)
  when an index is given, else sampled. An example holds the oracle + k distractors, or k + 1
  distractors, so the passage count never gives the oracle away.
- A fraction `p_no_oracle` (default 0.2) of examples holds only distractors. The paper calls the
  complementary share P (it keeps the oracle for P = 80 %); the brief's "P" here is that 20 %.
- Passages are shuffled and numbered with `ragtune.answer.build_messages`, so a RAFT-trained model sees
  at inference exactly the prompt it was trained on.
- With the oracle present the answer quotes the oracle sentence holding the answer and cites its
  number: `<answer>. The passage says: "<quote>" [n]`. Without it the answer is still given (RAFT
  trains memorisation) but cites nothing, so the model never learns to cite a passage that lacks the fact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from ragtune.answer import build_messages
from ragtune.corpus.document import Chunk
from ragtune.models.protocols import Message
from ragtune.retrieve.hit import Hit
from ragtune.synth.pairs import QAPair
from ragtune.synth.sentences import split_sentences
from ragtune.text import tokens


@dataclass(frozen=True)
class RaftExample:
    pair: QAPair
    passages: tuple[Chunk, ...]
    oracle_position: int | None  # 1-based number of the oracle passage, None when left out
    answer: str

    def messages(self) -> list[Message]:
        return build_messages(self.pair.question, [chunk_hit(c) for c in self.passages]) + [
            {"role": "assistant", "content": self.answer}]


def chunk_hit(chunk: Chunk) -> Hit:
    return Hit(chunk_id=chunk.id, doc_id=chunk.doc_id, text=chunk.text, title=chunk.title,
               metadata=dict(chunk.metadata), score=0.0)


def raft_examples(pairs: Sequence[QAPair], chunks: Sequence[Chunk], *, distractors: int = 3,
                  p_no_oracle: float = 0.2, index=None, seed: int = 0) -> list[RaftExample]:
    """One example per pair whose chunk is known; `index` (a ChunkIndex) supplies hard distractors."""
    rng = random.Random(seed)
    by_id = {c.id: c for c in chunks}
    examples = []
    for pair in pairs:
        oracle = by_id.get(pair.chunk_id)
        if oracle is None or pair.strategy == "cloze":
            continue
        others = _distractors(pair, oracle, chunks, distractors + 1, index, rng)
        with_oracle = rng.random() >= p_no_oracle
        # Same passage count either way, so the count never tells the model whether the oracle is there.
        passages = others[:distractors] + [oracle] if with_oracle else others[:distractors + 1]
        rng.shuffle(passages)
        position = passages.index(oracle) + 1 if with_oracle else None
        examples.append(RaftExample(pair, tuple(passages), position, raft_answer(pair.answer, oracle, position)))
    return examples


def raft_answer(answer: str, oracle: Chunk, position: int | None) -> str:
    answer = answer.strip().rstrip(".")
    if position is None:
        return answer + "."
    quote = quote_for(answer, oracle.text)
    return f'{answer}. The passage says: "{quote}" [{position}]' if quote else f"{answer} [{position}]"


def quote_for(answer: str, text: str) -> str:
    """The sentence (or table row) of `text` that holds the most of the answer's tokens."""
    wanted = set(tokens(answer))
    units = split_sentences(text) + [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    best = max(units, key=lambda s: len(wanted & set(tokens(s))), default="")
    return best if wanted & set(tokens(best)) else ""


def _distractors(pair: QAPair, oracle: Chunk, chunks: Sequence[Chunk], k: int, index, rng: random.Random) -> list[Chunk]:
    """k chunks of other documents: the index's best matches for the question first, then random ones."""
    picked: list[Chunk] = []
    if index is not None:
        from ragtune.retrieve import retrieve

        for hit in retrieve(index, pair.question, top_k=k + 5):
            if hit.doc_id != oracle.doc_id and all(p.id != hit.chunk_id for p in picked):
                picked.append(Chunk(hit.chunk_id, hit.doc_id, 0, hit.text, hit.title, dict(hit.metadata)))
    pool = [c for c in chunks if c.doc_id != oracle.doc_id and all(p.id != c.id for p in picked)]
    if not pool and not picked:  # a one-document corpus: other chunks of the same document
        pool = [c for c in chunks if c.id != oracle.id]
    rng.shuffle(pool)
    return (picked + pool)[:k]
