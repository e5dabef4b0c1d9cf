"""Crawl through a proxy (``crawl.proxy``, or a company's own ``proxy``), in plain requests and in Chromium.

A team abroad sees what a visitor from abroad sees; through a proxy in Kazakhstan it sees what a
Kazakhstani user sees. ``ProxyMiddleware`` puts each request on its company's proxy:

- plain requests through an ``http://`` proxy: Scrapy's own proxy support (absolute-URI requests for
  http sites, a CONNECT tunnel for https ones; credentials in the URL become ``Proxy-Authorization``);
- plain requests through a ``socks5://`` proxy: Scrapy has no SOCKS, so ``DownloadHandler`` opens the
  connection with a SOCKS5 CONNECT of our own (``Socks5Endpoint``; the proxy resolves the name, as
  Chromium's SOCKS5 does) and speaks HTTP, or TLS and HTTP, over it;
- pages rendered in Chromium: a browser context per proxy (Playwright's ``proxy`` option), so one
  browser serves companies on different proxies, and the browser sends the credentials itself.

The address guard still judges every target by its host name, before the request leaves; the
connected address it checks afterwards is the proxy's, which the user chose, so it is not judged.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from urllib.parse import unquote, urlsplit

from playwright.async_api import Error as PlaywrightError
from scrapy import signals
from scrapy.core.downloader.handlers.http11 import _BindAddressAgent, _ScrapyAgent
from scrapy.exceptions import DownloadTimeoutError
from scrapy.utils._download_handlers import wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy_playwright import handler as playwright_handler
from scrapy_playwright.handler import _SCRAPY_ASYNC_API, ScrapyPlaywrightDownloadHandler
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint
from twisted.internet.error import ConnectError

from crawler.guard import PROXY
from crawler.pages import PAGE_POOL, PLACE

SOCKS_SCHEMES = ("socks5", "socks5h")
# RFC 1928 section 6: what a SOCKS5 server's reply code means.
SOCKS_REPLIES = {
    1: "general SOCKS server failure", 2: "connection not allowed by the proxy's rules",
    3: "network unreachable", 4: "host unreachable", 5: "connection refused", 6: "TTL expired",
    7: "command not supported", 8: "address type not supported",
}


def is_socks(proxy: str) -> bool:
    return urlsplit(proxy).scheme.lower() in SOCKS_SCHEMES


def browser_proxy(proxy: str) -> dict[str, str]:
    """Playwright's ``proxy`` option for a proxy URL (credentials apart, as Playwright wants them)."""
    parts = urlsplit(proxy)
    scheme = "socks5" if parts.scheme.lower() in SOCKS_SCHEMES else parts.scheme.lower()
    option = {"server": f"{scheme}://{parts.hostname}:{parts.port}"}
    if parts.username:
        option["username"] = unquote(parts.username)
        option["password"] = unquote(parts.password or "")
    return option


def proxy_label(proxy: str) -> str:
    """How a proxy is named in logs and browser context names: never with its password."""
    parts = urlsplit(proxy)
    label = f"{parts.scheme.lower()}://{parts.hostname}:{parts.port}"
    if parts.username:
        label += "#" + hashlib.sha256(proxy.encode()).hexdigest()[:8]  # the same proxy with other credentials
    return label


class ProxyMiddleware:
    def __init__(self, default: str | None, companies: dict[str, str]):
        self.default = default
        self.companies = companies

    @classmethod
    def from_crawler(cls, crawler):
        s = crawler.settings
        return cls(s.get("POLICY_ARCHIVE_PROXY"), s.getdict("POLICY_ARCHIVE_PROXIES"))

    def process_request(self, request):
        proxy = self.companies.get(request.meta.get("company"), self.default)
        if not proxy:
            return None
        request.meta[PROXY] = proxy
        if request.meta.get("playwright"):
            # Chromium goes through its context's proxy and logs in itself: no proxy, and so no
            # Proxy-Authorization header, on what scrapy-playwright hands the browser.
            request.meta["proxy"] = None
            base = str(request.meta.get("playwright_context", "default")).split(" via ")[0]
            request.meta["playwright_context"] = f"{base} via {proxy_label(proxy)}"
            request.meta["playwright_context_kwargs"] = {**(request.meta.get("playwright_context_kwargs") or {}),
                                                         "proxy": browser_proxy(proxy)}
        elif is_socks(proxy):
            request.meta["proxy"] = None  # DownloadHandler speaks SOCKS; Scrapy's proxy middleware must not
        else:
            request.meta["proxy"] = proxy
        return None


