"""Text that is not UTF-8: read by confident detection and reported with its encoding; undecidable bytes refused.

Every case is real text encoded as the software that writes it would (`str.encode`), read back through the
same functions the loader, `ragtune ingest` and the server's upload use.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from ragtune.corpus import load_corpus, load_file
from ragtune.corpus.encoding import MAX_CHAOS, decode, detect
from ragtune.errors import UnreadableDocument

# "très", "coûte", "maîtresse", "œ", "€": the letters where cp1250 (the detector's own first pick) differs
FRENCH = ("Le café de Noël coûte 3 € – c’est « très » cher. Les élèves étaient déçus, mais la maîtresse a "
          "souri. La garantie dure deux ans ; après, la réparation est payante. Un cœur d’œuvre.")
GERMAN = ("Der Käufer erhält eine Rückerstattung, wenn die Ware beschädigt ankommt. Größere Geräte werden "
          "abgeholt; für Süßwaren gilt das nicht.")
JAPANESE = "保証期間は購入日から二年間です。故障した場合は、領収書と一緒に製品をお送りください。修理には通常一週間かかります。"
CHINESE = "保修期为两年，自购买之日起计算。如果产品出现故障，请将产品连同收据一起寄回。维修通常需要一周时间。"
RUSSIAN = "Гарантия действует два года с даты покупки. После этого ремонт платный. Сохраните чек."
ENGLISH_SMART_QUOTES = ("The warranty lasts two years – after that, repairs are charged. “Keep your receipt,” "
                        "she said; it’s the customer’s proof of purchase.")


def _noise(seed: int, size: int) -> bytes:
    """Random bytes without NUL, so they pass the binary check and reach the detector."""
    rng = random.Random(seed)
    return bytes(rng.randrange(1, 256) for _ in range(size))


@pytest.mark.parametrize(
    "text, written_as, read_as",
    [
        (FRENCH, "cp1252", "cp1252"),  # a tie with cp1250 on chaos and coherence: cp1252 wins it
        (ENGLISH_SMART_QUOTES, "cp1252", "cp1252"),  # Word's quotes and dashes are the only non-ASCII bytes
        (GERMAN, "latin-1", "cp1252"),  # the same text: cp1252 is Latin-1's superset for printable letters
        (JAPANESE, "shift_jis", "cp932"),  # Windows' Shift-JIS, a superset
        (CHINESE, "gb2312", "gb18030"),  # GB2312's superset
        (RUSSIAN, "cp1251", "cp1251"),
        (FRENCH, "utf-16", "utf-16"),  # by its byte-order mark, before any detection
        (JAPANESE, "utf-16-be", "utf-16"),
    ],
)
def test_text_in_another_encoding_is_read_exactly(text, written_as, read_as):
    data = text.encode(written_as)
    if written_as == "utf-16-be":
        data = b"\xfe\xff" + data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fast path does not read it: detection (or the BOM) must
    assert decode(data).text == text
    assert decode(data).encoding == read_as


def test_utf8_with_or_without_bom_stays_on_the_fast_path(monkeypatch):
    import charset_normalizer

    def no_detection(*args, **kwargs):
        raise AssertionError("UTF-8 must not reach the detector")

    monkeypatch.setattr(charset_normalizer, "from_bytes", no_detection)
    for data in (FRENCH.encode("utf-8"), b"\xef\xbb\xbf" + JAPANESE.encode("utf-8"), b"plain ascii"):
        decoded = decode(data)
        assert decoded.encoding == "utf-8" and decoded.text == data.decode("utf-8-sig")


@pytest.mark.parametrize("size", [16, 100, 2_000, 20_000])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_bytes_are_refused(seed, size):
    data = _noise(seed, size)
    with pytest.raises(UnreadableDocument) as e:
        decode(data)
    assert "save the file as UTF-8" in str(e.value) and "invalid UTF-8 at byte offset" in str(e.value)


def test_a_likeliest_reading_with_garbled_characters_is_refused():
    # 16 random bytes that charset-normalizer reads as cp1258 at a chaos of 0.12: under its own cut-off (0.2)
    data = _noise(0, 16)
    with pytest.raises(UnreadableDocument, match=r"leaves \d+% of it garbled") as e:
        detect(data)
    assert int(str(e.value).split("leaves ")[1].split("%")[0]) > MAX_CHAOS * 100


def test_too_little_text_to_tell_is_refused_not_guessed():
    # "café" in cp1252 is "cafй" in cp1251: nothing in four bytes says which
    with pytest.raises(UnreadableDocument, match="too little text to tell its encoding") as e:
        decode("café".encode("cp1252"))
    assert "invalid UTF-8 at byte offset 3" in str(e.value)


def test_damaged_utf8_is_refused_rather_than_read_as_mojibake():
    """UTF-8 with one cp1252 word pasted in: any single-byte reading turns every "é" into "Ã©"."""
    data = (FRENCH * 3).encode("utf-8") + " Größe".encode("cp1252")
    with pytest.raises(UnreadableDocument, match="save the file as UTF-8"):
        decode(data)


def test_an_html_page_declaring_its_charset_is_read_with_it_and_reported(tmp_path: Path):
    (tmp_path / "page.html").write_bytes(
        f"<meta charset='windows-1252'><h1>Garantie</h1><p>{FRENCH}</p>".encode("cp1252"))
    result = load_corpus(tmp_path)
    assert result.encodings == {"page.html": "cp1252"}
    assert "très" in result.documents[0].text and result.documents[0].title == "Garantie"


def test_a_folder_reports_each_file_not_in_utf8_with_its_encoding(tmp_path: Path):
    (tmp_path / "utf8.md").write_text(f"# Garantie\n\n{FRENCH}\n", encoding="utf-8")
    (tmp_path / "office.txt").write_bytes(f"Garantie\r\n\r\n{FRENCH}\r\n".encode("cp1252"))
    (tmp_path / "manual.md").write_bytes(f"# 保証\n\n{JAPANESE}\n".encode("shift_jis"))
    (tmp_path / "page.html").write_bytes(f"<title>保修</title><p>{CHINESE}</p>".encode("gb2312"))
    (tmp_path / "unicode.txt").write_bytes(GERMAN.encode("utf-16"))
    (tmp_path / "noise.txt").write_bytes(_noise(1, 500))
    result = load_corpus(tmp_path)
    assert result.encodings == {"office.txt": "cp1252", "manual.md": "cp932", "page.html": "gb18030",
                                "unicode.txt": "utf-16"}
    docs = {d.id: d for d in result.documents}
    assert sorted(docs) == ["manual.md", "office.txt", "page.html", "unicode.txt", "utf8.md"]
    assert docs["office.txt"].text == f"Garantie\n\n{FRENCH}\n" and docs["office.txt"].title == "Garantie"
    assert docs["manual.md"].title == "保証" and JAPANESE in docs["manual.md"].text
    assert docs["page.html"].title == "保修" and CHINESE in docs["page.html"].text
    assert docs["utf8.md"].text == f"# Garantie\n\n{FRENCH}\n"
    assert [s.path for s in result.skipped] == ["noise.txt"]
    assert "no text encoding reads it without garbled characters" in result.skipped[0].reason


def test_a_jsonl_file_in_cp1252_is_read_whole_and_reported(tmp_path: Path):
    lines = [{"id": "fr", "text": FRENCH, "title": "Garantie"}, {"id": "de", "text": GERMAN}]
    body = "\r\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\r\n"
    (tmp_path / "export.jsonl").write_bytes(body.encode("cp1252"))
    result = load_corpus(tmp_path)
    assert result.encodings == {"export.jsonl": "cp1252"} and result.skipped == []
    assert [(d.id, d.text) for d in result.documents] == [("fr", FRENCH), ("de", GERMAN)]


def test_a_jsonl_file_that_is_damaged_utf8_keeps_its_good_lines(tmp_path: Path):
    """No confident reading: each line is read as UTF-8, as before detection, and only the bad one is skipped."""
    good = json.dumps({"id": "ok", "text": FRENCH}, ensure_ascii=False).encode("utf-8")
    (tmp_path / "mixed.jsonl").write_bytes(good + b'\n{"id": "bad", "text": "' + "Größe".encode("cp1252") + b'"}\n')
    result = load_corpus(tmp_path)
    assert [d.text for d in result.documents] == [FRENCH] and result.encodings == {}
    assert [s.path for s in result.skipped] == ["mixed.jsonl:2"]


def test_an_upload_staged_elsewhere_reads_the_same_way(tmp_path: Path):
    """`load_file` is what the server's PUT /v1/documents parses an upload with, under its future id."""
    staged = tmp_path / ".pending" / "notes" / "office.txt"  # where the server stages it: its id under .pending
    staged.parent.mkdir(parents=True)
    staged.write_bytes(f"Garantie\n\n{FRENCH}\n".encode("cp1252"))
    result = load_file(staged, "notes/office.txt")
    assert result.encodings == {"notes/office.txt": "cp1252"} and result.skipped == []
    assert result.documents[0].id == "notes/office.txt" and FRENCH in result.documents[0].text
    staged.write_bytes(_noise(2, 500))
    refused = load_file(staged, "notes/noise.txt")
    assert refused.documents == [] and "save the file as UTF-8" in refused.skipped[0].reason
