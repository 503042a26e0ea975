"""`Generator` and `Embedder` backends for OpenAI-compatible HTTP endpoints (vLLM, Ollama, llama.cpp server, OpenAI)."""

from __future__ import annotations

import math
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Callable, Sequence, TypeVar

import httpx
import numpy as np

from ragtune.errors import ModelError
from ragtune.models.protocols import Completion, Message

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
_DIGITS_WORDS_MARKS = re.compile(r"(\d+)|[^\W\d_]+|[^\w\s]|_")
T = TypeVar("T")
R = TypeVar("R")


def in_flight(work: Callable[[T], R], items: Sequence[T], concurrency: int) -> list[R]:
    """`work(item)` for every item, up to `concurrency` at a time, results in the items' order. Each request
    retries on its own first; the first error (or Ctrl-C) is raised at once and no further request is sent."""
    if concurrency <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(items)), thread_name_prefix="ragtune-http")
    try:
        done = list(pool.map(work, items))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return done


class _Endpoint:
    """An httpx client with retries (exponential backoff, honouring Retry-After) and errors that say what to do."""

    def __init__(self, api_base: str, api_key: str | None, timeout: float, retries: int, backoff_s: float,
                 key_env: str = "[models] api_key_env", concurrency: int = 1):
        if not api_base:
            raise ModelError("an \"openai:<model>\" backend needs an endpoint; set [models] api_base, "
                             "e.g. \"http://localhost:8000/v1\".")
        self.api_base = api_base.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        limits = httpx.Limits(max_connections=max(concurrency, 10), max_keepalive_connections=max(concurrency, 10))
        self.client = httpx.Client(timeout=timeout, headers=headers, limits=limits)  # thread-safe: shared
        self.retries = retries
        self.backoff_s = backoff_s
        self.key_env = key_env

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.api_base}/{path}"
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.client.post(url, json=payload)
            except httpx.TransportError as e:
                if last:
                    raise ModelError(f"could not reach {url} ({type(e).__name__}: {e}); is the server running? "
                                     "Check api_base ([models], or the variant's own).") from e
                time.sleep(self.backoff_s * 2**attempt)
                continue
            if response.status_code in RETRY_STATUS and not last:
                time.sleep(_retry_delay(response, self.backoff_s * 2**attempt))
                continue
            return _json_or_error(response, url, self.key_env)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.client.close()


def _retry_delay(response: httpx.Response, default: float) -> float:
    try:
        return min(float(response.headers.get("retry-after", default)), 60.0)
    except ValueError:
        return default


def _json_or_error(response: httpx.Response, url: str, key_env: str) -> dict[str, Any]:
    if response.status_code in (401, 403):
        raise ModelError(f"{url} refused the request ({response.status_code}); set the API key in the environment "
                         f"variable {key_env}.")
    if response.status_code >= 400:
        raise ModelError(f"{url} answered {response.status_code}: {response.text[:300]}")
    try:
        return response.json()
    except ValueError as e:
        raise ModelError(f"{url} did not answer JSON; is [models] api_base an OpenAI-compatible /v1 endpoint?") from e


