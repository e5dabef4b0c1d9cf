"""End-to-end crawls: the real CLI in a subprocess against fixture sites on loopback, real SQLite."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from datetime import date

import psutil
import pytest

from archive.models import Document, Run, Snapshot, Version
from crawler.demo.server import FixtureServer, FixtureSite, Listener, Route
from tests.conftest import REPO, company
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page


def _site() -> FixtureSite:
    return FixtureSite(routes={
        "/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности", "/ru/offer": "Публичная оферта"})),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
        "/ru/offer": Route(body=policy_page("Публичная оферта", RU_CLAUSES[::-1])),
        "/credits": Route(body=policy_page("Кредиты", ["Кредит наличными до 5 млн тенге."] * 10)),
    })



def test_two_identical_crawls_make_no_new_version_and_store_no_new_blob(archive):
    with FixtureServer(_site()) as server:
        archive.write_config([company("bank", server.url("/"))])
        first = archive.crawl()
        assert first.code == 0, first.err
        blobs_after_first = sorted(p.name for p in (archive.data / "blobs").rglob("*") if p.is_file())
        second = archive.crawl()
        assert second.code == 0, second.err
    blobs_after_second = sorted(p.name for p in (archive.data / "blobs").rglob("*") if p.is_file())
    assert blobs_after_first == blobs_after_second
    versions = archive.rows(Version)
    assert len(versions) == 2  # privacy + offer, once each
    runs = archive.rows(Run)
    assert [r.summary["new_versions"] for r in runs] == [2, 0]
    assert runs[1].summary["bytes_stored"] == 0
    assert "new versions: 0" in second.out


@pytest.mark.parametrize("etag", [True, False], ids=["conditional-get", "hash-compare"])
def test_a_content_switch_gives_exactly_one_new_version(archive, etag):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности"}), etag=etag),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES), etag=etag),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        changed = RU_CLAUSES[:2] + ["Персональные данные хранятся не более трех лет."] + RU_CLAUSES[3:]
        site.routes["/ru/privacy"] = Route(body=policy_page("Политика конфиденциальности", changed), etag=etag)
        assert archive.crawl().code == 0
        assert archive.crawl().code == 0
    versions = archive.rows(Version)
    assert len(versions) == 2
    assert "не более трех лет" in versions[1].text and "пяти лет" in versions[0].text
    assert [r.summary["new_versions"] for r in archive.rows(Run)] == [1, 1, 0]


def test_cosmetic_whitespace_and_quote_changes_make_no_version(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности"})),
        "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        cosmetic = [c.replace(" ", "\u00a0", 3).replace("ё", "е") + "  " for c in RU_CLAUSES]
        site.routes["/privacy"] = Route(body=policy_page("Политика конфиденциальности", cosmetic))
        assert archive.crawl().code == 0
    assert len(archive.rows(Version)) == 1
    # The plain page's (an Accept-Language probe for the missing kk is the other snapshot of each run).
    snaps = archive.rows(Snapshot, Snapshot.role == "document", Snapshot.variant == "")
    assert [s.outcome for s in snaps] == ["new", "new"]  # new bytes, same text: no version


def test_broken_fetches_never_become_versions(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({
            "/terms": "Пользовательское соглашение", "/privacy": "Политика конфиденциальности",
            "/offer": "Публичная оферта", "/consent": "Согласие на обработку персональных данных",
            "/cookies": "Политика использования файлов cookie",
        })),
        "/terms": Route(status=500, body="<h1>Internal error</h1>"),
        "/privacy": Route(body=""),
        "/offer": Route(body="<html><head><title>Страница не найдена</title></head>"
                             "<body><h1>Страница не найдена</h1><p>Проверьте адрес.</p></body></html>"),
        "/consent": Route(body="<html><head><title>App</title></head><body><div id=app></div>"
                               "<script src=/app.js></script></body></html>"),
    })
    with FixtureServer(site) as server:
        # render_wait 2: the empty app is rendered, and waited on that long for a text that never comes.
        archive.write_config([company("bank", server.url("/"))], render_wait=2)
        result = archive.crawl()
    assert result.code == 1  # some documents failed
    assert archive.rows(Version) == []
    failures = {s.url.rsplit("/", 1)[1]: s.failure for s in archive.rows(Snapshot, Snapshot.outcome == "failed")}
    assert failures == {"terms": "http_500", "privacy": "empty_body", "offer": "soft_404", "consent": "no_text",
                        "cookies": "http_404"}
    docs = archive.rows(Document)
    assert {d.status for d in docs} == {"unavailable"}
    assert all(d.last_failure for d in docs)
    summary = json.loads(sorted((archive.data / "runs").glob("run-*.json"))[-1].read_text())
    assert summary["failures"] == {"http_500": 1, "empty_body": 1, "soft_404": 1, "no_text": 1, "http_404": 1}
    assert "soft_404 1" in result.out


def test_windows_1251_and_a_wrong_charset_header_decode_correctly(archive):
    meta_only = policy_page("Политика конфиденциальности", RU_CLAUSES).replace(
        '<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности", "/offer": "Публичная оферта"})),
        "/privacy": Route(body=meta_only, encode="windows-1251", header_charset=None),
        # The header claims UTF-8; the bytes are windows-1251 (and the page says nothing).
        "/offer": Route(body=policy_page("Публичная оферта", RU_CLAUSES).replace('<meta charset="utf-8">', ""),
                        encode="windows-1251", header_charset="utf-8"),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
    versions = archive.rows(Version)
    assert len(versions) == 2
    for v in versions:
        assert "персональных данных" in v.text and "\ufffd" not in v.text
        assert v.encoding == "windows-1251" and v.language == "ru"


def test_discovery_follows_hubs_switchers_and_hreflang_and_records_click_depth(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/kz/": "Қаз", "/documents/": "Документы"})),
        "/kz/": Route(body=home_page({"/": "Рус", "/kz/documents/": "Құжаттар"}, title="Басты бет")),
        "/documents/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности"}, title="Документы")),
        "/kz/documents/": Route(body=home_page({"/kz/privacy": "Құпиялылық саясаты"}, title="Құжаттар")),
        "/ru/privacy": Route(body=policy_page(
            "Политика конфиденциальности", RU_CLAUSES,
            head='<link rel="alternate" hreflang="kk" href="/kz/privacy">'
                 '<link rel="alternate" hreflang="en" href="/en/privacy">')),
        "/kz/privacy": Route(body=policy_page("Құпиялылық саясаты", KK_CLAUSES, lang="kk")),
        "/en/privacy": Route(body=policy_page("Privacy policy", [
            "This policy explains how the company collects, stores and processes the personal data of users.",
            "The company processes the name, phone number and e-mail address of the user for its services.",
            "Personal data is kept no longer than needed for these purposes and at most for five years.",
        ] * 2, lang="en")),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
    docs = {d.url.split(":", 2)[2].split("/", 1)[1]: d for d in archive.rows(Document)}
    assert set(docs) == {"ru/privacy", "kz/privacy", "en/privacy"}
    assert {d.doc_type for d in docs.values()} == {"privacy_policy"}
    assert {k: d.language for k, d in docs.items()} == {"ru/privacy": "ru", "kz/privacy": "kk", "en/privacy": "en"}
    assert docs["ru/privacy"].depth == 2
    assert [step["text"] for step in docs["ru/privacy"].link_path] == ["Документы", "Политика конфиденциальности"]
    assert docs["en/privacy"].depth == 3  # only reachable through the Russian page's hreflang
    assert docs["en/privacy"].link_path[-1]["text"] == "hreflang=en"
    assert "/credits" not in {s.url.split(":", 2)[2][len(s.url.split(":", 2)[2].split("/")[0]):]
                              for s in archive.rows(Snapshot)}


def test_depth_bound_and_seed_urls(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/a/": "Документы"})),
        "/a/": Route(body=home_page({"/a/b/": "Правовая информация"}, title="Документы")),
        "/a/b/": Route(body=home_page({"/a/b/terms": "Пользовательское соглашение"}, title="Правовая информация")),
        "/a/b/terms": Route(body=policy_page("Пользовательское соглашение", RU_CLAUSES)),
        "/hidden/ethics": Route(body=policy_page("Кодекс деловой этики", RU_CLAUSES)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), documents=[
            {"url": server.url("/hidden/ethics"), "type": "code_of_conduct"}])], max_depth=2)
        assert archive.crawl().code == 0
        requested = site.requested_paths()
    assert "/a/b/terms" not in requested  # three clicks away, bound is two
    docs = archive.rows(Document)
    assert [(d.doc_type, d.depth) for d in docs] == [("code_of_conduct", None)]


def test_redirect_to_an_unlisted_loopback_address_is_refused(archive):
    listener = Listener("127.0.0.99").start()
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности"})),
        "/privacy": Route(redirect=f"{listener.base_url}/privacy", status=302),
    })
    try:
        with FixtureServer(site) as server:
            archive.write_config([company("bank", server.url("/"), documents=[
                {"url": f"{listener.base_url}/offer", "type": "public_offer"}])])
            result = archive.crawl()
    finally:
        listener.stop()
    assert listener.connections == 0
    assert result.code == 1
    failed = archive.rows(Snapshot, Snapshot.outcome == "failed")
    assert {s.failure for s in failed} == {"blocked_address"}
    assert all("127.0.0.99" in s.failure_detail and "allow_private_addresses" in s.failure_detail for s in failed)


def test_private_addresses_are_refused_without_an_allow_list(archive):
    site = _site()
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], allow=[])
        result = archive.crawl()
    assert site.requests == []
    assert result.code == 1 and "blocked_address" in result.out


def test_outside_every_window_crawl_does_nothing_and_exits_0(archive):
    site = _site()
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))],
                             campaigns=[{"name": "2024", "start": "2024-05-01", "end": "2024-07-31"}])
        result = archive.crawl("--today", "2024-09-01")
        assert result.code == 0 and "outside every campaign window" in result.out
        assert site.requests == []
        inside = archive.crawl("--today", "2024-06-15")
        assert inside.code == 0 and site.requests
        forced = archive.crawl("--today", str(date(2025, 1, 1)), "--ignore-window")
        assert forced.code == 0 and "run 2" in forced.out


def test_a_second_run_is_refused_while_the_lock_is_held(archive):
    archive.data.mkdir(parents=True)
    archive.write_config([company("bank", "http://127.0.0.1:9/")])
    with open(archive.data / "crawl.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = archive.crawl()
    assert result.code == 3
    assert "another crawl is running" in result.err


def test_a_bad_config_gives_file_line_and_field(archive):
    archive.config.write_text(
        "campaigns:\n  - name: '2024'\n    start: 2024-05-01\n    end: 2024-07-31\n"
        "companies:\n  - id: bank\n    name: Bank\n    sector: FinTech\n    homepage: bank.kz\n",
        encoding="utf-8")
    for command in ("check-config", "crawl"):
        result = archive.cli(command)
        assert result.code == 2
        assert "companies.yaml:9: companies[0].homepage" in result.err
        assert "Traceback" not in result.err


def test_timeouts_oversize_bodies_and_refused_connections_are_failures_with_reasons(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/big": "Публичная оферта", "/slow": "Политика конфиденциальности"})),
        "/big": Route(body=policy_page("Публичная оферта", RU_CLAUSES * 500)),
        "/slow": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES), delay=5),
    })
    with FixtureServer(site) as server:
        # Port 1 on loopback: nothing listens there, the connection is refused.
        archive.write_config([company("bank", server.url("/"), documents=[{"url": "http://127.0.0.1:1/offer"}])],
                             download_timeout=0.5, max_response_bytes=200_000)
        result = archive.crawl()
    assert result.code == 1
    failed = {s.url.rsplit("/", 1)[1]: (s.failure, s.failure_detail) for s in
              archive.rows(Snapshot, Snapshot.outcome == "failed")}
    assert {k: v[0] for k, v in failed.items()} == {
        "big": "too_large", "slow": "timeout", "offer": "connection_refused"}
    assert "max size (200000)" in failed["big"][1] and "took longer than 0.5 seconds" in failed["slow"][1]
    assert archive.rows(Version) == []


def test_a_homepage_that_redirects_to_another_host_makes_that_host_the_company_site(archive):
    brand = FixtureSite(routes={
        "/ru/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности"})),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
    })
    with FixtureServer(brand, host="127.0.0.3") as target:
        old = FixtureSite(routes={"/": Route(redirect=target.url("/ru/"), status=301)})
        with FixtureServer(old) as server:
            archive.write_config([company("bank", server.url("/"))])
            assert archive.crawl().code == 0
    docs = archive.rows(Document)
    assert [(d.url, d.depth) for d in docs] == [(target.url("/ru/privacy"), 1)]


def test_a_meta_refresh_is_a_link_not_a_redirect(archive):
    refresh = '<meta http-equiv="refresh" content="{}">'
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности", "/terms-2019": "Правила сервиса"})),
        # The policy itself, with a refresh to a promotion: the page's own text is what is archived.
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES,
                                              head=refresh.format("3; url=/promo"))),
        "/promo": Route(body=policy_page("Акция", ["Кредит наличными до 5 млн тенге."] * 10)),
        # An old page that sends readers on to the terms' new address: both are archived, the new one a click on.
        "/terms-2019": Route(body=policy_page("Правила сервиса", RU_CLAUSES[::-1],
                                              head=refresh.format("0;URL='/ru/user-agreement'"))),
        "/ru/user-agreement": Route(body=policy_page("Пользовательское соглашение", RU_CLAUSES[1:])),
    })
    # A homepage that is only a refresh (to /portal/): the site starts there.
    portal = FixtureSite(routes={
        "/": Route(body=f"<html><head>{refresh.format('0; url=/portal/')}</head><body></body></html>"),
        "/portal/": Route(body=home_page({"/portal/offer": "Публичная оферта"})),
        "/portal/offer": Route(body=policy_page("Публичная оферта", RU_CLAUSES)),
    })
    with FixtureServer(site) as server, FixtureServer(portal, host="127.0.0.3") as portal_server:
        archive.write_config([company("bank", server.url("/")), company("shop", portal_server.url("/"))])
        result = archive.crawl()
        requested = site.requested_paths()
    assert result.code == 0, result.out + result.err
    assert "/promo" not in requested
    docs = {d.url.split("/", 3)[3]: d for d in archive.rows(Document)}
    assert set(docs) == {"ru/privacy", "terms-2019", "ru/user-agreement", "portal/offer"}
    privacy = archive.rows(Version, Version.document_id == docs["ru/privacy"].id)
    assert len(privacy) == 1 and "пяти лет" in privacy[0].text and "Кредит" not in privacy[0].text
    moved = docs["ru/user-agreement"]
    assert moved.doc_type == "terms_of_service" and moved.depth == docs["terms-2019"].depth + 1 == 2
    assert moved.link_path[-1] == {"url": server.url("/terms-2019"), "text": "meta refresh"}
    assert docs["portal/offer"].depth == 2
    assert [step["text"] for step in docs["portal/offer"].link_path] == ["meta refresh", "Публичная оферта"]


def test_the_first_crawl_on_a_machine_uses_the_bundled_public_suffix_list(archive, tmp_path):
    """Scrapy's cookie handling asks tldextract about public suffixes; on a fresh machine tldextract would
    download the list. Every HTTP client that honours the proxy variables is sent to a listener here,
    and the fixture site is exempt: any request to a host that is not a company's shows up there."""
    elsewhere = Listener("127.0.0.99").start()
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности"}),
                   headers={"Set-Cookie": "sid=1; Path=/"}),
        "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
    })
    home = tmp_path / "fresh-home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
           "HTTP_PROXY": elsewhere.base_url, "HTTPS_PROXY": elsewhere.base_url,
           "http_proxy": elsewhere.base_url, "https_proxy": elsewhere.base_url,
           "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    try:
        with FixtureServer(site) as server:
            archive.write_config([company("bank", server.url("/"))], render="never")
            result = archive.crawl(env=env)
    finally:
        elsewhere.stop()
    assert result.code == 0, result.out + result.err
    assert elsewhere.connections == 0
    assert "Traceback" not in result.err and "suffix" not in result.err.lower(), result.err
    assert len(archive.rows(Version)) == 1
    assert not (home / ".cache").exists()  # nothing written to the user's cache either


