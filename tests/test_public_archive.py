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


@pytest.mark.parametrize("heading", [
    "<h3>Предыдущие редакции</h3>",
    '<div role="heading" aria-level="3">Предыдущие редакции</div>',
    "<p><strong>Предыдущие редакции</strong></p>",
    "<div><b>Предыдущие редакции</b></div>",
    "<dl><dt>Предыдущие редакции</dt></dl>",
])
def test_every_kind_of_heading_can_title_an_archive_section(vocab, heading):
    html = f"""<html><body><main><h1>Пользовательское соглашение</h1><h2>1. Общие положения</h2>
      <p>Текст соглашения.</p>{heading}
      <ul><li><a href="/ru/terms-2023">Редакция от 01.02.2023</a></li>
          <li><a href="/ru/terms-2021">Редакция от 15.03.2021</a></li></ul></main></body></html>"""
    sections = archive_sections(Selector(text=html).root, PAGE, vocab, "terms_of_service")
    assert [s.heading for s in sections] == ["Предыдущие редакции"]
    assert [urlsplit(e.link.url).path for e in sections[0].editions] == ["/ru/terms-2023", "/ru/terms-2021"]


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


# --- editions stated by a year or a number only (RDR F2a.4 all the same) ---------------------------


@pytest.mark.parametrize(
    ("label", "iso", "edition"),
    [
        ("редакция 2021 года", "2021", None),
        ("Редакция 2021 г.", "2021", None),
        ("в редакции от 2020 года", "2020", None),
        ("2021 жылғы редакция", "2021", None),
        ("2021 ж. редакциясы", "2021", None),
        ("Бұрынғы нұсқа 2019", "2019", None),
        ("Version 2019", "2019", None),
        ("2-я редакция", None, "2"),
        ("Редакция №3", None, "3"),
        ("редакция № 4", None, "4"),
        ("3-ші нұсқа", None, "3"),
        ("№2 нұсқа", None, "2"),
        ("Version 2", None, "2"),
        ("v1.2", None, "1.2"),
        ("2nd edition", None, "2"),
        ("Rev. 4", None, "4"),
        ("2-я редакция от 15 марта 2022 г.", "2022-03-15", "2"),  # a full date wins, the number is kept
        ("Редакция от 01.02.2023", "2023-02-01", None),
    ],
)
def test_editions_stated_by_a_year_or_a_number(vocab, label, iso, edition):
    stated = vocab.stated_edition(label)
    assert (stated.iso(), stated.edition, stated.label) == (iso, edition, label)
    assert stated.plain() == (None if iso is None else date.fromisoformat(iso if "-" in iso else f"{iso}-01-01"))


@pytest.mark.parametrize("text", ["Отчёт 2021", "Архив 2021", "Январь 2021", "2020", "Приказ №2021-15",
                                  "Изменения в пункт 3", "Тариф 2000 тенге", "2019-2020", ""])
def test_a_year_or_a_number_without_an_edition_word_states_no_edition(vocab, text):
    assert vocab.stated_edition(text) is None


def test_a_year_alone_states_an_edition_only_in_a_list_of_editions(vocab):
    assert vocab.stated_edition("2020", bare=True).iso() == "2020"
    assert vocab.stated_edition("Пользовательское соглашение (2020)", bare=True).iso() == "2020"
    assert vocab.stated_edition("Приказ №2021-15", bare=True) is None


def test_a_stated_date_survives_a_copy():
    import copy
    import pickle

    from config.editions import StatedDate

    for stated in (StatedDate(2021, precision="year", label="редакция 2021 года"),
                   StatedDate.numbered("3", "Редакция №3")):
        for twin in (pickle.loads(pickle.dumps(stated)), copy.deepcopy(stated)):
            assert (twin, twin.precision, twin.label, twin.edition) == (
                stated, stated.precision, stated.label, stated.edition)


