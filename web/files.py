"""Archived bytes (only here, sandboxed), screenshots, evidence zips and the UI's own stylesheet."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from archive.models import Snapshot
from archive.queries import by_id
from diffing.render_html import CSS as DIFF_CSS
from exports.evidence import EvidenceError, build_evidence, zip_bytes
from extraction.filedocs import pdf_page_png
from i18n import _
from web.context import MAX_PREVIEW_PAGES, SANDBOX_CSP, WebContext, not_found, when

STYLESHEET = Path(__file__).parent / "static" / "app.css"
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+(; ?charset=[a-z0-9_.:-]+)?", re.IGNORECASE)
ARCHIVED_HEADERS = {"Content-Security-Policy": SANDBOX_CSP, "X-Frame-Options": "SAMEORIGIN",
                    "Cache-Control": "private, max-age=3600", "Cross-Origin-Resource-Policy": "same-origin"}


def _media_type(snapshot: Snapshot) -> str:
    """The snapshot's own content type when it is a plain ``type/subtype[; charset=…]``, else bytes."""
    value = (snapshot.content_type or "").strip()
    return value if _MEDIA_TYPE.fullmatch(value) else "application/octet-stream"


def raw(request: Request, ctx: WebContext) -> Response:
    with ctx.session() as session:
        snap = by_id(session, Snapshot, request.path_params["snapshot_id"])
    if snap is None or not snap.sha256 or not ctx.blobs.exists(snap.sha256):
        return not_found(request, _("no stored bytes for this capture"))
    headers = dict(ARCHIVED_HEADERS)
    if request.query_params.get("download") == "1":
        headers["Content-Disposition"] = f'attachment; filename="snapshot-{snap.id}"'
    return Response(ctx.blobs.get(snap.sha256), media_type=_media_type(snap), headers=headers)


def pdf_page(request: Request, ctx: WebContext) -> Response:
    """One page of an archived PDF as a PNG, drawn in the limited child (extraction.filedocs)."""
    with ctx.session() as session:
        snap = by_id(session, Snapshot, request.path_params["snapshot_id"])
    page = request.path_params["page"]
    if snap is None or not snap.sha256 or not ctx.blobs.exists(snap.sha256) or not 1 <= page <= MAX_PREVIEW_PAGES:
        return not_found(request, _("no such page"))
    png = pdf_page_png(ctx.blobs.get(snap.sha256), page)
    if png is None:
        return not_found(request, _("this page could not be drawn (not a PDF, no such page, or a broken file)"))
    return Response(png, media_type="image/png", headers=ARCHIVED_HEADERS)


def screenshot(request: Request, ctx: WebContext) -> Response:
    with ctx.session() as session:
        snap = by_id(session, Snapshot, request.path_params["snapshot_id"])
    if snap is None or not snap.screenshot_sha256 or not ctx.blobs.exists(snap.screenshot_sha256):
        return not_found(request, _("no screenshot for this capture"))
    return Response(ctx.blobs.get(snap.screenshot_sha256), media_type="image/png", headers=ARCHIVED_HEADERS)


def evidence(request: Request, ctx: WebContext) -> Response:
    # As `evidence --at`: a bare date includes that whole day, an offset is converted to UTC.
    at = when(request, "at", end=True)
    company_names = {c.id: c.name for c in ctx.cfg.companies}
    with ctx.session() as session:
        try:
            package = build_evidence(session, ctx.blobs, str(request.path_params["document_id"]), at, company_names)
        except EvidenceError as exc:
            return not_found(request, str(exc))
    return Response(zip_bytes(package), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{package.folder}.zip"'})


def stylesheet(request: Request, ctx: WebContext) -> Response:
    # diffing's own CSS (minus its page-wide body rule), then ours.
    diff_css = "\n".join(line for line in DIFF_CSS.splitlines() if not line.startswith(("body", "padding")))
    return Response(diff_css + "\n" + STYLESHEET.read_text(encoding="utf-8"), media_type="text/css",
                    headers={"Cache-Control": "max-age=300"})


ROUTES = [
    ("/raw/{snapshot_id:int}", raw),
    ("/screenshot/{snapshot_id:int}", screenshot),
    ("/raw/{snapshot_id:int}/page/{page:int}.png", pdf_page),
    ("/document/{document_id:int}/evidence.zip", evidence),
    ("/static/app.css", stylesheet),
]
