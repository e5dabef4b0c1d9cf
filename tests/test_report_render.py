"""The coverage report's renderers, on realistic data: what each format shows, and that it stays inert."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile

import lxml.html
import openpyxl
import pytest

from commands.cli import build_parser
from reports.render import FORMATS, render_coverage, sheet_title
from reports.render_changes import render_changes
from tests.conftest import company, html_is_balanced_and_inert, markdown_is_inert

HOSTILE = '<script>alert("title")</script> Пайдаланушы келісімі'


def _entry(url: str, *, share: float = 1.0, incomplete: bool = False, depth: int | None = 1,
           title: str = "Политика конфиденциальности", doc: int = 1) -> dict:
    return {"url": url, "share": share, "incomplete": incomplete, "click_depth": depth,
            "captured_at": "2024-06-12T03:15:42Z", "title": title, "document_id": doc, "version_id": doc * 10}


def _doc(kind: str, types: list[str], status: str, f1a: str, languages: dict, missing: list[str],
         mismatches: list | None = None, failure: str | None = None, other_urls: int = 0) -> dict:
    return {"type": kind, "types_found": types, "status": status, "f1a": f1a, "languages": languages,
            "missing_languages": missing, "mismatches": mismatches or [], "failure": failure,
            "other_urls": other_urls}


def _company(cid: str, name: str, sector: str, homepage: str, documents: list, *, crawled: str | None,
             pages: int = 14, required: tuple = ("kk", "ru")) -> dict:
    return {"id": cid, "name": name, "sector": sector, "homepage": homepage, "required_languages": list(required),
            "crawl": {"last_crawled": crawled, "pages_visited": pages if crawled else 0, "max_depth": 3},
            "documents": documents}


def sample() -> dict:
    """Five companies in three sectors: full, partial (incomplete kk, kk URL serving Russian), unavailable,
    not found after a crawl, and never crawled."""
    tenge = "https://tenge.kz"
    qazaq = "https://qazaqpay.kz"
    bazar = "https://bazar.kz"
    return {
        "campaign": "2024",
        "window": {"start": "2024-05-01", "end": "2024-07-31"},
        "generated_at": "2024-08-01T06:30:00Z",
        "companies": [
            _company("tenge-finance", "АО «Тенге Финанс»", "FinTech", f"{tenge}/", [
                _doc("terms", ["public_offer"], "available", "yes", {
                    "kk": _entry(f"{tenge}/kz/oferta.pdf", title="Жария оферта", depth=2, doc=1),
                    "ru": _entry(f"{tenge}/ru/oferta.pdf", title="Публичная оферта", depth=2, doc=2)}, []),
                _doc("privacy_policy", [], "unavailable", "no", {}, ["kk", "ru"],
                     failure="http_404: Страница не найдена"),
            ], crawled="2024-06-12T03:16:00Z", pages=22),
            _company("qazaqpay", "ҚазақПэй", "FinTech", f"{qazaq}/", [
                _doc("terms", ["terms_of_service"], "available", "partial", {
                    "ru": _entry(f"{qazaq}/kz/terms", title="Пользовательское соглашение", doc=3)}, ["kk"],
                     mismatches=[{"url": f"{qazaq}/kz/terms", "url_language": "kk", "text_language": "ru"}],
                     other_urls=1),
                _doc("privacy_policy", ["privacy_policy"], "available", "yes", {
                    "kk": _entry(f"{qazaq}/kz/privacy", title="Құпиялылық саясаты", doc=4),
                    "ru": _entry(f"{qazaq}/ru/privacy", doc=5),
                    "en": _entry(f"{qazaq}/en/privacy", title="Privacy policy", depth=2, doc=6)}, []),
            ], crawled="2024-06-12T03:15:00Z"),
            _company("dala-telecom", "Дала Телеком", "Telecom", "https://dala.kz/", [
                _doc("terms", [], "not_found", "no", {}, ["kk", "ru"]),
                _doc("privacy_policy", [], "not_found", "no", {}, ["kk", "ru"]),
            ], crawled="2024-06-12T03:17:00Z", pages=31),
            _company("sapar-mobile", "Сапар Мобайл", "Telecom", "https://sapar.kz/", [
                _doc("terms", [], "not_found", "no", {}, ["kk", "ru"]),
                _doc("privacy_policy", [], "not_found", "no", {}, ["kk", "ru"]),
            ], crawled=None),
            _company("bazar", "Базар.kz", "E-commerce", f"{bazar}/", [
                _doc("terms", ["terms_of_service"], "available", "partial", {
                    "kk": _entry(f"{bazar}/kk/terms", share=0.58, incomplete=True, depth=2, title=HOSTILE, doc=7),
                    "ru": _entry(f"{bazar}/terms", title="Пользовательское соглашение", doc=8)}, []),
                _doc("privacy_policy", ["personal_data_policy", "privacy_policy"], "available", "partial", {
                    "ru": _entry(f"{bazar}/privacy", depth=None, doc=9)}, ["kk"]),
            ], crawled="2024-06-12T03:18:00Z", pages=9),
        ],
    }


def test_json_round_trips_and_keeps_cyrillic_readable():
    data = sample()
    out = render_coverage(data, "json")
    assert json.loads(out) == data
    assert "АО «Тенге Финанс»" in out.decode() and out.endswith(b"\n")
    assert out == render_coverage(copy.deepcopy(data), "json")


def test_csv_has_a_bom_and_one_row_per_company_type_and_language():
    out = render_coverage(sample(), "csv")
    assert out.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig"))))
    assert list(rows[0]) == ["campaign", "sector", "company_id", "company", "type", "status", "f1a", "language",
                             "url", "share", "incomplete", "click_depth", "captured_at", "mismatch", "absence",
                             "f1a_reasons", "translations"]  # issue 14's columns last: older readers keep their order
    key = {(r["company_id"], r["type"], r["language"]): r for r in rows}
    # tenge 2+1, qazaqpay 1+3, dala 1+1, sapar 1+1, bazar 2+1
    assert len(rows) == len(key) == 14
    kk = key[("bazar", "terms", "kk")]
    assert (kk["company"], kk["f1a"], kk["share"], kk["incomplete"], kk["click_depth"]) == (
        "Базар.kz", "partial", "0.58", "true", "2")
    assert key[("bazar", "privacy_policy", "ru")]["click_depth"] == ""
    assert key[("qazaqpay", "terms", "ru")]["mismatch"] == "URL says kk, text is ru"
    gone = key[("tenge-finance", "privacy_policy", "")]
    assert (gone["status"], gone["f1a"], gone["url"], gone["campaign"]) == ("unavailable", "no", "", "2024")
    assert key[("dala-telecom", "terms", "")]["status"] == "not_found"
    assert [r["language"] for r in rows if r["company_id"] == "qazaqpay" and r["type"] == "privacy_policy"] == [
        "kk", "ru", "en"]


def _with_trail(data: dict) -> dict:
    """qazaqpay's terms lack Kazakh: the trail the coverage data gives such a row, with a screenshot."""
    doc = data["companies"][1]["documents"][0]
    doc["absence"] = {"kk": {"tried": [
        {"how": "cookie", "url": "https://qazaqpay.kz/kz/terms", "result": "same bytes as the plain page",
         "snapshot": 41},
        {"how": "crawl", "url": "https://qazaqpay.kz/", "result": "14 pages visited, 3 rendered", "snapshot": None}],
        "summary": "kk: switcher 'Қаз' followed (cookie lang=kk) → same bytes as the plain page; no hreflang; "
                   "14 pages visited, 3 rendered", "screenshot": 42}}
    return data


