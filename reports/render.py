"""The coverage report in the formats the rating team reads: JSON, CSV, Markdown, one HTML page, XLSX.

Every renderer takes the plain dict that ``reports.coverage.build_coverage`` returns and
gives bytes. The same dict always gives the same bytes (the XLSX is dated at ``generated_at``, see
``reports.xlsx``). The HTML page is ``reports/templates/coverage.html``; Markdown is escaped by hand here.
Order is the data's: sectors in the order their first company appears, companies and documents as
given. Titles, link texts, URLs and failure details come from the web: they are escaped in HTML and in
Markdown (a page's ``<script>`` or ``[x](javascript:…)`` stays text) and never become Excel formulas.
Each row's F1a.2 reasons sit next to its verdict, and its translation pairs (``reports.render_translations``)
under it: a list in md and html, two columns in csv and xlsx (plus the xlsx sheet "Translations").
md, html and xlsx are said in the language asked for (``lang``, else the language of the moment: ``i18n``);
json and csv always in English, their keys and values being what scripts read.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from datetime import datetime
from urllib.parse import urlsplit

import i18n
from i18n import N_, _
from reports.absence_words import summary as tried_summary
from reports.absence_words import tried
from reports.render_translations import (
    LANGUAGE_ORDER,
    html_pairs,
    md_lines,
    pair_sentences,
    reason_texts,
    translations_sheet,
)
from reports.templating import render_page
from reports.ways import code_in_sentence, language_names
from reports.words import column_labels, status_label, type_label, verdict_label

FORMATS = ("json", "csv", "md", "html", "xlsx")
BINARY_FORMATS = frozenset({"xlsx"})
ENGLISH_FORMATS = frozenset({"json", "csv"})  # keys and values scripts read: never translated
CSV_COLUMNS = ("campaign", "sector", "company_id", "company", "type", "status", "f1a", "language", "url", "share",
               "incomplete", "click_depth", "captured_at", "mismatch", "absence", "f1a_reasons", "translations")
TITLE = N_("Policy document coverage (RDR F1a.2 / P1a.2)")


def render_coverage(data: dict, fmt: str, lang: str | None = None) -> bytes:
    """The report as ``fmt`` (one of FORMATS) in ``lang`` (ru, kk, en; default: the language of the moment,
    English outside any ``i18n.using``). ValueError for any other format or language."""
    renderers = {"json": _json, "csv": _csv, "md": _markdown, "html": _html, "xlsx": _xlsx}
    if fmt not in renderers:
        raise ValueError(f"unknown report format {fmt!r}: expected one of {', '.join(FORMATS)}")
    with i18n.using("en" if fmt in ENGLISH_FORMATS else lang or i18n.language()):
        return renderers[fmt](data)


# ---- shared reading of the data ---------------------------------------------------------------------------

def sectors(data: dict) -> list[tuple[str, list[dict]]]:
    """(sector, companies) in the order each sector's first company appears."""
    grouped: dict[str, list[dict]] = {}
    for company in data["companies"]:
        grouped.setdefault(company["sector"], []).append(company)
    return list(grouped.items())


def _languages(data: dict) -> list[str]:
    """kk, ru, en, then any other language the data names (the config allows only these three today)."""
    seen = {lang for c in data["companies"] for lang in c["required_languages"]}
    seen |= {lang for c in data["companies"] for d in c["documents"] for lang in d["languages"]}
    return [*LANGUAGE_ORDER, *sorted(seen - set(LANGUAGE_ORDER))]


def _heading(data: dict) -> tuple[str, str]:
    """(what the report covers, when it was generated) as one line each."""
    if data.get("campaign") is None:
        scope = _("The archive as it stands (no campaign chosen)")
    else:
        scope = _("Campaign {name}").format(name=data["campaign"])
        if data.get("window"):
            scope += _(", archive window {start} – {end}").format(start=data["window"]["start"],
                                                                  end=data["window"]["end"])
    return scope, _("generated {when}").format(when=_when(data["generated_at"]))


