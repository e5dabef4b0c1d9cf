"""When and how a page is rendered in Chromium (scrapy-playwright), and what a rendering keeps.

Every page is first fetched plainly. ``render_reason`` (a plain function) then decides, per the
company's policy (``auto`` / ``always`` / ``never``), whether a person would see something the
plain bytes lack: an app shell, links injected by script, or a server that refuses plain clients.
``RenderMiddleware`` re-requests such pages through Chromium and turns the browser's result back
into one response whose ``meta["render"]`` carries what the archive keeps: the server's bytes as
the browser received them, the rendered DOM (the response body), a full-page screenshot of
document pages, and the page's requests that the address guard refused.

Bounded everywhere: navigation waits for the DOM, not for "network idle"; waiting for text and
for the network to settle have their own short timeouts; every page is closed in the end, or
emptied and kept for the next rendering (``crawler.pages``).

Every channel out of a rendered page passes the address guard: ``crawler.pageguard``.

Anti-bot interstitials (``extraction.challenge``) are never kept as pages: a plain response that is one
goes to the browser whatever the policy's heuristics say (under ``never`` it is the failure
``challenge``), and a rendering that shows one waits, bounded, for it to clear and follows its
reload; one that does not clear is the failure ``challenge``, naming the vendor.

A page the spider asks to be *acted on* (``meta["act"]``: it shows a language switcher that carries no
URL, see ``spiders.scripted``) goes straight to the browser, in a browser context of its own (the
cookies a switcher sets must not leak into other pages' renderings), and after settling is handed to
``crawler.acting``: its switchers are clicked, bounded by ``crawl.max_clicks`` and by three times
``crawl.render_wait`` in all; ``meta["render"].acted`` carries what each click did.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html as lxml_html
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse

from config import CrawlSettings
from crawler.acting import Acting, act, page_content
from crawler.conditional import NOT_MODIFIED
from crawler.pageguard import PageGuard
from crawler.pages import PAGE_POOL, PagePool
from extraction.challenge import Challenge, detect_challenge
from spiders.scripted import ACT

DEFAULT_RENDER_PAGES = CrawlSettings.model_fields["render_pages"].default  # crawl.render_pages, one place

log = logging.getLogger("policy_archive.render")

# Plain responses that mean "this server does not serve scripts-less clients", not "no page".
BLOCKING_STATUSES = frozenset({403, 406, 429, 502, 503})
MIN_VISIBLE_CHARS = 400  # a policy page shows more text than this; an app shell shows less
MIN_LINKS = 3  # a homepage or hub with fewer links and some script builds its links in script
_APP_ROOT = re.compile(rb'<(div|main)[^>]+id=["\']?(root|app|__next|__nuxt|q-app|main-app)["\'\s>]', re.I)
# A page is ready when its body shows a document's worth of text (or the wait times out).
TEXT_READY = f"() => document.body && document.body.innerText.trim().length > {MIN_VISIBLE_CHARS}"
# An interstitial clears within a few seconds in a browser (Cloudflare's takes about five); it gets
# crawl.render_wait plus this, polled at CHALLENGE_POLL_S.
CHALLENGE_GRACE_S = 10
CHALLENGE_POLL_S = 0.5
SCREENSHOT_S = 15
# Beyond the waits' own bounds: the screenshot (SCREENSHOT_S) and reading the DOM and bytes.
SETTLE_SLACK_S = 30
# Acting on a page's switchers may take this many times crawl.render_wait in all.
ACT_WAITS = 3

def render_reason(policy: str, status: int, content_type: str, body: bytes, role: str) -> str | None:
    """Why this plain response should be rendered in a browser, or None to keep it as it is."""
    if policy == "never":
        return None
    if 300 <= status < 400:
        return None  # the redirect is followed first; its target is judged
    if status in BLOCKING_STATUSES:
        return f"plain_client_refused_{status}" if policy == "auto" else "always"
    if "html" not in content_type and not body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
        return None  # PDFs, DOCX and the like are what they are
    if policy == "always":
        return "always"
    if status >= 400:
        return None
    head = body[:200_000]
    scripts = head.lower().count(b"<script")
    if not scripts:
        return None
    try:
        root = lxml_html.document_fromstring(head)
    except (ValueError, lxml_html.etree.ParserError):
        return None
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    visible = " ".join(root.text_content().split())
    if len(visible) < MIN_VISIBLE_CHARS:
        return "app_shell" if _APP_ROOT.search(head) else "little_text"
    if role != "document" and len(root.xpath("//a[@href]")) < MIN_LINKS:
        return "links_by_script"
    return None


@dataclass
class Rendering:
    """What one browser rendering produced, beside the DOM (the response body)."""

    reason: str
    original_url: str | None = None
    original_status: int | None = None
    original_headers: dict[str, str] = field(default_factory=dict)
    original_body: bytes = b""
    screenshot: bytes | None = None
    blocked: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    acted: Acting | None = None  # what clicking the page's switchers did (act requests only)


async def _screenshot(page) -> bytes:
    """A full-page PNG. Chromium's own capture with ``optimizeForSpeed`` gives the same pixels as Playwright's
    ``page.screenshot(full_page=True)`` with about half the browser's CPU (its PNG encoder trades size for
    speed: ~30% larger files); Playwright's capture is the fallback."""
    try:
        return await asyncio.wait_for(_fast_screenshot(page), SCREENSHOT_S)
    except Exception as exc:
        log.debug("fast screenshot failed (%s); Playwright's instead", exc)
        return await page.screenshot(full_page=True, type="png", timeout=SCREENSHOT_S * 1000)


