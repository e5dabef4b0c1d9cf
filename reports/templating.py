"""The Jinja2 environment the HTML reports render from (``reports/templates/``).

Titles, link texts, URLs, failure details and diffs come from the web: autoescape is on for every
template, so a value is escaped unless the code marks it safe (only ``diffing``'s own diff markup is).
A URL becomes a link only when it is http(s) (the ``http`` test); anything else (javascript:, data:)
is shown as text. The pages are self-contained: CSS inline, no script, font or image.
Words are said in the language of the moment (``i18n.using``): ``_``/``ngettext`` (newstyle, so a
placeholder's value is escaped too) and the filters of ``reports.words`` (doctype, verdict, status, ...).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

import i18n
from reports import words
from reports.absence_words import summary as tried_summary

TEMPLATES = Path(__file__).parent / "templates"


def is_http(url: str) -> bool:
    """Only http(s) URLs are ever links."""
    return urlsplit(str(url)).scheme.lower() in ("http", "https")


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, undefined=StrictUndefined,
                      # None prints as nothing (an unset date, no failure detail), never as "None".
                      finalize=lambda value: "" if value is None else value, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals["lang"] = i18n.language
    env.globals["tried"] = tried_summary  # a proof of absence in the page's language
    env.filters.update(words.filters())
    env.filters["number"] = i18n.number
    env.tests["http"] = is_http
    return env


def render_page(template: str, **context) -> bytes:
    """``template`` rendered with ``context``, as UTF-8."""
    return environment().get_template(template).render(**context).encode("utf-8")