YEAR_SECTION = """<html><body><nav><a href="/kz/">Басты бет</a></nav><main><h1>Құпиялылық саясаты</h1><p>Мәтін</p>
  <h2>Бұрынғы редакциялар</h2><ul>
    <li><a href="/kz/p-2021">2021 жылғы редакция</a></li>
    <li><a href="/kz/p-2020">2020</a></li>
    <li>Бұрынғы нұсқа 2019: <a href="/files/p-2019.pdf">PDF</a></li>
    <li><a href="/kz/p-v2">2-я редакция</a></li>
    <li><a href="/kz/p-v1">Редакция №1</a></li>
    <li><a href="/kz/p-v0">v0.9</a></li>
    <li><a href="/kz/privacy">Қолданыстағы редакция (2024)</a></li></ul>
  <h2>Байланыс</h2><p><a href="/kz/report-2021">Есеп 2021</a></p></main></body></html>"""


def test_an_archive_section_of_years_and_edition_numbers(vocab):
    sections = archive_sections(Selector(text=YEAR_SECTION).root, "https://bank.kz/kz/privacy", vocab,
                                "privacy_policy")
    assert [s.heading for s in sections] == ["Бұрынғы редакциялар"]
    found = [(urlsplit(e.link.url).path, e.stated_date.iso(), e.stated_date.edition, e.doc_type)
             for e in sections[0].editions]
    assert found == [
        ("/kz/p-2021", "2021", None, "privacy_policy"),
        ("/kz/p-2020", "2020", None, "privacy_policy"),  # a year alone, in a list titled as editions
        ("/files/p-2019.pdf", "2019", None, "privacy_policy"),  # from its row
        ("/kz/p-v2", None, "2", "privacy_policy"),
        ("/kz/p-v1", None, "1", "privacy_policy"),
        ("/kz/p-v0", None, "0.9", "privacy_policy"),
    ]  # the edition in force, and the report under the next heading, are not old editions


def test_years_in_links_are_no_archive_unless_a_list_of_editions_says_so(vocab):
    page = """<html><body><main><h1>Политика конфиденциальности</h1><p>Текст.</p>
      <p><a href="/reports/2021">Отчёт 2021</a> <a href="/promo/2020">Акция 2020</a></p>
      <h2>Архив новостей</h2><ul><li><a href="/news/2021">2021</a></li><li><a href="/news/2020">Январь 2020</a></li>
      </ul></main></body></html>"""
    root = Selector(text=page).root
    assert archive_sections(root, "https://bank.kz/ru/privacy", vocab, "privacy_policy") == []
    for text, url in (("Отчёт 2021", "https://bank.kz/reports/2021"), ("Акция 2020", "https://bank.kz/promo/2020")):
        assert classify(RawLink(url, text), "https://bank.kz/ru/privacy", "document", "privacy_policy", vocab) is None
    archive_page = """<html><head><title>{title}</title></head><body><h1>{title}</h1><ul>
      <li><a href="/old/2020">2020</a></li><li><a href="/old/2019">2019</a></li></ul></body></html>"""
    editions = page_editions(Selector(text=archive_page.format(title="Архив редакций")).root,
                             "https://bank.kz/archive", vocab, None)
    assert [(urlsplit(e.link.url).path, e.stated_date.iso()) for e in editions] == [("/old/2020", "2020"),
                                                                                     ("/old/2019", "2019")]
    assert page_editions(Selector(text=archive_page.format(title="Архив новостей")).root,
                         "https://bank.kz/news/archive", vocab, None) == []