def test_every_format_carries_the_proof_of_absence_of_a_missing_language():
    data = _with_trail(sample())
    summary = data["companies"][1]["documents"][0]["absence"]["kk"]["summary"]
    rows = list(csv.DictReader(io.StringIO(render_coverage(data, "csv").decode("utf-8-sig"))))
    assert [r["absence"] for r in rows if r["company_id"] == "qazaqpay" and r["type"] == "terms"] == [summary]
    assert {r["absence"] for r in rows if r["company_id"] != "qazaqpay"} == {""}  # no trail in the data: none shown
    md = render_coverage(data, "md").decode()
    assert ("- ҚазақПэй · terms: kk missing: switcher 'Қаз' followed (cookie lang=kk) → same bytes as the plain "
            "page; no hreflang; 14 pages visited, 3 rendered (screenshot: capture 42)") in md
    page = lxml.html.fromstring(render_coverage(data, "html"))
    (cell,) = page.xpath('//small[@class="absence"]')
    assert cell.text_content() == summary + " (screenshot: capture 42)"
    assert cell.getparent().get("class") == "lang lang-missing"
    book = openpyxl.load_workbook(io.BytesIO(render_coverage(data, "xlsx")))
    header = [c.value for c in book["FinTech"][5]]
    column = header.index("absence")
    assert summary in [row[column].value for row in book["FinTech"].iter_rows(min_row=6)]


def test_csv_keeps_a_mismatch_that_fills_no_language_slot():
    data = sample()
    doc = data["companies"][2]["documents"][0]
    doc["mismatches"] = [{"url": "https://dala.kz/kz/offer", "url_language": "kk", "text_language": "und"}]
    rows = list(csv.DictReader(io.StringIO(render_coverage(data, "csv").decode("utf-8-sig"))))
    dala = next(r for r in rows if r["company_id"] == "dala-telecom" and r["type"] == "terms")
    assert dala["mismatch"] == "https://dala.kz/kz/offer: URL says kk, text is und"


