"""Commands that read what is archived: ``documents`` (the list) and ``show`` (one document, a version's text)."""

from __future__ import annotations

import sys

from commands import opening
from crawler.exits import EXIT_NOT_FOUND, EXIT_OK


def register(subparsers) -> None:
    p = subparsers.add_parser("documents", help="list archived documents")
    p.add_argument("--company", help="only this company id")
    p.set_defaults(func=documents)

    p = subparsers.add_parser("show", help="a document's versions; --text prints a version's text")
    p.add_argument("document", help="document id or URL")
    p.add_argument("--text", nargs="?", const="latest", metavar="VERSION",
                   help="print the text of VERSION (default: the latest)")
    p.add_argument("--notices", action="store_true",
                   help="the latest version's sentences on how users are told of changes (F2a / P2a)")
    p.set_defaults(func=show)


def documents(args) -> int:
    from sqlalchemy import select

    from archive.db import Database
    from archive.models import Document
    from archive.queries import list_documents
    from reports.ways import variant_label

    _, db_url = opening.existing_archive(args)
    with Database(db_url).session() as session:
        rows = list_documents(session, args.company)
        # The same URL in two language states is two documents: the list says which state is which.
        variants = dict(session.execute(select(Document.id, Document.variant).where(Document.variant != "")).all())
    if not rows:
        print("no documents archived yet: run `policy-archive crawl` first")
        return EXIT_OK
    header = ("id", "company", "type", "lang", "versions", "status", "depth", "last captured", "url")
    table = [header] + [
        (str(r.id), r.company_id, r.doc_type or "-", r.language or "-", str(r.versions), r.status,
         "-" if r.depth is None else str(r.depth), r.last_captured.strftime("%Y-%m-%d %H:%M"),
         r.url + (f" ({variant_label(variants[r.id])})" if r.id in variants else ""))
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1])
    return EXIT_OK


def show(args) -> int:
    from archive.db import Database
    from archive.queries import document_versions, find_document

    _, db_url = opening.existing_archive(args)
    with Database(db_url).session() as session:
        doc = find_document(session, args.document)
        if doc is None:
            print(f"policy-archive: no document {args.document!r} (an id or URL from `policy-archive documents`)",
                  file=sys.stderr)
            return EXIT_NOT_FOUND
        versions = document_versions(session, doc.id)
        if args.text is not None:
            return _text(doc, versions, args.text)
        if args.notices:
            return _notices(doc, versions, args)
        _describe(session, doc, versions)
    return EXIT_OK


def _text(doc, versions, wanted: str) -> int:
    """Print the text of version ``wanted`` ("latest" or an id) of ``doc``."""
    chosen = (versions[-1] if versions else None) if wanted == "latest" else next(
        (v for v in versions if str(v.id) == wanted), None)
    if chosen is None:
        print(f"policy-archive: document {doc.id} has no version {'yet' if wanted == 'latest' else wanted}",
              file=sys.stderr)
        return EXIT_NOT_FOUND
    print(chosen.text)
    return EXIT_OK


def _notices(doc, versions, args) -> int:
    """The latest version's sentences on how users are told of changes."""
    from language.notices import notice_sentences

    if not versions:
        print(f"document {doc.id} has no version yet")
        return EXIT_OK
    found = notice_sentences(versions[-1].text, opening.config(args).vocabulary)
    print(f"document {doc.id}, version {versions[-1].id}: {len(found)} sentence(s) on how users are "
          "told of changes (candidate evidence for RDR F2a.1-3 / P2a.1-3)")
    for n in found:
        advance = n["advance"]["text"] if n["advance"] else "no period stated"
        print(f"  - [{', '.join(n['channels']) or 'no channel named'}; {advance}] {n['sentence']}")
    return EXIT_OK


def _describe(session, doc, versions) -> None:
    from archive.queries import document_snapshots
    from reports.ways import describe_reached, variant_label

    snaps = document_snapshots(session, doc.id)
    print(f"document {doc.id}: {doc.company_id} {doc.doc_type or '-'} [{doc.language or '-'}] {doc.status}")
    print(f"  url: {doc.url}")
    # A language state of the URL (a cookie, Accept-Language, a click, a panel) is its own document.
    print(f"  variant: {variant_label(doc.variant) or 'none (the URL alone)'}")
    if snaps:
        last = snaps[-1]
        print(f"  reached: {describe_reached(last.variant, last.reached)}")
        headers = "; ".join(f"{name}: {value}" for name, value in (last.request_headers or {}).items())
        print(f"  request headers: {headers or 'not recorded'}")
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
    print(f"  captures: {len(snaps)} ({sum(s.outcome == 'failed' for s in snaps)} failed)")
