"""The chunker: hard token cap on any input, nothing dropped, overlap, boundaries, table headers, metadata."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ragtune.corpus import Document, chunk_document, make_chunker

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _is_covered(doc_text: str, chunks) -> bool:
    """The document's non-whitespace characters, in order, are a subsequence of the chunks' (nothing dropped)."""
    wanted = [c for c in doc_text if not c.isspace()]
    k = 0
    for chunk in chunks:
        for c in chunk.text:
            if k < len(wanted) and c == wanted[k]:
                k += 1
    return k == len(wanted)


def _unique_words(n: int, rng: random.Random) -> list[str]:
    return [f"w{i}{rng.choice('abcdefgh')}" for i in range(n)]


pieces = st.one_of(
    st.text(max_size=200),  # any unicode, incl. combining marks, emoji, control characters
    st.text(alphabet="!?.", min_size=50, max_size=400),  # punctuation runs: one token per character, no spaces
    st.text(alphabet="abcxyz", min_size=50, max_size=400),  # long words without spaces
    st.text(alphabet="日本語中文한국어", min_size=10, max_size=300),  # CJK: no spaces, a token per character
    st.sampled_from(["\n\n", "\n", " ", "# Heading\n", "| a | b |\n| --- | --- |\n| 1 | 2 |\n", ". "]),
)


@FAST
@given(parts=st.lists(pieces, max_size=12), max_tokens=st.integers(16, 80), overlap=st.integers(0, 20))
def test_hard_cap_holds_and_no_text_is_dropped(count_tokens, count_batch, parts, max_tokens, overlap):
    doc = Document("d", "".join(parts))
    chunks = chunk_document(doc, count_tokens, max_tokens, overlap, count_tokens_batch=count_batch)
    assert all(count_tokens(c.text) <= max_tokens for c in chunks)
    assert all(c.text.strip() for c in chunks)
    assert _is_covered(doc.text, chunks)
    assert [c.id for c in chunks] == [f"d#{i}" for i in range(len(chunks))]


@FAST
@given(text=st.text(alphabet=st.sampled_from("ab cd\n.é"), max_size=600), max_tokens=st.integers(10, 40))
def test_hard_cap_holds_when_joined_text_costs_more_than_its_pieces(text, max_tokens):
    """A counter where a chunk costs more than its pieces (quadratic), so packing by sums overshoots."""
    quadratic = lambda t: len(t) ** 2 // 20  # noqa: E731
    chunks = chunk_document(Document("q", text), quadratic, max_tokens, 4)
    assert all(quadratic(c.text) <= max_tokens for c in chunks)
    assert _is_covered(text, chunks)


@pytest.fixture
def prose() -> Document:
    """Paragraphs of sentences of unique words, with a few headings: every chunk's place in the text is unique."""
    rng = random.Random(7)
    words = iter(_unique_words(3000, rng))
    blocks = []
    for p in range(30):
        if p % 7 == 0:
            blocks.append(f"## Part {p}")
        sentences = [" ".join(next(words) for _ in range(rng.randint(4, 14))) + "." for _ in range(rng.randint(1, 6))]
        blocks.append(" ".join(sentences))
    return Document("prose.md", "\n\n".join(blocks), "Prose", {"path": "prose.md", "source": "md"})


def test_overlap_repeats_the_tail_of_the_previous_chunk(prose, count_tokens, count_batch):
    # sentences are at most ~45 tokens, so there is always room for the overlap next to the first one
    chunks = chunk_document(prose, count_tokens, 96, 16, count_tokens_batch=count_batch)
    assert len(chunks) > 10
    starts = [prose.text.index(c.text) for c in chunks]  # unique words: each chunk is found exactly once
    covered = set()
    for s, c in zip(starts, chunks):
        covered.update(range(s, s + len(c.text)))
    assert all(i in covered for i, ch in enumerate(prose.text) if not ch.isspace())
    overlapping = 0
    for prev_start, prev, start, chunk in zip(starts, chunks, starts[1:], chunks[1:]):
        assert start > prev_start  # progress
        if chunk.text.startswith("## "):
            assert start >= prev_start + len(prev.text)  # a new section starts fresh, without overlap
            continue
        shared = prev_start + len(prev.text) - start
        assert shared > 0, "overlap missing"
        assert 0 < count_tokens(prose.text[start : start + shared]) <= 2 * 16
        overlapping += 1
    assert overlapping >= len(chunks) - 6  # all but those starting the five sections (and the first)


def test_no_overlap_when_overlap_is_zero(prose, count_tokens):
    chunks = chunk_document(prose, count_tokens, 64, 0)
    joined = " ".join(c.text for c in chunks).split()
    assert joined == prose.text.split()


