"""Variants: the one seam that answers. A variant (`spec.Variant`, data) resolves over a project to an
`Answerer` (`resolve.answerer`), which `ragtune ask`, the evaluation runner and the server call.

- `spec.py`: what a variant is made of; the standard set and the `[variants.<name>]` of ragtune.toml;
- `answerer.py`: `Answerer.answer(questions) -> list[Answer]`, multiple choice, `describe()`;
- `resolve.py`: a name -> an Answerer (adapter run, generator, search); which variants a project can run.
"""

from ragtune.variants.answerer import Answerer, Search
from ragtune.variants.resolve import adapter_dir, answerer, answerers, available_variants, search_with, variant
from ragtune.variants.spec import ADAPTER_KINDS, VARIANTS, Variant, custom_variants, get_variant, project_variants

__all__ = ["ADAPTER_KINDS", "Answerer", "Search", "VARIANTS", "Variant", "adapter_dir", "answerer", "answerers",
           "available_variants", "custom_variants", "get_variant", "project_variants", "search_with", "variant"]
