"""Bytes to text for pages and plain-text files, in the charsets Kazakhstani sites really use.

A header or <meta> charset is often wrong (windows-1251 pages declared UTF-8, KOI8-R served as
windows-1251), and a wrong code page decodes without error into mojibake. So valid UTF-8 wins first,
a declared charset counts only when its text is plausible, and a guess is restricted to the encodings
Russian and Kazakh pages use. ``canonical_charset`` names the result as people know it.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w:.-]+)", re.I)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([\w:.-]+)", re.I)
_XML_ENCODING = re.compile(rb"<\?xml[^>]*?encoding\s*=\s*[\"']([\w:.-]+)", re.I)
# What charset_normalizer may pick from: the encodings Russian/Kazakh/English pages actually use.
# Left free, it happily "detects" Greek or Turkish code pages in short Cyrillic pages.
_GUESS_CANDIDATES = ["utf_8", "cp1251", "koi8_r", "cp866", "iso8859_5", "cp1252"]
# Python codec name -> the name we record (the WHATWG / IANA spelling people know).
_NAMES = {"cp1251": "windows-1251", "cp1252": "windows-1252", "iso8859-5": "iso-8859-5", "kz1048": "kz-1048",
          # Browsers read latin-1 and ASCII labels as windows-1252; so do we (same bytes, more letters).
          "iso8859-1": "windows-1252", "latin-1": "windows-1252", "ascii": "windows-1252"}

# Signs that a decode produced mojibake although it raised no error:
_LATIN1_RUN = re.compile(r"[À-ÖØ-öø-ÿ]{3,}")  # "Ïîëèòèêà": windows-1251 read as latin-1/1252
_SWAPPED_CASE = re.compile(r"\b[а-яё][А-ЯЁ]{2,}")  # "пОЛИТИКА": KOI8-R and windows-1251 confused
_NORMAL_CASE = re.compile(r"\b[А-ЯЁ][а-яё]{2,}")
# cp866 read as windows-1251 turns a third of the letters into symbols inside words: "Ї®«ЁвЁЄ "
_SYMBOL_IN_WORD = re.compile(r"[^\W\d_][^\w\s\x00-\x7f]+[^\W\d_]")
_CYR_RUN = re.compile(r"[\u0400-\u04ff]+")
_FREQUENT_CYR = "аеионтсрлвдк"  # ~70% of Russian letters, ~60% of Kazakh; a wrong code page scrambles them


def canonical_charset(label: str | None) -> str | None:
    """A charset label as found in the wild -> our canonical name, or None when Python lacks it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    for candidate in (label, label.removeprefix("x-"), re.sub(r"^win-?(\d)", r"windows-\1", label)):
        try:
            name = codecs.lookup(candidate).name
        except LookupError:
            continue
        return _NAMES.get(name, name)
    return None


def _cyrillic_fit(text: str) -> tuple[float, int]:
    """Share of the most frequent Cyrillic letters among all Cyrillic letters, and their number."""
    low = text.lower()
    cyrillic = sum(map(len, _CYR_RUN.findall(low)))
    return (sum(map(low.count, _FREQUENT_CYR)) / cyrillic if cyrillic else 0.0), cyrillic


def _implausible(text: str) -> bool:
    """True when ``text`` decoded without error but is evidently read in the wrong charset."""
    nonascii = len(text) - len(text.encode("ascii", errors="ignore"))
    if nonascii < 8:
        return False
    in_runs = sum(map(len, _LATIN1_RUN.findall(text)))
    if in_runs >= 8 and in_runs > 0.3 * nonascii:
        return True
    swapped = len(_SWAPPED_CASE.findall(text))
    if swapped >= 5 and swapped > len(_NORMAL_CASE.findall(text)):
        return True
    if len(_SYMBOL_IN_WORD.findall(text)) >= 5:
        return True
    fit, cyrillic = _cyrillic_fit(text)
    return cyrillic >= 40 and fit < 0.4


def _mostly_utf8(body: bytes) -> str | None:
    """Decode as UTF-8 when only a stray byte or a truncated tail is invalid.

    Legacy single-byte Cyrillic practically never forms valid multi-byte sequences, so many good
    sequences and very few bad ones mean UTF-8 with a glitch, not another charset."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return text if good >= 10 and bad * 50 <= good else None


def decode(body: bytes, content_type: str | None, use_meta: bool) -> tuple[str, str]:
    """Decode a text body: BOM, valid UTF-8 (a stray bad byte forgiven), the header's charset, with
    ``use_meta`` the document's <meta> or XML declaration, a guess restricted to the encodings
    Russian and Kazakh pages use, then windows-1251; a declared charset that reads as mojibake is skipped.
    Returns (text, the canonical charset name)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace"), name
    if body.isascii():
        return body.decode("ascii"), "ascii"
    try:  # a wrong header or meta is common; valid UTF-8 that is not ASCII is practically never wrong
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text = _mostly_utf8(body)
        if text is not None:
            return text, "utf-8"
    declared: list[str] = []
    header = _HEADER_CHARSET.search(content_type or "")
    if header:
        declared.append(header.group(1))
    if use_meta:
        head = body[:4096]
        declared += [m.group(1).decode("ascii", "ignore") for m in (_META_CHARSET.search(head),
                                                                    _XML_ENCODING.search(head)) if m]
    for label in declared:
        name = canonical_charset(label)
        if name is None or name == "utf-8":  # UTF-8 was already tried and failed
            continue
        try:
            text = body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        if not _implausible(text):
            return text, name
    best = from_bytes(body, cp_isolation=_GUESS_CANDIDATES).best()
    fallback = body.decode("cp1251", errors="replace")
    if best is not None:
        name = canonical_charset(best.encoding) or "windows-1251"
        text = body.decode(name, errors="replace")
        # With little Cyrillic to go on the guess is often a rare code page; windows-1251 is by far
        # the most common legacy charset here, so it wins a tie on letter statistics.
        if name in ("koi8-r", "cp866", "iso-8859-5") and not _implausible(fallback) and (
                _cyrillic_fit(fallback)[0] >= _cyrillic_fit(text)[0]):
            return fallback, "windows-1251"
        if not _implausible(text):
            return text, name
    return fallback, "windows-1251"


def decode_html(body: bytes, content_type: str | None) -> tuple[str, str]:
    """Decode an HTML body: BOM, valid UTF-8, header, <meta>, a restricted guess, then windows-1251."""
    return decode(body, content_type, use_meta=True)
