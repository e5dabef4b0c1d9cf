"""Rendering with real Chromium (Debian's, through scrapy-playwright) against loopback fixture sites."""

from __future__ import annotations

import json

import psutil
import pytest

from archive.blobs import BlobStore
from archive.models import Document, Snapshot, Version
from crawler.demo.server import FixtureServer, FixtureSite, Listener, Route
from crawler.render import render_reason
from tests.conftest import company
from tests.pages import RU_CLAUSES, home_page, policy_page

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching

APP_SHELL = ('<!doctype html><html><head><meta charset="utf-8"><title>Загрузка…</title></head>'
             '<body><div id="app"></div><script src="/app.js"></script></body></html>')


def _app(script: str) -> str:
    """A script that builds the page, as single-page apps do."""
    return "document.addEventListener('DOMContentLoaded', () => {" + script + "});"


POLICY_JS = _app(
    "document.title = 'Политика конфиденциальности';"
    "const app = document.getElementById('app');"
    "app.innerHTML = '<h1>Политика конфиденциальности</h1>' + "
    + json.dumps("".join(f"<p>{i}. {c}</p>" for i, c in enumerate(RU_CLAUSES, 1)), ensure_ascii=False) + ";"
)
HOME_JS = _app(
    "document.getElementById('app').innerHTML = '<p>Банк</p><footer>"
    "<a href=\"/spa/privacy\">Политика конфиденциальности</a> <a href=\"/spa/missing\">Публичная оферта</a>"
    "</footer>';"
)
NOT_FOUND_JS = _app("document.getElementById('app').innerHTML = '<h1>Страница не найдена</h1><p>Ошибка 404</p>';")


class ScriptSite(FixtureSite):
    """Serves the app shell at every /spa/ path and the script that fills it for that path."""

    def __init__(self, scripts: dict[str, str], **kwargs):
        super().__init__(**kwargs)
        for path, script in scripts.items():
            self.routes[path] = Route(body=APP_SHELL.replace("/app.js", f"/js{path}.js"))
            self.routes[f"/js{path}.js"] = Route(body=script, content_type="application/javascript")



def test_render_reason_decides_from_the_plain_response():
    static = policy_page("Политика конфиденциальности", RU_CLAUSES).encode()
    assert render_reason("auto", 200, "text/html", static, "document") is None
    assert render_reason("auto", 200, "text/html", static.replace(b"</body>", b"<script>x()</script></body>"),
                         "document") is None  # scripts, but the text is there
    assert render_reason("auto", 200, "text/html", APP_SHELL.encode(), "document") == "app_shell"
    assert render_reason("auto", 403, "text/html", b"Forbidden", "document") == "plain_client_refused_403"
    assert render_reason("auto", 200, "application/pdf", b"%PDF-1.7", "document") is None
    assert render_reason("never", 200, "text/html", APP_SHELL.encode(), "document") is None
    assert render_reason("always", 200, "text/html", static, "document") == "always"
    assert render_reason("auto", 301, "text/html", APP_SHELL.encode(), "home") is None


