"""Companies' own archives of previous versions (RDR F2a.4 / P2a.4): stated dates, archive pages and
sections, historical captures kept apart from the current documents, and the coverage report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from parsel import Selector
from sqlalchemy import select

from archive.models import Document, Snapshot, Version
from config.loader import default_vocabulary
from crawler.demo.server import FixtureServer, FixtureSite, Route
from spiders.archives import archive_sections, page_editions
from spiders.links import RawLink, classify
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page

OFFER_PDF = (Path(__file__).parent / "fixtures" / "filedocs" / "ru-offer.pdf").read_bytes()


@pytest.fixture(scope="module")
def vocab():
    return default_vocabulary()


# --- stated dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Редакция от 01.02.2023", date(2023, 2, 1)),
        ("от 15 марта 2022 г.", date(2022, 3, 15)),
        ("Редакция от «1» июня 2025 года", date(2025, 6, 1)),
        ("утверждена 3 мая 2021 г.", date(2021, 5, 3)),
        ("в редакции от 20 Сентября 2019", date(2019, 9, 20)),
        ("2023 жылғы 1 ақпандағы редакция", date(2023, 2, 1)),
        ("2022 жылдың 10 қазанынан бастап", date(2022, 10, 10)),
        ("2021 ж. 5 мамыр", date(2021, 5, 5)),
        ("1 наурыз 2020 ж.", date(2020, 3, 1)),
        ("01.02.2023 ж.", date(2023, 2, 1)),
        ("2021-05-01", date(2021, 5, 1)),
        ("1/2/2023", date(2023, 2, 1)),
        ("Version of 1 February 2023", date(2023, 2, 1)),
        ("February 1, 2023", date(2023, 2, 1)),
        # the first date of a row is the edition's: "в силе с ... по ..."
        ("Действовала с 01.02.2022 по 31.01.2023", date(2022, 2, 1)),
    ],
)
def test_stated_dates(vocab, phrase, expected):
    assert vocab.stated_date(phrase) == expected


@pytest.mark.parametrize("phrase", [
    "31.02.2023",  # no such day
    "п. 5.1.2 Договора",  # a clause number
    "от 12 декабря 1980 г.",  # before Kazakhstan's documents could be online
    "Редакция 2023 года",  # a year is not a date
    "Архив документов",
    "",
])
def test_not_stated_dates(vocab, phrase):
    assert vocab.stated_date(phrase) is None


def test_months_decide_by_the_longest_name(vocab):
    # "ма" starts both "марта" and "мая"; Kazakh "мамыр" (May) and "маусым" (June) as well.
    assert [vocab.stated_date(f"1 {m} 2024").month for m in ("марта", "мая", "мамыр", "маусым", "March")] == [
        3, 5, 5, 6, 3]


# --- links, archive pages and archive sections (no crawl) ------------------------------------------

PAGE = "https://bank.kz/ru/terms"


@pytest.mark.parametrize(
    ("text", "url", "page_role", "role", "historical"),
    [
        ("Архив документов", "https://bank.kz/ru/archive", "document", "archive", False),
        ("Предыдущие редакции", "https://bank.kz/ru/terms/old", "home", "archive", False),
        ("Бұрынғы редакциялар", "https://bank.kz/kz/old", "document", "archive", False),
        ("", "https://bank.kz/legal/archive/", "hub", "archive", False),
        ("Редакция от 01.02.2023", "https://bank.kz/ru/terms-2023", "document", "document", True),
        # On a homepage a document named with its date is the edition in force.
        ("Публичная оферта (редакция от 01.06.2025)", "https://bank.kz/offer", "home", "document", False),
        # The edition in force is the current document, whatever its date.
        ("Действующая редакция от 01.06.2025", "https://bank.kz/ru/terms-2025", "document", "document", False),
        # The words of a link outrank its URL.
        ("Политика конфиденциальности", "https://bank.kz/archive/privacy", "home", "document", False),
    ],
)
def test_archive_links(vocab, text, url, page_role, role, historical):
    target = classify(RawLink(url, text), PAGE, page_role, "terms_of_service", vocab)
    assert (target.role if target else None) == role
    if target:
        assert target.historical is historical
        if historical:
            assert (target.doc_type, target.stated_date) == ("terms_of_service", date(2023, 2, 1))


def test_an_archive_section_on_a_kazakh_page(vocab):
    html = """<html><body><nav><a href="/kz/">Басты бет</a></nav><main><h1>Құпиялылық саясаты</h1>
      <p>2025 жылғы 1 ақпандағы редакция.</p><h2>1. Жалпы ережелер</h2><p>Мәтін <a href="/kz/terms">келісім</a></p>
      <div class="title"><h2>Бұрынғы редакциялар</h2></div>
      <ul><li><a href="/kz/privacy-2023">2023 жылғы 1 ақпандағы редакция</a></li>
          <li>01.05.2021 ж. редакциясы: <a href="/files/privacy-2021.pdf">PDF</a> <a href="/ru/p-2021.pdf">RU</a></li>
          <li><a href="/kz/privacy">Қолданыстағы редакция, 2025 жылғы 1 ақпан</a></li></ul>
      <h2>Байланыс</h2><p><a href="/kz/news/1">2024 жылғы 5 наурыздағы жаңалық</a></p></main></body></html>"""
    root = Selector(text=html).root
    sections = archive_sections(root, "https://bank.kz/kz/privacy", vocab, "privacy_policy")
    assert [s.heading for s in sections] == ["Бұрынғы редакциялар"]
    found = [(urlsplit(e.link.url).path, e.stated_date, e.doc_type) for e in sections[0].editions]
    assert found == [
        ("/kz/privacy-2023", date(2023, 2, 1), "privacy_policy"),
        ("/files/privacy-2021.pdf", date(2021, 5, 1), "privacy_policy"),  # the date from its row
        ("/ru/p-2021.pdf", date(2021, 5, 1), "privacy_policy"),
    ]  # the edition in force and the news item after the next heading are not old editions


def test_an_edition_line_or_a_heading_without_dated_links_is_no_section(vocab):
    html = """<html><body><h2>Редакция от 01.02.2025</h2><p><a href="/ru/tariffs">Тарифы от 01.01.2024</a></p>
      <h2>История изменений</h2><p>Политика изменялась 01.02.2024: уточнены сроки.</p></body></html>"""
    assert archive_sections(Selector(text=html).root, PAGE, vocab, "terms_of_service") == []


def test_an_archive_page_lists_documents_not_news(vocab):
    html = """<html><body><header><a href="/news/5">Новости от 01.05.2025</a></header><main><h1>Архив</h1>
      <table><tr><td>Публичная оферта</td><td>15.03.2022</td><td><a href="/f/1.pdf">Скачать</a></td></tr>
             <tr><td>Открыли новое отделение</td><td>16.03.2022</td><td><a href="/news/4">Читать</a></td></tr>
             <tr><td><a href="/f/2.pdf">Версия от 01.02.2021</a></td></tr></table></main>
      <footer><a href="/privacy">Политика конфиденциальности</a> 01.01.2025</footer></body></html>"""
    found = [(urlsplit(e.link.url).path, e.stated_date, e.doc_type)
             for e in page_editions(Selector(text=html).root, "https://bank.kz/archive", vocab, None)]
    assert found == [("/f/1.pdf", date(2022, 3, 15), "public_offer"), ("/f/2.pdf", date(2021, 2, 1), None)]
    # The same page reached from the terms: its undated-type rows are old terms, the news still not.
    typed = page_editions(Selector(text=html).root, "https://bank.kz/archive", vocab, "terms_of_service")
    assert [e.doc_type for e in typed] == ["public_offer", "terms_of_service", "terms_of_service"]


# --- a crawl: the database and the coverage report ------------------------------------------------


def _old_page(title: str, clauses: list[str], lang: str = "ru") -> str:
    return policy_page(title, [c.replace("компания", "банк") for c in clauses], lang=lang)


def _sites() -> tuple[FixtureSite, FixtureSite]:
    archive_page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Архив</title></head><body>'
        '<header><a href="/">Главная</a> <a href="/news/1">Новости от 01.05.2025</a></header>'
        "<main><h1>Архив документов</h1><ul>"
        '<li><a href="/ru/terms-2023">Редакция от 01.02.2023</a></li>'
        '<li>Пользовательское соглашение, редакция от 15 марта 2022 г. <a href="/files/terms-2022.pdf">PDF</a></li>'
        '<li>Действующая редакция от 01.06.2025: <a href="/ru/terms">открыть</a></li>'
        "</ul></main><footer>© 2025</footer></body></html>"
    )
    kk_section = (
        '<h2>Бұрынғы редакциялар</h2><ul><li><a href="/kz/privacy-2023">2023 жылғы 1 ақпандағы редакция</a></li>'
        '<li><a href="/kz/privacy-2021">01.05.2021 ж.</a></li></ul>'
    )
    bank = FixtureSite(routes={
        "/": Route(body=home_page({"/ru/terms": "Пользовательское соглашение",
                                   "/ru/privacy": "Политика конфиденциальности",
                                   "/kz/privacy": "Құпиялылық саясаты"})),
        "/ru/terms": Route(body=policy_page("Пользовательское соглашение", RU_CLAUSES,
                                            footer='<a href="/ru/archive">Архив документов</a> '
                                                   '<a href="/download?id=7">Предыдущая редакция</a>')),
        # An archive link straight to a file (no .pdf in the URL): the old edition itself, undated.
        "/download?id=7": Route(body=OFFER_PDF, content_type="application/octet-stream"),
        "/ru/archive": Route(body=archive_page),
        "/ru/terms-2023": Route(body=_old_page("Пользовательское соглашение", RU_CLAUSES[:5])),
        "/files/terms-2022.pdf": Route(body=OFFER_PDF, content_type="application/pdf"),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES[::-1],
                                              footer='<a href="/ru/privacy-2020">Редакция от 10.10.2020</a>')),
        "/ru/privacy-2020": Route(body=_old_page("Политика конфиденциальности", RU_CLAUSES[1:])),
        "/kz/privacy": Route(body=policy_page("Құпиялылық саясаты", KK_CLAUSES, lang="kk").replace(
            "</main>", kk_section + "</main>")),
        "/kz/privacy-2023": Route(body=_old_page("Құпиялылық саясаты", KK_CLAUSES[:5], lang="kk")),
        "/kz/privacy-2021": Route(body=_old_page("Құпиялылық саясаты", KK_CLAUSES[1:], lang="kk")),
    })
    news_archive = home_page({"/news/1": "Открыли новое отделение 15 марта 2022 г.",
                              "/news/2": "Редакция сайта поздравляет с 1 мая 2023 г."}, title="Архив новостей")
    shop = FixtureSite(routes={
        "/": Route(body=home_page({"/terms": "Условия использования", "/privacy": "Политика конфиденциальности",
                                  "/news/archive": "Архив новостей"})),
        "/terms": Route(body=policy_page("Условия использования", ["Редакция от 1 февраля 2025 года.", *RU_CLAUSES])),
        "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES[1:])),
        "/news/archive": Route(body=news_archive),
        "/news/1": Route(body=policy_page("Новости", ["Банк открыл новое отделение в Алматы."] * 5)),
        "/news/2": Route(body=policy_page("Новости", ["Поздравляем с праздником весны и труда."] * 5)),
    })
    return bank, shop


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    from tests.conftest import Archive

    archive = Archive(tmp_path_factory.mktemp("public-archive"))
    bank, shop = _sites()
    with FixtureServer(bank) as b, FixtureServer(shop, host="127.0.0.3") as s:
        # max_depth 1: the archive page (2 clicks) is still reached, one click past the bound
        archive.write_config([company("bank", b.url("/")), company("shop", s.url("/"))], max_depth=1)
        first = archive.crawl(timeout=600)
        second = archive.crawl(timeout=600)
        requested = {"bank": bank.requested_paths(), "shop": shop.requested_paths()}
    result = archive.cli("report", "coverage", "--format", "json")
    assert result.code == 0, result.err
    return archive, first, second, json.loads(result.out), requested


def _documents(archive) -> dict[tuple[str, str], Document]:
    db = archive.db()
    with db.session() as s:
        docs = {(d.company_id, urlsplit(d.url).path): d for d in s.scalars(select(Document))}
    db.close()
    return docs


def test_old_editions_are_their_own_historical_documents_with_stated_dates(crawled):
    archive, first, second, _, _ = crawled
    assert first.code == 0, first.out + first.err
    assert second.code == 0 and "new versions: 0" in second.out  # stable: nothing flips on a re-crawl
    docs = _documents(archive)
    old = {path: (d.doc_type, d.stated_date, d.depth) for (cid, path), d in docs.items() if d.historical}
    assert old == {
        "/ru/terms-2023": ("terms_of_service", date(2023, 2, 1), 3),  # home → terms → archive → edition
        "/files/terms-2022.pdf": ("terms_of_service", date(2022, 3, 15), 3),  # the date from its row
        "/ru/privacy-2020": ("privacy_policy", date(2020, 10, 10), 2),  # one dated link on the policy
        "/download": ("terms_of_service", None, 2),  # "Предыдущая редакция" → a file
        "/kz/privacy-2023": ("privacy_policy", date(2023, 2, 1), 2),  # the Kazakh section
        "/kz/privacy-2021": ("privacy_policy", date(2021, 5, 1), 2),
    }
    current = {path for (cid, path), d in docs.items() if not d.historical}
    assert current == {"/ru/terms", "/ru/privacy", "/kz/privacy", "/terms", "/privacy"}
    assert all(d.stated_date is None for d in docs.values() if not d.historical)
    assert docs[("bank", "/ru/terms-2023")].link_path[-1]["text"] == "Редакция от 01.02.2023"


def test_old_editions_keep_their_text_and_where_they_were_listed(crawled):
    archive = crawled[0]
    db = archive.db()
    with db.session() as s:
        by_path = {urlsplit(d.url).path: d.id for d in s.scalars(select(Document).where(Document.historical))}
        versions = {v.document_id: v for v in s.scalars(select(Version))}
        pdf = versions[by_path["/files/terms-2022.pdf"]]
        assert pdf.extractor.startswith("pypdf") and pdf.language == "ru"
        assert versions[by_path["/kz/privacy-2023"]].language == "kk"
        listed = {urlsplit(snap.url).path: (urlsplit(snap.listed_on["url"]).path, snap.listed_on["kind"])
                  for snap in s.scalars(select(Snapshot).where(Snapshot.listed_on.is_not(None)))}
        roles = {urlsplit(snap.url).path: snap.role for snap in s.scalars(select(Snapshot))}
    db.close()
    assert listed == {
        "/ru/terms-2023": ("/ru/archive", "page"), "/files/terms-2022.pdf": ("/ru/archive", "page"),
        "/ru/privacy-2020": ("/ru/privacy", "link"), "/download": ("/ru/terms", "link"),
        "/kz/privacy-2023": ("/kz/privacy", "section"), "/kz/privacy-2021": ("/kz/privacy", "section"),
    }
    assert roles["/ru/archive"] == "archive" and roles["/news/archive"] == "archive"
    assert roles["/download"] == "document"  # on the re-crawl too (a 304 answered from the archive)


def test_the_coverage_report_shows_the_public_archive_and_never_counts_old_editions(crawled):
    report = crawled[3]
    companies = {c["id"]: c for c in report["companies"]}
    bank = companies["bank"]["public_archive"]
    assert bank["found"] is True and bank["candidates"] == []
    evidence = [(urlsplit(e["url"]).path, e["kind"], e["text"], e["versions"]) for e in bank["evidence"]]
    assert sorted(evidence) == [
        ("/kz/privacy", "section", "Бұрынғы редакциялар", 2),
        ("/ru/archive", "page", "Архив документов", 2),
        ("/ru/privacy", "link", "Редакция от 10.10.2020", 1),
        ("/ru/terms", "link", "Предыдущая редакция", 1),
    ]
    assert {(urlsplit(v["url"]).path, v["stated_date"], v["status"]) for v in bank["versions"]} == {
        ("/ru/terms-2023", "2023-02-01", "available"), ("/files/terms-2022.pdf", "2022-03-15", "available"),
        ("/ru/privacy-2020", "2020-10-10", "available"), ("/kz/privacy-2023", "2023-02-01", "available"),
        ("/kz/privacy-2021", "2021-05-01", "available"), ("/download", None, "available")}
    rows = {d["type"]: d for d in companies["bank"]["documents"]}
    assert {lang: urlsplit(e["url"]).path for lang, e in rows["terms"]["languages"].items()} == {"ru": "/ru/terms"}
    assert rows["terms"]["other_urls"] == 0  # the old terms are not "other" current terms
    assert {lang: urlsplit(e["url"]).path for lang, e in rows["privacy_policy"]["languages"].items()} == {
        "ru": "/ru/privacy", "kk": "/kz/privacy"}
    assert rows["privacy_policy"]["other_urls"] == 0


def test_a_company_without_an_archive_is_found_false_and_a_news_archive_is_only_a_candidate(crawled):
    report, requested = crawled[3], crawled[4]
    shop = next(c for c in report["companies"] if c["id"] == "shop")["public_archive"]
    assert (shop["found"], shop["evidence"], shop["versions"]) == (False, [], [])
    assert [(urlsplit(c["url"]).path, c["text"]) for c in shop["candidates"]] == [("/news/archive", "Архив новостей")]
    assert "/news/1" not in requested["shop"]  # dated news items are not old editions
    assert "/news/1" not in requested["bank"]  # nor is the archive page's header


def test_an_archive_made_before_0004_migrates_with_every_document_current(tmp_path):
    from archive.db import Database
    from tests.conftest import database_at, db_url

    url = db_url(tmp_path)
    database_at(url, "0003", "INSERT INTO documents (id, company_id, url, first_seen, last_captured, status) "
                "VALUES (1, 'bank', 'https://bank.kz/terms', '2024-05-02', '2024-05-02', 'available')")
    db = Database(url)
    with db.session() as s:
        doc = s.get(Document, 1)
        assert (doc.historical, doc.stated_date) == (False, None)
    db.close()
