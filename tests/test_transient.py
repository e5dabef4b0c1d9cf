"""Transient server trouble (503 with Retry-After, 429, timeouts) is waited out, and retried at the end of the run.

Real crawls against fixture servers that are down for a while (``Route.fail_for``) or fail the
first few requests (``Route.fail_first``). Only the final outcome of a page counts in the run.

Companies that count requests require Russian only: a missing kk would add an Accept-Language probe.
"""

from __future__ import annotations

import email.utils
import json
import random
import time

import pytest

from archive.models import Document, Snapshot, Version
from crawler.demo.server import FixtureServer, FixtureSite, Route
from crawler.retry import backoff, retry_after
from tests.conftest import company
from tests.pages import RU_CLAUSES, home_page, policy_page

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching

HOME = home_page({"/privacy": "Политика конфиденциальности", "/offer": "Публичная оферта"})


def _site(privacy: Route) -> FixtureSite:
    return FixtureSite(routes={
        "/": Route(body=HOME),
        "/privacy": privacy,
        "/offer": Route(body=policy_page("Публичная оферта", RU_CLAUSES[::-1])),
    })


def _privacy(**kw) -> Route:
    return Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES), **kw)



def _summary(archive) -> dict:
    return json.loads(sorted((archive.data / "runs").glob("run-*.json"))[-1].read_text())


def _recovered(archive, result) -> None:
    """The run archived both documents and counts no failure."""
    assert result.code == 0, result.out + result.err
    assert _summary(archive)["failures"] == {} and "failures: none" in result.out
    assert archive.rows(Snapshot, Snapshot.outcome == "failed") == []
    assert {d.url.rsplit("/", 1)[1]: d.status for d in archive.rows(Document)} == {
        "privacy": "available", "offer": "available"}
    assert len(archive.rows(Version)) == 2


def test_retry_after_reads_seconds_and_http_dates():
    now = time.time()
    assert retry_after("5", now) == 5
    assert retry_after(" 120 ", now) == 120
    assert retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == pytest.approx(30, abs=1)
    assert retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0  # already past: ask now
    for unreadable in (None, "", "soon", "-5", "1.5", "Mon, 99 Foo 2024"):
        assert retry_after(unreadable, now) is None


def test_backoff_is_exponential_with_jitter_and_bounded():
    rng = random.Random(7)
    for failures, low, high in ((1, 0.5, 1.5), (2, 1, 3), (4, 4, 12)):
        waits = {backoff(failures, 60, rng) for _ in range(50)}
        assert all(low <= w <= high for w in waits) and len(waits) > 1  # jitter: not all in step
    assert backoff(30, 60, rng) == 60


def test_a_503_with_retry_after_seconds_is_waited_out_within_the_run(archive):
    site = _site(_privacy(fail_for=3, headers={"Retry-After": "2"}))
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), languages=["ru"])])
        result = archive.crawl()
    _recovered(archive, result)
    attempts = site.requested_paths().count("/privacy")
    assert 2 <= attempts <= 3  # waited each time as told: no burst of retries inside the 3 s


class DatedRetryAfter(FixtureSite):
    """Down for ``seconds``; every 503 says when to come back as an HTTP date."""

    def __init__(self, seconds: float, **kw):
        super().__init__(**kw)
        self.seconds = seconds
        self.until: float | None = None

    def respond(self, method, target, request_headers, base_url):
        if target == "/privacy":
            self.until = self.until or time.time() + self.seconds
            if time.time() < self.until:
                reply = super().respond(method, "/down", request_headers, base_url)
                reply.headers.append(("Retry-After", email.utils.formatdate(self.until + 1, usegmt=True)))
                return reply
        return super().respond(method, target, request_headers, base_url)


def test_a_retry_after_http_date_is_honoured(archive):
    site = DatedRetryAfter(2, routes={**_site(_privacy()).routes, "/down": Route(status=503, body="Maintenance")})
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), languages=["ru"])])
        result = archive.crawl()
    _recovered(archive, result)
    assert site.requested_paths().count("/privacy") == 2  # once down, once when the date came


def test_a_long_retry_after_is_bounded_by_max_retry_wait(archive):
    site = _site(_privacy(fail_for=1.5, headers={"Retry-After": "3600"}))
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], max_retry_wait=1)
        result = archive.crawl(timeout=120)  # an hour's wait would time this out
    _recovered(archive, result)


