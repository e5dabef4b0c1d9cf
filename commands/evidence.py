"""What leaves the archive as evidence: ``evidence`` (a dispute package) and ``export warc``."""

from __future__ import annotations

import sys
from pathlib import Path

from commands import opening
from commands.options import DATE_HELP, until, when
from crawler.exits import EXIT_CONFIG, EXIT_NOT_FOUND, EXIT_OK


def register(subparsers) -> None:
    p = subparsers.add_parser("evidence", help="a dispute package: one document as it stood at a date, in a zip")
    p.add_argument("document", help="document id or URL")
    p.add_argument("--at", type=until, metavar="DATE",
                   help=f"as it stood at the end of DATE (default: now; {DATE_HELP})")
    p.add_argument("out", metavar="OUT.zip")
    p.set_defaults(func=evidence)

    p = subparsers.add_parser("export", help="export the archive in a standard format")
    formats = p.add_subparsers(dest="format", required=True, metavar="FORMAT")
    p = formats.add_parser("warc", help="WARC 1.1 (gzip) for replay tools such as pywb and ReplayWeb.page")
    p.add_argument("--company", help="only this company id")
    p.add_argument("--since", type=when, metavar="DATE", help=f"captures from DATE on ({DATE_HELP})")
    p.add_argument("--until", type=until, metavar="DATE", help="captures up to DATE, that whole day included")
    p.add_argument("out", metavar="OUT.warc.gz")
    p.set_defaults(func=export_warc)


def evidence(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.queries import find_document
    from exports.evidence import EvidenceError, build_evidence, write_zip

    cfg = opening.config_or_none(args)
    data_dir, db_url = opening.existing_archive(args, blobs=True)
    with Database(db_url).session() as session:
        if find_document(session, args.document) is None:
            print(f"policy-archive: no document {args.document!r} (an id or URL from `policy-archive documents`)",
                  file=sys.stderr)
            return EXIT_NOT_FOUND
        try:
            package = build_evidence(session, BlobStore(data_dir / "blobs"), args.document, args.at,
                                     {c.id: c.name for c in cfg.companies} if cfg else None)
        except EvidenceError as exc:
            print(f"policy-archive: {exc}", file=sys.stderr)
            return EXIT_CONFIG
    write_zip(package, Path(args.out))
    print(f"{args.out}: {len(package.files)} files, document {package.document_id} as captured "
          f"{package.timestamp:%Y-%m-%d %H:%M:%S} UTC (snapshot {package.snapshot_id}, version {package.version_id})")
    return EXIT_OK


def export_warc(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from exports.warc import DEFAULT_USER_AGENT, ExportError, Selection, count_snapshots, export_warc_file

    selection = Selection(args.company, args.since, args.until)
    cfg = opening.config_or_none(args)
    data_dir, db_url = opening.existing_archive(args, blobs=True)
    with Database(db_url).session() as session:
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
