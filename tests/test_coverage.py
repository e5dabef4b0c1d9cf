"""The coverage report (RDR F1a.2 / P1a.2), checked through its JSON on crawled fixture companies, and the
public archives (F2a.4) its md and html name."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlsplit

import lxml.html
import pytest

from crawler.demo import start_demo_web
from crawler.demo.run import write_demo_config
from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page


def _report(archive, *args: str) -> dict:
    result = archive.cli("report", "coverage", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def _rows(report: dict) -> dict:
    """(company, type) -> the row, with language URLs shortened to their paths."""
    rows = {}
    for c in report["companies"]:
        for d in c["documents"]:
            rows[(c["id"], d["type"])] = d
    return rows


def _path(entry: dict) -> str:
    return urlsplit(entry["url"]).path


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    from tests.conftest import Archive

    archive = Archive(tmp_path_factory.mktemp("coverage"))
    with start_demo_web() as web:
        write_demo_config(archive.config, web.companies(), date.today())
        assert archive.crawl().code == 1  # the demo's soft 404, on purpose
    return archive, _report(archive), _report(archive, "--campaign", f"demo-{date.today().year}")


def test_report_names_and_a_full_kk_ru_en_set(demo_report):
    _, report, in_campaign = demo_report
    assert set(report) >= {"campaign", "generated_at", "companies"}
    assert report["campaign"] is None and in_campaign["campaign"] == f"demo-{date.today().year}"
    company = next(c for c in report["companies"] if c["id"] == "qazaqpay")
    assert {k: company[k] for k in ("name", "sector")} == {"name": "QazaqPay", "sector": "FinTech"}
    for row in company["documents"]:
        assert (row["status"], row["f1a"]) == ("available", "yes")
        assert set(row["languages"]) == {"kk", "ru", "en"}
        for entry in row["languages"].values():
            assert set(entry) >= {"url", "share", "incomplete", "click_depth"}
            assert entry["incomplete"] is False and entry["share"] >= 0.95
    rows = _rows(report)
    assert _path(rows[("qazaqpay", "terms")]["languages"]["kk"]) == "/kz/user-agreement"
    assert rows[("qazaqpay", "terms")]["languages"]["ru"]["click_depth"] == 1
    assert _rows(in_campaign) == rows  # the demo crawl is inside the demo campaign


def test_a_half_translated_kazakh_page_is_incomplete_with_its_share(demo_report):
    rows = _rows(demo_report[1])
    terms = rows[("bazar", "terms")]
    kk = terms["languages"]["kk"]
    assert _path(kk) == "/kk/terms" and kk["incomplete"] is True and 0.4 <= kk["share"] <= 0.75
    assert terms["f1a"] == "partial"
    # Bazar's Kazakh pages are reachable only through hreflang, and still found.
    assert _path(rows[("bazar", "privacy_policy")]["languages"]["kk"]) == "/kk/privacy"
    assert rows[("bazar", "privacy_policy")]["f1a"] == "yes"


def test_a_kz_url_serving_russian_is_russian_and_kazakh_is_missing(demo_report):
    terms = _rows(demo_report[1])[("tenge-finance", "terms")]
    assert set(terms["languages"]) == {"ru"}
    assert terms["missing_languages"] == ["kk"]
    assert [(urlsplit(m["url"]).path, m["url_language"], m["text_language"]) for m in terms["mismatches"]] == [
        ("/kz/docs/public-offer", "kk", "ru")]
    assert terms["f1a"] == "partial"


def test_a_cookie_selected_offer_and_a_hidden_kazakh_tab_are_both_found_and_say_how(demo_report):
    rows = _rows(demo_report[1])
    offer, privacy = rows[("kerey-pay", "terms")], rows[("kerey-pay", "privacy_policy")]
    assert (offer["f1a"], privacy["f1a"]) == ("yes", "yes")
    kk, ru = offer["languages"]["kk"], offer["languages"]["ru"]
    assert _path(kk) == _path(ru) == "/offer"  # one URL, two languages
    assert (kk["how"], kk["variant"], kk["selected_by"]["cookies"]) == ("cookie", "cookie:lang=kk", {"lang": "kk"})
    assert kk["selected_by"]["switcher"] == "Қаз" and ru["variant"] == ""
    kk, ru = privacy["languages"]["kk"], privacy["languages"]["ru"]
    assert _path(kk) == _path(ru) == "/privacy"
    assert (kk["how"], kk["variant"]) == ("panel", "panel:privacy-kk")
    assert ru["share"] >= 0.95 and not ru["incomplete"]  # the hidden Kazakh tab is not counted into it


def test_every_missing_language_of_the_demo_says_what_was_tried(demo_report):
    rows = _rows(demo_report[1])
    terms = rows[("tenge-finance", "terms")]["absence"]["kk"]
    hows = [t["how"] for t in terms["tried"]]
    # The offer's "Қаз" switcher leads to /kz/docs/public-offer, which serves Russian; Accept-Language kk was asked.
    assert hows == ["accept_language", "link", "page", "crawl"], hows
    assert [t["result"] for t in terms["tried"] if t["how"] == "link"] == ["Russian text"]
    assert terms["summary"].startswith("kk: ") and "'Қаз'" in terms["summary"] and "pages visited" in terms["summary"]
    privacy = rows[("tenge-finance", "privacy_policy")]
    assert set(privacy["absence"]) == {"kk", "ru"}  # nothing found at all: still what was visited


def test_no_privacy_policy_at_all_is_not_found_and_f1a_no(demo_report):
    report = demo_report[1]
    privacy = _rows(report)[("tenge-finance", "privacy_policy")]
    assert (privacy["status"], privacy["f1a"], privacy["languages"]) == ("not_found", "no", {})
    tenge = next(c for c in report["companies"] if c["id"] == "tenge-finance")
    assert tenge["crawl"]["pages_visited"] >= 5  # "not found, and where we looked"


def test_public_archives_are_reported_per_company(demo_report):
    archive, report, in_campaign = demo_report
    for data in (report, in_campaign):
        assert {c["id"]: c["public_archive"]["found"] for c in data["companies"]} == {
            **dict.fromkeys(("qazaqpay", "dala-telecom", "bazar", "tenge-finance", "sapar-mobile", "kerey-pay"),
                            False),
            "aqsu-bank": True}
    bank = next(c for c in report["companies"] if c["id"] == "aqsu-bank")
    assert sorted((urlsplit(e["url"]).path, e["kind"], e["text"], e["versions"])
                  for e in bank["public_archive"]["evidence"]) == [
        ("/kz/privacy", "section", "Бұрынғы редакциялар", 1), ("/ru/archive", "page", "Архив документов", 2)]
    assert sorted((urlsplit(v["url"]).path, v["doc_type"], v["stated_date"], v["language"])
                  for v in bank["public_archive"]["versions"]) == [
        ("/kz/archive/privacy-2023-09-01", "privacy_policy", "2023-09-01", "kk"),
        ("/ru/archive/privacy-2023-09-01", "privacy_policy", "2023-09-01", "ru"),
        ("/ru/archive/terms-2022-03-15", "terms_of_service", "2022-03-15", "ru")]
    # Old editions never fill a row: the rows are the documents in force.
    assert {d["type"]: {lang: _path(e) for lang, e in d["languages"].items()} for d in bank["documents"]} == {
        "terms": {"ru": "/ru/terms"}, "privacy_policy": {"kk": "/kz/privacy", "ru": "/ru/privacy"}}

    # md and html name it in their notes (they once crashed on any company with a public archive).
    md = archive.cli("report", "coverage", "--format", "md")
    assert md.code == 0, md.err
    assert "Tenge Finance: no public archive of previous versions found (F2a.4 / P2a.4)" in md.out
    note = next(line for line in md.out.splitlines() if line.startswith("- Aqsu Bank: public archive"))
    assert "3 old edition(s) archived" in note and "/ru/archive> «Архив документов» (archive page, 2)" in note
    assert "/kz/privacy> «Бұрынғы редакциялар» (archive section, 1)" in note
    html = archive.cli("report", "coverage", "--format", "html")
    assert html.code == 0, html.err
    notes = lxml.html.document_fromstring(html.out.encode()).xpath("//ul[@class='notes']/li")
    assert any("Aqsu Bank: public archive of previous versions" in li.text_content() for li in notes)


def test_a_campaign_without_captures_reports_everything_not_found(demo_report):
    archive = demo_report[0]
    config = archive.config.read_text(encoding="utf-8")
    archive.config.write_text(config.replace("campaigns:\n", "campaigns:\n- name: '2020'\n  start: '2020-05-01'\n"
                                             "  end: '2020-07-31'\n", 1), encoding="utf-8")
    report = _report(archive, "--campaign", "2020")
    assert {(row["status"], row["f1a"]) for row in _rows(report).values()} == {("not_found", "no")}
    unknown = archive.cli("report", "coverage", "--format", "json", "--campaign", "1999")
    assert unknown.code == 2 and "2020" in unknown.err


def test_missing_kazakh_and_a_second_family_of_documents(archive):
    """A bank with two offers: the paired kk/ru one fills the row; a lone Russian one is counted."""
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/ru/offer": "Публичная оферта",
                                   "/ru/deposit-offer": "Публичная оферта по депозитам",
                                   "/ru/privacy": "Политика конфиденциальности"})),
        "/ru/offer": Route(body=policy_page("Публичная оферта", RU_CLAUSES,
                                            head='<link rel="alternate" hreflang="kk" href="/kz/offer">')),
        "/kz/offer": Route(body=policy_page("Жария оферта", KK_CLAUSES, lang="kk")),
        "/ru/deposit-offer": Route(body=policy_page("Публичная оферта по депозитам", RU_CLAUSES[::-1])),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES[:5])),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
    rows = _rows(_report(archive))
    terms = rows[("bank", "terms")]
    assert {lang: _path(e) for lang, e in terms["languages"].items()} == {"kk": "/kz/offer", "ru": "/ru/offer"}
    assert (terms["f1a"], terms["other_urls"]) == ("yes", 1)
    privacy = rows[("bank", "privacy_policy")]
    assert (privacy["status"], privacy["f1a"], privacy["missing_languages"]) == ("available", "partial", ["kk"])