def _driver_seen(archive) -> bool:
    """Crawl, watching the crawl's process tree: whether a Playwright driver (node) ever ran under it."""
    proc = archive.start_crawl()
    seen = False
    try:
        crawl = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                seen = seen or any("run-driver" in p.cmdline() for p in crawl.children(recursive=True))
            except psutil.Error:
                pass  # a child that ended while listed
            time.sleep(0.05)
    finally:
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return seen


@pytest.mark.parametrize("render", ["never", "always"])
def test_the_browser_driver_starts_only_when_a_page_needs_a_browser(archive, render):
    """scrapy-playwright would start Playwright's driver (~120 MB) when the engine starts, one per scheme,
    for a crawl of static pages too; it starts with the first page that needs a browser."""
    with FixtureServer(_site()) as server:
        archive.write_config([company("bank", server.url("/"), render=render)], render_wait=2)  # a short homepage
        assert _driver_seen(archive) == (render == "always")


def test_the_spider_drops_its_parse_of_a_page_once_read():
    """The crawl process keeps a response alive while its capture waits for the recorder: the spider's parse
    (lxml tree, decoded text) is dropped once the spider has read the page, so a hundred waiting captures do
    not hold a hundred trees (issue 15's memory). Driven in-process on a homepage with a policy link."""
    import asyncio

    from scrapy.http import HtmlResponse

    from archive.records import Capture
    from config import Company
    from config.loader import default_vocabulary
    from spiders.policy import PolicySpider

    bank = Company(**company("bank", "http://bank.kz/"))
    spider = PolicySpider(companies=[bank], vocabulary=default_vocabulary())

    async def first():
        return [r async for r in spider.start()][0]

    request = asyncio.run(first())
    body = home_page({"/privacy": "Политика конфиденциальности"}).encode()
    response = HtmlResponse(url=request.url, body=body, encoding="utf-8", request=request)
    out = list(spider.parse(response))
    assert [type(o).__name__ for o in out if isinstance(o, Capture)] == ["Capture"]
    assert any(getattr(o, "url", "") == "http://bank.kz/privacy" for o in out)  # the link was read
    assert response._cached_selector is None and response._cached_ubody is None
    assert response.xpath("//title/text()").get()  # read again, it parses again


