"""A document's history as a small inline SVG: captures on a time axis, versions as larger marks, and
the translation lags of its language pairs as bars under the axis (one lane each, from the change to
when the other version followed, or to the axis's end while it has not).

Returns coordinates only; the template draws them (autoescaped, no script, no inline style).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import i18n
from i18n import _
from reports.translations import lag_words
from reports.words import failure_label, outcome_label

WIDTH, HEIGHT, PAD = 640, 56, 14
LANE, BAR = 10, 6  # a lag bar's lane height and its thickness
FIRST_LANE = 42  # below the marks (which reach y=36)
MIN_BAR = 2.0  # px


@dataclass(frozen=True)
class Mark:
    x: float
    kind: str  # version | technical | capture | failed
    label: str
    href: str | None


@dataclass(frozen=True)
class Bar:
    """A translation lag: ``kind`` is "open" (not followed yet) or "closed"."""

    x: float
    y: int
    width: float
    height: int
    kind: str
    label: str
    href: str  # the version that changed


def _x(moment: datetime, start: datetime, span: float) -> float:
    if span <= 0:
        return WIDTH / 2
    return round(PAD + (moment - start).total_seconds() / span * (WIDTH - 2 * PAD), 1)


def _moment(iso: str) -> datetime:
    """A report's "…Z" moment as the archive's naive UTC."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=None)


def timeline(versions, snapshots, lags: list[dict] = ()) -> dict:
    """{"width", "height", "marks", "bars", "label_y", "start", "end"} for the template's <svg>.
    ``lags``: the lag entries (``reports.translations``) of the pairs this document is in; the axis
    spans their moments too, since the other version's change may predate this one's captures."""
    changed = [_moment(lag["changed_at"]) for lag in lags]
    followed = [_moment(lag["followed_at"]) for lag in lags if lag["followed_at"]]
    moments = [v.captured_at for v in versions] + [s.fetched_at for s in snapshots] + changed + followed
    height = HEIGHT + LANE * len(lags)
    if not moments:
        return {"width": WIDTH, "height": height, "marks": [], "bars": [], "label_y": height - 4,
                "start": None, "end": None}
    start, end = min(moments), max(moments)
    span = (end - start).total_seconds()
    marks = [Mark(_x(s.fetched_at, start, span), "failed" if s.outcome == "failed" else "capture",
                  _("{when} capture {id}: {what}").format(when=i18n.when(s.fetched_at), id=s.id,
                                                          what=failure_label(s.failure) or outcome_label(s.outcome)),
                  None)
             for s in snapshots]
    marks += [Mark(_x(v.captured_at, start, span), "technical" if v.technical else "version",
                   _("{when} version {id}").format(when=i18n.when(v.captured_at), id=v.id)
                   + (" " + _("(re-extraction)") if v.technical else ""),
                   f"/version/{v.id}") for v in versions]
    bars = []
    for lane, lag in enumerate(lags):
        x0 = _x(_moment(lag["changed_at"]), start, span)
        x1 = _x(_moment(lag["followed_at"]), start, span) if lag["followed_at"] else WIDTH - PAD
        x0 = min(x0, round(x1 - MIN_BAR, 1))  # a lag of minutes is still seen, and still ends where it ends
        bars.append(Bar(x0, FIRST_LANE + LANE * lane, round(x1 - x0, 1), BAR,
                        "open" if lag["open"] else "closed", lag_words(lag), f"/version/{lag['version']}"))
    return {"width": WIDTH, "height": height, "marks": marks, "bars": bars, "label_y": height - 4,
            "start": start, "end": end}
