"""A crawl killed with SIGKILL leaves a consistent archive, and the next run completes it."""

from __future__ import annotations

import signal
import subprocess
import threading
import time

import psutil
from sqlalchemy import select

from archive.models import Document, Run, Snapshot, Version
from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import company
from tests.pages import RU_CLAUSES, home_page, policy_page

N_DOCS = 24


class TrippedSite(FixtureSite):
    """A site that raises an event when a given path is first requested."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tripwires: dict[str, threading.Event] = {}

    def respond(self, method, target, request_headers, base_url):
        if target in self.tripwires:
            self.tripwires[target].set()
        return super().respond(method, target, request_headers, base_url)


def _site(slow: bool) -> TrippedSite:
    links = {f"/docs/{n}": f"Публичная оферта № {n}" for n in range(N_DOCS)}
    routes = {"/": Route(body=home_page({"/documents/": "Документы"})),
              "/documents/": Route(body=home_page(links, title="Документы"))}
    for n in range(N_DOCS):
        routes[f"/docs/{n}"] = Route(body=policy_page(f"Публичная оферта № {n}", [*RU_CLAUSES, f"Оферта {n}."]))
    # The last document hangs, so the kill lands with a crawl in full flight.
    routes[f"/docs/{N_DOCS - 1}"] = Route(body=routes[f"/docs/{N_DOCS - 1}"].body, delay=60 if slow else 0)
    return TrippedSite(routes=routes)


def _start_crawl(archive) -> subprocess.Popen:
    return archive.start_crawl(output=subprocess.DEVNULL)


def _kill_when(archive, site: TrippedSite, path: str) -> None:
    site.tripwires[path] = threading.Event()
    proc = _start_crawl(archive)
    try:
        assert site.tripwires[path].wait(60), f"the crawl never requested {path}"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL


def _assert_consistent(archive) -> None:
    """``verify`` passes (blobs re-hashed, database against store), and every version's snapshot
    belongs to its document."""
    verified = archive.cli("verify")
    assert verified.code == 0, verified.out + verified.err
    assert "the archive is whole" in verified.out
    db = archive.db()
    with db.session() as s:
        for version in s.scalars(select(Version)):
            assert s.get(Snapshot, version.snapshot_id).document_id == version.document_id
    db.close()


def test_sigkill_mid_crawl_leaves_a_consistent_archive_that_the_next_run_completes(archive):
    site = _site(slow=True)
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], concurrent_per_host=2)
        # At several points: before anything is recorded, with the homepage done, mid-way, late.
        for path in ("/", "/documents/", "/docs/8", f"/docs/{N_DOCS - 1}"):
            _kill_when(archive, site, path)
            _assert_consistent(archive)
        site.routes[f"/docs/{N_DOCS - 1}"].delay = 0
        result = archive.crawl()
        assert result.code == 0, result.out + result.err
        _assert_consistent(archive)
        again = archive.crawl()
        assert again.code == 0 and "new versions: 0" in again.out

    db = archive.db()
    with db.session() as s:
        runs = list(s.scalars(select(Run).order_by(Run.id)))
        assert [r.status for r in runs] == ["aborted"] * 4 + ["completed", "completed"]
        docs = list(s.scalars(select(Document)))
        assert len(docs) == N_DOCS and all(d.status == "available" for d in docs)
        versions = list(s.scalars(select(Version)))
        assert len(versions) == N_DOCS  # each document once, however many runs were cut short
    db.close()


def test_a_full_disk_stops_the_crawl_with_a_clear_error_and_damages_nothing(archive):
    """The crawl runs with a file size limit (RLIMIT_FSIZE: a write past it fails as on a full disk)."""
    import resource

    site = _site(slow=False)
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], concurrent_per_host=2)
        assert archive.crawl().code == 0
        db = archive.db()
        with db.session() as s:
            before = {v.id: v.text_sha256 for v in s.scalars(select(Version))}
        db.close()
        # Every document grows past what the disk can still take (~130 KB): 500 clauses of its own (not the same
        # clauses again and again: two hundred copies of a notice clause made every report list 200 notices).
        for n in range(N_DOCS):
            clauses = [f"{n}.{i}. Раздел {i} описывает порядок обслуживания клиента по договору № {n}, сроки "
                       f"исполнения поручений, расчёты и ответственность сторон." for i in range(500)]
            site.routes[f"/docs/{n}"] = Route(body=policy_page(f"Публичная оферта № {n}",
                                                               [*RU_CLAUSES, *clauses, f"Новая редакция {n}."]))

        def small_disk():
            resource.setrlimit(resource.RLIMIT_FSIZE, (96 * 1024, 96 * 1024))

        full = archive.crawl(preexec_fn=small_disk)
        assert full.code == 4, full.out + full.err
        assert "is full" in full.err and "everything archived before is intact" in full.err
        assert "Traceback" not in full.err
        _assert_consistent(archive)
        db = archive.db()
        with db.session() as s:
            assert {v.id: v.text_sha256 for v in s.scalars(select(Version)) if v.id in before} == before
        db.close()
        # With space again, the next run archives the new editions.
        again = archive.crawl()
        assert again.code == 0, again.out + again.err
        assert f"new versions: {N_DOCS}" in again.out
        _assert_consistent(archive)


def _descendants(pid: int) -> list[psutil.Process]:
    """The processes below ``pid`` (children, theirs, ...)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:  # gone meanwhile
        return []


def _alive(proc: psutil.Process) -> bool:
    """Still running (a zombie is dead; ``is_running`` tells a reused pid from the same process)."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_a_killed_crawl_takes_its_reader_processes_with_it(archive):
    """Readers hold each other's task queue open, so after a SIGKILL of the crawl none would ever see the end
    of its input: they and their fork server must die with the crawl, not idle for ever."""
    site = _site(slow=True)
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], concurrent_per_host=8, workers=2)
        site.tripwires[f"/docs/{N_DOCS - 1}"] = threading.Event()
        proc = _start_crawl(archive)
        try:
            assert site.tripwires[f"/docs/{N_DOCS - 1}"].wait(60), "the crawl never reached its last document"
            readers: list[psutil.Process] = []
            for _ in range(100):  # the documents before the hanging one queue up for the recorder: readers start
                readers = [p for p in _descendants(proc.pid) if "forkserver" in " ".join(_cmdline(p))]
                if len(readers) >= 2:  # the server and at least one reader
                    break
                time.sleep(0.1)
            assert len(readers) >= 2, f"no reader processes started: {_descendants(proc.pid)}"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        for _ in range(100):
            if not any(_alive(p) for p in readers):
                break
            time.sleep(0.1)
        assert not [p for p in readers if _alive(p)], "reader processes outlived the killed crawl"
