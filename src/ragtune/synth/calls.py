"""The teacher's completions: generated in batches where the backend can batch, saved as each batch finishes.

A finished completion is one line of `synth/progress/<strategy>.jsonl`, keyed by a hash of the teacher's
name, the chunk id, the prompt (which holds the chunk's text and the settings that shape it) and the token
budget. An interrupted `ragtune synth` reads those lines back and asks the teacher only for what is missing;
an edited chunk, another teacher or another prompt has another key, so nothing stale is reused. A batch is
generated to its largest budget (each answer still stops at its end-of-text token).
"""

from __future__ import annotations

import hashlib
import json
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ragtune.models.protocols import Generator, Message
from ragtune.runs import append_jsonl, read_jsonl, write_jsonl

PROGRESS_DIR = "progress"  # under the synth folder


@dataclass(frozen=True)
class Request:
    """One prompt to the teacher about one chunk."""

    chunk_id: str
    messages: tuple[Message, ...]
    max_new_tokens: int


@dataclass(frozen=True)
class Done:
    """A completion's text and its share of the batch's generation time when it was generated."""

    text: str
    seconds: float
    reused: bool = False  # read back from synth/progress, not generated in this run


def request_key(teacher: str, request: Request) -> str:
    blob = json.dumps([teacher, request.chunk_id, list(request.messages), request.max_new_tokens],
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


class TeacherCalls:
    """Completions of requests, `batch_size` at a time through `generate_batch` where the teacher has it
    (one at a time otherwise), appended to `store` (a JSONL) as they finish and reused from it."""

    def __init__(self, teacher: Generator, *, batch_size: int = 4, store: Path | None = None):
        self.teacher = teacher
        self.name = str(getattr(teacher, "name", type(teacher).__name__))
        # an endpoint's requests in flight ([models] concurrency) when that is more than a local batch
        self.batch_size = max(1, batch_size, getattr(teacher, "concurrency", 1)) if hasattr(teacher, "generate_batch") \
            else 1
        self.store = Path(store) if store is not None else None
        self._saved = {r["key"]: r for r in read_jsonl(self.store, repair=True)} if self.store else {}
        self.used: list[str] = []  # keys asked for in this run, in order
        self.reused_seconds = 0.0  # generation time, in earlier runs, of the completions read back

    def complete(self, requests: Sequence[Request], on_batch: Callable[[int], None] | None = None) -> list[Done]:
        """The completion of every request, in order; `on_batch(done)` after each batch (saved ones first)."""
        keys = [request_key(self.name, r) for r in requests]
        self.used.extend(keys)
        out: list[Done | None] = [None] * len(requests)
        todo = []
        for i, key in enumerate(keys):
            saved = self._saved.get(key)
            if saved is None:
                todo.append(i)
            else:
                out[i] = Done(saved["text"], float(saved["seconds"]), reused=True)
                self.reused_seconds += out[i].seconds
        if on_batch and len(todo) < len(requests):
            on_batch(len(requests) - len(todo))
        if self.store is not None and todo:
            self.store.parent.mkdir(parents=True, exist_ok=True)
        with self.store.open("a", encoding="utf-8") if self.store is not None and todo else nullcontext() as f:
            for start in range(0, len(todo), self.batch_size):
                batch = todo[start:start + self.batch_size]
                t0 = time.perf_counter()
                texts = self._generate([requests[i] for i in batch])
                share = round((time.perf_counter() - t0) / len(batch), 4)
                for i, text in zip(batch, texts):
                    out[i] = Done(text, share)
                    record = {"key": keys[i], "chunk_id": requests[i].chunk_id, "text": text, "seconds": share}
                    self._saved[keys[i]] = record
                    if f is not None:
                        append_jsonl(f, record)
                if on_batch:
                    on_batch(len(requests) - len(todo) + start + len(batch))
        return [d for d in out if d is not None]

    def _generate(self, requests: list[Request]) -> list[str]:
        if len(requests) == 1 or self.batch_size == 1:
            return [self.teacher.generate(list(r.messages), max_new_tokens=r.max_new_tokens).text for r in requests]
        budget = max(r.max_new_tokens for r in requests)
        completions = self.teacher.generate_batch([list(r.messages) for r in requests], max_new_tokens=budget)
        return [c.text for c in completions]

    def compact(self) -> None:
        """Keep in the store only the completions this run used (an edited or removed chunk's go); a store
        this run did not ask (paraphrases off, say) is kept as it is."""
        if self.store is None or not self.used or not self.store.is_file():
            return
        used = dict.fromkeys(k for k in self.used if k in self._saved)
        write_jsonl(self.store, [self._saved[k] for k in used])