def _when(iso: str | None) -> str:
    """2026-11-23T08:50:00Z → 2026-11-23 08:50 UTC (in Russian "23 нояб. 2026 г., 08:50 UTC"); anything else
    as it is."""
    if iso and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z", iso):
        return f"{i18n.when(datetime.fromisoformat(iso[:16]))} UTC"
    return iso or "-"


def _depth(entry: dict) -> str:
    return "d?" if entry.get("click_depth") is None else f"d{entry['click_depth']}"


def _cell(entry: dict) -> str:
    """✓ d1 for a full version, ½ 58% d2 for an incomplete one (58% of its text in its own language)."""
    if entry.get("incomplete"):
        return f"½ {round(entry['share'] * 100)}% {_depth(entry)}"
    return f"✓ {_depth(entry)}"


def _types_found(doc: dict) -> str:
    """The document types that satisfied the expected one, when they say more than its name."""
    return "" if doc["types_found"] in ([], [doc["type"]]) else ", ".join(map(type_label, doc["types_found"]))


def _text_language(code: str) -> str:
    if code in ("und", None):
        return _("text in no language we detect")
    return _("{code} text").format(code=code_in_sentence(code))


def _notes(company: dict, doc: dict, *, in_matrix: bool = False) -> list[list]:
    """What the table cannot say, as parts: strings, and ("url", URL) for links. ``in_matrix``: the HTML
    matrix already says why a document without languages is missing."""
    label = f"{company['name']} · {type_label(doc['type'])}"
    notes: list[list] = []
    for m in doc["mismatches"]:
        before, _url, after = _("{label}: the {language} URL {url} serves {text}").format(
            label=label, language=code_in_sentence(m["url_language"]), url="\0",
            text=_text_language(m["text_language"])).partition("\0")
        notes.append([before, ("url", m["url"]), after])
    explained = in_matrix and not doc["languages"]
    if doc["status"] == "unavailable" and not explained:
        notes.append([_("{label}: unavailable: {why}").format(
            label=label, why=doc.get("failure") or _("the last capture failed"))])
    if doc["status"] == "not_found" and not explained:
        notes.append([_("{label}: not found; ").format(label=label), *_where_we_looked(company)])
    if doc.get("other_urls"):
        notes.append([_("{label}: {n} more archived document(s) of this type not shown "
                        "(see policy-archive documents --company {company})").format(
                            label=label, n=doc["other_urls"], company=company["id"])])
    return notes


_ARCHIVE_KINDS = {"page": N_("archive page"), "section": N_("archive section"), "link": N_("edition link")}


def _archive_note(company: dict) -> list:
    """RDR F2a.4 / P2a.4: does the company keep a public archive of previous versions, and where? Each
    place is a page, a section of a page or a single link, with the number of old editions it lists
    (``evidence[].versions``, a count); the old editions themselves are ``versions``."""
    archive = company.get("public_archive")
    if archive is None:
        return []
    if not archive["found"]:
        return [_("{company}: no public archive of previous versions found (F2a.4 / P2a.4)").format(
            company=company["name"])]
    parts: list = [_("{company}: public archive of previous versions (F2a.4 / P2a.4), {n} old edition(s) "
                     "archived; listed on ").format(company=company["name"], n=len(archive.get("versions") or []))]
    for i, place in enumerate(archive["evidence"]):
        kind = place.get("kind")
        parts += [", " if i else "", ("url", place["url"]),
                  f" «{place.get('text') or ''}» ({_(_ARCHIVE_KINDS[kind]) if kind in _ARCHIVE_KINDS else kind}, "
                  f"{place.get('versions', 0)})"]
    return parts


def _where_we_looked(company: dict) -> list:
    crawl = company["crawl"]
    if not crawl.get("last_crawled"):
        return [_("not crawled in this period (homepage "), ("url", company["homepage"]), ")"]
    return [_("looked from "), ("url", company["homepage"]),
            _(": {pages} pages visited, up to {depth} clicks deep, last crawled {when}").format(
                pages=crawl["pages_visited"], depth=crawl["max_depth"], when=_when(crawl["last_crawled"]))]


