"""The researchers' web UI: a read-only Starlette app over the archive (config + database + blobs).

Security, in one place:
- every page is rendered by Jinja2 with autoescape on (titles, URLs and texts come from the web);
- UI pages send a strict CSP (no script at all, frames and styles from this origin only);
- archived bytes are served only by ``/raw/{id}`` and ``/screenshot/{id}``, with ``CSP: sandbox``
  (an opaque origin, no scripts, nothing from the live web) and ``nosniff``;
- path parameters are integers; an id the database cannot hold is "not found" (``archive.queries.by_id``);
  blobs are read only through BlobStore, by a sha256 from the database;
- GET and HEAD only; with a token configured every request must carry it (header or cookie);
- every answer carries the security headers, errors (a failing handler's 500 too) included, and no
  redirect leaves the site; absolute URLs (feeds) come from the served address, never the Host header.
"""

from __future__ import annotations

import hmac
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from archive.blobs import BlobStore
from archive.db import Database
from archive.models import Snapshot, Version
from config import Config

UI_CSP = ("default-src 'self'; frame-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
          "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# For archived bytes and downloaded reports: an opaque origin that runs nothing and loads nothing.
SANDBOX_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
TOKEN_COOKIE = "policy_archive_token"
TEMPLATES = Path(__file__).parent / "templates"
MEMO_ENTRIES = 16  # overview tables kept (campaign x since)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
log = logging.getLogger("policy_archive.web")


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


def templates() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda m: m.strftime("%Y-%m-%d %H:%M") if m else "–"
    env.globals["query"] = lambda **kw: urlencode({k: v for k, v in kw.items() if v not in (None, "")})
    return env


def page(handler: Callable[[Request, WebContext], Response]):
    """A synchronous handler (database work) run off the event loop."""
    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(handler, request, request.app.state.ctx)
    endpoint.__name__ = handler.__name__
    return endpoint


def html(request: Request, template: str, status_code: int = 200, **context) -> HTMLResponse:
    body = request.app.state.templates.get_template(template).render(
        request=request, cfg=request.app.state.ctx.cfg, **context)
    return HTMLResponse(body, status_code=status_code)


def not_found(request: Request, what: str) -> HTMLResponse:
    return html(request, "error.html", status_code=404, message=what)


class _Guard:
    """Read-only methods, the token when one is configured, and the security headers on every answer,
    errors included: a handler that fails gets a plain 500 from here, not from Starlette's outer error
    middleware (which would answer without them)."""

    def __init__(self, app, token: str | None):
        self.app, self.token = app, token

    def _authorised(self, request: Request) -> tuple[bool, bool]:
        """(allowed, the token came in the query and should become a cookie)."""
        if self.token is None:
            return True, False
        header = request.headers.get("authorization", "")
        offered = [header[7:].strip()] if header.lower().startswith("bearer ") else []
        offered.append(request.cookies.get(TOKEN_COOKIE, ""))
        if any(o and hmac.compare_digest(o.encode(), self.token.encode()) for o in offered):
            return True, False
        query = request.query_params.get("token", "")
        if query and hmac.compare_digest(query.encode(), self.token.encode()):
            return True, True
        return False, False

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        send = _with_headers(send)
        request = Request(scope)
        if request.method not in ("GET", "HEAD"):
            response: Response = PlainTextResponse("read-only: GET and HEAD only", status_code=405,
                                                   headers={"Allow": "GET, HEAD"})
        else:
            allowed, from_query = self._authorised(request)
            if not allowed:
                response = PlainTextResponse("a token is required: Authorization: Bearer TOKEN, or ?token=TOKEN once",
                                             status_code=401, headers={"WWW-Authenticate": "Bearer"})
            elif from_query:
                # Drop the token from the address (history, Referer) once the cookie holds it.
                rest = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "token"])
                target = on_site(request.url.path) + (f"?{rest}" if rest else "")
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict",
                                    secure=request.url.scheme == "https")
            else:
                return await self._answer(scope, receive, send)
        await response(scope, receive, send)

    async def _answer(self, scope, receive, send) -> None:
        started = False

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            log.exception("the web UI failed on %s", scope.get("path"))
            if started:
                raise  # half an answer is out: nothing better to send
            await PlainTextResponse("internal error: this page could not be built (the server's log says why)",
                                    status_code=500)(scope, receive, send)


_URL_NOISE = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL ...
_C0_AND_SPACE = "".join(map(chr, range(0x21)))  # ... and these at its start


def on_site(location: str) -> str:
    """A redirect target as a path on this site: no scheme or host, and no leading ``//`` or ``/\\``,
    which a browser reads as another host (``//evil.example/x``)."""
    parts = urlsplit(_URL_NOISE.sub("", location).lstrip(_C0_AND_SPACE))
    path = "/" + parts.path.lstrip("/\\")
    return path + (f"?{parts.query}" if parts.query else "")


def _with_headers(send):
    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = [(k, on_site(v.decode("latin-1")).encode("latin-1") if k.lower() == b"location" else v)
                       for k, v in message.get("headers", [])]
            names = {k.lower() for k, _ in headers}
            if b"content-security-policy" not in names:
                headers.append((b"content-security-policy", UI_CSP.encode()))
                headers.append((b"x-frame-options", b"DENY"))
            headers.append((b"x-content-type-options", b"nosniff"))
            headers.append((b"referrer-policy", b"no-referrer"))
            message = {**message, "headers": headers}
        await send(message)
    return wrapped


def create_app(cfg: Config, data_dir: Path, db_url: str, *, token: str | None = None,
               allowed_hosts: list[str] | None = None, base_url: str = DEFAULT_BASE_URL) -> Starlette:
    """The UI over an archive. ``token``: required on every request; ``allowed_hosts``: the Host
    headers accepted (``serve`` on loopback without a token passes the loopback names and its own
    address, which keeps a DNS-rebinding page from reading the UI); ``base_url``: the UI's own
    address, for the absolute links of the Atom feeds (never taken from a request's Host header)."""
    from web import files, pages, tools

    routes = [Route(path, page(handler), methods=["GET"]) for path, handler in
              (*pages.ROUTES, *tools.ROUTES, *files.ROUTES)]
    middleware = [Middleware(_Guard, token=token)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware)
    app.router.redirect_slashes = False  # its redirects are absolute URLs built from the Host header
    app.state.base_url = base_url.rstrip("/")
    app.state.ctx = WebContext(cfg, Database(db_url), BlobStore(Path(data_dir) / "blobs"))
    app.state.templates = templates()
    return app
