"""Load a folder (recursively) or one file into `Document`s; every bad file is reported, none stops the load.

Ids are stable across runs and machines: the path relative to the given root with `/` separators,
or the `id` of a JSONL line. Order is deterministic (sorted by relative path, then line).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ragtune.corpus.document import Document
from ragtune.errors import CorpusError, UnreadableDocument
from ragtune.corpus.encoding import UTF8
from ragtune.corpus.formats import READERS
from ragtune.corpus.jsonl import read_jsonl

SUPPORTED_SUFFIXES = (*READERS, ".jsonl")
DEFAULT_MAX_FILE_BYTES = 50_000_000


@dataclass(frozen=True)
class Skipped:
    """A file (or `file:line` of a JSONL file) that was not loaded, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class LoadResult:
    """The documents loaded, the files skipped with reasons, files ignored for their extension, and the files
    not read as UTF-8 with the encoding each was read as (detected ones may be wrong: the user checks them)."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RawFile:
    """A file's bytes as read here, or why they could not be read: what a parser needs, on any machine."""

    rel: str
    suffix: str
    data: bytes = b""
    error: str = ""


@dataclass(frozen=True)
class FileLoad:
    """What one file gave: its documents, what was skipped with reasons, and the encoding it was read as."""

    rel: str
    documents: list[Document]
    skipped: list[Skipped]
    encoding: str = UTF8


Parse = Callable[[Iterable[RawFile]], Iterable[FileLoad]]  # files in order -> what each gave, in the same order


def load_corpus(path: str | os.PathLike[str], *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
                parse: Parse | None = None) -> LoadResult:
    """Load every supported file under `path` (or the one file `path`); hidden files and folders are skipped.

    Files are read here and parsed by `parse` (default: here, one at a time); an engine elsewhere (Ray
    tasks) parses the bytes it is given, so its workers need no access to this file system.
    """
    root = Path(path)
    if root.is_dir():
        files, ignored, skipped = _walk(root)
    elif root.exists() or root.is_symlink():
        if root.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise CorpusError(f"{root}: unsupported file type; give a folder or a {'/'.join(SUPPORTED_SUFFIXES)} file")
        files, ignored, skipped = [(root, root.name)], [], []
    else:
        raise CorpusError(f"{root} does not exist: give a folder of documents or one document file")
    documents: list[Document] = []
    loaded_from: dict[str, str] = {}
    encodings: dict[str, str] = {}
    raw = (read_file(file, rel, max_file_bytes) for file, rel in files)
    for loaded in (parse or parse_files)(raw):
        skipped.extend(loaded.skipped)
        if loaded.encoding != UTF8:
            encodings[loaded.rel] = loaded.encoding
        for doc in loaded.documents:
            if doc.id in loaded_from:
                skipped.append(Skipped(loaded.rel, f"duplicate document id {doc.id!r} (already loaded from "
                                                   f"{loaded_from[doc.id]})"))
                continue
            loaded_from[doc.id] = loaded.rel
            documents.append(doc)
    return LoadResult(documents, skipped, ignored, encodings)


