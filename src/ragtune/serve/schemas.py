"""Request bodies of the API, as OpenAI's clients send them (unknown fields are ignored, as OpenAI's are)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "developer", "tool"]
    content: str | list[dict] | None = None

    def text(self) -> str:
        """The message's text: a plain string, or the text parts of a content list."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    max_tokens: int | None = Field(None, ge=1, strict=True)  # strict: `true` is not a number of tokens
    max_completion_tokens: int | None = Field(None, ge=1, strict=True)
    temperature: float | None = Field(None, ge=0, le=2)
    stop: str | list[str] | None = None
    stream: bool = Field(False, strict=True)
    # vLLM's extras, for a weights model (serve/weights.py): score the prompt, leave the last message open
    prompt_logprobs: int | None = Field(None, ge=0, le=0)  # 0: each prompt token's own log-probability
    continue_final_message: bool = False
    add_generation_prompt: bool = True


class EmbeddingRequest(BaseModel):
    input: str | list[str]
    model: str | None = None


class RetrieveRequest(BaseModel):
    question: str = Field(min_length=1)
    retriever: Literal["dense", "bm25", "hybrid"] | None = None
    k: int | None = Field(None, ge=1, le=100, strict=True)  # strict: {"k": true} is not k = 1
    filters: list[str] = []  # `key=value`, `key!=value`, `key^=prefix`, as `ragtune ask --filter`
