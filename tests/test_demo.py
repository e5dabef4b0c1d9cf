"""The offline demo: discovery from the homepages alone matches the sites' answer key (the bank's old
editions included, with the dates it states for them)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from archive.models import Document, Run, Version
from crawler.demo import SITES_DIR
from crawler.demo.run import MARKER, run_demo
from crawler.exits import EXIT_CONFIG
from tests.conftest import REPO, reported


def answer_key() -> set[tuple[str, str, str, str, int]]:
    text = (SITES_DIR / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- answer-key:start -->")[1].split("<!-- answer-key:end -->")[0]
    rows = set()
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and re.fullmatch(r"\d+", cells[4]):
            rows.add((cells[0], cells[1], cells[2], cells[3], int(cells[4])))
    return rows


def test_crawling_the_demo_finds_every_document_and_language_version_then_the_changes(demo_crawled, tmp_path):
    archive = reported(demo_crawled.copy(tmp_path))  # the demo crawled, then crawled again after it changed
    assert demo_crawled.codes == [1, 1], demo_crawled.errors  # tenge-finance's consent link: a soft 404, on purpose

    db = archive.db()
    with db.session() as s:
        docs = list(s.scalars(select(Document).where(Document.status == "available")))
        found = {(d.company_id, d.doc_type, d.language, urlsplit(d.url).path, d.depth) for d in docs}
        assert found == answer_key()
        unavailable = list(s.scalars(select(Document).where(Document.status == "unavailable")))
        assert [(d.company_id, urlsplit(d.url).path, d.last_failure.split(":")[0]) for d in unavailable] == [
            ("tenge-finance", "/docs/consent", "soft_404")]
        runs = list(s.scalars(select(Run).order_by(Run.id)))
        assert runs[1].summary["new_versions"] == 3
        # The second crawl sees every document again, the rendered ones too (no stale 304s).
        assert runs[1].summary["failures"] == {"http_404": 1, "soft_404": 1}
        recaptured = {d.url for d in docs if d.last_captured >= runs[1].started_at}
        assert recaptured == {d.url for d in docs}
        changed = {
            (d.company_id, d.doc_type, d.language)
            for d in docs
            if len(list(s.scalars(select(Version).where(Version.document_id == d.id)))) == 2
        }
        # QazaqPay changed both languages; Dala Telecom only the Russian one (a translation lag, issue 14).
        assert changed == {("qazaqpay", "privacy_policy", "ru"), ("qazaqpay", "privacy_policy", "kk"),
                           ("dala-telecom", "personal_data_policy", "ru")}
        old = {(d.company_id, urlsplit(d.url).path): str(d.stated_date) for d in docs if d.historical}
        assert old == {("aqsu-bank", "/ru/archive/terms-2022-03-15"): "2022-03-15",
                       ("aqsu-bank", "/ru/archive/privacy-2023-09-01"): "2023-09-01",
                       ("aqsu-bank", "/kz/archive/privacy-2023-09-01"): "2023-09-01"}
    db.close()


@pytest.mark.no_archive_database  # the demo archives in its own folder, whatever POLICY_ARCHIVE_DB says
def test_the_demo_command_runs_end_to_end(tmp_path):
    # A demo folder left by an earlier run (its marker, a stale archive): the demo rebuilds it, so a second
    # `make demo` gives the same answer as the first. Stale bytes it kept would fail the crawl.
    stale = tmp_path / "demo"
    (stale / "blobs").mkdir(parents=True)
    (stale / MARKER).write_text("an earlier demo\n")
    (stale / "archive.sqlite3").write_bytes(b"not a database: an earlier demo's archive")
    (stale / "blobs" / "left-over").write_bytes(b"x")
    # A team's database named in the environment is not where the demo goes (nothing listens there).
    env = {**os.environ, "PYTHONPATH": str(REPO), "POLICY_ARCHIVE_DB": "postgresql+psycopg://nobody@127.0.0.99:9/none"}
    proc = subprocess.run([sys.executable, "-m", "commands.cli", "--data-dir", str(tmp_path), "demo", "--no-serve"],
                          capture_output=True, text=True, timeout=300, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "== What changed between the two crawls" in proc.stdout
    assert proc.stdout.count("### substantive:") == 3
    assert "| Aqsu Bank | privacy_policy | available | yes | ✓ d2 | ✓ d1 | — |" in proc.stdout
    assert "- Aqsu Bank: public archive of previous versions (F2a.4 / P2a.4), 3 old edition(s) archived" in proc.stdout
    assert "[-5 (пяти-]{+3 (трёх+}) лет" in proc.stdout and "[-5 (бес-]{+3 (үш+}) жыл" in proc.stdout
    assert "(cosmetic: date line)" in proc.stdout  # the edition date is shown, folded as cosmetic
    # Dala Telecom changed its Russian policy only: the Kazakh one lags, and the verdict says so (issue 14).
    assert "the Kazakh version has not followed the Russian change of" in proc.stdout
    assert "numbers differ in 6.1: Kazakh 5, Russian 3" in proc.stdout
    assert (stale / MARKER).is_file() and not (stale / "blobs" / "left-over").exists()
    assert (stale / "archive.sqlite3").read_bytes().startswith(b"SQLite format 3")


@pytest.mark.no_archive_database
def test_the_demo_never_touches_a_folder_it_did_not_make(tmp_path, capsys):
    mine = tmp_path / "demo"
    mine.mkdir()
    (mine / "notes.txt").write_text("a researcher's own files")
    assert run_demo(tmp_path) == EXIT_CONFIG
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert "is not a demo archive; not touching it" in capsys.readouterr().err