def load_file(file: str | os.PathLike[str], rel: str, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadResult:
    """One file's documents with ids as if it sat at `rel` under the loaded folder (the server stages an
    upload elsewhere before it takes that place); an unreadable file comes back as skipped."""
    loaded = parse_file(read_file(Path(file), rel, max_file_bytes))
    encodings = {} if loaded.encoding == UTF8 else {rel: loaded.encoding}
    return LoadResult(loaded.documents, loaded.skipped, [], encodings)


def read_file(file: Path, rel: str, max_bytes: int) -> RawFile:
    """The bytes of `file`, or why they cannot be read (a reason the load reports as skipped)."""
    try:
        return RawFile(rel, file.suffix.lower(), _read_bytes(file, max_bytes))
    except UnreadableDocument as e:
        return RawFile(rel, file.suffix.lower(), error=str(e))
    except Exception as e:  # a bug must not cost the user the other files
        return RawFile(rel, file.suffix.lower(), error=_unexpected(e))


def parse_files(raw: Iterable[RawFile]) -> Iterator[FileLoad]:
    """The local parse: one file at a time, in order, so only one file's bytes are held at once."""
    return (parse_file(r) for r in raw)


def parse_file(raw: RawFile) -> FileLoad:
    """One file's documents, and what was skipped with reasons (the whole file, or lines of a JSONL file)."""
    skipped: list[Skipped] = []
    try:
        if raw.error:
            raise UnreadableDocument(raw.error)
        documents, encoding = _parse(raw, skipped)
        return FileLoad(raw.rel, documents, skipped, encoding)
    except UnreadableDocument as e:
        return FileLoad(raw.rel, [], [*skipped, Skipped(raw.rel, str(e))])
    except Exception as e:  # a reader bug must not cost the user the other files
        return FileLoad(raw.rel, [], [*skipped, Skipped(raw.rel, _unexpected(e))])


def _unexpected(e: Exception) -> str:
    return f"unexpected error ({type(e).__name__}: {e}); please report this file"


def _parse(raw: RawFile, skipped: list[Skipped]) -> tuple[list[Document], str]:
    """The file's documents and the encoding it was read as."""
    rel, data = raw.rel, raw.data
    if not data.strip():
        raise UnreadableDocument("empty file (no text)")
    if raw.suffix == ".jsonl":
        docs, problems, encoding = read_jsonl(data, rel)
        skipped.extend(Skipped(f"{rel}:{line}", reason) for line, reason in problems)
        return docs, encoding
    source, reader = READERS[raw.suffix]
    parsed = reader(data, Path(rel).stem)
    metadata = {"path": rel, "source": source}
    doc = Document(id=rel, text=parsed.text, title=parsed.title, metadata=metadata, page_starts=parsed.page_starts)
    return [doc], parsed.encoding


def _read_bytes(file: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most `max_bytes`; pipes and devices are refused (reading one could block)."""
    try:
        st = os.stat(file)
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableDocument("not a regular file (a pipe, device or socket)")
        if st.st_size > max_bytes:
            raise UnreadableDocument(_too_large(st.st_size, max_bytes))
        with open(file, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        if file.is_symlink() and not file.exists():
            raise UnreadableDocument("dangling symlink (its target does not exist)") from None
        raise UnreadableDocument(f"cannot read file: {e.strerror or e}") from None
    if len(data) > max_bytes:
        raise UnreadableDocument(_too_large(len(data), max_bytes))
    return data


def _too_large(size: int, limit: int) -> str:
    return f"file too large: {size:,} bytes > limit {limit:,} bytes; split it or raise max_file_bytes"


def inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether `path`, its links resolved, lies in the folder `root` (itself resolved)."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _walk(root: Path) -> tuple[list[tuple[Path, str]], list[str], list[Skipped]]:
    """Supported files (path, relative posix path) sorted, ignored files, unreadable folders and links.

    Nothing outside `root` is ever read: a symbolic link (to a file or a folder) whose target lies outside it is
    skipped and reported; one inside it is followed, each folder once (a link cycle cannot loop).
    """
    root_real = os.path.realpath(root)
    files: list[tuple[Path, str]] = []
    ignored: list[str] = []
    skipped: list[Skipped] = []
    visited: set[str] = set()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        real = os.path.realpath(folder)
        if real in visited:
            continue
        visited.add(real)
        try:
            entries = list(os.scandir(folder))
        except OSError as e:
            skipped.append(Skipped(prefix or ".", f"cannot read folder: {e.strerror or e}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            if entry.is_symlink() and not inside(entry.path, root_real):
                skipped.append(Skipped(rel, "a symbolic link to a place outside the documents folder: not followed"))
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks (inside the folder)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append((Path(entry.path), rel + "/"))
            elif os.path.splitext(entry.name)[1].lower() in SUPPORTED_SUFFIXES:
                files.append((Path(entry.path), rel))
            else:
                ignored.append(rel)
    files.sort(key=lambda f: f[1])
    ignored.sort()
    return files, ignored, skipped
