import hashlib

import pytest

from archive.blobs import BlobStore

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)


def test_identical_bytes_are_stored_once(tmp_path):
    store = BlobStore(tmp_path)
    sha, new = store.put(b"policy v1")
    assert new and sha == hashlib.sha256(b"policy v1").hexdigest()
    assert store.put(b"policy v1") == (sha, False)
    assert store.get(sha) == b"policy v1"
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == [store.path(sha)]


def test_no_temporary_files_are_left_behind(tmp_path):
    store = BlobStore(tmp_path)
    for i in range(20):
        store.put(f"doc {i}".encode())
    assert not [p for p in tmp_path.rglob(".tmp-*")]
    assert store.size_on_disk() == sum(len(f"doc {i}") for i in range(20))


def test_a_failed_write_leaves_no_partial_blob(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(TypeError):
        store.put("not bytes")  # type: ignore[arg-type]
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_path_rejects_anything_but_a_digest(tmp_path):
    store = BlobStore(tmp_path)
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
