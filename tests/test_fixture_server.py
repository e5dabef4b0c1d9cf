"""The fixture web (crawler/demo/server.py) and the demo sites it serves (crawler/demo/sites/)."""

from __future__ import annotations

import email.utils
import http.client
import json
import re
import socket
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from crawler.demo import DEMO_COMPANIES, SITES_DIR, demo_companies, start_demo_web
from crawler.demo.server import FixtureServer, FixtureSite, Listener, Route

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)

KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


def fetch(base_url: str, path: str, method: str = "GET", headers: dict[str, str] | None = None):
    """(status, headers as a lower-cased dict, body) without following redirects."""
    url = urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    (tmp_path / "ru").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "static").mkdir()
    (tmp_path / "index.html").write_text("<title>Главная</title>home", encoding="utf-8")
    (tmp_path / "ru" / "privacy.html").write_text("<p>Политика, редакция 1</p>", encoding="utf-8")
    (tmp_path / "ru" / "privacy.v2.html").write_text("<p>Политика, редакция 2</p>", encoding="utf-8")
    (tmp_path / "docs" / "index.html").write_text("docs hub", encoding="utf-8")
    (tmp_path / "static" / "a.css").write_text("body{}", encoding="utf-8")
    (tmp_path / "offer.pdf").write_bytes(b"%PDF-1.4 fake")
    (tmp_path / "legacy.html").write_text(
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
        "<p>Кодекс деловой этики «Общества» — №1</p>",
        encoding="utf-8",
    )
    (tmp_path / "site.yaml").write_text(
        "routes:\n"
        "  /old: {status: 301, redirect: /ru/privacy}\n"
        "  /moved: {redirect: '{{base_url}}/ru/privacy'}\n"
        "  /legacy: {file: legacy.html, encode: windows-1251, header_charset: null}\n"
        "  /lying: {file: ru/privacy.html, encode: windows-1251, header_charset: utf-8}\n"
        "  /gone: {status: 410}\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.fixture
def served(site_dir: Path):
    site = FixtureSite.from_dir(site_dir)
    with FixtureServer(site) as server:
        yield site, server
    assert not site.errors


def test_files_are_found_by_path_suffix_and_index(served):
    _, server = served
    status, headers, body = fetch(server.base_url, "/")
    assert (status, body) == (200, "<title>Главная</title>home".encode())
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert fetch(server.base_url, "/ru/privacy")[2] == "<p>Политика, редакция 1</p>".encode()
    assert fetch(server.base_url, "/ru/privacy?utm_source=x")[0] == 200
    assert fetch(server.base_url, "/docs/")[2] == b"docs hub"
    assert fetch(server.base_url, "/docs")[2] == b"docs hub"
    status, headers, _ = fetch(server.base_url, "/static/a.css")
    assert (status, headers["content-type"]) == (200, "text/css; charset=utf-8")
    status, headers, body = fetch(server.base_url, "/offer.pdf")
    assert (status, headers["content-type"], body) == (200, "application/pdf", b"%PDF-1.4 fake")
    assert server.base_url.startswith("http://127.0.0.1:") and server.port > 0


def test_unknown_paths_and_hidden_files_are_404(served):
    _, server = served
    for path in ("/nope", "/ru/privacy.v2", "/ru/privacy.v2.html", "/site.yaml", "/../site.yaml", "/ru/"):
        status, headers, body = fetch(server.base_url, path)
        assert status == 404, path
        assert b"Not found" in body and headers["content-type"].startswith("text/html")
    assert fetch(server.base_url, "/gone")[0] == 410


def test_variant_switches_content_and_etag(served):
    site, server = served
    status, headers, v1 = fetch(server.base_url, "/ru/privacy")
    etag_v1, modified_v1 = headers["etag"], headers["last-modified"]
    assert etag_v1.startswith('"') and len(etag_v1) == 66

    assert fetch(server.base_url, "/ru/privacy", headers={"If-None-Match": etag_v1})[0] == 304
    assert fetch(server.base_url, "/ru/privacy", headers={"If-Modified-Since": modified_v1})[0] == 304

    site.variant = "v2"
    status, headers, v2 = fetch(server.base_url, "/ru/privacy")
    assert v2 == "<p>Политика, редакция 2</p>".encode() and v1 != v2
    assert headers["etag"] != etag_v1
    assert email.utils.parsedate_to_datetime(headers["last-modified"]) > email.utils.parsedate_to_datetime(modified_v1)
    # The old validators no longer match: a crawler revalidating gets the new body.
    assert fetch(server.base_url, "/ru/privacy", headers={"If-None-Match": etag_v1})[0] == 200
    assert fetch(server.base_url, "/ru/privacy", headers={"If-Modified-Since": modified_v1})[0] == 200
    # Pages without a v2 file keep serving v1.
    assert fetch(server.base_url, "/docs/")[2] == b"docs hub"

    site.variant = "v1"
    status, headers, body = fetch(server.base_url, "/ru/privacy", headers={"If-None-Match": f"W/{etag_v1}"})
    assert (status, body, headers["etag"]) == (304, b"", etag_v1)


def test_etag_can_be_switched_off():
    site = FixtureSite(routes={"/x": Route(body="same", etag=False)})
    with FixtureServer(site) as server:
        status, headers, _ = fetch(server.base_url, "/x", headers={"If-None-Match": "*"})
    assert status == 200 and "etag" not in headers and "last-modified" not in headers


def test_redirects(served):
    _, server = served
    status, headers, _ = fetch(server.base_url, "/old")
    assert (status, headers["location"]) == (301, "/ru/privacy")
    status, headers, _ = fetch(server.base_url, "/moved")
    assert (status, headers["location"]) == (302, server.base_url + "/ru/privacy")


def test_windows_1251_with_the_charset_only_in_a_meta_tag(served):
    _, server = served
    status, headers, body = fetch(server.base_url, "/legacy")
    assert status == 200
    assert headers["content-type"] == "text/html"
    text = "Кодекс деловой этики «Общества» — №1"
    assert text.encode("windows-1251") in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert b"charset=windows-1251" in body


def test_a_wrong_header_charset_is_sent_as_asked(served):
    _, server = served
    status, headers, body = fetch(server.base_url, "/lying")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert body == "<p>Политика, редакция 1</p>".encode("windows-1251")


def test_routes_match_path_with_query_first():
    site = FixtureSite(
        routes={
            "/": Route(body="<p>Русский</p>"),
            "/?lang=kz": Route(body="<p>Қазақша</p>"),
            "/data": Route(body=b"\x89PNG", content_type="image/png", headers={"X-Robots-Tag": "noindex"}),
        }
    )
    with FixtureServer(site, host="127.0.0.7") as server:
        assert fetch(server.base_url, "/?lang=kz")[2] == "<p>Қазақша</p>".encode()
        assert fetch(server.base_url, "/?lang=en")[2] == "<p>Русский</p>".encode()
        status, headers, body = fetch(server.base_url, "/data")
    assert server.base_url.startswith("http://127.0.0.7:")
    assert (headers["content-type"], headers["x-robots-tag"], body) == ("image/png", "noindex", b"\x89PNG")


def test_request_log_and_head(served):
    site, server = served
    site.clear_log()
    status, headers, body = fetch(server.base_url, "/ru/privacy", method="HEAD", headers={"User-Agent": "t"})
    full = fetch(server.base_url, "/ru/privacy")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(full[2])) and headers["etag"] == full[1]["etag"]
    fetch(server.base_url, "/nope?q=1")
    assert site.requested_paths() == ["/ru/privacy", "/ru/privacy", "/nope?q=1"]
    assert site.requested_paths("HEAD") == ["/ru/privacy"]
    first = site.requests[0]
    assert (first.method, first.client) == ("HEAD", "127.0.0.1")
    assert first.header("user-agent") == "t" and first.headers["User-Agent"] == "t"
    method, path, _, client = site.requests[-1]
    assert (method, path, client) == ("GET", "/nope?q=1", "127.0.0.1")


