"""Browser pages kept from one rendering to the next, and the budget of pages open at once.

A new page costs Chromium a renderer process started and torn down; a page kept and sent to the next URL
costs neither (ADR 0014 §13). A page given back is emptied first: its session storage cleared, then
``about:blank`` (the last document's scripts stop), so the next rendering starts, as a new page would, from
nothing but its browser context's cookies and storage. A page is used for ``USES_PER_PAGE`` renderings, then
closed: a renderer that lives on grows by each document it showed. At most ``crawl.render_pages`` tabs wait
idle over all contexts (the longest kept is closed first).

The pool is also what bounds the pages open at once in each browser context (``crawl.render_pages``):
scrapy-playwright's own count is set out of the way (``crawler.settings``), since a page kept open would hold
one of its places while a rendering waited for it. The crawl's download handler (``crawler.proxy``) asks
for a page when a rendering is downloaded, never while its request waits in a queue; scrapy-playwright makes
a new one (and restarts a browser that died) as before, and the page's init callback (``crawler.pageguard``)
tells the pool which page took the place it held.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import weakref

log = logging.getLogger("policy_archive.render")

USES_PER_PAGE = 5
CLEAR_SESSION = "() => { try { sessionStorage.clear(); } catch (e) {} }"
PAGE_POOL = "page_pool"  # request meta: the pool a rendering's page comes from
PLACE = "page_place"  # request meta: the place held for the page scrapy-playwright makes for it


class PagePool:
    def __init__(self, limit: int):
        self.limit = limit
        self.idle: dict[str, list] = {}  # by browser context name: pages emptied, ready
        self.open: dict[str, set] = {}  # by browser context name: pages open, and places held for new ones
        self._uses: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # renderings each tab served
        self._waiters: list[asyncio.Future] = []
        self._emptying: set[asyncio.Task] = set()
        self._kept_at: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # when each idle tab was kept
        self._clock = itertools.count()

    async def page(self, context: str):
        """``(page, None)``: a kept page for a rendering in ``context``; ``(None, place)``: none is kept and the
        budget allows another, whose place is held until ``placed`` or ``release``. Waits while neither."""
        while True:
            pages = self.open.setdefault(context, set())
            pages -= {page for page in pages if _gone(page)}
            idle = self.idle.setdefault(context, [])
            while idle:
                page = idle.pop()
                if page in pages:
                    return page, None
            if len(pages) < self.limit:
                place = _Place()
                pages.add(place)
                return None, place
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            # Woken when a page comes back, closes or takes its place; a browser that died says none of it.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, 1)

    def placed(self, context: str, page, place: _Place | None) -> None:
        """``page`` (made for a rendering, or handed over again) is open in ``context``: it takes ``place``."""
        pages = self.open.setdefault(context, set())
        if place is not None:
            pages.discard(place)
        if page not in pages:
            pages.add(page)
            page.once("close", lambda _page: self._wake())
        self._wake()

    def release(self, context: str, place: _Place) -> None:
        """The rendering that held ``place`` ended without a page taking it (it failed before one was made)."""
        if place in self.open.get(context, ()):
            self.open[context].discard(place)
            self._wake()

    def give(self, context: str, page) -> None:
        """Keep ``page`` for the context's next rendering once it is emptied (in the background); close one
        that cannot be, or has been used enough."""
        self._background(self._empty(context, page))

    async def _empty(self, context: str, page) -> None:
        self._uses[page] = self._uses.get(page, 0) + 1
        try:
            if self._uses[page] >= USES_PER_PAGE:
                await _close(page)
                return
            await asyncio.wait_for(page.evaluate(CLEAR_SESSION), 5)
            await asyncio.wait_for(page.goto("about:blank"), 10)
            self.idle.setdefault(context, []).append(page)
            self._kept_at[page] = next(self._clock)
            self._evict()
        except Exception as exc:  # a page that cannot be emptied is not kept
            log.debug("a rendered page was not kept: %s", exc)
            await _close(page)
        finally:
            self._wake()

    def _evict(self) -> None:
        """At most ``limit`` tabs idle over all contexts: a language state's context (spiders.states) renders a
        company's pages once, and its tabs would otherwise wait for the end of the crawl. The tab kept longest
        is closed first."""
        kept = sorted((self._kept_at.get(page, 0), context, page)
                      for context, pages in self.idle.items() for page in pages)
        for _, context, page in kept[:max(0, len(kept) - self.limit)]:
            self.idle[context].remove(page)
            self._background(_close(page))

    def _background(self, work) -> None:
        task = asyncio.ensure_future(work)
        self._emptying.add(task)  # (a task nobody holds may be collected before it is done)
        task.add_done_callback(self._emptying.discard)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


class _Place:
    """A place in a context's budget, held while scrapy-playwright makes the page."""


async def _close(page) -> None:
    with contextlib.suppress(Exception):  # a browser that stopped answering is restarted by scrapy-playwright
        await asyncio.wait_for(page.close(), 10)


def _gone(page) -> bool:
    if isinstance(page, _Place):
        return False
    try:
        return page.is_closed() or not page.context.browser.is_connected()
    except Exception:  # a context without its browser: gone with it
        return True
