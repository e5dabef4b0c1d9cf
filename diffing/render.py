"""render(): a Diff or a TranslationAlignment as text, Markdown or HTML.

- ``text``: like a unified diff, but one hunk per clause ("@@ 1.2 changed @@") and word marks
  inside a changed clause: ``[-removed-]{+added+}``; lines of added clauses start with "+", of
  removed ones with "-", of changed and moved ones with " ".
- ``md``: a list, one item per change, words marked ``~~removed~~`` / ``**added**``; Markdown and
  HTML syntax in the texts is escaped, so a policy cannot inject markup into a rendered report.
- ``html``: see :mod:`diffing.render_html`.

Cosmetic changes: with ``cosmetic=False`` (the default) text and Markdown leave them out and say
how many there were; HTML always includes them, folded in a closed ``<details>`` block (open with
``cosmetic=True``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from diffing.model import Change, Diff, TranslationAlignment
from diffing.present import heading, marked, number_of, summary, translation_summary
from diffing.render_html import html_diff, html_page, html_translation

FORMATS = ("text", "md", "html")
LAYOUTS = ("inline", "side")


def render(
    d: Diff | TranslationAlignment,
    fmt: str = "text",
    *,
    cosmetic: bool = False,
    standalone: bool = False,
    layout: str = "inline",
    labels: Sequence[str] | None = None,
) -> str:
    """A diff or a translation alignment as ``fmt`` ("text" | "md" | "html").

    ``labels`` name the two sides (default "old", "new" for a diff, the two language codes for an
    alignment). HTML only: ``layout="side"`` puts the sides in two columns (the natural view of a
    translation), ``standalone=True`` returns a whole page with its CSS inline instead of a fragment.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
    if fmt != "html" and (standalone or layout != "inline"):
        raise ValueError("standalone and layout='side' exist for fmt='html' only")
    if isinstance(d, TranslationAlignment):
        names = tuple(labels) if labels else (d.a_lang, d.b_lang)
    else:
        names = tuple(labels) if labels else ("old", "new")
    if len(names) != 2:
        raise ValueError(f"labels must name two sides, got {names!r}")
    if fmt == "html":
        if isinstance(d, TranslationAlignment):
            body = html_translation(d, names, layout=layout)
            title = f"{names[0]} ↔ {names[1]}"
        else:
            body = html_diff(d, names, cosmetic=cosmetic, layout=layout)
            title = f"{names[0]} → {names[1]}"
        return html_page(body, title) if standalone else body
    if isinstance(d, TranslationAlignment):
        return _translation_text(d, names, md=fmt == "md")
    return _diff_text(d, names, cosmetic=cosmetic) if fmt == "text" else _diff_md(d, names, cosmetic=cosmetic)


# ---------------------------------------------------------------------------------------------
# text


def _same(s: str) -> str:
    return s


def _change_text(c: Change) -> list[str]:
    lines = [f"@@ {heading(c)} @@"]
    if c.words:
        lines.append(" " + number_of(c.new) + marked(c.words, _same, lambda s: f"[-{s}-]", lambda s: f"{{+{s}+}}"))
    elif c.kind == "added":
        lines.append("+" + (c.new or ""))
    elif c.kind == "removed":
        lines.append("-" + (c.old or ""))
    else:
        lines.append(" " + (c.new or ""))
    return lines


def _diff_text(d: Diff, labels: tuple[str, ...], *, cosmetic: bool) -> str:
    lines = [f"--- {labels[0]}", f"+++ {labels[1]}", summary(d, "shown" if cosmetic else "not shown")]
    for c in d.changes:
        if cosmetic or c.classification == "substantive":
            lines += _change_text(c)
    return "\n".join(_one_line(s) for s in lines) + "\n"


def _one_line(s: str) -> str:
    # A paragraph is one line by construction; a stray line break in a label must not fake a hunk.
    return " ".join(s.splitlines())


# ---------------------------------------------------------------------------------------------
# md

# Only what can open inline markup mid-line: every rendered line starts with our own "- **…**".
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]|#])")


def md_escape(text: str) -> str:
    """Text safe inside a Markdown paragraph: no markup, no raw HTML."""
    text = " ".join(text.splitlines())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _change_md(c: Change) -> str:
    head = md_escape(heading(c))
    if c.words:
        body = md_escape(number_of(c.new)) + marked(c.words, md_escape, lambda s: f"~~{s}~~", lambda s: f"**{s}**")
    elif c.kind == "removed":
        body = f"~~{md_escape(c.old or '')}~~"
    else:
        body = md_escape(c.new or "")
    return f"- **{head}**: {body}"


def _diff_md(d: Diff, labels: tuple[str, ...], *, cosmetic: bool) -> str:
    out = [f"**{md_escape(labels[0])} → {md_escape(labels[1])}**: "
           f"{md_escape(summary(d, 'listed below' if cosmetic else 'not shown'))}", ""]
    out += [_change_md(c) for c in d.substantive]
    if cosmetic and d.cosmetic:
        out += ["", "Cosmetic changes:", ""] + [_change_md(c) for c in d.cosmetic]
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# translations, text and md


def _translation_text(t: TranslationAlignment, labels: tuple[str, ...], *, md: bool) -> str:
    esc = md_escape if md else _one_line
    bullet = "- " if md else "  "
    out = [esc(translation_summary(t, labels))]
    only_a, only_b = set(t.only_in_a), set(t.only_in_b)
    missing = [(labels[1], labels[0], p.a_ref, p.a) for p in t.pairs if p.b is None and p.a_ref in only_a]
    missing += [(labels[0], labels[1], p.b_ref, p.b) for p in t.pairs if p.a is None and p.b_ref in only_b]
    for lacking, having, ref, text in missing:
        out += ["", esc(f"Missing in {lacking} ({ref} in {having}):"), bullet + esc(text or "")]
    for p in t.numbers_differ:
        out += ["", esc(f"Numbers differ in {p.a_ref} / {p.b_ref}:"),
                bullet + esc(f"{labels[0]}: {p.a}"), bullet + esc(f"{labels[1]}: {p.b}")]
    return "\n".join(out) + "\n"