def absence_text(doc: dict) -> str:
    """The proof of absence of every language the row lacks, one sentence each ("kk: switcher 'Қаз'
    followed (cookie lang=kk) → same bytes as the plain page; …"), in the language of the moment (the csv's:
    English, as built)."""
    absence = doc.get("absence") or {}
    return " | ".join(tried_summary(absence[lang], lang) for lang in doc.get("missing_languages", [])
                      if lang in absence)


def absence_notes(company: dict, doc: dict) -> list[list]:
    """One note per missing language: the trail's sentence, and the capture with a screenshot (its id: a
    report file cannot show the image; the UI serves it at /screenshot/<id>)."""
    label = f"{company['name']} · {type_label(doc['type'])}"
    notes = []
    for lang in doc.get("missing_languages", []):
        trail = (doc.get("absence") or {}).get(lang)
        if trail:
            shot = _(" (screenshot: capture {id})").format(id=trail["screenshot"]) if trail.get("screenshot") else ""
            notes.append([_("{label}: {language} missing: {tried}").format(
                label=label, language=code_in_sentence(lang), tried=tried(trail, lang)) + shot])
    return notes


def coverage_rows(data: dict) -> list[dict]:
    """The CSV / XLSX rows: company × expected type × language found (one row with no language if none).
    Like status and F1a, the proof of absence, the F1a.2 reasons and the translation pairs are the
    document's: on each of its rows (sentences joined with " | ")."""
    rows = []
    for company in data["companies"]:
        for doc in company["documents"]:
            base = {"campaign": data.get("campaign"), "sector": company["sector"], "company_id": company["id"],
                    "company": company["name"], "type": doc["type"], "status": doc["status"], "f1a": doc["f1a"],
                    "absence": absence_text(doc), "f1a_reasons": " | ".join(reason_texts(doc)),
                    "translations": " | ".join(pair_sentences(doc))}
            mismatches = defaultdict(list)
            for m in doc["mismatches"]:
                mismatches[m["url"]].append(f"URL says {m['url_language']}, text is {m['text_language']}")
            group = []
            for lang in sorted(doc["languages"], key=_language_key):
                e = doc["languages"][lang]
                group.append({**base, "language": lang, "url": e["url"], "share": e.get("share"),
                              "incomplete": e.get("incomplete"), "click_depth": e.get("click_depth"),
                              "captured_at": e.get("captured_at"), "mismatch": "; ".join(mismatches.pop(e["url"], []))})
            if not group:
                group.append({**dict.fromkeys(CSV_COLUMNS[7:]), **base})
            # A mismatch at a URL that fills no language slot (text of no known language) goes on the first row.
            leftover = [f"{url}: {note}" for url, notes in mismatches.items() for note in notes]
            if leftover:
                group[0]["mismatch"] = "; ".join(filter(None, [group[0]["mismatch"], *leftover]))
            rows.extend(group)
    return rows


def _language_key(lang: str) -> tuple[int, str]:
    return (LANGUAGE_ORDER.index(lang) if lang in LANGUAGE_ORDER else len(LANGUAGE_ORDER), lang)


# ---- json, csv, markdown ----------------------------------------------------------------------------------

def _json(data: dict) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def _csv(data: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)  # \r\n line ends, as Excel writes them
    writer.writerow(CSV_COLUMNS)
    for row in coverage_rows(data):
        writer.writerow(["" if row[c] is None else _csv_value(row[c]) for c in CSV_COLUMNS])
    # UTF-8 with a BOM: without it Excel reads the file as the local ANSI code page and garbles Cyrillic.
    return out.getvalue().encode("utf-8-sig")


