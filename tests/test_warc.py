"""WARC export: an archive built by the real recorder, exported, then read back and checked by warcio."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from archive.blobs import BlobStore
from archive.db import Database
from archive.models import Snapshot, Version
from archive.recorder import Recorder
from archive.records import HOME, RENDERED, Capture, Link
from archive.runs import start_run
from archive.times import parse_when
from exports.warc import Selection, export_warc_file, payload_digest
from tests.conftest import db_url
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page

WARCIO = Path(sys.executable).parent / "warcio"
HTML = "text/html; charset=utf-8"
HOME_URL, PRIVACY, MISSING, SHOP_TERMS = (
    "http://bank.kz/", "http://bank.kz/ru/privacy", "http://bank.kz/ru/offer", "http://shop.kz/terms")
# Headers as Scrapy hands them over after decoding a gzip response: the body we store is plain.
WIRE = {"content-type": HTML, "content-encoding": "gzip", "transfer-encoding": "chunked", "content-length": "17",
        "etag": '"v1"'}


def png() -> bytes:
    """A valid 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def capture(url: str, body: str | bytes, at: datetime, *, company: str = "bank", status: int | None = 200,
            headers: dict | None = None, **kw) -> Capture:
    return Capture(
        company_id=company, url=url, final_url=url, status=status,
        headers=dict(WIRE if headers is None else headers), body=body.encode() if isinstance(body, str) else body,
        fetched_at=at, doc_type=kw.pop("doc_type", "privacy_policy"), depth=kw.pop("depth", 1),
        path=kw.pop("path", [Link(HOME_URL, "Политика конфиденциальности")]), **kw)


def rendered(url: str, dom: str, at: datetime, shell: str, **kw) -> Capture:
    """What the render middleware hands over: the DOM, with the server's bytes as ``original``."""
    original = capture(url, shell, at, company="shop", headers={"content-type": HTML})
    return capture(url, dom, at.replace(second=5), company="shop", headers={"content-type": HTML}, kind=RENDERED,
                   original=original, render_reason="app_shell", screenshot=png(),
                   blocked=[{"url": "http://10.0.0.7/pixel", "reason": "private address 10.0.0.7"}], **kw)


@dataclass
class Built:
    db: Database
    blobs: BlobStore
    data: Path

    def record(self, *captures: Capture) -> list[str]:
        """One run of the real recorder over ``captures``."""
        recorder = Recorder(self.db, self.blobs, start_run(self.db, None))
        try:
            return [recorder.record(c) for c in captures]
        finally:
            recorder.close()

    def snapshots(self) -> list[Snapshot]:
        with self.db.session() as session:
            return list(session.scalars(select(Snapshot).order_by(Snapshot.id)))

    def export(self, out: Path, selection: Selection | None = None):
        with self.db.session() as session:
            return export_warc_file(out, session, self.blobs, selection or Selection())


def build(data: Path) -> Built:
    return Built(Database(db_url(data)), BlobStore(data / "blobs"), data)


SHELL = '<!doctype html><html><body><div id="root"></div><script src="/app.js"></script></body></html>'


@pytest.fixture
def built(archive) -> Built:
    """Two crawls of two companies: every kind of record the export writes."""
    b = build(archive.data)
    assert b.record(
        capture(HOME_URL, home_page({"/ru/privacy": "Политика конфиденциальности"}), datetime(2024, 5, 10, 9),
                role=HOME, depth=0, path=[]),
        capture(PRIVACY, policy_page("Политика конфиденциальности", RU_CLAUSES), datetime(2024, 5, 10, 9, 1)),
        capture(MISSING, b"", datetime(2024, 5, 10, 9, 2), status=404, headers={"content-type": HTML}),
        rendered(SHOP_TERMS, policy_page("Пайдаланушы келісімі", KK_CLAUSES, lang="kk"),
                 datetime(2024, 5, 10, 9, 3), SHELL, doc_type="terms_of_service"),
    ) == ["new_page", "new_version", "failed", "new_version"]
    assert b.record(
        capture(PRIVACY, policy_page("Политика конфиденциальности", RU_CLAUSES), datetime(2024, 6, 1, 9, 1)),
        capture(PRIVACY, b"", datetime(2024, 6, 2, 9, 1), status=304, headers={"etag": '"v1"'}, not_modified=True),
    ) == ["unchanged", "unchanged"]
    return b


