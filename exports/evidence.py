"""Dispute packages: one document as it stood at a date, in a zip anyone can check with ``sha256sum``.

The package holds the last good capture at or before the date: the bytes exactly as the server sent
them, the rendered DOM and screenshot when a browser was needed, the extracted text in force then,
``metadata.json`` (where, when, how found, by which run and tools), a README in Russian and English,
and ``MANIFEST.sha256``. The zip is deterministic (fixed order, timestamps = the capture's time, no
"generated at"), so the same evidence built twice is the same file, byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from archive.blobs import BlobStore
from archive.history import version_at
from archive.models import Document, Snapshot, Version
from archive.queries import document_snapshots, find_document
from archive.runs import now
from archive.times import iso_utc, when_text
from exports.warc import software_version

GOOD = ("new", "unchanged")
_EXTENSIONS = {
    "text/html": ".html", "application/xhtml+xml": ".xhtml", "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/msword": ".doc", "application/vnd.oasis.opendocument.text": ".odt",
    "application/rtf": ".rtf", "text/rtf": ".rtf", "text/plain": ".txt",
}


class EvidenceError(Exception):
    """No package can be made (unknown document, nothing captured by then); the message says why."""


@dataclass
class Package:
    folder: str  # the zip's single top-level folder
    files: list[tuple[str, bytes]]  # in zip order; MANIFEST.sha256 last
    timestamp: datetime  # the capture's time, used for every zip entry
    document_id: int
    snapshot_id: int
    version_id: int


def extension(content_type: str | None, url: str) -> str:
    """A file extension for a capture: from its content type, else its URL, else ``.bin``."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype in _EXTENSIONS:
        return _EXTENSIONS[ctype]
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix in _EXTENSIONS.values():
        return suffix  # e.g. a PDF served as application/octet-stream
    return (mimetypes.guess_extension(ctype) if ctype else None) or ".bin"


def build_evidence(session: Session, blobs: BlobStore, ref: str, at: datetime | None = None,
                   company_names: Mapping[str, str] | None = None) -> Package:
    """The package for document ``ref`` (id or URL) as it stood at ``at`` (naive UTC; None: now).

    Raises EvidenceError when the document is unknown or had no good capture by then.
    """
    doc = find_document(session, ref)
    if doc is None:
        raise EvidenceError(f"no document {ref!r} (an id or URL from `policy-archive documents`)")
    as_of = at or now()
    snaps = document_snapshots(session, doc.id)
    # What the recorder judged is the top-level observation: a rendering, or a plain fetch. The
    # server snapshot behind a rendering is kept as raw bytes, but judged through its rendering.
    parents = {s.parent_id for s in snaps if s.parent_id}
    seen = sorted((s for s in snaps if s.id not in parents and s.fetched_at <= as_of),
                  key=lambda s: (s.fetched_at, s.id))
    good = [s for s in seen if s.outcome in GOOD and s.sha256]
    if not good:
        raise EvidenceError(_no_capture(doc, snaps, seen, as_of))
    last_good = good[-1]
    # Present the capture where these bytes were first seen; "unchanged" ones after it only say
    # the same bytes were seen again (the recorder stores nothing new for them).
    capture = next((s for s in reversed(good) if s.outcome == "new" and s.sha256 == last_good.sha256), last_good)
    again = good[good.index(capture) + 1:]
    server = session.get(Snapshot, capture.parent_id) if capture.kind == "rendered" else capture
    rendered = capture if capture.kind == "rendered" else None
    version = version_at(session, doc.id, capture.fetched_at)  # the text these bytes gave (or still stood for)
    if version is None:
        raise EvidenceError(f"document {doc.id} has a capture on {iso_utc(capture.fetched_at)} but no "
                            "extracted text: re-extract it before making evidence")

    files: list[tuple[str, bytes]] = []
    names: dict[str, str] = {}
    if server is not None and server.sha256:
        names["capture"] = "capture" + extension(server.content_type, server.final_url)
        files.append((names["capture"], _blob(blobs, server.sha256)))
    if rendered is not None:
        assert rendered.sha256
        names["rendered"] = "rendered.html"
        files.append((names["rendered"], _blob(blobs, rendered.sha256)))
        if rendered.screenshot_sha256:
            names["screenshot"] = "screenshot.png"
            files.append((names["screenshot"], _blob(blobs, rendered.screenshot_sha256)))
    files.append(("text.txt", version.text.encode("utf-8")))
    meta = _metadata(session, doc, capture, server, rendered, version, again, seen[-1], names, at,
                     (company_names or {}).get(doc.company_id))
    files.append(("metadata.json", (json.dumps(meta, ensure_ascii=False, indent=2) + "\n").encode("utf-8")))
    files.append(("README.txt", _readme(doc, capture, server, names).encode("utf-8")))
    manifest = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files)
    files.append(("MANIFEST.sha256", manifest.encode("utf-8")))
    folder = f"evidence-document-{doc.id}-{capture.fetched_at:%Y%m%dT%H%M%SZ}"
    return Package(folder, files, capture.fetched_at, doc.id, capture.id, version.id)


