"""Scrapy settings, built once from the typed config; nothing else reads raw settings."""

from __future__ import annotations

from typing import Any

from config import CrawlSettings


def scrapy_settings(crawl: CrawlSettings) -> dict[str, Any]:
    """The recorder is not a setting (Scrapy deep-copies settings): components reach it as
    ``crawler.spider.recorder``."""
    return {
        "BOT_NAME": "policy-archive",
        "USER_AGENT": crawl.user_agent,
        "ROBOTSTXT_OBEY": crawl.obey_robots_txt,
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_host,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "DOWNLOAD_TIMEOUT": crawl.download_timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_response_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_TIMES": 1,
        # Error pages are captures too: the spider records them as failed observations.
        "HTTPERROR_ALLOW_ALL": True,
        "COOKIES_ENABLED": True,
        "REDIRECT_MAX_TIMES": 10,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "LOG_INSTALL_ROOT_HANDLER": False,  # the CLI configures logging
        "LOGSTATS_INTERVAL": 0,
        # Breadth first (with the spider's priorities) so depths recorded are the shortest.
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "DEPTH_LIMIT": 0,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.conditional.ConditionalFetchMiddleware": 950,
            # Last before the network, first after it: checks every hop of every redirect.
            "crawler.guard.AddressGuardMiddleware": 990,
        },
        "ITEM_PIPELINES": {"crawler.pipeline.ArchivePipeline": 100},
        "POLICY_ARCHIVE_ALLOW_PRIVATE": list(crawl.allow_private_addresses),
    }
