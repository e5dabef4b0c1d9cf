"""The offline demo: fake company sites on loopback, crawled twice, with one policy changed between.

Each crawl is a subprocess (a fresh Twisted reactor each time), exactly what cron would run.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

from crawler.demo import demo_companies, start_demo_web

MARKER = ".policy-archive-demo"


def write_demo_config(path: Path, companies: list[dict], today: date) -> None:
    cfg = {
        "crawl": {"max_depth": 3, "allow_private_addresses": ["127.0.0.0/8"]},
        "campaigns": [{"name": f"demo-{today.year}", "start": str(today - timedelta(days=30)),
                       "end": str(today + timedelta(days=30))}],
        "companies": companies,
    }
    path.write_text("# Written by `policy-archive demo` for the offline demo sites.\n"
                    + yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _cli(config: Path, data_dir: Path, *args: str) -> int:
    cmd = [sys.executable, "-m", "crawler.cli", "--config", str(config), "--data-dir", str(data_dir), *args]
    return subprocess.call(cmd)


def _show_changes(data_dir: Path) -> None:
    from sqlalchemy import select

    from archive.db import Database, database_url
    from archive.models import Document, Version

    db = Database(database_url(data_dir))
    with db.session() as session:
        for doc in session.scalars(select(Document).order_by(Document.id)):
            versions = list(session.scalars(
                select(Version).where(Version.document_id == doc.id).order_by(Version.id)))
            if len(versions) < 2:
                continue
            old, new = versions[-2], versions[-1]
            print(f"\n== {doc.company_id} · {doc.doc_type} [{doc.language}] changed: {doc.url}")
            diff = difflib.unified_diff(old.text.splitlines(), new.text.splitlines(),
                                        f"version {old.id}", f"version {new.id}", lineterm="", n=0)
            for line in diff:
                print("   " + line)
    db.close()


def run_demo(base_dir: Path) -> int:
    data_dir = base_dir / "demo"
    if data_dir.exists():
        if not (data_dir / MARKER).exists():
            print(f"policy-archive: {data_dir} exists and is not a demo archive; not touching it", file=sys.stderr)
            return 2
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    (data_dir / MARKER).write_text("this folder is rebuilt by `policy-archive demo`\n")
    config = data_dir / "demo-config.yaml"

    with start_demo_web() as web:
        write_demo_config(config, demo_companies(web), date.today())
        print(f"Demo sites: {', '.join(f'{cid} {url}' for cid, url in web.urls.items())}")
        print(f"Config: {config}\n\n== First crawl")
        first = _cli(config, data_dir, "crawl")
        web.set_variant("v2")
        print("\n== Second crawl (one company has changed its privacy policy meanwhile)")
        second = _cli(config, data_dir, "crawl")
    print("\n== What is archived")
    _cli(config, data_dir, "documents")
    print("\n== What changed between the two crawls")
    _show_changes(data_dir)
    print(f"\nThe archive is in {data_dir}; try:\n"
          f"  policy-archive --config {config} --data-dir {data_dir} documents\n"
          f"  policy-archive --config {config} --data-dir {data_dir} show 1 --text")
    # Some demo links are dead on purpose (exit code 1 = some documents failed); anything else is wrong.
    return 0 if first in (0, 1) and second in (0, 1) else max(first, second)
