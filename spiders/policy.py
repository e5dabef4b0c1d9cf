"""The discovering spider: from each company's homepage to its policy documents, in every language.

It starts at the homepage(s), follows links whose text or URL name a policy document, hub
pages ("Документы", "Legal"), and language versions (hreflang, switchers, /kz/ ↔ /ru/), stays
on the company's site, and stops at ``max_depth`` clicks (language versions of a document
are followed one click past it, so no language is lost to the bound). Seed URLs from the
config are fetched at the end if discovery did not reach them; their depth stays unknown.

It yields one ``Capture`` per response or failed request, and does nothing else: no
extraction, no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from archive.records import DOCUMENT, HOME, RENDERED, SERVER, Capture, Link
from config import Company, Vocabulary
from spiders.links import RawLink, Target, classify, clean_url, same_site

# Scrapy / Twisted exception names -> the failure codes the archive counts by.
ERROR_CODES = {
    "DownloadTimeoutError": "timeout",
    "DownloadConnectionRefusedError": "connection_refused",
    "CannotResolveHostError": "dns_error",
    "DownloadCancelledError": "cancelled",
    "DownloadFailedError": "connection_lost",
    "ResponseDataLossError": "connection_lost",
    "UnsupportedURLSchemeError": "unsupported_url",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "DNSLookupError": "dns_error",
    "ConnectionRefusedError": "connection_refused",
    "ConnectionLost": "connection_lost",
    "ConnectionDone": "connection_lost",
    "ResponseFailed": "connection_lost",
    "ResponseNeverReceived": "connection_lost",
    "IgnoreRequest": "ignored",
}


def _headers(response: Response) -> dict[str, str]:
    return {
        k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
        for k, v in response.headers.items()
    }


def _page_links(response: TextResponse) -> list[RawLink]:
    links = []
    for a in response.xpath("//a[@href]"):
        url = clean_url(response.url, a.attrib["href"])
        if not url:
            continue
        parts = [" ".join(a.xpath(".//text()").getall())]
        parts += [a.attrib.get("title", ""), a.attrib.get("aria-label", "")]
        parts += a.xpath(".//img/@alt").getall()
        text = " ".join(" ".join(parts).split())
        links.append(RawLink(url, text, a.attrib.get("hreflang")))
    for alt in response.xpath("//link[@rel='alternate'][@hreflang][@href]"):
        url = clean_url(response.url, alt.attrib["href"])
        lang = alt.attrib["hreflang"]
        if url and lang.lower() != "x-default":
            links.append(RawLink(url, "", lang))
    return links


class PolicySpider(scrapy.Spider):
    name = "policy"

    def __init__(self, companies: list[Company], vocabulary: Vocabulary, max_depth: int = 3,
                 max_pages_per_company: int = 300, recorder: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        # The archive's recorder, used by the crawler's pipeline; the spider never calls it.
        self.recorder = recorder
        self.companies = {c.id: c for c in companies}
        self.vocabulary = vocabulary
        self.max_depth = max_depth
        self.max_pages = max_pages_per_company
        self.seen: set[str] = set()
        # Where each company's pages live: its homepages, plus wherever those redirect to.
        self.sites: dict[str, list[str]] = {c.id: list(c.homepages) for c in companies}
        self.requested: Counter[str] = Counter()
        self.seeds_scheduled = False

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._schedule_seeds, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for company in self.companies.values():
            for homepage in company.homepages:
                request = self._request(company.id, homepage, HOME, None, None, 0, [], "homepage")
                if request:
                    yield request

    def _schedule_seeds(self) -> None:
        """When discovery is done, fetch the config's seed URLs that it did not reach."""
        if self.seeds_scheduled:
            return
        self.seeds_scheduled = True
        pending = False
        for company in self.companies.values():
            for seed in company.documents:
                request = self._request(company.id, seed.url, DOCUMENT, seed.type, None, None, [], "seed")
                if request:
                    self.crawler.engine.crawl(request)
                    pending = True
        if pending:
            raise DontCloseSpider

    def _request(self, company_id: str, url: str, role: str, doc_type: str | None, language: str | None,
                 depth: int | None, path: list[Link], text: str,
                 alternate_of: str | None = None) -> scrapy.Request | None:
        if url in self.seen or self.requested[company_id] >= self.max_pages:
            return None
        self.seen.add(url)
        self.requested[company_id] += 1
        meta = {
            "company": company_id, "role": role, "doc_type": doc_type, "language": language,
            "click_depth": depth, "path": path, "link_text": text, "alternate_of": alternate_of,
        }
        # Breadth first: shallower pages first, so the recorded depth is the shortest way in.
        priority = -(depth if depth is not None else self.max_depth + 2)
        return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta, priority=priority)

    def _capture(self, meta: dict, url: str, final_url: str, status: int | None, headers: dict[str, str],
                 body: bytes, title: str | None = None, error: str | None = None,
                 not_modified: bool = False) -> Capture:
        return Capture(
            company_id=meta["company"], url=url, final_url=final_url, status=status, headers=headers,
            body=body, fetched_at=datetime.now(UTC).replace(tzinfo=None), role=meta["role"],
            doc_type=meta["doc_type"], language_hint=meta["language"], depth=meta["click_depth"],
            path=list(meta["path"]), error=error, not_modified=not_modified,
            title=title or meta["link_text"], alternate_of=meta.get("alternate_of"),
        )

    def parse(self, response: Response):
        meta = response.meta
        original = (meta.get("redirect_urls") or [response.url])[0]
        is_html = isinstance(response, TextResponse) and b"html" in (
            response.headers.get(b"Content-Type") or b"text/html"
        ).lower()
        title = None
        if is_html:
            title = " ".join(response.xpath("//title//text()").getall()).strip() or None
        capture = self._capture(meta, original, response.url, response.status, _headers(response), response.body,
                                title=title, not_modified="not_modified" in response.flags)
        if "rendered" in response.flags:
            self._add_rendering(capture, meta["render"])
        yield capture
        if meta["role"] == HOME and meta["click_depth"] == 0 and response.url not in self.sites[meta["company"]]:
            self.sites[meta["company"]].append(response.url)  # e.g. kcell.kz -> www.kcell.kz/ru/
        if is_html and response.status < 400:
            yield from self._follow(response, meta)

    def _follow(self, response: TextResponse, meta: dict):
        company = self.companies[meta["company"]]
        homepages = self.sites[company.id]
        depth = meta["click_depth"]
        page_type = meta["doc_type"]
        if meta["role"] == DOCUMENT and not page_type:
            page_type = self.vocabulary.document_type(text=meta["link_text"] or "")
        for link in _page_links(response):
            if link.url in self.seen or not same_site(link.url, homepages):
                continue
            target: Target | None = classify(link, response.url, meta["role"], page_type, self.vocabulary)
            if target is None:
                continue
            next_depth = None if depth is None else depth + 1
            # A document's language versions may go one click past the bound.
            limit = self.max_depth + (1 if target.alternate and target.role == DOCUMENT else 0)
            if next_depth is not None and next_depth > limit:
                continue
            path = [*meta["path"], Link(response.url, target.text or f"hreflang={link.hreflang}")]
            request = self._request(company.id, target.url, target.role, target.doc_type, target.language,
                                    next_depth, path, target.text,
                                    alternate_of=response.url if target.alternate else None)
            if request:
                yield request

    def _add_rendering(self, capture: Capture, rendering) -> None:
        """A rendered capture: the DOM, plus what the browser received from the server."""
        capture.kind = RENDERED
        capture.render_reason = rendering.reason
        capture.screenshot = rendering.screenshot
        capture.blocked = list(rendering.blocked)
        if rendering.original_status is not None:
            capture.original = Capture(
                company_id=capture.company_id, url=capture.url, final_url=rendering.original_url or capture.final_url,
                status=rendering.original_status, headers=rendering.original_headers, body=rendering.original_body,
                fetched_at=capture.fetched_at, role=capture.role, doc_type=capture.doc_type,
                language_hint=capture.language_hint, depth=capture.depth, path=capture.path, kind=SERVER,
                title=capture.title,
            )

    def failed(self, failure: Failure):
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        original = (meta.get("redirect_urls") or [request.url])[0]
        reason = getattr(failure.value, "reason", None)
        rendering = meta.get("render")
        if not reason and rendering is not None:
            reason = self._render_failure(request, rendering, failure.value)
        if not reason:
            name = type(failure.value).__name__
            code = ERROR_CODES.get(name, "fetch_error")
            if "download max size" in str(failure.value):
                code = "too_large"  # crawl.max_response_bytes
            reason = f"{code}: {failure.value}"
        capture = self._capture(meta, original, request.url, None, {}, b"", error=reason)
        if rendering is not None:
            capture.kind, capture.render_reason, capture.blocked = RENDERED, rendering.reason, list(rendering.blocked)
        yield capture

    @staticmethod
    def _render_failure(request, rendering, error: BaseException) -> str:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        for blocked in rendering.blocked:
            if blocked["url"].rstrip("/") == request.url.rstrip("/"):
                return blocked["reason"]
        if type(error).__name__ == "TimeoutError":
            return f"timeout: the browser did not load the page in time ({message})"
        return f"render_error: {type(error).__name__}: {message}"
