"""Every error ragtune raises for the user, in one hierarchy (as httpx's `_exceptions.py`).

Each message says what to do next. The CLI catches `RagtuneError` once, prints the message and exits
with code 2; a notebook can catch one type too. Subclasses that were `ValueError`s keep that base so
callers that caught `ValueError` still do.
"""

from __future__ import annotations


class RagtuneError(Exception):
    """Base of every user-facing ragtune error; the message names the fix."""


class ConfigError(RagtuneError):
    """The project file is missing or invalid; the message says how to fix it."""


class CorpusError(RagtuneError):
    """The corpus as a whole cannot be loaded (missing path, unsupported file named directly)."""


class UnreadableDocument(CorpusError):
    """One file cannot become a document; the loader reports it as skipped with this message as reason."""


class ModelError(RagtuneError):
    """A model could not be found, loaded or reached."""


class ChunkIndexError(RagtuneError):
    """Something is wrong with the index on disk."""


class IndexMismatchError(ChunkIndexError):
    """The index on disk was built with another embedder or chunking than the one in use."""


class IndexLockedError(ChunkIndexError):
    """Another writer holds the index's writer lock past the wait (`ragtune.index.lock`)."""


class CorruptIndexError(ChunkIndexError):
    """The directory holds a table ragtune cannot read (not made by ragtune, or an incompatible format)."""


class DuplicateDocumentError(RagtuneError, ValueError):
    """Two documents share an id; ids must be unique (the relative path, or the JSONL `id`)."""


class RetrievalError(RagtuneError, ValueError):
    """A retrieval request that cannot be served as asked (an unknown retriever, top_k below 1)."""


class FilterError(RetrievalError):
    """A filter string that cannot be parsed; the message shows the accepted forms."""


class QuestionsError(RagtuneError, ValueError):
    """The questions file cannot be read; the message names the line and the fix."""


class TaskError(RagtuneError, ValueError):
    """The task examples or the behaviour spec cannot be read; the message names the line or key and the fix."""


class VariantError(RagtuneError, ValueError):
    """An unknown or badly defined variant, or one this project cannot run yet."""


class ProjectError(RagtuneError):
    """A request the project cannot serve as asked (an empty index, a remote model where weights are needed)."""


class SynthError(RagtuneError):
    """Training data could not be built, read or written."""


class TuneError(RagtuneError):
    """Training data, configuration or a checkpoint is unusable."""


class RunError(RagtuneError, ValueError):
    """A run folder that is missing, unreadable or was started with other inputs than a resume asks for."""


class EvalError(RunError):
    """An evaluation run cannot continue as asked."""


class DecisionError(RagtuneError, ValueError):
    """A missing or unusable run, or a constraint that makes no sense (e.g. `--updates sometimes`)."""


class ReportError(RagtuneError):
    """A run the report cannot be built from as asked (missing folder, no summary.json, ...)."""


class DemoError(RagtuneError):
    """The demo cannot run as asked."""


class DocumentError(RagtuneError, ValueError):
    """A document write that cannot be done as asked (a bad id, an unreadable file); nothing was changed."""


class DocumentNotFound(DocumentError):
    """No document with that id in the served documents folder."""


class EngineError(RagtuneError):
    """An ingest engine that cannot run as asked (an unknown name, Ray not installed or not reachable)."""
