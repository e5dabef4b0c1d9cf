"""Issue 14's findings in every report format: the F1a.2 reasons next to the verdict, each translation pair
in words (md, html, csv, xlsx), and the translation lag in the change report (md, html, xlsx).

The archive is built in-process as in tests/test_translations.py (its ``crawl`` feeds captures to the real
recorder): a Kazakh privacy policy lacking clauses 4.3 and 6.1 and stating an older edition, then a Russian
change of clause 5.2 whose new text carries a ``<script>`` and a ``[x](javascript:…)`` (a numbers-differ
pair whose clause text the reports show), then the Kazakh change that follows it.
"""

from __future__ import annotations

import copy
import csv
import io
from datetime import datetime

import lxml.html
import openpyxl
import pytest

from config import load_config
from reports.changes import build_changes
from reports.coverage import build_coverage
from reports.render import CSV_COLUMNS, FORMATS, render_coverage
from reports.render_changes import render_changes
from reports.translations import pair_words
from tests.conftest import _translations_said, check_reports, html_is_balanced_and_inert, markdown_is_inert
from tests.test_translations import KK_URL, RU_URL, crawl, pay  # noqa: F401  (pay: the fixture)
from tests.translation_pairs import KK, KK_OLD_EDITION, KK_SHORTER, RU, RU_EDITION, page, replaced, without

SCRIPT = "<script>alert(document.domain)</script>"
LINK = "[x](javascript:alert(document.cookie))"
# The Russian 5.2 after the change: 3 years instead of 5, and page text that tries to become markup.
# Entities in the HTML page, so that the extracted text holds the literal "<script>".
RU_HOSTILE = replaced(RU, "5.2.", "Сведения об операциях хранятся 3 (три) года после окончания действия договора. "
                                  "&lt;script&gt;alert(document.domain)&lt;/script&gt; " + LINK)
KK_SHORT = without(KK, "4.3.", "6.1.")
NOW = datetime(2025, 5, 15, 12)


def _coverage(archive) -> dict:
    db = archive.db()
    try:
        with db.session() as session:
            return build_coverage(session, load_config(archive.config), now=NOW)
    finally:
        db.close()


def _changes(archive, diffs: bool) -> dict:
    db = archive.db()
    try:
        with db.session() as session:
            return build_changes(session, load_config(archive.config), render_diffs=diffs, now=NOW)
    finally:
        db.close()


@pytest.fixture
def lagging(pay):  # noqa: F811
    """Day 10: the Kazakh version lacks 4.3 and 6.1 and states an older edition; day 12: the Russian one
    changes 5.2 (now hostile), the Kazakh one does not."""
    crawl(pay, 10, page("ru", RU, RU_EDITION), page("kk", KK_SHORT, KK_OLD_EDITION))
    crawl(pay, 12, page("ru", RU_HOSTILE, RU_EDITION), page("kk", KK_SHORT, KK_OLD_EDITION))
    return pay


def _privacy(data: dict) -> dict:
    return next(d for d in data["companies"][0]["documents"] if d["type"] == "privacy_policy")


def test_the_data_holds_what_the_reports_must_say(lagging):
    row = _privacy(_coverage(lagging))
    assert row["f1a"] == "partial"
    assert {r["code"] for r in row["f1a_reasons"]} == {"missing_clauses", "older_edition", "lag"}
    (pair,) = row["translations"]
    (differing,) = pair["numbers"]
    assert SCRIPT in differing["text"]["ru"] and LINK in differing["text"]["ru"]


def test_coverage_markdown_gives_the_reasons_by_the_verdict_and_each_pair_in_words(lagging):
    data = _coverage(lagging)
    row = _privacy(data)
    md = render_coverage(data, "md").decode()
    markdown_is_inert(md, "coverage md")
    line = next(line for line in md.splitlines() if line.startswith("| Pay | privacy_policy |"))
    reasons = [r["text"] for r in row["f1a_reasons"]]
    assert f"| available | partial: {'; '.join(reasons)} |" in line
    assert "the Kazakh version lacks 2 clauses (4.3, 6.1) of the Russian one" in line
    assert "older edition (2024-03-01) than the Russian one (2025-06-01)" in line
    assert "has not followed the Russian change of 2025-05-12 (3 days)" in line
    share = round(row["translations"][0]["missing"]["kk"]["share"] * 100)
    assert (f"- Pay · privacy_policy: Kazakh ↔ Russian: the Kazakh version lacks 2 clauses (4.3, 6.1) "
            f"({share}% of the Russian text)") in md.splitlines()
    for sentence in ("  - numbers differ in 5.2: Kazakh 5, Russian 3",
                     "  - stated edition: Kazakh 2024-03-01, Russian 2025-06-01",
                     "  - the Kazakh version has not followed the Russian change of 2025-05-12 (3 days so far)"):
        assert sentence in md.splitlines(), sentence
    # The clause texts behind "numbers differ", as escaped text: no tag, no link.
    clause = next(line for line in md.splitlines() if line.startswith("  - clause 5.2, Russian:"))
    assert "\\<script\\>alert(document.domain)\\</script\\>" in clause and "\\[x\\](javascript:" in clause
    from markdown_it import MarkdownIt

    shown = MarkdownIt("commonmark").enable("table").render(md)
    assert "<script" not in shown and 'href="javascript' not in shown
    assert "&lt;script&gt;alert(document.domain)&lt;/script&gt; [x](javascript:alert(document.cookie))" in shown


