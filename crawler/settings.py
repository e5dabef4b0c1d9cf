"""Scrapy settings, built once from the typed config; nothing else reads raw settings."""

from __future__ import annotations

from typing import Any

from scrapy.settings.default_settings import EXTENSIONS_BASE

from config import CrawlSettings
from crawler.pageguard import chromium_guard_args

# Chromium on a closed network, as root in CI: no sandbox (no user namespaces there), and none of
# the background traffic that would otherwise be refused at every start. The address guard's own
# flags (crawler.pageguard.chromium_guard_args) depend on the allow-list and are added per crawl.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--disable-quic",
    "--disable-features=BackForwardCache",
]


UNUSED_EXTENSIONS = ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl")


def browser_locale(accept_language: str) -> str:
    """Chromium's locale for an Accept-Language value: its first language range ("ru-RU"; "*" -> "ru-RU")."""
    first = accept_language.split(",")[0].split(";")[0].strip()
    return "ru-RU" if first == "*" else first


def scrapy_settings(crawl: CrawlSettings, render: dict[str, str] | None = None,
                    proxies: dict[str, str] | None = None) -> dict[str, Any]:
    """``render`` and ``proxies``: the companies' own policies, by company id. The recorder is not a
    setting (Scrapy deep-copies settings): components reach it as ``crawler.spider.recorder``."""
    return {
        "BOT_NAME": "policy-archive",
        "USER_AGENT": crawl.user_agent,
        # A Kazakhstani reader's browser's languages (crawl.accept_language); a probe's own header wins.
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                                    "Accept-Language": crawl.accept_language},
        "ROBOTSTXT_OBEY": crawl.obey_robots_txt,
        # What one response yields (a capture or two, the requests for its links) is handled by this many
        # asyncio tasks, created afresh for every response: Scrapy's 100 cost ~20% of the crawl process's
        # CPU on an unchanged re-crawl; the captures wait for the one recorder anyway (ADR 0014).
        "CONCURRENT_ITEMS": 8,
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_host,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "DOWNLOAD_TIMEOUT": crawl.download_timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_response_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        # Connection trouble is retried once at once (Scrapy's RetryMiddleware); HTTP answers that mean
        # "not now" are crawler.retry's, which waits before asking again.
        "RETRY_TIMES": 1,
        "RETRY_HTTP_CODES": [],
        "POLICY_ARCHIVE_RETRIES": crawl.retries,
        "POLICY_ARCHIVE_MAX_RETRY_WAIT": crawl.max_retry_wait,
        # A <meta http-equiv="refresh"> is a link the spider follows, not a redirect: the page is archived.
        "METAREFRESH_ENABLED": False,
        # Error pages are captures too: the spider records them as failed observations.
        "HTTPERROR_ALLOW_ALL": True,
        "COOKIES_ENABLED": True,
        "REDIRECT_MAX_TIMES": 10,
        # Neither console is used. They are left out of Scrapy's own list, not set to None in EXTENSIONS: Scrapy
        # imports every module either list names, and the remote control's imports aiohttp (~0.11 s a crawl).
        "EXTENSIONS_BASE": {path: order for path, order in EXTENSIONS_BASE.items() if path not in UNUSED_EXTENSIONS},
        "LOG_LEVEL": "WARNING",
        "LOG_INSTALL_ROOT_HANDLER": False,  # the CLI configures logging
        "LOGSTATS_INTERVAL": 0,
        # Breadth first (with the spider's priorities) so depths recorded are the shortest.
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "DEPTH_LIMIT": 0,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOADER_MIDDLEWARES": {
            # Below HttpCompressionMiddleware (590), so it judges decoded bodies; above nothing else.
            "crawler.render.RenderMiddleware": 580,
            # Above the render decision, so a 503 is waited out before it counts as refusing plain clients.
            "crawler.retry.TransientRetryMiddleware": 585,
            # Before Scrapy's HttpProxyMiddleware (750), which reads the proxy it sets.
            "crawler.proxy.ProxyMiddleware": 745,
            "crawler.conditional.ConditionalFetchMiddleware": 950,
            # Last before the network, first after it: checks every hop of every redirect.
            "crawler.guard.AddressGuardMiddleware": 990,
        },
        "ITEM_PIPELINES": {"crawler.pipeline.ArchivePipeline": 100},
        "POLICY_ARCHIVE_WORKERS": crawl.workers,
        "POLICY_ARCHIVE_ALLOW_PRIVATE": list(crawl.allow_private_addresses),
        # Rendering: per-company policies; the browser starts only when a page needs it.
        "POLICY_ARCHIVE_RENDER": dict(render or {}),
        "POLICY_ARCHIVE_RENDER_DEFAULT": crawl.render,
        "POLICY_ARCHIVE_RENDER_WAIT_MS": int(crawl.render_wait * 1000),
        "POLICY_ARCHIVE_MAX_CLICKS": crawl.max_clicks,
        "POLICY_ARCHIVE_PROXY": crawl.proxy,
        "POLICY_ARCHIVE_PROXIES": dict(proxies or {}),
        # scrapy-playwright's handler, plus SOCKS5 for plain requests.
        "DOWNLOAD_HANDLERS": {"http": "crawler.proxy.DownloadHandler", "https": "crawler.proxy.DownloadHandler"},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": crawl.chromium, "headless": True, "args": [
            *CHROMIUM_ARGS,
            *chromium_guard_args(crawl.allow_private_addresses, [crawl.proxy, *(proxies or {}).values()])]},
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": crawl.download_timeout * 1000,
        # Pages open at once in a browser context: bounded by crawler.pages (which keeps pages for the next
        # rendering); scrapy-playwright's own bound only backs it up, out of its way.
        "POLICY_ARCHIVE_RENDER_PAGES": crawl.render_pages,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2 * crawl.render_pages,
        # No PLAYWRIGHT_CONTEXTS: with one declared, Chromium would start with every crawl. The render
        # middleware names its context and passes these options, so the browser starts on first use.
        "POLICY_ARCHIVE_RENDER_CONTEXT": {"user_agent": crawl.user_agent, "viewport": {"width": 1280, "height": 900},
                                          "service_workers": "block", "accept_downloads": True,
                                          # The same reader in the browser: navigator.language and every
                                          # request the page makes, not only the one Scrapy hands it.
                                          "locale": browser_locale(crawl.accept_language),
                                          "extra_http_headers": {"Accept-Language": crawl.accept_language}},
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
    }
