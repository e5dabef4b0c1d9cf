"""Every date and time people type or read, parsed and printed in one place.

The archive stores naive UTC. What people type (``--until 2024-07-31``, ``?until=2024-07-31``,
``--at 2024-07-31T12:00+05:00``) means the same on the command line and in the web UI: a bare date
is the start of that day, or its last instant where it closes a range or names a moment to look at
(``end=True``: "until the 31st" includes the 31st); a time with a zone is converted to UTC; one
without a zone is UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def parse_when(text: str, *, end: bool = False) -> datetime:
    """A date or date-time a person typed (command line or URL) as naive UTC (how the archive stores times).

    A bare date means the start of that day, or its last instant with ``end`` (``--until 2024-07-31``
    and ``--at 2024-07-31`` include that whole day). A time without a zone is taken as UTC.
    """
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end else time.min)
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date such as 2024-05-01 or 2024-05-01T12:00:00Z, got {text!r}") from None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def iso_utc(dt: datetime) -> str:
    """A stored (naive UTC) time as ISO 8601 with its zone, for people and JSON."""
    return dt.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def when_text(dt: datetime) -> str:
    """A bound from ``parse_when`` as the person typed it: a bare date stays a date."""
    return dt.date().isoformat() if dt.time() in (time.min, time.max) else iso_utc(dt)
