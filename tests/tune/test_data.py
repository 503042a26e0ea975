import json

import pytest
import torch

from ragtune.tune.data import IGNORE, collate, data_hash, epoch_batches, pack, read_chat_jsonl, tokenize_chat
from ragtune.errors import TuneError



def chat(q: str, a: str) -> list[dict]:
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


def _decoded_targets(tokenizer, ex) -> str:
    return tokenizer.decode([t for t in ex.labels if t != IGNORE])


def test_only_assistant_tokens_carry_loss(tokenizer):
    messages = [{"role": "system", "content": "Be brief."}, *chat("Hi there", "Hello, friend."),
                *chat("Again?", "Yes")]
    ex = tokenize_chat(tokenizer, messages)
    assert len(ex.input_ids) == len(ex.labels)
    # Exactly the two answers and their end-of-turn tokens: no system, user, role headers or newlines.
    assert _decoded_targets(tokenizer, ex) == "Hello, friend.<|im_end|>Yes<|im_end|>"
    # Labels are shifted: a target at t is the input token at t+1.
    for t, label in enumerate(ex.labels):
        if label != IGNORE:
            assert label == ex.input_ids[t + 1]
    # The template's assistant header precedes the first target; its last token predicts the answer.
    first = next(t for t, label in enumerate(ex.labels) if label != IGNORE)
    assert tokenizer.decode(ex.input_ids[first - 2: first + 1]).endswith("assistant\n")


def test_example_without_assistant_is_rejected(tokenizer):
    with pytest.raises(TuneError, match="no assistant"):
        tokenize_chat(tokenizer, [{"role": "user", "content": "hi"}])


def test_packing_keeps_every_token_once_and_resets_positions(tokenizer, examples):
    tok = [tokenize_chat(tokenizer, m) for m in examples * 3]
    rows = pack(tok, seq_len=128)
    assert sorted(i for row in rows for i in row) == list(range(len(tok)))
    assert all(sum(len(tok[i].input_ids) for i in row) <= 128 for row in rows)
    assert len(rows) < len(tok)  # several examples share a row
    batch = collate(tok, rows, pad_id=2)
    real = batch.labels != IGNORE
    assert int(real.sum()) == sum(e.n_targets for e in tok)
    assert batch.n_tokens == sum(len(e.input_ids) for e in tok)
    # Every row is its examples back to back, each starting at position 0.
    row0 = rows[0]
    expected = [t for i in row0 for t in tok[i].input_ids]
    assert batch.input_ids[0, : len(expected)].tolist() == expected
    starts = (batch.position_ids[0, : len(expected)] == 0).nonzero().flatten().tolist()
    assert len(starts) == len(row0)


def test_an_example_longer_than_a_row_gets_its_own_row_untruncated(tokenizer, examples):
    tok = [tokenize_chat(tokenizer, m) for m in examples[:3]]
    rows = pack(tok, seq_len=5)
    assert sorted(rows) == [[0], [1], [2]]
    assert collate(tok, [rows[0]], pad_id=2).n_tokens == len(tok[rows[0][0]].input_ids)


def test_packed_examples_do_not_attend_to_each_other(tiny_model_dir, tokenizer, examples):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    tok = [tokenize_chat(tokenizer, m) for m in examples[:3]]
    batch = collate(tok, [[0, 1, 2]], pad_id=2)
    with torch.no_grad():  # no KV cache: transformers derives the block-diagonal mask from position ids only then
        packed = model(input_ids=batch.input_ids, position_ids=batch.position_ids, use_cache=False).logits[0]
        offset = 0
        for ex in tok:
            alone = model(input_ids=torch.tensor([ex.input_ids])).logits[0]
            n = len(ex.input_ids)
            torch.testing.assert_close(packed[offset: offset + n], alone, atol=1e-4, rtol=1e-4)
            offset += n


def test_epoch_order_depends_only_on_seed_and_epoch():
    rows = [[i] for i in range(10)]
    assert epoch_batches(rows, 3, seed=1, epoch=0) == epoch_batches(rows, 3, seed=1, epoch=0)
    assert epoch_batches(rows, 3, seed=1, epoch=0) != epoch_batches(rows, 3, seed=1, epoch=1)
    assert sorted(r[0] for b in epoch_batches(rows, 3, 1, 2) for r in b) == list(range(10))


def test_chat_jsonl_reading_and_hash(tmp_path, examples):
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(json.dumps({"messages": m}) for m in examples) + "\n\n")
    assert read_chat_jsonl(path) == examples
    assert data_hash(read_chat_jsonl(path)) == data_hash(examples)
    assert data_hash(examples[:-1]) != data_hash(examples)
    (tmp_path / "bad.jsonl").write_text('{"text": "x"}\n')
    with pytest.raises(TuneError, match="bad.jsonl:1"):
        read_chat_jsonl(tmp_path / "bad.jsonl")
    with pytest.raises(TuneError, match="ragtune synth"):
        read_chat_jsonl(tmp_path / "missing.jsonl")
