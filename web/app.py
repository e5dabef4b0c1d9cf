"""The researchers' web UI: a read-only Starlette app over the archive (config + database + blobs).

This module only assembles: the views (``web.pages``, ``web.tools``, ``web.files``) over the shared
leaf ``web.context``, behind the middleware of ``web.guard``. Security, in one place:
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

from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Route

from archive.blobs import BlobStore
from archive.db import Database
from config import Config
from web import files, pages, tools
from web.context import WebContext, page, templates
from web.guard import Guard

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def create_app(cfg: Config, data_dir: Path, db_url: str, *, token: str | None = None,
               allowed_hosts: list[str] | None = None, base_url: str = DEFAULT_BASE_URL) -> Starlette:
    """The UI over an archive. ``token``: required on every request; ``allowed_hosts``: the Host
    headers accepted (``serve`` on loopback without a token passes the loopback names and its own
    address, which keeps a DNS-rebinding page from reading the UI); ``base_url``: the UI's own
    address, for the absolute links of the Atom feeds (never taken from a request's Host header)."""
    routes = [Route(path, page(handler), methods=["GET"]) for path, handler in
              (*pages.ROUTES, *tools.ROUTES, *files.ROUTES)]
    middleware = [Middleware(Guard, token=token)]
    if allowed_hosts:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware)
    app.router.redirect_slashes = False  # its redirects are absolute URLs built from the Host header
    app.state.base_url = base_url.rstrip("/")
    app.state.ctx = WebContext(cfg, Database(db_url), BlobStore(Path(data_dir) / "blobs"))
    app.state.templates = templates()
    return app
