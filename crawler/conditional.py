"""Re-crawl unchanged pages almost for free: conditional requests answered from the archive.

A request for a URL the archive already holds carries ``If-None-Match`` / ``If-Modified-Since``
from the last capture's headers. A ``304 Not Modified`` is turned back into the stored response
(flagged ``not_modified``) so the spider still sees the page's links, and the recorder stores
nothing new. Servers that ignore validators cost a download; the recorder then compares hashes.
"""

from __future__ import annotations

from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from archive.records import SERVER

NOT_MODIFIED = "not_modified"


class ConditionalFetchMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def recorder(self):
        # Its map of the newest stored body per URL is kept current as the run goes.
        return self.crawler.spider.recorder

    def process_request(self, request):
        if "render" in request.meta:
            return None  # a browser must get the whole page
        last = self.recorder.last.get((request.url, SERVER, request.meta.get("variant", "")))
        if last is None or last.failure:
            return None
        if etag := last.headers.get("etag"):
            request.headers.setdefault(b"If-None-Match", etag.encode("latin-1"))
        if modified := last.headers.get("last-modified"):
            request.headers.setdefault(b"If-Modified-Since", modified.encode("latin-1"))
        return None

    def process_response(self, request, response):
        if response.status != 304:
            return response
        last = self.recorder.last.get((request.url, SERVER, request.meta.get("variant", "")))
        try:
            body = self.recorder.blobs.get(last.sha256) if last is not None else None
        except FileNotFoundError:
            body = None
        if body is None:
            return response  # recorded as a failed fetch (http 304 without a stored body)
        headers = Headers(last.headers)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=body)
        return cls(url=request.url, status=200, headers=headers, body=body, request=request,
                   flags=[*response.flags, NOT_MODIFIED], ip_address=response.ip_address)