def records(path: Path) -> list[dict]:
    """Every record of a WARC, read back with warcio, with its payload."""
    out = []
    with path.open("rb") as f:
        for rec in ArchiveIterator(f):
            out.append({"type": rec.rec_type, "uri": rec.rec_headers.get_header("WARC-Target-URI"),
                        "h": dict(rec.rec_headers.headers), "http": rec.http_headers,
                        "version": rec.rec_headers.protocol, "body": rec.content_stream().read()})
    return out


def by(recs: list[dict], kind: str, uri: str) -> list[dict]:
    return [r for r in recs if r["type"] == kind and r["uri"] == uri]


def test_export_passes_warcio_check_and_keeps_the_bytes(built, tmp_path):
    out = tmp_path / "all.warc.gz"
    counts = built.export(out)
    check = subprocess.run([str(WARCIO), "check", "-v", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("digest pass") >= 20

    recs = records(out)
    assert recs[0]["type"] == "warcinfo" and all(r["version"] == "WARC/1.1" for r in recs)
    info = recs[0]["body"].decode()
    assert "software: policy-archive/" in info and "http-header-user-agent: policy-archive/" in info
    assert "reconstructed" in info
    assert counts["snapshots"] == 7 and sum(counts[k] for k in counts if k != "snapshots") == len(recs)
    index = subprocess.run([str(WARCIO), "index", str(out)], capture_output=True, text=True, check=True)
    assert len(index.stdout.splitlines()) == len(recs)

    # Every response body is byte for byte the blob, and its payload digest is the blob's SHA-256.
    snaps = {s.id: s for s in built.snapshots()}
    responses = [r for r in recs if r["type"] == "response"]
    assert len(responses) == 3  # home, privacy, the shop's server bytes behind its rendering
    for r in responses:
        snap = snaps[int(r["h"]["Policy-Archive-Snapshot-Id"])]
        assert r["body"] == built.blobs.get(snap.sha256)
        assert r["h"]["WARC-Payload-Digest"] == payload_digest(snap.sha256)
        assert r["h"]["WARC-Block-Digest"].startswith("sha256:")
        assert r["h"]["WARC-Date"] == snap.fetched_at.isoformat() + "Z" and r["uri"] == snap.final_url

    # The stored body is decoded: the wire headers are kept under X-Archive-Orig-*, the length fixed.
    first = by(recs, "response", PRIVACY)[0]
    http = first["http"]
    assert http.get_statuscode() == "200" and http.get_header("content-encoding") is None
    assert http.get_header("transfer-encoding") is None
    assert http.get_header("x-archive-orig-content-encoding") == "gzip"
    assert http.get_header("content-length") == str(len(first["body"]))
    assert http.get_header("x-archive-orig-content-length") == "17"
    request = by(recs, "request", PRIVACY)[0]
    assert request["h"]["WARC-Concurrent-To"] == first["h"]["WARC-Record-ID"]
    assert request["http"].protocol == "GET" and request["http"].get_header("Host") == "bank.kz"


def test_recaptures_are_revisits_failures_metadata(built, tmp_path):
    out = tmp_path / "all.warc.gz"
    built.export(out)
    recs = records(out)
    original = by(recs, "response", PRIVACY)[0]
    same, not_modified = by(recs, "revisit", PRIVACY)
    assert same["h"]["WARC-Profile"].endswith("/revisit/identical-payload-digest")
    assert same["h"]["WARC-Refers-To-Target-URI"] == PRIVACY
    assert same["h"]["WARC-Refers-To-Date"] == original["h"]["WARC-Date"] == "2024-05-10T09:01:00Z"
    assert same["h"]["WARC-Refers-To"] == original["h"]["WARC-Record-ID"]
    assert same["h"]["WARC-Payload-Digest"] == original["h"]["WARC-Payload-Digest"] and same["body"] == b""
    assert not_modified["h"]["WARC-Profile"].endswith("/revisit/server-not-modified")
    # Empty, so replay tools serve the confirmed bytes at that date; the 304 itself is in the metadata.
    assert not_modified["http"] is None and not_modified["body"] == b""
    contexts = [json.loads(r["body"]) for r in by(recs, "metadata", f"urn:policy-archive:capture:{PRIVACY}")]
    assert [(c["http_status"], c["outcome"]) for c in contexts] == [(200, "new"), (200, "unchanged"),
                                                                    (304, "unchanged")]
    assert contexts[2]["http_headers"] == {"etag": '"v1"'}
    assert not_modified["h"]["WARC-Refers-To"] == original["h"]["WARC-Record-ID"]

    # The 404 left no body: one metadata record says where we looked and what failed.
    assert not [r for r in recs if r["uri"] == MISSING]
    (failed,) = by(recs, "metadata", f"urn:policy-archive:capture:{MISSING}")
    info = json.loads(failed["body"])
    assert failed["h"]["Content-Type"] == "application/json"
    assert (info["outcome"], info["failure"], info["http_status"]) == ("failed", "http_404", 404)
    assert info["link_path"] == [{"url": HOME_URL, "text": "Политика конфиденциальности"}]

    # Each version's text, next to the capture it came from.
    with built.db.session() as session:
        versions = list(session.scalars(select(Version).order_by(Version.id)))
    (text,) = by(recs, "resource", f"urn:text:{PRIVACY}")
    assert text["body"].decode("utf-8") == versions[0].text and text["h"]["Content-Type"].startswith("text/plain")
    assert text["h"]["WARC-Refers-To"] == original["h"]["WARC-Record-ID"]
    assert text["h"]["Policy-Archive-Extractor"] == versions[0].extractor
    assert text["h"]["Policy-Archive-Language"] == "ru" and text["h"]["Policy-Archive-Method"] == "text"


def test_request_records_keep_the_recorded_headers_so_a_replay_asks_for_the_same_language(archive, tmp_path):
    """A Kazakh cookie state of a page: its request record asks with that Cookie and Accept-Language (and
    the User-Agent the crawl sent), the plain capture's with its own; a header value cannot forge a line."""
    b = build(archive.data)
    browser = {"User-Agent": "Mozilla/5.0 (policy-archive)", "Accept-Language": "ru-KZ,ru;q=0.9,kk;q=0.8"}
    at = datetime(2025, 5, 10, 9, 1)
    assert b.record(
        capture(PRIVACY, policy_page("Политика конфиденциальности", RU_CLAUSES), at, request_headers=dict(browser)),
        capture(PRIVACY, policy_page("Құпиялылық саясаты", KK_CLAUSES, lang="kk"), at.replace(minute=2),
                variant="cookie:lang=kk", request_headers={**browser, "Cookie": "lang=kk\r\nX-Forged: 1"},
                reached={"how": "cookie", "language": "kk", "switcher": "Қаз", "cookies": {"lang": "kk"}}),
    ) == ["new_version", "new_version"]
    out = tmp_path / "states.warc.gz"
    b.export(out)
    check = subprocess.run([str(WARCIO), "check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    recs = records(out)
    plain, kazakh = (r["http"] for r in by(recs, "request", PRIVACY))
    assert plain.get_header("Accept-Language") == "ru-KZ,ru;q=0.9,kk;q=0.8" and plain.get_header("Cookie") is None
    assert plain.get_header("User-Agent") == "Mozilla/5.0 (policy-archive)"  # the one sent, not the export's
    assert kazakh.get_header("Cookie") == "lang=kk X-Forged: 1" and kazakh.get_header("X-Forged") is None
    assert [h for h in kazakh.headers if h[0] == "User-Agent"] == [("User-Agent", "Mozilla/5.0 (policy-archive)")]
    assert {r["h"]["Policy-Archive-Reconstructed"] for r in by(recs, "request", PRIVACY)} == {
        "GET, Host, recorded request headers"}
    contexts = [json.loads(r["body"]) for r in by(recs, "metadata", f"urn:policy-archive:capture:{PRIVACY}")]
    assert [(c["variant"], (c["reached"] or {}).get("how")) for c in contexts] == [
        ("", None), ("cookie:lang=kk", "cookie")]
    assert contexts[1]["request_headers"]["Accept-Language"] == "ru-KZ,ru;q=0.9,kk;q=0.8"


def test_a_rendering_is_dom_screenshot_and_context(built, tmp_path):
    out = tmp_path / "all.warc.gz"
    built.export(out)
    recs = records(out)
    server = by(recs, "response", SHOP_TERMS)[0]
    assert server["body"] == SHELL.encode()
    (dom,) = by(recs, "resource", f"urn:dom:{SHOP_TERMS}")
    assert dom["h"]["WARC-Refers-To"] == server["h"]["WARC-Record-ID"]
    assert dom["h"]["Content-Type"].startswith("text/html") and b"<main>" in dom["body"]
    (shot,) = by(recs, "resource", f"urn:fullPage:{SHOP_TERMS}")
    assert shot["body"] == png() and shot["h"]["Content-Type"] == "image/png"
    contexts = [json.loads(r["body"]) for r in by(recs, "metadata", f"urn:policy-archive:capture:{SHOP_TERMS}")]
    context = next(c for c in contexts if c["kind"] == "rendered")
    assert context["render_reason"] == "app_shell" and context["company_id"] == "shop"
    assert context["blocked_requests"] == [{"url": "http://10.0.0.7/pixel", "reason": "private address 10.0.0.7"}]
    assert context["role"] == "document" and context["click_depth"] == 1
    (text,) = by(recs, "resource", f"urn:textFinal:{SHOP_TERMS}")
    assert text["h"]["WARC-Refers-To"] == dom["h"]["WARC-Record-ID"]


def test_selection_by_company_and_date(built, tmp_path):
    shop = tmp_path / "shop.warc.gz"
    built.export(shop, Selection(company="shop"))
    uris = {r["uri"] for r in records(shop)[1:]}
    assert uris and all("shop.kz" in u for u in uris)

    # From June on: the unchanged re-capture is the first copy of its bytes here, so it is a full
    # response (a file must not depend on records left out of it); the 304 refers to it.
    june = tmp_path / "june.warc.gz"
    counts = built.export(june, Selection(since=parse_when("2024-06-01")))
    recs = records(june)
    assert counts["snapshots"] == 2 and {r["uri"] for r in recs[1:]} == {
        PRIVACY, f"urn:policy-archive:capture:{PRIVACY}"}
    full = by(recs, "response", PRIVACY)[0]
    assert full["h"]["WARC-Date"] == "2024-06-01T09:01:00Z"
    assert by(recs, "revisit", PRIVACY)[0]["h"]["WARC-Refers-To-Date"] == "2024-06-01T09:01:00Z"
    assert subprocess.run([str(WARCIO), "check", str(june)]).returncode == 0

    may = tmp_path / "may.warc.gz"
    assert built.export(may, Selection(company="bank", until=parse_when("2024-05-10", end=True)))["snapshots"] == 3


def test_a_damaged_blob_stops_the_export(built, tmp_path):
    snap = next(s for s in built.snapshots() if s.final_url == PRIVACY)
    built.blobs.path(snap.sha256).write_bytes(b"not what was fetched")
    from exports.warc import ExportError

    out = tmp_path / "x.warc.gz"
    with pytest.raises(ExportError, match="does not hash to its name"):
        built.export(out)
    assert not out.exists() and not list(tmp_path.glob(".*.tmp"))


def test_cli_export_warc(built, archive, tmp_path):
    out = tmp_path / "bank.warc.gz"
    result = archive.cli("export", "warc", "--company", "bank", "--since", "2024-05-01", str(out))
    assert result.code == 0, result.err
    assert result.out.startswith(f"{out}: ") and "for 5 captures" in result.out
    assert subprocess.run([str(WARCIO), "check", str(out)]).returncode == 0
    bad = archive.cli("export", "warc", "--since", "May 1", str(out))
    assert bad.code == 2 and "expected a date such as 2024-05-01" in bad.err
    none = archive.cli("export", "warc", "--company", "nobody", str(tmp_path / "none.warc.gz"))
    assert none.code == 2 and "no captures match" in none.err and not (tmp_path / "none.warc.gz").exists()
