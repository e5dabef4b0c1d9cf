"""Text from documents that are files (PDF, DOCX), read in a sandboxed child process.

PDF and DOCX parsers are large amounts of code fed with bytes from any website: a broken or hostile
file can loop for hours, decompress to gigabytes or crash the interpreter. So each file is read by a
short-lived ``python -m extraction.filedocs`` child that limits itself (``RLIMIT_AS``, ``RLIMIT_CPU``)
before it reads a byte, and the parent adds a wall-clock timeout and kills the child's whole process
group (OCR tools included) when it runs out. A bad file then costs one document and a reason:
``pdf_error`` / ``pdf_timeout`` / ``pdf_too_large`` (``docx_*`` alike), never the crawl.

A PDF whose pages carry (almost) no text is a scan: when Debian's ``tesseract`` with the Kazakh and
Russian data and ``pdftoppm`` are installed, its pages are rendered and OCR'd (``method="ocr"``);
otherwise, or when OCR is switched off (``POLICY_ARCHIVE_OCR=0``) or the scan is too long, it fails
as ``scanned``. A text layer that is not language (``extraction.noise``: a font without a Unicode map)
is read the same way, and fails as ``not_text`` without OCR. This module imports nothing heavy at
the top: the child must start fast.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from extraction.noise import not_language

# The folder that holds the ``archive`` package: the child is started there with ``-m``, so it
# imports this very checkout, whatever PYTHONPATH says.
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent

SCANNED_DETAIL = "no text layer (scanned?)"
# A text page holds 1,000-3,000 letters; a scan has none, or only an e-signature stamp's few dozen.
SCAN_LETTERS_PER_PAGE = 100
OCR_PAGE_PIXELS = 3508  # long side of a rendered page: A4 at 300 dpi, whatever the MediaBox claims
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class FileLimits:
    """Bounds for reading one file. The defaults suit a crawl; tests pass smaller ones."""

    timeout: float = 30.0  # seconds, wall clock and CPU, to read a PDF's text layer or a DOCX
    memory_mb: int = 1024  # address space of the reader (and of pdftoppm / tesseract under it)
    ocr: bool = True  # OCR scans when the tools are installed; POLICY_ARCHIVE_OCR=0 switches it off
    ocr_max_pages: int = 20  # a longer scan is flagged, not OCR'd: ~2 s per page here
    ocr_timeout: float = 120.0  # seconds for rendering and OCR of all pages of one document
    max_unzipped_mb: int = 200  # a DOCX whose parts add up to more is refused before it is unzipped
    max_text_chars: int = 5_000_000  # ~2,000 pages: more text than that is not a policy

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> FileLimits:
        """The defaults, with ``POLICY_ARCHIVE_OCR=0`` (or ``false``/``no``/``off``) turning OCR off."""
        ocr = environ.get("POLICY_ARCHIVE_OCR", "1").strip().lower() not in ("0", "false", "no", "off")
        return cls(ocr=ocr)


@dataclass(frozen=True)
class FileText:
    """What a file yielded: text (one paragraph per line) or a failure code with a sentence."""

    text: str
    title: str | None
    extractor: str
    failure: str | None = None  # pdf_error | pdf_timeout | pdf_too_large | scanned | docx_error | ...
    detail: str | None = None
    method: str = "text"  # "text" (a text layer or DOCX XML) or "ocr"


@cache
def default_limits() -> FileLimits:
    """The limits of this process, read from the environment once."""
    return FileLimits.from_env()


# --------------------------------------------------------------------------------------- sniffing


def looks_like_docx(body: bytes, content_type: str | None) -> bool:
    """True for a ZIP that holds a WordprocessingML package, or a ZIP the server calls DOCX.

    A byte search, not a ZIP parse: the parent must not walk a hostile central directory."""
    if not body.startswith(b"PK\x03\x04"):
        return False
    if b"[Content_Types].xml" in body and b"word/document" in body:
        return True
    return (content_type or "").split(";")[0].strip().lower() == DOCX_MIME


def ole2_detail(body: bytes) -> str:
    """Why an OLE2 compound file (old Office) gets no text, naming Word when it is a .doc."""
    if "WordDocument".encode("utf-16-le") in body:
        return ("an old Word .doc file (OLE2): only PDF, DOCX, HTML and plain text are extracted; "
                "ask for the document as PDF or DOCX, or convert it by hand")
    return "an old Office file (OLE2: .xls, .ppt or .doc): only PDF, DOCX, HTML and plain text are extracted"


# ------------------------------------------------------------------------------------ paragraphs

_SENTENCE_END = tuple(".!?;…")  # not ":": "мына деректер:\nтегі, аты" goes on
_LETTER_ITEM = re.compile(r"[^\W\d_]\)")  # "а) сбор;" opens a list item although it starts lowercase
_OPENERS = "«\"“„'‘([ "


def join_lines(text: str) -> str:
    """Visual lines -> paragraphs: join a line to the previous one when the previous does not end a
    sentence and the next starts in lowercase (or the previous ends with a comma, or a hyphen).

    Blank lines, lines without letters (page numbers) and list items ("а)", "1.", "-") stay breaks.
    Simple on purpose: a break before a capitalised word mid-sentence stays a break."""
    out: list[str] = []
    joinable = False  # may the next line continue out[-1]?
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            joinable = False
            continue
        if joinable and out:
            prev, first = out[-1], line.lstrip(_OPENERS)[:1]
            lower = first.islower() and not _LETTER_ITEM.match(line)
            if prev.endswith("-") and prev[-2:-1].isalpha() and lower:
                out[-1] = prev + line  # hyphen kept: "из-за" is as likely as a hyphenated word
            elif lower or (prev.endswith(",") and first.isalpha()):
                out[-1] = prev + " " + line
            else:
                out.append(line)
        else:
            out.append(line)
        joinable = not out[-1].endswith(_SENTENCE_END) and any(ch.isalpha() for ch in out[-1])
    return "\n".join(out)


# ------------------------------------------------------------------------------------------ tools


@cache
def ocr_tools() -> tuple[str, str] | None:
    """(tesseract languages, extractor name) when tesseract with kaz and rus and pdftoppm are installed."""
    if not (shutil.which("tesseract") and shutil.which("pdftoppm")):
        return None
    try:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=20).stdout
        first = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    have = set(langs.split())
    if not {"kaz", "rus"} <= have:
        return None
    wanted = "kaz+rus+eng" if "eng" in have else "kaz+rus"
    words = (first.stdout or first.stderr).split()  # "tesseract 5.3.0 leptonica-..."
    return wanted, f"tesseract {words[1] if len(words) > 1 else '?'} ({wanted})"


@cache
def _pypdf_name() -> str:
    return f"pypdf {version('pypdf')}"


@cache
def _docx_name() -> str:
    return f"python-docx {version('python-docx')}"


# ------------------------------------------------------------------------------------ the parent


def _run_child(task: str, body: bytes, params: dict, timeout: float) -> tuple[dict | None, str, str]:
    """Run one task in a limited child. Returns (its JSON answer or None, failure suffix, detail)."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # tesseract: one thread is as fast here, and fair
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "extraction.filedocs", task, json.dumps(params)], cwd=_PACKAGE_ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:  # out of processes or file descriptors: this file's failure, not the crawl's
        return None, "error", f"could not start the reader: {exc}"
    try:
        out, err = proc.communicate(body, timeout=timeout)
    except subprocess.TimeoutExpired:
        # The child leads its own process group: this ends pdftoppm / tesseract under it as well.
        # The child is not reaped yet, so its pid (the group id) cannot have been reused.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        return None, "timeout", f"took longer than {timeout:g} s"
    if proc.returncode == 0:
        try:
            return json.loads(out), "", ""
        except ValueError:
            pass
    tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
    if proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL) and "MemoryError" not in tail[0]:
        if proc.returncode == -signal.SIGXCPU:
            return None, "timeout", f"used more than {timeout:g} s of CPU"
        return None, "too_large", "killed by SIGKILL: the system ran out of memory?"
    if "MemoryError" in tail[0] or "bad_alloc" in tail[0]:
        return None, "too_large", f"needs more than {params['memory_mb']} MB of memory"
    return None, "error", f"the reader crashed (exit status {proc.returncode}): {tail[0][:200]}"


