"""Questions wait in one bounded queue and are answered in batches, one variant at a time.

Every variant shares the generator's weights (adapters are swapped in and out), so one worker thread owns
generation; what it gains is the batch: on 2 CPU cores 8 short answers take about the time of 2
(`generate_batch`), and bench/serve_load.py measures the gain under load. The worker takes the oldest
question and every queued question of the same variant and settings, up to `max_batch`. A full queue
refuses at once (`Busy`, answered 429 with Retry-After) rather than letting clients time out. A weights
model's conversations (`serve/weights.py`) wait in the same queue: one worker owns the weights.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ragtune.variants import Answerer

log = logging.getLogger("ragtune.serve")


class Busy(Exception):
    """The queue is full (429), or the server is stopping (503): try again in `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int, status: int = 429):
        super().__init__(message)
        self.retry_after, self.status = retry_after, status


@dataclass(eq=False)
class Job:
    key: tuple  # jobs answered in one batch share it: (model, max_new_tokens, temperature)
    payload: Any  # a question (a variant), or a conversation (a weights model)
    work: Callable[[list], Sequence]  # answers a batch of payloads, in their order
    future: Future = field(default_factory=Future)


class Batcher:
    """The queue and its worker; `on_batch(variant, size, seconds)` is told of each batch (metrics)."""

    def __init__(self, max_batch: int = 8, max_queue: int = 64,
                 on_batch: Callable[[str, int, float], None] | None = None):
        self.max_batch, self.max_queue, self.on_batch = max_batch, max_queue, on_batch
        self._jobs: deque[Job] = deque()
        self._wake = threading.Condition()
        self._closed = False
        self._seconds_per_batch = 5.0  # a running mean of batch time, for Retry-After
        self._worker = threading.Thread(target=self._run, name="ragtune-answers", daemon=True)
        self._worker.start()

    @property
    def depth(self) -> int:
        return len(self._jobs)

    def submit(self, variant: str, answerer: Answerer, question: str) -> Future:
        """Queue one question; its future resolves to the `Answer` (or the exception that answering raised)."""
        return self.submit_work((variant, answerer.max_new_tokens, answerer.temperature), question, answerer.answer)

    def submit_work(self, key: tuple, payload: Any, work: Callable[[list], Sequence]) -> Future:
        """Queue one payload; `work` answers it in a batch with the queued payloads of the same `key`."""
        job = Job(key, payload, work)
        with self._wake:
            if self._closed:
                raise Busy("the server is shutting down; retry against its replacement.", 5, 503)
            if len(self._jobs) >= self.max_queue:
                raise Busy(f"{len(self._jobs)} questions are waiting ([serve] queue_size); retry shortly.",
                           self.retry_after())
            self._jobs.append(job)
            self._wake.notify()
        return job.future

    def retry_after(self) -> int:
        """Seconds until the queue has likely drained by a batch's worth."""
        batches = max(1, math.ceil(len(self._jobs) / self.max_batch))
        return max(1, math.ceil(batches * self._seconds_per_batch))

    def close(self, timeout: float = 60.0) -> None:
        """Take no more questions; answer those queued, then stop the worker."""
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        self._worker.join(timeout)

    def _take(self) -> list[Job]:
        with self._wake:
            while not self._jobs and not self._closed:
                self._wake.wait()
            if not self._jobs:
                return []
            key = self._jobs[0].key
            batch = [j for j in self._jobs if j.key == key][: self.max_batch]
            for job in batch:
                self._jobs.remove(job)
            return batch

    def _run(self) -> None:
        while batch := self._take():
            live = [j for j in batch if j.future.set_running_or_notify_cancel()]  # timed-out callers are gone
            if not live:
                continue
            start = time.perf_counter()
            try:
                answers = live[0].work([j.payload for j in live])
            except BaseException as e:  # every caller hears of it; the worker goes on
                log.exception("answering a batch of %d failed", len(live))
                for job in live:
                    job.future.set_exception(e)
                continue
            seconds = time.perf_counter() - start
            self._seconds_per_batch = 0.8 * self._seconds_per_batch + 0.2 * seconds
            for job, answer in zip(live, answers):
                job.future.set_result(answer)
            if self.on_batch:
                self.on_batch(live[0].key[0], len(live), seconds)
