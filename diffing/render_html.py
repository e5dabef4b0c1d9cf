"""HTML for diffs and translation alignments: a fragment, or a self-contained page.

Every text, reference and label goes through html.escape (policies come from the web). Word
changes are <del>/<ins>; moved clauses say "moved from 3.2 to 5.1"; cosmetic changes sit in a
<details> block, closed unless asked. Class names start with "pa-" so a host page can style them.
The standalone page carries its CSS inline and a Content-Security-Policy that forbids scripts,
so it opens offline, from an e-mail or an evidence package, and stays inert.
"""

from __future__ import annotations

from html import escape

from diffing.model import Change, Diff, TranslationAlignment
from diffing.present import heading, marked, number_of, plural, summary, translation_summary

CSS = """\
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;max-width:72em;margin:1.5em auto;\
padding:0 1em}
del{background:#fdd;color:#8a0000;text-decoration:line-through}
ins{background:#d8f5d8;color:#035e03;text-decoration:none}
del+ins{margin-left:.2em}
.pa-summary{font-weight:600}
.pa-changes{padding-left:1.5em}
.pa-change{margin:.7em 0}
.pa-head{margin:0;font-size:.9em;color:#555}
.pa-ref{font-family:ui-monospace,monospace;color:#222}
.pa-text{margin:.15em 0 0}
.pa-added .pa-text{border-left:3px solid #3a3;padding-left:.5em}
.pa-removed .pa-text{border-left:3px solid #c33;padding-left:.5em}
.pa-moved .pa-head{color:#0550ae}
details.pa-cosmetic{margin-top:1.2em;color:#555}
details.pa-cosmetic summary{cursor:pointer}
table.pa-side{border-collapse:collapse;width:100%;table-layout:fixed}
.pa-side th,.pa-side td{border:1px solid #d0d0d0;padding:.3em .5em;vertical-align:top;text-align:left}
.pa-side tr.pa-rowhead th{background:#f4f4f4;font-weight:normal;font-size:.9em}
.pa-missing{background:#fff3cd;color:#7a5b00;font-style:italic}
tr.pa-numbers-differ td{background:#fff8e1}
.pa-note{font-size:.85em;color:#7a5b00}
"""


def html_page(fragment: str, title: str) -> str:
    """A whole HTML document around a fragment: UTF-8, inline CSS, no scripts allowed."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n{fragment}</body>\n</html>\n"
    )


def _words(c: Change, side: str = "") -> str:
    """A changed clause with <del>/<ins>; ``side`` "old" / "new" keeps one side's words only."""
    keep = {"": "=-+", "old": "=-", "new": "=+"}[side]
    number = number_of(c.old if side == "old" else c.new)
    return escape(number) + marked(c.words, escape, lambda s: f"<del>{s}</del>", lambda s: f"<ins>{s}</ins>", keep)


def _head(c: Change) -> str:
    ref, text = c.new_ref or c.old_ref or "", heading(c)
    if c.kind != "moved" and ref and text.startswith(ref):
        return f'<span class="pa-ref">{escape(ref)}</span>{escape(text[len(ref):])}'
    return escape(text)


def _change_inline(c: Change) -> str:
    if c.words:
        body = _words(c)
    elif c.kind == "added":
        body = f"<ins>{escape(c.new or '')}</ins>"
    elif c.kind == "removed":
        body = f"<del>{escape(c.old or '')}</del>"
    else:
        body = escape(c.new or "")
    return (f'<li class="pa-change pa-{c.kind}"><p class="pa-head">{_head(c)}</p>'
            f'<p class="pa-text">{body}</p></li>\n')


def _change_side(c: Change) -> str:
    if c.words:
        left, right = _words(c, "old"), _words(c, "new")
    else:
        left = escape(c.old) if c.old is not None else ""
        right = escape(c.new) if c.new is not None else ""
        if c.kind == "added":
            right = f"<ins>{right}</ins>"
        elif c.kind == "removed":
            left = f"<del>{left}</del>"
    return (f'<tr class="pa-rowhead pa-{c.kind}"><th colspan="2">{_head(c)}</th></tr>\n'
            f'<tr class="pa-change pa-{c.kind}"><td>{left}</td><td>{right}</td></tr>\n')


def _changes(changes: list[Change], layout: str, labels: tuple[str, ...]) -> str:
    if layout == "side":
        head = f"<thead><tr><th>{escape(labels[0])}</th><th>{escape(labels[1])}</th></tr></thead>\n"
        rows = "".join(_change_side(c) for c in changes)
        return f'<table class="pa-side">\n{head}<tbody>\n{rows}</tbody>\n</table>\n'
    return '<ol class="pa-changes">\n' + "".join(_change_inline(c) for c in changes) + "</ol>\n"


def html_diff(d: Diff, labels: tuple[str, ...], *, cosmetic: bool, layout: str) -> str:
    """A diff as an HTML fragment: summary, substantive changes, cosmetic ones folded."""
    out = [f'<div class="pa-diff pa-{layout}">\n',
           f'<p class="pa-summary">{escape(labels[0])} → {escape(labels[1])}: {escape(summary(d, "below"))}</p>\n']
    if d.substantive:
        out.append(_changes(d.substantive, layout, labels))
    if d.cosmetic:
        reasons = ", ".join(sorted({c.reason or "" for c in d.cosmetic}))
        out.append(f'<details class="pa-cosmetic"{" open" if cosmetic else ""}><summary>'
                   f'{escape(plural(len(d.cosmetic), "cosmetic change"))}: {escape(reasons)}'
                   f"</summary>\n{_changes(d.cosmetic, layout, labels)}</details>\n")
    out.append("</div>\n")
    return "".join(out)


def html_translation(t: TranslationAlignment, labels: tuple[str, ...], *, layout: str) -> str:
    """Two language versions as an HTML fragment: every row side by side (``side``), or the gaps only."""
    a_lang, b_lang = escape(t.a_lang, quote=True), escape(t.b_lang, quote=True)
    out = [f'<div class="pa-translation pa-{layout}">\n',
           f'<p class="pa-summary">{escape(translation_summary(t, labels))}</p>\n']
    only_a, only_b = set(t.only_in_a), set(t.only_in_b)
    rows = []
    for p in t.pairs:
        gap = (p.b is None and p.a_ref in only_a) or (p.a is None and p.b_ref in only_b)
        if layout != "side" and not gap and not p.numbers_differ:
            continue
        cells = []
        for lang, label, text in ((a_lang, labels[0], p.a), (b_lang, labels[1], p.b)):
            if text is None:
                cells.append(f'<td class="pa-missing">missing in {escape(label)}</td>')
            else:
                cells.append(f'<td lang="{lang}">{escape(text)}</td>')
        cls = "pa-numbers-differ" if p.numbers_differ else ("pa-gap" if gap else "pa-pair")
        rows.append(f'<tr class="{cls}">{"".join(cells)}</tr>\n')
        if p.numbers_differ:
            rows.append('<tr class="pa-numbers-differ"><td colspan="2" class="pa-note">'
                        "the two versions mention different numbers here</td></tr>\n")
    if rows:
        head = (f'<thead><tr><th lang="{a_lang}">{escape(labels[0])}</th>'
                f'<th lang="{b_lang}">{escape(labels[1])}</th></tr></thead>\n')
        out.append(f'<table class="pa-side">\n{head}<tbody>\n{"".join(rows)}</tbody>\n</table>\n')
    out.append("</div>\n")
    return "".join(out)
