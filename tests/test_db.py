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
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        db.close()