def test_markdown_has_one_table_per_sector_with_the_cells_and_notes():
    md = render_coverage(sample(), "md").decode()
    assert md.startswith("# Policy document coverage (RDR F1a.2 / P1a.2)\n")
    assert "Campaign 2024, archive window 2024-05-01 – 2024-07-31; generated 2024-08-01 06:30 UTC." in md
    assert [line for line in md.splitlines() if line.startswith("## ")] == ["## FinTech", "## Telecom",
                                                                            "## E-commerce"]
    assert md.count("| company | type | status | F1a.2 | kk | ru | en |") == 3
    assert "| Базар.kz | terms (terms_of_service) | available | partial | ½ 58% d2 | ✓ d1 | — |" in md
    assert ("| Базар.kz | privacy_policy (personal_data_policy, privacy_policy) | available | partial "
            "| — | ✓ d? | — |") in md
    assert "| АО «Тенге Финанс» | terms (public_offer) | available | yes | ✓ d2 | ✓ d2 | — |" in md
    assert "| ҚазақПэй | privacy_policy | available | yes | ✓ d1 | ✓ d1 | ✓ d2 |" in md
    assert "| Дала Телеком | terms | not found | no | — | — | — |" in md
    assert "- ҚазақПэй · terms: the kk URL <https://qazaqpay.kz/kz/terms> serves ru text" in md
    assert "- ҚазақПэй · terms: 1 more archived document(s) of this type not shown" in md
    assert "- АО «Тенге Финанс» · privacy_policy: unavailable: http_404: Страница не найдена" in md
    assert ("- Дала Телеком · terms: not found; looked from <https://dala.kz/>: 31 pages visited, up to 3 clicks "
            "deep, last crawled 2024-06-12 03:17 UTC") in md
    assert "- Сапар Мобайл · terms: not found; not crawled in this period (homepage <https://sapar.kz/>)" in md


def test_markdown_escapes_table_breakers_and_never_links_other_schemes():
    data = sample()
    data["companies"][0]["name"] = "Тенге | Финанс"
    data["companies"][2]["documents"][0]["mismatches"] = [
        {"url": "javascript:alert(1)", "url_language": "kk", "text_language": "ru"}]
    md = render_coverage(data, "md").decode()
    assert "| Тенге \\| Финанс | terms (public_offer) |" in md
    assert "`javascript:alert(1)`" in md and "<javascript:" not in md


# Page text that tries to become markup: raw HTML, a javascript: link, an image, code, emphasis, a table cell.
PAGE_TEXT = ('<img src=x onerror=alert(1)> [click](javascript:alert(1)) ![i](http://evil.example/i.png) '
             '`code` *bold* _em_ ~~s~~ &lt;b&gt; a | b \\| c')


def _hostile_archive(data: dict) -> dict:
    data["sector"] = "x"
    bank = data["companies"][0]
    bank["name"] = "Банк <b>«Тенге»</b> | *1*"
    bank["documents"][1]["failure"] = f"http_500: {PAGE_TEXT}"
    bank["public_archive"] = {"found": True, "versions": [{"url": "https://tenge.kz/old"}] * 3, "candidates": [],
                              "evidence": [
                                  {"url": "https://tenge.kz/ru/archive?a=<script>&b=|", "text": PAGE_TEXT,
                                   "kind": "page", "versions": 2},
                                  {"url": "javascript:alert(document.cookie)", "text": "[x](javascript:1)",
                                   "kind": "link", "versions": 1}]}
    data["companies"][2]["public_archive"] = {"found": False, "evidence": [], "versions": [], "candidates": []}
    data["companies"][2]["documents"][0]["mismatches"] = [
        {"url": "https://dala.kz/kz/terms <img src=x>", "url_language": "kk", "text_language": "ru"}]
    return data


def test_markdown_escapes_every_page_derived_string():
    md = render_coverage(_hostile_archive(sample()), "md").decode()
    markdown_is_inert(md, "coverage md")  # no raw HTML, only http(s) autolinks, table rows intact
    from markdown_it import MarkdownIt

    shown = MarkdownIt("commonmark").enable("table").render(md)
    assert "<img" not in shown and "<script" not in shown and "<b>" not in shown and "<em>" not in shown
    assert 'href="javascript' not in shown and "<code>code</code>" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt; [click](javascript:alert(1))" in shown  # the text, as text
    assert "| Банк \\<b\\>«Тенге»\\</b\\> \\| \\*1\\* | terms (public_offer) |" in md
    note = next(line for line in md.splitlines() if "public archive of previous versions" in line)
    assert "3 old edition(s) archived" in note and "<https://tenge.kz/ru/archive?a=%3Cscript%3E&b=%7C>" in note
    assert "`javascript:alert(document.cookie)`" in note and "\\[x\\](javascript:1)" in note
    assert "- Дала Телеком: no public archive of previous versions found (F2a.4 / P2a.4)" in md
    assert "<https://dala.kz/kz/terms%20%3Cimg%20src=x%3E>" in md
    assert "privacy_policy" in md  # an underscore inside a word is left alone


def test_html_escapes_every_page_derived_string_and_names_the_public_archive():
    raw, doc = _html(_hostile_archive(sample()))
    html_is_balanced_and_inert(raw.decode(), "coverage html")
    assert not doc.xpath("//img | //script | //b | //@onerror | //a[starts-with(@href, 'javascript')]")
    notes = " ".join(li.text_content() for li in doc.xpath("//ul[@class='notes']/li"))
    assert PAGE_TEXT in notes and "3 old edition(s) archived" in notes
    assert "javascript:alert(document.cookie)" in notes  # shown, not linked


