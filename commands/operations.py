"""Looking after the archive: ``runs`` (what the crawls did), ``verify``, ``backup`` and ``reextract``."""

from __future__ import annotations

import sys
from pathlib import Path

from commands import opening
from crawler.exits import EXIT_OK, EXIT_SOME_FAILED


def register(subparsers) -> None:
    p = subparsers.add_parser("runs", help="the last crawls (from the run records) and what needs attention")
    p.add_argument("--limit", type=int, default=20, help="how many runs to list (default: %(default)s)")
    p.add_argument("--attention-runs", type=int, default=3, metavar="N",
                   help="list URLs failing in N runs in a row (default: %(default)s)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=runs)

    p = subparsers.add_parser("verify", help="re-hash every blob, check the database against the blob store")
    p.set_defaults(func=verify)

    p = subparsers.add_parser("backup", help="a consistent copy of the database and the blob store")
    p.add_argument("out", metavar="OUT", help="a folder; a second backup into it copies only new blobs")
    p.set_defaults(func=backup)

    p = subparsers.add_parser("reextract", help="extract stored snapshots again; new texts become technical versions")
    p.add_argument("--company", help="only this company id")
    p.set_defaults(func=reextract)


def runs(args) -> int:
    from archive.db import Database
    from archive.runs import ATTENTION_RUNS, last_runs, needs_attention

    _, db_url = opening.existing_archive(args)
    db = Database(db_url)
    recent = last_runs(db, args.limit)
    with db.session() as session:
        attention = needs_attention(session, args.attention_runs)
    db.close()
    if args.json:
        _print_json(recent, attention)
        return EXIT_OK
    print(f"{'run':>5}  {'started (UTC)':<16}  {'took':>6}  {'status':<9} {'exit':>4}  {'pages':>5}  "
          f"{'new ver.':>8}  {'failed':>6}")
    for r in recent:
        s = r.summary or {}
        took = f"{(r.finished_at - r.started_at).total_seconds():.0f}s" if r.finished_at else "–"
        print(f"{r.id:>5}  {r.started_at:%Y-%m-%d %H:%M}  {took:>6}  {r.status:<9} "
              f"{'' if r.exit_code is None else r.exit_code:>4}  {s.get('pages_fetched', ''):>5}  "
              f"{s.get('new_versions', ''):>8}  {len(s.get('failed_documents', [])):>6}")
    if not recent:
        print("no crawl has run yet")
    if attention:
        print(f"\nneeds attention: {len(attention)} URL(s) failing in {args.attention_runs}+ runs in a row, "
              "or an anti-bot challenge that did not clear")
        for a in attention:
            what = f"document {a.document_id}" if a.document_id else a.role
            print(f"  {a.company_id}  {a.url}  ({what}; {a.runs} runs since {a.failing_since:%Y-%m-%d}): "
                  f"{a.detail or a.failure}")
    elif recent:
        print(f"\nneeds attention: nothing (no URL has failed {ATTENTION_RUNS} runs in a row, no challenge)")
    return EXIT_OK


def _print_json(recent, attention) -> None:
    import json

    print(json.dumps({
        "runs": [{"id": r.id, "started_at": r.started_at.isoformat(),
                  "finished_at": r.finished_at.isoformat() if r.finished_at else None, "status": r.status,
                  "exit_code": r.exit_code, "campaign": r.campaign, **(r.summary or {})} for r in recent],
        "needs_attention": [{**a.__dict__, "failing_since": a.failing_since.isoformat()} for a in attention],
    }, ensure_ascii=False, indent=2))


def verify(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.integrity import verify as verify_archive

    data_dir, db_url = opening.existing_archive(args, blobs=True)
    db = Database(db_url)
    result = verify_archive(db, BlobStore(data_dir / "blobs"))
    db.close()
    print(f"checked {result.blobs} blobs ({result.bytes / 2**20:.1f} MB) and {result.versions} versions")
    for note in result.notes:
        print(f"note: {note}")
    for problem in result.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    print("the archive is whole" if result.ok else f"{len(result.problems)} kind(s) of problem found")
    return EXIT_OK if result.ok else EXIT_SOME_FAILED


def backup(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.integrity import backup as backup_archive

    data_dir, db_url = opening.existing_archive(args, blobs=True)
    db = Database(db_url)
    try:
        done = backup_archive(db, BlobStore(data_dir / "blobs"), Path(args.out))
    except (OSError, RuntimeError) as exc:
        print(f"policy-archive: backup failed: {exc}", file=sys.stderr)
        return EXIT_SOME_FAILED
    finally:
        db.close()
    print(f"database: {done.database}\nblobs: {done.blobs_copied} copied, {done.blobs_present} already there")
    return EXIT_OK


def reextract(args) -> int:
    from archive.blobs import BlobStore
    from archive.db import Database
    from archive.history import reextract as reextract_snapshots

    cfg = opening.config(args)
    data_dir, db_url = opening.existing_archive(args, blobs=True)
    with Database(db_url).session() as session:
        stats = reextract_snapshots(session, BlobStore(data_dir / "blobs"), tuple(cfg.vocabulary.soft_404),
                                    args.company)
    print(f"re-extracted {stats.snapshots} snapshots of {stats.documents} documents: "
          f"{stats.technical_versions} technical versions, {stats.unchanged} unchanged, "
          f"{stats.still_failing} still without text")
    return EXIT_OK
