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

Every channel out of the page passes the address guard, not only the requests ``page.route`` sees:
WebSockets (``route_web_socket``), pop-ups (a context-wide route), WebRTC (removed from the page,
and no UDP without a proxy), shared workers (removed: their requests reach no route). Chromium also
opens connections on its own, before any route decides: a preconnect to a frame's or a form's
target, speculation rules, a worker's WebSocket. Those are stopped below the routes, in Chromium's
resolver: ``chromium_guard_args`` maps every non-public IP literal (and ``localhost``) that the
allow-list does not name to "not found", so no socket to such an address is ever opened.

Anti-bot interstitials (``extraction.challenge``) are never kept as pages: a plain response that is one
goes to the browser whatever the policy's heuristics say (under ``never`` it is the failure
``challenge``), and a rendering that shows one waits, bounded, for it to clear and follows its
reload; one that does not clear is the failure ``challenge``, naming the vendor.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html as lxml_html
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse

from crawler.guard import address_refusal, parse_allow_list, resolve
from extraction.challenge import Challenge, detect_challenge

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

# Addresses that are not public (crawler.guard's classes), as the IP literals Chromium's resolver sees.
NON_PUBLIC_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
                 "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
                 "203.0.113.0/24", "224.0.0.0/3")
# IPv6 literals by prefix: ::/8 (loopback, unspecified, IPv4-mapped), unique-local, link- and
# site-local, multicast, documentation. Chromium also matches a rule against "host:port", so every
# pattern holds two colons: no host name with its port matches one.
NON_PUBLIC_V6 = ("::*", *(f"{prefix}*:*:*" for prefix in ("fc", "fd", "fe8", "fe9", "fea", "feb", "fec", "fed",
                                                          "fee", "fef", "ff")), "2001:db8:*")
# Run in every frame before the page's own script: WebRTC reaches addresses through STUN/TURN that
# no route sees, and a shared worker's requests bypass the page's route.
SIDE_CHANNELS_OFF = """
for (const name of ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel", "RTCIceTransport",
                    "RTCSctpTransport", "SharedWorker"]) {
  try { Object.defineProperty(window, name, {value: undefined, writable: false, configurable: false}); }
  catch (e) {}
}
"""


def chromium_guard_args(allow: Iterable[str], proxies: Iterable[str | None] = ()) -> list[str]:
    """Chromium flags that keep the browser itself off non-public addresses (see the module docstring).

    ``allow``: crawl.allow_private_addresses; ``proxies``: proxy URLs the user configured, whose
    hosts Chromium must still reach."""
    hosts, networks = parse_allow_list(list(allow))
    excluded = set(hosts)
    for proxy in proxies:
        if proxy and urlsplit(proxy).hostname:
            excluded.add(urlsplit(proxy).hostname)
    for network in networks:
        if network.version == 4:
            excluded.update(_literal_patterns(network))
        elif network.num_addresses == 1:
            excluded.add(str(network.network_address))
        # An allowed IPv6 network wider than one address stays unreachable for Chromium (compressed
        # IPv6 text has no fixed prefix to match); plain fetches still reach it.
    blocked = [p for net in NON_PUBLIC_V4 for p in _literal_patterns(ipaddress.ip_network(net))]
    blocked += [*NON_PUBLIC_V6, "localhost", "*.localhost"]
    rules = [f"MAP {pattern} ~NOTFOUND" for pattern in blocked] + [f"EXCLUDE {host}" for host in sorted(excluded)]
    return [f"--host-resolver-rules={', '.join(rules)}",
            # WebRTC may use UDP only through a proxy, i.e. not at all: STUN goes to any address.
            "--webrtc-ip-handling-policy=disable_non_proxied_udp"]


