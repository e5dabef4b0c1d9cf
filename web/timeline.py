"""A document's history as a small inline SVG: captures on a time axis, versions as larger marks.

Returns coordinates only; the template draws them (autoescaped, no script, no inline style).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT, PAD = 640, 56, 14


@dataclass(frozen=True)
class Mark:
    x: float
    kind: str  # version | technical | capture | failed
    label: str
    href: str | None


def _x(moment: datetime, start: datetime, span: float) -> float:
    if span <= 0:
        return WIDTH / 2
    return round(PAD + (moment - start).total_seconds() / span * (WIDTH - 2 * PAD), 1)


def timeline(versions, snapshots) -> dict:
    """{"width", "height", "marks", "start", "end"} for the template's <svg>."""
    moments = [v.captured_at for v in versions] + [s.fetched_at for s in snapshots]
    if not moments:
        return {"width": WIDTH, "height": HEIGHT, "marks": [], "start": None, "end": None}
    start, end = min(moments), max(moments)
    span = (end - start).total_seconds()
    marks = [Mark(_x(s.fetched_at, start, span), "failed" if s.outcome == "failed" else "capture",
                  f"{s.fetched_at:%Y-%m-%d %H:%M} capture {s.id}: {s.failure or s.outcome}", None)
             for s in snapshots]
    marks += [Mark(_x(v.captured_at, start, span), "technical" if v.technical else "version",
                   f"{v.captured_at:%Y-%m-%d %H:%M} version {v.id}" + (" (re-extraction)" if v.technical else ""),
                   f"/version/{v.id}") for v in versions]
    return {"width": WIDTH, "height": HEIGHT, "marks": marks, "start": start, "end": end}