async def _fast_screenshot(page) -> bytes:
    cdp = await page.context.new_cdp_session(page)
    try:
        size = (await cdp.send("Page.getLayoutMetrics"))["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": max(1, size["width"]), "height": max(1, size["height"]), "scale": 1}
        shot = await cdp.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                         "optimizeForSpeed": True, "clip": clip})
        return base64.b64decode(shot["data"])
    finally:
        await cdp.detach()


def _not_cleared(challenge: Challenge, seconds: float) -> str:
    return f"challenge: {challenge.describe()} did not clear in {seconds:.0f} s ({challenge.evidence})"


def _header_dict(headers) -> dict[str, str]:
    """Scrapy's headers as lower-case names and joined values (Set-Cookie lines joined too)."""
    return {k.decode("latin-1").lower(): ", ".join(v.decode("latin-1") for v in values)
            for k, values in headers.items()}


def response_challenge(response) -> Challenge | None:
    """The anti-bot interstitial a plain Scrapy response is, if it is one (extraction.challenge)."""
    # The spider reads an HTML page through Scrapy's selector: the check reads the same parse.
    parsed = (lambda: response.selector.root) if isinstance(response, HtmlResponse) else None
    return detect_challenge(response.status, _header_dict(response.headers), response.body, parsed)


class _Navigating(Exception):
    """The page committed another document while it was being judged."""


