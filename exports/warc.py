"""WARC 1.1 export: the archive as one standard web-archive file that replay tools open.

Layout, per snapshot in ``fetched_at`` order (each choice is explained where it is made):

- a server response with a body: ``response`` (status line, stored headers made consistent with the
  stored body, the raw bytes) and a ``request`` reconstructed from what we know (GET, Host, and the
  request headers the capture recorded: User-Agent, Accept-Language, the Cookie of a language state,
  so a replay asks for the same language; the export's User-Agent where none was recorded), paired by
  WARC-Concurrent-To;
- the same bytes again (an ``unchanged`` re-capture, or identical bytes anywhere earlier in the file):
  a ``revisit`` (identical-payload-digest) pointing at the response that holds them; a 304 answer:
  a ``revisit`` (server-not-modified) with the 304's own headers;
- a rendering: the DOM as a ``resource`` at ``urn:dom:<url>`` and the full-page PNG as a
  ``resource`` at ``urn:fullPage:<url>``, the DOM referring to the server response it was built from;
- a document version: its extracted text as a ``resource`` at ``urn:text:<url>`` (from server
  bytes) or ``urn:textFinal:<url>`` (from a rendered DOM), referring to its snapshot;
- every observation, failed ones included: a ``metadata`` record (JSON) at
  ``urn:policy-archive:capture:<url>`` with how we got there and what came of it.

Record ids derive from snapshot and version ids: every export names a record the same way, so a
reference to a capture left out by ``--since`` resolves in a full export. Digests are SHA-256.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from importlib import metadata
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from archive.blobs import BlobStore
from archive.models import Document, Snapshot, Version
from archive.times import iso_utc, when_text
from config.model import CrawlSettings

DEFAULT_USER_AGENT: str = CrawlSettings.model_fields["user_agent"].default
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Fixed, so that record ids are the same in every export (uuid5 of this and the snapshot's identity).
_RECORD_NS = uuid.UUID("6f1d3c1e-5a51-4d3e-9a57-0c5a1e2b7d40")
# Headers that describe the bytes on the wire, not the (decoded) bytes we stored: replay tools would
# try to un-gzip or de-chunk our body. Kept under pywb's "original header" prefix.
_WIRE_HEADERS = ("content-encoding", "transfer-encoding")
_ORIG_PREFIX = "x-archive-orig-"
_FIRST_FIELDS = {name: i for i, name in enumerate(("WARC-Type", "WARC-Record-ID", "WARC-Date", "WARC-Target-URI"))}


class ExportError(Exception):
    """The export cannot be trusted (a blob does not hash to its name); the message says which."""


def software_version() -> str:
    try:
        return metadata.version("policy-archive")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "unknown"


def payload_digest(sha256_hex: str) -> str:
    """The WARC labelled digest of bytes whose SHA-256 is ``sha256_hex`` (base32, as warcio writes)."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def record_id(*parts: object) -> str:
    return f"<urn:uuid:{uuid.uuid5(_RECORD_NS, '/'.join(map(str, parts)))}>"


def http_record_id(snap: Snapshot) -> str:
    """The id of a server snapshot's response or revisit (the record its rendering refers to)."""
    return record_id("snapshot", snap.id, "http", snap.sha256, snap.fetched_at.isoformat())


def _warc_date(dt: datetime) -> str:
    return datetime_to_iso_date(dt, use_micros=True)


@dataclass(frozen=True)
class Selection:
    """Which snapshots to export: one company's, and/or those fetched in [since, until]."""

    company: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> Select:
        query = select(Snapshot)
        if self.company:
            query = query.where(Snapshot.company_id == self.company)
        if self.since:
            query = query.where(Snapshot.fetched_at >= self.since)
        if self.until:
            query = query.where(Snapshot.fetched_at <= self.until)
        return query

    def describe(self) -> str:
        parts = [f"company={self.company or 'all'}"]
        parts.append(f"since={when_text(self.since)}" if self.since else "since=first capture")
        parts.append(f"until={when_text(self.until)}" if self.until else "until=last capture")
        return ", ".join(parts)


def count_snapshots(session: Session, selection: Selection) -> int:
    return session.scalar(select(func.count()).select_from(selection.query().subquery())) or 0


class _Sha256WARCWriter(WARCWriter):
    # warcio (1.7, 1.8) hard-codes SHA-1 here and has no option for it. Our blobs are named by
    # SHA-256, so with SHA-256 digests a response's WARC-Payload-Digest *is* the snapshot's hash.
    # tests/test_warc.py checks the digests, so a warcio that changes this hook fails loudly.
    @staticmethod
    def _create_digester():
        return Digester("sha256")