def _changes(url: str, failure: str, diff_text: str, added: list[str]) -> dict:
    return {"campaign": None, "compare": None, "since": None, "until": None, "documents": [{
        "company": "bank", "type": "terms_of_service", "language": "ru", "url": url, "status": "unavailable",
        "unavailable_since": "2024-06-02T00:00:00Z", "failure": failure, "first_seen": "2024-05-01T00:00:00Z",
        "new": False, "changes": [{"from": 1, "to": 2, "from_date": "2024-05-01T00:00:00Z",
                                   "to_date": "2024-06-01T00:00:00Z", "kind": "substantive", "added_words": 3,
                                   "removed_words": 0, "added": added, "removed": [], "diff_text": diff_text,
                                   "diff_html": "<p>diff</p>"}]}]}


def test_the_change_report_keeps_page_text_inert_in_every_format():
    fence_breaker = "+ 5.1. Пример:\n```\n<script>alert(1)</script>\n````\n[x](javascript:alert(1))"
    data = _changes("javascript:alert(1)", f"soft_404: {PAGE_TEXT}", fence_breaker,
                    ["=HYPERLINK(\"http://evil.example\")", "bell\x07 and vertical\x0btab"])
    md = render_changes(data, "md").decode()
    markdown_is_inert(md, "changes md")
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(md)
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and fences[0].content.rstrip("\n") == fence_breaker  # the whole diff, in one block
    assert "`javascript:alert(1)`" in md and "<javascript:" not in md
    html_is_balanced_and_inert(render_changes(data, "html").decode(), "changes html")
    book = openpyxl.load_workbook(io.BytesIO(render_changes(data, "xlsx")))
    added = book["Changes"]["P3"]
    assert added.data_type == "s" and added.value.startswith("=HYPERLINK") and "\x07" not in added.value
    assert json.loads(render_changes(data, "json"))["documents"][0]["url"] == "javascript:alert(1)"


def test_markdown_without_a_campaign_says_it_shows_the_archive_as_it_stands():
    data = sample()
    data["campaign"] = data["window"] = None
    assert "The archive as it stands (no campaign chosen); generated" in render_coverage(data, "md").decode()


def _html(data: dict | None = None):
    raw = render_coverage(data or sample(), "html")
    return raw, lxml.html.document_fromstring(raw)


def test_html_is_one_self_contained_page_with_a_section_per_sector():
    raw, doc = _html()
    assert raw.startswith(b"<!DOCTYPE html>") and doc.xpath("//meta[@charset='utf-8']")
    assert not doc.xpath("//script | //link | //img | //iframe | //object | //embed | //@src")
    style = "".join(doc.xpath("//style/text()"))
    assert "@import" not in style and "url(" not in style
    assert [s.get("id") for s in doc.xpath("//section[@class='sector']")] == ["sector-1", "sector-2", "sector-3"]
    assert doc.xpath("//section/h2/text()") == ["FinTech", "Telecom", "E-commerce"]
    header = doc.xpath("//header")[0].text_content()
    assert "Campaign 2024" in header and "generated 2024-08-01 06:30 UTC" in header and "5 companies" in header
    for link in doc.xpath("//a[starts-with(@href, 'http')]"):
        assert link.get("rel") == "noreferrer"
    assert {a.get("href") for a in doc.xpath("//a[@class='doc']")} >= {
        "https://bazar.kz/kk/terms", "https://qazaqpay.kz/en/privacy"}
    legend = doc.xpath("//ul[@class='legend']//span/@class")
    assert {"f1a-yes", "f1a-partial", "f1a-no", "lang-full", "lang-incomplete", "lang-missing"} <= set(legend)


def test_html_colours_cells_by_f1a_status_and_language():
    _, doc = _html()

    def row(section: int, company: str, kind: str):
        rows = doc.xpath(f"//section[@id='sector-{section}']//tbody[.//th[contains(., '{company}')]]/tr")
        return next(r for r in rows if r.xpath("td")[0].text == kind)

    def classes(tr) -> list[str]:
        return [td.get("class") for td in tr.xpath("td")]

    assert classes(row(3, "Базар.kz", "terms")) == [None, "status status-available", "f1a f1a-partial",
                                                    "lang lang-incomplete", "lang lang-full", "lang lang-optional"]
    assert classes(row(3, "Базар.kz", "privacy_policy"))[3:] == ["lang lang-missing", "lang lang-full",
                                                                "lang lang-optional"]
    assert classes(row(1, "Тенге", "terms"))[2] == "f1a f1a-yes"
    gone = row(1, "Тенге", "privacy_policy")
    assert classes(gone) == [None, "status status-unavailable", "f1a f1a-no", "nothing"]
    assert "http_404: Страница не найдена" in gone.text_content()
    missing = row(2, "Дала", "terms")
    assert classes(missing)[1] == "status status-not-found"
    assert "looked from https://dala.kz/: 31 pages visited, up to 3 clicks deep" in missing.text_content()
    kk_cell = row(1, "ҚазақПэй", "terms").xpath("td")[3]
    assert kk_cell.get("class") == "lang lang-missing" and "kk URL: ru text" in kk_cell.text_content()
    assert kk_cell.xpath("small/a/@href") == ["https://qazaqpay.kz/kz/terms"]


