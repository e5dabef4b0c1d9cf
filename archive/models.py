"""The archive's tables (SQLAlchemy 2). Alembic migrations in ``archive/migrations`` create them.

- ``runs``: one crawl each, with its summary.
- ``snapshots``: every observation of a URL: raw bytes by hash, HTTP metadata, how the crawl got
  there (depth, link path), and what came of it (new, unchanged, failed with a reason).
  Never updated after insert.
- ``documents``: one company's policy document at one URL, with its type and language; an old
  edition listed in the company's own archive is its own document, marked ``historical``.
- ``versions``: a document's extracted text, only when its normalised text changed; each names
  the snapshot it came from.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # running | completed | aborted (killed, found by the next run)
    status: Mapped[str] = mapped_column(String(16), default="running")
    exit_code: Mapped[int | None] = mapped_column(Integer)
    campaign: Mapped[str | None] = mapped_column(String(64))
    pid: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[dict | None] = mapped_column(JSON)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("company_id", "url", "variant", name="uq_documents_company_url_variant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[str] = mapped_column(String(64), index=True)
    url: Mapped[str] = mapped_column(Text)
    doc_type: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    title: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(DateTime)
    last_captured: Mapped[datetime] = mapped_column(DateTime)
    # available | unavailable (the last observation failed; last_failure says why)
    status: Mapped[str] = mapped_column(String(16), default="available")
    last_failure: Mapped[str | None] = mapped_column(Text)
    depth: Mapped[int | None] = mapped_column(Integer)
    link_path: Mapped[list | None] = mapped_column(JSON)
    # An old edition the company lists in its own archive (RDR F2a.4 / P2a.4): captured now, stated
    # for the past, so never the current document; stated_date is the date the company gives it.
    # Set from the document's latest capture (an edition moved to the archive becomes historical).
    historical: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    stated_date: Mapped[date | None] = mapped_column(Date)
    # What, beside the URL, selects this version (records.Capture.variant): "" for the URL alone,
    # "cookie:lang=kk", "accept-language:kk", "click:Қаз", "panel:<key>".
    variant: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_url_id", "url", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    company_id: Mapped[str] = mapped_column(String(64), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[dict | None] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(DateTime)
    content_type: Mapped[str | None] = mapped_column(String(128))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    depth: Mapped[int | None] = mapped_column(Integer)
    link_path: Mapped[list | None] = mapped_column(JSON)
    # new (bytes not seen before at this URL) | unchanged (same bytes, or 304) | failed
    outcome: Mapped[str] = mapped_column(String(16))
    failure: Mapped[str | None] = mapped_column(String(64))
    failure_detail: Mapped[str | None] = mapped_column(Text)
    # server: the bytes as the server sent them; rendered: the DOM a browser built from them
    kind: Mapped[str] = mapped_column(String(16), default="server")
    # For a rendered snapshot: the server snapshot the browser received, and why it was rendered.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("snapshots.id", name="fk_snapshots_parent_id"))
    render_reason: Mapped[str | None] = mapped_column(String(64))
    # A full-page PNG of what the browser showed (rendered snapshots of documents).
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64))
    # Requests the page made that the address guard refused: [{"url", "reason"}].
    blocked: Mapped[list | None] = mapped_column(JSON)
    # The language the link claimed (hreflang, switcher label, URL marker), and the page whose
    # language switcher or hreflang led here: what pairs language versions of one document.
    language_hint: Mapped[str | None] = mapped_column(String(8))
    alternate_of: Mapped[str | None] = mapped_column(Text)
    # For a historical edition: where the company lists it, {"url", "kind": page|section|link, "text"}.
    # none_as_null: SQL NULL, not JSON null, so "listed somewhere" is a plain IS NOT NULL.
    listed_on: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # The language state the capture was made in (records.Capture.variant / reached / request_headers).
    variant: Mapped[str] = mapped_column(String(200), default="", server_default="")
    reached: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    request_headers: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class Version(Base):
    __tablename__ = "versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id"))
    captured_at: Mapped[datetime] = mapped_column(DateTime)
    text: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    language_confidence: Mapped[float | None] = mapped_column(Float)
    language_shares: Mapped[dict | None] = mapped_column(JSON)
    detector: Mapped[str | None] = mapped_column(String(64))
    extractor: Mapped[str | None] = mapped_column(String(64))
    encoding: Mapped[str | None] = mapped_column(String(32))
    # text: the document's own text layer; ocr: recognised from page images (a scanned PDF)
    method: Mapped[str] = mapped_column(String(16), default="text", server_default="text")
    # technical: re-derived from an old snapshot by better extraction, not a company's change
    technical: Mapped[bool] = mapped_column(Boolean, default=False)


class TextChange(Base):
    """What changed between two texts (by their hashes), as the differ ``differ`` classified it:
    ``kind`` substantive | cosmetic, and ``summary`` the added and removed passages a report lists."""

    __tablename__ = "text_changes"

    old_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    new_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    differ: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    summary: Mapped[dict] = mapped_column(JSON)


class TranslationCheck(Base):
    """Two language versions' texts (by their hashes) paired clause by clause, as the checker
    ``checker`` found them (``diffing.align_translations``): ``result`` holds what the report needs
    (comparable or why not, the clauses each lacks and the share of the other's text they hold,
    numbers that disagree in paired clauses, stated editions). Any two texts, any versions."""

    __tablename__ = "translation_checks"

    a_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    b_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    checker: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict] = mapped_column(JSON)
