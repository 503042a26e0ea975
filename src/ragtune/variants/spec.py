"""What a variant is made of, as data: which weights answer (the base model or a trained adapter), how
passages are retrieved, and the prompt. `ragtune.variants.resolve` turns one into an `Answerer`.

The standard set compared everywhere in ragtune:

| variant | weights | retrieval |
|---|---|---|
| base   | base model                    | none |
| rag    | base model                    | the project's `[retrieval]` |
| ft     | adapter of the newest `ft` run   | none |
| ft+rag | adapter of the newest `ft` run   | the project's `[retrieval]` |
| raft   | adapter of the newest `raft` run | the project's `[retrieval]` |
| rag-ftr    | base model                  | the project's `[retrieval]` over the fine-tuned retriever's index |
| ft+rag-ftr | adapter of the newest `ft` run | the same |

A task (`ragtune eval --task`, README Behaviour) is answered by `base` and `rag` with the task's prompt and by:

| variant | weights | retrieval | prompt adds |
|---|---|---|---|
| fewshot      | base model                          | none | the `[behaviour] shots` nearest training examples |
| fewshot+rag  | base model                          | the project's `[retrieval]` | the nearest training examples |
| task-ft      | adapter of the newest `task` run     | none | nothing (trained on that prompt) |
| task-ft+rag  | adapter of the newest `task-rag` run | the project's `[retrieval]` | nothing (trained with passages) |

Users add their own in `ragtune.toml` (`[variants.rag-bm25-k3]`: generator and its endpoint, adapter, retriever,
top_k, system_prompt, shots, rerank, and `[variants.<name>.cost]` the prices of its model).
A variant's `generator` (None: `[models] generator`) may be another local model or an "openai:<model>"
endpoint; with an adapter and an endpoint, the endpoint serves that adapter (vLLM `--lora-modules`, or
`ragtune serve`'s `weights-<kind>` models) and the local run is its provenance and training cost.
All of them answer through `ragtune.answer.answer_questions`, so the prompt differs only by the passages
unless a variant sets its own system prompt. A new kind of variant (few-shot examples in the prompt, a
remote endpoint serving an adapter) is a new field here and its use in `ragtune/variants/answerer.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ragtune.errors import VariantError
from ragtune.config import Settings, VariantSettings

ADAPTER_KINDS = ("ft", "raft", "task", "task-rag")
TASK_ADAPTERS = ("task", "task-rag")


@dataclass(frozen=True)
class Variant:
    name: str
    adapter: str | None = None  # None: base weights; "ft"/"raft": the newest finished run of that kind; else a run id
    retriever: str | None = None  # None: closed book; "default": the project's [retrieval] retriever; dense|bm25|hybrid
    top_k: int | None = None  # None: the project's [retrieval] top_k
    system_prompt: str = ""  # "" = ragtune's prompt
    shots: bool = False  # a task's nearest training examples in the prompt (`[behaviour] shots` of them)
    index: str | None = None  # None: the project's index; "ftr": the newest `ragtune tune --retriever` run's
    rerank: str | None = None  # None: the project's `[retrieval] rerank`; "": none; else a reranker spec
    generator: str | None = None  # None: `[models] generator`; else "smollm2", a model folder or "openai:<model>"
    api_base: str | None = None  # an "openai:" generator's endpoint (None: `[models] api_base`)
    api_key_env: str | None = None  # the variable holding its key (None: `[models] api_key_env`)
    prices: tuple[tuple[str, float], ...] = ()  # `[variants.<name>.cost]`: its model's prices over `[cost]`

    @property
    def remote(self) -> bool:
        """Answered by an OpenAI-compatible endpoint of its own (its generator is "openai:<model>")."""
        return bool(self.generator and self.generator.startswith("openai:"))

    @property
    def task_only(self) -> bool:
        """Answers only a task: few-shot examples or an adapter trained on task examples."""
        return self.shots or self.adapter in TASK_ADAPTERS

    @property
    def retrieval(self) -> bool:
        return self.retriever is not None

    @property
    def adapter_kind(self) -> str | None:
        """The kind of training run whose adapter this variant uses (None: a run named by id, or no adapter)."""
        return self.adapter if self.adapter in ADAPTER_KINDS else None


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("base"),
    Variant("rag", retriever="default"),
    Variant("ft", adapter="ft"),
    Variant("ft+rag", adapter="ft", retriever="default"),
    Variant("raft", adapter="raft", retriever="default"),
    Variant("rag-ftr", retriever="default", index="ftr"),
    Variant("ft+rag-ftr", adapter="ft", retriever="default", index="ftr"),
)}
TASK_VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("fewshot", shots=True),
    Variant("fewshot+rag", retriever="default", shots=True),
    Variant("task-ft", adapter="task"),
    Variant("task-ft+rag", adapter="task-rag", retriever="default"),
)}
TASK_STANDARD = ("base", "fewshot", "rag", "fewshot+rag", "task-ft", "task-ft+rag")  # a task eval's order



def custom_variants(settings: Mapping[str, VariantSettings]) -> dict[str, Variant]:
    """The `[variants.*]` of ragtune.toml as variants; a name may not redefine a standard one."""
    out = {}
    for name, s in settings.items():
        if name in VARIANTS or name in TASK_VARIANTS:
            raise VariantError(f"[variants.{name}] redefines a standard variant; give it another name.")
        if "," in name or not name.strip():
            raise VariantError(f"[variants.{name!r}]: a variant name may not be empty or contain a comma.")
        retriever = None if s.retriever == "none" else s.retriever
        if retriever is None and s.top_k is not None:
            raise VariantError(f"[variants.{name}] sets top_k without retrieval; set retriever too.")
        rerank = {"default": None, "none": ""}.get(s.rerank.strip(), s.rerank.strip())
        if retriever is None and rerank:
            raise VariantError(f"[variants.{name}] sets rerank without retrieval; set retriever too.")
        generator = s.generator.strip() or None
        if not generator and (s.api_base or s.api_key_env):
            raise VariantError(f"[variants.{name}] sets api_base or api_key_env without a generator; set "
                               "generator = \"openai:<model>\" too (or move them to [models]).")
        out[name] = Variant(name, None if s.adapter == "none" else s.adapter, retriever, s.top_k, s.system_prompt,
                            s.shots, rerank=rerank, generator=generator, api_base=s.api_base.strip() or None,
                            api_key_env=s.api_key_env.strip() or None, prices=tuple(s.cost.overrides().items()))
    return out


def project_variants(settings: Settings) -> dict[str, Variant]:
    """The standard variants (knowledge and task) plus the project's own `[variants.<name>]` from ragtune.toml."""
    return {**VARIANTS, **TASK_VARIANTS, **custom_variants(settings.variants)}


def get_variant(name: str, custom: Mapping[str, Variant] | None = None) -> Variant:
    known = {**VARIANTS, **TASK_VARIANTS, **(custom or {})}
    try:
        return known[name]
    except KeyError:
        raise VariantError(f"unknown variant {name!r}; choose one of {', '.join(known)} "
                           "(or define it under [variants.<name>] in ragtune.toml).") from None