def write_zip(package: Package, path: Path) -> None:
    """Write the package as a deterministic zip (temporary file, then rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(zip_bytes(package))
    os.replace(tmp, path)


def zip_bytes(package: Package) -> bytes:
    """The package as a deterministic zip, in memory (the web UI's download)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in package.files:
            info = zipfile.ZipInfo(f"{package.folder}/{name}", date_time=package.timestamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever machine builds it, so the bytes do not vary
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _blob(blobs: BlobStore, sha: str) -> bytes:
    data = blobs.get(sha)
    if hashlib.sha256(data).hexdigest() != sha:
        raise EvidenceError(f"blob {sha} does not hash to its name: the blob store is damaged "
                            f"({blobs.path(sha)}); restore it from a backup")
    return data


def _no_capture(doc: Document, snaps: list[Snapshot], seen: list[Snapshot], as_of: datetime) -> str:
    head = f"document {doc.id} ({doc.url}) has no good capture on or before {when_text(as_of)}"
    if seen:
        last = seen[-1]
        return f"{head}: every observation by then failed (last on {iso_utc(last.fetched_at)}: {last.failure})"
    if snaps:
        first = min(s.fetched_at for s in snaps)
        return f"{head}: it was first captured on {iso_utc(first)}"
    return f"{head}: it was never captured"


def _metadata(session: Session, doc: Document, capture: Snapshot, server: Snapshot | None,
              rendered: Snapshot | None, version: Version, again: list[Snapshot], last_seen: Snapshot,
              names: dict[str, str], at: datetime | None, company_name: str | None) -> dict:
    shown = server or capture
    meta: dict = {
        "policy_archive_version": software_version(),
        "requested_date": when_text(at) if at else None,  # None: "as it stands now"
        "company": {"id": doc.company_id, "name": company_name},
        "document": {
            "id": doc.id, "type": doc.doc_type, "language": doc.language, "title": doc.title, "url": doc.url,
        },
        "capture": {
            "file": names.get("capture"), "snapshot_id": shown.id, "run_id": shown.run_id,
            "url": shown.url, "final_url": shown.final_url, "fetched_at": iso_utc(shown.fetched_at),
            "http_status": shown.status_code, "http_headers": shown.headers or {},
            "content_type": shown.content_type, "size": shown.size, "sha256": shown.sha256,
            "click_depth": capture.depth, "link_path": capture.link_path or [],
        },
        "rendered": None,
        "text": {
            "file": "text.txt", "version_id": version.id, "from_snapshot_id": version.snapshot_id,
            "captured_at": iso_utc(version.captured_at), "language": version.language,
            "language_confidence": version.language_confidence, "extractor": version.extractor,
            "detector": version.detector, "method": version.method, "encoding": version.encoding,
            "technical_reextraction": version.technical,
            "sha256": hashlib.sha256(version.text.encode("utf-8")).hexdigest(),
        },
        "seen_again": None,
        "last_observation": None,
    }
    if encoding := (shown.headers or {}).get("content-encoding"):
        meta["capture"]["note"] = (f"the file is the body after undoing Content-Encoding: {encoding}, as every "
                                   "HTTP client does; the headers are as received")
    if version.snapshot_id != capture.id:
        # New bytes whose text normalises to the text already archived (e.g. a changed footer).
        source = session.get(Snapshot, version.snapshot_id)
        meta["text"]["note"] = ("this capture's text is the same (after normalising spaces, quotes, "
                                "dashes) as the version extracted from snapshot "
                                f"{version.snapshot_id} on {iso_utc(source.fetched_at) if source else '?'}")
    if rendered is not None:
        meta["rendered"] = {
            "file": names.get("rendered"), "screenshot_file": names.get("screenshot"),
            "snapshot_id": rendered.id, "fetched_at": iso_utc(rendered.fetched_at), "sha256": rendered.sha256,
            "screenshot_sha256": rendered.screenshot_sha256, "render_reason": rendered.render_reason,
            "blocked_requests": rendered.blocked or [],
        }
    if again:
        meta["seen_again"] = {
            "note": "the same bytes were seen again until the date below (fetched again identical, "
                    "or the server answered 304 Not Modified)",
            "times": len(again), "until": iso_utc(again[-1].fetched_at), "snapshot_ids": [s.id for s in again],
        }
    if last_seen.outcome not in GOOD:
        meta["last_observation"] = {
            "note": "the last observation before the requested date failed",
            "snapshot_id": last_seen.id, "fetched_at": iso_utc(last_seen.fetched_at),
            "failure": last_seen.failure, "detail": last_seen.failure_detail,
        }
    return meta


def _readme(doc: Document, capture: Snapshot, server: Snapshot | None, names: dict[str, str]) -> str:
    shown = server or capture
    when, sha = iso_utc(shown.fetched_at), shown.sha256 or "-"
    raw = names.get("capture", "-")
    ru_files = [f"  {raw:<16} страница или файл в байтах, полученных от сервера (HTTP-сжатие снято)"]
    en_files = [f"  {raw:<16} the page or file, the bytes the server sent (HTTP compression undone)"]
    if "rendered" in names:
        ru_files.append(f"  {names['rendered']:<16} страница после выполнения скриптов в браузере (DOM)")
        en_files.append(f"  {names['rendered']:<16} the page after a browser ran its scripts (the DOM)")
    if "screenshot" in names:
        ru_files.append(f"  {names['screenshot']:<16} снимок всей страницы в браузере")
        en_files.append(f"  {names['screenshot']:<16} a full-page screenshot in the browser")
    ru_files += ["  text.txt         извлечённый текст документа (UTF-8)",
                 "  metadata.json    адрес, время (UTC), ответ сервера, путь по ссылкам с главной страницы,",
                 "                   идентификаторы снимка, версии и запуска, программы и их версии",
                 "  MANIFEST.sha256  SHA-256 каждого файла выше"]
    en_files += ["  text.txt         the document's extracted text (UTF-8)",
                 "  metadata.json    URL, time (UTC), server response, click path from the homepage,",
                 "                   snapshot, version and run ids, tools and their versions",
                 "  MANIFEST.sha256  the SHA-256 of every file above"]
    return "\n".join([
        "ДОКАЗАТЕЛЬСТВО АРХИВИРОВАНИЯ / ARCHIVE EVIDENCE",
        "",
        f"Документ / Document: {doc.id} ({doc.company_id}, {doc.doc_type or '-'})",
        f"URL: {shown.final_url}",
        f"Получено / Fetched: {when}",
        f"SHA-256 ({raw}): {sha}",
        "",
        "== Русский ==",
        "",
        "Этот пакет подготовлен программой policy-archive (рейтинг цифровых прав, Казахстан). Он",
        "показывает, что было опубликовано по указанному адресу на указанную дату.",
        "",
        "Файлы:",
        *ru_files,
        "",
        "Как проверить:",
        "  1. Распакуйте архив и перейдите в эту папку.",
        "  2. Linux: sha256sum -c MANIFEST.sha256   macOS: shasum -a 256 -c MANIFEST.sha256",
        "     Windows (PowerShell): Get-FileHash -Algorithm SHA256 <файл>, сравните с MANIFEST.sha256.",
        "     Каждая строка должна быть «OK»: файлы не изменялись после подготовки пакета.",
        f"  3. SHA-256 файла {raw} совпадает с полем capture.sha256 в metadata.json: под этим именем",
        "     архив хранит эти байты с момента получения; команда может предъявить ту же запись в",
        "     своём архиве и в его экспорте WARC (поле WARC-Payload-Digest, SHA-256 в base32).",
        "",
        "== English ==",
        "",
        "This package was made by policy-archive (Digital Rights Rating, Kazakhstan). It shows what",
        "was published at the URL above on the date above.",
        "",
        "Files:",
        *en_files,
        "",
        "How to verify:",
        "  1. Unzip the package and change into this folder.",
        "  2. Linux: sha256sum -c MANIFEST.sha256   macOS: shasum -a 256 -c MANIFEST.sha256",
        "     Windows (PowerShell): Get-FileHash -Algorithm SHA256 <file>, compare with MANIFEST.sha256.",
        "     Every line must say OK: no file was changed after the package was made.",
        f"  3. The SHA-256 of {raw} equals capture.sha256 in metadata.json: the archive has kept these",
        "     bytes under that name since they were fetched; the team can show the same record in its",
        "     archive and in its WARC export (WARC-Payload-Digest, the SHA-256 in base32).",
        "",
    ])