def test_a_page_still_failing_after_its_retries_is_fetched_once_more_at_the_end_of_the_run(archive):
    site = _site(_privacy(fail_first=2, fail_status=503))
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), render="never", languages=["ru"])], retries=1)
        result = archive.crawl()
    _recovered(archive, result)
    paths = site.requested_paths()
    assert paths.count("/privacy") == 3
    assert paths[-1] == "/privacy" and paths.index("/offer") < len(paths) - 1  # the last try came last


def test_only_the_final_failure_counts_and_the_exit_code_says_so(archive):
    site = _site(_privacy(fail_first=100, fail_status=429, headers={"Retry-After": "1"}))
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), render="never")], retries=1)
        result = archive.crawl()
    assert result.code == 1
    assert site.requested_paths().count("/privacy") == 3  # first, one retry, once more at the end
    [failed] = archive.rows(Snapshot, Snapshot.outcome == "failed")
    assert failed.failure == "http_429" and failed.url.endswith("/privacy")
    assert _summary(archive)["failures"] == {"http_429": 1}
    assert "http_429 1" in result.out


class SlowAtFirst(FixtureSite):
    """``/privacy`` answers too late for the first ``n`` requests (a server that is overloaded for a while)."""

    def __init__(self, n: int, **kw):
        super().__init__(**kw)
        self.n = n

    def respond(self, method, target, request_headers, base_url):
        reply = super().respond(method, target, request_headers, base_url)
        if target == "/privacy" and self.requested_paths().count("/privacy") <= self.n:
            reply.delay = 2
        return reply


def test_a_page_that_timed_out_is_fetched_once_more_at_the_end_of_the_run(archive):
    site = SlowAtFirst(2, routes=_site(_privacy()).routes)
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), render="never", languages=["ru"])], download_timeout=0.5)
        result = archive.crawl()
    _recovered(archive, result)
    assert site.requested_paths().count("/privacy") == 3  # timed out, at once again, then at the end


def test_waiting_for_one_host_does_not_hold_up_another(archive):
    # One site object on two hosts: a single request log, in arrival order, for both.
    site = FixtureSite(routes={
        "/a/": Route(body=home_page({"/a/privacy": "Политика конфиденциальности"})),
        "/a/privacy": _privacy(fail_for=3, headers={"Retry-After": "5"}),
        "/b/": Route(body=home_page({"/b/docs": "Документы"})),
        "/b/docs": Route(body=home_page({"/b/privacy": "Политика конфиденциальности", "/b/offer": "Публичная оферта"},
                                        title="Документы")),
        "/b/privacy": _privacy(),
        "/b/offer": Route(body=policy_page("Публичная оферта", RU_CLAUSES[::-1])),
    })
    with FixtureServer(site, host="127.0.0.2") as a, FixtureServer(site, host="127.0.0.3") as b:
        archive.write_config([company("a", a.url("/a/"), render="never"), company("b", b.url("/b/"), render="never")])
        result = archive.crawl()
    assert result.code == 0, result.out + result.err
    paths = site.requested_paths()
    second = [i for i, p in enumerate(paths) if p == "/a/privacy"][1]
    # While a's server was asked to wait 5 s, b's crawl went on to its documents, two clicks in.
    assert {"/b/docs", "/b/privacy", "/b/offer"} <= set(paths[:second])


class PlainClients503(FixtureSite):
    """A WAF that answers 503 to every client without the header browsers send, and serves browsers."""

    def respond(self, method, target, request_headers, base_url):
        if not request_headers.get("Sec-Fetch-Mode"):
            return super().respond(method, "/blocked", request_headers, base_url)
        return super().respond(method, target, request_headers, base_url)


def test_a_site_that_refuses_plain_clients_with_503_is_rendered_without_waiting_on_every_page(archive):
    site = PlainClients503(routes={**_site(_privacy()).routes, "/blocked": Route(status=503, body="Blocked")})
    with FixtureServer(site) as server:
        # render_wait 2: the homepage is a short list of links, and a rendering waits that long for a document's text.
        archive.write_config([company("bank", server.url("/"), languages=["ru"])], render_wait=2)
        result = archive.crawl()
    assert result.code == 0, result.out + result.err
    assert len(archive.rows(Version)) == 2
    plain = [r.path for r in site.requests if not r.header("Sec-Fetch-Mode")]
    assert plain.count("/") == 3  # the homepage had its retries: the server might have been in trouble
    assert plain.count("/privacy") == plain.count("/offer") == 1  # then the browser got through: no more waits
