"""Read-side questions about the archive, shared by the recorder, the crawler and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, func, select
from sqlalchemy.orm import Session

from archive.models import Document, Snapshot, Version


@dataclass(frozen=True)
class LastBody:
    """The newest snapshot with bytes at a URL: what a re-crawl compares against."""

    snapshot_id: int
    sha256: str
    headers: dict
    failure: str | None
    failure_detail: str | None
    document_id: int | None
    fetched_at: datetime | None = None


def last_bodies(session: Session) -> dict[tuple[str, str, str], LastBody]:
    """For every URL ever captured with a body, its newest such snapshot, keyed by (final URL, kind,
    variant): a rendered DOM is compared with the last DOM, server bytes with the last server bytes,
    the Kazakh answer of a URL (by cookie, by Accept-Language) with its last Kazakh answer."""
    newest = (
        select(func.max(Snapshot.id))
        .where(Snapshot.sha256.is_not(None))
        .group_by(Snapshot.final_url, Snapshot.kind, Snapshot.variant)
    ).scalar_subquery()
    rows = session.execute(
        select(
            Snapshot.final_url,
            Snapshot.kind,
            Snapshot.variant,
            Snapshot.id,
            Snapshot.sha256,
            Snapshot.headers,
            Snapshot.failure,
            Snapshot.failure_detail,
            Snapshot.document_id,
            Snapshot.fetched_at,
        ).where(Snapshot.id.in_(newest))
    )
    return {
        (url, kind, variant): LastBody(sid, sha, headers or {}, failure, detail, doc_id, fetched)
        for url, kind, variant, sid, sha, headers, failure, detail, doc_id, fetched in rows
    }


@dataclass(frozen=True)
class DocumentRow:
    id: int
    company_id: str
    doc_type: str | None
    language: str | None
    url: str
    title: str | None
    last_captured: datetime
    versions: int
    status: str
    last_failure: str | None
    depth: int | None


def list_documents(session: Session, company_id: str | None = None) -> list[DocumentRow]:
    counts = (
        select(Version.document_id, func.count(Version.id).label("n"))
        .group_by(Version.document_id)
        .subquery()
    )
    query = (
        select(Document, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.document_id == Document.id)
        .order_by(Document.company_id, Document.doc_type, Document.language, Document.url)
    )
    if company_id:
        query = query.where(Document.company_id == company_id)
    return [
        DocumentRow(
            d.id, d.company_id, d.doc_type, d.language, d.url, d.title, d.last_captured, n, d.status,
            d.last_failure, d.depth,
        )
        for d, n in session.execute(query)
    ]


def by_id(session: Session, model, ident: int | str):
    """The row of ``model`` with id ``ident`` (an int, or a string of ASCII digits), or None. An id the
    database's integer column cannot hold (SQLite: 64 bits; PostgreSQL's INTEGER: 32) is no row: asked
    as it is, the driver raises an overflow error instead, which a typo or a probe must not cause."""
    if isinstance(ident, str):
        if not (ident.isascii() and ident.isdigit()):
            return None
        ident = int(ident)
    column = model.__table__.c.id.type
    bits = 32 if session.get_bind().dialect.name == "postgresql" and not isinstance(column, BigInteger) else 64
    if not 0 <= ident < 2 ** (bits - 1):
        return None
    return session.get(model, ident)


def find_document(session: Session, ref: str) -> Document | None:
    """A document by id, or by URL (exact, then the unique URL containing ``ref``). A URL with several
    language states (cookie, Accept-Language, panels: ``documents.variant``) names its plain document."""
    if ref.isascii() and ref.isdigit():
        return by_id(session, Document, ref)
    plain_first = (Document.variant != "", Document.id)
    exact = session.scalars(select(Document).where(Document.url == ref).order_by(*plain_first)).first()
    if exact:
        return exact
    matches = session.scalars(select(Document).where(Document.url.contains(ref)).order_by(*plain_first)).all()
    return matches[0] if len({d.url for d in matches}) == 1 else None


def document_versions(session: Session, document_id: int) -> list[Version]:
    """A document's versions, oldest first: in the order the company published them (``captured_at``),
    a technical re-extraction right after the version it improves on (same time, higher id). Every
    listing of versions uses this order; id order alone would put a late re-extraction of an old
    snapshot after newer texts."""
    return list(session.scalars(
        select(Version).where(Version.document_id == document_id).order_by(Version.captured_at, Version.id)))


def latest_version(session: Session, document_id: int) -> Version | None:
    """The last of ``document_versions``: the newest text, without loading the others."""
    return session.scalars(
        select(Version).where(Version.document_id == document_id)
        .order_by(Version.captured_at.desc(), Version.id.desc()).limit(1)).first()


def document_snapshots(session: Session, document_id: int) -> list[Snapshot]:
    return list(
        session.scalars(select(Snapshot).where(Snapshot.document_id == document_id).order_by(Snapshot.id))
    )
