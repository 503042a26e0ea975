"""The documents behind /v1/documents: files in one folder, each write synced into the index before it is
acknowledged, one writer at a time.

The folder is the truth and the index follows it, as with `ragtune ingest FOLDER`. A write goes in this
order, so a kill at any point leaves the index equal to a clean rebuild of the acknowledged documents
once the server starts again (`recover` syncs the index to the folder):
1. the upload is staged under `.ragtune-pending/` (hidden: the loader never reads it) and parsed there; a
   file that cannot be read is refused and nothing changes;
2. the index is synced to the folder's documents with the new one in place (Lance commits a document's
   rows whole, so a reader sees the old version or the new one, never a mix);
3. the staged file replaces the old one (an atomic rename), and only then is the write acknowledged.
A delete syncs the index without the document, then removes the file.

The writer embeds with its own copy of the embedder and writes through its own view of the same table,
so questions keep being answered while it embeds, and see each commit as soon as it is made. The
fine-tuned retriever's index (`rag-ftr`), where there is one, is synced with the same documents before the
write is acknowledged. After each write the readers' in-memory copy and BM25 index of the new version are
built in the background (0.9 s at 9k chunks), so the next question does not wait for them.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ragtune.corpus import SUPPORTED_SUFFIXES, Document, load_corpus, load_file
from ragtune.corpus.load import inside
from ragtune.errors import DocumentError, DocumentNotFound
from ragtune.index import ChunkIndex, SyncReport
from ragtune.models import Embedder
from ragtune.project import Project
from ragtune.retrieve.bm25 import prepare

PENDING = ".ragtune-pending"
MAX_ID_CHARS = 512


@dataclass(frozen=True)
class Written:
    """An acknowledged write: the document, what the sync did, the index version that holds it, and the
    encoding an upload was read as (`ragtune.corpus.encoding`: UTF-8, else detected)."""

    id: str
    action: str  # added | changed | unchanged | deleted
    index_version: int
    chunks: int
    seconds: float
    encoding: str = "utf-8"


MAX_PART_BYTES = 255  # NAME_MAX of ext4, XFS, btrfs, APFS and NTFS (in their units): one file or folder name


def checked_id(doc_id: str) -> tuple[str, ...]:
    """The id's path parts, or a DocumentError: relative, `/`-separated, no `..`, no hidden part, a
    supported extension (a file name can never leave the folder)."""
    parts = tuple(doc_id.split("/"))
    problem = (
        "is empty" if not doc_id else
        f"is over {MAX_ID_CHARS} characters" if len(doc_id) > MAX_ID_CHARS else
        "holds a control character or a backslash" if any(c < " " or c == "\\" for c in doc_id) else
        "is an absolute path" if doc_id.startswith("/") or ":" in parts[0] else
        "has an empty, `.` or `..` part" if any(p in ("", ".", "..") for p in parts) else
        "has a hidden part (starting with `.`)" if any(p.startswith(".") for p in parts) else
        f"has a part over {MAX_PART_BYTES} bytes (the file system's limit for a name)"
        if any(len(p.encode("utf-8")) > MAX_PART_BYTES for p in parts) else
        f"must end with one of {', '.join(SUPPORTED_SUFFIXES)}"
        if os.path.splitext(parts[-1])[1].lower() not in SUPPORTED_SUFFIXES else ""
    )
    if problem:
        raise DocumentError(f"document id {doc_id[:80]!r} {problem}; use a relative path such as notes/faq.md.")
    return parts


def target_path(folder: Path, doc_id: str) -> Path:
    """Where the document `doc_id` lives under `folder`; no symlink on the way, nothing outside the folder."""
    parts = checked_id(doc_id)
    for n in range(1, len(parts) + 1):
        if folder.joinpath(*parts[:n]).is_symlink():
            raise DocumentError(f"document id {doc_id!r} goes through a symbolic link; the server writes real "
                                "files in its documents folder only.")
    path = folder.joinpath(*parts)
    if not os.path.realpath(path).startswith(os.path.realpath(folder) + os.sep):
        raise DocumentError(f"document id {doc_id!r} is outside the documents folder.")
    return path


class DocumentStore:
    """The documents folder and the index kept equal to it; `put` and `delete` return once the index holds
    the change (read-your-writes: a question asked after the response is answered from it)."""

    def __init__(self, proj: Project, folder: Path, embedder: Embedder):
        self.folder = Path(folder).resolve()
        self.index: ChunkIndex = proj.index.with_embedder(embedder)  # the same table, the writer's embedder
        self.chunker = proj.chunker(embedder)
        self.lock = threading.Lock()
        ftr = proj.active_retriever_index()  # the fine-tuned retriever's index, written with its own copy too
        self.retriever_index = None if ftr is None else ftr.with_embedder(proj.retriever_embedder(ftr.path.parent.name))
        self.readers = [proj.index] + ([ftr] if ftr is not None else [])
        self.lexical = proj.settings.retrieval.retriever != "dense"
        self.preparing: threading.Thread | None = None  # the latest build of the readers' caches

    def recover(self) -> SyncReport:
        """At start: drop what a killed write left staged, and sync the index to the folder."""
        with self.lock, self.index.writing():
            shutil.rmtree(self.folder / PENDING, ignore_errors=True)
            return self._sync(load_corpus(self.folder).documents)

    def list(self) -> list[dict]:
        """Each supported file in the folder: id, size, modification time and the chunks the index holds."""
        counts = Counter(self.index.scan(["doc_id"]).column("doc_id").to_pylist())
        found = []
        for dirpath, dirnames, filenames in os.walk(self.folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in filenames:
                if name.startswith(".") or os.path.splitext(name)[1].lower() not in SUPPORTED_SUFFIXES:
                    continue
                path = Path(dirpath) / name
                if not inside(path, self.folder):
                    continue  # a link out of the folder: never read, never listed (corpus.load does the same)
                doc_id = path.relative_to(self.folder).as_posix()
                st = path.stat()
                found.append({"id": doc_id, "bytes": st.st_size, "modified": st.st_mtime,
                              "chunks": counts.get(doc_id, 0)})
        return sorted(found, key=lambda d: d["id"])

    def put(self, doc_id: str, data: bytes) -> Written:
        """Add or replace the document `doc_id` (any supported format) and sync it into the index."""
        start = time.perf_counter()
        target = target_path(self.folder, doc_id)
        with self.lock, self.index.writing():  # no other writer (a CLI ingest) between the sync and the move
            staged = self.folder / PENDING / doc_id
            staged.parent.mkdir(parents=True, exist_ok=True)
            try:
                _write_synced(staged, data)
                new = load_file(staged, doc_id)
                if new.skipped or not new.documents:
                    reason = new.skipped[0].reason if new.skipped else "no documents in it"
                    raise DocumentError(f"{doc_id}: cannot read it ({reason}); nothing was changed.")
                report = self._sync_without(doc_id, new.documents)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staged, target)
                _sync_folder(target.parent)
            finally:
                staged.unlink(missing_ok=True)
        new_ids = {d.id for d in new.documents}
        action = ("added" if set(report.added) & new_ids else "changed" if set(report.changed) & new_ids
                  else "unchanged")
        chunks = sum(1 for d in self.index.scan(["doc_id"]).column("doc_id").to_pylist() if d in new_ids)
        return Written(doc_id, action, report.version, chunks, time.perf_counter() - start,
                       new.encodings.get(doc_id, "utf-8"))

    def delete(self, doc_id: str) -> Written:
        """Remove the document `doc_id` from the index, then from the folder."""
        start = time.perf_counter()
        target = target_path(self.folder, doc_id)
        with self.lock, self.index.writing():
            if not target.is_file():
                raise DocumentNotFound(f"no document {doc_id!r}; GET /v1/documents lists them.")
            report = self._sync_without(doc_id, [])
            target.unlink()
            _sync_folder(target.parent)
            _remove_empty_parents(target.parent, self.folder)
        return Written(doc_id, "deleted", report.version, 0, time.perf_counter() - start)

    def _sync_without(self, doc_id: str, new_docs: list[Document]) -> SyncReport:
        """Sync the index to the folder's documents, those of the file `doc_id` replaced by `new_docs` (every
        document records the file it came from: a JSONL file holds several)."""
        docs = [d for d in load_corpus(self.folder).documents if d.metadata.get("path") != doc_id]
        return self._sync(docs + list(new_docs))

    def _sync(self, docs: list[Document]) -> SyncReport:
        report = self.index.sync(docs, self.chunker)
        if self.retriever_index is not None:
            self.retriever_index.sync(docs, self.chunker)
        self.preparing = threading.Thread(target=self._prepare_readers, name="ragtune-prepare", daemon=True)
        self.preparing.start()
        return report

    def _prepare_readers(self) -> None:
        for index in self.readers:
            try:
                prepare(index, lexical=self.lexical)
            except Exception:  # noqa: BLE001 - a reader that needs it builds it again, and reports its own error
                pass


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _sync_folder(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable (POSIX; a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
