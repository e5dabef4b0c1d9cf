"""One XLSX writer for every report: openpyxl's public ``Workbook.save``, then made reproducible.

A researcher who renders the same report twice must get the same file (diffable, hashable, cacheable).
``Workbook.save`` stamps three things from the wall clock: docProps/core.xml's ``modified`` (always
"now", whatever the workbook says), the zip entries' dates (the local time of the machine, so the TZ
too) and, through them, the zip's bytes. ``save_workbook`` saves, then rewrites those from the
report's own date (its ``generated_at``): created and modified in core.xml, every zip entry dated
the same, entries in one fixed order, with fixed attributes. Nothing private of openpyxl is used.
Also here: what every report does to a cell value (``cell_text``).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

from lxml import etree
from openpyxl import Workbook

from archive.times import parse_when

ZIP_EPOCH = datetime(1980, 1, 1)  # the earliest date a zip entry can carry
# The control characters XML 1.0 forbids (tab, newline and carriage return are allowed): openpyxl refuses them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CORE = "docProps/core.xml"
_DCTERMS = "http://purl.org/dc/terms/"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
# Readers that sniff the type (file(1), some mail gateways) look at the first entries: these go first.
_FIRST = ("[Content_Types].xml", "_rels/.rels")


def report_date(generated_at: str | None) -> datetime:
    """The moment a report's xlsx is dated: its ``generated_at`` as naive UTC to the second, or the zip
    epoch when the data has none (or one before 1980, which a zip cannot hold)."""
    try:
        moment = parse_when(generated_at) if generated_at else ZIP_EPOCH
    except (TypeError, ValueError):
        return ZIP_EPOCH
    return max(moment.replace(microsecond=0), ZIP_EPOCH)


def cell_text(value):
    """A value from the web as a cell holds it: strings without the control characters openpyxl refuses
    (it would refuse the whole file); anything else as it is."""
    return _ILLEGAL.sub("", value) if isinstance(value, str) else value


def keep_text(cells) -> None:
    """Strings stay strings: a page title "=HYPERLINK(...)" must never become a formula."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def save_workbook(book: Workbook, when: datetime) -> bytes:
    """The workbook as xlsx bytes that depend on its content and ``when`` only (see the module doc)."""
    book.properties.created = book.properties.modified = when
    raw = io.BytesIO()
    book.save(raw)
    return _reproducible(raw.getvalue(), when)


def _reproducible(xlsx: bytes, when: datetime) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for name in [*(n for n in _FIRST if n in names), *sorted(n for n in names if n not in _FIRST)]:
            body = src.read(name)
            if name == _CORE:
                body = _dated_core(body, when)
            entry = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            # Fixed "made on Unix, rw-r--r--" whatever the platform (ZipInfo's default depends on it).
            entry.create_system, entry.external_attr = 3, 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, body)
    return out.getvalue()


def _dated_core(xml: bytes, when: datetime) -> bytes:
    """docProps/core.xml with dcterms:created and dcterms:modified set to ``when`` (added if missing)."""
    root = etree.fromstring(xml)
    stamp = when.isoformat(timespec="seconds") + "Z"
    for name in ("created", "modified"):
        element = root.find(f"{{{_DCTERMS}}}{name}")
        if element is None:
            element = etree.SubElement(root, f"{{{_DCTERMS}}}{name}", nsmap={"dcterms": _DCTERMS, "xsi": _XSI})
            element.set(f"{{{_XSI}}}type", "dcterms:W3CDTF")
        element.text = stamp
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