def test_html_keeps_hostile_titles_and_urls_inert():
    data = sample()
    data["companies"][4]["name"] = "<b onmouseover=alert(1)>Базар</b>"
    data["companies"][2]["documents"][0]["mismatches"] = [
        {"url": "javascript:alert(1)", "url_language": "kk", "text_language": "ru"}]
    raw, doc = _html(data)
    assert b"<script>" not in raw and b"&lt;script&gt;" in raw and b"<b onmouseover" not in raw
    assert not doc.xpath("//script | //b | //@onmouseover")
    assert doc.xpath("//a[@href='https://bazar.kz/kk/terms']/@title") == [HOSTILE]
    assert not doc.xpath("//a[starts-with(@href, 'javascript')]")
    assert "javascript:alert(1)" in doc.text_content()  # shown, not linked
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp


def test_xlsx_has_one_sheet_per_sector_with_the_rows_and_f1a_fills():
    out = render_coverage(sample(), "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(out))
    assert wb.sheetnames == ["FinTech", "Telecom", "E-commerce"]
    ws = wb["E-commerce"]
    assert [ws.cell(r, 1).value for r in (1, 2, 3)] == [
        "Policy document coverage (RDR F1a.2 / P1a.2)", "Campaign 2024, archive window 2024-05-01 – 2024-07-31",
        "generated 2024-08-01 06:30 UTC"]
    header = [c.value for c in ws[5]]
    assert header[:8] == ["campaign", "sector", "company_id", "company", "type", "status", "f1a", "language"]
    assert all(c.font.bold for c in ws[5]) and ws.freeze_panes == "A6" and ws.auto_filter.ref == "A5:Q8"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=6)]
    assert [(r[3], r[4], r[7], r[9], r[10], r[11]) for r in rows] == [
        ("Базар.kz", "terms", "kk", 0.58, True, 2), ("Базар.kz", "terms", "ru", 1.0, False, 1),
        ("Базар.kz", "privacy_policy", "ru", 1.0, False, None)]
    assert ws["J6"].number_format == "0%" and ws.column_dimensions["I"].width == 60
    assert [ws.cell(r, 7).fill.fgColor.rgb[-6:] for r in (6, 7, 8)] == ["FFE2A8"] * 3
    fintech = wb["FinTech"]
    fills = {fintech.cell(r, 7).value: fintech.cell(r, 7).fill.fgColor.rgb[-6:] for r in range(6, fintech.max_row + 1)}
    assert fills == {"yes": "CDECCD", "partial": "FFE2A8", "no": "F5C2C2"}
    assert fintech.max_row == 5 + 7 and wb["Telecom"].max_row == 5 + 4
    assert wb.properties.creator == "policy-archive"


def test_xlsx_is_identical_for_the_same_data_and_dated_at_generation():
    out = render_coverage(sample(), "xlsx")
    assert out == render_coverage(sample(), "xlsx")
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        assert {info.date_time for info in z.infolist()} == {(2024, 8, 1, 6, 30, 0)}
        assert b"2024-08-01T06:30:00Z" in z.read("docProps/core.xml")


def test_xlsx_keeps_formula_like_text_as_text():
    data = sample()
    data["companies"][4]["name"] = '=HYPERLINK("http://evil.example/","click")'
    ws = openpyxl.load_workbook(io.BytesIO(render_coverage(data, "xlsx")))["E-commerce"]
    assert ws["D6"].data_type == "s" and ws["D6"].value.startswith("=HYPERLINK")


@pytest.mark.parametrize("sector, taken, expected", [
    ("E-commerce", set(), "E-commerce"),
    ("Телеком: мобильная связь / интернет [2024]", set(), "Телеком- мобильная связь - инте"),
    ("'FinTech'", set(), "FinTech"),
    ("???", set(), "---"),
    ("", set(), "Sector"),
    ("FinTech", {"fintech"}, "FinTech (2)"),
    ("Ф" * 40, {"ф" * 31}, "Ф" * 27 + " (2)"),
])
def test_sheet_titles_are_valid_and_unique(sector, taken, expected):
    title = sheet_title(sector, taken)
    assert title == expected and len(title) <= 31 and title.lower() in taken


def test_every_format_renders_an_empty_archive_and_unknown_formats_are_refused():
    data = {"campaign": None, "window": None, "generated_at": "2026-11-23T08:50:00Z", "companies": []}
    for fmt in FORMATS:
        assert render_coverage(data, fmt)
    assert openpyxl.load_workbook(io.BytesIO(render_coverage(data, "xlsx"))).sheetnames == ["Coverage"]
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render_coverage(data, "pdf")


