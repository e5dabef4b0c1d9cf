"""``report coverage`` and ``report changes``: the rating team's reports, to stdout or a file."""

from __future__ import annotations

from commands import opening
from commands.options import DATE_HELP, Refused, refusable, until, when, write_output

# md, html and xlsx in Russian, Kazakh or English (issue 16); json and csv stay English whatever is asked.
LANG_OPTION = {"choices": ("en", "ru", "kk"), "default": "en",
               "help": "the language of md, html and xlsx (default: en; json and csv are always English)"}


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="reports for the rating team")
    reports = p.add_subparsers(dest="report", required=True, metavar="REPORT")
    p = reports.add_parser("coverage", help="which policy documents exist in which languages (RDR F1a.2 / P1a.2)")
    p.add_argument("--campaign", metavar="NAME", help="only captures in this campaign's window (default: all)")
    p.add_argument("--format", required=True, choices=("json", "csv", "md", "html", "xlsx"))
    p.add_argument("--out", metavar="FILE", help="write here (default: standard output; required for xlsx)")
    p.add_argument("--lang", **LANG_OPTION)
    p.set_defaults(func=coverage)

    p = reports.add_parser("changes", help="what companies changed: substantive changes, new and unavailable documents")
    p.add_argument("--since", type=when, metavar="DATE", help=f"from this date ({DATE_HELP})")
    p.add_argument("--until", type=until, metavar="DATE", help="to this date, that whole day included")
    p.add_argument("--campaign", help="within this campaign's window")
    p.add_argument("--compare", help="with --campaign: compare with the versions this campaign assessed")
    p.add_argument("--company")
    p.add_argument("--all", action="store_true", help="also list cosmetic changes")
    p.add_argument("--format", choices=("json", "md", "html", "xlsx"), default="md")
    p.add_argument("--out", help="write to this file (required for xlsx)")
    p.add_argument("--lang", **LANG_OPTION)
    p.set_defaults(func=changes)


def _campaign(cfg, name: str | None, args):
    if name is None:
        return None
    campaign = next((c for c in cfg.campaigns if c.name == name), None)
    if campaign is None:
        known = ", ".join(c.name for c in cfg.campaigns) or "none"
        raise Refused(f"no campaign {name!r} in {args.config} (known: {known})")
    return campaign


@refusable
def coverage(args) -> int:
    from reports.render import BINARY_FORMATS, render_coverage

    if args.format in BINARY_FORMATS and not args.out:
        raise Refused(f"--format {args.format} writes a binary file: give --out FILE")
    cfg = opening.config(args)
    campaign = _campaign(cfg, args.campaign, args)
    from archive.db import Database
    from reports.coverage import build_coverage

    _, db_url = opening.existing_archive(args)
    with Database(db_url).session() as session:
        data = build_coverage(session, cfg, campaign)
    n = len(data["companies"])
    return write_output(args.out, render_coverage(data, args.format, args.lang),
                        f"coverage of {n} compan{'y' if n == 1 else 'ies'}, "
                        + (f"campaign {campaign.name}" if campaign else "the archive as it stands"))


@refusable
def changes(args) -> int:
    from reports.render_changes import render_changes

    if args.format == "xlsx" and not args.out:
        raise Refused("--format xlsx writes a binary file: give --out FILE")
    if args.compare and not args.campaign:
        raise Refused("--compare needs --campaign (e.g. --campaign 2024 --compare 2023)")
    cfg = opening.config(args)
    campaign, compare = _campaign(cfg, args.campaign, args), _campaign(cfg, args.compare, args)
    from archive.db import Database
    from reports.changes import build_changes

    _, db_url = opening.existing_archive(args)
    with Database(db_url).session() as session:
        data = build_changes(session, cfg, since=args.since, until=args.until,
                             campaign=campaign, compare=compare, company=args.company,
                             include_cosmetic=args.all, render_diffs=args.format in ("md", "html"))
    changed = sum(bool(d["changes"]) for d in data["documents"])
    return write_output(args.out, render_changes(data, args.format, args.lang),
                        f"{changed} of {len(data['documents'])} documents changed")