def _failed(kind: str, suffix: str, detail: str, extractor: str) -> FileText:
    return FileText("", None, extractor, f"{kind}_{suffix}", detail)


def extract_pdf(body: bytes, limits: FileLimits | None = None) -> FileText:
    """Text of a PDF: its text layer, or OCR of a scan; failures as ``pdf_*`` or ``scanned``."""
    limits = limits or default_limits()
    params = {"memory_mb": limits.memory_mb, "cpu": limits.timeout, "max_text": limits.max_text_chars}
    got, suffix, detail = _run_child("pdf", body, params, limits.timeout)
    if got is None or got.get("failure"):
        return _failed("pdf", got["failure"] if got else suffix, got["detail"] if got else detail, _pypdf_name())
    pages, title = got["pages"], got["title"]
    letters = sum(ch.isalpha() for page in pages for ch in page)
    # A text layer that is not language (a font without a Unicode map: private-use glyphs, controls)
    # is no text layer: the pages are read like a scan.
    garbled = not_language("\n".join(pages)) if letters else None
    if letters >= SCAN_LETTERS_PER_PAGE * len(pages) and not garbled:
        return FileText(join_lines("\n".join(pages)), title, _pypdf_name())
    tools = ocr_tools() if limits.ocr else None
    if tools is None:
        if garbled:
            return FileText("", title, _pypdf_name(), "not_text", f"the text layer is {garbled}; OCR is off or missing")
        return FileText("", title, _pypdf_name(), "scanned", SCANNED_DETAIL)
    if len(pages) > limits.ocr_max_pages:
        return FileText("", title, _pypdf_name(), "scanned",
                        f"{SCANNED_DETAIL}; {len(pages)} pages, OCR reads at most {limits.ocr_max_pages}")
    # The parent owns the folder of page images: a child killed on timeout cannot clean up after itself.
    with tempfile.TemporaryDirectory(prefix="policy-archive-ocr-") as tmp:
        params = {"memory_mb": limits.memory_mb, "cpu": limits.ocr_timeout, "langs": tools[0],
                  "pages": len(pages), "dir": tmp}
        got, suffix, detail = _run_child("ocr", body, params, limits.ocr_timeout)
    if got is None or got.get("failure"):
        why = got["detail"] if got else detail
        return FileText("", title, tools[1], "scanned", f"{SCANNED_DETAIL}; OCR failed: {why}")
    text = join_lines("\n\n".join(got["pages"]))
    if sum(ch.isalpha() for ch in text) < 20:
        return FileText("", title, tools[1], "scanned", f"{SCANNED_DETAIL}; OCR found no text either")
    return FileText(text, title, tools[1], method="ocr")


