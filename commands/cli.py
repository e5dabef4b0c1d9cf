"""``policy-archive``: one small function per command, each parsing options and calling the core."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path

from config import ConfigError, check_config, load_config
from crawler.run import EXIT_CONFIG, EXIT_OK, EXIT_SOME_FAILED, CrawlOptions

DEFAULT_CONFIG = "config/companies.yaml"
# No such document or version, or no archive where the options point: not a configuration error (2),
# so a script can tell "you asked for something that is not there" from "the config is broken".
EXIT_NOT_FOUND = 5
ARCHIVE_TABLES = frozenset({"alembic_version", "documents", "snapshots", "versions"})


def _default_config() -> str:
    """The env's config, else ./config/companies.yaml, else the packaged one (installed elsewhere)."""
    from config.loader import PACKAGED_CONFIG

    if env := os.environ.get("POLICY_ARCHIVE_CONFIG"):
        return env
    return DEFAULT_CONFIG if Path(DEFAULT_CONFIG).exists() else str(PACKAGED_CONFIG)


def _paths(args) -> tuple[Path, str]:
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


def _archive(args, *, blobs: bool = False) -> tuple[Path, str]:
    """The data directory and database of an existing archive. Read-only commands never create one: a
    mistyped --data-dir would otherwise show an empty archive as if nothing had been captured.
    ``blobs``: the command reads archived bytes, which live in the data directory even with PostgreSQL."""
    data_dir, db_url = _paths(args)
    problem = why_no_archive(data_dir, db_url)
    if problem is None and blobs and not (data_dir / "blobs").is_dir():
        problem = (f"no archived bytes in {_shown(data_dir)} (no blobs folder): check --data-dir "
                   "(or POLICY_ARCHIVE_DATA); the database holds the archive, the data directory its bytes")
    if problem:
        print(f"policy-archive: {problem}", file=sys.stderr)
        raise SystemExit(EXIT_NOT_FOUND)
    return data_dir, db_url