def test_the_cli_offers_every_format():
    for fmt in FORMATS:
        args = build_parser().parse_args(["report", "coverage", "--format", fmt])
        assert (args.campaign, args.format, args.out) == (None, fmt, None)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "coverage", "--format", "pdf"])


def test_the_cli_refuses_binary_to_stdout_and_unknown_campaigns(archive):
    archive.write_config([company("bank", "http://127.0.0.1:9/")], campaigns=[
        {"name": "2024", "start": "2024-05-01", "end": "2024-07-31"},
        {"name": "2025", "start": "2025-05-01", "end": "2025-07-31"}])
    binary = archive.cli("report", "coverage", "--format", "xlsx")
    assert binary.code == 2 and "give --out FILE" in binary.err and not binary.out
    unknown = archive.cli("report", "coverage", "--campaign", "2031", "--format", "md")
    assert unknown.code == 2 and "no campaign '2031'" in unknown.err and "known: 2024, 2025" in unknown.err


def test_the_cli_reports_a_company_never_crawled_in_the_campaign(archive):
    archive.write_config([company("bank", "http://127.0.0.1:9/", name="Банк «Тенге»")], campaigns=[
        {"name": "2024", "start": "2024-05-01", "end": "2024-07-31"}])
    assert archive.crawl("--ignore-window").code == 1  # nothing listens there: an archive with no capture
    printed = archive.cli("report", "coverage", "--campaign", "2024", "--format", "json")
    assert printed.code == 0, printed.err
    data = json.loads(printed.out)
    assert data["campaign"] == "2024" and [c["name"] for c in data["companies"]] == ["Банк «Тенге»"]
    assert {d["status"] for d in data["companies"][0]["documents"]} == {"not_found"}
    out = archive.root / "coverage.xlsx"
    written = archive.cli("report", "coverage", "--format", "xlsx", "--out", str(out))
    assert written.code == 0 and f"{out}: coverage of 1 company, the archive as it stands" in written.out
    assert openpyxl.load_workbook(out).sheetnames == ["FinTech"]


def test_the_change_report_html_shows_each_document_its_notes_and_diffs():
    data = _changes("https://bank.kz/terms", "http_404: Not Found", "", ["5.1."])
    gone = copy.deepcopy(data["documents"][0])
    data["documents"][0].update(status="available", unavailable_since=None, failure=None, new=True)
    data["documents"][0]["changes"][0]["diff_html"] = '<p>5.1. <del>пять</del> <ins>три</ins> года</p>'
    quiet = {**copy.deepcopy(gone), "url": "https://bank.kz/quiet", "status": "available", "changes": []}
    gone.update(url="javascript:alert(1)", changes=[], unavailable_since=None)
    data["documents"] += [quiet, gone]
    raw = render_changes(data, "html")
    html_is_balanced_and_inert(raw.decode(), "changes html")
    doc = lxml.html.document_fromstring(raw)
    assert doc.xpath("//title/text()") == doc.xpath("//h1/text()") == ["Changes: the beginning → now"]
    assert doc.xpath("//style/text()") and not doc.xpath("//script | //link | //img | //@src")
    new, old = doc.xpath("//section")  # the document with nothing to report is left out
    assert new.xpath("h2/text()") == ["bank · terms_of_service [ru]"]
    assert new.xpath("p[@class='meta']/a/@href") == ["https://bank.kz/terms"]
    assert new.xpath("p/span[@class='new']/text()") == ["new"] and "first seen 2024-05-01T00:00:00Z" in raw.decode()
    change = new.xpath("div[@class='change substantive']")[0]
    assert change.xpath("p[@class='meta']")[0].text_content() == (
        "substantive: version 1 (2024-05-01T00:00:00Z) → 2 (2024-06-01T00:00:00Z), +3 / −0 words")
    assert change.xpath("p/del/text()") == ["пять"] and change.xpath("p/ins/text()") == ["три"]  # the diff's markup
    # An unset date prints as nothing, never "None"; a URL that is not http(s) is text, not a link.
    assert old.xpath("p/span[@class='status-unavailable']/text()") == ["unavailable since "]
    assert old.xpath("p[@class='meta']/text()") == ["javascript:alert(1)"] and "None" not in raw.decode()
    empty = render_changes({**data, "documents": [quiet]}, "html")
    assert lxml.html.document_fromstring(empty).xpath("//body/p/text()") == ["No changes in this period."]


def test_quotes_in_names_and_urls_stay_text_and_attributes_stay_whole():
    name = 'ТОО "Бургер" O\'Brien & <Co>'
    data = sample()
    data["companies"][4]["name"] = name
    data["companies"][4]["documents"][0]["languages"]["kk"]["title"] = 'say "hi" onclick=\'x\''
    _, doc = _html(data)
    assert doc.xpath("//th[@class='company']/text()")[-1] == name
    assert doc.xpath("//a[@href='https://bazar.kz/kk/terms']/@title") == ['say "hi" onclick=\'x\'']
    assert not doc.xpath("//@onclick")
    changes = _changes('https://bank.kz/a"b', "x", "", [])
    changes["documents"][0]["company"] = name
    page = lxml.html.document_fromstring(render_changes(changes, "html"))
    assert page.xpath("//h2/text()") == [f"{name} · terms_of_service [ru]"]
    assert page.xpath("//p[@class='meta']/a/@href") == ['https://bank.kz/a"b']