PREVIEW_PIXELS = 1200  # long side of a page image shown in the web UI


def pdf_page_count(body: bytes, limits: FileLimits | None = None) -> int | None:
    """How many pages a PDF has (read in the limited child); None when it cannot be read."""
    limits = limits or default_limits()
    got, _, _ = _run_child("count", body, {"memory_mb": limits.memory_mb, "cpu": limits.timeout}, limits.timeout)
    return got["pages"] if got and not got.get("failure") else None


def pdf_page_png(body: bytes, page: int, limits: FileLimits | None = None) -> bytes | None:
    """Page ``page`` (from 1) of a PDF as a PNG, drawn by pdftoppm in the limited child: how the web
    UI shows a PDF inline (a browser's own PDF viewer does not run in a sandboxed frame)."""
    if not shutil.which("pdftoppm"):
        return None
    limits = limits or default_limits()
    with tempfile.TemporaryDirectory(prefix="policy-archive-page-") as tmp:
        params = {"memory_mb": limits.memory_mb, "cpu": limits.timeout, "page": page, "dir": tmp}
        got, _, _ = _run_child("page", body, params, limits.timeout)
    if not got or got.get("failure"):
        return None
    return base64.b64decode(got["png"])


def extract_docx(body: bytes, limits: FileLimits | None = None) -> FileText:
    """Text of a DOCX, paragraphs and table rows one per line; failures as ``docx_*``."""
    limits = limits or default_limits()
    params = {"memory_mb": limits.memory_mb, "cpu": limits.timeout, "max_text": limits.max_text_chars,
              "max_unzipped": limits.max_unzipped_mb * 2**20}
    got, suffix, detail = _run_child("docx", body, params, limits.timeout)
    if got is None or got.get("failure"):
        return _failed("docx", got["failure"] if got else suffix, got["detail"] if got else detail, _docx_name())
    return FileText(got["text"], got["title"], _docx_name())


