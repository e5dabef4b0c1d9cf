"""The pipeline that hands each capture to the archive's recorder, and shows progress."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import sys
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor

from archive.prepared import Prepared, prepare, start_reader, wanted
from archive.recorder import storage_full
from archive.records import DOCUMENT, Capture

log = logging.getLogger("policy_archive.crawl")

# Captures waiting for the recorder before new pages are read ahead in reader processes: a crawl the
# recorder keeps up with (a few companies, the demo, most tests) never starts them.
BACKLOG = 3


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
    """Records each capture on one worker thread, so extraction never stalls the downloads, and reads new
    pages ahead of it in worker processes.

    One recorder thread, not a pool: the recorder's database session and its order of writes stay
    single-threaded; captures are recorded in the order they arrive. When captures queue up for it,
    the heavy, pure part of each new document (its text, its languages: ``archive.prepared``) runs
    meanwhile in ``crawl.workers`` processes (one per core by default), off the GIL: the recorder finds
    it done. A PDF may take seconds (a sandboxed child process) and OCR minutes; the reactor keeps
    fetching meanwhile.
    """

    def __init__(self, crawler, progress: Progress, workers: int | None = None):
        self.crawler = crawler
        self.progress = progress
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder")
        count = (os.cpu_count() or 1) if workers is None else workers
        self._reader_count = count
        self.readers: Executor | None = None  # started with the first reading (_prepare)
        self._previous: asyncio.Future | None = None  # the last capture's recording: the next waits for it
        self._waiting = 0  # captures handed over and not yet recorded

    def _offload(self, function, *args):
        """Run ``function(*args)`` in a reader process when the recorder is behind (its future), else None.
        Called from the recorder thread (``Recorder.offload``)."""
        if self.readers is None or self._waiting < BACKLOG:
            return None  # (the first reading starts the readers, from the reactor's thread: _prepare)
        return self.readers.submit(function, *args)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, Progress(), crawler.settings.get("POLICY_ARCHIVE_WORKERS"))

    @property
    def recorder(self):
        return self.crawler.spider.recorder

    def _prepare(self, item: Capture) -> asyncio.Future | None:
        """Start reading ``item`` in a worker process when the recorder would read it."""
        if self._reader_count <= 0 or self._waiting < BACKLOG:
            return None  # the recorder keeps up: a small crawl never starts the reader processes
        last = self.recorder.last.get((item.final_url, item.kind, item.variant))
        if not wanted(item, last.sha256 if last else None):
            return None
        if self.readers is None:
            self.readers = _readers(self._reader_count)
        return asyncio.get_running_loop().run_in_executor(
            self.readers, prepare, item.body, item.headers.get("content-type"), item.final_url,
            self.recorder.soft_404_phrases)

    async def _record(self, item: Capture, reading: asyncio.Future | None, before: asyncio.Future | None) -> str:
        try:
            if before is not None:
                await asyncio.wait([before])  # in arrival order; its outcome is its own caller's
            prepared: Prepared | None = None
            if reading is not None:
                try:
                    prepared = await reading
                except Exception as exc:  # noqa: BLE001 - a worker that failed costs only the head start
                    log.warning("a reader process could not read %s (%s); the recorder reads it", item.url, exc)
            return await asyncio.wrap_future(self.worker.submit(self.recorder.record, item, prepared))
        finally:
            self._waiting -= 1

    def open_spider(self):
        if self.recorder is not None:
            self.recorder.offload = self._offload

    async def process_item(self, item):
        if not isinstance(item, Capture):
            return item
        if self.recorder.storage_full:
            return item  # the run is stopping: the disk is full
        reading = self._prepare(item)
        self._waiting += 1
        recording = asyncio.ensure_future(self._record(item, reading, self._previous))
        self._previous = recording
        try:
            outcome = await recording
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
        # The changes readers are still classifying are kept before the readers stop.
        if self.recorder is not None:
            self.worker.submit(self.recorder.keep_classified, True).result()
        self.worker.shutdown(wait=True)
        if self.readers is not None:
            self.readers.shutdown(wait=True, cancel_futures=True)
        self.progress.close()


def _readers(count: int) -> ProcessPoolExecutor:
    """The reader processes: forked from a server that imported the readers once (trafilatura, the
    language model, pypdf), so each starts in milliseconds and shares those pages; never forked from the
    crawl itself, whose reactor and browser threads a fork would copy mid-flight. A reader reads a PDF in a
    fork of itself (``start_reader``), not in a fresh interpreter."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crawler.reader_server", "archive.prepared", "archive.changelog", "trafilatura",
                                    "pypdf", "docx"])
    # Started here, from the reactor's thread, which lives as long as the crawl: the server dies with the crawl
    # (crawler.reader_server), and each reader with the server it was forked from (start_reader).
    multiprocessing.forkserver.ensure_running()
    server = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)  # (CPython keeps it there)
    return ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=start_reader, initargs=(server,))