def test_coverage_html_lists_the_reasons_in_the_verdict_cell_and_the_pairs_under_the_row(lagging):
    data = _coverage(lagging)
    row = _privacy(data)
    raw = render_coverage(data, "html")
    html_is_balanced_and_inert(raw.decode(), "coverage html")
    doc = lxml.html.document_fromstring(raw)
    assert not doc.xpath("//script | //a[starts-with(@href, 'javascript')]")
    body = doc.xpath("//tbody[@class='company']")[0]
    rows = body.xpath("tr")
    # The company's header cell spans its document rows and the translations row under privacy_policy.
    assert body.xpath("tr/th[@class='company']/@rowspan") == [str(len(rows))]
    privacy = next(i for i, tr in enumerate(rows) if tr.xpath("td")[0].text == "privacy_policy")
    verdict = rows[privacy].xpath("td[contains(@class, 'f1a')]")[0]
    assert verdict.get("class") == "f1a f1a-partial" and verdict.text == "partial"
    assert verdict.xpath("small[@class='reason']/text()") == [r["text"] for r in row["f1a_reasons"]]
    under = rows[privacy + 1]
    assert under.get("class") == "translations"
    (item,) = under.xpath(".//ul[@class='pairs']/li")
    words = pair_words(row["translations"][0])
    assert item.get("class") == "comparable" and item.text == words[0]
    assert item.xpath("ul/li/text()") == words[1:]
    assert "numbers differ in 5.2: Kazakh 5, Russian 3" in words
    clauses = [p.text_content() for p in item.xpath("details/p[@class='clause']")]
    assert clauses[0].startswith("Kazakh 5.2 ") and "5 (бес) жыл" in clauses[0]
    assert clauses[1].startswith("Russian 5.2 ") and SCRIPT in clauses[1] and LINK in clauses[1]  # text, not markup
    assert b"&lt;script&gt;alert(document.domain)" in raw


def test_coverage_csv_has_the_reasons_and_the_pairs_on_every_row_of_the_document(lagging):
    data = _coverage(lagging)
    row = _privacy(data)
    table = list(csv.DictReader(io.StringIO(render_coverage(data, "csv").decode("utf-8-sig"), newline="")))
    assert list(table[0]) == list(CSV_COLUMNS) and CSV_COLUMNS[-2:] == ("f1a_reasons", "translations")
    privacy = [r for r in table if r["type"] == "privacy_policy"]
    assert [r["language"] for r in privacy] == ["kk", "ru"]
    for r in privacy:
        assert r["f1a"] == "partial"
        assert r["f1a_reasons"] == " | ".join(reason["text"] for reason in row["f1a_reasons"])
        assert r["translations"] == " | ".join(pair_words(row["translations"][0]))
        lag = "the Kazakh version has not followed the Russian change of 2025-05-12 (3 days so far)"
        assert lag in r["translations"]
    terms = [r for r in table if r["type"] != "privacy_policy"]
    assert terms and all(r["translations"] == "" for r in terms)  # no pair: nothing to say
    assert all(r["f1a_reasons"].startswith("no Kazakh version") for r in terms)


def test_coverage_xlsx_has_the_two_columns_and_a_sheet_with_one_row_per_pair(lagging):
    data = _coverage(lagging)
    row = _privacy(data)
    book = openpyxl.load_workbook(io.BytesIO(render_coverage(data, "xlsx")))
    assert book.sheetnames == ["FinTech", "Translations"]
    sheet = book["FinTech"]
    header = [c.value for c in sheet[5]]
    cells = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=6)]
    kk = next(c for c in cells if (c["type"], c["language"]) == ("privacy_policy", "kk"))
    assert kk["translations"] == " | ".join(pair_words(row["translations"][0]))
    assert "lacks 2 clauses (4.3, 6.1)" in kk["f1a_reasons"]
    pairs = book["Translations"]
    header = [c.value for c in pairs[1]]
    (found,) = [dict(zip(header, (c.value for c in r), strict=True)) for r in pairs.iter_rows(min_row=2)]
    assert (found["company"], found["type"], found["f1a"], found["languages"]) == (
        "Pay", "privacy_policy", "partial", "kk ↔ ru")
    assert (found["comparable"], found["reason"], found["kk_lacks"]) == (True, None, "4.3, 6.1")
    assert found["ru_lacks"] is None  # an empty cell: it lacks nothing
    assert found["kk_lacks_share"] == pytest.approx(row["translations"][0]["missing"]["kk"]["share"])
    assert found["ru_lacks_share"] == 0 and found["en_lacks"] is None
    assert found["numbers_differ"] == "5.2: kk 5, ru 3"
    assert found["editions"] == "edition: kk 2024-03-01, ru 2025-06-01 (differ)"
    assert found["lag_open_days"] == 3
    assert found["in_words"].splitlines() == pair_words(row["translations"][0])
    assert pairs.cell(2, header.index("kk_lacks_share") + 1).number_format == "0%"


