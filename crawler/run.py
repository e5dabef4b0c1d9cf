"""One crawl run, safe under cron: a lock, the campaign window, a summary, the exit codes of crawler/exits.py."""

from __future__ import annotations

import fcntl
import logging
import os
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from archive.blobs import BlobStore
from archive.db import Database
from archive.recorder import Recorder, storage_full
from archive.runs import ATTENTION_RUNS, finish_run, needs_attention, start_run
from config import Config
from crawler.exits import EXIT_LOCKED, EXIT_OK, EXIT_SOME_FAILED, EXIT_STORAGE_FULL

log = logging.getLogger("policy_archive.crawl")


@dataclass
class CrawlOptions:
    data_dir: Path
    db_url: str
    ignore_window: bool = False
    only: tuple[str, ...] = ()  # company ids; empty = all
    include_unconfirmed: bool = False
    today: date | None = None


class Locked(Exception):
    pass


@contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """An exclusive lock on the data directory, released by the kernel if the process dies."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "crawl.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise Locked(f"another crawl is running on {data_dir} (pid {holder}); try again later") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield


def crawl(cfg: Config, opts: CrawlOptions) -> int:
    """Run one crawl; return the exit code. Prints the run summary."""
    try:
        with run_lock(opts.data_dir):
            return _crawl_locked(cfg, opts)
    except Locked as exc:
        print(f"policy-archive: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except Exception as exc:
        if not storage_full(exc):
            raise
        # Full before the crawl began (the lock file, the run record): nothing was written.
        print(f"policy-archive: the disk holding {opts.data_dir} is full ({exc}); nothing was crawled. "
              "Free some space and run it again.", file=sys.stderr)
        return EXIT_STORAGE_FULL


def _crawl_locked(cfg: Config, opts: CrawlOptions) -> int:
    today = opts.today or date.today()
    campaign = cfg.campaign_at(today)
    if campaign is None and not opts.ignore_window:
        windows = ", ".join(f"{c.name} ({c.start}..{c.end})" for c in cfg.campaigns) or "none configured"
        print(f"policy-archive: {today} is outside every campaign window ({windows}); nothing to do. "
              "Use --ignore-window to crawl anyway.")
        return EXIT_OK

    companies = [c for c in cfg.companies if not opts.only or c.id in opts.only]
    skipped = [c.id for c in companies if not c.confirmed and not opts.include_unconfirmed]
    companies = [c for c in companies if c.id not in skipped]
    if skipped:
        print(f"policy-archive: skipping companies whose homepage is not confirmed: {', '.join(skipped)} "
              "(set confirmed: true in the config, or pass --include-unconfirmed)")

    db = Database(opts.db_url)
    blobs = BlobStore(opts.data_dir / "blobs")
    run_id = start_run(db, campaign.name if campaign else None)
    recorder = Recorder(db, blobs, run_id, cfg.vocabulary.soft_404, cfg.vocabulary)
    started = time.monotonic()
    try:
        _run_spider(cfg, companies, recorder, _campaign_start(campaign))
    finally:
        recorder.close()
    elapsed = time.monotonic() - started

    summary = {
        "companies": [c.id for c in companies],
        "pages_fetched": recorder.counts["pages_fetched"],
        "new_snapshots": recorder.counts["new_version"] + recorder.counts["same_text"]
        + recorder.counts["new_page"],
        "unchanged_snapshots": recorder.counts["unchanged"],
        "new_versions": recorder.counts["new_version"],
        "rendered_pages": recorder.counts["rendered"],
        # Pages whose text and languages a reader process had ready (crawl.workers; archive.prepared).
        "read_ahead": recorder.counts["read_ahead"],
        "classified_ahead": recorder.counts["classified_ahead"],
        "failures": dict(recorder.failures),
        "failed_documents": recorder.failed_documents,
        "bytes_stored": recorder.bytes_stored,
        "seconds": round(elapsed, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    code = EXIT_SOME_FAILED if recorder.failed_documents else EXIT_OK
    if recorder.storage_full:
        code = EXIT_STORAGE_FULL
        summary["storage_full"] = recorder.storage_full
    try:
        with db.session() as session:
            attention = needs_attention(session)
        summary["needs_attention"] = [{"company": a.company_id, "url": a.url, "runs": a.runs,
                                       "failing_since": a.failing_since.isoformat(), "reason": a.failure}
                                      for a in attention]
        finish_run(db, run_id, code, summary, opts.data_dir / "runs")
    except Exception as exc:
        if not (recorder.storage_full or storage_full(exc)):
            raise
        code, attention = EXIT_STORAGE_FULL, []
        recorder.storage_full = recorder.storage_full or str(exc)
    finally:
        db.close()
    print(format_summary(run_id, summary))
    if recorder.storage_full:
        print(f"policy-archive: the disk holding {opts.data_dir} is full ({recorder.storage_full}). The crawl "
              "stopped; everything archived before is intact (policy-archive verify checks it). Free some "
              "space and run it again.", file=sys.stderr)
    if attention:
        print(f"needs attention: {len(attention)} URL(s) failing in {ATTENTION_RUNS}+ runs in a row, or an anti-bot "
              "challenge that did not clear "
              "(policy-archive runs lists them)")
        for a in attention[:10]:
            print(f"  {a.company_id}  {a.url}: {a.detail or a.failure} (since {a.failing_since:%Y-%m-%d})")
    return code


def _campaign_start(campaign) -> datetime | None:
    """Since when an earlier language probe stands as this campaign's evidence (None: outside any window)."""
    return datetime.combine(campaign.start, datetime.min.time()) if campaign is not None else None