def _csv_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# Markdown that text could start: inline HTML (<), links and images ([ ]), code (`), emphasis and
# strike-through (* ~), entities (&), table cells (|) and escapes (\). "_" only where it could open or
# close emphasis: next to a non-word character (privacy_policy stays as it is).
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>&|~]|(?<!\w)_|_(?!\w)")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def md_escape(text) -> str:
    """Any text as literal Markdown on one line: every character that could start markup is escaped."""
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), _LINE_BREAKS.sub(" ", str(text)))


def md_link(url: str) -> str:
    """An http(s) URL as an autolink, percent-encoding what would end it (space, <, >, controls) or
    split a table cell (|); any other scheme as inert code, never a link (javascript:, data:)."""
    url = _LINE_BREAKS.sub("", url)
    if urlsplit(url).scheme.lower() in ("http", "https"):
        return "<" + re.sub(r"[\x00-\x20<>|\x7f]", lambda m: f"%{ord(m.group(0)):02X}", url) + ">"
    body = url.replace("`", "").replace("|", "\\|")
    return f"`{body}`" if body else "``"


def _md_parts(parts: list) -> str:
    return "".join(md_link(p[1]) if isinstance(p, tuple) else md_escape(p) for p in parts)


def _markdown(data: dict) -> bytes:
    scope, generated = _heading(data)
    langs = _languages(data)
    lines = [f"# {_(TITLE)}", "", f"{scope}; {generated}.", "",
             _("✓ present in full · ½ incomplete (share of its text in its own language) · — not found · "
               "dN: clicks from the homepage (d?: unknown, reached from a seed URL) · F1a.2: yes = every required "
               "language in full, partial = some, no = none; why, after the verdict."), ""]
    header = "| {} | {} | {} | F1a.2 | ".format(_("company"), _("type"), _("status"))
    for sector, companies in sectors(data):
        lines += [f"## {md_escape(sector)}", "", header + " | ".join(langs) + " |",
                  "| --- | --- | --- | --- | " + " | ".join("---" for _lang in langs) + " |"]
        notes, pairs = [], []
        for company in companies:
            for doc in company["documents"]:
                kind = type_label(doc["type"]) + (f" ({_types_found(doc)})" if _types_found(doc) else "")
                cells = [_cell(doc["languages"][lang]) if lang in doc["languages"] else "—" for lang in langs]
                status = _status(doc["status"])
                reasons = "; ".join(map(md_escape, reason_texts(doc)))
                verdict = f"{verdict_label(doc['f1a'])}: {reasons}" if reasons else verdict_label(doc["f1a"])
                lines.append(f"| {md_escape(company['name'])} | {md_escape(kind)} | {status} | {verdict} | "
                             + " | ".join(cells) + " |")
                notes += [f"- {_md_parts(note)}" for note in _notes(company, doc) + absence_notes(company, doc)]
                pairs += md_lines(f"{company['name']} · {type_label(doc['type'])}", doc, md_escape)
            if archive := _archive_note(company):
                notes.append(f"- {_md_parts(archive)}")
        lines += ["", *([_("Notes:"), "", *notes, ""] if notes else [])]
        if pairs:
            lines += [_("Translations (F1a.2 in full: clauses, numbers, stated editions, lag):"), "", *pairs, ""]
    return "\n".join(lines).encode()


def _status(code: str) -> str:
    """available / unavailable / not found: English says the code with a space, as it always did."""
    return code.replace("_", " ") if i18n.language() == "en" else status_label(code)


# ---- html (reports/templates/coverage.html) ----------------------------------------------------------------

_LEGEND = [("f1a-yes", N_("F1a.2 yes: every required language in full")), ("f1a-partial", N_("partial: some")),
           ("f1a-no", N_("no: none")), ("lang-full", N_("✓ version in full")),
           ("lang-incomplete", N_("½ incomplete: share of its text in its own language")),
           ("lang-missing", N_("— required language missing")), ("lang-optional", N_("— not required, not found"))]