def test_the_unused_consoles_are_neither_loaded_nor_imported():
    """Scrapy's telnet console and remote control serve no one here: neither is among the crawl's extensions, and
    building the list imports neither module (the remote control's pulls in aiohttp, ~0.11 s of every crawl's start:
    Scrapy imports whatever EXTENSIONS or EXTENSIONS_BASE names, even a component set to None)."""
    script = (
        "import sys\n"
        "from scrapy.settings import Settings\n"
        "from scrapy.utils.conf import build_component_list\n"
        "from config import CrawlSettings\n"
        "from crawler.settings import scrapy_settings\n"
        "settings = Settings(scrapy_settings(CrawlSettings()))\n"
        "names = build_component_list(settings.get_component_priority_dict_with_base('EXTENSIONS'))  # as Scrapy does\n"
        "print(len(names), any('Telnet' in n or 'RemoteControl' in n for n in names),"
        " 'aiohttp' in sys.modules, 'scrapy.extensions.remote_control' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    count, listed, aiohttp, remote = proc.stdout.split()
    assert int(count) >= 5 and (listed, aiohttp, remote) == ("False", "False", "False")


_COUNT_SCRAPY_RECORDS = '''
import atexit, logging, os
made = {"below": 0, "warning": 0}
factory = logging.getLogRecordFactory()
def counting(name, level, *args, **kwargs):
    if name == "scrapy" or name.startswith("scrapy."):
        made["below" if level < logging.WARNING else "warning"] += 1
    return factory(name, level, *args, **kwargs)
logging.setLogRecordFactory(counting)
atexit.register(lambda: open(os.environ["RECORDS_OUT"], "w").write(f"{made['below']} {made['warning']}"))
'''


def test_scrapys_chatter_is_not_even_made_unless_verbose(archive, tmp_path):
    """Scrapy's logging setup lowers its loggers to DEBUG (two records a response, each with a walk up the stack);
    the CLI shows none of them unless --verbose, so without it they are not made at all, but for the few Scrapy
    makes while it starts. Counted by a record factory installed when a fresh interpreter running the CLI starts."""
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_COUNT_SCRAPY_RECORDS, encoding="utf-8")
    out = tmp_path / "records.txt"
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности"})),
        "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
    })
    made = {}
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        env = {"PYTHONPATH": f"{hook}{os.pathsep}{REPO}", "RECORDS_OUT": str(out)}
        for args in (("crawl",), ("--verbose", "crawl")):
            # A preexec_fn: a fresh interpreter (tests/zygote.py forks one that started long ago).
            result = archive.cli(*args, env=env, preexec_fn=os.getpid)
            assert result.code == 0, result.err
            made[args[0]] = int(out.read_text().split()[0])
    assert made["crawl"] <= 5 and made["--verbose"] >= made["crawl"] + 10, made