class SocksError(ConnectError):
    """The SOCKS5 proxy did not connect us to the site; the message says why."""


class Socks5Endpoint(TCP4ClientEndpoint):
    """A TCP connection to ``host:port`` through a SOCKS5 proxy (RFC 1928, no authentication), then TLS
    for https. Like Scrapy's CONNECT tunnel: the handshake borrows the HTTP protocol's dataReceived
    and hands the connection over when the proxy has connected."""

    def __init__(self, reactor, proxy: tuple[str, int], host: str, port: int, tls=None, timeout: float = 30,
                 bindAddress=None):
        super().__init__(reactor, proxy[0], proxy[1], timeout, bindAddress)
        self._target = (host, port)
        self._tls = tls
        self._buffer = b""
        self._greeted = False
        self._protocol = None
        self._ready: Deferred | None = None

    def connect(self, protocolFactory) -> Deferred:
        self._ready = Deferred(canceller=lambda _: self._abort())
        connecting = super().connect(protocolFactory)
        connecting.addCallbacks(self._greet, self._fail)
        return self._ready

    def _greet(self, protocol) -> None:
        self._protocol = protocol
        self._deliver, self._lost = protocol.dataReceived, protocol.connectionLost
        protocol.dataReceived, protocol.connectionLost = self._received, self._closed
        protocol.transport.write(b"\x05\x01\x00")  # SOCKS5, one method: no authentication

    def _received(self, data: bytes) -> None:
        self._buffer += data
        if not self._greeted:
            if len(self._buffer) < 2:
                return None
            if self._buffer[0] != 5:
                return self._error("the proxy does not speak SOCKS5")
            if self._buffer[1] != 0:
                return self._error("the proxy wants a login (this crawler's SOCKS5 proxies must admit it without)")
            self._greeted, self._buffer = True, self._buffer[2:]
            self._protocol.transport.write(_connect_request(*self._target))
        return self._reply()

    def _reply(self) -> None:
        head = self._buffer
        if len(head) < 5:
            return None
        if head[1] != 0:
            return self._error(SOCKS_REPLIES.get(head[1], f"reply code {head[1]}"))
        size = 4 + {1: 4, 4: 16, 3: 1 + head[4]}.get(head[3], 0) + 2
        if size == 6:
            return self._error(f"unknown address type {head[3]} in the proxy's reply")
        if len(head) < size:
            return None
        rest, self._buffer = head[size:], b""
        protocol, self._protocol = self._protocol, None
        protocol.dataReceived, protocol.connectionLost = self._deliver, self._lost
        if self._tls is not None:
            protocol.transport.startTLS(self._tls)
        self._ready.callback(protocol)
        if rest:
            protocol.dataReceived(rest)
        return None

    def _closed(self, reason) -> None:
        protocol, self._protocol = self._protocol, None
        protocol.dataReceived, protocol.connectionLost = self._deliver, self._lost
        self._error("the proxy closed the connection during the SOCKS5 handshake")
        protocol.connectionLost(reason)

    def _error(self, reason: str) -> None:
        host, port = self._target
        self._abort()
        if not self._ready.called:
            self._ready.errback(SocksError(string=f"SOCKS5 proxy {self._host}:{self._port} could not connect to "
                                                  f"{host}:{port}: {reason}"))

    def _fail(self, failure) -> None:
        if not self._ready.called:
            self._ready.errback(failure)

    def _abort(self) -> None:
        if self._protocol is not None and self._protocol.transport is not None:
            self._protocol.transport.abortConnection()


def _connect_request(host: str, port: int) -> bytes:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
        address = (b"\x01" if ip.version == 4 else b"\x04") + ip.packed
    except ValueError:
        name = host.encode("idna")
        address = b"\x03" + bytes([len(name)]) + name
    return b"\x05\x01\x00" + address + port.to_bytes(2, "big")


class _SocksAgent(_BindAddressAgent):
    def __init__(self, *, reactor, proxy: tuple[str, int], contextFactory, connectTimeout=None, bindAddress=None,
                 pool=None):
        super().__init__(reactor, contextFactory, connectTimeout, bindAddress, pool)
        self._proxy = proxy
        self._contextFactory = contextFactory

    def _getEndpoint(self, uri) -> Socks5Endpoint:
        host = uri.host.decode("ascii") if isinstance(uri.host, bytes) else uri.host
        tls = self._contextFactory.creatorForNetloc(uri.host, uri.port) if uri.scheme == b"https" else None
        return Socks5Endpoint(self._reactor, self._proxy, host, uri.port, tls,
                              timeout=self._endpointFactory._connectTimeout or 30,
                              bindAddress=self._endpointFactory._bindAddress)

    def _requestWithEndpoint(self, key, endpoint, method, parsedURI, headers, bodyProducer, requestPath):
        # Pooled connections are tunnels to one site through one proxy.
        key += ("socks5", *self._proxy)
        return super()._requestWithEndpoint(key, endpoint, method, parsedURI, headers, bodyProducer, requestPath)


