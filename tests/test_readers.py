"""Reader processes (issue 15): new pages are read (text, languages) in worker processes ahead of the
recorder. The archive must be the same whoever read a page: the recorder itself (``crawl.workers: 0``)
or a worker; a reading made from other bytes is never used.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import select

from archive.blobs import BlobStore
from archive.models import Document, Run, TextChange, Version
from archive.prepared import Prepared, prepare, wanted
from archive.recorder import Recorder
from archive.records import Capture
from archive.runs import start_run
from extraction.extract import Extraction
from tests.conftest import Archive, company, crawl_demo_twice
from tests.pages import RU_CLAUSES, policy_page

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching

HTML = {"content-type": "text/html; charset=utf-8"}
URL = "http://bank.kz/privacy"


def _archive_contents(archive: Archive) -> tuple[set, dict]:
    db = archive.db()
    try:
        with db.session() as s:
            pairs = s.execute(select(Document, Version).join(Version, Version.document_id == Document.id))
            versions = {(d.company_id, d.url.split("/", 3)[-1], d.variant, d.doc_type, v.language, v.text_sha256,
                         tuple(sorted((v.language_shares or {}).items())), v.title) for d, v in pairs}
            changes = {(c.old_sha256, c.new_sha256, c.differ, c.kind, repr(c.summary))
                       for c in s.scalars(select(TextChange))}
            counts = [{k: run.summary[k] for k in ("new_versions", "new_snapshots", "unchanged_snapshots", "failures",
                                                   "read_ahead", "classified_ahead")}
                      for run in s.scalars(select(Run).order_by(Run.id))]
    finally:
        db.close()
    return versions, changes, counts


def test_the_demo_reads_the_same_with_reader_processes_as_without(tmp_path, demo_crawled):
    """Both crawls of ``make demo`` (the second finds changed pages): the same versions, languages, shares and
    classified changes whether the recorder read everything or reader processes read and classified ahead."""
    # With two reader processes: the suite's demo crawl (tests/conftest.py); without: crawled here the same way.
    assert demo_crawled.codes == [1, 1], demo_crawled.errors  # the demo's soft 404, on purpose
    archives = {2: _archive_contents(demo_crawled.copy(tmp_path / "workers-2"))}
    archive = Archive(tmp_path / "workers-0")
    archive.root.mkdir()
    assert [result.code for result in crawl_demo_twice(archive, workers=0)] == [1, 1]
    archives[0] = _archive_contents(archive)
    (alone, alone_changes, alone_counts), (helped, helped_changes, helped_counts) = archives[0], archives[2]
    assert len(alone) > 30 and helped == alone
    assert len(alone_changes) >= 3 and helped_changes == alone_changes
    # The readers did read: most documents came ready (not those with panels, states, or rendered twice).
    # (Whether the second crawl's few changes queue up enough to be read and classified ahead depends on
    # timing: test_changes_classified_in_a_reader_process_are_kept_the_same shows that part.)
    assert [(c.pop("read_ahead"), c.pop("classified_ahead")) for c in alone_counts] == [(0, 0), (0, 0)]
    assert helped_counts[0]["read_ahead"] >= 20
    for counts in helped_counts:
        counts.pop("read_ahead"), counts.pop("classified_ahead")
    assert helped_counts == alone_counts


def _capture(body: str, minute: int) -> Capture:
    return Capture(company_id="bank", url=URL, final_url=URL, status=200, headers=dict(HTML), body=body.encode(),
                   fetched_at=datetime(2025, 5, 10, 9, minute), role="document", doc_type="privacy_policy", depth=1)


def test_a_reading_is_used_only_for_the_bytes_it_was_made_from(archive):
    archive.write_config([company("bank", "http://bank.kz/")])
    first = policy_page("Политика конфиденциальности", RU_CLAUSES)
    second = policy_page("Политика конфиденциальности", RU_CLAUSES[:-1])
    reading = prepare(first.encode(), HTML["content-type"], URL, ())
    assert reading.extraction is not None and reading.language[0].language == "ru"
    # A reading of other bytes, deliberately wrong in every field: the recorder must not take it.
    wrong = Prepared(reading.sha256, Extraction("подделка", "x", "html", "utf-8", "fake", None),
                     "0" * 64, reading.language)
    db = archive.db()
    recorder = Recorder(db, BlobStore(archive.data / "blobs"), start_run(db, None))
    try:
        assert recorder.record(_capture(first, 1), reading) == "new_version"
        assert recorder.record(_capture(second, 2), wrong) == "new_version"  # other bytes: read again
        with db.session() as s:
            texts = [v.text for v in s.scalars(select(Version).order_by(Version.id))]
    finally:
        recorder.close()
        db.close()
    assert texts[0] == reading.extraction.text and "подделка" not in texts[1] and RU_CLAUSES[0] in texts[1]


def test_changes_classified_in_a_reader_process_are_kept_the_same(tmp_path):
    """A change is classified in a reader process when the crawl's readers are busy (``Recorder.offload``),
    kept when its answer comes; the row is the one the recorder would have written itself."""
    pages = [policy_page("Политика конфиденциальности", RU_CLAUSES),
             policy_page("Политика конфиденциальности", RU_CLAUSES[:-1] + ["Срок хранения данных: три года."])]
    kept = {}
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("forkserver")) as readers:
        for how in ("recorder", "reader"):
            archive = Archive(tmp_path / how)
            archive.root.mkdir()
            archive.write_config([company("bank", "http://bank.kz/")])
            db = archive.db()
            recorder = Recorder(db, BlobStore(archive.data / "blobs"), start_run(db, None))
            if how == "reader":
                recorder.offload = readers.submit
            try:
                assert [recorder.record(_capture(page, minute)) for minute, page in enumerate(pages)] == [
                    "new_version", "new_version"]
                assert recorder.counts["classified_ahead"] == (how == "reader")
            finally:
                recorder.close()  # keeps what is still being classified
            with db.session() as s:
                kept[how] = [(c.old_sha256, c.new_sha256, c.differ, c.kind, c.summary)
                             for c in s.scalars(select(TextChange))]
            db.close()
    assert len(kept["recorder"]) == 1 and kept["recorder"][0][3] == "substantive"
    assert kept["reader"] == kept["recorder"]


def test_what_is_worth_reading_ahead():
    page = policy_page("Политика", RU_CLAUSES).encode()
    cap = _capture(page.decode(), 1)
    assert wanted(cap, None)
    assert not wanted(cap, prepare(page, HTML["content-type"], URL, ()).sha256)  # the bytes stored last time
    assert not wanted(Capture(**{**cap.__dict__, "variant": "cookie:lang=kk"}), None)  # a language state
    assert not wanted(Capture(**{**cap.__dict__, "role": "hub"}), None)
    failed = Capture(**{**cap.__dict__, "error": "http_404: the server answered HTTP 404"})
    assert not wanted(failed, None)
    tabs = policy_page("Политика", RU_CLAUSES[:3]).replace(
        "</main>", '<div role="tabpanel" hidden lang="kk"><p>Қазақша мәтін</p></div></main>').encode()
    assert prepare(tabs, HTML["content-type"], URL, ()).extraction is None  # panels: the recorder plans them
