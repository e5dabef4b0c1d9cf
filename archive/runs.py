"""Run records: each crawl's start, end, exit code and summary, in the database and as JSON files."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.db import Database
from archive.models import Run, Snapshot
from archive.records import RENDERED, SERVER

KEEP_RECORDS = 100  # run-N.json files kept in the data directory (the runs table keeps them all)
ATTENTION_RUNS = 3  # a URL failing in this many runs in a row needs a person
# Failures no later run will cure by itself: listed after the first run that meets them. An anti-bot
# challenge that did not clear in a browser needs a person to ask the company (or change the crawl).
URGENT_FAILURES = frozenset({"challenge"})


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def start_run(db: Database, campaign: str | None) -> int:
    """Open a run; runs still marked running are from a killed process (the lock proves it)."""
    with db.session() as session:
        session.execute(
            update(Run).where(Run.status == "running").values(status="aborted", finished_at=now())
        )
        run = Run(started_at=now(), status="running", campaign=campaign, pid=os.getpid())
        session.add(run)
        session.commit()
        return run.id


def finish_run(db: Database, run_id: int, exit_code: int, summary: dict, runs_dir: Path,
               keep: int = KEEP_RECORDS) -> None:
    with db.session() as session:
        run = session.get(Run, run_id)
        assert run is not None
        run.status = "completed"
        run.finished_at = now()
        run.exit_code = exit_code
        run.summary = summary
        session.commit()
        record = {
            "id": run.id, "started_at": run.started_at.isoformat(), "finished_at": run.finished_at.isoformat(),
            "campaign": run.campaign, "exit_code": exit_code, **summary,
        }
    runs_dir.mkdir(parents=True, exist_ok=True)
    tmp = runs_dir / f".run-{run_id:06d}.json"
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(runs_dir / f"run-{run_id:06d}.json")
    for old in sorted(runs_dir.glob("run-*.json"))[:-keep]:
        old.unlink(missing_ok=True)  # the database keeps every run's summary; the files, the last ``keep``


def last_runs(db: Database, limit: int = 20) -> list[Run]:
    with db.session() as session:
        return list(session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Attention:
    """A URL whose last ``runs`` captures, in as many different runs, all failed (or whose last
    capture failed in a way that needs a person now: ``URGENT_FAILURES``)."""

    company_id: str
    url: str
    document_id: int | None
    role: str
    runs: int
    failing_since: datetime
    failure: str | None
    detail: str | None


def needs_attention(session: Session, runs: int = ATTENTION_RUNS) -> list[Attention]:
    """Failures that persist: URLs whose captures failed in ``runs`` runs in a row (the runs that
    captured them; a crawl of one company does not interrupt another's streak). A one-off timeout
    is not listed; a dead link is, and so is an anti-bot challenge at once (``URGENT_FAILURES``).
    A run's verdict on a URL is its newest capture of it, plain or rendered (a page that only a
    browser fetches fails as a rendered capture). Only the plain state counts: a language probe or a
    click that failed is a try (the coverage report's proof of absence says so), not the URL failing."""
    candidates = sorted(set(session.scalars(
        select(Snapshot.url).where(Snapshot.outcome == "failed", Snapshot.variant == "",
                                   Snapshot.run_id.in_(select(Run.id).order_by(Run.id.desc()).limit(runs))))))
    found = []
    for url in candidates:
        recent = list(session.scalars(select(Snapshot).where(Snapshot.url == url, Snapshot.variant == "",
                                                             Snapshot.kind.in_((SERVER, RENDERED)))
                                      .order_by(Snapshot.id.desc()).limit(runs * 4)))
        streak: list[Snapshot] = []
        seen_runs: set[int | None] = set()
        for snap in recent:
            if snap.run_id in seen_runs:
                continue  # one verdict per run: its newest capture of the URL
            seen_runs.add(snap.run_id)
            if snap.outcome != "failed":
                break
            streak.append(snap)
        if len(streak) >= runs or (streak and streak[0].failure in URGENT_FAILURES):
            newest = streak[0]
            found.append(Attention(newest.company_id, url, newest.document_id, newest.role, len(streak),
                                   streak[-1].fetched_at, newest.failure, newest.failure_detail))
    return sorted(found, key=lambda a: (a.company_id, a.url))