class OpenAIChatGenerator:
    """Chat completions from a remote endpoint; token counts come from the server's `usage`. A batch is sent
    as up to `concurrency` requests at once (a server that batches answers them together)."""

    def __init__(self, model: str, api_base: str, api_key: str | None = None, timeout: float = 120.0,
                 retries: int = 3, backoff_s: float = 1.0, seed: int | None = 0, concurrency: int = 8,
                 key_env: str = "[models] api_key_env"):
        self.name = model
        self.seed = seed
        self.concurrency = max(1, concurrency)
        self.api_base = api_base.rstrip("/")
        self.logprobs: bool | None = None  # does the endpoint return prompt log-probabilities (None: not asked yet)
        self._endpoint = _Endpoint(api_base, api_key, timeout, retries, backoff_s, key_env, self.concurrency)

    def generate_batch(
        self, conversations: Sequence[Sequence[Message]], *, max_new_tokens: int = 256, temperature: float = 0.0
    ) -> list[Completion]:
        """Every conversation's completion, in order, `concurrency` requests in flight. As for a local batch,
        each `Completion` carries `batch_size` and its share of the batch's wall time (its own request took
        longer: the latency a single user sees comes from answers generated alone)."""
        start = time.perf_counter()
        done = in_flight(lambda m: self.generate(m, max_new_tokens=max_new_tokens, temperature=temperature),
                         list(conversations), self.concurrency)
        share = (time.perf_counter() - start) / max(len(done), 1)
        return [replace(c, total_s=share, batch_size=len(done)) for c in done] if len(done) > 1 else done

    def generate(
        self, messages: Sequence[Message], *, max_new_tokens: int = 256, temperature: float = 0.0
    ) -> Completion:
        """One non-streamed completion; `prefill_s` is 0.0 because the server does not report it."""
        payload: dict[str, Any] = {"model": self.name, "messages": list(messages),
                                   "max_tokens": max_new_tokens, "temperature": temperature}
        if self.seed is not None:
            payload["seed"] = self.seed
        start = time.perf_counter()
        body = self._endpoint.post("chat/completions", payload)
        total = time.perf_counter() - start
        try:
            text = body["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError) as e:
            raise ModelError(f"{self._endpoint.api_base}/chat/completions answered without choices[0].message.content: "
                             f"{str(body)[:300]}") from e
        usage = body.get("usage") or {}
        return Completion(
            text=text.strip(),
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            prefill_s=0.0,
            total_s=total,
            model=body.get("model", self.name),
        )

    def option_logprobs(self, messages: Sequence[Message], options: Sequence[str]) -> list[tuple[float, int]] | None:
        """Multiple choice as a local model scores it: each option's (summed log-probability, tokens) as the
        whole reply, from vLLM's `prompt_logprobs` (the reply left open with `continue_final_message`); the
        prompt's own length (`usage.prompt_tokens`) tells where the option starts. None when the endpoint
        returns no prompt log-probabilities (asked once: the answer is remembered)."""
        if self.logprobs is False:
            return None
        base = {"model": self.name, "max_tokens": 1, "temperature": 0.0}
        try:
            prefix = int(self._endpoint.post("chat/completions", base | {"messages": list(messages)})
                         ["usage"]["prompt_tokens"])
            bodies = in_flight(lambda o: self._endpoint.post("chat/completions", base | {
                "messages": [*messages, {"role": "assistant", "content": o}], "add_generation_prompt": False,
                "continue_final_message": True, "prompt_logprobs": 0}), list(options), self.concurrency)
            scores = [_option_score(body["prompt_logprobs"][prefix:]) for body in bodies]
        except (ModelError, KeyError, TypeError, ValueError, IndexError):
            if self.logprobs:  # it answered before: this failure is not the endpoint's lack of the feature
                raise
            self.logprobs = False
            return None
        self.logprobs = True
        return scores

    def close(self) -> None:
        self._endpoint.close()


def _option_score(rows: list) -> tuple[float, int]:
    """(sum, count) of the log-probabilities of an option's tokens: each row is `{token_id: {"logprob": ..}}`
    for the prompt's own token (vLLM's prompt_logprobs = 0)."""
    if not rows or any(not row for row in rows):
        raise ValueError("no prompt log-probabilities for the option's tokens")
    return sum(float(next(iter(row.values()))["logprob"]) for row in rows), len(rows)


def estimate_tokens(text: str) -> int:
    """A conservative (high) token count without the server's tokenizer.

    The larger of: UTF-8 bytes / 3 (BPE vocabularies average about 4 bytes per token on English text)
    and one token per word or punctuation mark plus one per digit (some tokenizers split numbers
    into single digits). It overestimates English by roughly a quarter, so chunks sized with it stay
    under the model's real limit.
    """
    pieces = sum(len(m.group(1)) if m.group(1) else 1 for m in _DIGITS_WORDS_MARKS.finditer(text))
    return max(math.ceil(len(text.encode("utf-8")) / 3), pieces)


class OpenAIEmbedder:
    """Embeddings from a remote endpoint, batched and re-normalised; `dim` is learned from the first call."""

    def __init__(self, model: str, api_base: str, api_key: str | None = None, max_tokens: int = 8191,
                 dim: int | None = None, batch_size: int = 64, timeout: float = 60.0, retries: int = 3,
                 backoff_s: float = 1.0, concurrency: int = 8, key_env: str = "[models] api_key_env"):
        self.name = model
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.concurrency = max(1, concurrency)
        self._dim = dim
        self._endpoint = _Endpoint(api_base, api_key, timeout, retries, backoff_s, key_env, self.concurrency)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.embed(["dimension probe"])
        return self._dim  # type: ignore[return-value]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        batches = [texts[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        if batches and self._dim is None:  # the first answer fixes the dimension the others are checked against
            parts = [self._embed_batch(batches[0])] + in_flight(self._embed_batch, batches[1:], self.concurrency)
        else:
            parts = in_flight(self._embed_batch, batches, self.concurrency)
        if not parts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        vectors = np.concatenate(parts).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        url = f"{self._endpoint.api_base}/embeddings"
        body = self._endpoint.post("embeddings", {"model": self.name, "input": texts})
        try:
            rows = sorted(body["data"], key=lambda row: row.get("index", 0))
            vectors = np.array([row["embedding"] for row in rows], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{url} answered without data[].embedding: {str(body)[:300]}") from e
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ModelError(f"{url} returned {len(vectors)} embeddings for {len(texts)} inputs.")
        if self._dim is None:
            self._dim = vectors.shape[1]
        elif vectors.shape[1] != self._dim:
            raise ModelError(f"{url} returned {vectors.shape[1]}-dimensional vectors, expected {self._dim}; "
                             "an index built with another embedding model needs a rebuild.")
        return vectors

    def count_tokens(self, text: str) -> int:
        """An estimate (see `estimate_tokens`): the endpoint's tokenizer is not available locally."""
        return estimate_tokens(text)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        return [estimate_tokens(t) for t in texts]

    def close(self) -> None:
        self._endpoint.close()