def test_the_report_templates_ship_with_the_package():
    import fnmatch
    import tomllib
    from pathlib import Path

    from tests.conftest import REPO

    patterns = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["reports"]
    templates = Path(REPO / "reports" / "templates")
    files = [p.relative_to(templates.parent).as_posix() for p in templates.iterdir()]
    assert {"templates/coverage.html", "templates/coverage.css", "templates/changes.html"} <= set(files)
    assert [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []


# ---- issue 16: md, html and xlsx in ru, kk and en; json and csv in English --------------------------------------

_SAID = {"ru": ("Наличие документов политики", "Политика конфиденциальности", "частично", "Примечания:"),
         "kk": ("Саясат құжаттарының болуы", "Құпиялылық саясаты", "ішінара", "Ескертпелер:"),
         "en": ("Policy document coverage", "privacy_policy", "partial", "Notes:")}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_the_coverage_report_in_each_language(lang):
    data = sample()
    md = render_coverage(data, "md", lang).decode()
    html = render_coverage(data, "html", lang).decode()
    markdown_is_inert(md, f"md [{lang}]")
    html_is_balanced_and_inert(html, f"html [{lang}]")
    assert f'<html lang="{lang}">' in html
    for text in (md, html):
        assert all(word in text for word in _SAID[lang][:3]), lang
    assert _SAID[lang][3] in md
    # Names, titles and URLs from the web are never translated.
    assert "АО «Тенге Финанс»" in html and "https://tenge.kz/kz/oferta.pdf" in html and "Жария оферта" in html
    book = openpyxl.load_workbook(io.BytesIO(render_coverage(data, "xlsx", lang)))
    first = book.worksheets[0]
    assert _SAID[lang][0] in first["A1"].value
    header = [c.value for c in first[5]]
    assert (header[:3] == ["campaign", "sector", "company_id"]) == (lang == "en")
    # json and csv are for scripts: English keys and values whatever is asked.
    assert render_coverage(data, "json", lang) == render_coverage(data, "json")
    assert render_coverage(data, "csv", lang) == render_coverage(data, "csv")
    if lang != "en":
        assert "Policy document coverage" not in md and "Notes:" not in md


def test_english_is_the_default_and_byte_identical_to_asking_for_it():
    data = sample()
    for fmt in FORMATS:
        assert render_coverage(data, fmt) == render_coverage(data, fmt, "en")
    with pytest.raises(ValueError):
        render_coverage(data, "md", "de")


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_change_report_in_each_language(lang):
    data = _changes("https://bank.kz/terms", "http_404", "+ новый пункт", ["новый пункт"])
    md = render_changes(data, "md", lang).decode()
    html = render_changes(data, "html", lang).decode()
    markdown_is_inert(md, f"changes md [{lang}]")
    html_is_balanced_and_inert(html, f"changes html [{lang}]")
    assert f'<html lang="{lang}">' in html
    words = {"ru": ("Изменения", "существенное", "недоступен с"), "kk": ("Өзгерістер", "елеулі", "бастап қолжетімсіз")}
    for text in (md, html):
        assert all(w in text for w in words[lang]), (lang, text[:300])
    assert "новый пункт" in md  # the diff itself, as archived
    book = openpyxl.load_workbook(io.BytesIO(render_changes(data, "xlsx", lang)))
    assert book.worksheets[0]["A1"].value.startswith(words[lang][0])
    assert render_changes(data, "json", lang) == render_changes(data, "json")


def test_the_cli_offers_the_report_languages():
    parser = build_parser()
    for report in ("coverage", "changes"):
        args = parser.parse_args(["report", report, "--format", "md", "--lang", "kk"])
        assert args.lang == "kk"
        assert parser.parse_args(["report", report, "--format", "md"]).lang == "en"
        with pytest.raises(SystemExit):
            parser.parse_args(["report", report, "--format", "md", "--lang", "de"])


def _with_phrased_trail(data: dict) -> dict:
    """qazaqpay's terms lack Kazakh, with the trail as ``reports.absence`` builds it: an English summary and
    the phrases it was said from (a switcher followed, a /kz/ URL serving Russian, a failure, the crawl)."""
    from i18n import using
    from reports.absence_words import phrase, say

    pieces = [phrase("try", what=phrase("cookie_switcher", switcher="Қаз", cookies="lang=kk"),
                     result=phrase("same_bytes_text", text=phrase("text", language="ru"))),
              phrase("try", what=phrase("url_marker", language="kk", url="https://qazaqpay.kz/kz/terms"),
                     result=phrase("failure", failure="connection_refused")),
              phrase("no_switcher_for", language="kk", switchers="'Рус'"), phrase("no_negotiation"),
              phrase("visited", pages=1400, rendered=3)]
    with using("en"):
        summary = "kk: " + "; ".join(map(say, pieces))
    doc = data["companies"][1]["documents"][0]
    doc["absence"] = {"kk": {"tried": [], "summary": summary, "phrases": pieces, "screenshot": 42}}
    return data


# What the trail says in English, and what each language says instead (issue 16, task C).
_TRIED_ENGLISH = ("switcher 'Қаз' followed", "same bytes as the plain page", "Russian text", "kk URL",
                  "connection refused", "no kk switcher", "no Accept-Language negotiation", "pages visited")
_TRIED_SAID = {"ru": ("пройден переключатель «Қаз» (cookie lang=kk)", "текст на русском",
                      "URL версии на казахском https://qazaqpay.kz/kz/terms", "в соединении отказано",
                      "переключателя для версии на казахском нет (только 'Рус')", "страниц посещено: 1\xa0400"),
               "kk": ("«Қаз» ауыстырғышы бойынша өтілді (cookie lang=kk)", "орыс тіліндегі мәтін",
                      "қазақ тіліндегі нұсқаның URL-і https://qazaqpay.kz/kz/terms",
                      "қазақ тіліндегі нұсқаға ауыстырғыш жоқ (тек 'Рус')", "1\xa0400 бет қаралды")}


def test_the_english_trail_is_what_the_phrases_say_in_english():
    data = _with_phrased_trail(sample())
    summary = data["companies"][1]["documents"][0]["absence"]["kk"]["summary"]
    assert summary == ("kk: switcher 'Қаз' followed (cookie lang=kk) → same bytes as the plain page (Russian text); "
                       "kk URL https://qazaqpay.kz/kz/terms → connection refused; no kk switcher (only 'Рус'); "
                       "no Accept-Language negotiation; 1400 pages visited, 3 rendered")
    assert "kk missing: " + summary.removeprefix("kk: ") in render_coverage(data, "md").decode()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_what_was_tried_is_said_in_the_reports_language_and_stays_english_in_json_and_csv(lang):
    data = _with_phrased_trail(sample())
    english = data["companies"][1]["documents"][0]["absence"]["kk"]["summary"]
    md = render_coverage(data, "md", lang).decode()
    html = lxml.html.fromstring(render_coverage(data, "html", lang))
    (cell,) = html.xpath('//small[@class="absence"]')
    book = openpyxl.load_workbook(io.BytesIO(render_coverage(data, "xlsx", lang)))
    xlsx = "\n".join(str(c.value) for row in book["FinTech"].iter_rows() for c in row if c.value is not None)
    for name, text in (("md", md), ("html", cell.text_content()), ("xlsx", xlsx)):
        assert not [w for w in _TRIED_ENGLISH if w in text], (name, lang, text)
        assert all(w in text for w in _TRIED_SAID[lang]), (name, lang, text)
    # The scripts' formats keep the English sentence the data holds.
    assert json.loads(render_coverage(data, "json", lang))["companies"][1]["documents"][0]["absence"]["kk"][
        "summary"] == english
    rows = list(csv.DictReader(io.StringIO(render_coverage(data, "csv", lang).decode("utf-8-sig"))))
    assert english in {r["absence"] for r in rows}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_trail_without_phrases_or_with_a_damaged_one_keeps_its_english(lang):
    data = _with_trail(sample())  # hand-made: a summary and no phrases
    summary = data["companies"][1]["documents"][0]["absence"]["kk"]["summary"]
    assert summary.removeprefix("kk: ") in render_coverage(data, "md", lang).decode()
    damaged = _with_phrased_trail(sample())
    trail = damaged["companies"][1]["documents"][0]["absence"]["kk"]
    trail["phrases"] = [*trail["phrases"], ["no_such_phrase", {}], ["visited", {"{0.__class__}": 1}]]
    md = render_coverage(damaged, "md", lang).decode()
    assert trail["summary"].removeprefix("kk: ") in md
    # A value is never a template: "{0}" is shown as it is.
    trail["phrases"] = [["text", {"language": "{0}"}], ["visited", {"pages": "x", "rendered": "{1}"}]]
    assert "{0}" in render_coverage(damaged, "md", lang).decode()


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_languages_are_named_in_words_inside_sentences(lang):
    from i18n import using
    from reports.translations import lag_words

    lag = {"changed": "ru", "follower": "kk", "changed_at": "2025-05-12T00:00:00Z", "open": True, "lag_days": 40}
    with using(lang):
        said = lag_words(lag)
    assert {"ru": "версия на казахском не повторила изменение версии на русском от 2025-05-12",
            "kk": "қазақ тіліндегі нұсқа орыс тіліндегі нұсқаның 2025-05-12 өзгерісін қайталамады"}[lang] in said
    assert " kk" not in said and " ru" not in said
    with using("en"):
        assert lag_words(lag).startswith("the Kazakh version has not followed the Russian change")
