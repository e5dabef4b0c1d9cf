"""The pipeline that hands each capture to the archive's recorder, and shows progress."""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from archive.recorder import storage_full
from archive.records import DOCUMENT, Capture

log = logging.getLogger("policy_archive.crawl")


class Progress:
    """A live status line on a terminal; plain log lines (one per document) under cron."""

    def __init__(self, stream=sys.stderr):
        self.stream = stream
        self.live = stream.isatty()
        self.last_draw = 0.0

    def update(self, cap: Capture, outcome: str, counts) -> None:
        if self.live:
            now = time.monotonic()
            if now - self.last_draw > 0.2:
                self.last_draw = now
                self.stream.write(
                    f"\r{counts['pages_fetched']} pages, {counts['new_version']} new versions, "
                    f"{counts['failed']} failed · {cap.company_id} {cap.url[:60]}\x1b[K"
                )
                self.stream.flush()
        elif cap.role == DOCUMENT:
            log.info("%s %s %s [%s]", cap.company_id, cap.doc_type or "-", cap.url, outcome)

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


class ArchivePipeline:
    """Records each capture on one worker thread, so extraction never stalls the downloads.

    A PDF may take seconds (a sandboxed child process) and OCR minutes; the reactor keeps fetching
    meanwhile. One thread, not a pool: the recorder's database session and its order of writes
    stay single-threaded.
    """

    def __init__(self, crawler, progress: Progress):
        self.crawler = crawler
        self.progress = progress
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Progress())

    @property
    def recorder(self):
        return self.crawler.spider.recorder

    async def process_item(self, item):
        if not isinstance(item, Capture):
            return item
        if self.recorder.storage_full:
            return item  # the run is stopping: the disk is full
        try:
            outcome = await asyncio.wrap_future(self.worker.submit(self.recorder.record, item))
        except Exception as exc:  # one capture's storage problem must not end the run...
            if storage_full(exc):  # ...unless no capture can be stored any more
                if not self.recorder.storage_full:  # captures already in flight fail the same way: say it once
                    self.recorder.storage_full = f"{type(exc).__name__}: {exc}"
                    log.error("the disk is full (%s): stopping the crawl; everything archived before is intact",
                              exc)
                    asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="storage_full"))
                return item
            log.error("could not archive %s: %s", item.url, exc)
            self.recorder.failures["archive_error"] += 1
            self.recorder.failed_documents.append({"company": item.company_id, "url": item.url,
                                                   "reason": "archive_error", "detail": str(exc)[:300]})
            outcome = "archive_error"
        self.progress.update(item, outcome, self.recorder.counts)
        return item

    def close_spider(self):
        self.worker.shutdown(wait=True)
        self.progress.close()
