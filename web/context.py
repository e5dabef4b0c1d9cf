"""What every view shares, in a leaf the views import (and which imports no view): the archive the UI
reads (WebContext), the templates, the error pages, the security headers' values and the reading of
query parameters people type (ids, campaigns, dates), and the language a page is said in (issue 16):
``?lang=`` (which the switcher's links carry, and which sets a cookie), else the cookie, else the browser's
Accept-Language, else English (``i18n.negotiate``). Every handler runs inside ``i18n.using`` that language.

``web.app`` assembles the views and the middleware; a view never imports ``web.app`` nor another view,
so the package has no import cycle (the import-linter contract in pyproject.toml checks it).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

import i18n
from archive.blobs import BlobStore
from archive.db import Database
from archive.models import Snapshot, Version
from archive.times import iso_utc, parse_when
from config import Campaign, Config
from reports import words
from reports.absence_words import entries as tried_entries
from reports.absence_words import summary as tried_summary
from reports.render_translations import reason_texts
from reports.ways import how_words

UI_CSP = ("default-src 'self'; frame-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
          "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# For archived bytes and downloaded reports: an opaque origin that runs nothing and loads nothing.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
TEMPLATES = Path(__file__).parent / "templates"
MEMO_ENTRIES = 16  # overview tables kept (campaign x since)
MAX_PREVIEW_PAGES = 30  # pages of a PDF drawn on its version page; the rest: download it
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
LANG_COOKIE = "policy_archive_lang"
LANG_COOKIE_AGE = 365 * 24 * 3600
# A "+" typed in an address is a space once the query is decoded: "12:00+05:00" arrives as "12:00 05:00".
_DECODED_PLUS_OFFSET = re.compile(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


@dataclass
class WebContext:
    cfg: Config
    db: Database
    blobs: BlobStore
    cache: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def session(self):
        return self.db.session()

    def memo(self, session, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per state of the archive: the archive only grows (a crawl adds snapshots,
        versions; nothing is edited), so the newest ids name its state. Keeps the
        overview's whole-campaign tables from being rebuilt on every request between crawls."""
        state = (session.scalar(select(func.max(Snapshot.id))), session.scalar(select(func.max(Version.id))))
        full_key = (*key, *state)
        with self.lock:
            if full_key in self.cache:
                self.cache.move_to_end(full_key)
                return self.cache[full_key]
        value = compute()
        with self.lock:
            self.cache[full_key] = value
            while len(self.cache) > MEMO_ENTRIES:
                self.cache.popitem(last=False)
        return value


class BadParameter(ValueError):
    """A query parameter the UI cannot read: the page answers 400 with this message (see ``page``)."""


def templates() -> Environment:
    """One environment for every language: ``_``/``ngettext`` (newstyle: placeholders are escaped) and the
    ``when``/``number``/``percent`` filters say things in the language of the moment (``i18n.using``)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.filters["when"] = lambda m, empty="–": i18n.when(m, empty)
    env.filters["moment"] = lambda iso: i18n.when(naive_moment(iso), iso or "")
    env.filters["number"] = i18n.number
    env.filters["percent"] = i18n.percent
    env.filters["whole_percent"] = whole_percent
    env.filters.update(words.filters())
    env.globals["reasons"] = reason_texts
    env.globals["tried"] = tried_summary  # a proof of absence in the page's language
    env.globals["tried_entries"] = tried_entries
    env.filters["how"] = how_words
    # Full precision, zone included: an evidence link must name its own capture, not the second before it.
    env.filters["iso"] = lambda m: iso_utc(m) if m else ""
    env.globals["query"] = lambda **kw: urlencode({k: v for k, v in kw.items() if v not in (None, "")})
    env.globals["switcher"] = switcher
    env.globals["lang"] = i18n.language
    return env


def whole_percent(share: float) -> str:
    """A share as the whole percent below it (0.587 → 58%), as the UI always truncated it."""
    return i18n.percent(int(share * 100) / 100)


def naive_moment(iso: str | None) -> datetime | None:
    """A report's "…Z" moment (a lag's changed_at) as naive UTC; None when absent or unreadable."""
    try:
        return parse_when(iso) if iso else None
    except ValueError:
        return None


def request_language(request: Request) -> tuple[str, bool]:
    """(the language to answer in, whether ``?lang=`` chose it and the cookie should remember it).
    Only ru, kk and en are ever read: any other value of the parameter or the cookie is ignored."""
    asked = i18n.chosen(request.query_params.get("lang"))
    if asked:
        return asked, True
    kept = i18n.chosen(request.cookies.get(LANG_COOKIE))
    if kept:
        return kept, False
    return i18n.negotiate(request.headers.get("accept-language")), False


def switcher(request: Request) -> list[dict]:
    """The language links of every page: this page (its path and its query, ``lang`` replaced) in each language."""
    rest = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "token")]
    return [{"code": code, "name": i18n.NAMES[code], "current": code == i18n.language(),
             "href": request.url.path + "?" + urlencode([*rest, ("lang", code)])} for code in i18n.LANGUAGES]


def page(handler: Callable[[Request, WebContext], Response]):
    """A synchronous handler (database work) run off the event loop; a BadParameter it raises is a 400 page."""
    def guarded(request: Request, ctx: WebContext) -> Response:
        lang, remember = request_language(request)
        with i18n.using(lang):
            try:
                response = handler(request, ctx)
            except BadParameter as exc:
                response = html(request, "error.html", status_code=400, title=i18n._("Bad request"),
                                message=str(exc))
        if remember:
            response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_AGE, path="/", httponly=True,
                                samesite="lax", secure=request.url.scheme == "https")
        response.headers.setdefault("Content-Language", lang)
        response.headers["Vary"] = "Accept-Language, Cookie"
        return response

    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(guarded, request, request.app.state.ctx)
    endpoint.__name__ = handler.__name__
    return endpoint


def html(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    body = request.app.state.templates.get_template(template).render(
        request=request, cfg=request.app.state.ctx.cfg, **context)
    return HTMLResponse(body, status_code=status_code)


def not_found(request: Request, what: str) -> HTMLResponse:
    """The 404 page; ``what`` is said in the language of the moment (callers pass ``_("…")``)."""
    return html(request, "error.html", status_code=404, message=what)


def campaign(ctx: WebContext, name: str | None) -> Campaign | None:
    return next((c for c in ctx.cfg.campaigns if c.name == name), None) if name else None


def when(request: Request, name: str, *, end: bool = False) -> datetime | None:
    """Query parameter ``name`` as a moment (naive UTC), read as the command line reads its dates
    (``archive.times.parse_when``): a bare date is the start of that day, or with ``end`` (a range's
    upper bound, a moment to look at) its last instant; an offset is converted to UTC. None when absent;
    BadParameter when it is not a date."""
    text = request.query_params.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_when(_DECODED_PLUS_OFFSET.sub(r"\1+\2", text), end=end)
    except ValueError as exc:
        raise BadParameter(f"{name}: {exc}") from None  # parse_when's own words name the value
