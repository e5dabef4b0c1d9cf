"""Snapshot → text → version: what the archive does with each capture.

Rules (Open Terms Archive's "snapshot is not version", made cheap for re-crawls):
- the raw bytes of every capture with a body go to the blob store (stored once per hash);
- every capture is one row in ``snapshots``, failed ones too, with the reason;
- bytes identical to the URL's previous snapshot (or a 304) are not extracted again: the
  previous result stands, so an unchanged re-crawl costs one small row per page;
- a document gets a new version only when its normalised text differs from its last version;
- a broken fetch (error status, empty body, error page served with 200, no text) never
  becomes a version;
- an old edition listed in the company's own archive is its own document (its own URL), marked
  ``historical`` with the date the company states, and the snapshot keeps where it was listed:
  its versions are old texts captured now, never the current document. A year stated alone is
  stored as January 1 of it, an edition number as no date; ``listed_on`` keeps what was stated
  ("stated": the words, "precision": day | year | number, "edition": the number).
"""

from __future__ import annotations

import errno
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date

from sqlalchemy import select

from archive.blobs import BlobStore
from archive.changelog import keep_change_summary
from archive.db import Database
from archive.models import Document, Snapshot, Version
from archive.queries import LastBody, last_bodies, latest_version
from archive.records import DOCUMENT, HOME, RENDERED, Capture
from config.editions import StatedDate
from diffing.normalise import text_hash
from extraction.extract import extract
from language.detect import DETECTOR, document_language

log = logging.getLogger(__name__)

# Outcomes a capture can have, as counted in the run summary.
NEW_VERSION = "new_version"
SAME_TEXT = "same_text"  # new bytes, same normalised text (e.g. a changed footer token)
UNCHANGED = "unchanged"  # same bytes as last time, or 304
NEW_PAGE = "new_page"  # a homepage or hub page with new bytes
FAILED = "failed"


def stated_day(stated: date | None) -> date | None:
    """The date to store for what a company states: the day, January 1 of a year, None for a number."""
    if isinstance(stated, StatedDate):
        return stated.plain()
    return stated


def listing(cap: Capture) -> dict | None:
    """``snapshots.listed_on``: where the edition is listed, and what the company states about it."""
    if cap.listed_on is None:
        return None
    stated = cap.stated_date.stated() if isinstance(cap.stated_date, StatedDate) else {}
    return {**asdict(cap.listed_on), **stated}


def storage_full(exc: BaseException) -> bool:
    """Did this write fail because the disk is full (or a quota, a file size limit, a failing disk)?"""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return True
    # SQLite says SQLITE_FULL, or SQLITE_IOERR when a write past the size limit fails; PostgreSQL's
    # server says "could not extend file ... No space left on device". Either way nothing more can
    # be stored safely, and the run stops.
    message = str(exc).lower()
    return any(m in message for m in ("database or disk is full", "disk i/o error", "no space left on device"))