def test_delay_is_applied_per_request():
    site = FixtureSite(routes={"/slow": Route(body="late", delay=0.3), "/fast": Route(body="now")})
    with FixtureServer(site) as server:
        started = time.monotonic()
        assert fetch(server.base_url, "/slow")[2] == b"late"
        assert time.monotonic() - started >= 0.3
        assert fetch(server.base_url, "/fast")[2] == b"now"


def test_fail_first_then_succeed():
    site = FixtureSite(routes={"/flaky": Route(body="ok", fail_first=2, fail_status=403)})
    with FixtureServer(site) as server:
        statuses = [fetch(server.base_url, "/flaky")[0] for _ in range(3)]
    assert statuses == [403, 403, 200]


def test_stop_cuts_off_keep_alive_connections():
    site = FixtureSite(routes={"/": Route(body="hello")})
    server = FixtureServer(site).start()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"hello"  # HTTP/1.1: the connection stays open
    server.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        conn.request("GET", "/")
        conn.getresponse()
    conn.close()
    assert site.requested_paths() == ["/"]


def test_a_broken_route_answers_500_and_is_recorded():
    site = FixtureSite(routes={"/broken": Route(file="missing.html")})
    with FixtureServer(site) as server:
        assert fetch(server.base_url, "/broken")[0] == 500
    assert len(site.errors) == 1 and "missing.html" in site.errors[0]


