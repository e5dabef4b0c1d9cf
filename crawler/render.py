"""When and how a page is rendered in Chromium (scrapy-playwright), and what a rendering keeps.

Every page is first fetched plainly. ``render_reason`` (a plain function) then decides, per the
company's policy (``auto`` / ``always`` / ``never``), whether a person would see something the
plain bytes lack: an app shell, links injected by script, or a server that refuses plain clients.
``RenderMiddleware`` re-requests such pages through Chromium and turns the browser's result back
into one response whose ``meta["render"]`` carries what the archive keeps: the server's bytes as
the browser received them, the rendered DOM (the response body), a full-page screenshot of
document pages, and the page's requests that the address guard refused.

Bounded everywhere: navigation waits for the DOM, not for "network idle"; waiting for text and
for the network to settle have their own short timeouts; the page is closed in every case.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html as lxml_html
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse

from crawler.guard import address_refusal, parse_allow_list, resolve

log = logging.getLogger("policy_archive.render")

# Plain responses that mean "this server does not serve scripts-less clients", not "no page".
BLOCKING_STATUSES = frozenset({403, 406, 429, 502, 503})
MIN_VISIBLE_CHARS = 400  # a policy page shows more text than this; an app shell shows less
MIN_LINKS = 3  # a homepage or hub with fewer links and some script builds its links in script
_APP_ROOT = re.compile(rb'<(div|main)[^>]+id=["\']?(root|app|__next|__nuxt|q-app|main-app)["\'\s>]', re.I)
# A page is ready when its body shows a document's worth of text (or the wait times out).
TEXT_READY = f"() => document.body && document.body.innerText.trim().length > {MIN_VISIBLE_CHARS}"


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


class PageGuard:
    """The address guard for every request a page makes (scripts, images, XHR, frames)."""

    def __init__(self, allow: list[str]):
        self.hosts, self.networks = parse_allow_list(allow)

    async def refusal(self, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https", "ws", "wss"):
            return None  # data:, blob:, about: never leave the machine
        host = parts.hostname or ""
        try:
            addresses: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
        except ValueError:
            addresses = await asyncio.get_running_loop().run_in_executor(None, resolve, host)
        return address_refusal(host, addresses, self.hosts, self.networks)


async def init_page(page, request) -> None:
    """scrapy-playwright's page-init callback: guard every request, remember the server's bytes."""
    rendering: Rendering = request.meta["render"]
    guard: PageGuard = request.meta["page_guard"]

    async def route(route) -> None:
        url = route.request.url
        reason = await guard.refusal(url)
        if reason:
            rendering.blocked.append({"url": url, "reason": reason})
            await route.abort("blockedbyclient")
        else:
            await route.fallback()  # to scrapy-playwright's own handler, which sends it

    def on_response(response) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            request.meta["navigation_response"] = response

    await page.route("**/*", route)
    page.on("response", on_response)


class RenderFailed(IgnoreRequest):
    """A rendering that produced nothing to keep; ``reason`` is recorded as the failure."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RenderMiddleware:
    """Sends pages that need it through Chromium and packs the result into one response."""

    def __init__(self, policies: dict[str, str], default: str, allow: list[str], wait_ms: int,
                 max_bytes: int, context: dict | None = None):
        self.policies = policies
        self.default = default
        self.guard = PageGuard(allow)
        self.wait_ms = wait_ms
        self.max_bytes = max_bytes
        self.context = context or {}

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(s.getdict("POLICY_ARCHIVE_RENDER"), s.get("POLICY_ARCHIVE_RENDER_DEFAULT", "auto"),
                   s.getlist("POLICY_ARCHIVE_ALLOW_PRIVATE"), s.getint("POLICY_ARCHIVE_RENDER_WAIT_MS", 5000),
                   s.getint("DOWNLOAD_MAXSIZE"), s.getdict("POLICY_ARCHIVE_RENDER_CONTEXT"))

    def _policy(self, request) -> str:
        return self.policies.get(request.meta.get("company"), self.default)

    def _render_request(self, request, reason: str):
        meta = {
            **request.meta,
            "render": Rendering(reason),
            "page_guard": self.guard,
            "playwright": True,
            "playwright_include_page": True,
            "playwright_context": "render",
            "playwright_context_kwargs": self.context,
            "playwright_page_init_callback": "crawler.render.init_page",
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

    async def process_response(self, request, response):
        if "render" in request.meta:
            if "playwright" not in response.flags:
                return response
            return await self._finish(request, response)
        reason = render_reason(self._policy(request), response.status,
                               response.headers.get(b"Content-Type", b"").decode("latin-1").lower(),
                               response.body, request.meta.get("role", ""))
        if reason:
            return self._render_request(request, reason)
        return response

    async def process_exception(self, request, exception):
        page = request.meta.pop("playwright_page", None)
        if page is not None and not page.is_closed():
            await page.close()  # scrapy-playwright leaves pages it handed to us open on failure
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
        try:
            try:
                await page.wait_for_function(TEXT_READY, timeout=self.wait_ms)
            except Exception:
                rendering.notes.append(f"no document-sized text appeared within {self.wait_ms} ms")
            try:
                await page.wait_for_load_state("networkidle", timeout=min(self.wait_ms, 2000))
            except Exception:
                rendering.notes.append("the network did not settle; captured as it was")
            nav = request.meta.pop("navigation_response", None)
            if nav is not None:
                rendering.original_url = nav.url
                rendering.original_status = nav.status
                rendering.original_headers = {k.lower(): v for k, v in (await nav.all_headers()).items()}
                try:
                    rendering.original_body = await nav.body()
                except Exception as exc:
                    rendering.notes.append(f"the server's bytes were not available: {exc}")
            if request.meta.get("role") == "document":
                try:
                    rendering.screenshot = await page.screenshot(full_page=True, type="png", timeout=15_000)
                except Exception as exc:
                    rendering.notes.append(f"no screenshot: {exc}")
            url = page.url
            dom = (await page.content()).encode("utf-8")
        finally:
            await page.close()
        if max(len(dom), len(rendering.original_body)) > self.max_bytes:
            raise RenderFailed(f"too_large: the rendered page exceeds crawl.max_response_bytes ({self.max_bytes})")
        headers = {k: v for k, v in response.headers.items() if k.lower() not in (b"content-length", b"content-type")}
        headers[b"Content-Type"] = b"text/html; charset=utf-8"
        return HtmlResponse(url=url, status=response.status, headers=headers, body=dom, encoding="utf-8",
                            request=request, flags=[*response.flags, "rendered"], ip_address=response.ip_address)
