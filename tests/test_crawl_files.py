"""Crawling documents that are files: PDFs (text, scanned, broken, hostile) and DOCX, end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.models import Document, Snapshot, Version
from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import company
from tests.pages import home_page
from tests.test_filedocs import deflated, fixture, make_docx, pdf_with_pages

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching


def test_pdfs_and_docx_are_archived_and_bad_files_cost_one_document(archive):
    links = {
        "/files/42": "Публичная оферта",  # a PDF served as octet-stream, no .pdf in the URL
        "/kk/privacy-doc": "Құпиялылық саясаты",
        "/docs/terms.docx": "Пайдаланушы келісімі",
        "/docs/broken": "Политика обработки персональных данных",
        "/docs/bomb": "Кодекс деловой этики",
        "/docs/scan": "Согласие на обработку персональных данных",
    }
    site = FixtureSite(routes={
        "/": Route(body=home_page(links)),
        "/files/42": Route(body=fixture("ru-offer.pdf"), content_type="application/octet-stream"),
        "/kk/privacy-doc": Route(body=fixture("kk-privacy.pdf"), content_type="application/pdf"),
        "/docs/terms.docx": Route(body=make_docx(), content_type="application/octet-stream"),
        "/docs/broken": Route(body=fixture("ru-offer.pdf")[:3000], content_type="application/pdf"),
        # 2 GB of page content behind 1 MB on the wire: the sandbox's memory limit stops it.
        "/docs/bomb": Route(body=pdf_with_pages([deflated(b"\0" * 1000, 70 * 2**20)] * 30),
                            content_type="application/pdf"),
        "/docs/scan": Route(body=fixture("scanned-offer.pdf"), content_type="application/pdf"),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        result = archive.crawl(timeout=600)
    assert result.code == 1  # two bad files; everything else archived

    db = archive.db()
    with db.session() as s:
        docs = {d.url.rsplit("/", 1)[1]: d for d in s.scalars(select(Document))}
        versions = {v.document_id: v for v in s.scalars(select(Version))}
        failed = {snap.url.rsplit("/", 1)[1]: snap.failure
                  for snap in s.scalars(select(Snapshot).where(Snapshot.outcome == "failed"))}
    db.close()
    assert failed == {"broken": "pdf_error", "bomb": "pdf_too_large"}
    offer, privacy, terms, scan = (versions[docs[k].id] for k in ("42", "privacy-doc", "terms.docx", "scan"))
    assert (docs["42"].doc_type, offer.language, offer.method) == ("public_offer", "ru", "text")
    assert offer.extractor.startswith("pypdf")
    assert (docs["privacy-doc"].doc_type, privacy.language) == ("privacy_policy", "kk")
    assert "Дербес деректерді өңдеу саясаты" in privacy.text  # Kazakh letters intact
    assert (terms.language, terms.extractor.split()[0]) == ("kk", "python-docx")
    assert "Біріктірілген ұяшық" in terms.text
    assert scan.method == "ocr" and scan.extractor.startswith("tesseract")
