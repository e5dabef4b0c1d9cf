"""Commands that fill the archive: ``crawl``, ``check-config``, ``schedule`` and the offline ``demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from commands import opening
from commands.options import day, time_of_day
from config import ConfigError, check_config
from crawler.exits import EXIT_CONFIG, EXIT_OK


def register(subparsers) -> None:
    p = subparsers.add_parser("crawl", help="discover and archive every company's policy documents")
    p.add_argument("--company", action="append", default=[], help="only this company id (repeatable)")
    p.add_argument("--ignore-window", action="store_true", help="crawl even outside every campaign window")
    p.add_argument("--include-unconfirmed", action="store_true", help="also crawl unconfirmed homepages")
    p.add_argument("--today", type=day, help=argparse.SUPPRESS)  # pins the date for window tests
    p.set_defaults(func=crawl)

    subparsers.add_parser("check-config", help="validate the config file").set_defaults(func=check)

    p = subparsers.add_parser("schedule", help="print a crontab line (or --systemd units) for a daily crawl")
    p.add_argument("--at", type=time_of_day, default="03:17", metavar="HH:MM", help="time of day (default: 03:17)")
    p.add_argument("--systemd", action="store_true", help="a systemd service + timer instead of a crontab line")
    p.set_defaults(func=schedule)

    p = subparsers.add_parser("demo", help="crawl the bundled offline demo sites twice and show what changed")
    p.add_argument("--no-serve", action="store_true",
                   help="do not start the web UI on the demo archive afterwards (it starts only on a terminal)")
    p.set_defaults(func=demo)


def crawl(args) -> int:
    from crawler.run import CrawlOptions
    from crawler.run import crawl as run_crawl

    cfg = opening.config(args)
    unknown = [c for c in args.company if c not in {co.id for co in cfg.companies}]
    if unknown:
        print(f"policy-archive: unknown company id(s): {', '.join(unknown)}", file=sys.stderr)
        return EXIT_CONFIG
    data_dir, db_url = opening.paths(args)
    return run_crawl(cfg, CrawlOptions(
        data_dir=data_dir, db_url=db_url, ignore_window=args.ignore_window, only=tuple(args.company),
        include_unconfirmed=args.include_unconfirmed, today=args.today,
    ))


def check(args) -> int:
    try:
        cfg, warnings = check_config(args.config)
    except ConfigError as exc:
        print(f"policy-archive: invalid configuration\n{exc}", file=sys.stderr)
        return EXIT_CONFIG
    for warning in warnings:
        print(f"warning: {warning}")
    print(f"{args.config}: OK ({len(cfg.companies)} companies, {len(cfg.campaigns)} campaigns)")
    return EXIT_OK


def schedule(args) -> int:
    from crawler.schedule import crontab, systemd

    opening.config(args)  # a schedule for a config that does not load would fail every night
    hour, minute = args.at
    make = systemd if args.systemd else crontab
    print(make(Path(args.config), Path(args.data_dir), hour, minute), end="")
    return EXIT_OK


def demo(args) -> int:
    from crawler.demo.run import run_demo

    return run_demo(Path(args.data_dir), serve=not args.no_serve)
