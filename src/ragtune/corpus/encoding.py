"""Bytes -> text: UTF-8 as it is, a declared or byte-order-marked encoding, else one detected confidently.

Most legacy files are Windows code pages (office exports on Windows write cp1252), so a file that is not
UTF-8 is read by detection (charset-normalizer) rather than refused, and the encoding it was read as is
reported so the user can check it. The rule that decides when a detection is confident (`detect`):

- the candidates are charset-normalizer's readings restricted to `DETECTABLE`: the encodings office
  software and web pages write (DOS, Mac and EBCDIC code pages and UTF-16/32 without a byte-order mark are
  left out: nothing exports them today, and on short text they are the detector's usual false positives);
- the reading with the least chaos (garbled characters) wins, then the one with the most coherence (how
  much it reads like a known language); on a tie cp1252 wins, Windows' own default for Western text (the
  detector alone read French cp1252 as cp1250: "très" became "trčs");
- it is refused when its chaos is above `MAX_CHAOS`, or when no language was recognised (coherence 0)
  and another reading that gives a different text ties with it: too little text to tell them apart.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ragtune.errors import UnreadableDocument

UTF8 = "utf-8"
MAX_CHAOS = 0.1  # a tenth of the text looking garbled: half charset-normalizer's own cut-off (0.2)
_WINDOWS_WESTERN = "cp1252"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SAVE_AS_UTF8 = "save the file as UTF-8"

# Windows code pages, ISO-8859 and KOI8 (single byte); Shift-JIS, EUC-JP, GB, Big5 and EUC-KR (multi byte).
DETECTABLE = (
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874",
    "latin_1", "iso8859_2", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_9",
    "iso8859_13", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u",
    "cp932", "shift_jis", "euc_jp", "gb2312", "gbk", "gb18030", "big5", "cp950", "euc_kr", "cp949",
)


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read as (`utf-8`, with or without a byte-order mark, or another)."""

    text: str
    encoding: str


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """UTF-16 by its byte-order mark, UTF-8 (the fast path, as before detection existed), the `declared`
    encoding (an HTML page's <meta charset>), else the detected one; binary or undecidable bytes are refused."""
    if data.startswith(_UTF16_BOMS):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as e:
            raise UnreadableDocument(f"invalid UTF-16 at byte offset {e.start}: {_SAVE_AS_UTF8}") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnreadableDocument(
            f"binary file (NUL byte at offset {nul}): only text, markdown, HTML, PDF and JSONL files are read"
        )
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return Decoded(data[skip:].decode(UTF8), UTF8)
    except UnicodeDecodeError as e:
        invalid_at = e.start + skip
    if declared:
        try:
            return Decoded(data.decode(declared), codecs.lookup(declared).name)
        except (LookupError, UnicodeDecodeError):
            pass
    encoding = detect(data, f"invalid UTF-8 at byte offset {invalid_at}")
    try:
        return Decoded(data.decode(encoding), encoding)
    except UnicodeDecodeError as e:  # the detector samples a large file; a later part may not fit its guess
        raise UnreadableDocument(f"invalid UTF-8 at byte offset {invalid_at}, and invalid {encoding} at byte "
                                 f"offset {e.start}: {_SAVE_AS_UTF8}") from None


def detect(data: bytes, why_not_utf8: str = "not UTF-8") -> str:
    """The encoding `data` reads as by the rule of this module's docstring, or `UnreadableDocument` saying why
    not (`why_not_utf8` leads the reason)."""
    from charset_normalizer import from_bytes

    ranked = sorted(from_bytes(data, cp_isolation=list(DETECTABLE)), key=_rank)
    if not ranked:
        raise UnreadableDocument(f"{why_not_utf8}, and no text encoding reads it without garbled characters "
                                 f"(a binary file, or damaged text?): {_SAVE_AS_UTF8}")
    best = ranked[0]
    if best.chaos > MAX_CHAOS:
        raise UnreadableDocument(f"{why_not_utf8}, and its likeliest encoding, {_name(best)}, leaves "
                                 f"{best.chaos:.0%} of it garbled: {_SAVE_AS_UTF8}")
    rival = next((m for m in ranked[1:] if _score(m) == _score(best)), None)
    if best.coherence == 0 and rival is not None and str(rival) != str(best):
        raise UnreadableDocument(f"{why_not_utf8}, and too little text to tell its encoding ({_name(best)} and "
                                 f"{_name(rival)} read it equally well): {_SAVE_AS_UTF8}")
    return _name(best)


def _score(match) -> tuple[float, float]:
    """(chaos, -coherence) to two decimals: readings closer than that are a tie, as charset-normalizer's own."""
    return round(match.chaos, 2), -round(match.coherence, 2)


def _rank(match) -> tuple[float, float, bool]:
    return (*_score(match), _WINDOWS_WESTERN not in match.could_be_from_charset)


def _name(match) -> str:
    """cp1252 where it reads the bytes to the same text as the match's own encoding (the name users know)."""
    return _WINDOWS_WESTERN if _WINDOWS_WESTERN in match.could_be_from_charset else match.encoding
