"""The offline demo: fake company sites on loopback, crawled twice, with one policy changed between.

Each crawl is a subprocess (a fresh Twisted reactor each time), exactly what cron would run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import yaml

from crawler.demo import demo_companies, start_demo_web
from crawler.exits import EXIT_CONFIG, EXIT_OK, EXIT_SOME_FAILED

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
    cmd = [sys.executable, "-m", "commands.cli", "--config", str(config), "--data-dir", str(data_dir), *args]
    # The demo archives in its own folder (SQLite), never in a team's database named by POLICY_ARCHIVE_DB.
    env = {k: v for k, v in os.environ.items() if k != "POLICY_ARCHIVE_DB"}
    return subprocess.call(cmd, env=env)


def _show_changes(config: Path, data_dir: Path) -> None:
    """The second crawl's changes, as the rating team's change report shows them."""
    _cli(config, data_dir, "report", "changes", "--all", "--format", "md")


def run_demo(base_dir: Path, serve: bool = False) -> int:
    """Crawl the demo twice and show the result; with ``serve`` and a terminal, then serve the web UI on it."""
    data_dir = base_dir / "demo"
    if data_dir.exists():
        if not (data_dir / MARKER).exists():
            print(f"policy-archive: {data_dir} exists and is not a demo archive; not touching it", file=sys.stderr)
            return EXIT_CONFIG
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
        print("\n== Second crawl (meanwhile QazaqPay changed its privacy policy in both languages, "
              "Dala Telecom only in Russian)")
        second = _cli(config, data_dir, "crawl")
    print("\n== What is archived")
    _cli(config, data_dir, "documents")
    print("\n== Coverage: which documents exist in which languages (F1a.2), and public archives (F2a.4)")
    _cli(config, data_dir, "report", "coverage", "--format", "md")
    print("\n== What changed between the two crawls")
    _show_changes(config, data_dir)
    print(f"\nThe archive is in {data_dir}; try:\n"
          f"  policy-archive --config {config} --data-dir {data_dir} documents\n"
          f"  policy-archive --config {config} --data-dir {data_dir} show 1 --text\n"
          f"  policy-archive --config {config} --data-dir {data_dir} report coverage --format html --out coverage.html")
    # Some demo links are dead on purpose (exit code 1 = some documents failed); anything else is wrong.
    done = (EXIT_OK, EXIT_SOME_FAILED)
    code = EXIT_OK if first in done and second in done else max(first, second)
    if code == EXIT_OK and serve and sys.stdout.isatty():
        print("\n== The researchers' web UI on the demo archive: http://127.0.0.1:8000/ (Ctrl-C stops it)")
        sys.stdout.flush()
        try:
            _cli(config, data_dir, "serve", "--host", "127.0.0.1", "--port", "8000")
        except KeyboardInterrupt:
            pass
    return code
