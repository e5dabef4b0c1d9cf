"""Documents that are files: PDF and DOCX read in a limited child process, scans OCR'd.

Every file here is real: PDFs printed by Chromium and a scan made from a screenshot (checked in
under tests/fixtures/filedocs/, rebuilt by make_fixtures.py there), DOCX written by python-docx, and
bombs built byte by byte below. OCR runs Debian's tesseract, which scripts/setup.sh installs.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from extraction.extract import extract, sniff_kind
from extraction.filedocs import FileLimits, join_lines, ocr_tools

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)

FIXTURES = Path(__file__).parent / "fixtures" / "filedocs"
REPO = Path(__file__).resolve().parent.parent
NO_OCR = FileLimits(ocr=False)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def source_paragraphs(name: str) -> list[str]:
    """The headings and paragraphs of a fixture's HTML source, tags and entities aside."""
    html = (FIXTURES / name).read_text(encoding="utf-8")
    body = html.split("<body>", 1)[1]
    return [" ".join(re.sub(r"<[^>]+>", "", m).split()) for m in re.findall(r"<(?:h1|h2|p)>(.*?)</", body, re.S)]


def words(text: str) -> list[str]:
    return text.split()


# --------------------------------------------------------------------------------------------- PDF


def test_kazakh_pdf_text_is_intact_one_paragraph_per_line():
    result = extract(fixture("kk-privacy.pdf"), "application/pdf", "https://dala.example.kz/kk/privacy.pdf")
    assert (result.kind, result.failure, result.method) == ("pdf", None, "text")
    assert result.extractor.startswith("pypdf ")
    assert result.title == "Дербес деректерді өңдеу саясаты"
    expected = source_paragraphs("kk-privacy.html")
    assert result.text.splitlines() == expected  # wrapped lines joined back into paragraphs
    for letter in "әғқңөұүһі":
        assert letter in result.text, letter


def test_russian_ten_page_pdf():
    result = extract(fixture("ru-offer.pdf"), "application/pdf", "https://stepnoy.example.kz/offer.pdf")
    assert (result.kind, result.failure) == ("pdf", None)
    expected = source_paragraphs("ru-offer.html")
    assert words(result.text) == words("\n".join(expected))  # every word, in order, across 10 pages
    lines = result.text.splitlines()
    # One paragraph (10.1) wraps before «Степной», "Строителей" and a number: capitalised
    # continuations are left as breaks on purpose (a heading looks the same), so it stays 4 lines.
    assert sum(line in expected for line in lines) == len(expected) - 1
    assert "5.3. Абонент несёт ответственность за сохранность пароля от личного кабинета и обязан незамедлительно " \
           "сообщить оператору, если пароль стал известен посторонним." in lines


@pytest.mark.parametrize("content_type", ["application/octet-stream", None, "text/html; charset=utf-8"])
def test_pdf_is_recognised_by_its_bytes_not_its_url_or_header(content_type):
    url = "https://stepnoy.example.kz/download?id=17&type=doc"
    assert sniff_kind(fixture("ru-offer.pdf"), content_type) == "pdf"
    result = extract(fixture("ru-offer.pdf"), content_type, url)
    assert (result.kind, result.failure) == ("pdf", None)
    assert "Публичная оферта на оказание услуг доступа в интернет" in result.text


@pytest.mark.parametrize("cut", [0.5, 2000])
def test_truncated_pdf_is_a_clear_pdf_error(cut):
    good = fixture("ru-offer.pdf")
    body = good[: int(len(good) * cut) if isinstance(cut, float) else cut]
    result = extract(body, "application/pdf", "https://stepnoy.example.kz/offer.pdf")
    assert (result.kind, result.failure, result.text) == ("pdf", "pdf_error", "")
    assert result.detail.startswith("unreadable: ")