@pytest.mark.parametrize(
    ("text", "page_role", "role", "iso", "edition"),
    [
        ("Предыдущая редакция 2021 года", "document", "document", "2021", None),
        ("Редакция 2021 года", "document", "document", "2021", None),  # an edition with its year, on a document
        ("Предыдущая редакция №2", "document", "document", None, "2"),
        ("Архив 2021", "document", "archive", None, None),  # an archive page, not an edition
        ("Отчёт 2021", "document", None, None, None),
        ("Редакция 2021 года", "home", None, None, None),  # on a homepage: how the edition in force is named
    ],
)
def test_links_to_editions_stated_by_a_year_or_a_number(vocab, text, page_role, role, iso, edition):
    target = classify(RawLink("https://bank.kz/ru/r/7", text), PAGE, page_role, "terms_of_service", vocab)
    assert (target.role if target else None) == role
    if role == "document":
        assert target.historical and target.doc_type == "terms_of_service"
        assert (target.stated_date.iso(), target.stated_date.edition) == (iso, edition)


def _year_sites() -> tuple[FixtureSite, FixtureSite]:
    terms_section = (
        '<h2>Предыдущие редакции</h2><ul><li><a href="/ru/terms-2021">Редакция 2021 года</a></li>'
        '<li><a href="/ru/terms-v2">2-я редакция</a></li><li><a href="/ru/terms-v3">Редакция №3</a></li>'
        '<li><a href="/files/terms-2020.pdf">2020</a></li></ul>'
    )
    kk_section = (
        '<h2>Бұрынғы редакциялар</h2><ul><li><a href="/kz/privacy-2021">2021 жылғы редакция</a></li>'
        '<li><a href="/kz/privacy-2019">Бұрынғы нұсқа 2019</a></li></ul>'
    )
    archive_page = (
        '<!doctype html><html><head><meta charset="utf-8"><title>Архив редакций</title></head><body>'
        '<main><h1>Архив редакций</h1><ul><li><a href="/old/v2">Version 2</a></li>'
        '<li><a href="/old/v1-2">v1.2</a></li><li><a href="/old/2018">2018</a></li></ul></main></body></html>'
    )
    old_ru = {path: Route(body=_old_page("Пользовательское соглашение", RU_CLAUSES[i:]))
              for i, path in enumerate(("/ru/terms-2021", "/ru/terms-v2", "/ru/terms-v3", "/old/v2", "/old/v1-2",
                                        "/old/2018"))}
    year = FixtureSite(routes={
        "/": Route(body=home_page({"/ru/terms": "Пользовательское соглашение", "/kz/privacy": "Құпиялылық саясаты"})),
        "/ru/terms": Route(body=policy_page("Пользовательское соглашение", RU_CLAUSES,
                                            footer='<a href="/archive">Архив редакций</a>').replace(
            "</main>", terms_section + "</main>")),
        "/archive": Route(body=archive_page),
        "/files/terms-2020.pdf": Route(body=OFFER_PDF, content_type="application/pdf"),
        "/kz/privacy": Route(body=policy_page("Құпиялылық саясаты", KK_CLAUSES, lang="kk").replace(
            "</main>", kk_section + "</main>")),
        "/kz/privacy-2021": Route(body=_old_page("Құпиялылық саясаты", KK_CLAUSES[:5], lang="kk")),
        "/kz/privacy-2019": Route(body=_old_page("Құпиялылық саясаты", KK_CLAUSES[1:], lang="kk")),
        **old_ru,
    })
    report = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности"})),
        "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES, footer=(
            '<a href="/reports/2021">Отчёт 2021</a> <a href="/news/2020">2020</a> '
            '<a href="/promo">Редакция сайта 2021</a>'))),
        "/reports/2021": Route(body=policy_page("Отчёт 2021", RU_CLAUSES)),
    })
    return year, report


@pytest.fixture(scope="module")
def year_crawled(tmp_path_factory):
    from tests.conftest import Archive

    archive = Archive(tmp_path_factory.mktemp("year-archive"))
    year, report = _year_sites()
    with FixtureServer(year) as y, FixtureServer(report, host="127.0.0.3") as r:
        archive.write_config([company("yearco", y.url("/")), company("reportco", r.url("/"))])
        crawl = archive.crawl(timeout=600)
        requested = report.requested_paths()
    result = archive.cli("report", "coverage", "--format", "json")
    assert result.code == 0, result.err
    return archive, crawl, json.loads(result.out), requested


