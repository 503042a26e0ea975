import re

from ragtune.corpus.document import Chunk
from ragtune.synth.pairs import QAPair
from ragtune.synth.raft import raft_examples


def _corpus(n_docs=6):
    chunks = [Chunk(f"d{d}#{i}", f"d{d}", i, f"Document {d} part {i} says the code is K{d}{i}7.", f"Doc {d}")
              for d in range(n_docs) for i in range(2)]
    pairs = [QAPair(f"What code does document {c.doc_id} part {c.index} give?", f"K{c.doc_id[1:]}{c.index}7",
                    c.doc_id, c.id, "extractive") for c in chunks]
    return chunks, pairs


def test_oracle_fraction_distractors_and_citation():
    chunks, pairs = _corpus()
    examples = raft_examples(pairs * 40, chunks, distractors=3, p_no_oracle=0.2, seed=1)
    assert len(examples) == len(pairs) * 40
    without = [e for e in examples if e.oracle_position is None]
    assert 0.15 < len(without) / len(examples) < 0.25
    for e in examples:
        assert len(e.passages) == 4
        oracle_doc = e.pair.doc_id
        distractors = [p for p in e.passages if p.id != e.pair.chunk_id]
        assert all(p.doc_id != oracle_doc for p in distractors)
        messages = e.messages()
        assert messages[-1] == {"role": "assistant", "content": e.answer}
        if e.oracle_position is None:
            assert e.pair.chunk_id not in {p.id for p in e.passages}
            assert e.answer.startswith(e.pair.answer) and "[" not in e.answer
        else:
            n = e.oracle_position
            assert e.passages[n - 1].id == e.pair.chunk_id
            assert e.answer.endswith(f"[{n}]") and e.pair.answer in e.answer
            # the prompt numbers the passages the same way the answer cites them
            assert re.search(rf"\[{n}\] {re.escape(e.passages[n - 1].title)}: ", messages[1]["content"])
    positions = {e.oracle_position for e in examples if e.oracle_position}
    assert positions == {1, 2, 3, 4}  # shuffled order


def test_deterministic_given_seed():
    chunks, pairs = _corpus()
    assert raft_examples(pairs, chunks, seed=3) == raft_examples(pairs, chunks, seed=3)