def export_warc_file(path: Path, session: Session, blobs: BlobStore, selection: Selection,
                     user_agent: str = DEFAULT_USER_AGENT) -> Counter[str]:
    """Write the selection to ``path`` (gzip WARC); return counts by record type plus "snapshots".

    Written to a temporary file and renamed, so a failed export never leaves a truncated WARC.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("wb") as out:
            counts = export_warc(out, session, blobs, selection, user_agent, path.name)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return counts


def export_warc(out: BinaryIO, session: Session, blobs: BlobStore, selection: Selection,
                user_agent: str = DEFAULT_USER_AGENT, filename: str = "policy-exports.warc.gz") -> Counter[str]:
    writer = _Sha256WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    writer.write_record(writer.create_warcinfo_record(filename, {
        "software": f"policy-archive/{software_version()}",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": "Public policy documents of companies, archived for the Digital Rights Rating "
                       f"(Kazakhstan). Selection: {selection.describe()}.",
        "http-header-user-agent": user_agent,
        "request-records": "reconstructed: GET, the URL, Host, and the request headers the capture "
                           "recorded (User-Agent, Accept-Language, Cookie of a language state); a capture "
                           "made before they were recorded gets only the User-Agent above (the configured "
                           "one at export time, not necessarily the one used then)",
        "response-headers": "as received, except Content-Encoding and Transfer-Encoding (renamed "
                            "X-Archive-Orig-*: the stored body is already decoded) and Content-Length "
                            "(set to the stored body's length)",
    }))
    exporter = _Exporter(writer, session, blobs, user_agent)
    # yield_per streams rows from the database; the only state kept is one entry per distinct body.
    rows = session.scalars(selection.query().order_by(Snapshot.fetched_at, Snapshot.id).execution_options(
        yield_per=200))
    for snap in rows:
        exporter.snapshot(snap)
    exporter.counts["warcinfo"] += 1
    return exporter.counts


class _Exporter:
    def __init__(self, writer: WARCWriter, session: Session, blobs: BlobStore, user_agent: str):
        self.writer = writer
        self.session = session
        self.blobs = blobs
        self.user_agent = user_agent
        self.counts: Counter[str] = Counter()
        # (family, sha256) -> (target URI, WARC-Date, record id) of the record holding those bytes,
        # so later copies become revisits. One small entry per distinct body, not per snapshot.
        self.written: dict[tuple[str, str], tuple[str, str, str]] = {}
        self.doc_types: dict[int, str | None] = {}

    def snapshot(self, snap: Snapshot) -> None:
        self.counts["snapshots"] += 1
        main = self._rendered(snap) if snap.kind == "rendered" else self._server(snap)
        self._metadata(snap, main)
        if main and snap.document_id is not None:
            self._versions(snap, main)

    # -- server snapshots ------------------------------------------------------------------

    def _server(self, snap: Snapshot) -> str | None:
        if not snap.sha256 or snap.status_code is None:
            return None  # nothing arrived (or nothing kept): the metadata record says why
        uri, date, rid = snap.final_url, _warc_date(snap.fetched_at), http_record_id(snap)
        extra = {"WARC-Record-ID": rid, "WARC-Date": date, "Policy-Archive-Snapshot-Id": str(snap.id)}
        if snap.status_code == 304:
            record = self._not_modified(snap, extra)
        else:
            record = self._body_record("http", snap.sha256, uri, date, extra, lambda length: http_response(
                snap.status_code, snap.headers or {}, length), size=snap.size)
        self._write(record)
        recorded = snap.request_headers or {}
        self._write(self.writer.create_warc_record(uri, "request", http_headers=http_request(
            uri, self.user_agent, recorded), warc_headers_dict={
            "WARC-Record-ID": record_id("snapshot", snap.id, "request"), "WARC-Date": date,
            "WARC-Concurrent-To": rid, "Policy-Archive-Reconstructed":
                "GET, Host, recorded request headers" if recorded else "GET, Host, User-Agent only"}))
        return rid

    def _not_modified(self, snap: Snapshot, extra: dict[str, str]):
        # The server answered 304: the body is the one it had sent before. WARC's server-not-modified
        # profile records exactly that; the response it confirms is named even when it is outside
        # this file (ids and dates come from the database). The block stays empty: with the 304's
        # headers in it, pywb replays "304 Not Modified" with no body at this date; empty, it
        # replays the confirmed bytes. The 304's headers are in the metadata record.
        assert snap.sha256
        known = self.written.get(("http", snap.sha256))
        if known is None:
            first = self.session.scalars(
                select(Snapshot).where(Snapshot.sha256 == snap.sha256, Snapshot.kind == snap.kind,
                                       Snapshot.status_code != 304)
                .order_by(Snapshot.fetched_at, Snapshot.id).limit(1)).first()
            if first is not None:
                known = (first.final_url, _warc_date(first.fetched_at), http_record_id(first))
        record = self.writer.create_warc_record(snap.final_url, "revisit", warc_headers_dict=extra)
        record.content_type = None  # an empty block has no type
        record.rec_headers.add_header("WARC-Profile", SERVER_NOT_MODIFIED)
        if known:
            uri, date, rid = known
            record.rec_headers.add_header("WARC-Refers-To-Target-URI", uri)
            record.rec_headers.add_header("WARC-Refers-To-Date", date)
            record.rec_headers.add_header("WARC-Refers-To", rid)
        return record

    # -- rendered snapshots ----------------------------------------------------------------

    def _rendered(self, snap: Snapshot) -> str | None:
        # The DOM and screenshot are not HTTP responses, so they are resources under urn: names
        # (the browsertrix-crawler / Webrecorder convention: urn:<kind>:<page url>). Writing the DOM
        # as a record at the page's own URL would make replay tools serve it in place of the bytes
        # the server sent, which is exactly what an archive of evidence must keep apart.
        date = _warc_date(snap.fetched_at)
        parent = self.session.get(Snapshot, snap.parent_id) if snap.parent_id else None
        main = None
        if snap.sha256:
            main = record_id("snapshot", snap.id, "dom", snap.sha256)
            extra = {"WARC-Record-ID": main, "WARC-Date": date, "Policy-Archive-Snapshot-Id": str(snap.id)}
            if parent is not None and parent.sha256:
                extra["WARC-Refers-To"] = http_record_id(parent)
            content_type = (snap.headers or {}).get("content-type") or "text/html; charset=utf-8"
            self._write(self._body_record("dom", snap.sha256, f"urn:dom:{snap.final_url}", date, extra,
                                          content_type=content_type))
        if snap.screenshot_sha256:
            extra = {"WARC-Record-ID": record_id("snapshot", snap.id, "screenshot", snap.screenshot_sha256),
                     "WARC-Date": date, "Policy-Archive-Snapshot-Id": str(snap.id)}
            if main:
                extra["WARC-Concurrent-To"] = main
            self._write(self._body_record("png", snap.screenshot_sha256, f"urn:fullPage:{snap.final_url}",
                                          date, extra, content_type="image/png"))
        return main

    # -- records shared by both kinds ------------------------------------------------------

    def _body_record(self, family: str, sha: str, uri: str, date: str, extra: dict[str, str],
                     http=None, content_type: str | None = None, size: int | None = None):
        """A response/resource holding the blob, or a revisit if the file already holds those bytes."""
        known = self.written.get((family, sha))
        if known is not None:
            ref_uri, ref_date, ref_id = known
            headers = http(size) if http else None
            record = self.writer.create_revisit_record(uri, payload_digest(sha), ref_uri, ref_date,
                                                       http_headers=headers, warc_headers_dict=extra)
            record.rec_headers.add_header("WARC-Refers-To", ref_id)
            return record
        body = self.blobs.get(sha)  # one blob in memory at a time
        if http:
            record = self.writer.create_warc_record(uri, "response", payload=BytesIO(body), length=len(body),
                                                    http_headers=http(len(body)), warc_headers_dict=extra)
        else:
            record = self.writer.create_warc_record(uri, "resource", payload=BytesIO(body), length=len(body),
                                                    warc_content_type=content_type, warc_headers_dict=extra)
        if record.rec_headers.get_header("WARC-Payload-Digest") != payload_digest(sha):
            raise ExportError(f"blob {sha} does not hash to its name: the blob store is damaged "
                              f"({self.blobs.path(sha)}); restore it from a backup before exporting")
        self.written[(family, sha)] = (uri, date, extra["WARC-Record-ID"])
        return record

    def _metadata(self, snap: Snapshot, main: str | None) -> None:
        info = capture_context(snap, self._doc_type(snap.document_id))
        data = json.dumps(info, ensure_ascii=False, indent=1).encode("utf-8")
        extra = {"WARC-Record-ID": record_id("snapshot", snap.id, "metadata"),
                 "WARC-Date": _warc_date(snap.fetched_at), "Policy-Archive-Snapshot-Id": str(snap.id)}
        if main:
            extra["WARC-Concurrent-To"] = main
        # A urn: target, not the page URL: pywb indexes JSON metadata records under their target URI
        # (only application/warc-fields ones are skipped) and could then serve this JSON as the page.
        self._write(self.writer.create_warc_record(
            f"urn:policy-archive:capture:{snap.final_url}", "metadata", payload=BytesIO(data),
            length=len(data), warc_content_type="application/json", warc_headers_dict=extra))

    def _versions(self, snap: Snapshot, refers_to: str) -> None:
        # browsertrix-crawler names page text urn:text:<url> (from the server's HTML) and
        # urn:textFinal:<url> (from the final DOM); tools that read its text records read ours.
        prefix = "urn:textFinal:" if snap.kind == "rendered" else "urn:text:"
        for version in self.session.scalars(
                select(Version).where(Version.snapshot_id == snap.id).order_by(Version.id)):
            data = version.text.encode("utf-8")
            extra = {
                "WARC-Record-ID": record_id("version", version.id, version.text_sha256),
                "WARC-Date": _warc_date(snap.fetched_at), "WARC-Refers-To": refers_to,
                "Policy-Archive-Snapshot-Id": str(snap.id), "Policy-Archive-Version-Id": str(version.id),
                "Policy-Archive-Document-Id": str(version.document_id),
                "Policy-Archive-Extractor": version.extractor or "unknown", "Policy-Archive-Method": version.method,
                "Policy-Archive-Language": version.language or "und", "Policy-Archive-Detector": version.detector
                or "unknown", "Policy-Archive-Technical": "yes" if version.technical else "no",
            }
            self._write(self.writer.create_warc_record(
                prefix + snap.final_url, "resource", payload=BytesIO(data), length=len(data),
                warc_content_type="text/plain; charset=utf-8", warc_headers_dict=extra))

    def _doc_type(self, document_id: int | None) -> str | None:
        if document_id is not None and document_id not in self.doc_types:
            self.doc_types[document_id] = self.session.scalar(
                select(Document.doc_type).where(Document.id == document_id))
        return self.doc_types.get(document_id) if document_id is not None else None

    def _write(self, record) -> None:
        # warcio appends WARC-Type and WARC-Target-URI after the fields we pass; people reading a
        # record expect them first, as in the WARC specification's examples.
        record.rec_headers.headers.sort(key=lambda h: _FIRST_FIELDS.get(h[0], len(_FIRST_FIELDS)))
        self.writer.write_record(record)
        self.counts[record.rec_type] += 1


def capture_context(snap: Snapshot, doc_type: str | None) -> dict:
    """What one observation was and how the crawl got there, as stored (JSON-ready)."""
    info = {
        "snapshot_id": snap.id, "run_id": snap.run_id, "company_id": snap.company_id,
        "document_id": snap.document_id, "doc_type": doc_type, "role": snap.role, "kind": snap.kind,
        "url": snap.url, "final_url": snap.final_url, "fetched_at": iso_utc(snap.fetched_at),
        "http_status": snap.status_code, "outcome": snap.outcome, "failure": snap.failure,
        "failure_detail": snap.failure_detail, "content_type": snap.content_type, "size": snap.size,
        "sha256": snap.sha256, "click_depth": snap.depth, "link_path": snap.link_path or [],
        # The language state and how it was reached (issue 13); empty for captures made before.
        "variant": snap.variant or "", "reached": snap.reached, "request_headers": snap.request_headers or {},
    }
    if (snap.outcome == "failed" and not snap.sha256) or snap.status_code == 304:
        info["http_headers"] = snap.headers or {}  # no response or revisit record carries them
    if snap.kind == "rendered":
        info.update({"parent_snapshot_id": snap.parent_id, "render_reason": snap.render_reason,
                     "screenshot_sha256": snap.screenshot_sha256, "blocked_requests": snap.blocked or []})
    return info


def http_response(status: int, headers: dict[str, str], length: int | None) -> StatusAndHeaders:
    """The stored response's status line and headers, consistent with the stored (decoded) body
    of ``length`` bytes (None: unknown; Content-Length is then left as sent)."""
    out: list[tuple[str, str]] = []
    for name, value in headers.items():
        value, lower = " ".join(str(value).splitlines()), name.lower()
        if lower == "content-length" and length is not None:
            if value != str(length):  # the length on the wire (compressed), not of what we stored
                out.append((_ORIG_PREFIX + lower, value))
        elif lower in _WIRE_HEADERS:
            out.append((_ORIG_PREFIX + lower, value))
        else:
            out.append((lower, value))
    if length is not None:
        out.append(("content-length", str(length)))
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # a status Python does not name (e.g. 499): the number is what matters
        reason = "Unknown"
    return StatusAndHeaders(f"{status} {reason}", out, protocol="HTTP/1.1")


def http_request(url: str, user_agent: str, recorded: dict[str, str] | None = None) -> StatusAndHeaders:
    """The request line and headers: Host from the URL, then the headers the capture recorded (the
    language state's Cookie and Accept-Language among them), ``user_agent`` when it recorded none."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc.rsplit("@", 1)[-1]
    headers = [("Host", host)]
    # One line each: a stored value with a line break must not forge a header of its own.
    kept = [(str(name), " ".join(str(value).splitlines())) for name, value in (recorded or {}).items()
            if str(name).lower() != "host" and str(name).strip() and not any(c in str(name) for c in ":\r\n ")]
    if not any(name.lower() == "user-agent" for name, _ in kept):
        headers.append(("User-Agent", user_agent))
    return StatusAndHeaders(f"GET {target} HTTP/1.1", headers + kept, is_http_request=True)

