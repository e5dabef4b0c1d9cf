"""Bytes in, clean text out: classify, decode (``extraction.decoding``) and extract the main text of a
captured document.

Runs on every captured page, so the HTML path parses once and stays cheap. Failures are data, not
exceptions: an :class:`Extraction` always comes back, with ``failure`` set to a short reason code.

Lose no text: trafilatura picks the main text of ordinary pages, but markup nested thousands deep
(generated pages, unclosed ``<font>``/``<div>`` tags repeated for every line) defeats it, and past
2,048 levels libxml2 stops parsing altogether and drops the rest of the page. So a tree nested
deeper than ``DEEP_TREE`` is read by a plain walk over the lxml tree, a page the parser could not
finish by a flat walk over the markup (``html.parser``: no tree, no depth), and a trafilatura result
much shorter than the page's visible text gives way to that text. ``Extraction.extractor`` names
which one produced the text. Archive no garbage: text that is not language (``extraction.noise``) is
the failure ``not_text``.
"""

from __future__ import annotations

import codecs
import html.parser
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version

import lxml
from lxml import etree
from lxml.html import HTMLParser, document_fromstring

from extraction import filedocs
from extraction.decoding import decode, decode_html
from extraction.filedocs import FileLimits, FileText
from extraction.noise import not_language

MIN_TEXT_CHARS = 150  # below this a page is a shell, a stub or an error page, not a policy document
SOFT_404_MAX_CHARS = 400  # a phrase such as "page not found" only condemns a short text

# Nesting beyond this is generated or broken markup, never a layout: trafilatura slows to seconds on
# it (deep tables) and gains nothing, so the tree's text is read directly.
DEEP_TREE = 400
# trafilatura's text is "much shorter" than the page's visible text (its own choice of main text
# lost most of it) when the visible text is this many times longer, and by at least LOST_CHARS.
LOST_RATIO = 4
LOST_CHARS = 2000

TRAFILATURA = f"trafilatura {version('trafilatura')}"
LXML_FALLBACK = f"lxml {lxml.__version__} (fallback)"
LXML_DEEP = f"lxml {lxml.__version__} (deep markup)"
FLAT = f"html.parser {sys.version_info.major}.{sys.version_info.minor} (flat walk, markup too deep to parse)"
PLAIN = "plain-text 1"


@dataclass(frozen=True)
class Extraction:
    text: str  # clean main text, one paragraph per line; "" on failure
    title: str | None
    kind: str  # "html" | "pdf" | "docx" | "text" | "other"
    encoding: str | None  # charset used to decode HTML/text
    extractor: str  # name and version of what produced ``text``
    # None, or "empty_body" | "soft_404" | "no_text" | "not_text" | "unsupported_type" | "scanned"
    # | "pdf_error" | "pdf_timeout" | "pdf_too_large" | "docx_error" | "docx_timeout" | "docx_too_large"
    failure: str | None
    detail: str | None = None  # a human sentence for the failure
    method: str = "text"  # "text" (markup, a text layer) or "ocr" (read from page images)


# ---------------------------------------------------------------------------------------------- kind

# Binary formats that are never a readable page, whatever the Content-Type claims. A ZIP that holds
# a Word document is checked for first; OLE2 (old .doc/.xls) stays "other", with a clear reason.
_BINARY_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x1f\x8b", b"\x89PNG", b"\xff\xd8\xff", b"GIF8",
                 b"RIFF")
# The WHATWG MIME-sniffing "HTML" patterns, plus the meta/link tags that often open a <head>-less page.
_HTML_START = re.compile(
    rb"(?:<!doctype\s+html|<html|<head|<body|<script|<iframe|<h1|<div|<font|<table|<a|<style|<title|<b|<br|<p"
    rb"|<meta|<link)[\s>/]|<!--",
    re.I,
)


