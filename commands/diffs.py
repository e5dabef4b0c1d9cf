"""``diff``: two versions side by side, by version id or as one document stood at two dates."""

from __future__ import annotations

from commands import opening
from commands.options import DATE_HELP, NotFound, Refused, moment, refusable
from crawler.exits import EXIT_OK


def register(subparsers) -> None:
    p = subparsers.add_parser("diff", help="compare two versions (ids), or a document at two dates")
    p.add_argument("refs", nargs="+", metavar="REF",
                   help=f"VERSION VERSION, or DOCUMENT DATE DATE (a date: {DATE_HELP}; a bare date is its end)")
    p.add_argument("--format", choices=("text", "md", "html"), default="text")
    p.add_argument("--cosmetic", action="store_true", help="show cosmetic changes too")
    p.add_argument("--side", action="store_true", help="html: side by side")
    p.add_argument("--translation", action="store_true",
                   help="the two versions are language versions (kk vs ru): align clauses, show what is missing")
    p.set_defaults(func=diff)


@refusable
def diff(args) -> int:
    from archive.db import Database
    from diffing import align_translations, render
    from diffing import diff as diff_texts

    if len(args.refs) not in (2, 3):
        raise Refused("give two version ids, or a document and two dates")
    # The dates are positional (mixed with ids), so argparse cannot check them: checked here, before the archive.
    moments = [moment(d) for d in args.refs[1:]] if len(args.refs) == 3 else []
    _, db_url = opening.existing_archive(args)
    with Database(db_url).session() as session:
        old, new = _at_dates(session, args.refs, moments) if moments else _by_ids(session, args.refs)
        labels = (f"version {old.id} ({old.captured_at:%Y-%m-%d}, {old.language})",
                  f"version {new.id} ({new.captured_at:%Y-%m-%d}, {new.language})")
        if args.translation:
            result = align_translations(old.text, new.text, old.language or "a", new.language or "b")
        else:
            result = diff_texts(old.text, new.text)
    kwargs = {"labels": labels, "cosmetic": args.cosmetic}
    if args.format == "html":
        kwargs.update(standalone=True, layout="side" if args.translation or args.side else "inline")
    print(render(result, args.format, **kwargs))
    return EXIT_OK


def _by_ids(session, refs: list[str]) -> list:
    from archive.models import Version
    from archive.queries import by_id

    versions = [by_id(session, Version, r) for r in refs]
    missing = [r for r, v in zip(refs, versions, strict=True) if v is None]
    if missing:
        raise NotFound(f"no version {', '.join(missing)} (version ids: `policy-archive show DOCUMENT`)")
    return versions


def _at_dates(session, refs: list[str], moments: list) -> list:
    """The versions of document ``refs[0]`` in force at ``moments`` (the dates ``refs[1:]`` name)."""
    from archive.history import version_at
    from archive.queries import find_document

    doc = find_document(session, refs[0])
    if doc is None:
        raise NotFound(f"no document {refs[0]!r} (an id or URL from `policy-archive documents`)")
    versions = [version_at(session, doc.id, at) for at in moments]
    if None in versions:
        raise Refused(f"document {doc.id} has no version at {refs[1 + versions.index(None)]}")
    return versions
