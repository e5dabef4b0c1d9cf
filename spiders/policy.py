"""The discovering spider: from each company's homepage to its policy documents, in every language.

It starts at the homepage(s), follows links whose text or URL name a policy document, hub
pages ("Документы", "Legal"), the company's own archives ("Архив документов", "Бұрынғы
редакциялар") and language versions (hreflang, switchers, /kz/ ↔ /ru/), stays on the company's
site, and stops at ``max_depth`` clicks (language versions of a document and archive pages are
followed one click past it: both hang off documents). Seed URLs from the config are fetched at
the end if discovery did not reach them; their depth stays unknown.

Old editions listed on an archive page or in an archive section of a page (a heading such as
"Предыдущие редакции" over dated links) are fetched last, after discovery and seeds, as
historical captures with the date the company states: a long archive never takes the page
budget from current documents, and a URL that discovery reached as a current document stays
current. Historical pages are archived, not explored.

A ``<meta http-equiv="refresh">`` is a link, not a redirect: the page itself is archived (its text
is what the server sent), and the refresh target is classified like any other link on it. Only a
homepage's refresh is followed whatever its target looks like: it is where the site really starts.

Transient trouble (a 503, 429, 502, 504, a timeout, a refused or dropped connection) is not final
while the run goes on: such a page is kept aside and fetched once more when everything else is done
(the crawler's retry middleware has already waited out ``Retry-After`` and backed off in between).
Only that last outcome is yielded, so a page that recovered is no failure of the run.

It yields one ``Capture`` per response or failed request, and does nothing else: no
extraction, no database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure
from w3lib.html import get_meta_refresh

from archive.records import (
    ARCHIVE,
    COOKIE,
    DOCUMENT,
    HOME,
    HOMEPAGE,
    HREFLANG,
    HUB,
    LINK,
    LISTED_AS_LINK,
    LISTED_IN_SECTION,
    LISTED_ON_PAGE,
    RENDERED,
    SEED,
    SERVER,
    URL_MARKER,
    Capture,
    Link,
    Listing,
)
from config import Company, Vocabulary
from spiders.archives import archive_sections, page_editions
from spiders.links import RawLink, Target, anchor_link, classify, clean_url, same_site
from spiders.scripted import clicked, on_page, script_links
from spiders.states import LanguageStates, offers, replay_headers

# Answers that mean "not now" rather than "no": retried later in the run (see the module docstring).
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
TRANSIENT_ERRORS = frozenset({"timeout", "connection_refused", "connection_lost", "dns_error"})
# What a request needs to be made again: the spider's own meta keys.
REQUEST_KEYS = ("company", "role", "doc_type", "language", "click_depth", "path", "link_text", "alternate_of",
                "listed_on", "stated_date", "variant", "reached", "cookiejar", "state_cookies", "probe_headers",
                "switch")
FINAL_ATTEMPT = "final_attempt"
REFRESH = "meta refresh"  # the link text recorded in the click path for a refresh target

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
    "TunnelError": "proxy_error",
    "SocksError": "proxy_error",
}


class Rescheduled(IgnoreRequest):
    """Raised by the crawler's retry middleware for a request it will send again later: not an outcome."""


def forget_parse(response: Response) -> None:
    """Drop Scrapy's parse of a page the spider has read (the lxml tree and the decoded text, ~1 MB a
    58 KB Russian page): the response itself stays alive while its capture waits for the recorder, and a
    hundred such trees were most of the crawl process's memory (ADR 0014 §9). Read again, it parses again."""
    if isinstance(response, TextResponse):
        response._cached_selector = None
        response._cached_ubody = None


def _headers(response: Response) -> dict[str, str]:
    return {
        k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
        for k, v in response.headers.items()
    }


def _page_links(response: TextResponse) -> list[RawLink]:
    links = []
    for a in response.xpath("//a[@href]"):
        link = anchor_link(a.root, response.url)
        if link:
            links.append(link)
    for alt in response.xpath("//link[@rel='alternate'][@hreflang][@href]"):
        url = clean_url(response.url, alt.attrib["href"])
        lang = alt.attrib["hreflang"]
        if url and lang.lower() != "x-default":
            links.append(RawLink(url, "", lang))
    return links + script_links(response.selector.root, response.url)  # data-href, onclick...