def _literal_patterns(network: ipaddress.IPv4Network) -> list[str]:
    """``network`` as wildcard patterns on whole octets: 10.0.0.0/8 -> ['10.*.*.*'], 127.0.0.2/31 -> two
    addresses, 100.64.0.0/10 -> 64 patterns."""
    whole = -(-network.prefixlen // 8)  # octets the patterns spell out
    patterns = []
    for subnet in network.subnets(new_prefix=whole * 8) if network.prefixlen % 8 else [network]:
        octets = str(subnet.network_address).split(".")[:whole]
        patterns.append(".".join(octets + ["*"] * (4 - whole)))
    return patterns


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
    """The address guard for every request a page makes (scripts, images, XHR, frames, WebSockets)."""

    def __init__(self, allow: list[str]):
        self.hosts, self.networks = parse_allow_list(allow)
        # Contexts guarded as a whole (the task doing it, which later pages await), and the rendering
        # each page reports to.
        self.contexts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.renderings: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

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

    def record(self, page, url: str, reason: str) -> None:
        rendering = self.renderings.get(page) if page is not None else None
        if rendering is not None:
            rendering.blocked.append({"url": url, "reason": reason})
        else:
            log.info("blocked %s (%s) outside any rendering", url, reason)

    async def _refused(self, route) -> bool:
        """Abort ``route``'s request if the guard refuses it (recording why); True if it did."""
        url = route.request.url
        reason = await self.refusal(url)
        if reason:
            self.record(_page_of(route.request), url, reason)
            await route.abort("blockedbyclient")
        return bool(reason)

    async def route(self, route) -> None:
        """For ``page.route``: refused requests are aborted, the rest go on to scrapy-playwright's handler."""
        if not await self._refused(route):
            await route.fallback()

    async def context_route(self, route) -> None:
        """For the context: pop-ups and any page scrapy-playwright did not open (no route of its own)."""
        if not await self._refused(route):
            await route.continue_()

    async def web_socket(self, ws, page=None) -> None:
        reason = await self.refusal(ws.url)
        if reason:
            self.record(page, ws.url, reason)
            await ws.close(code=1008, reason="blocked by the crawler's address guard")
        else:
            ws.connect_to_server()

    async def guard_context(self, context) -> None:
        """Once per browser context: the routes and the script that cover what one page's route does not."""
        if context not in self.contexts:
            self.contexts[context] = asyncio.ensure_future(self._guard_context(context))
        await self.contexts[context]

    async def _guard_context(self, context) -> None:
        await context.add_init_script(SIDE_CHANNELS_OFF)
        await context.route("**/*", self.context_route)
        await context.route_web_socket(lambda _url: True, self.web_socket)


def _page_of(request):
    try:
        return request.frame.page
    except Exception:
        return None  # a worker's request has no frame


async def init_page(page, request) -> None:
    """scrapy-playwright's page-init callback: guard every request, remember the server's bytes."""
    rendering: Rendering = request.meta["render"]
    guard: PageGuard = request.meta["page_guard"]
    guard.renderings[page] = rendering
    await guard.guard_context(page.context)

    def on_response(response) -> None:
        if response.request.is_navigation_request() and response.frame == page.main_frame:
            request.meta["navigation_response"] = response

    def on_popup(popup) -> None:
        # A pop-up is not what we render: its requests are refused or sent by the context's route,
        # recorded as this page's, and it is closed at once.
        guard.renderings[popup] = rendering
        asyncio.ensure_future(popup.close())

    await page.route("**/*", guard.route)
    await page.route_web_socket(lambda _url: True, lambda ws: guard.web_socket(ws, page))
    page.on("response", on_response)
    page.on("popup", on_popup)


def _not_cleared(challenge: Challenge, seconds: float) -> str:
    return f"challenge: {challenge.describe()} did not clear in {seconds:.0f} s ({challenge.evidence})"


def _header_dict(headers) -> dict[str, str]:
    """Scrapy's headers as lower-case names and joined values (Set-Cookie lines joined too)."""
    return {k.decode("latin-1").lower(): ", ".join(v.decode("latin-1") for v in values)
            for k, values in headers.items()}


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
        policy = self._policy(request)
        challenge = detect_challenge(response.status, _header_dict(response.headers), response.body)
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
        challenge = None
        try:
            challenge = await self._wait_out_challenge(request, page)
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
        status, headers = response.status, _header_dict(response.headers)
        if challenge is not None and rendering.original_status is not None:
            # Cleared: the page is the one the challenge reloaded into, not the challenge's 403/503.
            status, headers = rendering.original_status, rendering.original_headers
        # What was finally captured must not be an interstitial either (one that came back after a reload).
        late = detect_challenge(status, headers, dom)
        if late is not None:
            raise RenderFailed(_not_cleared(late, self.wait_ms / 1000 + CHALLENGE_GRACE_S))
        headers = {k: v for k, v in headers.items() if k not in ("content-length", "content-type")}
        headers["content-type"] = "text/html; charset=utf-8"
        return HtmlResponse(url=url, status=status, headers=headers, body=dom, encoding="utf-8",
                            request=request, flags=[*response.flags, "rendered"], ip_address=response.ip_address)

    async def _challenge(self, request, page) -> Challenge | None:
        """The challenge the page shows now, judged on its DOM and its latest navigation's answer.
        Raises (Playwright's error) while the page is navigating: it cannot tell then."""
        nav = request.meta.get("navigation_response")
        headers = await nav.all_headers() if nav is not None else {}
        return detect_challenge(nav.status if nav is not None else None, headers, await page.content())

    async def _wait_out_challenge(self, request, page) -> Challenge | None:
        """If the page is an anti-bot interstitial, wait (bounded) until it gives way to the page,
        following its reloads. Returns the challenge that cleared, None if there was none; raises
        RenderFailed if it did not clear."""
        try:
            seen = await self._challenge(request, page)
        except Exception:  # already navigating (a script's reload): judge what it lands on
            try:
                await page.wait_for_load_state("domcontentloaded", timeout=self.wait_ms)
                seen = await self._challenge(request, page)
            except Exception:
                seen = None  # the capture's own check (``_finish``) still judges the page it keeps
        if seen is None:
            return None
        bound = self.wait_ms / 1000 + CHALLENGE_GRACE_S
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            await asyncio.sleep(CHALLENGE_POLL_S)
            try:
                await page.wait_for_load_state("domcontentloaded", timeout=max(1, (deadline - time.monotonic()) * 1000))
                now = await self._challenge(request, page)
            except Exception:
                continue
            if now is None:
                return seen
            seen = now
        raise RenderFailed(_not_cleared(seen, bound))
