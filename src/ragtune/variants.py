"""A variant = which weights answer (base model or a trained adapter) + whether passages are retrieved.

The standard set compared everywhere in ragtune:

| variant | weights | retrieval |
|---|---|---|
| base   | base model                    | no  |
| rag    | base model                    | yes |
| ft     | adapter of the newest `ft` run   | no  |
| ft+rag | adapter of the newest `ft` run   | yes |
| raft   | adapter of the newest `raft` run | yes |

All of them answer through `ragtune.answer.answer_question`, so the prompt differs only by the passages.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    name: str
    adapter_kind: str | None  # None: the base model; else the kind of training run whose adapter it uses
    retrieval: bool


VARIANTS: dict[str, Variant] = {v.name: v for v in (
    Variant("base", None, False),
    Variant("rag", None, True),
    Variant("ft", "ft", False),
    Variant("ft+rag", "ft", True),
    Variant("raft", "raft", True),
)}


class VariantError(ValueError):
    """An unknown variant name."""


def get_variant(name: str) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise VariantError(f"unknown variant {name!r}; choose one of {', '.join(VARIANTS)}.") from None