class Recorder:
    """Records captures of one run; one instance per run, used from one thread."""

    def __init__(self, db: Database, blobs: BlobStore, run_id: int, soft_404_phrases: Sequence[str] = ()):
        self.db = db
        self.blobs = blobs
        self.run_id = run_id
        self.soft_404_phrases = tuple(soft_404_phrases)
        self.session = db.session()
        self.last: dict[tuple[str, str, str], LastBody] = last_bodies(self.session)
        self.counts: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.failed_documents: list[dict] = []
        # Set when a write failed for want of space: the run stops, what was committed stays.
        self.storage_full: str | None = None
        self.bytes_stored = 0
        # The text language of each document captured in this run, by (company, URL asked for, variant):
        # the spider reads it from the reactor thread when it decides which languages to probe for
        # (spiders.states). Single writes of a dict are atomic under the GIL; readers copy it.
        self.languages: dict[tuple[str, str, str], str] = {}

    def close(self) -> None:
        self.session.close()

    def record(self, cap: Capture) -> str:
        """Store one capture; return its outcome (one of the constants above)."""
        try:
            outcome = self._record(cap)
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise
        self.counts["pages_fetched"] += 1
        self.counts[outcome] += 1
        if cap.kind == RENDERED:
            self.counts["rendered"] += 1
        return outcome

    # -- internals -------------------------------------------------------------------------

    def _put(self, data: bytes) -> str:
        sha, is_new_blob = self.blobs.put(data)
        if is_new_blob:
            self.bytes_stored += len(data)
        return sha

    def _record(self, cap: Capture) -> str:
        failure, detail = self._fetch_failure(cap)
        previous = self.last.get((cap.final_url, cap.kind, cap.variant))
        sha = None
        if failure is None:
            sha = previous.sha256 if cap.not_modified and previous else self._put(cap.body)
        same_bytes = sha is not None and previous is not None and previous.sha256 == sha
        doc = self._document(cap) if cap.role == DOCUMENT else None
        # A rendering keeps the server's bytes as the browser received them, as their own snapshot.
        parent = self._record_original(cap.original, doc) if cap.original is not None else None
        screenshot = self._put(cap.screenshot) if cap.screenshot else None
        extra = {"parent": parent, "screenshot": screenshot}

        if doc is None:
            if failure:
                return self._failed(cap, None, failure, detail, **extra)
            self._snapshot(cap, None, sha, UNCHANGED if same_bytes else "new", **extra)
            return UNCHANGED if same_bytes else NEW_PAGE

        if failure:
            return self._failed(cap, doc, failure, detail, **extra)
        if same_bytes and previous:
            # Same bytes: extraction would say what it said last time.
            if previous.failure:
                return self._failed(cap, doc, previous.failure, previous.failure_detail, sha, **extra)
            self._snapshot(cap, doc, sha, UNCHANGED, **extra)
            self._mark_available(doc, cap)
            self._seen_language(cap, doc.language)
            return UNCHANGED

        ex = extract(cap.body, cap.headers.get("content-type"), cap.final_url, self.soft_404_phrases)
        if ex.failure:
            return self._failed(cap, doc, ex.failure, ex.detail, sha, **extra)
        snap = self._snapshot(cap, doc, sha, "new", **extra)
        self._mark_available(doc, cap)
        # The version keeps the text as extracted; only the comparison uses the normalised form.
        text = ex.text
        digest = text_hash(text)
        last_version = latest_version(self.session, doc.id)
        if ex.title:
            doc.title = ex.title
        if last_version is not None and last_version.text_sha256 == digest:
            self._seen_language(cap, last_version.language)
            return SAME_TEXT
        detection, shares = document_language(text)
        version = Version(
            document_id=doc.id,
            snapshot_id=snap.id,
            captured_at=cap.fetched_at,
            text=text,
            text_sha256=digest,
            title=ex.title,
            language=detection.language,
            language_confidence=detection.confidence,
            language_shares=shares,
            detector=DETECTOR,
            extractor=ex.extractor,
            encoding=ex.encoding,
            method=ex.method,
        )
        self.session.add(version)
        if last_version is not None:
            # Classify the change now, while both texts are at hand: reports and the UI then read it.
            keep_change_summary(self.session, last_version, version)
        if detection.language != "und":
            doc.language = detection.language
        self._seen_language(cap, detection.language)
        return NEW_VERSION

    def _seen_language(self, cap: Capture, language: str | None) -> None:
        self.languages[(cap.company_id, cap.url, cap.variant)] = language or "und"

    @staticmethod
    def _fetch_failure(cap: Capture) -> tuple[str | None, str | None]:
        if cap.error:
            return cap.error.split(":", 1)[0], cap.error
        if cap.status is not None and cap.status >= 400:
            return f"http_{cap.status}", f"the server answered HTTP {cap.status}"
        if not cap.not_modified and not cap.body.strip():
            return "empty_body", "the server answered with an empty body"
        return None, None

    def _document(self, cap: Capture) -> Document:
        doc = self.session.scalars(
            select(Document).where(Document.company_id == cap.company_id, Document.url == cap.final_url,
                                   Document.variant == cap.variant)
        ).first()
        if doc is None:
            doc = Document(
                company_id=cap.company_id,
                url=cap.final_url,
                variant=cap.variant,
                doc_type=cap.doc_type,
                language=cap.language_hint,
                title=cap.title,
                first_seen=cap.fetched_at,
                last_captured=cap.fetched_at,
                status="available",
                historical=cap.historical,
                stated_date=stated_day(cap.stated_date) if cap.historical else None,
            )
            self.session.add(doc)
            self.session.flush()
        elif cap.doc_type and not doc.doc_type:
            doc.doc_type = cap.doc_type
        # The latest capture says what the URL is now: an edition the company moved to its archive
        # becomes historical; one it links as current again is current.
        doc.historical = cap.historical
        doc.stated_date = stated_day(cap.stated_date) if cap.historical else None
        doc.last_captured = cap.fetched_at
        # The shortest way in is what RDR's "easy to find" asks about; keep the latest one seen.
        if cap.depth is not None or doc.depth is None:
            doc.depth = cap.depth
            doc.link_path = [asdict(link) for link in cap.path]
        return doc

    def _mark_available(self, doc: Document, cap: Capture) -> None:
        doc.status = "available"
        doc.last_failure = None

    def _record_original(self, orig: Capture, doc: Document | None) -> Snapshot:
        """The server's response behind a rendering: stored and compared, never extracted."""
        previous = self.last.get((orig.final_url, orig.kind, orig.variant))
        sha = self._put(orig.body) if orig.body else None
        same = sha is not None and previous is not None and previous.sha256 == sha
        return self._snapshot(orig, doc, sha, UNCHANGED if same else "new")

    def _snapshot(self, cap: Capture, doc: Document | None, sha: str | None, outcome: str,
                  failure: str | None = None, detail: str | None = None, parent: Snapshot | None = None,
                  screenshot: str | None = None) -> Snapshot:
        snap = Snapshot(
            run_id=self.run_id,
            company_id=cap.company_id,
            document_id=doc.id if doc else None,
            role=cap.role,
            url=cap.url,
            final_url=cap.final_url,
            status_code=cap.status,
            headers=cap.headers,
            fetched_at=cap.fetched_at,
            content_type=cap.content_type or None,
            size=len(cap.body) if sha and not cap.not_modified else None,
            sha256=sha,
            depth=cap.depth,
            link_path=[asdict(link) for link in cap.path],
            outcome=outcome,
            failure=failure,
            failure_detail=detail,
            kind=cap.kind,
            parent_id=parent.id if parent else None,
            render_reason=cap.render_reason,
            screenshot_sha256=screenshot,
            blocked=cap.blocked or None,
            language_hint=cap.language_hint,
            alternate_of=cap.alternate_of,
            listed_on=listing(cap),
            variant=cap.variant,
            reached=cap.reached,
            request_headers=cap.request_headers or None,
        )
        self.session.add(snap)
        self.session.flush()
        if sha:
            self.last[(cap.final_url, cap.kind, cap.variant)] = LastBody(
                snap.id, sha, cap.headers, failure, detail, snap.document_id)
        return snap

    def _failed(self, cap: Capture, doc: Document | None, reason: str, detail: str | None,
                sha: str | None = None, parent: Snapshot | None = None, screenshot: str | None = None) -> str:
        self._snapshot(cap, doc, sha, FAILED, reason, detail, parent, screenshot)
        self.failures[reason] += 1
        if doc is not None:
            doc.status = "unavailable"
            doc.last_failure = f"{reason}: {detail}" if detail else reason
        if doc is not None or cap.role == HOME:
            self.failed_documents.append({"company": cap.company_id, "url": cap.url, "reason": reason,
                                          "detail": detail})
        log.warning("failed %s %s: %s", cap.company_id, cap.url, detail or reason)
        return FAILED
