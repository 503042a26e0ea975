"""Each reader on good input: normalised text, titles, PDF page offsets; decoding failures name the byte."""

from __future__ import annotations

import pytest

from ragtune.errors import UnreadableDocument
from ragtune.corpus.encoding import Decoded
from ragtune.corpus.formats import decode_text, read_html, read_markdown, read_pdf, read_text

HTML = b"""<!doctype html><html><head><title>Warranty terms</title>
<style>body { color: red }</style><script>var secret = "SCRIPT";</script></head>
<body><nav><a href="/">Home</a> NAVLINK</nav><noscript>NOSCRIPT</noscript>
<h1>Warranty</h1><p>Every device has a <b>two-year</b> warranty.<br>Batteries: one year.</p>
<h2>Prices</h2>
<table><caption>Extended plans</caption>
<thead><tr><th>Plan</th><th>Cost</th></tr></thead>
<tbody><tr><td>Basic</td><td>10 EUR</td></tr><tr><td>Pro | Max</td><td>25 EUR</td></tr><tr><td>Solo</td></tr></tbody></table>
<ul><li>Keep the receipt</li><li>Register online<ul><li>within 30 days</li></ul></li></ul>
<div>Loose text<p>inner paragraph</p></div><!-- a comment -->
<pre># not a heading
code()</pre></body></html>"""


def test_html_becomes_markdown_with_headings_lists_and_tables():
    parsed = read_html(HTML, "page")
    assert parsed.title == "Warranty terms"
    text = parsed.text
    for gone in ("SCRIPT", "secret", "color: red", "NAVLINK", "NOSCRIPT", "a comment"):
        assert gone not in text
    assert "# Warranty\n\nEvery device has a two-year warranty.\nBatteries: one year." in text
    assert "## Prices" in text
    table = "| Plan | Cost |\n| --- | --- |\n| Basic | 10 EUR |\n| Pro \\| Max | 25 EUR |\n| Solo |  |"
    assert "Extended plans\n\n" + table in text
    assert "- Keep the receipt\n- Register online\n  - within 30 days" in text
    assert "Loose text\n\ninner paragraph" in text
    assert "```\n# not a heading\ncode()\n```" in text


def test_html_title_falls_back_to_first_h1_then_stem():
    assert read_html(b"<body><h1>Returns  policy</h1><p>x</p></body>", "p").title == "Returns policy"
    assert read_html(b"<p>just text</p>", "stem").title == "stem"


def test_html_table_without_thead_uses_first_row_as_header():
    text = read_html(b"<table><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table>", "t").text
    assert text == "| a | b |\n| --- | --- |\n| 1 | 2 |"


def test_html_with_only_scripts_is_unreadable():
    with pytest.raises(UnreadableDocument, match="no visible text"):
        read_html(b"<html><script>x()</script></html>", "s")


def test_html_declared_latin1_charset_is_honoured():
    page = "<meta charset='iso-8859-1'><p>Caf\xe9 cr\xe8me</p>".encode("latin-1")
    assert read_html(page, "p").text == "Café crème"


def test_markdown_title_and_setext_headings():
    parsed = read_markdown(b"Intro line\n\nDetails\n-------\n\nText.\n\n# Real Title\n", "f")
    assert parsed.title == "Real Title"
    assert "Intro line\n\n## Details\n\nText." in parsed.text
    assert read_markdown(b"Overview\n========\nbody", "f").title == "Overview"
    assert read_markdown(b"no heading", "stem").title == "stem"


def test_text_title_is_first_short_line_or_stem():
    assert read_text(b"\n\n  Release notes  \nbody", "notes").title == "Release notes"
    assert read_text(("x" * 500).encode(), "long").title == "long"


def test_decoding_normalises_newlines_and_reads_utf16_and_bom():
    assert decode_text(b"\xef\xbb\xbfa\r\nb\rc") == Decoded("a\nb\nc", "utf-8")
    assert decode_text("héllo\r\n".encode("utf-16")) == Decoded("héllo\n", "utf-16")


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"abc\xff\xfedef", "invalid UTF-8 at byte offset 3"),
        (b"\xef\xbb\xbfab\xc3", "invalid UTF-8 at byte offset 5"),
        (b"PK\x03\x04\x00\x00", "binary file (NUL byte at offset 4)"),
    ],
)
def test_decoding_failures_name_the_offset(data, reason):
    with pytest.raises(UnreadableDocument) as e:
        decode_text(data)
    assert reason in str(e.value)


def test_pdf_text_per_page_with_page_starts_and_title(make_pdf):
    pages = ["Warranty lasts two years.", "", "Refunds within 30 days of purchase."]
    parsed = read_pdf(make_pdf(pages, title="Handbook"), "h")
    assert parsed.title == "Handbook"
    assert len(parsed.page_starts) == 3 and parsed.page_starts[0] == 0
    text = parsed.text
    assert text[parsed.page_starts[0] :].startswith("Warranty lasts two years.")
    assert text[parsed.page_starts[2] :].startswith("Refunds within 30 days")
    assert read_pdf(make_pdf(["First line here\nmore"]), "stem").title == "First line here"


@pytest.mark.parametrize(
    "kind, reason",
    [("truncated", "not a valid PDF"), ("garbage", "not a valid PDF"), ("blank", "no extractable text")],
)
def test_broken_pdfs_are_unreadable_with_a_reason(make_pdf, kind, reason):
    data = {
        "truncated": make_pdf(["Some text on a page."])[:700],
        "garbage": b"%PDF-1.4\nthis is not really a pdf",
        "blank": make_pdf(["", ""]),
    }[kind]
    with pytest.raises(UnreadableDocument, match=reason):
        read_pdf(data, "x")
