"""Is the archive whole? ``verify`` re-hashes every blob and checks the database against the blob
store; ``backup`` copies both consistently.

The crawl writes a blob (atomically: a temporary file renamed into place) *before* the row that
names it, so an interrupted run can leave two harmless traces, reported as notes, not problems:
a temporary file (``.tmp-*``) and a blob no row names yet (the next capture of the same bytes
adopts it). A problem is anything that loses or falsifies evidence: a row naming a missing blob,
a blob whose bytes no longer match its name, a version whose text no longer matches its hash,
a row pointing at a row that does not exist, or a damaged database file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from archive.blobs import BlobStore
from archive.db import Database
from diffing.normalise import text_hash

# The references the database holds: (table, column naming a blob).
BLOB_COLUMNS = (("snapshots", "sha256"), ("snapshots", "screenshot_sha256"))
# Rows that must point at an existing row: (table, column, referenced table).
REFERENCES = (("snapshots", "document_id", "documents"), ("snapshots", "run_id", "runs"),
              ("snapshots", "parent_id", "snapshots"), ("versions", "document_id", "documents"),
              ("versions", "snapshot_id", "snapshots"))


@dataclass
class Verification:
    blobs: int = 0
    bytes: int = 0
    versions: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _blob_files(store: BlobStore) -> Iterator[Path]:
    for path in sorted(store.root.rglob("*")):
        if path.is_file():
            yield path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(db: Database, blobs: BlobStore, limit: int = 50) -> Verification:
    """Every check; at most ``limit`` examples of each kind of problem are listed."""
    result = Verification()

    def problem(kind: str, examples: list[str], count: int | None = None) -> None:
        if examples:
            more = (count or len(examples)) - len(examples[:limit])
            result.problems.append(f"{kind}: {count or len(examples)}\n" + "\n".join(
                f"  {e}" for e in examples[:limit]) + (f"\n  … and {more} more" if more > 0 else ""))

    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            check = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            if check != ["ok"]:
                problem("the database file is damaged (PRAGMA integrity_check)", check)
        for table, column, target in REFERENCES:
            rows = conn.execute(text(
                f"SELECT t.id, t.{column} FROM {table} t LEFT JOIN {target} r ON r.id = t.{column} "
                f"WHERE t.{column} IS NOT NULL AND r.id IS NULL")).all()
            problem(f"{table}.{column} naming a missing {target} row",
                    [f"{table} {rid}: {column} = {ref}" for rid, ref in rows])
        rows = conn.execute(text(
            "SELECT id, url FROM snapshots WHERE outcome != 'failed' AND sha256 IS NULL")).all()
        problem("captures recorded as fetched but with no bytes (half-written rows)",
                [f"snapshot {sid}: {url}" for sid, url in rows])
        referenced: dict[str, str] = {}
        for table, column in BLOB_COLUMNS:
            for rid, sha in conn.execute(text(f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL")):
                referenced.setdefault(sha, f"{table} {rid} ({column})")
        bad_hash = []
        for vid, body, digest in conn.execute(text("SELECT id, text, text_sha256 FROM versions")):
            result.versions += 1
            if text_hash(body) != digest:
                bad_hash.append(f"version {vid}: its text no longer matches text_sha256 {digest[:16]}…")
        problem("versions whose text changed after it was recorded", bad_hash)

    on_disk: set[str] = set()
    corrupt, temporary = [], []
    for path in _blob_files(blobs):
        if path.name.startswith(".tmp-"):
            temporary.append(str(path))
            continue
        result.blobs += 1
        result.bytes += path.stat().st_size
        on_disk.add(path.name)
        actual = _sha256(path)
        if actual != path.name or path != blobs.path(path.name):
            corrupt.append(f"{path}: its bytes hash to {actual}")
    problem("blobs whose bytes do not match their name (damaged or edited)", corrupt)
    missing = [f"{sha} named by {where}" for sha, where in sorted(referenced.items()) if sha not in on_disk]
    problem("blobs the database names that are not in the store (lost evidence)", missing)
    orphans = sorted(on_disk - referenced.keys())
    if orphans:
        result.notes.append(f"{len(orphans)} blob(s) no row names yet (left by an interrupted run; the next "
                            "capture of the same bytes adopts them)")
    if temporary:
        result.notes.append(f"{len(temporary)} temporary file(s) of interrupted blob writes (safe to delete): "
                            + ", ".join(temporary[:5]))
    return result


@dataclass
class Backup:
    database: Path
    blobs_copied: int
    blobs_present: int


def backup(db: Database, blobs: BlobStore, out: Path) -> Backup:
    """A consistent copy: the database first (SQLite's ``VACUUM INTO``, a snapshot of one transaction;
    ``pg_dump`` for PostgreSQL), then the blob store. Blobs are written before the rows naming them,
    so every blob the copied database names is already on disk when the copy of blobs starts.
    A second backup into the same folder copies only the blobs it lacks."""
    out.mkdir(parents=True, exist_ok=True)
    if db.engine.dialect.name == "sqlite":
        target = out / "archive.sqlite3"
        partial = out / ".archive.sqlite3.partial"
        partial.unlink(missing_ok=True)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("VACUUM INTO ?", (str(partial),))
        partial.replace(target)
    elif db.engine.dialect.name == "postgresql":
        target = out / "archive.pgdump"
        url = make_url(db.url)
        env = {**os.environ}
        if url.password:
            env["PGPASSWORD"] = url.password
        host = url.query.get("host") or url.host
        command = ["pg_dump", "--format=custom", "--file", str(out / ".archive.pgdump.partial"),
                   *(["--host", str(host)] if host else []), *(["--port", str(url.port)] if url.port else []),
                   *(["--username", url.username] if url.username else []), url.database or "postgres"]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
        (out / ".archive.pgdump.partial").replace(target)
    else:
        raise RuntimeError(f"no backup method for {db.engine.dialect.name} databases")
    copied = present = 0
    store = BlobStore(out / "blobs")
    for path in _blob_files(blobs):
        if path.name.startswith(".tmp-"):
            continue
        destination = store.path(path.name)
        if destination.exists() and destination.stat().st_size == path.stat().st_size:
            present += 1
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial = destination.with_name(f".tmp-{path.name}")
        shutil.copyfile(path, partial)
        partial.replace(destination)
        copied += 1
    return Backup(target, copied, present)
