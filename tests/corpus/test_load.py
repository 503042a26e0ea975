"""Loading folders and files: every good document loads, every bad file is reported with its reason."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ragtune.corpus import CorpusError, load_corpus


def _jsonl(*lines) -> str:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"


@pytest.fixture
def messy_folder(tmp_path: Path, make_pdf) -> Path:
    """Good documents of every format next to every kind of broken file."""
    root = tmp_path / "docs"
    (root / "guides" / "deep").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "notes.txt").write_text("Office hours\n\nWe open at nine.\n")
    (root / "guides" / "setup.md").write_text("# Setup guide\n\nPlug it in.\n")
    (root / "guides" / "deep" / "faq.HTML").write_text("<title>FAQ</title><h1>Questions</h1><p>Ask us.</p>")
    (root / "manual.pdf").write_bytes(make_pdf(["Page one.", "Page two."], title="Manual"))
    (root / "records.jsonl").write_text(
        _jsonl(
            {"id": "r1", "text": "First record.", "title": "One", "metadata": {"lang": "en"}},
            "{not json",
            {"id": "r2", "text": "Second record."},
            {"id": "r1", "text": "duplicate id"},
            {"text": "no id"},
            {"id": "r3"},
            {"id": "r4", "text": "   "},
            {"id": "r5", "text": "x", "metadata": [1]},
            "",
            {"id": "notes.txt", "text": "clashes with the file id"},
        )
    )
    (root / "broken.pdf").write_bytes(make_pdf(["Truncated."])[:600])
    (root / "scanned.pdf").write_bytes(make_pdf([""]))
    (root / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00")
    (root / "empty.md").write_text("  \n\t\n")
    (root / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (root / "huge.txt").write_text("big " * 1000)
    (root / "dangling.md").symlink_to(root / "missing-target.md")
    (root / "picture.png").write_bytes(b"\x89PNG")
    (root / ".git" / "HEAD.txt").write_text("hidden, never read")
    (root / ".hidden.md").write_text("hidden, never read")
    return root


def test_folder_loads_good_documents_and_reports_each_bad_file(messy_folder: Path):
    result = load_corpus(messy_folder, max_file_bytes=2000)
    ids = [d.id for d in result.documents]
    assert ids == ["guides/deep/faq.HTML", "guides/setup.md", "manual.pdf", "notes.txt", "r1", "r2"]
    reasons = {s.path: s.reason for s in result.skipped}
    expected = {
        "binary.txt": "binary file (NUL byte at offset 7)",
        "broken.pdf": "not a valid PDF",
        "dangling.md": "dangling symlink",
        "empty.md": "empty file",
        "huge.txt": "file too large: 4,000 bytes > limit 2,000 bytes",
        "latin1.txt": "invalid UTF-8 at byte offset 3",
        "records.jsonl:2": "malformed JSON",
        "records.jsonl:4": "duplicate id 'r1' (first on line 1)",
        "records.jsonl:5": 'missing "id"',
        "records.jsonl:6": 'missing "text"',
        "records.jsonl:7": 'empty "text"',
        "records.jsonl:8": '"metadata" must be an object',
        "records.jsonl": "duplicate document id 'notes.txt' (already loaded from notes.txt)",
        "scanned.pdf": "no extractable text",
    }
    assert set(reasons) == set(expected)
    for path, reason in expected.items():
        assert reason in reasons[path], (path, reasons[path])
    assert result.ignored == ["picture.png"]


def test_documents_carry_metadata_titles_and_page_starts(messy_folder: Path):
    docs = {d.id: d for d in load_corpus(messy_folder).documents}
    assert docs["notes.txt"].metadata == {"path": "notes.txt", "source": "txt"}
    assert docs["notes.txt"].title == "Office hours"
    assert docs["guides/setup.md"].title == "Setup guide"
    assert docs["guides/deep/faq.HTML"].metadata["source"] == "html"
    assert docs["guides/deep/faq.HTML"].text == "# Questions\n\nAsk us."
    pdf = docs["manual.pdf"]
    assert pdf.title == "Manual" and pdf.metadata["source"] == "pdf"
    assert len(pdf.page_starts) == 2 and pdf.text[pdf.page_starts[1] :].startswith("Page two.")
    r1 = docs["r1"]
    assert (r1.title, r1.text) == ("One", "First record.")
    assert r1.metadata == {"lang": "en", "path": "records.jsonl", "source": "jsonl"}


def test_loading_is_deterministic_and_hashes_are_stable(messy_folder: Path):
    first, second = load_corpus(messy_folder), load_corpus(messy_folder)
    assert [(d.id, d.hash) for d in first.documents] == [(d.id, d.hash) for d in second.documents]
    assert first.skipped == second.skipped


def test_single_files_load_by_name(tmp_path: Path):
    md = tmp_path / "only.md"
    md.write_text("# Only\n\ntext")
    assert [d.id for d in load_corpus(md).documents] == ["only.md"]
    jl = tmp_path / "set.jsonl"
    jl.write_text(_jsonl({"id": 7, "text": "seven"}, {"id": "b", "text": "bee"}))
    result = load_corpus(jl)
    assert [d.id for d in result.documents] == ["7", "b"] and not result.skipped


def test_missing_path_and_unsupported_file_raise_corpus_error(tmp_path: Path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    docx = tmp_path / "report.docx"
    docx.write_bytes(b"PK")
    with pytest.raises(CorpusError, match="unsupported file type"):
        load_corpus(docx)


def test_special_files_and_symlink_loops_do_not_hang(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "doc.txt").write_text("hello")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")  # a cycle: must be walked once
    os.mkfifo(tmp_path / "pipe.txt")  # reading a FIFO would block forever
    (tmp_path / "folder.md").mkdir()  # a folder named like a file is walked, not read
    (tmp_path / "folder.md" / "inside.md").write_text("inside")
    result = load_corpus(tmp_path)
    assert [d.id for d in result.documents] == ["a/doc.txt", "folder.md/inside.md"]
    assert [(s.path, s.reason) for s in result.skipped] == [("pipe.txt", "not a regular file (a pipe, device or socket)")]


def test_jsonl_binary_and_unreadable_lines(tmp_path: Path):
    (tmp_path / "bin.jsonl").write_bytes(b'{"id": "a"}\x00\x00')
    (tmp_path / "mixed.jsonl").write_bytes(b'{"id": "ok", "text": "fine"}\n{"id": "bad", "text": "\xff"}\n[]\n')
    result = load_corpus(tmp_path)
    assert [d.id for d in result.documents] == ["ok"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert "binary file" in reasons["bin.jsonl"]
    assert "invalid UTF-8 at byte 23 of the line" in reasons["mixed.jsonl:2"]
    assert "not an object" in reasons["mixed.jsonl:3"]
