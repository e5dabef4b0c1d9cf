"""archive/queries.py: a document's versions are listed in one order everywhere, the order the company
published them, even when a re-extraction of an old snapshot was stored after newer texts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from archive.blobs import BlobStore
from archive.history import effective_versions
from archive.models import Document, Version
from archive.queries import document_versions, latest_version
from archive.recorder import Recorder
from archive.records import Capture, Link
from archive.runs import start_run
from diffing.normalise import text_hash
from tests.conftest import company
from tests.pages import RU_CLAUSES, policy_page

URL = "http://bank.kz/ru/privacy"
OLD = [c.replace("пяти лет", "трех лет") for c in RU_CLAUSES]


def _capture(body: str, day: int) -> Capture:
    return Capture(company_id="bank", url=URL, final_url=URL, status=200,
                   headers={"content-type": "text/html; charset=utf-8"}, body=body.encode(),
                   fetched_at=datetime(2025, 5, day, 9), doc_type="privacy_policy", depth=1,
                   path=[Link("http://bank.kz/", "Политика конфиденциальности")])


def _record(db, blobs, *captures: Capture) -> list[str]:
    recorder = Recorder(db, blobs, start_run(db, None))
    try:
        return [recorder.record(c) for c in captures]
    finally:
        recorder.close()


def test_a_late_re_extraction_of_an_old_snapshot_stays_in_its_place(archive):
    db, blobs = archive.db(), BlobStore(archive.data / "blobs")
    old, new = policy_page("Политика", OLD), policy_page("Политика", RU_CLAUSES)
    assert _record(db, blobs, _capture(old, 1), _capture(new, 2)) == ["new_version", "new_version"]
    with db.session() as s:
        first = s.scalars(select(Version).order_by(Version.id)).first()
        # What `policy-archive reextract` stores when a better extractor reads the first snapshot anew:
        # the same snapshot and time, a higher id than every version after it.
        text = first.text + "\nПриложение 1."
        s.add(Version(document_id=first.document_id, snapshot_id=first.snapshot_id, captured_at=first.captured_at,
                      text=text, text_sha256=text_hash(text), technical=True))
        s.commit()
        doc_id = first.document_id
        versions = document_versions(s, doc_id)
        assert [(v.captured_at.day, v.technical) for v in versions] == [(1, False), (1, True), (2, False)]
        assert [v.id for v in versions] == [1, 3, 2]
        assert latest_version(s, doc_id).id == 2
        assert [v.id for v in effective_versions(s, doc_id)] == [3, 2]

    # New bytes, same text as the newest version: no new version (it used to be compared with the
    # re-extraction, the highest id, and stored again).
    again = new.replace("<body>", '<body data-build="2">', 1)
    assert again != new
    assert _record(db, blobs, _capture(again, 3)) == ["same_text"]
    db.close()

    archive.write_config([company("bank", "http://bank.kz/")])
    latest = archive.cli("show", str(doc_id), "--text", "latest")
    assert latest.code == 0, latest.err
    assert "не более пяти лет" in latest.out and "Приложение 1." not in latest.out
    listing = archive.cli("show", str(doc_id))
    assert listing.code == 0, listing.err
    ids = [line.split()[0] for line in listing.out.splitlines() if "chars" in line]
    assert ids == ["1", "3", "2"]


def test_no_versions(archive):
    db = archive.db()
    with db.session() as s:
        assert s.scalar(select(Document.id)) is None
        assert document_versions(s, 1) == [] and latest_version(s, 1) is None
    db.close()