class RenderFailed(IgnoreRequest):
    """A rendering that produced nothing to keep; ``reason`` is recorded as the failure."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RenderMiddleware:
    """Sends pages that need it through Chromium and packs the result into one response."""

    def __init__(self, policies: dict[str, str], default: str, allow: list[str], wait_ms: int,
                 max_bytes: int, context: dict | None = None, max_clicks: int = 6, language_of_label=None,
                 render_pages: int = DEFAULT_RENDER_PAGES):
        self.policies = policies
        self.default = default
        self.guard = PageGuard(allow)
        self.wait_ms = wait_ms
        self.max_bytes = max_bytes
        self.context = context or {}
        self.max_clicks = max_clicks
        # The vocabulary's reading of a switcher's text (the spider's); without it nothing is acted on.
        self.language_of_label = language_of_label
        self.act_contexts = 0
        self.pool = PagePool(render_pages)

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(s.getdict("POLICY_ARCHIVE_RENDER"), s.get("POLICY_ARCHIVE_RENDER_DEFAULT", "auto"),
                   s.getlist("POLICY_ARCHIVE_ALLOW_PRIVATE"), s.getint("POLICY_ARCHIVE_RENDER_WAIT_MS", 5000),
                   s.getint("DOWNLOAD_MAXSIZE"), s.getdict("POLICY_ARCHIVE_RENDER_CONTEXT"),
                   s.getint("POLICY_ARCHIVE_MAX_CLICKS", 6),
                   getattr(getattr(crawler.spider, "vocabulary", None), "language_of_label", None),
                   s.getint("POLICY_ARCHIVE_RENDER_PAGES", DEFAULT_RENDER_PAGES))

    def _policy(self, request) -> str:
        return self.policies.get(request.meta.get("company"), self.default)

    def _render_request(self, request, reason: str):
        meta = {
            **request.meta,
            "render": Rendering(reason),
            "page_guard": self.guard,
            PAGE_POOL: self.pool,
            "playwright": True,
            "playwright_include_page": True,
            "playwright_context": self._context_name(request),
            "playwright_context_kwargs": self._context_kwargs(request),
            "playwright_page_init_callback": "crawler.pageguard.init_page",
            # The DOM, not every last image: a page that never stops loading still renders.
            "playwright_page_goto_kwargs": {"wait_until": "domcontentloaded"},
            # A timeout is already bounded; a second try would double the bound.
            "dont_retry": True,
        }
        for key in ("redirect_urls", "redirect_times", "redirect_reasons"):
            meta.pop(key, None)
        # The plain request may carry validators from the archive; a browser with an empty cache
        # answered 304 has nothing to show.
        headers = request.headers.copy()
        for name in (b"If-None-Match", b"If-Modified-Since"):
            headers.pop(name, None)
        return request.replace(meta=meta, headers=headers, dont_filter=True)

    def _context_kwargs(self, request) -> dict:
        """A language state's context starts with the state's cookies (spiders.states): Chromium sends its own
        cookies, not the Cookie header Scrapy's jar put on the request."""
        cookies = request.meta.get("state_cookies")
        if not cookies or not request.meta.get("cookiejar"):
            return self.context
        host = urlsplit(request.url).hostname or ""
        return {**self.context, "storage_state": {"origins": [], "cookies": [
            {"name": name, "value": value, "domain": host, "path": "/", "expires": -1, "httpOnly": False,
             "secure": False, "sameSite": "Lax"} for name, value in cookies.items()]}}

    def _context_name(self, request) -> str:
        if not request.meta.get(ACT):
            # A language state's pages (and a switcher's) render in a context of their own: the cookies the site
            # sets in the browser there must never reach the plain crawl's renderings.
            jar = request.meta.get("cookiejar")
            return f"render-{jar}" if jar else "render"
        self.act_contexts += 1
        return f"act-{self.act_contexts}"  # closed with its page (_finish)

    async def process_request(self, request):
        if request.meta.get(ACT) and "render" not in request.meta:
            return self._render_request(request, "act")  # no plain fetch first: the spider has it already
        return None

    async def process_response(self, request, response):
        if "render" in request.meta:
            if "playwright" not in response.flags:
                return response
            return await self._finish(request, response)
        policy = self._policy(request)
        # A 304 answered from the archive (crawler.conditional) is a page archived as one, never an interstitial:
        # it was judged when its bytes were fetched, and a challenge is recorded as a failure or rendered away.
        challenge = None if NOT_MODIFIED in response.flags else response_challenge(response)
        if challenge is not None:
            if policy == "never":
                raise RenderFailed(f"challenge: {challenge.describe()} answered instead of the page, and the "
                                   f"company's render policy is never, so no browser tried it ({challenge.evidence})")
            return self._render_request(request, "challenge")
        reason = render_reason(policy, response.status,
                               response.headers.get(b"Content-Type", b"").decode("latin-1").lower(),
                               response.body, request.meta.get("role", ""))
        if reason:
            return self._render_request(request, reason)
        return response

    async def process_exception(self, request, exception):
        page = request.meta.pop("playwright_page", None)
        # scrapy-playwright leaves pages it handed to us open on failure; a download cut short by its bound
        # (crawler.proxy) never handed its page over: the guard knows which page rendered this request.
        pages = {page} if page is not None else {p for p, r in list(self.guard.requests.items()) if r is request}
        for open_page in pages:
            if not open_page.is_closed():
                try:
                    await asyncio.wait_for(open_page.close(), 10)
                except Exception as exc:  # a browser that stopped answering is restarted by scrapy-playwright
                    log.warning("could not close a failed rendering's page: %s", exc)
        # A server that resets plain clients may still serve a browser.
        name = type(exception).__name__
        if ("render" not in request.meta and self._policy(request) == "auto"
                and name in ("ResponseFailed", "ConnectionLost", "DownloadFailedError", "ResponseDataLossError")):
            return self._render_request(request, "plain_client_reset")
        return None

    async def _finish(self, request, response):
        """Let the page settle (bounded), keep its DOM, screenshot and original bytes, close it."""
        rendering: Rendering = request.meta["render"]
        page = request.meta.pop("playwright_page", None)
        if page is None:
            return response
        # Every step below has its own bound, but a page that keeps navigating can make a Playwright call
        # wait on it indefinitely (content() retries while the document is being replaced): the whole
        # settling gets one hard bound too, so one page never holds a render slot for the rest of the run.
        bound = 2 * self.wait_ms / 1000 + CHALLENGE_GRACE_S + SETTLE_SLACK_S
        settled = False
        try:
            challenge, url, dom = await asyncio.wait_for(self._settle(request, page, rendering), bound)
            if request.meta.get(ACT) and self.language_of_label is not None:
                rendering.acted = await self._act(page)
            settled = True
        except TimeoutError:
            raise RenderFailed(f"timeout: the rendered page did not settle within {bound:.0f} s") from None
        finally:
            # A switcher's own jar (spiders.states) and a page acted on are used once: their context goes with
            # the page. A page that settled in a lasting context is kept for the next rendering there.
            once = request.meta.get(ACT) or str(request.meta.get("cookiejar") or "").startswith("switch-")
            if settled and not once:
                self.guard.renderings.pop(page, None)  # what the page does from now on is no rendering's
                self.guard.requests.pop(page, None)
                self.pool.give(request.meta["playwright_context"], page)
            else:
                try:
                    await asyncio.wait_for(page.close(), 10)
                    if once:
                        await asyncio.wait_for(page.context.close(), 10)
                except Exception as exc:  # a browser that stopped answering is restarted by scrapy-playwright
                    log.warning("could not close a rendered page: %s", exc)
        if max(len(dom), len(rendering.original_body)) > self.max_bytes:
            raise RenderFailed(f"too_large: the rendered page exceeds crawl.max_response_bytes ({self.max_bytes})")
        status, headers = response.status, _header_dict(response.headers)
        if rendering.original_status is not None:
            # The answer the captured DOM came from: scrapy-playwright's response is the first navigation's,
            # and a page may have reloaded since (a challenge that cleared, whether or not it was seen).
            status, headers = rendering.original_status, rendering.original_headers
        # What was finally captured must not be an interstitial either (one that came back after a reload).
        late = detect_challenge(status, headers, dom)
        if late is not None:
            raise RenderFailed(_not_cleared(late, self.wait_ms / 1000 + CHALLENGE_GRACE_S))
        headers = {k: v for k, v in headers.items() if k not in ("content-length", "content-type")}
        headers["content-type"] = "text/html; charset=utf-8"
        return HtmlResponse(url=url, status=status, headers=headers, body=dom, encoding="utf-8",
                            request=request, flags=[*response.flags, "rendered"], ip_address=response.ip_address)

    async def _act(self, page) -> Acting:
        """Click the page's switchers (crawler.acting), within ACT_WAITS × render_wait; a page that takes
        longer keeps what was found before the bound."""
        budget = ACT_WAITS * self.wait_ms / 1000
        acting = Acting()
        try:
            await asyncio.wait_for(act(page, self.language_of_label, self.max_clicks, self.wait_ms, budget, acting),
                                   budget + SETTLE_SLACK_S)
        except TimeoutError:
            acting.notes.append(f"acting did not finish within {budget + SETTLE_SLACK_S:.0f} s")
        return acting

    async def _settle(self, request, page, rendering: Rendering) -> tuple[Challenge | None, str, bytes]:
        """Wait out a challenge, then for text and a quiet network (each bounded); keep the server's
        bytes and a screenshot. Returns the challenge that cleared (or None), the URL and the DOM."""
        challenge = await self._wait_out_challenge(request, page)
        try:
            await page.wait_for_function(TEXT_READY, timeout=self.wait_ms)
        except Exception:
            rendering.notes.append(f"no document-sized text appeared within {self.wait_ms} ms")
        try:
            await page.wait_for_load_state("networkidle", timeout=min(self.wait_ms, 2000))
        except Exception:
            rendering.notes.append("the network did not settle; captured as it was")
        if request.meta.get("role") == "document" and not request.meta.get(ACT):
            try:
                rendering.screenshot = await _screenshot(page)
            except Exception as exc:
                rendering.notes.append(f"no screenshot: {exc}")
        # The DOM first, then the answer it came from: a reload under way is waited out by the read, and
        # the navigation recorded by then is that of the document read.
        dom = (await page_content(page)).encode("utf-8")
        url = page.url
        nav = request.meta.pop("navigation_response", None)
        if nav is not None:
            rendering.original_url = nav.url
            rendering.original_status = nav.status
            rendering.original_headers = {k.lower(): v for k, v in (await nav.all_headers()).items()}
            try:
                rendering.original_body = await nav.body()
            except Exception as exc:
                rendering.notes.append(f"the server's bytes were not available: {exc}")
        return challenge, url, dom

    async def _challenge(self, request, page) -> Challenge | None:
        """The challenge the page shows now, judged on its DOM and the answer that DOM came from.
        Raises while the page is navigating (Playwright's error, or ``_Navigating`` when the document was
        replaced while it was read): a half-parsed next document is not a cleared challenge."""
        nav = request.meta.get("navigation_response")
        headers = await nav.all_headers() if nav is not None else {}
        dom = await page.content()
        if request.meta.get("navigation_response") is not nav:
            raise _Navigating
        return detect_challenge(nav.status if nav is not None else None, headers, dom)

    async def _wait_out_challenge(self, request, page) -> Challenge | None:
        """If the page is an anti-bot interstitial, wait (bounded) until it gives way to the page,
        following its reloads. Returns the challenge that cleared, None if there was none; raises
        RenderFailed if it did not clear.

        The page is judged on its DOM with the response that DOM came from (``crawler.pageguard``
        records it when the document commits). A page caught navigating cannot be judged: it is judged
        again once it has landed, within the same bound, so a challenge that cleared before this first
        looked (a busy machine) is simply the page, and one still reloading is waited for."""
        bound = self.wait_ms / 1000 + CHALLENGE_GRACE_S
        deadline = time.monotonic() + bound
        seen: Challenge | None = None
        while True:
            left = deadline - time.monotonic()
            try:
                await page.wait_for_load_state("domcontentloaded", timeout=max(1.0, left * 1000))
                now = await asyncio.wait_for(self._challenge(request, page), max(CHALLENGE_POLL_S, left))
            except Exception:
                pass  # navigating (a script's reload): judge what it lands on
            else:
                if now is None:
                    return seen
                seen = now
            if time.monotonic() >= deadline:
                break
            await asyncio.sleep(CHALLENGE_POLL_S)
        if seen is None:
            return None  # never still long enough to judge: the capture's own check (``_finish``) judges it
        raise RenderFailed(_not_cleared(seen, bound))
