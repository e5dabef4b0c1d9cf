"""Dispute packages: built from a real archive, unzipped, and verified with the real sha256sum."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from archive.times import parse_when
from exports.evidence import EvidenceError, build_evidence, extension, write_zip
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, policy_page
from tests.test_warc import HTML, PRIVACY, SHELL, SHOP_TERMS, Built, build, capture, png, rendered

V1 = policy_page("Политика конфиденциальности", RU_CLAUSES)
V2 = policy_page("Политика конфиденциальности", RU_CLAUSES[:-1])


@pytest.fixture
def built(archive) -> Built:
    """One policy over five crawls: v1, v1 again, v2, v2 with a new footer, then a 404."""
    b = build(archive.data)
    assert b.record(capture(PRIVACY, V1, datetime(2024, 5, 10, 9, 1)),
                    rendered(SHOP_TERMS, policy_page("Пайдаланушы келісімі", KK_CLAUSES, lang="kk"),
                             datetime(2024, 5, 10, 9, 3), SHELL, doc_type="terms_of_service")) == [
        "new_version", "new_version"]
    assert b.record(capture(PRIVACY, V1, datetime(2024, 5, 20, 9, 1))) == ["unchanged"]
    assert b.record(capture(PRIVACY, V2, datetime(2024, 6, 10, 9, 1))) == ["new_version"]
    v2_footer = policy_page("Политика конфиденциальности", RU_CLAUSES[:-1], footer="ТОО «Банк»")
    assert b.record(capture(PRIVACY, v2_footer, datetime(2024, 6, 15, 9, 1))) == ["same_text"]
    assert b.record(capture(PRIVACY, b"", datetime(2024, 6, 20, 9, 1), status=404,
                            headers={"content-type": HTML})) == ["failed"]
    return b


def package(b: Built, ref: str, at: str | None, out: Path, **kw):
    with b.db.session() as session:
        pkg = build_evidence(session, b.blobs, ref, parse_when(at, end=True) if at else None, **kw)
    write_zip(pkg, out)
    return pkg


def unzip(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        zf.extractall(into)
    (folder,) = into.iterdir()
    return folder


def sha256sum_check(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["sha256sum", "-c", "MANIFEST.sha256"], cwd=folder, capture_output=True, text=True)


def test_evidence_as_it_stood_at_each_date(built, tmp_path):
    snaps = {s.id: s for s in built.snapshots()}
    first = package(built, PRIVACY, "2024-05-25", tmp_path / "may.zip")
    folder = unzip(tmp_path / "may.zip", tmp_path / "may")
    assert folder.name == "evidence-document-1-20240510T090100Z"
    assert sorted(p.name for p in folder.iterdir()) == [
        "MANIFEST.sha256", "README.txt", "capture.html", "metadata.json", "text.txt"]
    meta = json.loads((folder / "metadata.json").read_text("utf-8"))
    snap = snaps[meta["capture"]["snapshot_id"]]
    assert hashlib.sha256((folder / "capture.html").read_bytes()).hexdigest() == snap.sha256 == meta["capture"][
        "sha256"]
    assert (folder / "capture.html").read_bytes() == V1.encode()
    assert meta["capture"]["fetched_at"] == "2024-05-10T09:01:00Z" and meta["capture"]["http_status"] == 200
    assert meta["capture"]["http_headers"]["etag"] == '"v1"' and "Content-Encoding: gzip" in meta["capture"]["note"]
    assert meta["capture"]["click_depth"] == 1 and meta["capture"]["link_path"][0]["text"].startswith("Политика")
    assert meta["seen_again"]["until"] == "2024-05-20T09:01:00Z" and meta["seen_again"]["times"] == 1
    assert meta["document"]["type"] == "privacy_policy" and meta["company"]["id"] == "bank"
    assert meta["text"]["version_id"] == first.version_id and meta["text"]["extractor"].startswith("trafilatura")
    assert meta["text"]["detector"] and meta["capture"]["run_id"] == snap.run_id
    text = (folder / "text.txt").read_text("utf-8")
    assert RU_CLAUSES[-1] in text and meta["requested_date"] == "2024-05-25"
    readme = (folder / "README.txt").read_text("utf-8")
    assert "Как проверить" in readme and "How to verify" in readme and snap.sha256 in readme

    june = package(built, "1", "2024-06-12", tmp_path / "june.zip")
    folder = unzip(tmp_path / "june.zip", tmp_path / "june")
    assert june.version_id != first.version_id and (folder / "capture.html").read_bytes() == V2.encode()
    assert RU_CLAUSES[-1] not in (folder / "text.txt").read_text("utf-8")
    assert json.loads((folder / "metadata.json").read_text("utf-8"))["seen_again"] is None

    # After the 404: the last good capture (new bytes, same text as v2), and the failure is said.
    late = package(built, PRIVACY, "2024-06-25", tmp_path / "late.zip")
    meta = json.loads((unzip(tmp_path / "late.zip", tmp_path / "late") / "metadata.json").read_text("utf-8"))
    assert meta["capture"]["fetched_at"] == "2024-06-15T09:01:00Z"
    assert meta["last_observation"]["failure"] == "http_404"
    # Its text is version 2's: a changed footer is not a change of the document.
    assert late.version_id == june.version_id and "is the same" in meta["text"]["note"]


def test_no_capture_before_the_first_is_an_error(built, tmp_path):
    with pytest.raises(EvidenceError, match="no good capture on or before 2024-05-01: it was first captured on "
                                            "2024-05-10T09:01:00Z"):
        package(built, PRIVACY, "2024-05-01", tmp_path / "x.zip")
    with pytest.raises(EvidenceError, match="no document 'nowhere.kz'"):
        package(built, "nowhere.kz", None, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_manifest_verifies_and_catches_tampering(built, tmp_path):
    package(built, PRIVACY, "2024-05-25", tmp_path / "e.zip")
    folder = unzip(tmp_path / "e.zip", tmp_path / "e")
    ok = sha256sum_check(folder)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.splitlines() == [f"{name}: OK" for name in (
        "capture.html", "text.txt", "metadata.json", "README.txt")]
    text = folder / "text.txt"
    text.write_text(text.read_text("utf-8").replace("пяти лет", "трёх лет"), "utf-8")
    bad = sha256sum_check(folder)
    assert bad.returncode != 0 and "text.txt: FAILED" in bad.stdout


def test_same_evidence_twice_is_the_same_zip(built, tmp_path):
    package(built, PRIVACY, "2024-05-25", tmp_path / "a.zip")
    package(built, PRIVACY, "2024-05-25", tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert {info.date_time for info in zf.infolist()} == {(2024, 5, 10, 9, 1, 0)}


def test_a_rendered_capture_brings_dom_and_screenshot(built, tmp_path):
    package(built, SHOP_TERMS, None, tmp_path / "shop.zip", company_names={"shop": "Shop LLP"})
    folder = unzip(tmp_path / "shop.zip", tmp_path / "shop")
    assert sorted(p.name for p in folder.iterdir()) == [
        "MANIFEST.sha256", "README.txt", "capture.html", "metadata.json", "rendered.html", "screenshot.png",
        "text.txt"]
    assert (folder / "capture.html").read_bytes() == SHELL.encode()  # what the server sent
    assert b"<main>" in (folder / "rendered.html").read_bytes() and (folder / "screenshot.png").read_bytes() == png()
    meta = json.loads((folder / "metadata.json").read_text("utf-8"))
    assert meta["company"] == {"id": "shop", "name": "Shop LLP"} and meta["requested_date"] is None
    assert meta["rendered"]["render_reason"] == "app_shell" and meta["rendered"]["blocked_requests"]
    assert sha256sum_check(folder).returncode == 0


@pytest.mark.parametrize("ctype, url, ext", [
    ("text/html; charset=utf-8", "http://a.kz/privacy", ".html"),
    ("application/pdf", "http://a.kz/x", ".pdf"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "http://a.kz/x", ".docx"),
    ("application/octet-stream", "http://a.kz/offer.PDF", ".pdf"),
    (None, "http://a.kz/x", ".bin"),
])
def test_extension_from_content_type_then_url(ctype, url, ext):
    assert extension(ctype, url) == ext


def test_cli_evidence(built, archive, tmp_path):
    archive.write_config([company("bank", "http://bank.kz/")])
    out = tmp_path / "cli.zip"
    result = archive.cli("evidence", PRIVACY, "--at", "2024-06-12", str(out))
    assert result.code == 0, result.err
    assert result.out.startswith(f"{out}: 5 files, document 1 as captured 2024-06-10 09:01:00 UTC")
    folder = unzip(out, tmp_path / "cli")
    assert json.loads((folder / "metadata.json").read_text("utf-8"))["company"]["name"] == "Bank"
    assert sha256sum_check(folder).returncode == 0
    early = archive.cli("evidence", PRIVACY, "--at", "2024-05-01", str(tmp_path / "early.zip"))
    assert early.code == 2 and "no good capture on or before 2024-05-01" in early.err
    assert not (tmp_path / "early.zip").exists()