def _refresh_link(response: TextResponse) -> RawLink | None:
    """Where the page's ``<meta http-equiv="refresh">`` points, if anywhere (inside ``<noscript>`` too: the
    page a client without scripts is sent to is a way into the site)."""
    try:
        _, url = get_meta_refresh(response.text, response.url, response.encoding, ignore_tags=())
    except (ValueError, UnicodeError):
        return None
    url = clean_url(response.url, url) if url else None
    return RawLink(url, "") if url else None


class PolicySpider(scrapy.Spider):
    name = "policy"

    def __init__(self, companies: list[Company], vocabulary: Vocabulary, max_depth: int = 3,
                 max_pages_per_company: int = 300, recorder: Any = None, probe_since: datetime | None = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        # The archive's recorder, used by the crawler's pipeline; the spider never calls it.
        self.recorder = recorder
        self.companies = {c.id: c for c in companies}
        self.vocabulary = vocabulary
        self.max_depth = max_depth
        self.max_pages = max_pages_per_company
        # URLs requested: a plain one as itself, one in a language state as (variant, URL).
        self.seen: set[str | tuple[str, str]] = set()
        # Where each company's pages live: its homepages, plus wherever those redirect to.
        self.sites: dict[str, list[str]] = {c.id: list(c.homepages) for c in companies}
        self.requested: Counter[str] = Counter()
        self.seeds_scheduled = False
        # Old editions found in archives, fetched when discovery is done: (_request args, kwargs).
        self.editions: list[tuple[tuple, dict]] = []
        # Pages that failed transiently, fetched once more when the run is otherwise done: (url, meta).
        self.retry_at_end: list[tuple[str, dict]] = []
        # Cookie-selected languages and Accept-Language probes (spiders.states).
        # Since when (the campaign's start) a probe answered with the page the URL still serves stands.
        self.probe_since = probe_since
        self.states = LanguageStates(self.companies, vocabulary, self._request, self._answered_before)

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for company in self.companies.values():
            for homepage in company.homepages:
                request = self._request(company.id, homepage, HOME, None, None, 0, [], "homepage",
                                        reached={"how": HOMEPAGE})
                if request:
                    yield request

    def _on_idle(self) -> None:
        """When discovery is done, fetch the config's seed URLs that it did not reach, then the old
        editions the archives listed (a seed's archive section adds more: the next idle takes them)."""
        requests = []
        if not self.seeds_scheduled:
            self.seeds_scheduled = True
            for company in self.companies.values():
                for seed in company.documents:
                    requests.append(self._request(company.id, seed.url, DOCUMENT, seed.type, None, None, [], "seed",
                                                  reached={"how": SEED}))
        editions, self.editions = self.editions, []
        over_budget: Counter[str] = Counter()
        for args, kwargs in editions:
            if self.requested[args[0]] >= self.max_pages and args[1] not in self.seen:
                over_budget[args[0]] += 1
            requests.append(self._request(*args, **kwargs))
        for company_id, n in over_budget.items():
            self.logger.warning("%s: %d old editions listed in its archive not fetched: max_pages_per_company "
                                "(%d) reached", company_id, n, self.max_pages)
        requests = [r for r in requests if r]
        if not requests and self.recorder is not None:
            # Discovery and seeds are done and every capture is recorded: which families lack a language?
            requests = self.states.idle_probes(self.recorder.languages)
        if not requests:
            requests = self._final_attempts()
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    def _answered_before(self, url: str, variant: str) -> bool:
        """Was ``url`` asked in this language state earlier in the campaign, and answered with the very page
        it serves plainly now? (An unchanged re-crawl then asks nothing twice: that capture is the evidence.)"""
        if self.recorder is None or self.probe_since is None:
            return False
        asked = self.recorder.last.get((url, SERVER, variant))
        plain = self.recorder.last.get((url, SERVER, ""))
        return (asked is not None and plain is not None and asked.document_id is None and not asked.failure
                and asked.sha256 == plain.sha256 and asked.fetched_at is not None
                and asked.fetched_at >= self.probe_since)

    def _final_attempts(self) -> list[scrapy.Request]:
        """The pages kept aside for transient trouble, requested once more; whatever they answer now is final."""
        held, self.retry_at_end = self.retry_at_end, []
        if held:
            self.logger.info("retrying %d page(s) that had transient trouble earlier in the run", len(held))
        return [scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True,
                               meta={**meta, FINAL_ATTEMPT: True, "dont_retry": True},
                               headers=meta.get("probe_headers"), cookies=meta.get("state_cookies"),
                               priority=self._priority(meta["click_depth"]))
                for url, meta in held]

    def _hold(self, url: str, meta: dict) -> None:
        self.retry_at_end.append((url, {key: meta.get(key) for key in REQUEST_KEYS}))

    def _priority(self, depth: int | None) -> int:
        # Breadth first: shallower pages first, so the recorded depth is the shortest way in.
        return -(depth if depth is not None else self.max_depth + 2)

    def _request(self, company_id: str, url: str, role: str, doc_type: str | None, language: str | None,
                 depth: int | None, path: list[Link], text: str,
                 alternate_of: str | None = None, listed_on: Listing | None = None,
                 stated_date: date | None = None, *, variant: str = "", reached: dict | None = None,
                 jar: str | None = None, cookies: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None, switch: dict | None = None) -> scrapy.Request | None:
        """A request for ``url`` unless it was asked for in this language state (``variant``) or the company's
        page budget is spent. ``jar``/``cookies``: the state's cookie jar; ``headers``: a probe's own;
        ``switch``: a language switcher fetched in a fresh jar (spiders.states)."""
        key = (variant, url) if variant else url
        if key in self.seen or self.requested[company_id] >= self.max_pages:
            return None
        self.seen.add(key)
        self.requested[company_id] += 1
        meta = {
            "company": company_id, "role": role, "doc_type": doc_type, "language": language,
            "click_depth": depth, "path": path, "link_text": text, "alternate_of": alternate_of,
            "listed_on": listed_on, "stated_date": stated_date, "variant": variant, "reached": reached,
            "cookiejar": jar, "state_cookies": cookies, "probe_headers": headers, "switch": switch,
        }
        # A state's request is for a URL the plain crawl asked for too, and a switcher sends you back to one:
        # Scrapy's duplicate filter (URL only) would drop them; ``seen`` already knows what was asked in which state.
        return scrapy.Request(url, callback=self.parse, errback=self.failed, meta=meta, priority=self._priority(depth),
                              headers=headers, cookies=cookies, dont_filter=bool(variant or switch))

    def _capture(self, meta: dict, url: str, final_url: str, status: int | None, headers: dict[str, str],
                 body: bytes, title: str | None = None, error: str | None = None,
                 not_modified: bool = False, request: scrapy.Request | None = None) -> Capture:
        return Capture(
            company_id=meta["company"], url=url, final_url=final_url, status=status, headers=headers,
            body=body, fetched_at=datetime.now(UTC).replace(tzinfo=None), role=meta["role"],
            doc_type=meta["doc_type"], language_hint=meta["language"], depth=meta["click_depth"],
            path=list(meta["path"]), error=error, not_modified=not_modified,
            title=title or meta["link_text"], alternate_of=meta.get("alternate_of"),
            historical=meta.get("listed_on") is not None, stated_date=meta.get("stated_date"),
            listed_on=meta.get("listed_on"), variant=meta.get("variant") or "",
            reached=dict(meta["reached"]) if meta.get("reached") else None, request_headers=replay_headers(request),
        )

    def parse(self, response: Response):
        try:
            yield from self._read(response)
        finally:  # however the reading ended
            forget_parse(response)

    def _read(self, response: Response):
        meta = response.meta
        # The URL asked for: a browser may have moved on (a script's location change) from what it was sent to.
        original = (meta.get("redirect_urls") or [response.request.url if response.request else response.url])[0]
        if response.status in TRANSIENT_STATUSES and not meta.get(FINAL_ATTEMPT):
            self._hold(original, meta)
            return
        is_html = isinstance(response, TextResponse) and b"html" in (
            response.headers.get(b"Content-Type") or b"text/html"
        ).lower()
        title = None
        if is_html:
            title = " ".join(response.xpath("//title//text()").getall()).strip() or None
        later: list[scrapy.Request] = []
        if meta.get("switch"):
            meta, later = self._switched(response, meta)
        capture = self._capture(meta, original, response.url, response.status, _headers(response), response.body,
                                title=title, not_modified="not_modified" in response.flags, request=response.request)
        links = _page_links(response) if is_html and response.status < 400 else []
        if not meta.get("variant") and meta.get("listed_on") is None and response.status < 400:
            if is_html and meta["role"] in (HOME, HUB, DOCUMENT):
                capture.reached = {**(capture.reached or {}),
                                   "offers": offers(self.vocabulary, links, capture.headers)}
            later += self.states.found(meta, original, response.url)
            later += self.states.negotiation_probes(meta, original, capture.headers)
        if is_html:  # script-only switchers: listed in the offers, and the page acted on (spiders.scripted)
            later += on_page(self, response, meta, capture)
        if "rendered" in response.flags:
            self._add_rendering(capture, meta["render"])
        if meta["role"] == ARCHIVE and not is_html and response.status < 400:
            # "Предыдущая редакция" leading straight to a PDF: the old edition itself, undated.
            page = meta["path"][-1].url if meta["path"] else original
            capture.role, capture.historical = DOCUMENT, True
            capture.listed_on = Listing(page, LISTED_AS_LINK, meta["link_text"])
        yield capture
        yield from later
        if meta["role"] == HOME and meta["click_depth"] == 0 and response.url not in self.sites[meta["company"]]:
            self.sites[meta["company"]].append(response.url)  # e.g. kcell.kz -> www.kcell.kz/ru/
        if is_html and response.status < 400:
            yield from self._follow(response, meta, links)

    def _switched(self, response: Response, meta: dict) -> tuple[dict, list[scrapy.Request]]:
        """A language switcher fetched in a fresh jar: in the cookie state it selected, if it selected one
        (then the company's pages are fetched again in it), else an ordinary language version."""
        state, new = self.states.switched(response, meta, lambda url: url in self.seen)
        if state is None:
            return meta, []
        later = self.states.refetch(state) if new else []
        if "rendered" in response.flags:
            # The browser showed the page the switcher led back to without the cookies Scrapy's jar got: a plain
            # page. The state's own requests (``later``) render with them.
            return meta, later
        meta = self.states.state_meta(state, meta)
        self.seen.add((state.variant, response.url))
        return meta, later

    def _follow(self, response: TextResponse, meta: dict, page_links: list[RawLink]):
        if meta.get("listed_on") is not None:
            return  # an old edition: archived, not explored
        company = self.companies[meta["company"]]
        homepages = self.sites[company.id]
        depth = meta["click_depth"]
        page_type = meta["doc_type"]
        if meta["role"] == DOCUMENT and not page_type:
            page_type = self.vocabulary.document_type(text=meta["link_text"] or "")
        next_depth = None if depth is None else depth + 1
        variant = meta.get("variant") or ""
        if variant.startswith(f"{COOKIE}:"):
            yield from self._follow_in_state(response, meta, page_links, page_type, next_depth)
            return
        if variant:
            return  # an Accept-Language probe or a click's page: evidence of one page, not a way in
        listed = self._listed_editions(response, meta, page_type)
        for edition, listing in listed:
            if edition.link.url not in self.seen and same_site(edition.link.url, homepages):
                self._defer_edition(company.id, edition.link.url, edition.doc_type, edition.link.text,
                                    edition.stated_date, listing, meta, response.url, next_depth)
        taken = {edition.link.url for edition, _ in listed}
        links: list[tuple[RawLink, str | None]] = [(link, None) for link in page_links]
        if refresh := _refresh_link(response):
            links.append((refresh, REFRESH))
        for link, via in links:
            if link.url in self.seen or link.url in taken or not same_site(link.url, homepages):
                continue
            target: Target | None = classify(link, response.url, meta["role"], page_type, self.vocabulary)
            if target is None and via == REFRESH and meta["role"] == HOME:
                # A homepage that sends visitors on (to /portal/, /main.html): the site starts there.
                target = Target(link.url, "", HOME, None, self.vocabulary.language_of_url(link.url), alternate=False)
            if target is None:
                continue
            if target.historical:
                listing = Listing(response.url, LISTED_AS_LINK, target.text)
                self._defer_edition(company.id, target.url, target.doc_type, target.text, target.stated_date,
                                    listing, meta, response.url, next_depth)
                taken.add(target.url)
                continue
            # A document's language versions, and archives, may go one click past the bound.
            beyond = (target.alternate and target.role == DOCUMENT) or target.role == ARCHIVE
            limit = self.max_depth + (1 if beyond else 0)
            if next_depth is not None and next_depth > limit:
                continue
            label = target.text or via or (f"hreflang={link.hreflang}" if link.hreflang else "")
            path = [*meta["path"], Link(response.url, label)]
            reached, switch = self._reached(link, target, response.url)
            request = self._request(company.id, target.url, target.role, target.doc_type, target.language,
                                    next_depth, path, target.text,
                                    alternate_of=response.url if target.alternate else None, reached=reached,
                                    jar=switch and switch["cookiejar"], switch=switch and switch["switch"])
            if request:
                yield request

    def _reached(self, link: RawLink, target: Target, page_url: str) -> tuple[dict, dict | None]:
        """How a link reaches its target (``Capture.reached``), and for a language switcher the fresh-jar
        meta it is fetched with (spiders.states: it may select a language by cookie)."""
        reached: dict = {"how": LINK, "from": page_url, **clicked(link)}
        if not target.alternate:
            return reached, None
        reached["language"] = target.language
        if link.hreflang:
            return {**reached, "how": HREFLANG}, None
        if not (link.text and self.vocabulary.language_of_label(link.text)):
            return {**reached, "how": URL_MARKER}, None
        reached["switcher"] = link.text
        return reached, self.states.switch_meta(target.language, link.text, page_url)

    def _follow_in_state(self, response: TextResponse, meta: dict, page_links: list[RawLink], page_type: str | None,
                         depth: int | None):
        """Links on a page seen in a cookie state lead to pages in that state: the Kazakh navigation may list
        documents the Russian does not. Switchers are not followed (one would change the state's jar), nor
        old editions (the plain crawl archives them)."""
        company = self.companies[meta["company"]]
        for link in page_links:
            if not same_site(link.url, self.sites[company.id]):
                continue
            target = classify(link, response.url, meta["role"], page_type, self.vocabulary)
            if target is None or target.alternate or target.historical or target.role not in (DOCUMENT, HUB):
                continue
            if depth is not None and depth > self.max_depth:
                continue
            path = [*meta["path"], Link(response.url, target.text)]
            request = self._request(company.id, target.url, target.role, target.doc_type, meta["language"], depth,
                                    path, target.text, variant=meta["variant"], reached=meta["reached"],
                                    jar=meta["cookiejar"], cookies=meta.get("state_cookies"))
            if request:
                yield request

    def _listed_editions(self, response: TextResponse, meta: dict, page_type: str | None):
        """(edition, where it is listed) for the old editions an archive page, or the archive sections
        of any other page, list."""
        root = response.selector.root
        if meta["role"] == ARCHIVE:
            # The words of the link that led here, unless it was a language switcher ("Қаз"): then the page's.
            label = "" if meta.get("alternate_of") else meta["link_text"]
            for xpath in ("//h1//text()", "//title//text()"):
                label = label or " ".join(" ".join(response.xpath(xpath).getall()).split())
            listing = Listing(response.url, LISTED_ON_PAGE, label)
            return [(e, listing) for e in page_editions(root, response.url, self.vocabulary, page_type)]
        return [(e, Listing(response.url, LISTED_IN_SECTION, section.heading))
                for section in archive_sections(root, response.url, self.vocabulary, page_type)
                for e in section.editions]

    def _defer_edition(self, company_id: str, url: str, doc_type: str | None, text: str, stated_date: date | None,
                       listing: Listing, meta: dict, page_url: str, depth: int | None) -> None:
        """Queue an old edition for when discovery is done (see the module docstring)."""
        path = [*meta["path"], Link(page_url, text)]
        language = self.vocabulary.language_of_url(url) or meta["language"]
        self.editions.append(((company_id, url, DOCUMENT, doc_type, language, depth, path, text),
                              {"listed_on": listing, "stated_date": stated_date,
                               "reached": {"how": LINK, "from": page_url}}))

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
                title=capture.title, historical=capture.historical, stated_date=capture.stated_date,
                listed_on=capture.listed_on, variant=capture.variant, reached=capture.reached,
                request_headers=capture.request_headers,
            )

    def failed(self, failure: Failure):
        if isinstance(failure.value, Rescheduled):
            return  # the retry middleware sends it again later
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
            if code in TRANSIENT_ERRORS and not meta.get(FINAL_ATTEMPT):
                self._hold(original, meta)
                return
        capture = self._capture(meta, original, request.url, None, {}, b"", error=reason, request=request)
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
