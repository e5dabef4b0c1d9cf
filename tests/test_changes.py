"""Versions over time, end to end: change reports, diffs, re-extraction, campaign comparison."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta

from archive.changelog import DIFFER
from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page
from tests.test_filedocs import fixture

BANNER = '<div class="cookie">Мы используем файлы cookie, чтобы сайт работал удобнее. <button>Принять</button></div>'


def page(title: str, clauses: list[str], edition: str, year: int, banner: str = BANNER) -> str:
    items = "".join(f"<p>{i}. {c}</p>" for i, c in enumerate(clauses, 1))
    return (f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f"{banner}<main><h1>{title}</h1><p>{edition}</p>{items}</main><footer>© {year} Банк</footer>"
            "</body></html>")


def _changes(archive, *args: str) -> dict:
    result = archive.cli("report", "changes", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def _docs(report: dict) -> dict:
    return {d["url"].rsplit("/", 1)[1]: d for d in report["documents"]}


def test_banner_footer_and_edition_date_changes_are_not_reported_a_real_change_once(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности"})),
        "/privacy": Route(body=page("Политика конфиденциальности", RU_CLAUSES, "Редакция от 1 февраля 2025 года.",
                                    2024)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        # Only noise: another banner wording, the footer year, the edition date.
        site.routes["/privacy"] = Route(body=page(
            "Политика конфиденциальности", RU_CLAUSES, "Редакция от 1 июня 2025 года.", 2025,
            banner=BANNER.replace("удобнее", "быстрее").replace("Принять", "Хорошо")))
        assert archive.crawl().code == 0
        quiet = _docs(_changes(archive))["privacy"]
        assert quiet["changes"] == []
        everything = _docs(_changes(archive, "--all"))["privacy"]
        assert [c["kind"] for c in everything["changes"]] == ["cosmetic"]

        changed = [c.replace("не более пяти лет", "не более трех лет") for c in RU_CLAUSES]
        site.routes["/privacy"] = Route(body=page("Политика конфиденциальности", changed,
                                                  "Редакция от 1 июня 2025 года.", 2025))
        assert archive.crawl().code == 0
        assert archive.crawl().code == 0  # seen again: no second report of the same change
    # The crawl classified each change as it recorded the new version (what reports and the UI read).
    assert sorted(archive.sql("SELECT kind, differ FROM text_changes")) == [("cosmetic", DIFFER),
                                                                              ("substantive", DIFFER)]
    report = _docs(_changes(archive))["privacy"]
    assert [c["kind"] for c in report["changes"]] == ["substantive"]
    # Candidate F2a evidence: "...уведомляет пользователей на сайте за десять календарных дней."
    (notice,) = report["notices"]
    assert notice["channels"] == ["site"] and notice["advance"]["days"] == 10
    shown = archive.cli("show", "/privacy", "--notices")
    assert shown.code == 0 and "[site; за десять календарных дней]" in shown.out
    change = report["changes"][0]
    assert "трех" in " ".join(change["added"]) and "пяти" in " ".join(change["removed"])
    assert [v["id"] for v in report["versions"]][-1] == change["to"]

    diff = archive.cli("diff", str(change["from"]), str(change["to"]))
    assert diff.code == 0 and "[-пяти-]" in diff.out and "{+трех+}" in diff.out
    by_date = archive.cli("diff", "/privacy", str(date.today() - timedelta(days=1)), str(date.today()))
    assert by_date.code == 2 and "no version" in by_date.err  # nothing was archived yesterday
    html = archive.cli("diff", str(change["from"]), str(change["to"]), "--format", "html")
    assert html.code == 0 and "<del>" in html.out and "<script" not in html.out


def test_a_document_that_disappears_and_one_that_appears(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/terms": "Пользовательское соглашение", "/offer": "Публичная оферта"})),
        "/terms": Route(body=page("Пользовательское соглашение", RU_CLAUSES, "", 2025)),
        "/offer": Route(status=404, body="<h1>Not found</h1>"),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        archive.crawl()
        site.routes["/terms"] = Route(status=404, body="<h1>Not found</h1>")
        site.routes["/offer"] = Route(body=page("Публичная оферта", RU_CLAUSES[::-1], "", 2025))
        assert archive.crawl().code == 1
    docs = _docs(_changes(archive))
    assert docs["terms"]["status"] == "unavailable"
    assert docs["terms"]["failure"].startswith("the server answered HTTP 404")
    assert docs["terms"]["unavailable_since"] and len(docs["terms"]["versions"]) == 1  # its history stays
    assert docs["offer"]["status"] == "available" and len(docs["offer"]["versions"]) == 1
    assert (docs["offer"]["new"], docs["terms"]["new"]) == (True, False)  # the offer appeared later


def test_kazakh_and_russian_versions_side_by_side(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности", "/kz/privacy": "Құпиялылық саясаты"})),
        "/ru/privacy": Route(body=page("Политика конфиденциальности", RU_CLAUSES, "", 2025)),
        "/kz/privacy": Route(body=page("Құпиялылық саясаты", KK_CLAUSES[:-1], "", 2025)),  # one clause fewer
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        archive.crawl()
    db = archive.db()
    with db.session() as s:
        from sqlalchemy import select

        from archive.models import Version
        ids = {v.language: v.id for v in s.scalars(select(Version))}
    db.close()
    result = archive.cli("diff", str(ids["kk"]), str(ids["ru"]), "--translation", "--format", "text")
    assert result.code == 0, result.err
    # The Kazakh translation lags one clause behind: clause 7 exists only in Russian.
    assert re.search(r"missing in version \d+ \([^)]*kk\): 7\b", result.out), result.out
    assert "7. Вопросы о защите данных" in result.out
    html = archive.cli("diff", str(ids["kk"]), str(ids["ru"]), "--translation", "--format", "html")
    assert html.code == 0 and html.out.count("<tr") >= 7 and "Content-Security-Policy" in html.out


def test_reextract_makes_technical_versions_that_are_never_a_change(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/scan": "Публичная оферта", "/privacy": "Политика конфиденциальности"})),
        "/scan": Route(body=fixture("scanned-offer.pdf"), content_type="application/pdf"),
        "/privacy": Route(body=page("Политика конфиденциальности", RU_CLAUSES, "", 2025)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        first = archive.crawl(env={"POLICY_ARCHIVE_OCR": "0"})  # as on a machine without tesseract
    assert first.code == 1 and "scanned" in first.out
    again = archive.cli("reextract")
    assert again.code == 0 and "1 technical versions" in again.out
    assert "0 technical versions" in archive.cli("reextract").out  # nothing new the second time
    report = _docs(_changes(archive, "--all"))
    assert report["scan"]["changes"] == [] and report["scan"]["versions"][0]["technical"] is True
    assert report["privacy"]["changes"] == []


def test_campaign_compare_reports_what_changed_since_last_year(archive):
    today = date.today()
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности"})),
        "/privacy": Route(body=page("Политика конфиденциальности", RU_CLAUSES, "", 2024)),
    })
    campaigns = [{"name": "last", "start": str(today - timedelta(days=400)), "end": str(today - timedelta(days=300))},
                 {"name": "this", "start": str(today - timedelta(days=10)), "end": str(today + timedelta(days=10))}]
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], campaigns=campaigns)
        assert archive.crawl("--ignore-window").code == 0
        # That crawl was last year's: move its timestamps into last year's window (a pinned clock).
        for table, column in (("snapshots", "fetched_at"), ("versions", "captured_at"),
                              ("documents", "first_seen"), ("documents", "last_captured")):
            archive.sql(f"UPDATE {table} SET {column} = :earlier",
                 earlier=datetime.combine(date.today() - timedelta(days=350), time(12)))
        site.routes["/privacy"] = Route(body=page(
            "Политика конфиденциальности", [c.replace("десять", "пять") for c in RU_CLAUSES], "", 2025))
        assert archive.crawl().code == 0
    report = _changes(archive, "--campaign", "this", "--compare", "last")
    assert (report["campaign"], report["compare"]) == ("this", "last")
    (doc,) = report["documents"]
    assert [c["kind"] for c in doc["changes"]] == ["substantive"]
    assert "пять" in " ".join(doc["changes"][0]["added"])
    in_window = _changes(archive, "--campaign", "this")
    assert in_window["documents"][0]["new"] is False  # known from last year
    for fmt in ("md", "html"):
        out = archive.cli("report", "changes", "--campaign", "this", "--compare", "last", "--format", fmt)
        assert out.code == 0 and "пять" in out.out
    xlsx = archive.cli("report", "changes", "--format", "xlsx", "--out", str(archive.root / "c.xlsx"))
    assert xlsx.code == 0 and (archive.root / "c.xlsx").read_bytes()[:2] == b"PK"
    # Every change report says when it was made (to the second, UTC): its xlsx is dated then (tests/test_xlsx.py).
    for made in (report, in_window):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", made["generated_at"])


def test_change_summaries_missing_from_the_table_are_computed_and_kept(archive):
    """An archive from before the table (or a new differ) gets its summaries from the first reader."""
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/terms": "Пользовательское соглашение"})),
        "/terms": Route(body=page("Пользовательское соглашение", RU_CLAUSES, "", 2024)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        site.routes["/terms"] = Route(body=page("Пользовательское соглашение", RU_CLAUSES[:-1], "", 2024))
        assert archive.crawl().code == 0
    archive.sql("DELETE FROM text_changes")
    (terms,) = _changes(archive)["documents"]
    assert [c["kind"] for c in terms["changes"]] == ["substantive"] and terms["changes"][0]["removed"]
    assert archive.sql("SELECT kind FROM text_changes") == [("substantive",)]