def test_the_change_report_says_the_open_lag_then_the_closed_one(lagging):
    data = _changes(lagging, diffs=True)
    md = render_changes(data, "md").decode()
    markdown_is_inert(md, "changes md")
    open_lag = "The Kazakh version has not followed the Russian change of 2025-05-12 (3 days so far)"
    # On the Kazakh document, which has no change of its own (shown for the lag), and on the Russian one.
    kk = md.split("## pay · privacy_policy \\[kk\\]")[1].split("\n## ")[0]
    ru = md.split("## pay · privacy_policy \\[ru\\]")[1].split("\n## ")[0]
    assert f"- translation: {open_lag} (the other version: <{RU_URL}>)" in kk and "### " not in kk
    assert f"- translation: {open_lag} (the other version: <{KK_URL}>)" in ru and "### substantive" in ru

    raw = render_changes(data, "html")
    html_is_balanced_and_inert(raw.decode(), "changes html")
    page_ = lxml.html.document_fromstring(raw)
    sections = {s.xpath("h2/text()")[0]: s for s in page_.xpath("//section")}
    lag = sections["pay · privacy_policy [kk]"].xpath("ul[@class='lag']/li")[0]
    assert lag.text_content() == f"{open_lag} (the other version: {RU_URL})"
    assert lag.xpath("a/@href") == [RU_URL]

    book = openpyxl.load_workbook(io.BytesIO(render_changes(_changes(lagging, diffs=False), "xlsx")))
    assert book.sheetnames == ["Changes", "Translation lag"]
    sheet = book["Translation lag"]
    header = [c.value for c in sheet[1]]
    (row,) = [dict(zip(header, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=2)]  # once
    assert (row["changed_language"], row["changed_url"], row["follower_language"], row["follower_url"]) == (
        "ru", RU_URL, "kk", KK_URL)
    assert row["changed_at"].startswith("2025-05-12") and row["followed_at"] is None
    assert (row["lag_days"], row["open"], row["in_words"]) == (3, True, open_lag)

    # Day 14: the Kazakh version follows (its 5.2 now says 3 years too).
    crawl(lagging, 14, page("ru", RU_HOSTILE, RU_EDITION),
          page("kk", without(KK_SHORTER, "4.3.", "6.1."), KK_OLD_EDITION))
    closed = "The Kazakh version followed the Russian change of 2025-05-12 on 2025-05-14 (2 days later)"
    assert f"- translation: {closed} (the other version: <{RU_URL}>)" in render_changes(
        _changes(lagging, diffs=True), "md").decode()
    assert closed in lxml.html.document_fromstring(render_changes(_changes(lagging, diffs=True), "html")).text_content()
    book = openpyxl.load_workbook(io.BytesIO(render_changes(_changes(lagging, diffs=False), "xlsx")))
    (row,) = [[c.value for c in r] for r in book["Translation lag"].iter_rows(min_row=2)]
    assert (row[header.index("in_words")], row[header.index("open")], row[header.index("lag_days")]) == (
        closed, False, 2)


def test_the_conftest_check_passes_here_and_catches_a_reason_left_out(lagging):
    check_reports(lagging)  # every format, as the suite's after-module check runs it on crawled archives
    data = _coverage(lagging)
    assert _privacy(data)["f1a_reasons"]
    bodies = {fmt: render_coverage(data, fmt) for fmt in FORMATS}
    _translations_said(data, bodies, "whole")
    hidden = copy.deepcopy(data)
    for doc in hidden["companies"][0]["documents"]:
        doc["f1a_reasons"], doc["translations"] = [], []
    for fmt, what in (("md", "reason not in md"), ("html", "reason not in html"), ("csv", "pairs not in csv")):
        with pytest.raises(AssertionError, match=what):
            _translations_said(data, {**bodies, fmt: render_coverage(hidden, fmt)}, "hidden")


def test_data_from_before_issue_14_renders_as_before():
    from tests.test_report_render import sample

    data = sample()  # no f1a_reasons, no translations
    assert "| Базар.kz | terms (terms_of_service) | available | partial | ½ 58% d2 | ✓ d1 | — |" in render_coverage(
        data, "md").decode()
    assert "Translations (F1a.2" not in render_coverage(data, "md").decode()
    assert not lxml.html.document_fromstring(render_coverage(data, "html")).xpath("//tr[@class='translations']")
    table = list(csv.DictReader(io.StringIO(render_coverage(data, "csv").decode("utf-8-sig"))))
    assert {(r["f1a_reasons"], r["translations"]) for r in table} == {("", "")}
