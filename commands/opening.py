"""What every command opens from the global options: the config, and an archive that already exists.

Read commands never create an archive: a mistyped ``--data-dir`` would otherwise show an empty archive
as if nothing had been captured. They stop with EXIT_NOT_FOUND and say where they looked and what to check.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from config import Config, ConfigError, load_config
from crawler.exits import EXIT_CONFIG, EXIT_NOT_FOUND

DEFAULT_CONFIG = "config/companies.yaml"
ARCHIVE_TABLES = frozenset({"alembic_version", "documents", "snapshots", "versions"})


def default_config() -> str:
    """The env's config, else ./config/companies.yaml, else the packaged one (installed elsewhere)."""
    from config.loader import PACKAGED_CONFIG

    if env := os.environ.get("POLICY_ARCHIVE_CONFIG"):
        return env
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else str(PACKAGED_CONFIG)


def paths(args) -> tuple[Path, str]:
    """The data directory and the database URL the options (and POLICY_ARCHIVE_DB) point at."""
    from archive.db import database_url

    data_dir = Path(args.data_dir)
    return data_dir, database_url(data_dir, os.environ.get("POLICY_ARCHIVE_DB"))


def _shown(data_dir: Path) -> str:
    return str(data_dir) if data_dir.is_absolute() else f"{data_dir} ({data_dir.resolve()})"


def why_no_archive(data_dir: Path, db_url: str) -> str | None:
    """Why ``db_url`` holds no archive, or None when it does; opens nothing for writing, creates nothing."""
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    url = make_url(db_url)
    if os.environ.get("POLICY_ARCHIVE_DB"):
        where = f"the database POLICY_ARCHIVE_DB names ({url.render_as_string(hide_password=True)})"
        advice = "check POLICY_ARCHIVE_DB"
    else:
        where = f"the data directory {_shown(data_dir)}"
        advice = "check --data-dir (or POLICY_ARCHIVE_DATA)"
    advice += ", or run `policy-archive crawl` to start an archive there"
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or not Path(url.database).is_file():
            missing = "does not exist" if not data_dir.exists() else "holds no archive"
            return f"{where} {missing}: {advice}"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
    except SQLAlchemyError as exc:
        return f"cannot read {where}: {getattr(exc, 'orig', None) or exc}"
    finally:
        engine.dispose()
    if not ARCHIVE_TABLES <= tables:
        return f"{where} holds no archive (no policy-archive tables): {advice}"
    return None


def existing_archive(args, *, blobs: bool = False) -> tuple[Path, str]:
    """The data directory and database of an existing archive, or exit EXIT_NOT_FOUND saying why not.
    ``blobs``: the command reads archived bytes, which live in the data directory even with PostgreSQL."""
    data_dir, db_url = paths(args)
    problem = why_no_archive(data_dir, db_url)
    if problem is None and blobs and not (data_dir / "blobs").is_dir():
        problem = (f"no archived bytes in {_shown(data_dir)} (no blobs folder): check --data-dir "
                   "(or POLICY_ARCHIVE_DATA); the database holds the archive, the data directory its bytes")
    if problem:
        print(f"policy-archive: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_NOT_FOUND)
    return data_dir, db_url


def config(args) -> Config:
    """The config --config names, or exit EXIT_CONFIG with the loader's message (file, line, field)."""
    try:
        return load_config(args.config)
    except ConfigError as exc:
        print(f"policy-archive: invalid configuration\n{exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def config_or_none(args) -> Config | None:
    """The config if it loads: export and evidence work on an archive without one (names, user agent)."""
    try:
        return load_config(args.config)
    except (ConfigError, OSError):
        return None
