"""Wait out transient server trouble instead of losing the document for this run.

A 503 with ``Retry-After: 5``, a 429, a 502 during a deploy: the server means "not now", not "no".
``TransientRetryMiddleware`` asks again after the time the server states (seconds or an HTTP date),
never longer than ``crawl.max_retry_wait``; without a stated time it backs off exponentially, with
jitter so that retries do not arrive in step. The trouble belongs to the host: until its wait is
over, every request to that host waits too, while other hosts go on.

Waiting never blocks anything: the request leaves the downloader (``Rescheduled``, which the spider
ignores) and is handed back to the engine by a timer, so it holds no downloader slot meanwhile; the
middleware keeps the spider open while timers are pending. After ``crawl.retries`` retries the
response goes on as it is, flagged ``transient``; the spider then tries the page once more when the
rest of the run is done, and only that outcome counts.

It runs before the render decision (``crawler.render``): a 503 is a refusal of plain clients only
once the server has had its chance to recover. A host whose pages then render fine in Chromium is
one that refuses plain clients (a WAF answering 503 or 429): its plain answers are no longer waited
for, or every page of such a site would cost the full round of retries first. An anti-bot
interstitial answered as a 503 (``extraction.challenge``) is not waited for either: it goes straight on
to the render middleware, which takes it to the browser.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import call_later

from crawler.render import response_challenge
from spiders.policy import TRANSIENT_STATUSES, Rescheduled

log = logging.getLogger("policy_archive.retry")

RETRIES = "transient_retries"  # meta: how often this request was retried for transient trouble
TRANSIENT = "transient"  # response flag: still in trouble after every retry
BACKOFF_BASE = 1.0  # seconds before the first retry when the server states no time
# Waits this close to their end are not worth another round through the scheduler.
_SLACK = 0.05


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait as a ``Retry-After`` header says (delay-seconds or an HTTP date, RFC 9110 10.2.3),
    from ``now`` (a Unix time); None when there is no such header or it cannot be read."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are GMT
    return max(0.0, when.timestamp() - now)


def backoff(failures: int, cap: float, rng: random.Random | None = None) -> float:
    """The wait after the n-th failure in a row without a stated time: 1, 2, 4... seconds, each
    somewhere between half and one and a half of that, never more than ``cap``."""
    jitter = (rng or random).uniform(0.5, 1.5)
    return min(cap, BACKOFF_BASE * 2 ** max(0, failures - 1) * jitter)


@dataclass
class HostTrouble:
    failures: int = 0  # transient answers in a row
    until: float = 0.0  # time.monotonic() before which nothing is sent to the host


class TransientRetryMiddleware:
    def __init__(self, crawler, retries: int, max_wait: float):
        self.crawler = crawler
        self.retries = retries
        self.max_wait = max_wait
        self.hosts: dict[str, HostTrouble] = {}
        self.refuses_plain: set[str] = set()
        self.timers: set = set()
        crawler.signals.connect(self._idle, signal=signals.spider_idle)
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(crawler, s.getint("POLICY_ARCHIVE_RETRIES", 2), s.getfloat("POLICY_ARCHIVE_MAX_RETRY_WAIT", 60))

    def process_request(self, request):
        trouble = self.hosts.get(_host(request.url))
        if trouble is not None and trouble.until - time.monotonic() > _SLACK:
            self._later(trouble.until - time.monotonic(), request.replace(dont_filter=True))
            raise Rescheduled(f"{_host(request.url)} is in transient trouble; waiting")
        return None

    def process_response(self, request, response):
        host = _host(request.url)
        browser = bool(request.meta.get("playwright"))
        if response.status not in TRANSIENT_STATUSES:
            if browser and host in self.hosts:
                self.refuses_plain.add(host)  # in trouble for plain clients only
            self.hosts.pop(host, None)  # well again
            return response
        if browser:
            # A rendering holds an open page that only the render middleware closes: never rescheduled
            # here (that leaked the page, and a few leaks fill the context's page slots for good).
            return response
        if host in self.refuses_plain:
            return response  # the render middleware takes it to the browser
        if response_challenge(response) is not None:
            return response  # an anti-bot interstitial (often a 503): the browser, not waiting, may pass it
        trouble = self.hosts.setdefault(host, HostTrouble())
        trouble.failures += 1
        stated = retry_after(response.headers.get(b"Retry-After", b"").decode("latin-1"), time.time())
        wait = min(self.max_wait, stated if stated is not None else backoff(trouble.failures, self.max_wait))
        trouble.until = max(trouble.until, time.monotonic() + wait)
        tries = request.meta.get(RETRIES, 0)
        if request.meta.get("dont_retry") or tries >= self.retries:
            return response.replace(flags=[*response.flags, TRANSIENT])
        log.info("%s answered %d; asking again in %.1f s", request.url, response.status, wait)
        retry = request.replace(dont_filter=True)
        retry.meta[RETRIES] = tries + 1
        self._later(trouble.until - time.monotonic(), retry)
        raise Rescheduled(f"HTTP {response.status}: asking again in {wait:.1f} s")

    def _later(self, delay: float, request) -> None:
        def send() -> None:
            self.timers.discard(timer)
            self.crawler.engine.crawl(request)

        timer = call_later(max(0.0, delay), send)
        self.timers.add(timer)

    def _idle(self) -> None:
        if self.timers:
            raise DontCloseSpider  # requests are waiting for their time

    def _closed(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()