# ------------------------------------------------------------------------------------- the child


def _limit_self(memory_mb: int, cpu: float) -> None:
    """Limits inherited by everything this child starts; the hard CPU limit kills a SIGXCPU ignorer."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))
    seconds = max(1, int(cpu + 0.999))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash must not leave core files behind


class _Refused(Exception):
    """A file the child will not read; ``args`` = (failure suffix, detail)."""


def _check_size(text_chars: int, params: dict) -> None:
    if text_chars > params["max_text"]:
        raise _Refused("too_large", f"more than {params['max_text']:,} characters of text")


def _child_pdf(body: bytes, params: dict) -> dict:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(body))
    if reader.is_encrypted and not reader.decrypt(""):
        raise _Refused("error", "encrypted with a password")
    pages, size = [], 0
    for page in reader.pages:
        pages.append(page.extract_text() or "")
        size += len(pages[-1])
        _check_size(size, params)
    if not pages:
        raise _Refused("error", "the PDF has no readable pages")
    try:
        meta = reader.metadata
        title = (" ".join((meta.title or "").split()) or None) if meta else None
    except Exception:  # noqa: BLE001 - a broken info dictionary must not cost us the text
        title = None
    return {"pages": pages, "title": title}


def _child_count(body: bytes, params: dict) -> dict:
    from pypdf import PdfReader

    return {"pages": len(PdfReader(io.BytesIO(body)).pages)}


def _child_page(body: bytes, params: dict) -> dict:
    pdf = Path(params["dir"], "in.pdf")
    pdf.write_bytes(body)
    n = str(int(params["page"]))
    subprocess.run(["pdftoppm", "-png", "-scale-to", str(PREVIEW_PIXELS), "-f", n, "-l", n, "-singlefile",
                    str(pdf), str(Path(params["dir"], "page"))], check=True, capture_output=True,
                   timeout=params["cpu"])
    png = Path(params["dir"], "page.png")
    if not png.exists():
        raise _Refused("error", f"pdftoppm drew no page {n}")
    return {"png": base64.b64encode(png.read_bytes()).decode("ascii")}


def _child_ocr(body: bytes, params: dict) -> dict:
    deadline = time.monotonic() + params["cpu"]
    tmp = params["dir"]
    pdf = Path(tmp, "in.pdf")
    pdf.write_bytes(body)
    # PGM, not PNG: 8 MB a page on disk, but rendering is 5x faster without compression.
    subprocess.run(["pdftoppm", "-gray", "-scale-to", str(OCR_PAGE_PIXELS), "-l", str(params["pages"]),
                    str(pdf), str(Path(tmp, "p"))], check=True, capture_output=True,
                   timeout=max(1.0, deadline - time.monotonic()))
    images = sorted(Path(tmp).glob("p-*.pgm"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    if not images:
        raise _Refused("error", "pdftoppm rendered no pages")
    listing = Path(tmp, "pages.txt")
    listing.write_text("".join(f"{p}\n" for p in images))
    # One tesseract run for all pages loads the language models once; pages come out split by \f.
    done = subprocess.run(["tesseract", str(listing), "stdout", "-l", params["langs"]], check=True,
                          capture_output=True, timeout=max(1.0, deadline - time.monotonic()))
    return {"pages": done.stdout.decode("utf-8", "replace").split("\f")}


def _docx_blocks(element, parent, out: list[str]) -> None:
    """Paragraphs and table rows under a body or cell element, in document order, with the content
    of content controls (``w:sdt``), which python-docx's own iterators skip."""
    from docx.oxml.ns import qn
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    for el in element.iterchildren():
        if el.tag == qn("w:p"):
            out.append(Paragraph(el, parent).text)
        elif el.tag == qn("w:tbl"):
            table = Table(el, parent)
            for tr in el.iterchildren(qn("w:tr")):
                cells: list[str] = []  # w:tc directly: row.cells repeats a merged cell once per column
                for tc in tr.iterchildren(qn("w:tc")):
                    inner: list[str] = []
                    _docx_blocks(tc, _Cell(tc, table), inner)
                    cells.append(" ".join(" ".join(inner).split()))
                out.append(" ".join(filter(None, cells)))
        elif el.tag == qn("w:sdt"):
            content = el.find(qn("w:sdtContent"))
            if content is not None:
                _docx_blocks(content, parent, out)


