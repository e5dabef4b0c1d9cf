"""Option values the parser checks, and refusals a command states before it touches anything.

Dates are checked by argparse itself (``type=``), through ``archive.times.parse_when`` like every date a
person types: a bad value is ``policy-archive CMD: error: argument --at: expected a date ...`` and exit 2
(EXIT_CONFIG, argparse's own code for a bad command line), never a traceback, with or without ``python -O``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from archive.times import parse_when
from crawler.exits import EXIT_CONFIG, EXIT_NOT_FOUND, EXIT_OK

DATE_HELP = "YYYY-MM-DD or an ISO date-time such as 2024-05-01T12:00+05:00; UTC when no zone is given"


def when(text: str) -> datetime:
    """``--since DATE``: a bare date is the start of that day."""
    try:
        return parse_when(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def until(text: str) -> datetime:
    """``--until DATE``, ``--at DATE``: a bare date is the last instant of that day, which is included."""
    try:
        return parse_when(text, end=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def day(text: str) -> date:
    """A calendar day (the crawl's hidden ``--today``)."""
    return when(text).date()


def time_of_day(text: str) -> tuple[int, int]:
    """``HH:MM`` as (hour, minute), within a day."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise argparse.ArgumentTypeError(f"expected a time of day HH:MM (00:00 to 23:59), got {text!r}")
    return int(match[1]), int(match[2])


class Refused(Exception):
    """A bad option value the parser cannot see alone: the message is printed, the exit code is EXIT_CONFIG."""

    code = EXIT_CONFIG


class NotFound(Refused):
    """An id or URL that names nothing in the archive."""

    code = EXIT_NOT_FOUND


def refusable(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``command``, with a Refused turned into its message on stderr and its exit code."""
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except Refused as exc:
            print(f"policy-archive: {exc}", file=sys.stderr)
            return exc.code
    return run


def moment(text: str) -> datetime:
    """A date given as a positional argument (``diff DOCUMENT DATE DATE``), read as ``until`` reads it."""
    try:
        return parse_when(text, end=True)
    except ValueError as exc:
        raise Refused(str(exc)) from None


def write_output(out: str | None, body: bytes, summary: str) -> int:
    """Write a report to ``out`` (and say so), or to stdout when there is no ``out``."""
    if not out:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return EXIT_OK
    try:
        Path(out).write_bytes(body)
    except OSError as exc:
        print(f"policy-archive: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"{out}: {summary}")
    return EXIT_OK
