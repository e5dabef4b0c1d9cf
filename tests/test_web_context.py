"""The UI reads the dates people type as the command line does (web.context.when, archive.times.parse_when).

One policy captured around a day's boundary: v1 on 20 July, v2 on 31 July at 15:00:00.25 UTC (a time
with microseconds, as a crawl stores it), v3 on 2 August. The same date given to the CLI and to the UI
must choose the same capture for an evidence package and the same changes for the overview and the
changes report: a bare date that closes a range or names a moment includes that whole day, and an
offset (``19:30+05:00`` is 14:30 UTC, before v2) is converted, never dropped.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from config import load_config
from tests.conftest import Archive, company, db_url
from tests.pages import RU_CLAUSES, policy_page
from tests.test_warc import HOME_URL, PRIVACY, build, capture
from web.app import create_app

V2_AT = datetime(2024, 7, 31, 15, 0, 0, 250000)
BARE, OFFSET = "2024-07-31", "2024-07-31T19:30+05:00"  # OFFSET is 14:30 UTC: v2 (15:00) is after it


@pytest.fixture(scope="module")
def boundary(tmp_path_factory) -> tuple[Archive, TestClient]:
    archive = Archive(tmp_path_factory.mktemp("dates"))
    archive.write_config([company("bank", HOME_URL)])
    b = build(archive.data)
    title = "Политика конфиденциальности"
    for at, clauses in ((datetime(2024, 7, 20, 9), RU_CLAUSES), (V2_AT, RU_CLAUSES[:-1]),
                        (datetime(2024, 8, 2, 9), RU_CLAUSES[:-2])):
        assert b.record(capture(PRIVACY, policy_page(title, clauses), at)) == ["new_version"]
    b.db.close()
    app = create_app(load_config(archive.config), archive.data, db_url(archive.data))
    with TestClient(app) as client:
        yield archive, client


def _zip(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        return {name.split("/", 1)[-1]: zf.read(name) for name in zf.namelist()}


def _cli_evidence(archive: Archive, at: str) -> dict[str, bytes]:
    out = archive.root / "cli-evidence.zip"
    result = archive.cli("evidence", "1", "--at", at, str(out))
    assert result.code == 0, result.err
    return _zip(out.read_bytes())


@pytest.mark.parametrize(("at", "captured"), [(BARE, "2024-07-31T15:00:00.250000Z"),
                                              (OFFSET, "2024-07-20T09:00:00Z")])
def test_evidence_at_a_date_is_the_cli_package(boundary, at, captured):
    archive, client = boundary
    cli = _cli_evidence(archive, at)
    # The address as typed (a "+" there decodes to a space) and as a form would send it (%2B).
    for query in (at, quote(at)):
        response = client.get(f"/document/1/evidence.zip?at={query}")
        assert response.status_code == 200, response.text
        ui = _zip(response.content)
        assert ui["MANIFEST.sha256"] == cli["MANIFEST.sha256"]
        meta, cli_meta = json.loads(ui["metadata.json"]), json.loads(cli["metadata.json"])
        assert meta["capture"]["snapshot_id"] == cli_meta["capture"]["snapshot_id"]
        assert meta["capture"]["fetched_at"] == captured
        assert meta["requested_date"] == cli_meta["requested_date"]


def test_a_versions_evidence_link_packs_that_version(boundary):
    """The link carries the capture's full time: cut to the second, it would name the version before."""
    _, client = boundary
    for version_id in (1, 2, 3):
        page = client.get(f"/version/{version_id}").text
        link = re.search(r'href="(/document/1/evidence\.zip\?[^"]+)"', page).group(1).replace("&amp;", "&")
        meta = json.loads(_zip(client.get(link).content)["metadata.json"])
        assert meta["text"]["version_id"] == version_id, link


def _cli_changes(archive: Archive, *args: str) -> dict:
    result = archive.cli("report", "changes", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def _changed(report: dict) -> set[int]:
    return {d["document_id"] for d in report["documents"] if any(c["kind"] == "substantive" for c in d["changes"])}


@pytest.mark.parametrize(("since", "marked"), [(BARE, True), (OFFSET, True), ("2024-08-01", True),
                                               ("2024-08-02T12:00+05:00", True), ("2024-08-02T12:00Z", False)])
def test_the_overviews_change_marks_are_the_reports(boundary, since, marked):
    archive, client = boundary
    page = client.get(f"/?since={quote(since)}")
    assert page.status_code == 200
    marks = {int(m) for m in re.findall(r'class="changed-mark" href="/document/(\d+)#versions"', page.text)}
    assert marks == _changed(_cli_changes(archive, "--since", since)) == ({1} if marked else set())


@pytest.mark.parametrize(("since", "until", "pairs"), [
    ("2024-07-21", BARE, [(1, 2)]),  # "until the 31st" includes the 31st
    (OFFSET, "2024-08-02", [(1, 2), (2, 3)]),
    ("2024-07-31T15:00:01Z", "2024-08-01", []),
])
def test_the_changes_download_is_the_cli_report(boundary, since, until, pairs):
    archive, client = boundary
    cli = _cli_changes(archive, "--since", since, "--until", until)
    response = client.get(f"/report/changes.json?since={quote(since)}&until={quote(until)}")
    assert response.status_code == 200
    ui = json.loads(response.content)
    ui.pop("generated_at", None), cli.pop("generated_at", None)  # the clock, not the dates asked for
    assert ui == cli
    assert [(c["from"], c["to"]) for d in ui["documents"] for c in d["changes"]] == pairs


@pytest.mark.parametrize("path", ["/?since=31.07.2024", "/report/changes.json?until=yesterday",
                                  "/document/1/evidence.zip?at=2024-13-01",
                                  "/report/changes.md?since=2024-07-31T25:00"])
def test_a_date_the_ui_cannot_read_is_a_clear_400(boundary, path):
    _, client = boundary
    response = client.get(path)
    assert response.status_code == 400
    assert "expected a date such as 2024-05-01" in response.text and "Bad request" in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
