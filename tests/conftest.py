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

REPO = Path(__file__).resolve().parent.parent

# The short allow-list tests use: the loopback addresses our fixture sites listen on, and no more.
# 127.0.0.99 is deliberately outside it: the refusal tests listen there.
TEST_ALLOW = ["127.0.0.1/32", "127.0.0.2/31", "127.0.0.4/31"]


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

    def cli(self, *args: str, timeout: float = 300, env: dict | None = None) -> Result:
        full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
        full_env.pop("POLICY_ARCHIVE_DB", None)
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "--config", str(self.config), "--data-dir", str(self.data),
             *args],
            capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def start_crawl(self, *args: str) -> subprocess.Popen:
        """A crawl in the background, for tests that act on it while it runs."""
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("POLICY_ARCHIVE_DB", None)
        return subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "--config", str(self.config), "--data-dir", str(self.data),
             "crawl", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)

    def crawl(self, *args: str, **kw) -> Result:
        return self.cli("crawl", *args, **kw)

    def db(self):
        from archive.db import Database, database_url

        return Database(database_url(self.data))


@pytest.fixture
def archive(tmp_path) -> Archive:
    return Archive(tmp_path)


def company(cid: str, homepage: str, **extra) -> dict:
    return {"id": cid, "name": cid.title(), "sector": "FinTech", "homepage": homepage, **extra}