def test_an_app_shell_is_rendered_its_script_links_followed_and_both_snapshots_kept(archive):
    site = ScriptSite({"/spa/": HOME_JS, "/spa/privacy": POLICY_JS, "/spa/missing": NOT_FOUND_JS})
    with FixtureServer(site) as server:
        # render_wait 2: the shell's home and "not found" views are short, and a rendering waits that long for text.
        archive.write_config([company("bank", server.url("/spa/"))], render_wait=2)
        result = archive.crawl()
    assert result.code == 1, result.err  # the single-page app's "not found" view is not a document

    docs = {d.url.rsplit("/", 1)[1]: d for d in archive.rows(Document)}
    assert set(docs) == {"privacy", "missing"}
    privacy = docs["privacy"]
    assert (privacy.status, privacy.doc_type, privacy.depth) == ("available", "privacy_policy", 1)
    assert docs["missing"].status == "unavailable" and docs["missing"].last_failure.startswith("soft_404")

    versions = archive.rows(Version)
    assert len(versions) == 1 and RU_CLAUSES[3] in versions[0].text

    snaps = archive.rows(Snapshot, Snapshot.document_id == privacy.id)
    server_snap = next(s for s in snaps if s.kind == "server")
    rendered = next(s for s in snaps if s.kind == "rendered")
    assert rendered.parent_id == server_snap.id and rendered.render_reason == "app_shell"
    assert versions[0].snapshot_id == rendered.id
    blobs = BlobStore(archive.data / "blobs")
    assert blobs.get(server_snap.sha256) == APP_SHELL.replace("/app.js", "/js/spa/privacy.js").encode()
    assert RU_CLAUSES[3].encode() in blobs.get(rendered.sha256)  # the DOM, not what the server sent
    png = blobs.get(rendered.screenshot_sha256)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_static_pages_are_never_rendered_in_auto_and_app_shells_not_in_never(archive):
    site = ScriptSite({"/spa/privacy": POLICY_JS}, routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности", "/spa/privacy": "Публичная оферта"})),
        "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), render="never")])
        archive.crawl()
        assert not [r for r in site.requests if r.header("Sec-Fetch-Mode")]  # no browser at all
        assert {s.kind for s in archive.rows(Snapshot)} == {"server"}
        shell = archive.rows(Snapshot, Snapshot.url.endswith("/spa/privacy"))
        assert [s.failure for s in shell] == ["no_text"]

        archive.write_config([company("bank", server.url("/"))])  # auto
        site.clear_log()
        archive.crawl()
    browser_paths = {r.path for r in site.requests if r.header("Sec-Fetch-Mode")}
    assert browser_paths == {"/spa/privacy", "/js/spa/privacy.js"}


def test_a_page_behind_a_403_for_plain_clients_is_captured_by_the_browser(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/terms": "Пользовательское соглашение"})),
        "/terms": Route(body=policy_page("Пользовательское соглашение", RU_CLAUSES), browser_only=True),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        result = archive.crawl()
    assert result.code == 0, result.out + result.err
    rendered = archive.rows(Snapshot, Snapshot.kind == "rendered", Snapshot.variant == "")  # not the kk probe
    assert [(s.render_reason, s.status_code, s.outcome) for s in rendered] == [("plain_client_refused_403", 200, "new")]
    assert len(archive.rows(Version)) == 1


def test_a_script_calling_an_unlisted_loopback_address_is_blocked_and_recorded(archive):
    listener = Listener("127.0.0.99").start()
    spy = _app(f"fetch('{listener.base_url}/track?u=1').catch(() => {{}});"
               f"const i = new Image(); i.src = '{listener.base_url}/pixel.gif';") + POLICY_JS
    site = ScriptSite({"/spa/privacy": spy}, routes={
        "/": Route(body=home_page({"/spa/privacy": "Политика конфиденциальности"})),
    })
    try:
        with FixtureServer(site) as server:
            archive.write_config([company("bank", server.url("/"))])
            assert archive.crawl().code == 0
    finally:
        listener.stop()
    assert listener.connections == 0
    rendered = archive.rows(Snapshot, Snapshot.kind == "rendered", Snapshot.variant == "")  # not the kk probe
    assert len(rendered) == 1
    blocked = {b["url"].split("/")[-1]: b["reason"] for b in rendered[0].blocked}
    assert set(blocked) == {"track?u=1", "pixel.gif"}
    assert all(r.startswith("blocked_address: 127.0.0.99") for r in blocked.values())
    assert len(archive.rows(Version)) == 1  # the page itself is still archived


def test_a_page_that_never_stops_loading_is_captured_within_bounds(archive):
    hanging = POLICY_JS + _app("const i = new Image(); i.src = '/hang.png'; document.body.appendChild(i);")
    site = ScriptSite({"/spa/privacy": hanging}, routes={
        "/": Route(body=home_page({"/spa/privacy": "Политика конфиденциальности"})),
        "/hang.png": Route(body=b"", content_type="image/png", delay=120),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], download_timeout=20, render_wait=2)
        result = archive.crawl(timeout=90)  # the image alone would hold the page for two minutes
    assert result.code == 0, result.err
    versions = archive.rows(Version)
    assert len(versions) == 1 and RU_CLAUSES[0] in versions[0].text


class CrashingSite(ScriptSite):
    """Kills every Chromium process of the crawl when the browser asks for ``crash_on``."""

    def __init__(self, *args, crash_on: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.crash_on = crash_on
        self.crawl_pid: int | None = None
        self.killed = 0

    def respond(self, method, target, request_headers, base_url):
        if target == self.crash_on and self.crawl_pid and not self.killed:
            for proc in psutil.Process(self.crawl_pid).children(recursive=True):
                if "chrom" in proc.name().lower():
                    proc.kill()
                    self.killed += 1
        return super().respond(method, target, request_headers, base_url)


def test_a_browser_crash_costs_that_page_not_the_run(archive):
    docs = [f"/spa/doc{n}" for n in range(6)]
    site = CrashingSite({d: POLICY_JS.replace("Политика конфиденциальности", f"Политика конфиденциальности {d}")
                         for d in docs},
                        routes={"/": Route(body=home_page({d: f"Политика конфиденциальности {d}" for d in docs}))},
                        crash_on="/js/spa/doc2.js")
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], concurrent_per_host=1, render_pages=1)
        proc = archive.start_crawl()
        site.crawl_pid = proc.pid
        out, err = proc.communicate(timeout=240)
    assert site.killed > 0, "the browser was never killed: the test proved nothing"
    assert proc.returncode in (0, 1), err[-3000:]
    rendered_docs = {d.url.rsplit("/", 1)[1] for d in archive.rows(Document, Document.status == "available")}
    # doc2 may fail with the browser under it; the documents after it are rendered by a new browser.
    assert {"doc3", "doc4", "doc5"} <= rendered_docs
    assert len(archive.rows(Version)) == len(rendered_docs)


def test_a_kept_page_carries_nothing_from_one_rendering_to_the_next(archive):
    """Renderings share browser pages (crawler.pages): with one page for the whole crawl, every document is
    rendered in the same tab, and each must see its own page only: no session storage of the last one, its
    own text. The tab's history shows that the page was kept, and that it was closed after USES_PER_PAGE."""
    from crawler.pages import USES_PER_PAGE

    docs = [f"/spa/doc{n}" for n in range(USES_PER_PAGE + 1)]  # one tab would reach 2 × USES_PER_PAGE + 1
    clauses = json.dumps("".join(f"<p>{c}</p>" for c in RU_CLAUSES), ensure_ascii=False)
    scripts = {d: _app(f"const seen = sessionStorage.getItem('seen'); sessionStorage.setItem('seen', '{d}');"
                       f"document.getElementById('app').innerHTML = '<p>Документ {d}.</p>' + {clauses} + "
                       "'<p>tab history ' + history.length + ', before: ' + (seen || 'nothing') + '</p>';")
               for d in docs}
    site = ScriptSite(scripts, routes={"/": Route(body=home_page({d: f"Политика конфиденциальности {d}"
                                                                   for d in docs}))})
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], concurrent_per_host=1, render_pages=1, render_wait=2)
        result = archive.crawl()
    assert result.code == 0, result.err[-3000:]
    texts = dict(archive.sql("SELECT d.url, v.text FROM versions v JOIN documents d ON d.id = v.document_id"))
    texts = {url.split("/", 3)[-1]: text for url, text in texts.items()}
    assert sorted(texts) == sorted(d.lstrip("/") for d in docs)
    histories = []
    for path, text in texts.items():
        assert f"Документ /{path}." in text and "before: nothing" in text, text[-300:]
        histories.append(int(text.split("tab history ")[1].split(",")[0]))
    # A kept tab has been to about:blank and to the last document before this one: two entries more each time.
    assert max(histories) > 2, "no page was ever kept: the test proved nothing"
    assert max(histories) <= 2 * USES_PER_PAGE