def _html(data: dict) -> bytes:
    scope, generated = _heading(data)
    sections = []
    for sector, companies in sectors(data):
        notes = []
        for company in companies:
            notes += [n for doc in company["documents"] for n in _notes(company, doc, in_matrix=True)]
            if archive := _archive_note(company):
                notes.append(archive)
        sections.append({"name": sector, "companies": companies, "notes": notes})
    return render_page("coverage.html", title=_(TITLE), scope=scope, generated=generated, sections=sections,
                       companies=len(data["companies"]), langs=_languages(data),
                       legend=[(css, _(text)) for css, text in _LEGEND], say_status=_status,
                       language_names=language_names(), when=_when, cell=_cell, types_found=_types_found,
                       text_language=_text_language, where_we_looked=_where_we_looked, reasons=reason_texts,
                       pairs=html_pairs, rows_of=_rows_of)


def _rows_of(company: dict) -> int:
    """The table rows a company spans: one per document, one more under each document with translation pairs."""
    return max(1, sum(1 + bool(doc.get("translations")) for doc in company["documents"]))


# ---- xlsx --------------------------------------------------------------------------------------------------

_FILLS = {"yes": "CDECCD", "partial": "FFE2A8", "no": "F5C2C2"}
_WIDTHS = {"campaign": 10, "sector": 14, "company_id": 16, "company": 26, "type": 16, "status": 12, "f1a": 8,
           "language": 9, "url": 60, "share": 8, "incomplete": 11, "click_depth": 11, "captured_at": 21,
           "mismatch": 36, "absence": 80, "f1a_reasons": 60, "translations": 90}


def sheet_title(sector: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, no apostrophe at either end."""
    base = re.sub(r"[\[\]:*?/\\]", "-", sector).strip().strip("'")[:31] or "Sector"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        title = f"{base[:31 - len(f' ({n})')]} ({n})"
    taken.add(title.lower())
    return title


def _xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from reports.xlsx import cell_text, keep_text, report_date, save_workbook  # openpyxl: only when asked for

    scope, generated = _heading(data)
    wb = Workbook()
    wb.remove(wb.active)
    props = wb.properties
    props.creator = props.lastModifiedBy = "policy-archive"
    props.title, props.subject, props.description = _(TITLE), scope, f"{scope}; {generated}"
    rows = coverage_rows(data)
    taken: set[str] = set()
    bold = Font(bold=True)
    f1a_column = CSV_COLUMNS.index("f1a") + 1
    for sector, _companies in sectors(data) or [(_("Coverage"), [])]:
        ws = wb.create_sheet(sheet_title(sector, taken))
        ws.append([_(TITLE)])
        ws.append([scope])
        ws.append([generated])
        ws.append([])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(column_labels(CSV_COLUMNS))
        header = ws.max_row
        for cell in ws[header]:
            cell.font = bold
        for row in (r for r in rows if r["sector"] == sector):
            ws.append([cell_text(_xlsx_value(c, row[c])) for c in CSV_COLUMNS])
            keep_text(ws[ws.max_row])
            share, f1a = ws.cell(ws.max_row, CSV_COLUMNS.index("share") + 1), ws.cell(ws.max_row, f1a_column)
            share.number_format = "0%"
            if row["f1a"] in _FILLS:
                f1a.fill = PatternFill("solid", start_color=_FILLS[row["f1a"]], end_color=_FILLS[row["f1a"]])
        ws.freeze_panes = ws.cell(header + 1, 1)
        ws.auto_filter.ref = f"A{header}:{get_column_letter(len(CSV_COLUMNS))}{ws.max_row}"
        for i, column in enumerate(CSV_COLUMNS, 1):
            ws.column_dimensions[get_column_letter(i)].width = _WIDTHS[column]
    translations_sheet(wb, data, sheet_title(_("Translations"), taken))
    return save_workbook(wb, report_date(data.get("generated_at")))


_XLSX_WORDS = {"type": type_label, "status": status_label, "f1a": verdict_label}
def _xlsx_value(column: str, value):
    """Codes said in words (type, status, F1a) in Russian and Kazakh; English keeps them as csv has them."""
    return _XLSX_WORDS[column](value) if column in _XLSX_WORDS and isinstance(value, str) else value
