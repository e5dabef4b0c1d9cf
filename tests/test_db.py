"""The database: Alembic migrations build exactly the models' schema, SQLite runs in WAL mode."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from archive.db import Database, database_url
from archive.models import Base


def test_migrations_build_exactly_the_models_schema(tmp_path):
    db = Database(database_url(tmp_path))
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.close()
    assert diff == [], "models changed without a migration: add one in archive/migrations/versions"


def test_sqlite_uses_wal_and_foreign_keys_and_reopening_is_idempotent(tmp_path):
    for _ in range(2):  # the second open finds the schema at head and changes nothing
        db = Database(database_url(tmp_path))
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0004"
        db.close()


def test_an_archive_made_before_ocr_migrates_with_its_versions_marked_text(tmp_path):
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import create_engine

    from archive.db import MIGRATIONS

    url = database_url(tmp_path)
    engine = create_engine(url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO documents (id, company_id, url, first_seen, last_captured, status) "
                          "VALUES (1, 'bank', 'https://bank.kz/privacy', '2024-05-02', '2024-05-02', 'available')"))
        conn.execute(text("INSERT INTO snapshots (id, company_id, document_id, role, url, final_url, fetched_at, "
                          "outcome, kind) VALUES (1, 'bank', 1, 'document', 'u', 'u', '2024-05-02', 'new', 'server')"))
        conn.execute(text("INSERT INTO versions (id, document_id, snapshot_id, captured_at, text, text_sha256, "
                          "technical) VALUES (1, 1, 1, '2024-05-02', 'Политика', 'x', 0)"))
    engine.dispose()
    db = Database(url)  # opening migrates to head
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT method FROM versions WHERE id = 1")).scalar() == "text"
        assert conn.execute(text("SELECT parent_id, screenshot_sha256 FROM snapshots")).one() == (None, None)
    db.close()
