"""The child of ``extraction/filedocs.py``: ``python -m extraction.filechild TASK PARAMS`` reads one file
from stdin after limiting itself, and writes one JSON answer to stdout. A single-threaded process that
has imported the parsers once (a crawl's reader process) runs the same :func:`answer` in a fork of itself
instead (``extraction.filedocs.fork_children``): no interpreter to start, no pypdf to import per file.

It limits its own memory and CPU (``RLIMIT_AS``, ``RLIMIT_CPU``) before it reads a byte, so whatever the
parsers (pypdf, python-docx) or the tools it starts (pdftoppm, tesseract) do with a hostile file, the
damage stays in this process; the parent adds the wall-clock timeout. Tasks: ``pdf`` (text layer),
``ocr`` (a scan's pages), ``docx``, ``count`` (pages of a PDF), ``page`` (one PDF page as a PNG).
A file it will not or cannot read is an answer ``{"failure", "detail"}``, never a traceback. It imports
nothing heavy at the top and nothing of ours: the child must start fast.
"""

from __future__ import annotations

import base64
import io
import json
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

OCR_PAGE_PIXELS = 3508  # long side of a rendered page: A4 at 300 dpi, whatever the MediaBox claims
PREVIEW_PIXELS = 1200  # long side of a page image shown in the web UI


def _address_space() -> int:
    """Bytes of address space this process maps now (VmSize)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _limit_self(memory_mb: int, cpu: float, forked: bool = False) -> None:
    """Limits inherited by everything this child starts; the hard CPU limit kills a SIGXCPU ignorer.

    A fork inherits its parent's mappings (the parsers, the language model): there ``memory_mb`` is what
    the reading may add to them, as it is about all a fresh child maps."""
    memory = memory_mb * 2**20 + (_address_space() if forked else 0)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
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


def answer(task: str, body: bytes, params: dict, forked: bool = False) -> bytes:
    """Limit this process, read ``body`` as ``task`` and return the JSON answer (a failure is an answer)."""
    _limit_self(params["memory_mb"], params["cpu"], forked)
    return _read(task, body, params)


def _read(task: str, body: bytes, params: dict) -> bytes:
    import logging

    logging.disable(logging.CRITICAL)  # pypdf warns about every broken object; the result says enough
    try:
        got = {"pdf": _child_pdf, "ocr": _child_ocr, "docx": _child_docx, "count": _child_count,
               "page": _child_page}[task](body, params)
    except _Refused as refused:
        got = {"failure": refused.args[0], "detail": refused.args[1]}
    except MemoryError:
        got = {"failure": "too_large", "detail": f"needs more than {params['memory_mb']} MB of memory"}
    except subprocess.TimeoutExpired as exc:
        got = {"failure": "timeout", "detail": f"{Path(str(exc.cmd[0])).name} ran out of time"}
    except subprocess.CalledProcessError as exc:
        why = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {exc.returncode}"]
        got = {"failure": "error", "detail": f"{Path(str(exc.cmd[0])).name}: {why[0][:200]}"}
    except Exception as exc:  # noqa: BLE001 - broken files raise anything from KeyError to RecursionError
        detail = f"{type(exc).__name__}: {exc}"[:300]
        if type(exc).__name__ == "LimitReachedError":  # pypdf's own bound on one stream (75 MB inflated)
            got = {"failure": "too_large", "detail": f"a stream inflates past pypdf's limit ({detail})"}
        else:
            got = {"failure": "error", "detail": f"unreadable: {detail}"}
    # Lone surrogates from a broken font map cannot be UTF-8: "?" is what a reader would see anyway.
    return json.dumps(got, ensure_ascii=False).encode("utf-8", "replace")


def main(argv: list[str]) -> int:
    task, params = argv[1], json.loads(argv[2])
    _limit_self(params["memory_mb"], params["cpu"])
    sys.stdout.buffer.write(_read(task, sys.stdin.buffer.read(), params))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