def test_site_yaml_errors_name_the_file_and_the_field(tmp_path: Path):
    (tmp_path / "site.yaml").write_text("routes:\n  /x: {stauts: 404}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"site\.yaml: routes\['/x'\]: unknown route field\(s\) \['stauts'\]"):
        FixtureSite.from_dir(tmp_path)
    (tmp_path / "site.yaml").write_text("routes:\n  /x: {file: nowhere.html}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="nowhere.html"):
        FixtureSite.from_dir(tmp_path)


def test_base_url_before_start_says_what_to_do():
    with pytest.raises(RuntimeError, match="start"):
        FixtureServer(FixtureSite()).base_url  # noqa: B018 - the property access is the test


def test_listener_counts_connections_and_never_answers():
    with Listener("127.0.0.99") as listener:
        assert listener.connections == 0
        with socket.create_connection(listener.address, timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            assert listener.wait_for_connection(timeout=5)
            try:
                answer = sock.recv(100)
            except ConnectionResetError:  # closed with our request unread
                answer = b""
            assert answer == b""  # not a byte of answer
    assert listener.connections == 1
    assert listener.base_url.startswith("http://127.0.0.99:")


def test_listener_counts_a_connection_still_in_the_backlog():
    listener = Listener().start()
    with socket.create_connection(listener.address, timeout=5):
        pass
    listener.stop()
    assert listener.connections == 1


def test_idle_listener_counts_nothing():
    with Listener("127.0.0.99") as listener:
        assert not listener.wait_for_connection(timeout=0)
    assert listener.connections == 0


# --- the demo web ----------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag == "link" and a.get("rel") == "alternate" and a.get("hreflang") and a.get("href"):
            self.links.append(a["href"] or "")
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _decode(body: bytes) -> str:
    return body.decode("windows-1251" if b"charset=windows-1251" in body[:400] else "utf-8")


def _crawl(base_url: str) -> dict[str, tuple[int, int, str]]:
    """Breadth-first over same-host links and hreflang alternates: path -> (depth, status, html)."""
    seen: dict[str, tuple[int, int, str]] = {}
    queue = [("/", 0)]
    while queue:
        target, depth = queue.pop(0)
        if target in seen:
            continue
        status, headers, body = fetch(base_url, target)
        if status in (301, 302):
            seen[target] = (depth, status, "")
            queue.insert(0, (urlsplit(urljoin(base_url + target, headers["location"])).path, depth))
            continue
        text = _decode(body) if status == 200 else ""
        seen[target] = (depth, status, text)
        parser = _Links()
        parser.feed(text)
        for href in parser.links:
            url = urlsplit(urljoin(base_url + target, href))
            if url.netloc == urlsplit(base_url).netloc and not url.path.startswith("/static/"):
                queue.append((url.path + (f"?{url.query}" if url.query else ""), depth + 1))
    return seen


def _answer_key() -> list[dict[str, str]]:
    text = (SITES_DIR / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- answer-key:start -->")[1].split("<!-- answer-key:end -->")[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.strip().splitlines()]
    header, body = rows[0], rows[2:]
    return [dict(zip(header, row, strict=True)) for row in body]


def _main_text(html_text: str) -> str:
    """The document's own text: from the first <h1> to the cookie banner (every template puts it after)."""
    start = html_text.find("<h1")
    inner = html_text[start : html_text.find("cookie-banner", start)]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner))


# --- single-page apps: the served HTML is an empty shell, pages and links exist only after script -

BROWSER = {"Sec-Fetch-Mode": "navigate"}  # what Route.browser_only lets through


def _status_body(base_url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    status, _, body = fetch(base_url, path, headers=headers)
    return status, body


def _is_app_shell(body: bytes) -> bool:
    return b'<div id="app"></div>' in body and b'<script src="/static/app.js">' in body


def _app_shell_companies(demo) -> set[str]:
    return {cid for cid, url in demo.urls.items() if _is_app_shell(fetch(url, "/")[2])}


def _app_content(script: str) -> dict:
    """The app's pages, kept as strict JSON between markers in app.js, read without running it."""
    return json.loads(script.split("/* content:start */")[1].split("/* content:end */")[0])


def _app_depths(content: dict) -> dict[str, int]:
    """Clicks from "/" over the links app.js draws on every page (logo, header nav, the switcher to
    the page's other-language version, footer, the homepage's button). A model of the script, not
    the script: the real rendered links are crawled with Chromium by tests/test_demo.py."""
    pages, site = content["pages"], content["site"]
    depths, queue = {"/": 0}, ["/"]
    while queue:
        path = queue.pop(0)
        page = pages[path]
        chrome = site[page["lang"]]
        links = [chrome["home"], page["alt"]] + [href for href, _ in chrome["nav"] + chrome["footer"]]
        links += [page["more"][0]] if "more" in page else []
        for href in links:
            if href in pages and href not in depths:
                depths[href] = depths[path] + 1
                queue.append(href)
    return depths


@pytest.fixture(scope="module")
def demo():
    with start_demo_web() as web:
        yield web


def test_demo_serves_each_company_on_its_own_address(demo):
    companies = demo_companies()
    assert companies == demo.companies()
    assert [c["id"] for c in companies] == ["qazaqpay", "dala-telecom", "bazar", "tenge-finance", "sapar-mobile",
                                            "aqsu-bank", "kerey-pay"]
    for company, spec in zip(companies, DEMO_COMPANIES, strict=True):
        assert company["homepage"] == demo.urls[spec.id] + "/"
        assert urlsplit(company["homepage"]).hostname == spec.host
        assert company["languages"] == ["kk", "ru"] and company["name"] and company["sector"]
        status, _, body = fetch(demo.urls[spec.id], "/")
        assert status == 200 and b"<title>" in body


def test_demo_answer_key_matches_the_served_sites(demo):
    key = _answer_key()
    assert len(key) >= 15
    # Following links in the served HTML cannot reach into a single-page app: those rows are
    # checked by test_demo_app_shell_answer_key_rows below.
    shells = _app_shell_companies(demo)
    crawled = {cid: _crawl(url) for cid, url in demo.urls.items() if cid not in shells}
    for row in key:
        if row["company"] in shells:
            continue
        depth, status, html_text = crawled[row["company"]].get(row["path"], (None, None, ""))
        assert (depth, status) == (int(row["depth"]), 200), row
        # A version that links alone do not reach: the same URL with the cookie its switcher sets, or one
        # tab of a page (the others hidden or not, a person can open them).
        if cookie := re.search(r"cookie `(\w+=\w+)`", row["reached via"]):
            status, _, body = fetch(demo.urls[row["company"]], row["path"], headers={"Cookie": cookie[1]})
            html_text = _decode(body)
        words = len(_main_text(html_text).split())
        assert 400 <= words <= 1300, (row["path"], words)
        assert len(re.findall(r"<p>\d+\.\d+\. ", html_text) + re.findall(r'class="txt">\d+\.\d+\.', html_text)) >= 6
        if tab := re.search(r"tab `#([\w-]+)`", row["reached via"]):
            html_text = "<h1>" + re.search(rf'id="{tab[1]}".*?</section>', html_text, re.S)[0]
        letters = set(_main_text(html_text))
        if row["language"] == "kk":
            assert letters & KAZAKH_LETTERS, row
        if row["language"] == "ru":
            assert not letters & KAZAKH_LETTERS, row
    # Every page of every site has a title, a cookie banner and a copyright line.
    for pages in crawled.values():
        for path, (_, status, html_text) in pages.items():
            if status == 200:
                assert re.search(r"<title>[^<]+</title>", html_text), path
                assert "cookie-banner" in html_text and re.search(r"© 202[45]", html_text), path


def test_demo_app_shell_answer_key_rows(demo):
    """What can be checked without a browser: the shell, the script's content, and the answer key."""
    shells = _app_shell_companies(demo)
    assert shells == {"sapar-mobile"}
    key = _answer_key()
    for cid in shells:
        base = demo.urls[cid]
        status, _, shell = fetch(base, "/")
        assert status == 200
        visible = re.sub(r"<(script|noscript|style)\b.*?</\1>|<[^>]+>", " ", shell.decode(), flags=re.S)
        assert len(" ".join(visible.split())) < 100  # the HTML itself says next to nothing
        assert re.search(rb"<title>[^<]+</title>", shell)
        status, headers, raw = fetch(base, "/static/app.js")
        assert status == 200 and headers["content-type"].startswith("text/javascript")
        script = raw.decode("utf-8")
        content = _app_content(script)
        for chrome in content["site"].values():  # drawn on every page, as on the static sites
            assert "cookie" in chrome["cookie"] and re.search(r"© 202[45]", chrome["copyright"])
        depths = _app_depths(content)

        rows = [row for row in key if row["company"] == cid]
        assert len(rows) == 4
        for row in rows:
            path = row["path"]
            assert "rendered (app shell)" in row["reached via"], row
            # Every page of the app is the same shell; the script draws the page from its path.
            assert _status_body(base, path, BROWSER) == (200, shell), row
            assert f'"{path}"' in script, row
            for link_text in re.findall(r'"([^"]+)"', row["reached via"]):
                assert f'"{link_text}"' in script, (row, link_text)
            page = content["pages"][path]
            assert (page["kind"], page["lang"]) == ("document", row["language"]), row
            assert depths[path] == int(row["depth"]), (row, depths[path])
            assert content["pages"][page["alt"]]["lang"] != page["lang"]  # the switcher's target
            text = " ".join([page["h1"], page["edition"]] + [f"{h}. {t}" for h, t in page["clauses"]])
            assert 10 <= len(page["clauses"]) <= 15, row
            assert 400 <= len(text.split()) <= 900, (path, len(text.split()))
            if row["language"] == "kk":
                assert set(text) & KAZAKH_LETTERS, row
            if row["language"] == "ru":
                assert not set(text) & KAZAKH_LETTERS, row


def test_demo_misbehaviours(demo):
    dala, bazar, tenge = demo.urls["dala-telecom"], demo.urls["bazar"], demo.urls["tenge-finance"]
    status, headers, _ = fetch(dala, "/oferta")
    assert (status, headers["location"]) == (301, "/ru/public-offer")
    status, headers, body = fetch(dala, "/ru/legacy/ethics")
    assert headers["content-type"] == "text/html" and "Кодекс деловой этики".encode("windows-1251") in body

    status, _, body = fetch(bazar, "/terms")
    assert f'hreflang="kk" href="{bazar}/kk/terms"'.encode() in body
    assert b'href="/kk/' not in body  # no visible link to the Kazakh version
    kk_terms = _main_text(fetch(bazar, "/kk/terms")[2].decode())
    clauses = re.findall(r"\d+\.\d+\. [^<]*?(?= \d+\.\d+\. | \d+\. |$)", kk_terms)
    russian = [c for c in clauses if not set(c) & KAZAKH_LETTERS]
    assert 1 / 3 <= len(russian) / len(clauses) <= 1 / 2

    assert fetch(tenge, "/docs/rules")[0] == 404
    status, _, body = fetch(tenge, "/docs/consent")
    assert status == 200 and "<title>Страница не найдена</title>" in body.decode()
    assert fetch(tenge, "/?lang=kz")[2] == fetch(tenge, "/")[2]
    assert fetch(tenge, "/privacy")[0] == 404

    sapar = demo.urls["sapar-mobile"]
    shell = fetch(sapar, "/")[2]
    status, _, body = fetch(sapar, "/ru/legal/privacy")  # a WAF in front of the privacy policy
    assert status == 403 and body != shell
    assert _status_body(sapar, "/ru/legal/privacy", BROWSER) == (200, shell)
    assert _status_body(sapar, "/ru/legal/offer") == (200, shell)
    # An old promotion: 200 with the shell, and the app has no page for it ("Страница не найдена").
    assert _status_body(sapar, "/ru/promo/summer-2024") == (200, shell)
    script = fetch(sapar, "/static/app.js")[2].decode()
    content = _app_content(script)
    assert "/ru/promo/summer-2024" not in content["pages"]
    assert content["notFound"]["ru"]["h1"] == "Страница не найдена"


def test_demo_second_crawl_shows_exactly_the_privacy_change(demo):
    qazaqpay = demo.urls["qazaqpay"]
    before = {p: fetch(qazaqpay, p)[2].decode() for p in ("/ru/privacy", "/kz/privacy", "/en/privacy")}
    demo.set_variant("v2")
    try:
        after = {p: fetch(qazaqpay, p)[2].decode() for p in before}
    finally:
        demo.set_variant("v1")
    assert after["/en/privacy"] == before["/en/privacy"]
    for path, old, new, added in (
        ("/ru/privacy", "5 (пяти) лет", "3 (трёх) лет", "5.4. Трансграничная передача."),
        ("/kz/privacy", "5 (бес) жыл", "3 (үш) жыл", "5.4. Трансшекаралық беру."),
    ):
        old_lines, new_lines = before[path].splitlines(), after[path].splitlines()
        removed = [line for line in old_lines if line not in new_lines]
        inserted = [line for line in new_lines if line not in old_lines]
        assert len(removed) == 2 and len(inserted) == 3, path  # edition date, retention, new clause
        assert any(old in line for line in removed) and any(new in line for line in inserted)
        assert any(added in line for line in inserted)
    assert fetch(qazaqpay, "/ru/privacy")[2].decode() == before["/ru/privacy"]
