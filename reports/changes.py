"""The change report's data: what each company changed, when, and what became (un)available.

Changes are diffs between neighbouring versions of a document's *effective* history (see
``archive.history.effective_versions``: a re-extraction replaces the text it improves on and is
never a change). Each change is classified by ``diffing``: only substantive ones are listed unless
asked. ``--campaign 2024 --compare 2023`` compares, per document, the version each campaign assessed.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.changelog import histories, summaries, summarise
from archive.history import assessed_version, campaign_end, effective_versions
from archive.models import Document, Snapshot, Version
from config import Campaign, Config
from diffing import diff, render
from i18n import in_english
from language.notices import notice_sentences
from reports.coverage import language_rows


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


def _day_start(d) -> datetime:
    return datetime.combine(d, time.min)


def _change(session: Session, old: Version, new: Version, include_cosmetic: bool,
            render_diffs: bool = False) -> dict | None:
    """The change from ``old`` to ``new`` as the report shows it (None: cosmetic, not asked for)."""
    if include_cosmetic or render_diffs:
        result = diff(old.text, new.text)
        summary = summarise(result, include_cosmetic)
    else:
        result, summary = None, summaries(session, [(old, new)])[0]
    if summary["kind"] == "cosmetic" and not include_cosmetic:
        return None
    shown = {"diff_text": render(result, "text", cosmetic=include_cosmetic),
             "diff_html": render(result, "html")} if result is not None and render_diffs else {}
    return {**shown, "from": old.id, "to": new.id, "from_date": _iso(old.captured_at),
            "to_date": _iso(new.captured_at), **summary}


def _status(session: Session, doc: Document, until: datetime | None) -> tuple[str, str | None, str | None]:
    """available / unavailable as of ``until``; for unavailable: since when (the first failed
    capture after the last good one) and why."""
    query = select(Snapshot).where(Snapshot.document_id == doc.id).order_by(Snapshot.id)
    if until is not None:
        query = query.where(Snapshot.fetched_at < until)
    since = reason = None
    status = "available"
    for snap in session.scalars(query):
        if snap.outcome == "failed":
            if status == "available":
                since, reason = _iso(snap.fetched_at), snap.failure_detail or snap.failure
            status = "unavailable"
        else:
            status, since, reason = "available", None, None
    return status, since, reason


def _document_entry(session: Session, doc: Document, versions: list[Version], changes: list[dict],
                    status: tuple[str, str | None, str | None], since: datetime | None,
                    vocabulary=None) -> dict:
    snapshots = {s.id: s.sha256 for s in session.scalars(
        select(Snapshot).where(Snapshot.id.in_([v.snapshot_id for v in versions])))}
    return {
        "company": doc.company_id, "type": doc.doc_type, "language": doc.language, "url": doc.url,
        "document_id": doc.id, "status": status[0], "unavailable_since": status[1], "failure": status[2],
        "first_seen": _iso(doc.first_seen), "new": _appeared_later(session, doc, since),
        "versions": [{"id": v.id, "captured_at": _iso(v.captured_at), "sha256": snapshots.get(v.snapshot_id),
                      "text_sha256": v.text_sha256, "technical": v.technical} for v in versions],
        "changes": changes,
        # Candidate evidence for F2a.1-3 / P2a.1-3 in the latest version: how users are told of changes.
        "notices": notice_sentences(versions[-1].text, vocabulary) if versions else [],
    }


def _appeared_later(session: Session, doc: Document, since: datetime | None) -> bool:
    """New: first captured whole by a later crawl than the company's first (a dead link before does
    not count as existing), and in the period if one is given."""
    first_run = session.scalar(select(func.min(Snapshot.run_id)).where(Snapshot.company_id == doc.company_id))
    doc_run = session.scalar(select(func.min(Snapshot.run_id)).where(Snapshot.document_id == doc.id,
                                                                     Snapshot.outcome != "failed"))
    return (doc_run is not None and first_run is not None and doc_run > first_run
            and (since is None or doc.first_seen >= since))


def _documents(session: Session, company: str | None) -> list[Document]:
    query = select(Document).order_by(Document.company_id, Document.doc_type, Document.language, Document.id)
    if company:
        query = query.where(Document.company_id == company)
    if hasattr(Document, "historical"):
        query = query.where(Document.historical.is_(False))  # old versions the company archived itself
    return list(session.scalars(query))


@in_english
def build_changes(session: Session, cfg: Config, *, since: datetime | None = None, until: datetime | None = None,
                  campaign: Campaign | None = None, compare: Campaign | None = None, company: str | None = None,
                  include_cosmetic: bool = False, render_diffs: bool = False, now: datetime | None = None) -> dict:
    """Changes between ``since`` and ``until`` (or in a campaign's window, or between two campaigns).
    ``render_diffs`` adds each change's diff as ``diff_text`` and ``diff_html`` (for md and html).
    ``generated_at`` is ``now`` (default: the current time); the xlsx is dated at it."""
    generated_at = _iso(now or datetime.now(UTC))
    if campaign is not None and compare is None:
        since, until = _day_start(campaign.start), campaign_end(campaign)
    if compare is not None:
        assert campaign is not None
        return _compare(session, cfg, campaign, compare, company, include_cosmetic, render_diffs, generated_at)
    entries = []
    lags = translation_lags(session, cfg, campaign, company, now)
    for doc in _documents(session, company):
        history = effective_versions(session, doc.id)
        before = [v for v in history if since is not None and v.captured_at < since]
        inside = [v for v in history if (since is None or v.captured_at >= since)
                  and (until is None or v.captured_at < until)]
        status = _status(session, doc, until)
        seen_in_range = inside or session.scalars(select(Snapshot.id).where(
            Snapshot.document_id == doc.id, *([Snapshot.fetched_at >= since] if since else []),
            *([Snapshot.fetched_at < until] if until else [])).limit(1)).first()
        if not seen_in_range:
            continue
        chain = before[-1:] + inside
        changes = [c for old, new in zip(chain, chain[1:], strict=False)
                   if (c := _change(session, old, new, include_cosmetic, render_diffs))]
        entries.append(_document_entry(session, doc, inside, changes, status, since, cfg.vocabulary))
        entries[-1]["translation_lag"] = lags.get(doc.id, [])
    return {"since": _iso(since), "until": _iso(until), "campaign": campaign.name if campaign else None,
            "compare": None, "generated_at": generated_at, "documents": entries}


def _compare(session: Session, cfg: Config, campaign: Campaign, compare: Campaign, company: str | None,
             include_cosmetic: bool, render_diffs: bool, generated_at: str | None) -> dict:
    """Per document, the version ``compare`` assessed against the one ``campaign`` assessed."""
    entries = []
    lags = translation_lags(session, cfg, campaign, company, None)
    for doc in _documents(session, company):
        now = assessed_version(session, doc.id, campaign)
        then = assessed_version(session, doc.id, compare)
        if now is None and then is None:
            continue
        versions = [v for v in (then, now) if v is not None]
        changes = []
        if then is not None and now is not None and then.text_sha256 != now.text_sha256:
            change = _change(session, then, now, include_cosmetic, render_diffs)
            changes = [change] if change else []
        status = _status(session, doc, campaign_end(campaign))
        entries.append(_document_entry(session, doc, versions, changes, status, _day_start(compare.end),
                                       cfg.vocabulary))
        entries[-1]["translation_lag"] = lags.get(doc.id, [])
    return {"since": _iso(_day_start(compare.start)), "until": _iso(campaign_end(campaign) - timedelta(seconds=1)),
            "campaign": campaign.name, "compare": compare.name, "generated_at": generated_at, "documents": entries}


def translation_lags(session: Session, cfg: Config, campaign: Campaign | None, company: str | None,
                     now: datetime | None) -> dict[int, list[dict]]:
    """Per document: each substantive change of it or of another language version of it, and when the other
    followed (``reports.translations.lags``), with the other document's id and URL."""
    out: dict[int, list[dict]] = {}
    for _, row in language_rows(session, cfg, campaign=campaign, company_id=company, now=now):
        for pair in row.get("translations", []):
            for lag in pair["lag"]:
                for lang, other in ((lag["changed"], lag["follower"]), (lag["follower"], lag["changed"])):
                    out.setdefault(pair["documents"][lang], []).append(
                        {**lag, "other_language": other, "other_document": pair["documents"][other],
                         "other_url": row["languages"][other]["url"]})
    return out


@in_english
def recent_changes(session: Session, *, since: datetime | None = None, company: str | None = None,
                   kinds: tuple[str, ...] = ("substantive",)) -> list[dict]:
    """Changes made at or after ``since`` (all time without it), newest first, for the overview's
    marks and the Atom feeds: only documents with a version in the period are read, their histories
    in one query, the changes' summaries from the ``text_changes`` table."""
    candidates = select(Version.document_id).where(Version.technical.is_(False))
    if since is not None:
        candidates = candidates.where(Version.captured_at >= since)
    query = select(Document).where(Document.id.in_(candidates.distinct()), Document.historical.is_(False))
    if company:
        query = query.where(Document.company_id == company)
    docs = {d.id: d for d in session.scalars(query)}
    pairs = []
    for doc_id, history in histories(session, list(docs)).items():
        first = next((i for i, v in enumerate(history) if since is None or v.captured_at >= since), len(history))
        chain = history[max(0, first - 1):]
        pairs += [(docs[doc_id], old, new) for old, new in zip(chain, chain[1:], strict=False)]
    found = []
    for (doc, old, new), summary in zip(pairs, summaries(session, [(o, n) for _, o, n in pairs]), strict=True):
        if summary["kind"] in kinds:
            found.append({"company": doc.company_id, "type": doc.doc_type, "language": doc.language, "url": doc.url,
                          "document_id": doc.id, "from": old.id, "to": new.id, "from_date": _iso(old.captured_at),
                          "to_date": _iso(new.captured_at), **summary})
    found.sort(key=lambda c: (c["to_date"] or "", c["to"]), reverse=True)
    return found
