"""The table version is read from Lance once per write, not once per search: every view of the table sees
each write, and a version read just before a write is never kept after it."""

from __future__ import annotations

from index_fixtures import HashEmbedder, paragraph_chunker

from ragtune.corpus.document import Document
from ragtune.index.store import TableVersion


def test_every_view_sees_each_write_and_its_rows(store):
    writer = store.open("ix", HashEmbedder())
    reader = writer.with_embedder(HashEmbedder())
    before = reader.version
    report = writer.sync([Document("a", "alpha words"), Document("b", "beta words")], paragraph_chunker)
    assert reader.version == writer.version == report.version == int(writer.table.version) > before
    assert reader.vector_snapshot().rows.num_rows == 2
    writer.sync([Document("a", "alpha words")], paragraph_chunker)  # b deleted
    assert reader.version == int(writer.table.version) and reader.vector_snapshot().rows.num_rows == 1
    assert reader.version == reader.version  # unchanged without a write


class WriteDuringRead:
    """A table whose write lands right after it answered `version` (the race a reader can lose)."""

    def __init__(self, versions: TableVersion):
        self.versions, self.current = versions, 1

    @property
    def version(self) -> int:
        answered = self.current
        self.current += 1
        self.versions.wrote()
        return answered


def test_a_version_read_before_a_write_is_not_kept():
    versions = TableVersion()
    table = WriteDuringRead(versions)
    assert versions.read(table) == 1
    assert versions.read(table) == 2  # asked again: the first answer was not cached over the write