def _load(args):
    try:
        return load_config(args.config)
    except ConfigError as exc:
        print(f"policy-archive: invalid configuration\n{exc}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def cmd_check_config(args) -> int:
    try:
        cfg, warnings = check_config(args.config)
    except ConfigError as exc:
        print(f"policy-archive: invalid configuration\n{exc}", file=sys.stderr)
        return EXIT_CONFIG
    for warning in warnings:
        print(f"warning: {warning}")
    print(f"{args.config}: OK ({len(cfg.companies)} companies, {len(cfg.campaigns)} campaigns)")
    return EXIT_OK


def cmd_crawl(args) -> int:
    from crawler.run import crawl

    cfg = _load(args)
    unknown = [c for c in args.company if c not in {co.id for co in cfg.companies}]
    if unknown:
        print(f"policy-archive: unknown company id(s): {', '.join(unknown)}", file=sys.stderr)
        return EXIT_CONFIG
    data_dir, db_url = _paths(args)
    return crawl(cfg, CrawlOptions(
        data_dir=data_dir, db_url=db_url, ignore_window=args.ignore_window, only=tuple(args.company),
        include_unconfirmed=args.include_unconfirmed,
        today=date.fromisoformat(args.today) if args.today else None,
    ))


def cmd_documents(args) -> int:
    from archive.db import Database
    from archive.queries import list_documents

    _, db_url = _archive(args)
    db = Database(db_url)
    with db.session() as session:
        rows = list_documents(session, args.company)
    if not rows:
        print("no documents archived yet: run `policy-archive crawl` first")
        return EXIT_OK
    header = ("id", "company", "type", "lang", "versions", "status", "depth", "last captured", "url")
    table = [header] + [
        (str(r.id), r.company_id, r.doc_type or "-", r.language or "-", str(r.versions), r.status,
         "-" if r.depth is None else str(r.depth), r.last_captured.strftime("%Y-%m-%d %H:%M"), r.url)
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return EXIT_OK


def cmd_show(args) -> int:
    from archive.db import Database
    from archive.queries import document_snapshots, document_versions, find_document

    _, db_url = _archive(args)
    db = Database(db_url)
    with db.session() as session:
        doc = find_document(session, args.document)
        if doc is None:
            print(f"policy-archive: no document {args.document!r} (an id or URL from `policy-archive documents`)",
                  file=sys.stderr)
            return EXIT_NOT_FOUND
        versions = document_versions(session, doc.id)
        if args.text is not None:
            chosen = versions[-1] if args.text == "latest" else next(
                (v for v in versions if str(v.id) == args.text), None)
            if chosen is None:
                print(f"policy-archive: document {doc.id} has no version {args.text}", file=sys.stderr)
                return EXIT_NOT_FOUND
            print(chosen.text)
            return EXIT_OK
        if args.notices:
            from language.notices import notice_sentences

            if not versions:
                print(f"document {doc.id} has no version yet")
                return EXIT_OK
            found = notice_sentences(versions[-1].text, _load(args).vocabulary)
            print(f"document {doc.id}, version {versions[-1].id}: {len(found)} sentence(s) on how users are "
                  "told of changes (candidate evidence for RDR F2a.1-3 / P2a.1-3)")
            for n in found:
                advance = n["advance"]["text"] if n["advance"] else "no period stated"
                print(f"  - [{', '.join(n['channels']) or 'no channel named'}; {advance}] {n['sentence']}")
            return EXIT_OK
        print(f"document {doc.id}: {doc.company_id} {doc.doc_type or '-'} [{doc.language or '-'}] {doc.status}")
        print(f"  url: {doc.url}")
        if doc.title:
            print(f"  title: {doc.title}")
        path = " > ".join(f"{step['text'] or step['url']}" for step in doc.link_path or [])
        print(f"  click depth: {'-' if doc.depth is None else doc.depth}" + (f" ({path})" if path else ""))
        if doc.last_failure:
            print(f"  last failure: {doc.last_failure}")
        print("  versions:")
        for v in versions:
            print(f"    {v.id:>5}  {v.captured_at:%Y-%m-%d %H:%M:%S}  {v.language or '-':3}  "
                  f"{len(v.text):>7} chars  text sha256 {v.text_sha256[:16]}  snapshot {v.snapshot_id}")
        snaps = document_snapshots(session, doc.id)
        print(f"  captures: {len(snaps)} ({sum(s.outcome == 'failed' for s in snaps)} failed)")
    return EXIT_OK


def _config_or_none(args):
    """The config if it loads: export and evidence work on an archive without one (names, user agent)."""
    try:
        return load_config(args.config)
    except (ConfigError, OSError):
        return None


def cmd_export_warc(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.times import parse_when
    from exports.warc import DEFAULT_USER_AGENT, ExportError, Selection, count_snapshots, export_warc_file

    try:
        selection = Selection(args.company, parse_when(args.since) if args.since else None,
                              parse_when(args.until, end=True) if args.until else None)
    except ValueError as exc:
        print(f"policy-archive: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    cfg = _config_or_none(args)
    data_dir, db_url = _archive(args, blobs=True)
    db = Database(db_url)
    with db.session() as session:
        if not count_snapshots(session, selection):
            print(f"policy-archive: no captures match ({selection.describe()}); nothing written", file=sys.stderr)
            return EXIT_CONFIG
        try:
            counts = export_warc_file(Path(args.out), session, BlobStore(data_dir / "blobs"), selection,
                                      cfg.crawl.user_agent if cfg else DEFAULT_USER_AGENT)
        except ExportError as exc:
            print(f"policy-archive: {exc}", file=sys.stderr)
            return EXIT_CONFIG
    kinds = ", ".join(f"{counts[k]} {k}" for k in ("response", "revisit", "resource", "metadata") if counts[k])
    print(f"{args.out}: {counts.total() - counts['snapshots']} WARC records for {counts['snapshots']} captures "
          f"({kinds})")
    return EXIT_OK


def cmd_evidence(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.queries import find_document
    from archive.times import parse_when
    from exports.evidence import EvidenceError, build_evidence, write_zip

    try:
        at = parse_when(args.at, end=True) if args.at else None
    except ValueError as exc:
        print(f"policy-archive: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    cfg = _config_or_none(args)
    data_dir, db_url = _archive(args, blobs=True)
    db = Database(db_url)
    with db.session() as session:
        if find_document(session, args.document) is None:
            print(f"policy-archive: no document {args.document!r} (an id or URL from `policy-archive documents`)",
                  file=sys.stderr)
            return EXIT_NOT_FOUND
        try:
            package = build_evidence(session, BlobStore(data_dir / "blobs"), args.document, at,
                                     {c.id: c.name for c in cfg.companies} if cfg else None)
        except EvidenceError as exc:
            print(f"policy-archive: {exc}", file=sys.stderr)
            return EXIT_CONFIG
    write_zip(package, Path(args.out))
    print(f"{args.out}: {len(package.files)} files, document {package.document_id} as captured "
          f"{package.timestamp:%Y-%m-%d %H:%M:%S} UTC (snapshot {package.snapshot_id}, version {package.version_id})")
    return EXIT_OK


class _Refused(Exception):
    """A bad option value: the message is printed and the command exits with EXIT_CONFIG."""

    code = EXIT_CONFIG


class _NotFound(_Refused):
    """An id or URL that names nothing in the archive."""

    code = EXIT_NOT_FOUND


def _campaign(cfg, name: str | None, args):
    if name is None:
        return None
    campaign = next((c for c in cfg.campaigns if c.name == name), None)
    if campaign is None:
        known = ", ".join(c.name for c in cfg.campaigns) or "none"
        raise _Refused(f"no campaign {name!r} in {args.config} (known: {known})")
    return campaign


def _output(args, body: bytes, summary: str) -> int:
    """Write a report to --out (and say so) or to stdout."""
    if not args.out:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return EXIT_OK
    try:
        Path(args.out).write_bytes(body)
    except OSError as exc:
        print(f"policy-archive: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"{args.out}: {summary}")
    return EXIT_OK


def _refusable(command):
    def run(args) -> int:
        try:
            return command(args)
        except _Refused as exc:
            print(f"policy-archive: {exc}", file=sys.stderr)
            return exc.code
    return run


@_refusable
def cmd_report_coverage(args) -> int:
    from reports.render import BINARY_FORMATS, render_coverage

    if args.format in BINARY_FORMATS and not args.out:
        raise _Refused(f"--format {args.format} writes a binary file: give --out FILE")
    cfg = _load(args)
    campaign = _campaign(cfg, args.campaign, args)
    from archive.db import Database
    from reports.coverage import build_coverage

    _, db_url = _archive(args)
    with Database(db_url).session() as session:
        data = build_coverage(session, cfg, campaign)
    n = len(data["companies"])
    return _output(args, render_coverage(data, args.format), f"coverage of {n} compan{'y' if n == 1 else 'ies'}, "
                   + (f"campaign {campaign.name}" if campaign else "the archive as it stands"))


def _moment(value: str | None, end_of_day: bool = False):
    """A command-line date (see archive.times.parse_when: a bare date as the end of day includes it)."""
    from archive.times import parse_when

    if value is None:
        return None
    try:
        return parse_when(value, end=end_of_day)
    except ValueError as exc:
        raise _Refused(str(exc)) from None


@_refusable
def cmd_report_changes(args) -> int:
    from reports.render_changes import render_changes

    if args.format == "xlsx" and not args.out:
        raise _Refused("--format xlsx writes a binary file: give --out FILE")
    if args.compare and not args.campaign:
        raise _Refused("--compare needs --campaign (e.g. --campaign 2024 --compare 2023)")
    cfg = _load(args)
    campaign, compare = _campaign(cfg, args.campaign, args), _campaign(cfg, args.compare, args)
    from archive.db import Database
    from reports.changes import build_changes

    _, db_url = _archive(args)
    with Database(db_url).session() as session:
        data = build_changes(session, cfg, since=_moment(args.since), until=_moment(args.until, True),
                             campaign=campaign, compare=compare, company=args.company,
                             include_cosmetic=args.all, render_diffs=args.format in ("md", "html"))
    changed = sum(bool(d["changes"]) for d in data["documents"])
    return _output(args, render_changes(data, args.format), f"{changed} of {len(data['documents'])} documents changed")


@_refusable
def cmd_diff(args) -> int:
    from archive.db import Database
    from archive.history import version_at
    from archive.models import Version
    from archive.queries import by_id, find_document
    from diffing import align_translations, diff, render

    if len(args.refs) not in (2, 3):
        raise _Refused("give two version ids, or a document and two dates")
    _, db_url = _archive(args)
    with Database(db_url).session() as session:
        if len(args.refs) == 2:
            versions = [by_id(session, Version, r) for r in args.refs]
            missing = [r for r, v in zip(args.refs, versions, strict=True) if v is None]
            if missing:
                raise _NotFound(f"no version {', '.join(missing)} (version ids: `policy-archive show DOCUMENT`)")
        else:
            doc = find_document(session, args.refs[0])
            if doc is None:
                raise _NotFound(f"no document {args.refs[0]!r} (an id or URL from `policy-archive documents`)")
            versions = [version_at(session, doc.id, _moment(d, True)) for d in args.refs[1:]]
            if None in versions:
                raise _Refused(f"document {doc.id} has no version at {args.refs[1 + versions.index(None)]}")
        old, new = versions
        labels = (f"version {old.id} ({old.captured_at:%Y-%m-%d}, {old.language})",
                  f"version {new.id} ({new.captured_at:%Y-%m-%d}, {new.language})")
        if args.translation:
            result = align_translations(old.text, new.text, old.language or "a", new.language or "b")
        else:
            result = diff(old.text, new.text)
    kwargs = {"labels": labels, "cosmetic": args.cosmetic}
    if args.format == "html":
        kwargs.update(standalone=True, layout="side" if args.translation or args.side else "inline")
    print(render(result, args.format, **kwargs))
    return EXIT_OK


def cmd_reextract(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.history import reextract

    cfg = _load(args)
    data_dir, db_url = _archive(args, blobs=True)
    with Database(db_url).session() as session:
        stats = reextract(session, BlobStore(data_dir / "blobs"), tuple(cfg.vocabulary.soft_404), args.company)
    print(f"re-extracted {stats.snapshots} snapshots of {stats.documents} documents: "
          f"{stats.technical_versions} technical versions, {stats.unchanged} unchanged, "
          f"{stats.still_failing} still without text")
    return EXIT_OK


def cmd_detect_language(args) -> int:
    import json
    from contextlib import nullcontext

    from language.detect import detect_record, summary

    try:  # bytes, decoded here: a stray byte must not stop a batch of thousands
        source = open(args.file, "rb") if args.file not in (None, "-") else nullcontext(sys.stdin.buffer)
    except OSError as exc:
        print(f"policy-archive: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_CONFIG
    with source as stream:
        if args.jsonl:  # one line in, one line out, as they come
            for raw in stream:
                if raw.strip():
                    print(json.dumps(detect_record(raw.decode("utf-8-sig", "replace")), ensure_ascii=False))
            return EXIT_OK
        text = stream.read().decode("utf-8-sig", "replace")
    print(json.dumps(summary(text), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_demo(args) -> int:
    from crawler.demo.run import run_demo

    return run_demo(Path(args.data_dir), serve=not args.no_serve)


def cmd_serve(args) -> int:
    from web.server import CannotListen, TokenRequired, make_server

    cfg = _load(args)
    data_dir, db_url = _archive(args, blobs=True)
    try:
        server = make_server(cfg, data_dir, db_url, args.host, args.port)
    except (TokenRequired, CannotListen) as exc:
        print(f"policy-archive: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"policy-archive: serving the archive in {data_dir} at {server.url}/ (Ctrl-C stops)", flush=True)
    server.run()
    return EXIT_OK


def cmd_runs(args) -> int:
    from archive.db import Database
    from archive.runs import ATTENTION_RUNS, last_runs, needs_attention

    _, db_url = _archive(args)
    db = Database(db_url)
    runs = last_runs(db, args.limit)
    if args.json:
        import json

        with db.session() as session:
            attention = needs_attention(session, args.attention_runs)
        print(json.dumps({
            "runs": [{"id": r.id, "started_at": r.started_at.isoformat(),
                      "finished_at": r.finished_at.isoformat() if r.finished_at else None, "status": r.status,
                      "exit_code": r.exit_code, "campaign": r.campaign, **(r.summary or {})} for r in runs],
            "needs_attention": [{**a.__dict__, "failing_since": a.failing_since.isoformat()} for a in attention],
        }, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{'run':>5}  {'started (UTC)':<16}  {'took':>6}  {'status':<9} {'exit':>4}  {'pages':>5}  "
          f"{'new ver.':>8}  {'failed':>6}")
    for r in runs:
        s = r.summary or {}
        took = f"{(r.finished_at - r.started_at).total_seconds():.0f}s" if r.finished_at else "–"
        print(f"{r.id:>5}  {r.started_at:%Y-%m-%d %H:%M}  {took:>6}  {r.status:<9} "
              f"{'' if r.exit_code is None else r.exit_code:>4}  {s.get('pages_fetched', ''):>5}  "
              f"{s.get('new_versions', ''):>8}  {len(s.get('failed_documents', [])):>6}")
    if not runs:
        print("no crawl has run yet")
    with db.session() as session:
        attention = needs_attention(session, args.attention_runs)
    db.close()
    if attention:
        print(f"\nneeds attention: {len(attention)} URL(s) failing in {args.attention_runs}+ runs in a row")
        for a in attention:
            what = f"document {a.document_id}" if a.document_id else a.role
            print(f"  {a.company_id}  {a.url}  ({what}; {a.runs} runs since {a.failing_since:%Y-%m-%d}): "
                  f"{a.detail or a.failure}")
    elif runs:
        print(f"\nneeds attention: nothing (no URL has failed {ATTENTION_RUNS} runs in a row)")
    return EXIT_OK


def cmd_verify(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.integrity import verify

    data_dir, db_url = _archive(args, blobs=True)
    db = Database(db_url)
    result = verify(db, BlobStore(data_dir / "blobs"))
    db.close()
    print(f"checked {result.blobs} blobs ({result.bytes / 2**20:.1f} MB) and {result.versions} versions")
    for note in result.notes:
        print(f"note: {note}")
    for problem in result.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print("the archive is whole" if result.ok else f"{len(result.problems)} kind(s) of problem found")
    return EXIT_OK if result.ok else EXIT_SOME_FAILED


def cmd_backup(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.integrity import backup

    data_dir, db_url = _archive(args, blobs=True)
    db = Database(db_url)
    try:
        done = backup(db, BlobStore(data_dir / "blobs"), Path(args.out))
    except (OSError, RuntimeError) as exc:
        print(f"policy-archive: backup failed: {exc}", file=sys.stderr)
        return EXIT_SOME_FAILED
    finally:
        db.close()
    print(f"database: {done.database}\nblobs: {done.blobs_copied} copied, {done.blobs_present} already there")
    return EXIT_OK


def cmd_schedule(args) -> int:
    from crawler.schedule import crontab, systemd

    _load(args)  # a schedule for a config that does not load would fail every night
    try:
        hour, minute = (int(x) for x in args.at.split(":"))
        assert 0 <= hour < 24 and 0 <= minute < 60
    except (ValueError, AssertionError):
        print(f"policy-archive: --at wants HH:MM, got {args.at!r}", file=sys.stderr)
        return EXIT_CONFIG
    make = systemd if args.systemd else crontab
    print(make(Path(args.config), Path(args.data_dir), hour, minute), end="")
    return EXIT_OK


def _quiet_libraries(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or record.name.startswith("policy_archive")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-archive", description=__doc__)
    parser.add_argument("--config", default=_default_config(),
                        help="companies and campaigns (default: %(default)s, env POLICY_ARCHIVE_CONFIG)")
    parser.add_argument("--data-dir", default=os.environ.get("POLICY_ARCHIVE_DATA", "data"),
                        help="blobs, database, runs (default: %(default)s, env POLICY_ARCHIVE_DATA)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("check-config", help="validate the config file").set_defaults(func=cmd_check_config)

    p = sub.add_parser("crawl", help="discover and archive every company's policy documents")
    p.add_argument("--company", action="append", default=[], help="only this company id (repeatable)")
    p.add_argument("--ignore-window", action="store_true", help="crawl even outside every campaign window")
    p.add_argument("--include-unconfirmed", action="store_true", help="also crawl unconfirmed homepages")
    p.add_argument("--today", help=argparse.SUPPRESS)  # pins the date for window tests
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("documents", help="list archived documents")
    p.add_argument("--company")
    p.set_defaults(func=cmd_documents)

    p = sub.add_parser("show", help="a document's versions; --text prints a version's text")
    p.add_argument("document", help="document id or URL")
    p.add_argument("--text", nargs="?", const="latest", metavar="VERSION",
                   help="print the text of VERSION (default: the latest)")
    p.add_argument("--notices", action="store_true",
                   help="the latest version's sentences on how users are told of changes (F2a / P2a)")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("export", help="export the archive in a standard format")
    formats = p.add_subparsers(dest="format", required=True)
    p = formats.add_parser("warc", help="WARC 1.1 (gzip) for replay tools such as pywb and ReplayWeb.page")
    p.add_argument("--company", help="only this company id")
    p.add_argument("--since", metavar="DATE", help="captures from DATE on (YYYY-MM-DD or ISO date-time, UTC)")
    p.add_argument("--until", metavar="DATE", help="captures up to DATE, that whole day included")
    p.add_argument("out", metavar="OUT.warc.gz")
    p.set_defaults(func=cmd_export_warc)

    p = sub.add_parser("evidence", help="a dispute package: one document as it stood at a date, in a zip")
    p.add_argument("document", help="document id or URL")
    p.add_argument("--at", metavar="DATE", help="as it stood at the end of DATE (default: now)")
    p.add_argument("out", metavar="OUT.zip")
    p.set_defaults(func=cmd_evidence)

    p = sub.add_parser("report", help="reports for the rating team")
    reports = p.add_subparsers(dest="report", required=True)
    p = reports.add_parser("coverage", help="which policy documents exist in which languages (RDR F1a.2 / P1a.2)")
    p.add_argument("--campaign", metavar="NAME", help="only captures in this campaign's window (default: all)")
    p.add_argument("--format", required=True, choices=("json", "csv", "md", "html", "xlsx"))
    p.add_argument("--out", metavar="FILE", help="write here (default: standard output; required for xlsx)")
    p.set_defaults(func=cmd_report_coverage)

    p = reports.add_parser("changes", help="what companies changed: substantive changes, new and unavailable documents")
    p.add_argument("--since", help="from this date (YYYY-MM-DD)")
    p.add_argument("--until", help="to this date, inclusive")
    p.add_argument("--campaign", help="within this campaign's window")
    p.add_argument("--compare", help="with --campaign: compare with the versions this campaign assessed")
    p.add_argument("--company")
    p.add_argument("--all", action="store_true", help="also list cosmetic changes")
    p.add_argument("--format", choices=("json", "md", "html", "xlsx"), default="md")
    p.add_argument("--out", help="write to this file (required for xlsx)")
    p.set_defaults(func=cmd_report_changes)

    p = sub.add_parser("diff", help="compare two versions (ids), or a document at two dates")
    p.add_argument("refs", nargs="+", metavar="REF", help="VERSION VERSION, or DOCUMENT DATE DATE")
    p.add_argument("--format", choices=("text", "md", "html"), default="text")
    p.add_argument("--cosmetic", action="store_true", help="show cosmetic changes too")
    p.add_argument("--side", action="store_true", help="html: side by side")
    p.add_argument("--translation", action="store_true",
                   help="the two versions are language versions (kk vs ru): align clauses, show what is missing")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("reextract", help="extract stored snapshots again; new texts become technical versions")
    p.add_argument("--company")
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("detect-language", help="language of a text (kk, ru, en or und) as JSON; no archive needed")
    p.add_argument("file", nargs="?", metavar="FILE", help="text to read (default: standard input)")
    p.add_argument("--jsonl", action="store_true",
                   help='read lines {"id", "text"}, write lines {"id", "language", "confidence"} (or "error")')
    p.set_defaults(func=cmd_detect_language)

    p = sub.add_parser("demo", help="crawl the bundled offline demo sites twice and show what changed")
    p.add_argument("--no-serve", action="store_true",
                   help="do not start the web UI on the demo archive afterwards (it starts only on a terminal)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="the researchers' web UI on the archive (read-only)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s; any other "
                   "needs web.token in the config)")
    p.add_argument("--port", type=int, default=8000, help="default: %(default)s")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("runs", help="the last crawls (from the run records) and what needs attention")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--attention-runs", type=int, default=3, metavar="N",
                   help="list URLs failing in N runs in a row (default: %(default)s)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_runs)

    p = sub.add_parser("verify", help="re-hash every blob, check the database against the blob store")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("backup", help="a consistent copy of the database and the blob store")
    p.add_argument("out", metavar="OUT", help="a folder; a second backup into it copies only new blobs")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("schedule", help="print a crontab line (or --systemd units) for a daily crawl")
    p.add_argument("--at", default="03:17", metavar="HH:MM", help="time of day (default: %(default)s)")
    p.add_argument("--systemd", action="store_true", help="a systemd service + timer instead of a crontab line")
    p.set_defaults(func=cmd_schedule)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Our own progress lines at INFO; libraries (Scrapy, trafilatura) only when something is wrong.
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("policy_archive").setLevel(logging.INFO)
    if not args.verbose:
        # Scrapy's logging setup lowers its loggers to DEBUG when a crawl starts; keep its chatter out.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_libraries)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