def sniff_kind(body: bytes, content_type: str | None) -> str:
    """Classify by magic bytes first (servers mislabel often), then by the Content-Type."""
    head = body[:1024]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    head = head.removeprefix(codecs.BOM_UTF8).lstrip()
    pdf_at = head.find(b"%PDF-")
    if pdf_at >= 0 and not head[:pdf_at].startswith(b"<"):  # the PDF spec allows junk before the header
        return "pdf"
    if filedocs.looks_like_docx(body, content_type):
        return "docx"
    if head.startswith(_BINARY_MAGIC):
        return "other"
    if _HTML_START.match(head) or (head.startswith(b"<?xml") and b"<html" in head.lower()):
        return "html"
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime in ("application/pdf", "application/x-pdf"):
        return "pdf"
    if mime == "text/plain":
        return "text"
    if mime in ("", "application/octet-stream", "binary/octet-stream") and b"\x00" not in head:
        if b"<html" in head.lower() or b"<body" in head.lower():
            return "html"
    return "other"


# ------------------------------------------------------------------------------------------- HTML

# huge_tree: libxml2 otherwise stops at 256 levels of nesting (2,048 with it) and at 10 MB text nodes.
_PARSER = HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False,
                     huge_tree=True)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")  # lxml refuses str input that declares an encoding
PARSER = _PARSER  # extraction.panels copies panels the same way
_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "svg", "iframe", "form")
_BLOCKS = frozenset("p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table section article main aside "
                    "blockquote pre address figure figcaption caption br hr center".split())
_CELLS = frozenset(("td", "th"))


# Stray bytes in old pages. A regex, not str.translate: translating a 30 KB Cyrillic text char by char
# through a dict took 2-4 ms a page; the regex finds none in C.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _lines(text: str) -> str:
    """One paragraph per line, inner whitespace and control characters collapsed, empty lines dropped."""
    if _CONTROLS.search(text):
        text = _CONTROLS.sub(" ", text)
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.splitlines())))


def _fold(text: str) -> str:
    """Case- and ё-insensitive form for phrase matching."""
    return " ".join(text.casefold().replace("ё", "е").split())


def _title(root) -> str | None:
    found = root.find(".//title")
    title = " ".join(found.text_content().split()) if found is not None else ""
    if not title and (found := root.find(".//meta[@property='og:title']")) is not None:
        title = " ".join(found.get("content", "").split())
    return title or None


