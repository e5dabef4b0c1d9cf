"""Shared test helpers: run the real CLI in a subprocess, write configs, open the archive."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from archive.db import database_url
from tests.pg import ENV as PG_ENV
from tests.pg import new_database

REPO = Path(__file__).resolve().parent.parent

# The short allow-list tests use: the loopback addresses our fixture sites listen on, and no more.
# 127.0.0.99 is deliberately outside it: the refusal tests listen there.
TEST_ALLOW = ["127.0.0.1/32", "127.0.0.2/31", "127.0.0.4/31"]


_DATABASES: dict[Path, str] = {}


def db_url(data_dir: Path) -> str:
    """The database of the archive in ``data_dir``: SQLite in it, or (in the suite's PostgreSQL pass,
    ``python -m tests.pg -- pytest``) a fresh PostgreSQL database of its own, the same on every call."""
    server = os.environ.get(PG_ENV)
    if not server:
        return database_url(data_dir)
    key = Path(data_dir).resolve()
    if key not in _DATABASES:
        _DATABASES[key] = new_database(server)
    return _DATABASES[key]


def on_postgresql() -> bool:
    return bool(os.environ.get(PG_ENV))


def database_at(url: str, revision: str, *statements: str) -> None:
    """An archive database migrated only to ``revision`` (as an older release left it), with
    ``statements`` run on it: what migration tests open with today's code."""
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import create_engine, text

    from archive.db import MIGRATIONS

    engine = create_engine(url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Archive:
    """A config file and a data directory in tmp_path, and the CLI to run against them."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "companies.yaml"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def write_config(self, companies: list[dict], *, allow=TEST_ALLOW, campaigns=None, **crawl) -> Path:
        today = date.today()
        cfg = {
            "crawl": {"allow_private_addresses": list(allow), "download_timeout": 10, **crawl},
            "campaigns": campaigns if campaigns is not None else [
                {"name": "test", "start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1))}
            ],
            "companies": companies,
        }
        self.config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return self.config

    def cli(self, *args: str, timeout: float = 300, env: dict | None = None, preexec_fn=None) -> Result:
        full_env = {**os.environ, "PYTHONPATH": str(REPO), **self._db_env(), **(env or {})}
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "--config", str(self.config), "--data-dir", str(self.data),
             *args],
            capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO, preexec_fn=preexec_fn,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def start_crawl(self, *args: str, output=subprocess.PIPE) -> subprocess.Popen:
        """A crawl in the background, for tests that act on it while it runs."""
        env = {**os.environ, "PYTHONPATH": str(REPO), **self._db_env()}
        return subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "--config", str(self.config), "--data-dir", str(self.data),
             "crawl", *args], stdout=output, stderr=output, text=True, env=env, cwd=REPO)

    def _db_env(self) -> dict[str, str]:
        """POLICY_ARCHIVE_DB for the CLI: this archive's own database, never one from the caller's shell."""
        return {"POLICY_ARCHIVE_DB": db_url(self.data)}

    def sql(self, statement: str, **params) -> list[tuple]:
        """One SQL statement on this archive's database (SQLite or PostgreSQL), committed; its rows."""
        from sqlalchemy import text

        db = self.db()
        with db.engine.begin() as con:
            result = con.execute(text(statement), params)
            rows = [tuple(r) for r in result] if result.returns_rows else []
        db.close()
        return rows

    def crawl(self, *args: str, **kw) -> Result:
        return self.cli("crawl", *args, **kw)

    def db(self):
        from archive.db import Database

        return Database(db_url(self.data))


@pytest.fixture
def archive(tmp_path) -> Archive:
    return Archive(tmp_path)


def company(cid: str, homepage: str, **extra) -> dict:
    return {"id": cid, "name": cid.title(), "sector": "FinTech", "homepage": homepage, **extra}