class _SocksScrapyAgent(_ScrapyAgent):
    def __init__(self, proxy: str, **kwargs):
        super().__init__(**kwargs)
        parts = urlsplit(proxy)
        self._proxy = (parts.hostname or "", parts.port or 1080)

    def _get_agent(self, request, timeout: float):
        from twisted.internet import reactor

        return _SocksAgent(reactor=reactor, proxy=self._proxy, contextFactory=self._contextFactory,
                           connectTimeout=timeout, bindAddress=self._bindAddress, pool=self._pool)


_scrapy_playwrights_read = playwright_handler._get_page_content


async def _dom_unless_navigating(*, page, **details) -> str:
    """scrapy-playwright reads a rendered page's DOM for the response it builds right after the navigation, tries
    once more at once when Playwright refuses ("the page is navigating": a script's reload, a challenge clearing
    just then) and fails the download on a second refusal. That body is never kept: every rendering hands its
    page over, and the render middleware reads the DOM itself once the page has landed (``crawler.render``,
    ``crawler.acting.page_content``). So a refusal there gives an empty body instead of failing the page."""
    try:
        return await _scrapy_playwrights_read(page=page, **details)
    except PlaywrightError as exc:
        if "navigating" not in str(exc):
            raise
        return ""


# A private name of scrapy-playwright's (pinned in pyproject.toml); tests/test_render.py proves it still takes effect.
playwright_handler._get_page_content = _dom_unless_navigating


class DownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler (Chromium for pages that need it, Scrapy's HTTP/1.1 for the rest), plus
    SOCKS5 for plain requests.

    Playwright starts with the first page that needs a browser, not with the engine: scrapy-playwright
    would start its driver (a node process of ~120 MB) at once, one per scheme's handler, for a crawl of
    static pages that never renders one.

    A browser download gets one hard bound (``BROWSER_SLACK_S`` beyond the navigation timeout): after the
    navigation, scrapy-playwright awaits Playwright calls that have no timeout of their own, and Chromium can
    leave one waiting for ever (``response.all_headers()`` when a page reloads at once and the headers' event
    never comes): that page fails as a timeout, the run goes on (the render middleware closes its page)."""

    BROWSER_SLACK_S = 30

    def __init__(self, crawler):
        super().__init__(crawler)
        launch = self._maybe_launch_in_thread if _SCRAPY_ASYNC_API else self._engine_started
        crawler.signals.disconnect(launch, signals.engine_started)
        self._launched = False
        self._launching = asyncio.Lock()
        self._browser_bound = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180) + self.BROWSER_SLACK_S

    async def _launch_once(self) -> None:
        async with self._launching:
            if not self._launched:
                await self._maybe_future_from_coro(self._launch())
                self._launched = True

    async def download_request(self, request):
        if request.meta.get("playwright"):
            if not self._launched:
                await self._launch_once()
            # A page kept from an earlier rendering, or a place in the context's budget for a new one (crawler.pages).
            pool, context, place = request.meta.get(PAGE_POOL), request.meta.get("playwright_context"), None
            if pool is not None and request.meta.get("playwright_page") is None:
                request.meta["playwright_page"], place = await pool.page(context)
                request.meta[PLACE] = place
            try:
                return await asyncio.wait_for(super().download_request(request), self._browser_bound)
            except TimeoutError:
                raise DownloadTimeoutError(f"the browser did not hand the page over within "
                                           f"{self._browser_bound:.0f} s") from None
            finally:
                if place is not None:
                    pool.release(context, place)
        proxy = request.meta.get(PROXY)
        if proxy and is_socks(proxy) and not request.meta.get("playwright"):
            agent = _SocksScrapyAgent(
                proxy, contextFactory=self._contextFactory, bindAddress=self._bind_address, pool=self._pool,
                maxsize=self._default_maxsize, warnsize=self._default_warnsize,
                fail_on_dataloss=self._fail_on_dataloss, crawler=self._crawler,
                tls_verbose_logging=self._tls_verbose_logging)
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        return await super().download_request(request)
