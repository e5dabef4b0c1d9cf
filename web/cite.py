""""Cite this" (issue 16): a version, or one clause of it, as the block of text the team pastes into a letter
to a company: the document, its URL, the capture time in UTC and in Astana time, the SHA-256 of the bytes
and of the text, the archive's permalink and the screenshot's, and the clause quoted.

Plain text in the language of the moment, shown in a read-only <textarea> (the UI runs no script, so
"copyable" means selectable). The links are absolute, built from the address the UI was started with
(``app.state.base_url``), never from a request's Host header: a citation outlives the request.
Astana time is ``Asia/Almaty`` from the system's tz database: UTC+5 since 2024-03-01 (UTC+6 before),
so a capture from 2023 is cited at +06:00, as it was on the clocks then.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import i18n
from i18n import _
from reports.words import type_label

ASTANA = ZoneInfo("Asia/Almaty")


def _offset(moment: datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    return f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _moment(moment: datetime) -> str:
    if i18n.language() == "en":
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return i18n.format_moment(moment)


def capture_times(captured_at: datetime) -> tuple[str, str]:
    """(the capture in UTC, the capture in Astana time with its offset), as the citation says them."""
    utc = captured_at.replace(tzinfo=UTC) if captured_at.tzinfo is None else captured_at.astimezone(UTC)
    local = utc.astimezone(ASTANA)
    return (_("{moment} UTC").format(moment=_moment(utc)),
            _("{moment} Astana time, {offset}").format(moment=_moment(local), offset=_offset(local)))


def citation(*, company: str, doc, version, snap, base_url: str, clause: int | None = None,
             clause_text: str = "") -> str:
    """The citation block. ``clause``: the 1-based paragraph of the version's text quoted in it."""
    title = version.title or doc.title or doc.url
    kind = type_label(doc.doc_type) or _("document")
    utc, astana = capture_times(version.captured_at)
    permalink = f"{base_url}/version/{version.id}"
    lines = [_("{company}, «{title}» ({kind}, {language}), archived version {id}").format(
        company=company, title=title, kind=kind, language=version.language or "und", id=version.id)]
    if clause is not None:
        permalink += f"?clause={clause}#clause-{clause}"
        lines.append(_("Clause {n}: «{text}»").format(n=clause, text=clause_text))
    lines += [_("URL: {url}").format(url=doc.url),
              _("Captured: {utc} ({astana})").format(utc=utc, astana=astana)]
    if snap is not None and snap.sha256:
        lines.append(_("SHA-256 of the captured bytes: {sha}").format(sha=snap.sha256))
    lines.append(_("SHA-256 of the extracted text: {sha}").format(sha=version.text_sha256))
    lines.append(_("Archive permalink: {url}").format(url=permalink))
    if snap is not None and snap.screenshot_sha256:
        lines.append(_("Screenshot: {url}").format(url=f"{base_url}/screenshot/{snap.id}"))
    return "\n".join(lines)
