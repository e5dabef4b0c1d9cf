"""Text from documents that are files (PDF, DOCX), read in a sandboxed child process.

PDF and DOCX parsers are large amounts of code fed with bytes from any website: a broken or hostile
file can loop for hours, decompress to gigabytes or crash the interpreter. So each file is read by a
short-lived ``python -m extraction.filechild`` child (extraction/filechild.py) that limits itself
(``RLIMIT_AS``, ``RLIMIT_CPU``) before it reads a byte, and the parent adds a wall-clock timeout and
kills the child's whole process group (OCR tools included) when it runs out. A bad file then costs one
document and a reason: ``pdf_error`` / ``pdf_timeout`` / ``pdf_too_large`` (``docx_*`` alike), never the crawl.

A PDF whose pages carry (almost) no text is a scan: when Debian's ``tesseract`` with the Kazakh and
Russian data and ``pdftoppm`` are installed, its pages are rendered and OCR'd (``method="ocr"``);
otherwise, or when OCR is switched off (``POLICY_ARCHIVE_OCR=0``) or the scan is too long, it fails
as ``scanned``. A text layer that is not language (``extraction.noise``: a font without a Unicode map)
is read the same way, and fails as ``not_text`` without OCR. This module is the parent's side: it
starts the child, bounds it and turns its answer (or its death) into a :class:`FileText`.

A fresh interpreter costs ~160 ms a file, most of it importing pypdf. A crawl's reader processes, which
are single-threaded, call :func:`fork_children` once: they import the parsers, and each file is then read
in a fork of the reader (a few ms), which limits itself the same way before it reads a byte. A process
with threads (the crawl itself) always starts a fresh interpreter: a fork would copy its threads' locks
mid-flight.
"""

from __future__ import annotations

import base64
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

from extraction import filechild
from extraction.noise import not_language

# The folder that holds the ``extraction`` package: the child is started there with ``-m``, so it
# imports this very checkout, whatever PYTHONPATH says.
_PACKAGE_ROOT = Path(__file__).resolve().parent.parent

SCANNED_DETAIL = "no text layer (scanned?)"
# A text page holds 1,000-3,000 letters; a scan has none, or only an e-signature stamp's few dozen.
SCAN_LETTERS_PER_PAGE = 100
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


_forking = False  # set by fork_children() in a single-threaded reader process


def fork_children() -> None:
    """Read files in forks of this process from now on (when it has one thread): imports the parsers once,
    so that each fork has them. For a crawl's reader processes (``archive.prepared.start_reader``)."""
    global _forking
    import docx  # noqa: F401 - imported here once, for every fork
    import pypdf  # noqa: F401

    _forking = True


class _Forked:
    """One task in a fork of this process: the little of ``subprocess.Popen`` that :func:`_run_child` uses
    (``pid``, ``communicate``, ``returncode``). The fork leads its own session, so that a timeout kills its
    tools too; it limits itself (``filechild.answer``) before it reads a byte."""

    def __init__(self, task: str, body: bytes, params: dict):
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        try:
            self.pid = os.fork()
        except OSError:
            for fd in (out_r, out_w, err_r, err_w):
                os.close(fd)
            raise
        if self.pid == 0:  # the child: it never returns from here
            status = 70
            try:
                os.setsid()
                os.close(out_r)
                os.close(err_r)
                os.dup2(err_w, 2)
                os.environ["OMP_THREAD_LIMIT"] = "1"
                got = filechild.answer(task, body, params, forked=True)
                with os.fdopen(out_w, "wb") as out:
                    out.write(got)
                status = 0
            except BaseException as exc:  # noqa: BLE001 - told to the parent as a crash, never raised here
                os.write(2, f"{type(exc).__name__}: {exc}"[:300].encode("utf-8", "replace"))
            finally:
                os._exit(status)
        os.close(out_w)
        os.close(err_w)
        self._out, self._err = out_r, err_r
        self._got = {out_r: bytearray(), err_r: bytearray()}
        self._open = [out_r, err_r]
        self.returncode: int | None = None

    def communicate(self, input: bytes | None = None, timeout: float | None = None) -> tuple[bytes, bytes]:
        deadline = None if timeout is None else time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            for fd in self._open:
                selector.register(fd, selectors.EVENT_READ)
            while self._open:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise subprocess.TimeoutExpired("filechild", timeout or 0)
                for key, _ in selector.select(left):
                    chunk = os.read(key.fd, 1 << 16)
                    if chunk:
                        self._got[key.fd] += chunk
                    else:
                        selector.unregister(key.fd)
                        os.close(key.fd)
                        self._open.remove(key.fd)
        self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return bytes(self._got[self._out]), bytes(self._got[self._err])


def _run_child(task: str, body: bytes, params: dict, timeout: float) -> tuple[dict | None, str, str]:
    """Run one task in a limited child. Returns (its JSON answer or None, failure suffix, detail)."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # tesseract: one thread is as fast here, and fair
    try:
        if _forking and threading.active_count() == 1:
            proc: subprocess.Popen | _Forked = _Forked(task, body, params)
        else:
            proc = subprocess.Popen(
                [sys.executable, "-m", "extraction.filechild", task, json.dumps(params)], cwd=_PACKAGE_ROOT,
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True)
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
