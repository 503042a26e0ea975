"""The exception types of `ragtune.index`; their messages say what to do next."""


class ChunkIndexError(Exception):
    """Something is wrong with the index on disk."""


class IndexMismatchError(ChunkIndexError):
    """The index on disk was built with another embedder or chunking than the one in use."""


class CorruptIndexError(ChunkIndexError):
    """The directory holds a table ragtune cannot read (not made by ragtune, or an incompatible format)."""
