"""Diffs, search, report downloads and Atom feeds.

Report downloads come in the page's language (md, html, xlsx; json and csv always in English: their keys
and values are what scripts read). Feeds are said like pages (``?lang=``, the cookie, Accept-Language): a
feed reader that sends none of them gets English."""

from __future__ import annotations

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from archive.models import Document, Version
from archive.queries import by_id
from archive.search import search as search_versions
from diffing import align_translations, diff, render
from i18n import _
from reports.changes import build_changes, recent_changes
from reports.coverage import build_coverage
from reports.render import FORMATS as COVERAGE_FORMATS
from reports.render import render_coverage
from reports.render_changes import render_changes
from web.context import SANDBOX_CSP, WebContext, campaign, html, not_found, when
from web.feed import atom

CHANGES_FORMATS = ("json", "md", "html", "xlsx")
MEDIA = {"json": "application/json", "csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8",
         "html": "text/html; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _id(value: str | None) -> str | None:
    """An id as given (ASCII digits); ``by_id`` decides whether the database can hold it."""
    return value if value and value.isascii() and value.isdigit() else None


def diff_page(request: Request, ctx: WebContext) -> Response:
    a, b = _id(request.query_params.get("a")), _id(request.query_params.get("b"))
    translation = request.query_params.get("translation") == "1"
    layout = "side" if translation or request.query_params.get("layout") == "side" else "inline"
    if a is None or b is None:
        return html(request, "error.html", status_code=422, message=_("give two version ids: /diff?a=ID&b=ID"))
    with ctx.session() as session:
        old, new = by_id(session, Version, a), by_id(session, Version, b)
        if old is None or new is None:
            return not_found(request, _("no such version"))
        docs = {d.id: d for d in (session.get(Document, old.document_id), session.get(Document, new.document_id))}
    labels = tuple(_("version {id} ({day}, {language})").format(id=v.id, day=f"{v.captured_at:%Y-%m-%d}",
                                                                language=v.language or "und") for v in (old, new))
    if translation:
        result = align_translations(old.text, new.text, old.language or "a", new.language or "b")
    else:
        result = diff(old.text, new.text)
    # diffing's HTML escapes every text it carries (diffing/render_html.py): the one fragment trusted as markup.
    fragment = Markup(render(result, "html", layout=layout, labels=labels))
    return html(request, "diff.html", old=old, new=new, old_doc=docs[old.document_id],
                new_doc=docs[new.document_id], fragment=fragment, layout=layout, translation=translation)


def search_page(request: Request, ctx: WebContext) -> Response:
    query = request.query_params.get("q", "")[:200]
    with ctx.session() as session:
        hits = search_versions(session, query) if query.strip() else []
    return html(request, "search.html", q=query, hits=hits)


def _download(body: bytes, fmt: str, name: str) -> Response:
    disposition = "attachment" if fmt in ("xlsx", "csv") else "inline"
    return Response(body, media_type=MEDIA[fmt], headers={
        "Content-Security-Policy": SANDBOX_CSP, "Content-Disposition": f'{disposition}; filename="{name}.{fmt}"'})


def coverage_report(request: Request, ctx: WebContext) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in COVERAGE_FORMATS:
        return not_found(request, _("coverage comes as {formats}").format(formats=", ".join(COVERAGE_FORMATS)))
    with ctx.session() as session:
        data = build_coverage(session, ctx.cfg, campaign(ctx, request.query_params.get("campaign")))
    return _download(render_coverage(data, fmt), fmt, "coverage")


def changes_report(request: Request, ctx: WebContext) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in CHANGES_FORMATS:
        return not_found(request, _("changes come as {formats}").format(formats=", ".join(CHANGES_FORMATS)))
    # As `report changes --since/--until`: "until the 31st" includes the 31st.
    since, until = when(request, "since"), when(request, "until", end=True)
    with ctx.session() as session:
        data = build_changes(session, ctx.cfg, since=since, until=until,
                             campaign=campaign(ctx, request.query_params.get("campaign")),
                             company=request.query_params.get("company") or None,
                             render_diffs=fmt in ("md", "html"))
    return _download(render_changes(data, fmt), fmt, "changes")


def _feed(request: Request, ctx: WebContext, company: str | None) -> Response:
    with ctx.session() as session:
        changes = ctx.memo(session, ("feed", company), lambda: recent_changes(session, company=company))
    names = {c.id: c.name for c in ctx.cfg.companies}
    # The address the UI was started on, never the request's Host header: a client (or a proxy) that
    # sends another Host must not plant its own links in a feed that others read.
    base = request.app.state.base_url
    title = _("Policy changes: {company}").format(company=names.get(company, company)) if company else _(
        "Policy changes")
    return Response(atom(changes, base, request.url.path, title, names), media_type="application/atom+xml")


def feed(request: Request, ctx: WebContext) -> Response:
    return _feed(request, ctx, None)


def company_feed(request: Request, ctx: WebContext) -> Response:
    cid = request.path_params["company_id"]
    if cid not in {c.id for c in ctx.cfg.companies}:
        return not_found(request, _("no such company in the configuration"))
    return _feed(request, ctx, cid)


ROUTES = [
    ("/diff", diff_page),
    ("/search", search_page),
    ("/report/coverage.{fmt:str}", coverage_report),
    ("/report/changes.{fmt:str}", changes_report),
    ("/feed.atom", feed),
    ("/company/{company_id:str}/feed.atom", company_feed),
]