def test_pdf_with_garbage_after_the_header():
    result = extract(b"%PDF-1.7\n" + bytes(range(256)) * 40, "application/pdf", "https://x.kz/x.pdf")
    assert (result.failure, result.text) == ("pdf_error", "")


def pdf_with_pages(streams: list[bytes]) -> bytes:
    """A PDF with one page per Flate-compressed content stream, each its own object, xref exact."""
    n = len(streams)
    font = 3 + 2 * n
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n)]
    for i, stream in enumerate(streams):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (4 + 2 * i, font))
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def deflated(chunk: bytes, total: int) -> bytes:
    """``chunk`` repeated to ``total`` bytes, Flate-compressed (a few hundred times smaller)."""
    packer, block = zlib.compressobj(9), chunk * (2**20 // len(chunk))
    return b"".join(packer.compress(block) for _ in range(total // len(block))) + packer.flush()


BOMBS = {
    # 30 pages of 70 MB each: every stream stays under pypdf's own 75 MB cap, together 2 GB.
    # The default limits (1 GB of memory) stop it.
    "2 GB over 30 streams": (lambda: pdf_with_pages([deflated(b"\0" * 1000, 70 * 2**20)] * 30),
                             FileLimits(ocr=False), "pdf_too_large"),
    # One page of 10 million text operators: cheap to inflate, minutes of parsing.
    "10 million operators": (lambda: pdf_with_pages([deflated(b"0 0 Td ", 70 * 2**20)]),
                             FileLimits(timeout=3, ocr=False), "pdf_timeout"),
    # A single stream of 256 MB: pypdf's own bound stops it, and the detail says so.
    "256 MB in one stream": (lambda: pdf_with_pages([deflated(bytes(1000), 2**28)]),
                           FileLimits(timeout=20, ocr=False), "pdf_too_large"),
}


@pytest.mark.parametrize("name", BOMBS)
def test_pdf_bomb_costs_one_document_and_a_reason(name):
    make, limits, failure = BOMBS[name]
    body = make()
    assert len(body) < 3 * 2**20  # small on the wire
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    result = extract(body, "application/octet-stream", "https://x.kz/files/42", limits=limits)
    elapsed = time.monotonic() - start
    assert (result.kind, result.failure, result.text) == ("pdf", failure, "")
    assert result.detail
    print(f"\n{name}: {result.failure} ({result.detail}) in {elapsed:.1f} s")
    # The limits bounded it (generous margins for a busy machine), and none of it landed here:
    assert elapsed < 2 * limits.timeout + 30
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 200_000  # KB
    # ...and this process goes on extracting.
    assert extract(fixture("kk-privacy.pdf"), "application/pdf", "https://x.kz/").failure is None


def test_timeout_is_the_wall_clock_one_and_said_in_seconds():
    body = pdf_with_pages([deflated(b"0 0 Td ", 70 * 2**20)])
    start = time.monotonic()
    result = extract(body, "application/pdf", "https://x.kz/x.pdf", limits=FileLimits(timeout=1.5, ocr=False))
    assert time.monotonic() - start < 15
    assert result.failure == "pdf_timeout"
    assert result.detail in ("took longer than 1.5 s", "used more than 1.5 s of CPU")


def test_timing_of_a_ten_page_pdf():
    body = fixture("ru-offer.pdf")
    extract(body, "application/pdf", "https://x.kz/")  # warm-up: OS caches
    runs = 5
    start = time.perf_counter()
    for _ in range(runs):
        result = extract(body, "application/pdf", "https://x.kz/")
    per_pdf = (time.perf_counter() - start) / runs * 1000
    print(f"\nPDF: {per_pdf:.0f} ms per 10-page PDF ({per_pdf / 10:.0f} ms per page, child process included)")
    assert result.failure is None
    assert per_pdf < 10_000



# A reader process (single-threaded, extraction.filedocs.fork_children) reads each file in a fork of itself.
FORKED_READER = """
import json, os, sys
from pathlib import Path
from extraction import filedocs
from extraction.extract import extract
from extraction.filedocs import FileLimits
forks = []
os.register_at_fork(after_in_parent=lambda: forks.append(1))
filedocs.fork_children()
out = {}
for path in sorted(Path(sys.argv[1]).glob("*.bin")):
    limits = FileLimits(**json.loads(path.with_suffix(".json").read_text()))
    r = extract(path.read_bytes(), "application/octet-stream", "https://x.kz/f", limits=limits)
    out[path.stem] = [r.kind, r.failure, r.detail, r.text, r.title, r.method, r.extractor]
print(json.dumps({"forks": len(forks), "results": out}))
"""


def test_a_reader_process_reads_files_in_forks_of_itself_with_the_same_answers_and_bounds(tmp_path):
    """The same files, read in fresh children (this process) and in forks of a single-threaded reader process
    that imported the parsers once: the same texts and failures, the same bounds on memory, time and CPU."""
    files = {
        "kk-pdf": (fixture("kk-privacy.pdf"), {}),
        "ru-pdf": (fixture("ru-offer.pdf"), {}),
        "truncated-pdf": (fixture("ru-offer.pdf")[:2000], {}),
        "scan-no-ocr": (fixture("scanned-offer.pdf"), {"ocr": False}),
        "scan-ocr-timeout": (fixture("scanned-offer.pdf"), {"ocr_timeout": 0.3}),
        "docx": (make_docx(), {}),
        "bomb-memory": (BOMBS["2 GB over 30 streams"][0](), {"ocr": False, "memory_mb": 300}),
        "bomb-time": (pdf_with_pages([deflated(b"0 0 Td ", 70 * 2**20)]), {"ocr": False, "timeout": 2}),
    }
    for name, (body, limits) in files.items():
        (tmp_path / f"{name}.bin").write_bytes(body)
        (tmp_path / f"{name}.json").write_text(json.dumps(limits))
    done = subprocess.run([sys.executable, "-c", FORKED_READER, str(tmp_path)], capture_output=True, text=True,
                          timeout=300, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    forked = json.loads(done.stdout)
    assert forked["forks"] >= len(files)  # every file was read in a fork (the scan's OCR in a second one)
    for name, (body, limits) in files.items():
        fresh = extract(body, "application/octet-stream", "https://x.kz/f", limits=FileLimits(**limits))
        kind, failure, detail, text, title, method, extractor = forked["results"][name]
        assert (kind, failure, text, title, method, extractor) == (
            fresh.kind, fresh.failure, fresh.text, fresh.title, fresh.method, fresh.extractor), name
        if name != "bomb-time":  # wall clock or CPU, whichever ends it first
            assert detail == fresh.detail, name
    assert forked["results"]["kk-pdf"][1] is None and forked["results"]["docx"][1] is None
    assert forked["results"]["bomb-memory"][1] == "pdf_too_large"
    assert forked["results"]["bomb-time"][1] == "pdf_timeout"
    assert forked["results"]["scan-ocr-timeout"][2] == "no text layer (scanned?); OCR failed: took longer than 0.3 s"

# ------------------------------------------------------------------------------------------ scans


def require_ocr() -> tuple[str, str]:
    tools = ocr_tools()
    if tools is None:  # never skipped: CI installs them with scripts/setup.sh
        pytest.fail("tesseract with kaz and rus, or pdftoppm, is missing: run scripts/setup.sh")
    return tools


def test_scanned_pdf_is_ocrd_in_kazakh_and_russian():
    require_ocr()
    start = time.perf_counter()
    result = extract(fixture("scanned-offer.pdf"), "application/pdf", "https://x.kz/scan.pdf")
    print(f"\nOCR: {time.perf_counter() - start:.1f} s for a 1-page scan (text layer check, render, tesseract)")
    assert (result.kind, result.failure, result.method) == ("pdf", None, "ocr")
    assert result.extractor.startswith("tesseract ") and result.extractor.endswith("(kaz+rus+eng)")
    for word in ("ПУБЛИЧНАЯ", "оферта", "абонентам", "доступным", "ЖАРИЯ", "қызметтерін", "көрсету", "айқындайды",
                 "офертаның", "толық", "қабылдайды"):
        assert word in result.text, word
    lines = result.text.splitlines()
    assert lines[0] == "ПУБЛИЧНАЯ ОФЕРТА" and lines[2] == "ЖАРИЯ ОФЕРТА"
    assert len(lines) == 4  # the scanned lines joined back into two paragraphs under two headings


def test_scanned_pdf_without_ocr_is_flagged():
    result = extract(fixture("scanned-offer.pdf"), "application/pdf", "https://x.kz/scan.pdf", limits=NO_OCR)
    assert (result.failure, result.detail, result.text, result.method) == (
        "scanned", "no text layer (scanned?)", "", "text")


def test_ocr_switched_off_by_the_environment():
    code = ("from pathlib import Path; from extraction.extract import extract; "
            f"r = extract(Path({str(FIXTURES / 'scanned-offer.pdf')!r}).read_bytes(), 'application/pdf', 'u'); "
            "print(r.failure, r.detail, sep='|')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**os.environ, "POLICY_ARCHIVE_OCR": "0", "PYTHONPATH": str(REPO)})
    assert done.stdout.strip() == "scanned|no text layer (scanned?)", done.stderr


def test_ocr_is_bounded_in_time_and_pages():
    require_ocr()
    body = fixture("scanned-offer.pdf")
    start = time.monotonic()
    result = extract(body, "application/pdf", "u", limits=FileLimits(ocr_timeout=0.3))
    assert time.monotonic() - start < 15
    assert result.failure == "scanned"
    assert result.detail == "no text layer (scanned?); OCR failed: took longer than 0.3 s"
    result = extract(body, "application/pdf", "u", limits=FileLimits(ocr_max_pages=0))
    assert result.detail == "no text layer (scanned?); 1 pages, OCR reads at most 0"


# -------------------------------------------------------------------------------------------- DOCX

DOCX_PARAGRAPHS = [
    "Осы келісім «Сауда Алаңы» интернет-дүкенінің пайдаланушылары мен сатушылары арасындағы қатынастарды реттейді.",
    "Пайдаланушы тіркелу кезінде өзі туралы шынайы мәліметтерді көрсетуге міндетті.",
    "Настоящее соглашение действует с момента регистрации пользователя и до удаления его учётной записи.",
    "Бұл мәтін мазмұнды басқару элементінің ішінде тұр.",
]


def make_docx(*, extra: dict[str, int] | None = None) -> bytes:
    """A Word document as python-docx writes it; ``extra`` adds members of N zero bytes (a bomb)."""
    document = docx.Document()
    document.core_properties.title = "Пайдаланушы келісімі"
    document.add_heading("Пайдаланушы келісімі", level=1)
    for text in DOCX_PARAGRAPHS[:2]:
        document.add_paragraph(text)
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("Деректер", "Сақтау мерзімі"), ("Төлем тарихы", "5 жыл"),
                                       ("Кіру журналдары", "1 жыл")], strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 2)).text = "Біріктірілген ұяшық"
    document.add_paragraph("")
    document.add_paragraph(DOCX_PARAGRAPHS[2])
    # A content control (w:sdt) around a paragraph, as Word's templates leave them: python-docx's
    # own iterators skip these, the text must not.
    control = parse_xml(f'<w:sdt {nsdecls("w")}><w:sdtContent><w:p><w:r><w:t>{DOCX_PARAGRAPHS[3]}</w:t></w:r>'
                        "</w:p></w:sdtContent></w:sdt>")
    document.element.body.insert(len(document.element.body) - 1, control)  # before the final w:sectPr
    buffer = io.BytesIO()
    document.save(buffer)
    if extra:
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
            for name, size in extra.items():
                with zf.open(name, "w", force_zip64=True) as member:
                    for _ in range(size // 2**20):
                        member.write(bytes(2**20))
    return buffer.getvalue()


def test_docx_paragraphs_and_tables_one_per_line():
    body = make_docx()
    assert sniff_kind(body, "application/octet-stream") == "docx"
    result = extract(body, "application/octet-stream", "https://sauda.example.kz/files/get/42")
    assert (result.kind, result.failure, result.method) == ("docx", None, "text")
    assert result.extractor.startswith("python-docx ")
    assert result.title == "Пайдаланушы келісімі"
    assert result.text.splitlines() == [
        "Пайдаланушы келісімі",
        *DOCX_PARAGRAPHS[:2],
        "Деректер Сақтау мерзімі",  # a table row is a line, cells separated by a space (as in HTML)
        "Төлем тарихы 5 жыл",
        "Кіру журналдары 1 жыл",
        "Біріктірілген ұяшық",  # a merged cell once, not once per column
        *DOCX_PARAGRAPHS[2:],
    ]


def test_docx_zip_bomb_is_refused_before_unzipping():
    body = make_docx(extra={"word/media/image1.bin": 300 * 2**20})
    assert len(body) < 2 * 2**20
    start = time.monotonic()
    result = extract(body, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "https://x.kz/agreement.docx")
    assert time.monotonic() - start < 20
    assert (result.kind, result.failure, result.text) == ("docx", "docx_too_large", "")
    assert re.fullmatch(r"unpacks to 30\d MB, more than 200 MB \(a zip bomb\?\)", result.detail), result.detail


def test_truncated_docx_is_a_docx_error():
    body = make_docx()[:3000]
    result = extract(body, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "u")
    assert (result.kind, result.failure) == ("docx", "docx_error")
    assert "ZIP" in result.detail


def test_other_zip_and_old_doc_are_unsupported_with_a_reason():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("tariffs.csv", "тариф;цена\n")
    result = extract(buffer.getvalue(), "application/zip", "https://x.kz/tariffs.zip")
    assert (result.kind, result.failure) == ("other", "unsupported_type")
    # The head of an OLE2 compound file, and the stream name every Word 97-2003 file holds.
    doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(1000)
    result = extract(doc, "application/msword", "https://x.kz/offer.doc")
    assert (result.kind, result.failure) == ("other", "unsupported_type")
    assert result.detail.startswith("an old Word .doc file (OLE2)")


# --------------------------------------------------------------------------------------- paragraphs


@pytest.mark.parametrize("lines, paragraphs", [
    (["Оператор обрабатывает данные", "только с согласия абонента."],
     ["Оператор обрабатывает данные только с согласия абонента."]),
    (["Қоғам мына деректерді жинайды:", "тегі, аты, телефон нөмірі."],
     ["Қоғам мына деректерді жинайды: тегі, аты, телефон нөмірі."]),
    (["в соответствии с законодательством,", "Оператор обязуется"],
     ["в соответствии с законодательством, Оператор обязуется"]),
    (["Общие положения", "Настоящая политика действует."], ["Общие положения", "Настоящая политика действует."]),
    (["Сведения передаются:", "а) банкам;", "б) операторам связи."], ["Сведения передаются:", "а) банкам;",
                                                                     "б) операторам связи."]),
    (["обработка персональ-", "ных данных"], ["обработка персональ-ных данных"]),
    (["конец страницы", "", "12", "продолжение"], ["конец страницы", "12", "продолжение"]),
    (["Первый абзац без точки", "", "второй абзац"], ["Первый абзац без точки", "второй абзац"]),
    (["срок хранения —", "«не более трёх лет»."], ["срок хранения — «не более трёх лет»."]),
])
def test_join_lines(lines, paragraphs):
    assert join_lines("\n".join(lines)).splitlines() == paragraphs
