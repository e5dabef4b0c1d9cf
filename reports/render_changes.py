"""The change report in json, md, html (one self-contained page with highlighted diffs) and xlsx.

The data comes from ``reports.changes.build_changes``; the md and html formats also show
each change's diff, which the builder adds as ``diff_text`` / ``diff_html`` when asked.

URLs, failure details and the texts of the diffs come from the web: escaped in md (a diff sits in a
fence longer than any run of backticks it holds) and html (``reports/templates/changes.html``, autoescaped),
plain strings (never formulas, no characters Excel refuses) in xlsx, written by ``reports.xlsx`` (the same
bytes for the same data, dated at ``generated_at``).

Each document's ``translation_lag`` (issue 14: a change of one language version, and when the other followed)
is said in words under it (``reports.render_translations.lag_sentence``); a document with a lag but no change
of its own is shown for it. The xlsx lists the lags once each on a sheet "Translation lag".

md, html and xlsx are said in the language asked for (``lang``, else the language of the moment); json
keeps the data's English keys and values.
"""

from __future__ import annotations

import json
import re

import i18n
from i18n import _
from reports.render import md_escape, md_link
from reports.render_translations import LAG_COLUMNS, lag_rows, lag_sentence
from reports.templating import render_page
from reports.words import column_labels, kind_label, type_label


def _title(doc: dict) -> str:
    return f"{doc['company']} · {type_label(doc['type']) or _('document')} [{doc['language'] or '?'}]"


def _scope(data: dict) -> str:
    if data.get("compare"):
        return _("campaign {campaign} compared with {compare}").format(campaign=data["campaign"],
                                                                      compare=data["compare"])
    span = f"{data['since'] or _('the beginning')} → {data['until'] or _('now')}"
    return _("campaign {campaign} ({span})").format(campaign=data["campaign"], span=span) if data.get("campaign") \
        else span


def _lags(doc: dict) -> list[tuple[str, str]]:
    """(sentence, the other language version's URL) of each lag of the document."""
    return [(lag_sentence(lag), lag.get("other_url") or "") for lag in doc.get("translation_lag") or []]


def _shown(doc: dict) -> bool:
    return bool(doc["changes"] or doc["new"] or doc["status"] == "unavailable" or doc.get("translation_lag"))


def _fence(text: str) -> str:
    """A code fence the text cannot close: longer than its longest run of backticks."""
    return "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))


def _md(data: dict) -> str:
    out = ["# " + _("Changes: {scope}").format(scope=md_escape(_scope(data))), ""]
    for doc in data["documents"]:
        notes = []
        if doc["new"]:
            notes.append(_("new (first seen {when})").format(when=md_escape(doc["first_seen"])))
        if doc["status"] == "unavailable":
            notes.append("**" + _("unavailable since {when}").format(when=md_escape(doc["unavailable_since"]))
                         + f"**: {md_escape(doc['failure'])}")
        notes += [_("translation: {sentence} (the other version: {url})").format(sentence=md_escape(sentence),
                                                                                url=md_link(url))
                  for sentence, url in _lags(doc)]
        if not doc["changes"] and not notes:
            continue
        out += [f"## {md_escape(_title(doc))}", "", md_link(doc["url"]), ""] + [f"- {n}" for n in notes]
        for change in doc["changes"]:
            text = change.get("diff_text", "").rstrip()
            fence = _fence(text)
            out += ["", "### " + _("{kind}: version {old} ({old_date}) → {new} ({new_date}), +{added} / -{removed} "
                                   "words").format(kind=md_escape(kind_label(change["kind"])), old=change["from"],
                                                   old_date=change["from_date"], new=change["to"],
                                                   new_date=change["to_date"], added=change["added_words"],
                                                   removed=change["removed_words"]), "", fence, text, fence]
        out.append("")
    return "\n".join(out) + "\n"


def _html(data: dict) -> bytes:
    shown = [doc for doc in data["documents"] if _shown(doc)]
    return render_page("changes.html", scope=_scope(data), documents=shown, title=_title, lags=_lags)


_HEADER = ["company", "type", "language", "url", "status", "unavailable_since", "first_seen", "new", "from", "to",
           "from_date", "to_date", "kind", "added_words", "removed_words", "added", "removed"]


def _xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from reports.xlsx import cell_text, keep_text, report_date, save_workbook  # openpyxl: only when asked for

    book = Workbook()
    book.properties.creator = book.properties.lastModifiedBy = "policy-archive"
    book.properties.title = _("Changes: {scope}").format(scope=_scope(data))
    sheet = book.active
    sheet.title = _("Changes")
    sheet.append([_("Changes: {scope}").format(scope=_scope(data))])
    sheet.append(column_labels(_HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    for doc in data["documents"]:
        base = [doc["company"], doc["type"], doc["language"], doc["url"], doc["status"], doc["unavailable_since"],
                doc["first_seen"], doc["new"]]
        rows = [base + [change["from"], change["to"], change["from_date"], change["to_date"], change["kind"],
                        change["added_words"], change["removed_words"], "\n".join(change["added"]),
                        "\n".join(change["removed"])] for change in doc["changes"]]
        if not rows and (doc["new"] or doc["status"] == "unavailable"):
            rows = [base + [None] * 9]
        for row in rows:
            sheet.append([cell_text(value) for value in row])
            keep_text(sheet[sheet.max_row])
    if lags := lag_rows(data):
        lag_sheet = book.create_sheet(_("Translation lag"))
        lag_sheet.append(column_labels(LAG_COLUMNS))
        for cell in lag_sheet[1]:
            cell.font = Font(bold=True)
        lag_sheet.freeze_panes = "A2"
        for lag in lags:
            lag_sheet.append([cell_text(lag[column]) for column in LAG_COLUMNS])
            keep_text(lag_sheet[lag_sheet.max_row])
    return save_workbook(book, report_date(data.get("generated_at")))


def render_changes(data: dict, fmt: str, lang: str | None = None) -> bytes:
    """The report as ``fmt`` (json, md, html, xlsx) in ``lang`` (default: the language of the moment); json in
    English whatever is asked. ValueError for any other format or language."""
    with i18n.using("en" if fmt == "json" else lang or i18n.language()):
        return _render(data, fmt)


def _render(data: dict, fmt: str) -> bytes:
    if fmt == "json":
        clean = {**data, "documents": [{**d, "changes": [{k: v for k, v in c.items() if not k.startswith("diff_")}
                                                           for c in d["changes"]]} for d in data["documents"]]}
        return (json.dumps(clean, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "md":
        return _md(data).encode("utf-8")
    if fmt == "html":
        return _html(data)
    if fmt == "xlsx":
        return _xlsx(data)
    raise ValueError(f"unknown format {fmt!r}: expected json, md, html or xlsx")
