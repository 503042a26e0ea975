"""Documents in, chunks out: loaders, the chunker and content hashes."""

from ragtune.corpus.chunker import chunk_document, make_chunker
from ragtune.corpus.document import Chunk, Document, content_hash
from ragtune.errors import CorpusError, UnreadableDocument
from ragtune.corpus.load import SUPPORTED_SUFFIXES, LoadResult, Skipped, load_corpus, load_file

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Chunk",
    "CorpusError",
    "Document",
    "LoadResult",
    "Skipped",
    "UnreadableDocument",
    "chunk_document",
    "content_hash",
    "load_corpus",
    "load_file",
    "make_chunker",
]
