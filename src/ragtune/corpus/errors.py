"""The exception types of `ragtune.corpus`; their messages say what to do next."""


class CorpusError(Exception):
    """The corpus as a whole cannot be loaded (missing path, unsupported file named directly)."""


class UnreadableDocument(CorpusError):
    """One file cannot become a document; the loader reports it as skipped with this message as reason."""
