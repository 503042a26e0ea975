"""ragtune: RAG, fine-tuning or both, measured on your own documents.

The public API, as the README's Python example uses it::

    from ragtune import Project, answerer
    proj = Project("myproj")
    proj.ingest("docs/")
    print(answerer(proj, "rag").answer(["How long is the warranty?"])[0].text)

Names load on first use (PEP 562), so `import ragtune` stays cheap: the index and the models pull in
LanceDB and torch, which the CLI's `--help` should not wait for.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_EXPORTS = {
    "Project": "ragtune.project",
    "IngestReport": "ragtune.project",
    "load_settings": "ragtune.config",
    "Settings": "ragtune.config",
    "load_corpus": "ragtune.corpus",
    "Document": "ragtune.corpus",
    "Chunk": "ragtune.corpus",
    "Answer": "ragtune.answer",
    "Citation": "ragtune.answer",
    "Hit": "ragtune.retrieve",
    "Variant": "ragtune.variants",
    "Answerer": "ragtune.variants",
    "answerer": "ragtune.variants",
    "answerers": "ragtune.variants",
    "available_variants": "ragtune.variants",
    "Question": "ragtune.questions",
    "load_questions": "ragtune.questions",
    "evaluate": "ragtune.evaluate.session",
    "summarize_run": "ragtune.evaluate.session",
    "Estimate": "ragtune.evaluate.stats",
    "ResultRecord": "ragtune.evaluate.results",
    "Summary": "ragtune.evaluate.results",
    "VariantSummary": "ragtune.evaluate.results",
    "Manifest": "ragtune.evaluate.results",
    "read_results": "ragtune.evaluate.results",
    "read_summary": "ragtune.evaluate.results",
    "RagtuneError": "ragtune.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]

if TYPE_CHECKING:  # the names above, for type checkers and editors
    from ragtune.answer import Answer, Citation  # noqa: F401
    from ragtune.config import Settings, load_settings  # noqa: F401
    from ragtune.corpus import Chunk, Document, load_corpus  # noqa: F401
    from ragtune.errors import RagtuneError  # noqa: F401
    from ragtune.evaluate.session import evaluate, summarize_run  # noqa: F401
    from ragtune.evaluate.results import (Manifest, ResultRecord, Summary, VariantSummary,  # noqa: F401
                                          read_results, read_summary)
    from ragtune.evaluate.stats import Estimate  # noqa: F401
    from ragtune.project import IngestReport, Project  # noqa: F401
    from ragtune.questions import Question, load_questions  # noqa: F401
    from ragtune.retrieve import Hit  # noqa: F401
    from ragtune.variants import Answerer, Variant, answerer, answerers, available_variants  # noqa: F401


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ragtune' has no attribute {name!r}")
