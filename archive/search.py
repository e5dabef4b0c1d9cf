"""Full-text search over versions' text: SQLite FTS5 (migration 0005), PostgreSQL's text search
(migration 0007: a GIN index, the 'simple' configuration, words as prefixes), ILIKE elsewhere.

A hit carries its passage as plain-text pieces ``(text, marked)``: nothing here is HTML, so the page
that shows it escapes every piece and marks the matched words itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from archive.models import Document, Version

# Marks FTS5 puts around matched words; control characters no extracted text keeps (see _clean).
_START, _END = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTEXT = 120
# The expression migration 0007 indexes on PostgreSQL, repeated exactly so the index serves the query.
_PG_DOCUMENT = "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || text)"


@dataclass(frozen=True)
class Hit:
    version_id: int
    document_id: int
    company_id: str
    doc_type: str | None
    language: str | None
    url: str
    title: str | None
    captured_at: datetime
    passage: tuple[tuple[str, bool], ...]


def _clean(value: str) -> str:
    return value.replace(_START, "").replace(_END, "")


def _fts_query(query: str) -> str | None:
    """Each word of the query as a quoted prefix term ("данн"* finds данные, данных): FTS5 syntax in
    the query is never interpreted, so a stray quote or NEAR cannot break or widen the search."""
    words = _WORD.findall(query)
    return " ".join(f'"{w}"*' for w in words[:12]) or None


def _pieces(snippet: str) -> tuple[tuple[str, bool], ...]:
    pieces: list[tuple[str, bool]] = []
    for i, part in enumerate(re.split(f"[{_START}{_END}]", snippet)):
        if part:
            pieces.append((part, i % 2 == 1))
    return tuple(pieces)


def _has_fts(session: Session) -> bool:
    if session.get_bind().dialect.name != "sqlite":
        return False
    return session.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'versions_fts'")).first() is not None


def search(session: Session, query: str, limit: int = 50) -> list[Hit]:
    """Versions whose text or title matches every word of ``query`` (as word prefixes), best first."""
    if not query.strip():
        return []
    if _has_fts(session):
        match = _fts_query(query)
        if match is None:
            return []
        rows = session.execute(text(
            "SELECT rowid, snippet(versions_fts, 0, :start, :end, '…', 24) FROM versions_fts "
            "WHERE versions_fts MATCH :match ORDER BY rank LIMIT :limit"),
            {"start": _START, "end": _END, "match": match, "limit": limit}).all()
        passages = {rowid: _pieces(snippet or "") for rowid, snippet in rows}
        order = [rowid for rowid, _ in rows]
    elif session.get_bind().dialect.name == "postgresql":
        words = _WORD.findall(query)[:12]
        if not words:
            return []
        # Each word a quoted prefix lexeme ('данн':*): the query's own operators are never interpreted.
        tsquery = " & ".join("'" + w.lower().replace("'", "") + "':*" for w in words)
        rows = session.execute(text(
            f"SELECT id, ts_headline('simple', text, q, :options) FROM versions, to_tsquery('simple', :q) AS q "
            f"WHERE {_PG_DOCUMENT} @@ q ORDER BY ts_rank({_PG_DOCUMENT}, q) DESC, id DESC LIMIT :limit"),
            {"q": tsquery, "limit": limit,
             "options": f"StartSel={_START}, StopSel={_END}, MaxWords=35, MinWords=15, MaxFragments=1"}).all()
        passages = {vid: _pieces(snippet or "") for vid, snippet in rows}
        order = [vid for vid, _ in rows]
    else:
        words = _WORD.findall(query)[:12]
        if not words:
            return []
        found = select(Version.id, Version.text).where(*[Version.text.ilike(f"%{w}%") for w in words])
        rows = session.execute(found.order_by(Version.id.desc()).limit(limit)).all()
        passages = {vid: _passage(body, words) for vid, body in rows}
        order = [vid for vid, _ in rows]
    if not order:
        return []
    found_versions = session.execute(
        select(Version.id, Version.captured_at, Version.title, Version.language, Document)
        .join(Document, Document.id == Version.document_id).where(Version.id.in_(order))).all()
    by_id = {row[0]: row for row in found_versions}
    hits = []
    for vid in order:
        if vid not in by_id:
            continue
        _, captured_at, title, language, doc = by_id[vid]
        hits.append(Hit(vid, doc.id, doc.company_id, doc.doc_type, language or doc.language, doc.url,
                        _clean(title or doc.title or ""), captured_at,
                        tuple((_clean(t), m) for t, m in passages[vid])))
    return hits


def _passage(body: str, words: list[str]) -> tuple[tuple[str, bool], ...]:
    """The fallback's passage: the text around the first word found, that word marked."""
    lower = body.lower()
    at = min((i for w in words if (i := lower.find(w.lower())) >= 0), default=0)
    word = next((w for w in words if lower.find(w.lower()) == at), "")
    start = max(0, at - _CONTEXT)
    end = at + len(word)
    return tuple(p for p in ((("…" if start else "") + body[start:at], False), (body[at:end], True),
                             (body[end:end + _CONTEXT] + "…", False)) if p[0])
