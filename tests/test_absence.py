"""Proof of absence (issue 13): every missing language comes with what was tried, and every language
version says how it was reached, in the coverage data, every report format, the UI, ``show`` and WARC.

Archives are built in-process: captures with ``variant`` / ``reached`` / ``request_headers`` fed to the
real recorder, as the spider hands them over; the reports and the UI then read that archive.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import openpyxl
import pytest
from starlette.testclient import TestClient

from archive.blobs import BlobStore
from archive.recorder import Recorder
from archive.records import HOME, RENDERED, Capture, Link
from archive.runs import start_run
from config import load_config
from reports.coverage import build_coverage
from reports.render import CSV_COLUMNS, render_coverage
from tests.conftest import check_reports, company, db_url, html_is_balanced_and_inert, markdown_is_inert
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page
from tests.test_warc import png

HTML = {"content-type": "text/html; charset=utf-8"}
HOME_URL, PRIVACY, TERMS = "http://bank.kz/", "http://bank.kz/privacy", "http://bank.kz/ru/terms"
BROWSER = {"Accept-Language": "ru-KZ,ru;q=0.9,kk;q=0.8", "User-Agent": "policy-archive/test"}
# What a plain page offered: a Kazakh switcher (a link that sets a cookie), no hreflang, no negotiation.
OFFERS = {"hreflang": [], "switchers": [{"text": "Қаз", "language": "kk", "kind": "link"}], "negotiates": False}
HOSTILE_SWITCHER = '<script>alert(1)</script>[x](javascript:alert(1)) Қаз'


def capture(url: str, body: str, minute: int, *, role: str = "document", doc_type: str | None = "privacy_policy",
            **kw) -> Capture:
    return Capture(company_id="bank", url=url, final_url=url, status=kw.pop("status", 200), headers=dict(HTML),
                   body=body.encode(), fetched_at=datetime(2025, 5, 10, 9, minute), role=role,
                   doc_type=None if role == HOME else doc_type, depth=0 if role == HOME else 1,
                   path=[] if role == HOME else [Link(HOME_URL, "Құжаттар")],
                   request_headers=kw.pop("request_headers", dict(BROWSER)), **kw)


def cookie_kk(url: str, switcher: str = "Қаз") -> dict:
    return {"how": "cookie", "language": "kk", "switcher": switcher, "from": url, "cookies": {"lang": "kk"}}


RU_PRIVACY = policy_page("Политика конфиденциальности", RU_CLAUSES)
KK_PRIVACY = policy_page("Құпиялылық саясаты", KK_CLAUSES, lang="kk")
RU_TERMS = policy_page("Пользовательское соглашение", [c.replace("политика", "соглашение") for c in RU_CLAUSES])


def site(*, switcher: str = "Қаз") -> list[Capture]:
    """A bank whose privacy policy is Kazakh behind a cookie switcher (found), and whose terms offer the
    same switcher and an Accept-Language probe, both bringing back the plain Russian bytes (missing)."""
    terms_kk = {"how": "accept_language", "language": "kk", "accept_language": "kk", "from": TERMS}
    return [
        capture(HOME_URL, home_page({"/privacy": "Политика", "/ru/terms": "Соглашение"}), 0, role=HOME,
                reached={"how": "homepage", "offers": OFFERS}),
        capture(PRIVACY, RU_PRIVACY, 1, reached={"how": "link", "switcher": None, "from": HOME_URL, "offers": OFFERS}),
        capture(PRIVACY, KK_PRIVACY, 2, variant="cookie:lang=kk", reached=cookie_kk(PRIVACY),
                request_headers={**BROWSER, "Cookie": "lang=kk"}),
        capture(TERMS, RU_TERMS, 3, doc_type="terms_of_service",
                reached={"how": "link", "from": HOME_URL,
                         "offers": {**OFFERS, "switchers": [{"text": switcher, "language": "kk", "kind": "script"}]}}),
        capture(TERMS, RU_TERMS, 4, doc_type="terms_of_service", variant="cookie:lang=kk",
                reached=cookie_kk(TERMS, switcher), request_headers={**BROWSER, "Cookie": "lang=kk"}),
        capture(TERMS, RU_TERMS, 5, doc_type="terms_of_service", variant="accept-language:kk", reached=terms_kk,
                request_headers={**BROWSER, "Accept-Language": "kk"}),
    ]


def record(archive, captures: list[Capture]) -> list[str]:
    db = archive.db()
    recorder = Recorder(db, BlobStore(archive.data / "blobs"), start_run(db, None))
    try:
        return [recorder.record(c) for c in captures]
    finally:
        recorder.close()
        db.close()


def coverage(archive) -> dict:
    cfg = load_config(archive.config)
    db = archive.db()
    try:
        with db.session() as session:
            return build_coverage(session, cfg)
    finally:
        db.close()


@pytest.fixture
def bank(archive):
    archive.write_config([company("bank", HOME_URL)])
    outcomes = record(archive, site())
    # The Kazakh cookie state of the privacy policy is a document; the terms' states brought back the
    # plain bytes: kept as snapshots, no documents.
    assert outcomes == ["new_page", "new_version", "new_version", "new_version", "new_page", "new_page"]
    return archive


def rows(report: dict) -> dict[str, dict]:
    return {d["type"]: d for d in report["companies"][0]["documents"]}


def test_a_kazakh_cookie_state_fills_kk_and_says_how_it_was_reached(bank):
    privacy = rows(coverage(bank))["privacy_policy"]
    assert (privacy["f1a"], privacy["missing_languages"], privacy["absence"]) == ("yes", [], {})
    kk, ru = privacy["languages"]["kk"], privacy["languages"]["ru"]
    assert kk["url"] == ru["url"] == PRIVACY  # one URL, two language states
    assert (kk["how"], kk["variant"], kk["selected_by"]) == (
        "cookie", "cookie:lang=kk", {"switcher": "Қаз", "cookies": {"lang": "kk"}})
    assert (ru["how"], ru["variant"], ru["selected_by"]) == ("link", "", {})
    assert privacy["other_urls"] == 0 and privacy["mismatches"] == []


def test_a_switcher_and_a_probe_that_selected_nothing_are_the_proof_of_absence(bank):
    terms = rows(coverage(bank))["terms"]
    assert (terms["f1a"], terms["missing_languages"], list(terms["languages"])) == ("partial", ["kk"], ["ru"])
    trail = terms["absence"]["kk"]
    same = "same bytes as the plain page (Russian text)"
    assert [(t["how"], t["url"], t["result"]) for t in trail["tried"]] == [
        ("cookie", TERMS, same), ("accept_language", TERMS, same), ("page", TERMS, "no hreflang"),
        ("crawl", HOME_URL, "3 pages visited, 0 rendered")]
    assert all(isinstance(t["snapshot"], int) for t in trail["tried"][:3])
    assert trail["summary"] == (f"kk: switcher 'Қаз' followed (cookie lang=kk) → {same}; Accept-Language kk → {same}; "
                                "no hreflang; 3 pages visited, 0 rendered")
    assert trail["screenshot"] is None


def test_an_offered_switcher_never_tried_is_named_and_a_screenshot_is_kept(archive):
    archive.write_config([company("bank", HOME_URL)])
    offers = {"hreflang": ["ru"], "switchers": [{"text": "ҚАЗ", "language": "kk", "kind": "script"},
                                                {"text": "Рус", "language": "ru", "kind": "script"}],
              "negotiates": False}
    plain = capture(TERMS, RU_TERMS, 1, doc_type="terms_of_service", reached={"how": "link", "offers": offers})
    shown = capture(TERMS, RU_TERMS, 2, doc_type="terms_of_service", kind=RENDERED, screenshot=png(),
                    render_reason="app_shell", reached={"how": "link", "offers": offers})
    record(archive, [plain, shown])
    trail = rows(coverage(archive))["terms"]["absence"]["kk"]
    assert trail["summary"] == ("kk: no hreflang kk (only ru); switcher 'ҚАЗ' (script); no Accept-Language "
                                "negotiation; 1 pages visited, 1 rendered")
    assert trail["screenshot"] == trail["tried"][0]["snapshot"] == 2  # the rendered page, the newest


def test_a_row_with_no_document_still_says_what_was_visited(bank):
    report = coverage(bank)
    for row in report["companies"][0]["documents"]:
        for lang in row["missing_languages"]:
            assert row["absence"][lang]["tried"], (row["type"], lang)
    bank.write_config([company("bank", HOME_URL), company("post", "http://post.kz/")])
    post = coverage(bank)["companies"][1]
    for row in post["documents"]:
        assert row["status"] == "not_found" and set(row["absence"]) == {"kk", "ru"}
        assert row["absence"]["kk"]["tried"] == [
            {"how": "crawl", "url": "http://post.kz/", "result": "not crawled in this period", "snapshot": None}]
        assert row["absence"]["kk"]["summary"] == "kk: not crawled in this period"


def test_an_archive_from_before_issue_13_gets_a_trail_from_its_hints(archive):
    """No ``reached`` (migration 0008 left it NULL): a /kz/ URL serving Russian is still what was tried."""
    archive.write_config([company("bank", HOME_URL)])
    record(archive, [capture("http://bank.kz/kz/terms", RU_TERMS, 1, doc_type="public_offer", request_headers={}),
                     capture("http://bank.kz/ru/privacy", RU_PRIVACY, 2, request_headers={})])
    report = rows(coverage(archive))
    terms = report["terms"]
    assert terms["missing_languages"] == ["kk"]
    assert [(t["how"], t["url"], t["result"]) for t in terms["absence"]["kk"]["tried"]] == [
        ("url_marker", "http://bank.kz/kz/terms", "Russian text"), ("crawl", HOME_URL, "2 pages visited, 0 rendered")]
    assert terms["absence"]["kk"]["summary"] == (
        "kk: kk URL http://bank.kz/kz/terms → Russian text; 2 pages visited, 0 rendered")
    assert report["privacy_policy"]["languages"]["ru"]["how"] == "link"


def test_every_format_shows_the_trail_and_stays_inert(archive):
    archive.write_config([company("bank", HOME_URL)])
    record(archive, site(switcher=HOSTILE_SWITCHER))
    data = coverage(archive)
    summary = rows(data)["terms"]["absence"]["kk"]["summary"]
    assert HOSTILE_SWITCHER in summary

    table = list(csv.DictReader(io.StringIO(render_coverage(data, "csv").decode("utf-8-sig"))))
    assert list(table[0]) == list(CSV_COLUMNS) and "absence" in CSV_COLUMNS
    assert {(r["type"], r["language"]): r["absence"] for r in table}[("terms", "ru")] == summary
    assert {(r["type"], r["language"]): r["absence"] for r in table}[("privacy_policy", "kk")] == ""

    book = openpyxl.load_workbook(io.BytesIO(render_coverage(data, "xlsx")))
    cells = [c.value for row in book.active.iter_rows() for c in row]
    assert summary in cells

    md = render_coverage(data, "md").decode()
    markdown_is_inert(md, "md")
    assert "<script>" not in md and "kk missing: switcher '\\<script\\>alert(1)\\</script\\>" in md
    html = render_coverage(data, "html").decode()
    html_is_balanced_and_inert(html, "html")
    assert "<script>alert" not in html and "switcher &#39;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert json.loads(render_coverage(data, "json"))["companies"][0]["documents"][0]["absence"]["kk"]["summary"] \
        == summary
    check_reports(archive)


def test_the_ui_shows_how_each_state_was_reached_and_the_trail(bank):
    from web.app import create_app

    app = create_app(load_config(bank.config), bank.data, db_url(bank.data))
    with TestClient(app) as client:
        data = coverage(bank)
        kk = rows(data)["privacy_policy"]["languages"]["kk"]
        page = client.get(f"/document/{kk['document_id']}").text
        assert "cookie lang=kk" in page and "switcher &#39;Қаз&#39;" in page
        assert "Accept-Language: ru-KZ" in page  # the request headers of its captures
        plain = rows(data)["privacy_policy"]["languages"]["ru"]
        sibling = client.get(f"/document/{plain['document_id']}").text
        assert "cookie lang=kk" in sibling  # the same URL twice in a list says which state is which
        company_page = client.get("/company/bank").text
        assert "cookie lang=kk" in company_page
        assert "same bytes as the plain page" in company_page  # the terms' Kazakh trail
        overview = client.get("/").text
        assert "Accept-Language kk → same bytes as the plain page" in overview
        version = client.get(f"/version/{kk['version_id']}").text
        assert "cookie lang=kk" in version


def test_show_prints_the_variant_how_it_was_reached_and_the_request_headers(bank):
    kk = rows(coverage(bank))["privacy_policy"]["languages"]["kk"]
    result = bank.cli("show", str(kk["document_id"]))
    assert result.code == 0, result.err
    assert "variant: cookie lang=kk" in result.out
    assert "reached: cookie for kk switcher 'Қаз' cookie lang=kk from http://bank.kz/privacy" in result.out
    assert "Cookie: lang=kk" in result.out and "Accept-Language: ru-KZ,ru;q=0.9,kk;q=0.8" in result.out


# ---- issue 16: what was tried, said in Russian and Kazakh (the data and its JSON stay English) -----------------

@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_trail_is_said_again_in_the_reports_language(bank, lang):
    from i18n import using
    from reports.absence_words import summary

    data = coverage(bank)
    trail = rows(data)["terms"]["absence"]["kk"]
    english = trail["summary"]
    assert trail["phrases"] and json.loads(json.dumps(trail)) == trail  # plain data, as the JSON carries it
    with using(lang):
        said = summary(trail, "kk")
    assert said.startswith("kk: ") and "Қаз" in said and "lang=kk" in said  # the site's words, as they were
    for english_words in ("switcher '", "same bytes", "Russian text", "no hreflang;", "pages visited"):
        assert english_words not in said, (lang, said)
    assert {"ru": "текст на русском", "kk": "орыс тіліндегі мәтін"}[lang] in said
    assert {"ru": "страниц посещено: 3", "kk": "3 бет қаралды"}[lang] in said
    md = render_coverage(data, "md", lang).decode()
    assert said.removeprefix("kk: ") in md
    assert json.loads(render_coverage(data, "json", lang))["companies"][0]["documents"][0]["absence"]["kk"][
        "summary"] == english


def test_a_hostile_switcher_stays_inert_in_every_language(archive):
    archive.write_config([company("bank", HOME_URL)])
    record(archive, site(switcher=HOSTILE_SWITCHER))
    data = coverage(archive)
    for lang in ("ru", "kk"):
        md = render_coverage(data, "md", lang).decode()
        markdown_is_inert(md, f"md [{lang}]")
        html = render_coverage(data, "html", lang).decode()
        html_is_balanced_and_inert(html, f"html [{lang}]")
        assert "<script>alert" not in html and "«&lt;script&gt;alert(1)&lt;/script&gt;" in html
