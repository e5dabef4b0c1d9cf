"""A document's history: the version in force at a date, the version a campaign assessed, and
re-extraction of stored snapshots when extraction improves.

Re-extracted texts become *technical* versions (Open Terms Archive's word): they name the same
snapshot as the version they improve on, and reports never present them as a company's change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from archive.blobs import BlobStore
from archive.changelog import effective
from archive.models import Document, Snapshot, Version
from archive.queries import document_versions
from config import Campaign
from diffing.normalise import text_hash
from extraction.extract import extract
from language.detect import DETECTOR, document_language

# Extraction failures that a better extractor may overcome (not the server's fault).
REEXTRACTABLE = frozenset({"no_text", "not_text", "scanned", "pdf_error", "pdf_timeout", "pdf_too_large",
                           "docx_error", "docx_timeout", "docx_too_large", "unsupported_type", "soft_404"})


def effective_versions(session: Session, document_id: int) -> list[Version]:
    """The history as the best extraction reads it: per snapshot its newest text (a technical
    version replaces the one it improves on), without consecutive repeats. Neighbours in this
    list that differ are a company's change; a re-extraction never is. Texts load when read."""
    return effective(list(session.scalars(
        select(Version).options(defer(Version.text)).where(Version.document_id == document_id))))


def version_at(session: Session, document_id: int, moment: datetime) -> Version | None:
    """The version in force at ``moment``: the newest captured at or before it."""
    return session.scalars(
        select(Version)
        .where(Version.document_id == document_id, Version.captured_at <= moment)
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(1)
    ).first()


def campaign_end(campaign: Campaign) -> datetime:
    return datetime.combine(campaign.end + timedelta(days=1), time.min)


def assessed_version(session: Session, document_id: int, campaign: Campaign) -> Version | None:
    """The version a campaign assessed: the last good version captured inside its window."""
    start = datetime.combine(campaign.start, time.min)
    version = session.scalars(
        select(Version)
        .where(Version.document_id == document_id, Version.captured_at >= start,
               Version.captured_at < campaign_end(campaign))
        .order_by(Version.captured_at.desc(), Version.id.desc())
        .limit(1)
    ).first()
    if version is not None:
        return version
    # Unchanged all through the window: the version in force is older, and was seen again inside it.
    seen = session.scalars(
        select(Snapshot.id).where(Snapshot.document_id == document_id, Snapshot.outcome != "failed",
                                  Snapshot.fetched_at >= start, Snapshot.fetched_at < campaign_end(campaign))
        .limit(1)
    ).first()
    return version_at(session, document_id, start) if seen else None


@dataclass
class Reextraction:
    documents: int = 0
    snapshots: int = 0
    technical_versions: int = 0
    unchanged: int = 0
    still_failing: int = 0


def _sources(session: Session, document_id: int) -> Iterator[Snapshot]:
    """Each snapshot that produced a version, and each whose extraction found nothing usable."""
    produced = set(session.scalars(select(Version.snapshot_id).where(Version.document_id == document_id)))
    for snap in session.scalars(select(Snapshot).where(Snapshot.document_id == document_id,
                                                       Snapshot.sha256.is_not(None)).order_by(Snapshot.id)):
        if snap.id in produced or (snap.outcome == "failed" and snap.failure in REEXTRACTABLE):
            yield snap


def reextract(session: Session, blobs: BlobStore, soft_404_phrases: tuple[str, ...] = (),
              company_id: str | None = None) -> Reextraction:
    """Extract every version's snapshot again; a different text becomes a technical version."""
    stats = Reextraction()
    query = select(Document.id).order_by(Document.id)
    if company_id:
        query = query.where(Document.company_id == company_id)
    for document_id in list(session.scalars(query)):
        stats.documents += 1
        latest_text: dict[int, str] = {}  # snapshot id -> text hash of the newest version from it
        for version in document_versions(session, document_id):
            latest_text[version.snapshot_id] = version.text_sha256
        for snap in list(_sources(session, document_id)):
            stats.snapshots += 1
            ex = extract(blobs.get(snap.sha256), (snap.headers or {}).get("content-type"), snap.final_url,
                         soft_404_phrases)
            if ex.failure:
                stats.still_failing += 1
                continue
            digest = text_hash(ex.text)
            if latest_text.get(snap.id) == digest:
                stats.unchanged += 1
                continue
            detection, shares = document_language(ex.text)
            session.add(Version(
                document_id=document_id, snapshot_id=snap.id, captured_at=snap.fetched_at, text=ex.text,
                text_sha256=digest, title=ex.title, language=detection.language,
                language_confidence=detection.confidence, language_shares=shares, detector=DETECTOR,
                extractor=ex.extractor, encoding=ex.encoding, method=ex.method, technical=True,
            ))
            latest_text[snap.id] = digest
            stats.technical_versions += 1
        session.commit()
    return stats
