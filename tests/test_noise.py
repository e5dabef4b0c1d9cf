"""Archive no garbage: bytes that are not language (random data served as text/html, as windows-1251,
as text/plain) are the failure ``not_text``, never a version; real text of every kind is never
flagged: the language corpus, short pages, tariff tables, letter-spaced PDF text, Kazakh Latin."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.models import Document, Snapshot, Version
from crawler.demo.server import FixtureServer, FixtureSite, Route
from extraction.extract import extract
from extraction.noise import not_language
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page
from tests.test_extract import KK_POLICY, nested

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching

CORPUS = Path(__file__).parent / "lang_corpus"
CONTENT_TYPES = ["text/html", "text/html; charset=utf-8", "text/html; charset=windows-1251",
                 "text/html; charset=iso-8859-1", "text/plain", "text/plain; charset=koi8-r"]


def noise(seed: int, size: int, low: int = 0) -> bytes:
    rnd = random.Random(seed)
    return bytes(rnd.randrange(low, 256) for _ in range(size))


# --- noise is never a version -----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("size", [300, 3_000, 30_000, 300_000])
def test_random_bytes_are_not_text_whatever_the_server_calls_them(seed, size):
    for low in (0, 32):  # with control bytes, and without (only "printable" bytes)
        body = noise(seed, size, low)
        for content_type in CONTENT_TYPES:
            result = extract(body, content_type, "https://x.kz/terms")
            assert (result.failure, result.text) == ("not_text", ""), (low, content_type, result)
            assert "control/replacement characters" in result.detail and "not language" in result.detail


def test_the_detail_says_what_is_wrong():
    result = extract(noise(1, 5_000), "text/html; charset=windows-1251", "https://x.kz/terms")
    assert result.failure == "not_text"
    assert result.detail.startswith("not language: ")
    assert "% control/replacement characters" in result.detail and "garbled words" in result.detail


@pytest.mark.parametrize("text", [
    "¿" * 3000,  # one byte repeated
    "-=+*" * 500 + " | " * 300,  # rows of symbols
    "\x00\x01\x02\x1b" * 400,
    "\ufffd" * 200 + "Политика конфиденциальности",
    "\ue000\ue001\ue002 " * 300,  # private-use glyphs of a PDF font without a Unicode map
])
def test_symbols_controls_and_replacement_characters_are_not_language(text):
    assert not_language(text)


# --- real text is never flagged ---------------------------------------------------------------


def _corpus() -> list[dict]:
    return [json.loads(line) for file in sorted(CORPUS.glob("*.jsonl")) for line in file.open(encoding="utf-8")]


def test_no_paragraph_of_the_language_corpus_is_flagged():
    flagged = [(r["id"], not_language(r["text"])) for r in _corpus() if not_language(r["text"])]
    assert flagged == []


@pytest.mark.parametrize("category", sorted({r["category"] for r in _corpus()}))
def test_each_corpus_category_as_a_page_and_as_plain_text_is_a_document(category):
    paragraphs = [r["text"] for r in _corpus() if r["category"] == category]
    html = policy_page("Құжат", paragraphs).encode()
    for body, content_type in ((html, "text/html"), ("\n\n".join(paragraphs).encode("utf-8"), "text/plain")):
        result = extract(body, content_type, "https://x.kz/doc")
        assert result.failure in (None, "no_text"), (category, result.detail)  # short texts may be too short


TARIFFS = "".join(f"<tr><td>{i}</td><td>{i * 1500:,} ₸</td><td>{i * 0.5:.1f}%</td><td>{i * 12} мес.</td>"
                  f"<td>+7 (727) 2{i:02d}-{i * 7 % 100:02d}-00</td></tr>" for i in range(1, 80))
REAL = {
    "tariff table": f"<html><body><h1>Тарифы</h1><table>{TARIFFS}</table></body></html>",
    "numbers only": "<html><body><table>" + "".join(
        "<tr>" + "".join(f"<td>{i * j}</td>" for j in range(12)) + "</tr>" for i in range(40))
    + "</table></body></html>",
    "short policy": "<html><body><h1>Cookie</h1><p>Сайт использует файлы cookie для аналитики и работы "
                    "личного кабинета. Отключить их можно в настройках браузера; часть функций станет "
                    "недоступна.</p></body></html>",
    "letter-spaced PDF text": "П о л и т и к а  к о н ф и д е н ц и а л ь н о с т и\n" * 4 + "\n".join(RU_CLAUSES),
    "words run together by a PDF": " ".join(c.replace(" ", "", 3) for c in RU_CLAUSES),
    "Kazakh with Latin i and ə": "\n".join(c.replace("і", "i").replace("ә", "ə") for c in KK_CLAUSES),
    "brand names": "Оплата картами Visa, Mastercard, UnionPay, через Apple Pay, Google Pay, Kaspi.kz, eGov и "
                   "WhatsApp. " * 5 + "\n".join(RU_CLAUSES),
    "soft hyphens and zero-width spaces": "\n".join(c.replace("ция", "ци\u00ad\u200bя") for c in RU_CLAUSES),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_looking_texts_are_documents(name):
    text = REAL[name]
    content_type = "text/html" if text.startswith("<html>") else "text/plain"
    result = extract(text.encode(), content_type, "https://x.kz/doc")
    assert result.failure is None, result.detail


def test_pdf_text_layers_of_the_fixtures_are_documents():
    fixtures = Path(__file__).parent / "fixtures" / "filedocs"
    for pdf in ("ru-offer.pdf", "kk-privacy.pdf"):
        result = extract((fixtures / pdf).read_bytes(), "application/pdf", f"https://x.kz/{pdf}")
        assert result.failure is None, (pdf, result.detail)


# --- a real crawl -----------------------------------------------------------------------------


def test_noise_served_as_documents_fails_as_not_text_on_every_crawl_and_never_makes_a_version(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/terms": "Пользовательское соглашение", "/offer": "Публичная оферта",
                                   "/kz/privacy": "Құпиялылық саясаты", "/ru/privacy": "Политика конфиденциальности"})),
        "/terms": Route(body=noise(1, 20_000), content_type="text/html"),
        "/offer": Route(body=noise(2, 8_000, low=32), content_type="text/html", header_charset="windows-1251"),
        # the same crawl archives a Kazakh policy lost in 5,000 nested elements, in full
        "/kz/privacy": Route(body=nested(KK_POLICY, ["div", "span", "font"], 5000, closed=False)),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        first = archive.crawl()
        # the garbage changes between crawls, as it did: once a new "version" every time
        site.routes["/terms"] = Route(body=noise(3, 20_000), content_type="text/html")
        site.routes["/offer"] = Route(body=noise(4, 8_000, low=32), content_type="text/html",
                                      header_charset="windows-1251")
        second = archive.crawl()
    assert first.code == 1 and second.code == 1, first.out + first.err  # documents failed
    assert "not_text 2" in first.out and "not_text 2" in second.out
    assert "new versions: 0" in second.out
    db = archive.db()
    with db.session() as s:
        docs = {d.url.rsplit("/", 2)[-1] if "privacy" not in d.url else d.url.rsplit("/", 2)[-2]: d
                for d in s.scalars(select(Document))}
        versions = {v.document_id: v for v in s.scalars(select(Version))}
        failed = [snap for snap in s.scalars(select(Snapshot).where(Snapshot.failure == "not_text"))]
        assert {"terms", "offer"} <= docs.keys()
        for name in ("terms", "offer"):
            assert docs[name].status == "unavailable" and docs[name].last_failure.startswith("not_text: not language")
            assert docs[name].id not in versions
        assert len(failed) == 4 and all(snap.sha256 for snap in failed)  # the bytes are kept, as evidence
        kk = versions[docs["kz"].id]
        assert kk.language == "kk" and kk.extractor.startswith("html.parser ")
        assert all(clause in kk.text for clause in KK_POLICY)
        assert versions[docs["ru"].id].extractor.startswith("trafilatura ")
    db.close()
