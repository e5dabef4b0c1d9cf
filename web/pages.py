"""The browsing pages: the campaign matrix, a company, a document and one version (with "cite this")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

import i18n
from archive.blobs import BlobStore
from archive.history import effective_versions
from archive.models import Document, Snapshot, Version
from archive.queries import by_id, document_snapshots, document_versions, list_documents
from archive.runs import ATTENTION_RUNS, needs_attention
from archive.times import when_text
from extraction.extract import sniff_kind
from extraction.filedocs import pdf_page_count
from reports.changes import recent_changes
from reports.coverage import LANGUAGES, build_coverage, row_of_document
from reports.render import sectors
from reports.render_translations import reason_texts
from reports.translations import pair_words
from reports.ways import describe_reached, language_names, variant_label
from web.cite import citation
from web.context import (
    MAX_PREVIEW_PAGES,
    BadParameter,
    WebContext,
    campaign,
    html,
    naive_moment,
    not_found,
    when,
)
from web.timeline import timeline

EASY_DEPTH = 2  # RDR "easy to find": one or two clicks from the homepage
# The reasons that make a version present in the matrix fall short of "in full" (reports.translations).
TRANSLATION_CODES = ("missing_clauses", "older_edition", "lag")


def overview(request: Request, ctx: WebContext) -> Response:
    chosen = campaign(ctx, request.query_params.get("campaign"))
    # As `report changes --since`: a bare date from the start of that day, an offset converted to UTC.
    since = when(request, "since")
    if since is None:
        since = (datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)).replace(
            hour=0, minute=0, second=0, microsecond=0)
    with ctx.session() as session:
        coverage, changed, attention = ctx.memo(session, ("overview", chosen and chosen.name, since), lambda: (
            build_coverage(session, ctx.cfg, chosen),
            {c["document_id"] for c in recent_changes(session, since=since)},
            needs_attention(session)))
    types = list(ctx.cfg.coverage.expected)
    rows = []
    for sector, companies in sectors(coverage):
        for company in companies:
            depths = [e["click_depth"] for d in company["documents"] for e in d["languages"].values()]
            known = [d for d in depths if d is not None]
            cells = []
            for doc in company["documents"]:
                reasons = doc.get("f1a_reasons", [])
                said = reason_texts(doc)  # in the language of the page
                for lang in LANGUAGES:
                    entry = doc["languages"].get(lang)
                    required = lang in company["required_languages"]
                    if entry:
                        state = "incomplete" if entry["incomplete"] else "full"
                    elif doc["status"] == "unavailable" and required:
                        state = "unavailable"
                    else:
                        state = "missing" if required else "optional"
                    cells.append({"type": doc["type"], "lang": lang, "entry": entry, "state": state,
                                  "f1a": doc["f1a"], "changed": bool(entry and entry["document_id"] in changed),
                                  "failure": doc["failure"] if state == "unavailable" else None,
                                  "absence": (doc.get("absence") or {}).get(lang),
                                  "variant": variant_label(entry["variant"]) if entry else "",
                                  "captured": naive_moment(entry["captured_at"]) if entry else None,
                                  "reasons": said,
                                  "short": [text for r, text in zip(reasons, said, strict=True)
                                            if entry and r["language"] == lang and r["code"] in TRANSLATION_CODES]})
            rows.append({"sector": sector, "company": company, "cells": cells,
                         "last_crawled": naive_moment(company["crawl"].get("last_crawled")),
                         "archive": company["public_archive"]["found"],
                         "depth": max(known) if known else None,
                         "easy": bool(known) and max(known) <= EASY_DEPTH and None not in depths})
    return html(request, "overview.html", coverage=coverage, rows=rows, types=types, languages=LANGUAGES,
                campaign=chosen, since=when_text(since), since_day=since.date().isoformat(),
                since_text=when_text(since) if i18n.language() == "en" else i18n.when(since),
                changed=len(changed), attention=attention, attention_runs=ATTENTION_RUNS)


def company(request: Request, ctx: WebContext) -> Response:
    cid = request.path_params["company_id"]
    known = {c.id: c for c in ctx.cfg.companies}
    if cid not in known:
        return not_found(request, i18n._("no such company in the configuration"))
    with ctx.session() as session:
        documents = list_documents(session, cid)
        failures = session.execute(
            select(Snapshot.url, Snapshot.failure, Snapshot.failure_detail, func.max(Snapshot.fetched_at),
                   func.count(Snapshot.id))
            .where(Snapshot.company_id == cid, Snapshot.outcome == "failed")
            .group_by(Snapshot.url, Snapshot.failure, Snapshot.failure_detail)
            .order_by(func.max(Snapshot.fetched_at).desc())).all()
        historical = set(session.scalars(select(Document.id).where(Document.company_id == cid,
                                                                   Document.historical.is_(True))))
        variants = _variants(session, cid)
        coverage = ctx.memo(session, ("company", cid), lambda: build_coverage(session, ctx.cfg, company_id=cid))
    # Each missing language of each expected document, with what was tried (the proof of absence).
    missing = [(doc["type"], lang, doc["absence"][lang]) for c in coverage["companies"] for doc in c["documents"]
               for lang in doc["missing_languages"] if lang in doc.get("absence", {})]
    verdicts = [doc for c in coverage["companies"] for doc in c["documents"]]
    return html(request, "company.html", company=known[cid], documents=documents, failures=failures,
                historical=historical, variants=variants, missing=missing, verdicts=verdicts)


def _variants(session, company_id: str) -> dict[int, str]:
    """The company's language-state documents (a cookie, Accept-Language, a click, a panel), as people
    say the state: the same URL twice in a list must say which is which."""
    return {i: variant_label(v) for i, v in session.execute(
        select(Document.id, Document.variant).where(Document.company_id == company_id, Document.variant != ""))}


def document(request: Request, ctx: WebContext) -> Response:
    with ctx.session() as session:
        doc = by_id(session, Document, request.path_params["document_id"])
        if doc is None:
            return not_found(request, i18n._("no such document"))
        versions = document_versions(session, doc.id)
        effective = {v.id for v in effective_versions(session, doc.id)}
        snapshots = document_snapshots(session, doc.id)
        siblings = list_documents(session, doc.company_id)
        variants = _variants(session, doc.company_id)
        # Old editions fill no coverage row (reports.coverage): nothing to compare them with.
        row = None if doc.historical else row_of_document(session, ctx.cfg, doc.company_id, doc.id)
    in_full = _in_full(row, doc.id)
    languages = [d for d in siblings if d.doc_type == doc.doc_type and d.id != doc.id]
    reached = {s.id: describe_reached(s.variant, s.reached) for s in snapshots}
    failures = [s for s in snapshots if s.outcome == "failed"]
    chart = timeline(versions, snapshots, [lag for p in in_full["pairs"] for lag in p["pair"]["lag"]]
                     if in_full else [])
    neighbours = [(a, b) for a, b in zip(versions, versions[1:], strict=False)]
    return html(request, "document.html", doc=doc, versions=versions, effective=effective, snapshots=snapshots,
                failures=failures, languages=languages, chart=chart, neighbours=neighbours,
                variants=variants, variant=variant_label(doc.variant), reached=reached,
                in_full=in_full, names=language_names(),
                company=next((c for c in ctx.cfg.companies if c.id == doc.company_id), None))


def _in_full(row: dict | None, document_id: int) -> dict | None:
    """The translation checks of the coverage row a document is a language version in, as its page shows
    them: the row's F1a verdict and reasons, and each pair this document is one side of (this side
    first). None when there is nothing to say: no row (an old edition, a type no row expects), or a row
    with no pair and no reason (a company that requires one language, and has it)."""
    if row is None:
        return None
    pairs = []
    for pair in row["translations"]:
        this = next((lang for lang, d in pair["documents"].items() if d == document_id), None)
        if this is None:
            continue
        other = next(lang for lang in pair["languages"] if lang != this)
        pairs.append({
            "this": this, "other": other, "pair": pair, "words": pair_words(pair),
            "other_document": pair["documents"][other],
            "diff": f"/diff?a={pair['versions'][this]}&b={pair['versions'][other]}&translation=1",
            "lacking": [(lang, pair["missing"][lang]["clauses"], i18n.percent(pair["missing"][lang]["share"]))
                        for lang in (this, other) if pair["missing"][lang]["clauses"]],
            "editions": [(kind, stated) for kind, stated in pair["editions"].items() if stated["differ"]],
        })
    if not pairs and not row["f1a_reasons"]:
        return None
    return {"type": row["type"], "f1a": row["f1a"], "reasons": reason_texts(row),
            "pairs": pairs}


def version(request: Request, ctx: WebContext) -> Response:
    with ctx.session() as session:
        v = by_id(session, Version, request.path_params["version_id"])
        if v is None:
            return not_found(request, i18n._("no such version"))
        doc = session.get(Document, v.document_id)
        snap = session.get(Snapshot, v.snapshot_id)
        server = session.get(Snapshot, snap.parent_id) if snap is not None and snap.parent_id else None
        others = document_versions(session, v.document_id)
        translations = list(session.execute(
            select(Document.id, Document.language, func.max(Version.id))
            .join(Version, Version.document_id == Document.id)
            .where(Document.company_id == doc.company_id, Document.doc_type == doc.doc_type,
                   Document.id != doc.id, Document.historical.is_(False))
            .group_by(Document.id, Document.language)))
    index = next(i for i, o in enumerate(others) if o.id == v.id)
    previous = others[index - 1] if index else None
    pdf = bool(snap and snap.sha256 and ctx.blobs.exists(snap.sha256) and
           sniff_kind(ctx.blobs.get(snap.sha256), snap.content_type) == "pdf")
    pages = _page_count(snap.sha256, ctx.blobs) if pdf else 0
    paragraphs = v.text.split("\n")
    clause = _clause(request, paragraphs)
    company = next((c.name for c in ctx.cfg.companies if c.id == doc.company_id), doc.company_id)
    cited = citation(company=company, doc=doc, version=v, snap=snap, base_url=request.app.state.base_url,
                     clause=clause, clause_text=paragraphs[clause - 1].strip() if clause else "")
    return html(request, "version.html", v=v, doc=doc, snap=snap, server=server, previous=previous,
                translations=translations, reached=describe_reached(snap.variant, snap.reached) if snap else "",
                variant=variant_label(doc.variant), pdf=pdf, pdf_pages=min(pages or 0, MAX_PREVIEW_PAGES),
                pdf_more=(pages or 0) > MAX_PREVIEW_PAGES, paragraphs=paragraphs, clause=clause, citation=cited)


def _clause(request: Request, paragraphs: list[str]) -> int | None:
    """``?clause=N``: the N-th paragraph of the version's text (from 1), which the citation quotes;
    BadParameter (a 400 page saying why) for anything but the number of a non-empty paragraph."""
    text = request.query_params.get("clause", "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= len(paragraphs) \
            or not paragraphs[int(text) - 1].strip():
        raise BadParameter(i18n._("clause: {value} is not a paragraph of this version (1 to {count})").format(
            value=text[:20], count=len(paragraphs)))
    return int(text)



@lru_cache(maxsize=512)
def _page_count(sha256: str, blobs: BlobStore) -> int | None:
    """A PDF's page count, read once per file (in the limited child)."""
    return pdf_page_count(blobs.get(sha256))


ROUTES = [
    ("/", overview),
    ("/company/{company_id:str}", company),
    ("/document/{document_id:int}", document),
    ("/version/{version_id:int}", version),
]
