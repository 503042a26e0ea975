"""Weights models: the weights of each served variant (the base model, or a trained adapter) as a plain chat
model that answers the client's messages as given, with no retrieval and no prompt of ours.

They are what vLLM serves with `--served-model-name weights-base --lora-modules weights-ft=runs/<id>/adapter`
(`ragtune export --vllm` prints the command): an evaluation on another machine names one as a variant's
generator (`generator = "openai:weights-ft"`) and prompts it itself, so the adapter answers over HTTP as it
answers locally. `prompt_logprobs` (vLLM's extra field) scores a prompt, for multiple choice.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ragtune.models.protocols import Generator, Message
from ragtune.serve.errors import ApiError
from ragtune.serve.schemas import ChatMessage
from ragtune.variants import Answerer

PREFIX = "weights-"
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant"}


def weights_name(a: Answerer) -> str | None:
    """`weights-base`, `weights-<adapter kind>` or `weights-<run id>`; None for a model that is not this
    project's local generator (an endpoint's, or another local model a variant names)."""
    if a.variant.generator is not None or not hasattr(a.generator, "with_adapter"):
        return None
    if a.adapter is None:
        return PREFIX + "base"
    return PREFIX + (a.variant.adapter_kind or str(a.variant.adapter))


def weights_models(served: Mapping[str, Answerer]) -> dict[str, Generator]:
    """The weights of the served variants, each once (ft and ft+rag share the ft adapter's)."""
    out: dict[str, Generator] = {}
    for a in served.values():
        name = weights_name(a)
        if name is not None and name not in served:
            out.setdefault(name, a.generator)
    return out


def conversation(messages: Sequence[ChatMessage]) -> list[Message]:
    """The client's messages as the model's chat template takes them (OpenAI's `developer` is a system turn)."""
    out = []
    for n, m in enumerate(messages):
        if m.role not in ROLES:
            raise ApiError(400, f"messages[{n}]: a weights model takes system, user and assistant messages, "
                                f"not {m.role!r}.", "invalid_request", "messages")
        out.append({"role": ROLES[m.role], "content": m.text()})
    return out


def prompt_logprobs(generator: Generator, messages: list[Message], continue_final: bool) -> list:
    """vLLM's `prompt_logprobs` for the templated prompt: None for the first token, then for each token
    `{token_id: {"logprob", "rank", "decoded_token"}}` (the prompt's own token only)."""
    if not hasattr(generator, "prompt_token_logprobs"):
        raise ApiError(400, "prompt_logprobs: this model cannot score a prompt.", "invalid_request", "prompt_logprobs")
    scored = generator.prompt_token_logprobs(messages, continue_final=continue_final)
    return [None] + [{str(token): {"logprob": lp, "rank": rank, "decoded_token": text}}
                     for token, text, lp, rank in scored]