def test_the_page_budget_waits_for_a_page_to_come_back_close_or_never_be_made():
    """crawler.pages bounds the pages open at once: a third rendering with two places taken waits until a page
    comes back (it gets that page), until one closes, or until a rendering that held a place made none."""
    import asyncio

    from playwright.async_api import async_playwright

    from crawler.pages import PagePool
    from crawler.settings import CHROMIUM_ARGS

    async def scenario():
        pool = PagePool(2)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                context = await browser.new_context()
                (none_a, place_a), (none_b, place_b) = await pool.page("c"), await pool.page("c")
                assert none_a is None and none_b is None
                page_a = await context.new_page()
                pool.placed("c", page_a, place_a)
                third = asyncio.ensure_future(pool.page("c"))
                await asyncio.sleep(0.3)
                assert not third.done()  # two places taken: a page made for each, or about to be
                pool.give("c", page_a)
                assert (await asyncio.wait_for(third, 10)) == (page_a, None)  # the kept page, emptied
                assert page_a.url == "about:blank"
                fourth = asyncio.ensure_future(pool.page("c"))
                await asyncio.sleep(0.3)
                assert not fourth.done()
                await page_a.close()  # a page that closes frees its place
                assert (await asyncio.wait_for(fourth, 10))[0] is None
                fifth = asyncio.ensure_future(pool.page("c"))
                await asyncio.sleep(0.3)
                assert not fifth.done()
                pool.release("c", place_b)  # that rendering failed before its page was made
                assert (await asyncio.wait_for(fifth, 10))[0] is None
            finally:
                await browser.close()

    asyncio.run(scenario())


def test_no_more_tabs_wait_idle_than_render_pages_over_all_contexts():
    """A language state's browser context renders a company's pages once: its kept tabs must not wait for the
    end of the crawl. Over all contexts at most ``render_pages`` tabs are kept idle, the longest kept closed."""
    import asyncio

    from playwright.async_api import async_playwright

    from crawler.pages import PagePool
    from crawler.settings import CHROMIUM_ARGS

    async def until(condition) -> None:
        for _ in range(200):
            if condition():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("not within 10 s")

    async def scenario():
        pool = PagePool(2)
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                state, plain = await browser.new_context(), await browser.new_context()
                tabs = [await state.new_page(), await plain.new_page(), await plain.new_page()]
                for tab, context in zip(tabs, ("state", "plain", "plain"), strict=True):
                    pool.placed(context, tab, None)
                pool.give("state", tabs[0])
                await until(lambda: pool.idle.get("state"))
                pool.give("plain", tabs[1])
                pool.give("plain", tabs[2])
                await until(lambda: tabs[0].is_closed())  # kept first: closed when a third tab waited
                assert sorted(pool.idle["plain"], key=tabs.index) == tabs[1:] and not pool.idle["state"]
                assert not tabs[1].is_closed() and not tabs[2].is_closed()
            finally:
                await browser.close()

    asyncio.run(scenario())


