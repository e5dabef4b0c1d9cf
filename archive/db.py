"""Opening the archive database: SQLite by default (WAL), any SQLAlchemy URL otherwise.

The schema is always brought to the newest Alembic revision on open, so a fresh data
directory and an old one behave the same.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from archive.migrations import HEAD

MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(data_dir: Path, url: str | None = None) -> str:
    """The URL to use: ``url`` (from POLICY_ARCHIVE_DB) when given, else SQLite in the data dir."""
    if url:
        return url
    return f"sqlite:///{Path(data_dir).resolve() / 'archive.sqlite3'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    # WAL: readers (the CLI, the UI) never block the crawl's writes, and a killed writer
    # leaves the last committed state intact.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at; None for a database without one (a new archive)."""
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except DBAPIError:  # no such table
        return None


def migrate(engine: Engine) -> None:
    if schema_revision(engine) == HEAD:
        return  # up to date: no need for Alembic (importing it is ~0.13 s of every command's start)
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite alters a table by copying it; with foreign keys enforced, dropping the old copy
            # fails. Alembic's advice: switch them off for the migration, then check them.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"the database migration left broken references: {broken[:5]}")


class Database:
    """An engine with an up-to-date schema and a session factory."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(url)
        migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()
