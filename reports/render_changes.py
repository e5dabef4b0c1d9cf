"""The change report in json, md, html (one self-contained page with highlighted diffs) and xlsx.

The data comes from ``reports.changes.build_changes``; the md and html formats also show
each change's diff, which the builder adds as ``diff_text`` / ``diff_html`` when asked.

URLs, failure details and the texts of the diffs come from the web: escaped in md (a diff sits in a
fence longer than any run of backticks it holds) and html, plain strings (never formulas, no characters
Excel refuses) in xlsx.
"""

from __future__ import annotations

import html
import io
import json
import re

from reports.render import md_escape, md_link

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}
.meta{color:#555;font-size:12px}.status-unavailable{color:#a00;font-weight:600}.new{color:#060;font-weight:600}
del{background:#fdd;text-decoration:line-through}ins{background:#dfd;text-decoration:none}
.change{border-left:3px solid #888;padding:4px 10px;margin:10px 0}.change.substantive{border-color:#c60}
details{margin:4px 0}pre{white-space:pre-wrap}a{color:#036;word-break:break-all}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _title(doc: dict) -> str:
    return f"{doc['company']} · {doc['type'] or 'document'} [{doc['language'] or '?'}]"


def _scope(data: dict) -> str:
    if data.get("compare"):
        return f"campaign {data['campaign']} compared with {data['compare']}"
    span = f"{data['since'] or 'the beginning'} → {data['until'] or 'now'}"
    return f"campaign {data['campaign']} ({span})" if data.get("campaign") else span


def _fence(text: str) -> str:
    """A code fence the text cannot close: longer than its longest run of backticks."""
    return "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", text)), default=0))


def _md(data: dict) -> str:
    out = [f"# Changes: {md_escape(_scope(data))}", ""]
    for doc in data["documents"]:
        notes = []
        if doc["new"]:
            notes.append(f"new (first seen {md_escape(doc['first_seen'])})")
        if doc["status"] == "unavailable":
            notes.append(f"**unavailable since {md_escape(doc['unavailable_since'])}**: {md_escape(doc['failure'])}")
        if not doc["changes"] and not notes:
            continue
        out += [f"## {md_escape(_title(doc))}", "", md_link(doc["url"]), ""] + [f"- {n}" for n in notes]
        for change in doc["changes"]:
            text = change.get("diff_text", "").rstrip()
            fence = _fence(text)
            out += ["", f"### {md_escape(change['kind'])}: version {change['from']} ({change['from_date']}) → "
                        f"{change['to']} ({change['to_date']}), +{change['added_words']} / -{change['removed_words']} "
                        "words", "", fence, text, fence]
        out.append("")
    return "\n".join(out) + "\n"


def _html(data: dict) -> str:
    parts = []
    for doc in data["documents"]:
        notes = []
        if doc["new"]:
            notes.append(f'<span class="new">new</span> (first seen {_e(doc["first_seen"])})')
        if doc["status"] == "unavailable":
            notes.append(f'<span class="status-unavailable">unavailable since {_e(doc["unavailable_since"])}</span>: '
                         f'{_e(doc["failure"])}')
        if not doc["changes"] and not notes:
            continue
        url = _e(doc["url"])
        link = f'<a href="{url}" rel="noreferrer">{url}</a>' if doc["url"].startswith(("http://", "https://")) else url
        parts.append(f'<section><h2>{_e(_title(doc))}</h2><p class="meta">{link}</p>'
                     + "".join(f"<p>{n}</p>" for n in notes))
        for change in doc["changes"]:
            parts.append(
                f'<div class="change {_e(change["kind"])}"><p class="meta">{_e(change["kind"])}: version '
                f'{_e(change["from"])} ({_e(change["from_date"])}) → {_e(change["to"])} ({_e(change["to_date"])}), '
                f'+{_e(change["added_words"])} / −{_e(change["removed_words"])} words</p>'
                f'{change.get("diff_html", "")}</div>')
        parts.append("</section>")
    body = "".join(parts) or "<p>No changes in this period.</p>"
    return (
        "<!doctype html><html><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>Changes: {_e(_scope(data))}</title><style>{_CSS}</style></head><body>"
        f"<h1>Changes: {_e(_scope(data))}</h1>{body}</body></html>\n"
    )


def _xlsx(data: dict) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Changes"
    sheet.append([f"Changes: {_scope(data)}"])
    header = ["company", "type", "language", "url", "status", "unavailable_since", "first_seen", "new", "from",
              "to", "from_date", "to_date", "kind", "added_words", "removed_words", "added", "removed"]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A3"
    def append(values: list) -> None:
        # Control characters a page may carry would make openpyxl refuse the whole file.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])

    for doc in data["documents"]:
        base = [doc["company"], doc["type"], doc["language"], doc["url"], doc["status"], doc["unavailable_since"],
                doc["first_seen"], doc["new"]]
        for change in doc["changes"] or [None]:
            if change is None:
                if doc["new"] or doc["status"] == "unavailable":
                    append(base + [None] * 9)
                continue
            append(base + [change["from"], change["to"], change["from_date"], change["to_date"], change["kind"],
                           change["added_words"], change["removed_words"], "\n".join(change["added"]),
                           "\n".join(change["removed"])])
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # web text, never a formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render_changes(data: dict, fmt: str) -> bytes:
    if fmt == "json":
        clean = {**data, "documents": [{**d, "changes": [{k: v for k, v in c.items() if not k.startswith("diff_")}
                                                           for c in d["changes"]]} for d in data["documents"]]}
        return (json.dumps(clean, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "md":
        return _md(data).encode("utf-8")
    if fmt == "html":
        return _html(data).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(data)
    raise ValueError(f"unknown format {fmt!r}: expected json, md, html or xlsx")
