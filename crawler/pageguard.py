"""The address guard inside the browser: every channel out of a rendered page.

Every channel out of the page passes the address guard, not only the requests ``page.route`` sees:
WebSockets (``route_web_socket``), pop-ups (a context-wide route), WebRTC (removed from the page,
and no UDP without a proxy), shared workers (removed: their requests reach no route). Chromium also
opens connections on its own, before any route decides: a preconnect to a frame's or a form's
target, speculation rules, a worker's WebSocket. Those are stopped below the routes, in Chromium's
resolver: ``chromium_guard_args`` maps every non-public IP literal (and ``localhost``) that the
allow-list does not name to "not found", so no socket to such an address is ever opened.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import weakref
from collections.abc import Iterable
from urllib.parse import urlsplit

from crawler.guard import address_refusal, parse_allow_list, resolve
from crawler.pages import PAGE_POOL, PLACE

log = logging.getLogger("policy_archive.render")

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


class PageGuard:
    """The address guard for every request a page makes (scripts, images, XHR, frames, WebSockets)."""

    def __init__(self, allow: list[str]):
        self.hosts, self.networks = parse_allow_list(allow)
        # Contexts guarded as a whole (the task doing it, which later pages await), and the rendering
        # each page reports to.
        self.contexts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.renderings: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        # The request each page renders now, and the pages already given their routes and listeners.
        self.requests: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.pages: weakref.WeakSet = weakref.WeakSet()

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
        """For ``page.route``: refused requests are aborted; navigations go on to scrapy-playwright's handler
        (which puts Scrapy's headers on them), the page's own requests straight to the network: that handler
        would only copy their headers back (a round trip to the browser for each)."""
        if await self._refused(route):
            return
        if route.request.is_navigation_request():
            await route.fallback()
        else:
            await route.continue_()

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


def _document_url(url: str) -> str:
    """``url`` without its fragment: a response's URL never has one, the frame's may."""
    return url.split("#", 1)[0]


def _page_of(request):
    try:
        return request.frame.page
    except Exception:
        return None  # a worker's request has no frame


async def init_page(page, request) -> None:
    """scrapy-playwright's page-init callback: guard every request, remember the server's bytes.

    Safe on a page handed over again (``meta["playwright_page"]``): the page's listeners are installed once and
    report to the page's current rendering; its route is installed again each time, after the handler
    scrapy-playwright has just re-installed, so the guard is always asked first."""
    guard: PageGuard = request.meta["page_guard"]
    if (pool := request.meta.get(PAGE_POOL)) is not None:
        pool.placed(request.meta["playwright_context"], page, request.meta.pop(PLACE, None))
    guard.renderings[page] = request.meta["render"]  # crawler.render.Rendering
    guard.requests[page] = request
    if page in guard.pages:
        await page.unroute("**/*", guard.route)
        await page.route("**/*", guard.route)
        return
    guard.pages.add(page)
    await guard.guard_context(page.context)
    # The main frame's navigation responses; the one whose document the frame shows becomes
    # meta["navigation_response"] when that document commits (``framenavigated``), so the status, headers and
    # bytes kept always belong to the DOM being judged and captured: after a challenge's reload, the reloaded
    # page's (not the challenge's); never a response whose navigation did not commit (a 204, a download).
    answered: list = []

    def on_response(response) -> None:
        current = guard.requests.get(page)
        if current is not None and response.request.is_navigation_request() and response.frame == page.main_frame:
            answered[:] = [response]
            current.meta.setdefault("navigation_response", response)  # until a document commits

    def on_navigated(frame) -> None:
        current = guard.requests.get(page)
        if (current is not None and frame == page.main_frame and answered
                and _document_url(answered[0].url) == _document_url(frame.url)):
            current.meta["navigation_response"] = answered.pop()

    def on_popup(popup) -> None:
        # A pop-up is not what we render: its requests are refused or sent by the context's route,
        # recorded as this page's, and it is closed at once.
        guard.renderings[popup] = guard.renderings.get(page)
        asyncio.ensure_future(popup.close())

    await page.route("**/*", guard.route)
    await page.route_web_socket(lambda _url: True, lambda ws: guard.web_socket(ws, page))
    page.on("response", on_response)
    page.on("framenavigated", on_navigated)
    page.on("popup", on_popup)
