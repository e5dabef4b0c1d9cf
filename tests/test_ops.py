"""Operations: run records and "needs attention", verify, backup, schedule (the real CLI, a local site)."""

from __future__ import annotations

import json
import subprocess

from starlette.testclient import TestClient

from archive.blobs import BlobStore
from archive.db import Database
from config import load_config
from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import Archive, company, db_url, on_postgresql
from tests.pages import RU_CLAUSES, home_page, policy_page
from web.app import create_app

LINKS = {"/privacy": "Политика конфиденциальности", "/offer": "Публичная оферта"}


def _site() -> FixtureSite:
    return FixtureSite(routes={
        "/": Route(body=home_page(LINKS)),
        "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
        "/offer": Route(body=policy_page("Публичная оферта", [c.replace("данные", "сведения") for c in RU_CLAUSES])),
    })


def test_runs_are_recorded_and_a_url_failing_three_runs_in_a_row_needs_attention(archive):
    site = _site()
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        site.routes["/offer"] = Route(status=404, body="<html><body>Not found</body></html>")
        for _ in range(2):
            result = archive.crawl()
            assert result.code == 1 and "needs attention" not in result.out  # one or two failures: not yet
        third = archive.crawl()
    assert third.code == 1
    assert "needs attention: 1 URL(s) failing in 3+ runs in a row" in third.out and "/offer" in third.out

    listed = archive.cli("runs")
    assert listed.code == 0, listed.err
    lines = listed.out.splitlines()
    assert [line.split()[0] for line in lines[1:5]] == ["4", "3", "2", "1"]  # newest first
    assert "/offer" in listed.out and "HTTP 404" in listed.out
    data = json.loads(archive.cli("runs", "--json").out)
    assert [r["exit_code"] for r in data["runs"]] == [1, 1, 1, 0]
    assert data["runs"][0]["failed_documents"][0]["reason"] == "http_404"
    (attention,) = data["needs_attention"]
    assert attention["url"].endswith("/offer") and attention["runs"] == 3
    # Every run also left its record as JSON in the data directory.
    records = sorted((archive.data / "runs").glob("run-*.json"))
    assert [json.loads(r.read_text())["exit_code"] for r in records] == [0, 1, 1, 1]
    assert json.loads(records[-1].read_text())["needs_attention"][0]["url"].endswith("/offer")

    # The UI's overview lists it too.
    app = create_app(load_config(archive.config), archive.data, db_url(archive.data))
    with TestClient(app) as client:
        page = client.get("/").text
    assert "Needs attention" in page and "/offer" in page.split("Needs attention")[1]


def test_only_the_last_run_records_are_kept_as_files(tmp_path):
    from archive.runs import finish_run, start_run

    db = Database(db_url(tmp_path / "data"))
    for _ in range(5):
        finish_run(db, start_run(db, None), 0, {"pages_fetched": 1}, tmp_path / "runs", keep=3)
    db.close()
    assert [p.name for p in sorted((tmp_path / "runs").glob("run-*.json"))] == [
        "run-000003.json", "run-000004.json", "run-000005.json"]


def test_verify_passes_on_a_whole_archive_and_names_each_kind_of_damage(archive):
    with FixtureServer(_site()) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
    whole = archive.cli("verify")
    assert whole.code == 0 and "the archive is whole" in whole.out, whole.out + whole.err

    blobs = BlobStore(archive.data / "blobs")
    blobs.put(b"bytes no row names: an interrupted run")
    noted = archive.cli("verify")
    assert noted.code == 0 and "1 blob(s) no row names yet" in noted.out

    def sha_of(path: str) -> str:
        return archive.sql("SELECT s.sha256 FROM snapshots s JOIN documents d ON d.id = s.document_id "
                             "WHERE d.url LIKE :u", u=f"%{path}")[0][0]

    privacy_sha, offer_sha = sha_of("/privacy"), sha_of("/offer")
    blobs.path(privacy_sha).write_bytes(b"tampered")  # bytes that no longer match their name
    blobs.path(offer_sha).unlink()  # lost evidence
    archive.sql("UPDATE versions SET text = :t WHERE id = (SELECT min(id) FROM versions)", t="edited by hand")
    broken = archive.cli("verify")
    assert broken.code == 1
    assert f"blobs whose bytes do not match their name (damaged or edited): 1\n  {blobs.path(privacy_sha)}" \
        in broken.err
    assert "blobs the database names that are not in the store (lost evidence): 1" in broken.err
    assert offer_sha in broken.err
    assert "versions whose text changed after it was recorded: 1" in broken.err
    assert "3 kind(s) of problem found" in broken.out


def test_backup_is_a_consistent_copy_that_verifies_and_a_second_one_copies_only_new_blobs(archive, tmp_path):
    copy = Archive(tmp_path / "copy")  # the backup goes where an archive's data directory would be
    copy.root.mkdir()
    site = _site()
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        first = archive.cli("backup", str(copy.data))
        assert first.code == 0, first.err
        site.routes["/privacy"] = Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES[:-1]))
        assert archive.crawl().code == 0
    second = archive.cli("backup", str(copy.data))
    assert second.code == 0 and "1 copied" in second.out and "already there" in second.out, second.out
    if on_postgresql():
        listing = subprocess.run(["pg_restore", "--list", str(copy.data / "archive.pgdump")],
                                 capture_output=True, text=True)
        assert listing.returncode == 0 and "TABLE DATA public versions" in listing.stdout, listing.stderr
        return
    # On SQLite the copy is an archive of its own: the CLI reads it, and verify finds it whole.
    copy.config.write_text(archive.config.read_text(encoding="utf-8"), encoding="utf-8")
    verified = copy.cli("verify")
    assert verified.code == 0 and "the archive is whole" in verified.out, verified.out + verified.err
    listed = copy.cli("documents")
    assert listed.code == 0 and "/privacy" in listed.out and "/offer" in listed.out


def test_schedule_prints_a_crontab_line_and_systemd_units_for_this_config(archive):
    archive.write_config([company("bank", "https://bank.example.kz/")])
    cron = archive.cli("schedule", "--at", "04:05")
    assert cron.code == 0, cron.err
    (line,) = [x for x in cron.out.splitlines() if x and not x.startswith("#")]
    assert line.startswith("5 4 * * * ")
    assert f"--config {archive.config.resolve()}" in line and f"--data-dir {archive.data.resolve()}" in line
    assert line.rstrip().endswith(f">> {archive.data.resolve() / 'logs' / 'crawl.log'} 2>&1") and " crawl " in line
    units = archive.cli("schedule", "--systemd")
    assert units.code == 0 and "OnCalendar=*-*-* 03:17:00" in units.out and "Persistent=true" in units.out
    assert "ExecStart=" in units.out and "SuccessExitStatus=1" in units.out
    assert archive.cli("schedule", "--at", "25:00").code == 2
    archive.config.write_text("companies: [", encoding="utf-8")
    assert archive.cli("schedule").code == 2  # a config that does not load would fail every night