def test_chunks_end_at_paragraph_then_sentence_boundaries(count_tokens):
    rng = random.Random(1)
    words = iter(_unique_words(2000, rng))
    # paragraphs of about 38 tokens, so a paragraph end always falls in the second half of a 100-token chunk
    paragraphs = [" ".join(" ".join(next(words) for _ in range(6)) + "." for _ in range(2)) for _ in range(12)]
    doc = Document("p", "\n\n".join(paragraphs))
    para_chunks = chunk_document(doc, count_tokens, 100, 0)
    assert len(para_chunks) > 2
    assert all(c.text.endswith(tuple(p for p in paragraphs)) for c in para_chunks)
    one_paragraph = Document("s", " ".join(paragraphs))
    sentence_chunks = chunk_document(one_paragraph, count_tokens, 50, 8)
    assert len(sentence_chunks) > 5
    assert all(c.text.endswith(".") for c in sentence_chunks)


def test_split_table_repeats_its_header_rows(count_tokens, count_batch):
    rows = "\n".join(f"| item {i} | {i * 7} EUR | in stock |" for i in range(60))
    text = f"# Prices\n\nIntro sentence.\n\n| Item | Price | Status |\n|:---|---:|---|\n{rows}\n\nAfter the table."
    chunks = chunk_document(Document("t.md", text), count_tokens, 64, 16, count_tokens_batch=count_batch)
    assert len(chunks) > 3
    in_table = [c for c in chunks if "| item " in c.text]
    for chunk in in_table:
        assert chunk.text.count("| Item | Price | Status |\n|:---|---:|---|") == 1
        assert count_tokens(chunk.text) <= 64
        body = [line for line in chunk.text.split("\n") if line.startswith("| item ")]
        assert all(line.endswith("| in stock |") for line in body)  # rows are never cut
    for i in range(60):
        assert any(f"| item {i} | {i * 7} EUR |" in c.text for c in chunks)
    assert all(c.metadata["heading"] == "Prices" for c in chunks)


def test_html_table_split_across_chunks_repeats_its_header(tmp_path, count_tokens):
    from ragtune.corpus import load_corpus

    rows = "".join(f"<tr><td>model {i}</td><td>{i} W</td></tr>" for i in range(40))
    (tmp_path / "t.html").write_text(f"<table><tr><th>Model</th><th>Power</th></tr>{rows}</table>")
    doc = load_corpus(tmp_path).documents[0]
    chunks = chunk_document(doc, count_tokens, 48, 8)
    assert len(chunks) > 2
    assert all(c.text.startswith("| Model | Power |\n| --- | --- |\n") for c in chunks)


def test_heading_and_page_metadata(count_tokens):
    pages = ["# Warranty\n\n" + "Devices are covered. " * 30, "More warranty terms. " * 30, "# Returns\n\n" + "Send it back. " * 30]
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + 2
    doc = Document("m.pdf", "\n\n".join(pages), "Manual", {"path": "m.pdf", "source": "pdf"}, tuple(starts))
    chunks = chunk_document(doc, count_tokens, 40, 8)
    for chunk in chunks:
        start = doc.text.index(chunk.text)
        page = max(i for i, s in enumerate(starts) if s <= start) + 1
        assert chunk.metadata["page"] == page
        assert chunk.metadata["heading"] == ("Returns" if page == 3 else "Warranty")
        assert chunk.metadata["path"] == "m.pdf" and chunk.title == "Manual" and chunk.doc_id == "m.pdf"
    assert {c.metadata["page"] for c in chunks} == {1, 2, 3}
    plain = chunk_document(Document("x.txt", "no heading here"), count_tokens)
    assert "heading" not in plain[0].metadata and "page" not in plain[0].metadata


def test_headings_inside_code_fences_are_not_headings(count_tokens):
    doc = Document("c.md", "# Real\n\n```\n# comment in code\nx = 1\n```\n\nafter")
    assert {c.metadata["heading"] for c in chunk_document(doc, count_tokens, 16, 0)} == {"Real"}


def test_empty_document_has_no_chunks_and_bad_limits_are_refused(count_tokens):
    assert chunk_document(Document("e", " \n\n\t "), count_tokens) == []
    with pytest.raises(ValueError, match="max_tokens"):
        chunk_document(Document("d", "x"), count_tokens, max_tokens=0)
    with pytest.raises(ValueError, match="overlap"):
        chunk_document(Document("d", "x"), count_tokens, overlap=-1)


def test_make_chunker_uses_the_embedders_counters(count_tokens, count_batch):
    class Embedder:  # the duck type: count_tokens, optionally count_tokens_batch
        batch_calls = 0

        def count_tokens(self, text):
            return count_tokens(text)

        def count_tokens_batch(self, texts):
            self.batch_calls += 1
            return count_batch(texts)

    embedder = Embedder()
    doc = Document("d", "One sentence here. " * 100)
    chunks = make_chunker(embedder, max_tokens=32, overlap=4)(doc)
    assert embedder.batch_calls > 0
    assert chunks == chunk_document(doc, count_tokens, 32, 4)
    assert all(count_tokens(c.text) <= 32 for c in chunks)