def _child_docx(body: bytes, params: dict) -> dict:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            # Python's zipfile never inflates more than a member's declared size, so the declared
            # sizes bound what python-docx can unpack: a zip bomb is refused before any inflating.
            unzipped = sum(info.file_size for info in zf.infolist())
            names = set(zf.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise _Refused("error", f"not a readable ZIP archive: {exc}") from None
    if unzipped > params["max_unzipped"]:
        raise _Refused("too_large", f"unpacks to {unzipped / 2**20:,.0f} MB, more than "
                                    f"{params['max_unzipped'] / 2**20:,.0f} MB (a zip bomb?)")
    if "[Content_Types].xml" not in names:
        raise _Refused("error", "a ZIP archive without [Content_Types].xml: not a Word document")
    document = docx.Document(io.BytesIO(body))
    lines: list[str] = []
    _docx_blocks(document.element.body, document, lines)
    text = "\n".join(filter(None, (" ".join(line.split()) for block in lines for line in block.splitlines())))
    _check_size(len(text), params)
    title = " ".join((document.core_properties.title or "").split()) or None
    return {"text": text, "title": title}


def _child_main(argv: list[str]) -> int:
    task, params = argv[1], json.loads(argv[2])
    _limit_self(params["memory_mb"], params["cpu"])
    import logging

    logging.disable(logging.CRITICAL)  # pypdf warns about every broken object; the result says enough
    body = sys.stdin.buffer.read()
    try:
        answer = {"pdf": _child_pdf, "ocr": _child_ocr, "docx": _child_docx, "count": _child_count,
                  "page": _child_page}[task](body, params)
    except _Refused as refused:
        answer = {"failure": refused.args[0], "detail": refused.args[1]}
    except MemoryError:
        answer = {"failure": "too_large", "detail": f"needs more than {params['memory_mb']} MB of memory"}
    except subprocess.TimeoutExpired as exc:
        answer = {"failure": "timeout", "detail": f"{Path(str(exc.cmd[0])).name} ran out of time"}
    except subprocess.CalledProcessError as exc:
        why = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {exc.returncode}"]
        answer = {"failure": "error", "detail": f"{Path(str(exc.cmd[0])).name}: {why[0][:200]}"}
    except Exception as exc:  # noqa: BLE001 - broken files raise anything from KeyError to RecursionError
        detail = f"{type(exc).__name__}: {exc}"[:300]
        if type(exc).__name__ == "LimitReachedError":  # pypdf's own bound on one stream (75 MB inflated)
            answer = {"failure": "too_large", "detail": f"a stream inflates past pypdf's limit ({detail})"}
        else:
            answer = {"failure": "error", "detail": f"unreadable: {detail}"}
    # Lone surrogates from a broken font map cannot be UTF-8: "?" is what a reader would see anyway.
    sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv))

