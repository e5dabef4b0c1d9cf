"""The ``policy-archive`` entry point: global options, one subparser per command group, dispatch, exit codes.

Each command group is a module of ``commands/`` with a ``register(subparsers)`` that adds its parser(s);
a command parses its options, calls the rooms below and returns an exit code from ``crawler/exits.py``
(0 ok, 1 some documents failed, 2 bad config or command line, 3 locked, 4 disk full, 5 not found).
What ``--help`` prints is written for the researchers who run the tool, not for us: it is DESCRIPTION
and the epilog below, not this docstring.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from commands import browsing, crawling, diffs, evidence, languages, operations, reporting, serving
from commands.opening import default_config, why_no_archive
from crawler.exits import EXIT_NOT_FOUND, MEANINGS

__all__ = ["EXIT_NOT_FOUND", "build_parser", "main", "why_no_archive"]

# In the order a researcher meets them in --help.
GROUPS = (crawling, browsing, diffs, reporting, evidence, serving, operations, languages)

DESCRIPTION = """\
Archive the public policy documents of rated companies (user agreements, privacy policies, public
offers, consent forms, ...) in every language version, so that a research team can prove what a
page said, at which URL, on which date. policy-archive crawls each company's website from its
homepage, keeps every capture, and reports which documents exist in which languages and what
changed between captures."""

_README = Path(__file__).resolve().parent.parent / "README.md"


def _epilog() -> str:
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in sorted(MEANINGS.items()))
    readme = str(_README) if _README.exists() else "README.md in the policy-archive source"
    return f"""\
To start: policy-archive demo (an offline demo, no configuration needed), then
  policy-archive crawl                                   archive the companies of --config
  policy-archive documents                               what is archived
  policy-archive show ID --text                          a document's latest text
  policy-archive report coverage --format html --out coverage.html

Each command has its own help: policy-archive COMMAND --help.
Dates are YYYY-MM-DD (a whole day) or an ISO date-time such as 2024-05-01T12:00+05:00 (UTC when no
zone is given).

Exit codes:
{codes}

Read more: {readme} (setup, configuration, every command)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy-archive", description=DESCRIPTION, epilog=_epilog(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=default_config(),
                        help="companies and campaigns (default: %(default)s, env POLICY_ARCHIVE_CONFIG)")
    parser.add_argument("--data-dir", default=os.environ.get("POLICY_ARCHIVE_DATA", "data"),
                        help="blobs, database, runs (default: %(default)s, env POLICY_ARCHIVE_DATA)")
    parser.add_argument("-v", "--verbose", action="store_true", help="also log the libraries' details")
    subparsers = parser.add_subparsers(dest="command", required=True, title="commands", metavar="COMMAND")
    for group in GROUPS:
        group.register(subparsers)
    return parser


def _quiet_libraries(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or record.name.startswith("policy_archive")


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