def _plain_text(root) -> str:
    """Main text without trafilatura: <main>/<article>/<body> minus scripts and page chrome.

    Walks events instead of recursing (pages nest thousands deep) and only reads the tree."""
    node = next((found for xp in (".//main", ".//article", ".//body")
                 if (found := root.find(xp)) is not None), root)
    pieces: list[str] = []
    walker = etree.iterwalk(node, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        sep = "\n" if tag in _BLOCKS else " " if tag in _CELLS else ""
        if event == "start":
            if tag in _DROP:
                walker.skip_subtree()
            else:
                pieces += (sep, el.text or "")
        else:
            pieces += ("" if tag in _DROP else sep, (el.tail or "") if el is not node else "")
    return _lines("".join(pieces))


def tree_text(el) -> str:
    """The visible text of one element (a panel), one paragraph per line, scripts and chrome left out."""
    return _plain_text(el)


def _deeper_than(root, limit: int) -> bool:
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > limit:
            return True
    return False


def _truncated(parser: HTMLParser) -> bool:
    """Did the last parse stop early (libxml2's "Excessive depth", a resource limit)? The tree then
    lacks everything after that point."""
    return any(e.level == etree.ErrorLevels.FATAL for e in parser.error_log)


# The flat walk drops these elements' text when they are closed; an unclosed one keeps it (it would
# otherwise swallow the rest of the page).
_FLAT_DROP = frozenset(("head", "title", "script", "style", "noscript", "template", "nav", "header", "footer",
                        "svg", "iframe", "select", "button"))


class _FlatText(html.parser.HTMLParser):
    """Text of markup as a stream of tags, with no tree and so no depth: block elements break lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.open: list[tuple[str, int]] = []  # dropped elements not closed yet, and where they began
        self.closed: list[tuple[int, int]] = []  # pieces[start:end] of each closed dropped element

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _FLAT_DROP:
            self.open.append((tag, len(self.pieces)))
        self.pieces.append("\n" if tag in _BLOCKS else " " if tag in _CELLS else "")

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i][0] == tag:
                start = self.open[i][1]
                del self.open[i:]
                self.closed = [span for span in self.closed if span[0] < start]
                self.closed.append((start, len(self.pieces)))
                break
        self.pieces.append("\n" if tag in _BLOCKS else " " if tag in _CELLS else "")

    def handle_data(self, data: str) -> None:
        self.pieces.append(data)

    def text(self) -> str:
        total = sum(map(len, self.pieces))
        for start, end in reversed(self.closed):
            # Page chrome is never most of the page: a "header" that holds it is the page.
            if sum(map(len, self.pieces[start:end])) * 2 < total:
                del self.pieces[start:end]
        return "".join(self.pieces)


def _flat_text(markup: str) -> str:
    """The visible text of markup no tree could hold (see the module docstring)."""
    walker = _FlatText()
    try:
        walker.feed(markup)
        walker.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; whatever it chokes on, keep what it read
        pass
    return _lines(walker.text())


def _soft_404(folded_places: Sequence[str], phrases: Sequence[str]) -> str | None:
    for phrase in phrases:
        wanted = _fold(phrase)
        if wanted and any(wanted in place for place in folded_places):
            return phrase
    return None


def _judge(text: str, title: str | None, h1: str, kind: str, encoding: str | None, extractor: str,
           phrases: Sequence[str], hint: str = "", raw: str | None = None) -> Extraction:
    """Apply the soft-404, not-language and too-little-text rules shared by HTML and plain text.
    ``raw`` is the text before control characters were blanked out, when there was such a step."""
    heads = [_fold(title or ""), _fold(h1)]
    if len(text) < SOFT_404_MAX_CHARS:
        heads.append(_fold(text))
    phrase = _soft_404(heads, phrases)
    if phrase:
        return Extraction("", title, kind, encoding, extractor, "soft_404",
                          f'error-page phrase "{phrase}" in the title, heading or short text')
    noise = not_language(raw if raw is not None else text)
    if noise:
        return Extraction("", title, kind, encoding, extractor, "not_text", noise)
    if len(text) < MIN_TEXT_CHARS:
        return Extraction("", title, kind, encoding, extractor, "no_text",
                          f"only {len(text)} characters of text{hint}")
    return Extraction(text, title, kind, encoding, extractor, None)


@dataclass(frozen=True)
class Parsed:
    """A page parsed once: the tree, the markup it came from, the charset used, and whether the parser
    stopped early. ``extraction.panels`` looks for panels in it; when it finds none, ``extract`` reads
    the same tree instead of parsing again."""

    root: object
    markup: str
    encoding: str | None
    truncated: bool


def parse_html(body: bytes, content_type: str | None) -> Parsed | None:
    """Decode and parse an HTML page; None when no HTML could be parsed."""
    text, encoding = decode_html(body, content_type)
    markup = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    try:
        root = document_fromstring(markup, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    return Parsed(root, markup, encoding, _truncated(_PARSER))


def _main_text(root, markup: str, url: str, truncated: bool) -> tuple[str, str, str]:
    """(text, raw text, extractor) of a parsed page: trafilatura's main text, or the fallbacks of the
    module docstring."""
    if truncated:
        flat = _flat_text(markup)
        return flat, flat, FLAT
    if _deeper_than(root, DEEP_TREE):
        plain = _plain_text(root)
        return plain, plain, LXML_DEEP
    # Imported on first use (~0.12 s): a crawl whose pages are all unchanged never extracts. The readers' fork
    # server and the test suite's zygote import it ahead. trafilatura copies the tree it is given, so ``root``
    # stays whole for the fallback below.
    import trafilatura

    raw = trafilatura.extract(root, url=url or None, favor_recall=True, include_comments=False,
                              include_tables=True, deduplicate=False, output_format="txt") or ""
    main = _lines(raw)
    # trafilatura gives up on some pages, or keeps one small block of a long one: take what the markup
    # holds. All the tree's characters (scripts too, counted in C) bound the walk's text: usually no walk.
    if len(main) >= MIN_TEXT_CHARS and len(root.text_content()) < LOST_RATIO * len(main):
        return main, raw, TRAFILATURA
    plain = _plain_text(root)
    if len(plain) > len(main) and (len(main) < MIN_TEXT_CHARS or (
            len(plain) >= LOST_RATIO * len(main) and len(plain) - len(main) >= LOST_CHARS)):
        return plain, plain, LXML_FALLBACK
    return main, raw, TRAFILATURA


def _extract_html(body: bytes, content_type: str | None, url: str, phrases: Sequence[str],
                  parsed: Parsed | None = None) -> Extraction:
    parsed = parsed or parse_html(body, content_type)
    if parsed is None:
        _, encoding = decode_html(body, content_type)
        return Extraction("", None, "html", encoding, LXML_FALLBACK, "no_text", "no HTML could be parsed")
    root, markup, encoding = parsed.root, parsed.markup, parsed.encoding
    title = _title(root)
    h1 = root.find(".//h1")
    h1_text = h1.text_content() if h1 is not None else ""
    main, raw, extractor = _main_text(root, markup, url, parsed.truncated)
    scripts = len(root.findall(".//script"))
    hint = f" ({scripts} <script> elements: a JavaScript app shell?)" if scripts >= 3 else ""
    return _judge(main, title, h1_text, "html", encoding, extractor, phrases, hint, raw)


# ------------------------------------------------------------------------------------- PDF, DOCX


def _from_file(kind: str, got: FileText) -> Extraction:
    """A PDF's or DOCX's text, judged like a page: no language is ``not_text``, too little ``no_text``."""
    if got.failure:
        return Extraction("", got.title, kind, None, got.extractor, got.failure, got.detail, got.method)
    text = _lines(got.text)
    noise = not_language(got.text)
    if noise:
        return Extraction("", got.title, kind, None, got.extractor, "not_text", noise, got.method)
    if len(text) < MIN_TEXT_CHARS:
        return Extraction("", got.title, kind, None, got.extractor, "no_text",
                          f"only {len(text)} characters of text", got.method)
    return Extraction(text, got.title, kind, None, got.extractor, None, None, got.method)


# ------------------------------------------------------------------------------------------- entry


def extract(body: bytes, content_type: str | None, url: str,
            soft_404_phrases: Sequence[str] = (), *, limits: FileLimits | None = None,
            parsed: Parsed | None = None) -> Extraction:
    """Extract the main text of one captured body; never raises for bad input.

    PDFs and DOCX are read in a limited child process (``extraction.filedocs``): ``limits`` bounds it,
    by default ``FileLimits.from_env()`` (``POLICY_ARCHIVE_OCR=0`` switches OCR of scans off). ``parsed``:
    the body already parsed (``parse_html``), read as it is; never changed."""
    kind = sniff_kind(body, content_type)
    if not body.strip():
        return Extraction("", None, kind, None, PLAIN, "empty_body", f"{len(body)} bytes, no content")
    if kind == "html":
        return _extract_html(body, content_type, url, soft_404_phrases, parsed)
    if kind == "pdf":
        return _from_file("pdf", filedocs.extract_pdf(body, limits))
    if kind == "docx":
        return _from_file("docx", filedocs.extract_docx(body, limits))
    if kind == "text":
        text, encoding = decode(body, content_type, use_meta=False)
        return _judge(_lines(text), None, "", "text", encoding, PLAIN, soft_404_phrases, raw=text)
    if body.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Extraction("", None, "other", None, PLAIN, "unsupported_type", filedocs.ole2_detail(body))
    return Extraction("", None, "other", None, PLAIN, "unsupported_type",
                      f"cannot extract text from {content_type or 'an unknown type'} ({body[:8]!r}...)")