def test_editions_stated_by_a_year_or_a_number_are_historical_documents(year_crawled):
    archive, crawl, _, _ = year_crawled
    assert crawl.code == 0, crawl.out + crawl.err
    docs = _documents(archive)
    old = {path: (d.doc_type, d.stated_date) for (cid, path), d in docs.items() if d.historical}
    assert old == {
        "/ru/terms-2021": ("terms_of_service", date(2021, 1, 1)),  # a year: January 1, precision kept below
        "/ru/terms-v2": ("terms_of_service", None),  # a number: no date
        "/ru/terms-v3": ("terms_of_service", None),
        "/files/terms-2020.pdf": ("terms_of_service", date(2020, 1, 1)),
        "/kz/privacy-2021": ("privacy_policy", date(2021, 1, 1)),
        "/kz/privacy-2019": ("privacy_policy", date(2019, 1, 1)),
        "/old/v2": ("terms_of_service", None),  # the archive page "Архив редакций" of the terms
        "/old/v1-2": ("terms_of_service", None),
        "/old/2018": ("terms_of_service", date(2018, 1, 1)),
    }
    assert {path for (cid, path), d in docs.items() if not d.historical} == {"/ru/terms", "/kz/privacy", "/privacy"}
    db = archive.db()
    with db.session() as s:
        stated = {urlsplit(snap.url).path: {k: snap.listed_on.get(k) for k in ("stated", "precision", "edition")}
                  for snap in s.scalars(select(Snapshot).where(Snapshot.listed_on.is_not(None)))}
    db.close()
    assert stated["/ru/terms-v3"] == {"stated": "Редакция №3", "precision": "number", "edition": "3"}
    assert stated["/kz/privacy-2021"] == {"stated": "2021 жылғы редакция", "precision": "year", "edition": None}
    assert stated["/files/terms-2020.pdf"] == {"stated": "2020", "precision": "year", "edition": None}
    assert stated["/old/v1-2"] == {"stated": "v1.2", "precision": "number", "edition": "1.2"}


def test_the_coverage_report_says_such_an_archive_is_kept(year_crawled):
    report = year_crawled[2]
    companies = {c["id"]: c for c in report["companies"]}
    kept = companies["yearco"]["public_archive"]
    assert kept["found"] is True
    assert sorted((urlsplit(e["url"]).path, e["kind"], e["text"], e["versions"]) for e in kept["evidence"]) == [
        ("/archive", "page", "Архив редакций", 3),
        ("/kz/privacy", "section", "Бұрынғы редакциялар", 2),
        ("/ru/terms", "section", "Предыдущие редакции", 4),
    ]
    versions = {urlsplit(v["url"]).path: (v["stated_date"], v["edition"], v["stated"], v["status"])
                for v in kept["versions"]}
    assert versions["/ru/terms-2021"] == ("2021", None, "Редакция 2021 года", "available")
    assert versions["/ru/terms-v2"] == (None, "2", "2-я редакция", "available")
    assert versions["/kz/privacy-2019"] == ("2019", None, "Бұрынғы нұсқа 2019", "available")
    assert len(versions) == 9
    rows = {d["type"]: d for d in companies["yearco"]["documents"]}
    assert {lang: urlsplit(e["url"]).path for lang, e in rows["terms"]["languages"].items()} == {"ru": "/ru/terms"}


def test_a_page_that_only_mentions_a_year_in_a_link_keeps_no_archive(year_crawled):
    archive, _, report, requested = year_crawled
    none = next(c for c in report["companies"] if c["id"] == "reportco")["public_archive"]
    assert (none["found"], none["evidence"], none["versions"]) == (False, [], [])
    assert "/reports/2021" not in requested and "/news/2020" not in requested
    assert not any(d.historical for (cid, _), d in _documents(archive).items() if cid == "reportco")