def test_a_rendered_page_is_rendered_again_on_a_recrawl_despite_etags(archive):
    site = ScriptSite({"/spa/privacy": POLICY_JS}, routes={
        "/": Route(body=home_page({"/spa/privacy": "Политика конфиденциальности"})),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        site.clear_log()
        second = archive.crawl()
    assert second.code == 0, second.out + second.err
    browser = [r for r in site.requests if r.header("Sec-Fetch-Mode") and r.path == "/spa/privacy"]
    assert browser and not any(r.header("If-None-Match") or r.header("If-Modified-Since") for r in browser)
    rendered = archive.rows(Snapshot, Snapshot.kind == "rendered", Snapshot.variant == "")  # not the kk probe
    assert [s.outcome for s in rendered] in (["new", "unchanged"], ["new", "new"])
    assert len(archive.rows(Version)) == 1


def test_the_dom_is_read_while_a_script_keeps_reloading_the_page():
    """Playwright refuses ``page.content()`` while one document replaces another ("the page is navigating"),
    which a challenge clearing late did to a capture (a CI run): the renderer's read waits for the next
    document instead. A big page reloading itself at random moments, read 40 times in a row: every read
    answers (plain ``page.content()`` failed ~1 read in 5 here), and the last is the settled page."""
    import asyncio

    from playwright.async_api import async_playwright

    from crawler.acting import page_content
    from crawler.settings import CHROMIUM_ARGS

    words = "".join(f"<div><span>слово {i}</span></div>" for i in range(10_000))
    script = ("<script>var n = +(sessionStorage.n || 0); sessionStorage.n = n + 1;"
              "if (n < 12) setTimeout(() => location.reload(), Math.random() * 30);"
              "else document.body.append('settled');</script>")
    site = FixtureSite(routes={"/": Route(body=f"<html><body>{words}{script}</body></html>")})

    async def read(url: str) -> tuple[int, str]:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page()
                await page.goto(url)
                reads = [await page_content(page) for _ in range(40)]
                await page.wait_for_function("document.body.innerText.includes('settled')", timeout=30_000)
                return len(reads), await page_content(page)
            finally:
                await browser.close()

    with FixtureServer(site) as server:
        count, last = asyncio.run(read(server.url("/")))
    assert count == 40 and "settled" in last


def test_a_page_reloading_itself_as_it_loads_is_captured_once_it_lands(archive):
    """scrapy-playwright reads a rendered page's DOM right after the navigation, tries once more at once when
    Playwright refuses ("the page is navigating": a script's reload, a challenge clearing just then) and fails
    the download on a second refusal: a CI run lost a document that way. That read is not what is kept (the
    render middleware reads the DOM itself once the page has landed), so a refusal there costs nothing now.
    Each rendering of this page reloads itself eight times at random moments as it loads (a big DOM, slow to
    read), then shows the policy; three such pages must all be archived with the policy's text."""
    words = "".join(f"<div><span>слово {i}</span></div>" for i in range(4000))
    policy = json.dumps("".join(f"<p>{c}</p>" for c in RU_CLAUSES), ensure_ascii=False)
    script = ("var n = +(sessionStorage.n || 0); sessionStorage.n = n + 1;"
              "if (n < 8) setTimeout(() => location.reload(), Math.random() * 20);"
              f"else document.getElementById('app').innerHTML = {policy};")
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>Политика</title></head><body>'
            f'<template>{words}</template><div id="app"></div><script>{script}</script></body></html>')
    docs = [f"/privacy/{n}" for n in range(3)]
    site = FixtureSite(routes={"/": Route(body=home_page({d: f"Политика конфиденциальности {d}" for d in docs})),
                               **{d: Route(body=page) for d in docs}})
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), render="always")])
        result = archive.crawl(timeout=240)
    available = archive.rows(Document, Document.status == "available")
    assert sorted(d.url.split("/", 3)[-1] for d in available) == [d.lstrip("/") for d in docs], (
        [(d.url, d.last_failure) for d in archive.rows(Document)], result.err[-2000:])
    versions = archive.rows(Version)
    assert len(versions) == 3 and all(RU_CLAUSES[0] in v.text for v in versions)
