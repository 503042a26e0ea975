"""The small interfaces every model backend implements, so backends are swappable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of shape (len(texts), dim)."""

    name: str
    dim: int
    max_tokens: int  # longest input (in its own tokens, special tokens excluded) it embeds untruncated

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int:
        """Tokens `text` occupies for this embedder, special tokens excluded (the chunker's measure)."""
        ...


Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": str}


@dataclass(frozen=True)
class Completion:
    """A generated answer with what it cost: token counts and wall-clock timings in seconds."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    prefill_s: float  # time to the first generated token (0.0 where the backend cannot tell)
    total_s: float
    model: str
    batch_size: int = 1  # answers generated together; then the timings are this answer's share of the batch


@runtime_checkable
class Generator(Protocol):
    """A chat model: messages in, one `Completion` out. Greedy unless temperature > 0."""

    name: str

    def generate(
        self, messages: Sequence[Message], *, max_new_tokens: int = 256, temperature: float = 0.0
    ) -> Completion: ...
