"""Run records: each crawl's start, end, exit code and summary, in the database and as JSON files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from archive.db import Database
from archive.models import Run


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


def finish_run(db: Database, run_id: int, exit_code: int, summary: dict, runs_dir: Path) -> None:
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


def last_runs(db: Database, limit: int = 20) -> list[Run]:
    with db.session() as session:
        return list(session.scalars(select(Run).order_by(Run.id.desc()).limit(limit)))