def _run_spider(cfg: Config, companies, recorder: Recorder, probe_since: datetime | None = None) -> None:
    # Imported here: Scrapy installs the asyncio reactor, which must happen in this process only
    # when a crawl actually runs (the other commands never touch Twisted).
    from scrapy.crawler import CrawlerProcess

    from crawler.settings import scrapy_settings
    from spiders.policy import PolicySpider

    use_bundled_suffix_list()
    render = {c.id: c.render for c in companies if c.render}
    proxies = {c.id: c.proxy for c in companies if c.proxy}
    process = CrawlerProcess(scrapy_settings(cfg.crawl, render, proxies))
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # Scrapy's logging setup (run by CrawlerProcess) sets its loggers to DEBUG. The CLI's handler drops what
        # they say below WARNING (commands.cli), but only once each record is made, with a walk up the stack for
        # its caller: two a response. Unless --verbose asks for them, they are not made at all (~6% of an
        # unchanged re-crawl).
        logging.getLogger("scrapy").setLevel(logging.WARNING)
    # The download handler, imported here rather than by Scrapy deep in its reactor: Scrapy's TLS module,
    # imported with it, calls inspect.stack(), whose cost grows with the stack's depth (~0.5 s a crawl).
    import crawler.proxy  # noqa: F401
    process.crawl(PolicySpider, companies=companies, vocabulary=cfg.vocabulary,
                  max_depth=cfg.crawl.max_depth, max_pages_per_company=cfg.crawl.max_pages_per_company,
                  recorder=recorder, probe_since=probe_since)
    process.start()


def use_bundled_suffix_list() -> None:
    """Scrapy's cookie middleware asks tldextract whether a cookie's domain is a public suffix ("kz",
    "com.kz"), and tldextract's first use on a machine downloads the list from publicsuffix.org: a request
    to no company's site, and a traceback on a machine without that access. The snapshot tldextract ships
    tells "bank.kz" from "com.kz" just as well; it is read from the package, with no cache to write."""
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    # A private name of Scrapy's (pinned in pyproject.toml); tests/test_crawl.py proves it still takes effect.
    cookies._split_domain = TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def format_summary(run_id: int, s: dict) -> str:
    failures = ", ".join(f"{k} {v}" for k, v in sorted(s["failures"].items())) or "none"
    lines = [
        f"run {run_id}: {len(s['companies'])} companies, {s['pages_fetched']} pages fetched in {s['seconds']} s",
        f"  snapshots: {s['new_snapshots']} new, {s['unchanged_snapshots']} unchanged; "
        f"new versions: {s['new_versions']}; rendered in a browser: {s['rendered_pages']}; "
        f"bytes stored: {s['bytes_stored']}",
        f"  failures: {failures}",
    ]
    for f in s["failed_documents"][:20]:
        lines.append(f"    {f['company']}: {f['url']} ({f['reason']})")
    if len(s["failed_documents"]) > 20:
        lines.append(f"    … and {len(s['failed_documents']) - 20} more (see the run record)")
    return "\n".join(lines)
