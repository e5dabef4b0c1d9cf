"""Crawling through a proxy (crawl.proxy, a company's proxy): plain requests and Chromium, HTTP and SOCKS5.

The proxies are small real servers (crawler/demo/proxy.py) on 127.0.0.50, an address outside the
test allow-list: the crawler must accept responses that came from the proxy it was told to use,
while the address guard still judges each site. They connect to the sites from their own address,
so a site's request log shows which requests came through the proxy.
"""

from __future__ import annotations

import pytest

from archive.models import Document, Snapshot, Version
from crawler.demo.proxy import HttpProxy, Socks5Proxy
from crawler.demo.server import FixtureServer, FixtureSite, Listener, Route
from crawler.proxy import browser_proxy, proxy_label
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching

PROXY_HOST = "127.0.0.50"  # not in TEST_ALLOW


def _site() -> FixtureSite:
    return FixtureSite(routes={
        "/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности", "/kz/offer": "Жария оферта"})),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
        "/kz/offer": Route(body=policy_page("Жария оферта", KK_CLAUSES, lang="kk")),
    })



PROXIES = {
    "http": lambda: HttpProxy(PROXY_HOST),
    "http-with-login": lambda: HttpProxy(PROXY_HOST, user="researcher", password="p@ss:word"),
    "socks5": lambda: Socks5Proxy(PROXY_HOST),
}


def _proxy_url(proxy) -> str:
    if isinstance(proxy, HttpProxy) and proxy.authorization:
        return f"http://researcher:p%40ss%3Aword@{proxy.host}:{proxy.port}"
    return proxy.url


@pytest.mark.parametrize("kind", PROXIES)
@pytest.mark.parametrize("render", ["never", "always"])
def test_a_crawl_through_a_proxy_archives_the_site_and_every_request_goes_through_it(archive, kind, render):
    site = _site()
    with PROXIES[kind]() as proxy, FixtureServer(site, host="127.0.0.2") as server:
        # render_wait 2: the homepage is a short list of links, and a rendering waits that long for a document's text.
        archive.write_config([company("bank", server.url("/"), render=render)], proxy=_proxy_url(proxy),
                             render_wait=2)
        result = archive.crawl()
    assert result.code == 0, result.out + result.err
    assert {d.url.rsplit("/", 2)[-2] + "/" + d.url.rsplit("/", 1)[1] for d in archive.rows(Document)} == {
        "ru/privacy", "kz/offer"}
    assert len(archive.rows(Version)) == 2
    assert site.requests, "the site saw nothing"
    assert {r.client for r in site.requests} == {PROXY_HOST}  # nothing reached the site directly
    assert f"127.0.0.2:{server.port}" in proxy.targets
    if render == "always":
        # The plain state's (each document also gets an Accept-Language probe for its missing language).
        rendered = archive.rows(Snapshot, Snapshot.kind == "rendered", Snapshot.variant == "")
        assert len(rendered) == 3 and all(s.outcome != "failed" for s in rendered)
        assert any(r.header("Sec-Fetch-Mode") for r in site.requests)  # Chromium's own requests came through
    if kind == "http-with-login":
        assert "p@ss" not in result.out + result.err


def test_a_company_proxy_overrides_the_global_one_and_other_companies_keep_theirs(archive):
    bank, shop = _site(), _site()
    with HttpProxy(PROXY_HOST) as global_proxy, Socks5Proxy("127.0.0.51") as own, \
            FixtureServer(bank, host="127.0.0.2") as bank_server, FixtureServer(shop, host="127.0.0.3") as shop_server:
        archive.write_config([company("bank", bank_server.url("/")),
                              company("shop", shop_server.url("/"), proxy=own.url, render="always")],
                             proxy=global_proxy.url, render_wait=2)  # a short homepage: see above
        result = archive.crawl()
    assert result.code == 0, result.out + result.err
    assert {r.client for r in bank.requests} == {PROXY_HOST}
    assert {r.client for r in shop.requests} == {"127.0.0.51"}
    assert not any(t.startswith("127.0.0.3:") for t in global_proxy.targets)


@pytest.mark.parametrize("kind", ["http", "socks5"])
def test_a_blocked_target_is_still_refused_when_proxied(archive, kind):
    listener = Listener("127.0.0.99").start()
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности", "/offer": "Публичная оферта"})),
        "/privacy": Route(redirect=f"{listener.base_url}/privacy", status=302),
        "/offer": Route(body=policy_page("Публичная оферта", RU_CLAUSES)),
    })
    try:
        with PROXIES[kind]() as proxy, FixtureServer(site, host="127.0.0.2") as server:
            archive.write_config([company("bank", server.url("/"), documents=[
                {"url": f"{listener.base_url}/terms", "type": "terms_of_service"}])], proxy=proxy.url)
            result = archive.crawl()
    finally:
        listener.stop()
    assert listener.connections == 0
    assert not any(t.startswith("127.0.0.99") for t in proxy.targets)
    assert result.code == 1
    failed = archive.rows(Snapshot, Snapshot.outcome == "failed")
    assert {s.failure for s in failed} == {"blocked_address"} and len(failed) == 2
    assert len(archive.rows(Version)) == 1  # the offer, through the proxy


def test_a_proxy_that_refuses_the_connection_is_a_failure_that_says_so(archive):
    refusing = Listener(PROXY_HOST).start()  # accepts and closes: neither HTTP nor SOCKS5
    site = _site()
    try:
        with FixtureServer(site, host="127.0.0.2") as server:
            archive.write_config([company("bank", server.url("/"), render="never")],
                                 proxy=f"socks5://{PROXY_HOST}:{refusing.port}", retries=0)
            result = archive.crawl()
    finally:
        refusing.stop()
    assert result.code == 1
    assert site.requests == []
    [failed] = archive.rows(Snapshot, Snapshot.outcome == "failed")
    assert failed.failure == "proxy_error" and "SOCKS5 handshake" in failed.failure_detail, failed.failure_detail


def test_browser_proxy_options_and_labels_keep_credentials_apart():
    assert browser_proxy("http://a%40b:p%3Aw@proxy.kz:3128") == {
        "server": "http://proxy.kz:3128", "username": "a@b", "password": "p:w"}
    assert browser_proxy("socks5h://127.0.0.1:1080") == {"server": "socks5://127.0.0.1:1080"}
    label = proxy_label("http://user:secret@proxy.kz:3128")
    assert "secret" not in label and label.startswith("http://proxy.kz:3128#")
    assert label != proxy_label("http://user:other@proxy.kz:3128")
