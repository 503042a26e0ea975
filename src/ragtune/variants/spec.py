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

Users add their own in `ragtune.toml` (`[variants.rag-bm25-k3]`: adapter, retriever, top_k, system_prompt).
All of them answer through `ragtune.answer.answer_questions`, so the prompt differs only by the passages
unless a variant sets its own system prompt. A new kind of variant (few-shot examples in the prompt, a
remote endpoint serving an adapter) is a new field here and its use in `ragtune/variants/answerer.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from ragtune.errors import VariantError
from ragtune.config import Settings, VariantSettings

ADAPTER_KINDS = ("ft", "raft")


@dataclass(frozen=True)
class Variant:
    name: str
    adapter: str | None = None  # None: base weights; "ft"/"raft": the newest finished run of that kind; else a run id
    retriever: str | None = None  # None: closed book; "default": the project's [retrieval] retriever; dense|bm25|hybrid
    top_k: int | None = None  # None: the project's [retrieval] top_k
    system_prompt: str = ""  # "" = ragtune's prompt

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
)}



def custom_variants(settings: Mapping[str, VariantSettings]) -> dict[str, Variant]:
    """The `[variants.*]` of ragtune.toml as variants; a name may not redefine a standard one."""
    out = {}
    for name, s in settings.items():
        if name in VARIANTS:
            raise VariantError(f"[variants.{name}] redefines a standard variant; give it another name.")
        if "," in name or not name.strip():
            raise VariantError(f"[variants.{name!r}]: a variant name may not be empty or contain a comma.")
        retriever = None if s.retriever == "none" else s.retriever
        if retriever is None and s.top_k is not None:
            raise VariantError(f"[variants.{name}] sets top_k without retrieval; set retriever too.")
        out[name] = Variant(name, None if s.adapter == "none" else s.adapter, retriever, s.top_k, s.system_prompt)
    return out


def project_variants(settings: Settings) -> dict[str, Variant]:
    """The standard variants plus the project's own `[variants.<name>]` from ragtune.toml."""
    return {**VARIANTS, **custom_variants(settings.variants)}


def get_variant(name: str, custom: Mapping[str, Variant] | None = None) -> Variant:
    known = {**VARIANTS, **(custom or {})}
    try:
        return known[name]
    except KeyError:
        raise VariantError(f"unknown variant {name!r}; choose one of {', '.join(known)} "
                           "(or define it under [variants.<name>] in ragtune.toml).") from None
