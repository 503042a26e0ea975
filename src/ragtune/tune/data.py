"""Training data for LoRA: chat examples -> token ids with assistant-only labels -> packed rows.

Labels are stored already shifted (`labels[t]` is the token to predict after position `t`), so
examples can be concatenated into one row without a target leaking across an example boundary.
Packed rows restart `position_ids` at 0 for every example; transformers turns restarting
position ids (with no 2D attention mask and no KV cache, i.e. `use_cache=False`) into a
block-diagonal causal mask, so packed examples never attend to each other (tested).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import torch

from ragtune.errors import TuneError

IGNORE = -100  # the label torch's cross-entropy skips
CHAT_END_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>")

ChatExample = Sequence[dict]  # a list of {"role", "content"} messages


@dataclass(frozen=True)
class TokenizedExample:
    input_ids: tuple[int, ...]
    labels: tuple[int, ...]  # shifted: labels[t] is the target after input_ids[t]; IGNORE outside assistant turns

    @property
    def n_targets(self) -> int:
        return sum(1 for t in self.labels if t != IGNORE)


@dataclass(frozen=True)
class Batch:
    input_ids: torch.Tensor  # (rows, seq_len)
    position_ids: torch.Tensor  # (rows, seq_len), restarting at 0 per packed example
    labels: torch.Tensor  # (rows, seq_len), shifted, IGNORE where no loss
    n_tokens: int  # real (non-padding) tokens

    @property
    def n_targets(self) -> int:
        return int((self.labels != IGNORE).sum())


def read_chat_jsonl(path: str | Path) -> list[list[dict]]:
    """The `messages` lists of a chat JSONL file (`ragtune.synth.read_chat_jsonl`), with training's errors."""
    from ragtune.synth.dataset import read_chat_jsonl as read_chat
    from ragtune.errors import SynthError

    path = Path(path)
    if not path.is_file():
        raise TuneError(f"training data {path} not found; run `ragtune synth` first or pass an existing JSONL file.")
    try:
        return read_chat(path)
    except SynthError as e:
        raise TuneError(str(e)) from e


def data_hash(examples: Iterable[ChatExample]) -> str:
    """A stable hash of the training examples, for the training card."""
    h = hashlib.sha256()
    for messages in examples:
        h.update(json.dumps(list(messages), sort_keys=True, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()[:16]


def _template_ids(tokenizer, messages: Sequence[dict], add_generation_prompt: bool) -> list[int]:
    encoded = tokenizer.apply_chat_template(list(messages), add_generation_prompt=add_generation_prompt,
                                            return_dict=True)
    return list(encoded["input_ids"])


def tokenize_chat(tokenizer, messages: ChatExample) -> TokenizedExample:
    """Token ids of the templated conversation; only assistant turns (content and end-of-turn) carry loss.

    Each assistant span is found by rendering the conversation up to that turn's generation prompt and
    checking that its tokens are a prefix of the full conversation's: the mask then sits exactly on the
    template's token boundaries, whatever the template.
    """
    if not tokenizer.chat_template:
        raise TuneError("the tokenizer has no chat template; fine-tune an instruction-tuned (chat) model.")
    if not any(m.get("role") == "assistant" for m in messages):
        raise TuneError("a training example has no assistant message, so nothing to learn; check the JSONL.")
    ids = _template_ids(tokenizer, messages, add_generation_prompt=False)
    end_ids = {tokenizer.convert_tokens_to_ids(t) for t in CHAT_END_TOKENS} | {tokenizer.eos_token_id}
    trainable = [False] * len(ids)
    for i, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        start = len(_template_ids(tokenizer, messages[:i], add_generation_prompt=True))
        prefix = _template_ids(tokenizer, messages[: i + 1], add_generation_prompt=False)
        end = len(prefix)
        if ids[:end] != prefix or start > end:
            raise TuneError("the chat template does not render conversations incrementally; "
                            "assistant-only loss cannot be located for this model.")
        while end > start and ids[end - 1] not in end_ids:  # drop what follows the end-of-turn token ("\n")
            end -= 1
        if end == start:  # a template without an end token: train on the whole rendered turn
            end = len(prefix)
        for t in range(start, end):
            trainable[t] = True
    # Shift: the target at position t is token t+1, kept only if token t+1 belongs to an assistant turn.
    labels = [ids[t + 1] if trainable[t + 1] else IGNORE for t in range(len(ids) - 1)] + [IGNORE]
    return TokenizedExample(tuple(ids), tuple(labels))


def pack(examples: Sequence[TokenizedExample], seq_len: int) -> list[list[int]]:
    """Group example indices into rows of at most `seq_len` tokens (first-fit decreasing, deterministic).

    Examples are never split or truncated (truncation would cut the answer at the end), so every
    token keeps its full context; an example longer than `seq_len` gets a row of its own.
    """
    order = sorted(range(len(examples)), key=lambda i: (-len(examples[i].input_ids), i))
    rows: list[list[int]] = []
    room: list[int] = []
    for i in order:
        n = len(examples[i].input_ids)
        for r, free in enumerate(room):
            if free >= n:
                rows[r].append(i)
                room[r] -= n
                break
        else:
            rows.append([i])
            room.append(max(0, seq_len - n))
    return rows


def collate(examples: Sequence[TokenizedExample], rows: Sequence[Sequence[int]], pad_id: int) -> Batch:
    """Packed rows as tensors, padded to the longest row of this batch (padding is its own segment, no loss)."""
    lengths = [sum(len(examples[i].input_ids) for i in row) for row in rows]
    width = max(lengths)
    ids, pos, labels = [], [], []
    for row in rows:
        r_ids: list[int] = []
        r_pos: list[int] = []
        r_lab: list[int] = []
        for i in row:
            ex = examples[i]
            r_ids += ex.input_ids
            r_pos += range(len(ex.input_ids))
            r_lab += ex.labels
        pad = width - len(r_ids)
        ids.append(r_ids + [pad_id] * pad)
        pos.append(r_pos + list(range(pad)))
        labels.append(r_lab + [IGNORE] * pad)
    return Batch(torch.tensor(ids), torch.tensor(pos), torch.tensor(labels), sum(lengths))


def epoch_batches(rows: Sequence[Sequence[int]], batch_size: int, seed: int, epoch: int) -> list[list[list[int]]]:
    """The micro-batches of one epoch: packed rows shuffled by a function of (seed, epoch) only.

    Depending on nothing but the seed and the epoch is what lets a resumed run see the same order.
    """
    g = torch.Generator().manual_seed(seed * 100_003 + epoch)
    perm = torch.randperm(len(rows), generator=g).tolist()
    shuffled = [list(rows[i]) for i in perm]
    return [shuffled[i: i + batch_size] for i in range(0, len(shuffled), batch_size)]
