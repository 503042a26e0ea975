"""`Generator` and `Embedder` backends for OpenAI-compatible HTTP endpoints (vLLM, Ollama, llama.cpp server, OpenAI)."""

from __future__ import annotations

import math
import re
import time
from typing import Any, Sequence

import httpx
import numpy as np

from ragtune.errors import ModelError
from ragtune.models.protocols import Completion, Message

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
_DIGITS_WORDS_MARKS = re.compile(r"(\d+)|[^\W\d_]+|[^\w\s]|_")


class _Endpoint:
    """An httpx client with retries (exponential backoff, honouring Retry-After) and errors that say what to do."""

    def __init__(self, api_base: str, api_key: str | None, timeout: float, retries: int, backoff_s: float):
        if not api_base:
            raise ModelError("an \"openai:<model>\" backend needs an endpoint; set [models] api_base, "
                             "e.g. \"http://localhost:8000/v1\".")
        self.api_base = api_base.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout, headers=headers)
        self.retries = retries
        self.backoff_s = backoff_s

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.api_base}/{path}"
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.client.post(url, json=payload)
            except httpx.TransportError as e:
                if last:
                    raise ModelError(f"could not reach {url} ({type(e).__name__}: {e}); is the server running? "
                                     "Check [models] api_base.") from e
                time.sleep(self.backoff_s * 2**attempt)
                continue
            if response.status_code in RETRY_STATUS and not last:
                time.sleep(_retry_delay(response, self.backoff_s * 2**attempt))
                continue
            return _json_or_error(response, url)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.client.close()


def _retry_delay(response: httpx.Response, default: float) -> float:
    try:
        return min(float(response.headers.get("retry-after", default)), 60.0)
    except ValueError:
        return default


def _json_or_error(response: httpx.Response, url: str) -> dict[str, Any]:
    if response.status_code in (401, 403):
        raise ModelError(f"{url} refused the request ({response.status_code}); set the API key in the environment "
                         "variable named by [models] api_key_env.")
    if response.status_code >= 400:
        raise ModelError(f"{url} answered {response.status_code}: {response.text[:300]}")
    try:
        return response.json()
    except ValueError as e:
        raise ModelError(f"{url} did not answer JSON; is [models] api_base an OpenAI-compatible /v1 endpoint?") from e


class OpenAIChatGenerator:
    """Chat completions from a remote endpoint; token counts come from the server's `usage`."""

    def __init__(self, model: str, api_base: str, api_key: str | None = None, timeout: float = 120.0,
                 retries: int = 3, backoff_s: float = 1.0, seed: int | None = 0):
        self.name = model
        self.seed = seed
        self._endpoint = _Endpoint(api_base, api_key, timeout, retries, backoff_s)

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

    def close(self) -> None:
        self._endpoint.close()


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
                 backoff_s: float = 1.0):
        self.name = model
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self._dim = dim
        self._endpoint = _Endpoint(api_base, api_key, timeout, retries, backoff_s)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self.embed(["dimension probe"])
        return self._dim  # type: ignore[return-value]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        parts = [self._embed_batch(texts[i : i + self.batch_size]) for i in range(0, len(texts), self.batch_size)]
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
