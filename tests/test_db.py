"""The database: Alembic migrations build exactly the models' schema, SQLite runs in WAL mode."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from archive.db import Database
from archive.models import Base
from tests.conftest import database_at, db_url, on_postgresql


def include_name(name, type_, _parents) -> bool:
    return not ((type_ == "table" and name.startswith("versions_fts"))
                or (type_ == "index" and name == "ix_versions_search"))


def test_migrations_build_exactly_the_models_schema(tmp_path):
    db = Database(db_url(tmp_path))
    with db.engine.connect() as conn:
        # The FTS5 index of 0005 is not a model (archive/migrations/env.py skips it the same way).
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, Base.metadata)
    db.close()
    assert diff == [], "models changed without a migration: add one in archive/migrations/versions"


def test_reopening_is_idempotent_and_sqlite_uses_wal_and_foreign_keys(tmp_path):
    for _ in range(2):  # the second open finds the schema at head and changes nothing
        db = Database(db_url(tmp_path))
        with db.engine.connect() as conn:
            if not on_postgresql():
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009"
        db.close()


def test_the_head_named_in_code_is_alembics_and_an_archive_at_it_opens_without_alembic(tmp_path):
    """``archive.migrations.HEAD`` must be bumped with each migration; an archive already at it is opened
    without importing Alembic (a new one, or one an older release left, is migrated with it)."""
    import subprocess
    import sys

    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from archive.db import MIGRATIONS
    from archive.migrations import HEAD
    from tests.conftest import REPO

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD
    probe = ("import sys; from archive.db import Database, schema_revision; db = Database(sys.argv[1]); "
             "print(schema_revision(db.engine), 'alembic' in sys.modules)")
    url = db_url(tmp_path)
    opened = [subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True, cwd=REPO,
                             check=True).stdout.split() for _ in range(2)]
    assert opened == [[HEAD, "True"], [HEAD, "False"]]  # created (migrated), then found at head


def test_an_archive_made_before_ocr_migrates_with_its_versions_marked_text(tmp_path):
    url = db_url(tmp_path)
    database_at(url, "0001",
                "INSERT INTO documents (id, company_id, url, first_seen, last_captured, status) "
                "VALUES (1, 'bank', 'https://bank.kz/privacy', '2024-05-02', '2024-05-02', 'available')",
                "INSERT INTO snapshots (id, company_id, document_id, role, url, final_url, fetched_at, "
                "outcome, kind) VALUES (1, 'bank', 1, 'document', 'u', 'u', '2024-05-02', 'new', 'server')",
                "INSERT INTO versions (id, document_id, snapshot_id, captured_at, text, text_sha256, "
                "technical) VALUES (1, 1, 1, '2024-05-02', 'Политика', 'x', false)")
    db = Database(url)  # opening migrates to head
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT method FROM versions WHERE id = 1")).scalar() == "text"
        assert conn.execute(text("SELECT parent_id, screenshot_sha256 FROM snapshots")).one() == (None, None)
    db.close()


def test_versions_are_searchable_in_kazakh_and_russian_and_the_index_follows_deletes(tmp_path):
    from datetime import datetime

    from archive.models import Document, Snapshot, Version
    from archive.search import search

    db = Database(db_url(tmp_path))
    when = datetime(2024, 5, 2)
    with db.session() as s:
        s.add(Document(id=1, company_id="bank", url="https://bank.kz/kz/privacy", first_seen=when,
                       last_captured=when))
        s.add(Snapshot(id=1, company_id="bank", document_id=1, role="document", url="u", final_url="u",
                       fetched_at=when, outcome="new"))
        s.add(Version(id=1, document_id=1, snapshot_id=1, captured_at=when, title="Құпиялылық <b>саясаты</b>",
                      text="1. Дербес деректер қорғалады.\n2. Персональные данные <script>x</script> хранятся.",
                      text_sha256="x"))
        s.commit()
        assert [h.version_id for h in search(s, "қорғалад")] == [1]
        hit = search(s, "хранятся")[0]
        assert [text for text, marked in hit.passage if marked] == ["хранятся"]
        passage = "".join(text for text, _ in hit.passage)
        # Plain text, escaped by the page that shows it (PostgreSQL's parser drops tags from passages).
        assert ("Персональные данные  x  хранятся" if on_postgresql() else "<script>x</script>") in passage
        assert search(s, "корғалад") == []  # к is not қ: Kazakh letters are kept
        assert search(s, '"unbalanced') == [] and search(s, "") == []
        s.delete(s.get(Version, 1))
        s.commit()
        assert search(s, "хранятся") == []
    db.close()
