"""The researchers' web UI (web/): routes, headers, escaping, tokens, and a real Chromium.

One seeded archive for the module: the offline demo crawled twice (the second time with QazaqPay's
privacy policy changed), plus a hostile page whose title and body carry scripts. ``serve`` itself runs
as a subprocess on 127.0.0.2 and on ::1: Host allow-list, redirects that stay on the site, feed links
from the bound address, and what a bad address says.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy import select
from starlette.testclient import TestClient

from archive.blobs import BlobStore
from archive.models import Document, Snapshot, Version
from config import load_config
from tests.conftest import REPO, db_url, reported
from tests.test_filedocs import fixture
from web.app import create_app
from web.context import SANDBOX_CSP, UI_CSP
from web.guard import on_site

# The README's screenshots: rewritten only when asked (UPDATE_SCREENSHOTS=1 make test), so a test run
# leaves the work tree clean; otherwise they go to a temporary folder and are still taken.
SCREENSHOTS = (REPO / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS") == "1"
               else Path(tempfile.mkdtemp(prefix="policy-archive-screens-")))
HOSTILE = (b"<!DOCTYPE html><html><head><title><script>window.top.document.title='pwned'</script>Evil</title>"
           b"</head><body><script>try{window.top.document.title='pwned'}catch(e){}"
           b"try{parent.document.body.innerHTML='pwned'}catch(e){}"
           b"document.body.setAttribute('data-ran','1');</script>"
           b"<h1>Evil policy</h1><p>zyxwvu clause</p><img src='http://127.0.0.1:9/beacon'></body></html>")
HOSTILE_TITLE = "<script>window.top.document.title='pwned'</script>Evil"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, demo_crawled):
    # The demo crawled twice (tests/conftest.py), with hostile rows and a PDF offer added below.
    archive = reported(demo_crawled.copy(tmp_path_factory.mktemp("web")))
    assert demo_crawled.codes == [1, 1], demo_crawled.errors  # the demo's soft 404, on purpose
    db = archive.db()
    data, _ = BlobStore(archive.data / "blobs").put(HOSTILE)
    when = datetime.utcnow().replace(microsecond=0)
    with db.session() as s:
        doc = Document(company_id="qazaqpay", url="http://127.0.0.2:1/evil", doc_type="cookie_policy",
                       language="en", title=HOSTILE_TITLE, first_seen=when, last_captured=when, depth=1,
                       link_path=[{"url": "http://127.0.0.2:1/evil", "text": "<b>Evil</b> link"}])
        s.add(doc)
        s.flush()
        snap = Snapshot(company_id="qazaqpay", document_id=doc.id, role="document", url=doc.url, final_url=doc.url,
                        status_code=200, fetched_at=when, content_type="text/html; charset=utf-8",
                        size=len(HOSTILE), sha256=data, outcome="new", kind="server")
        s.add(snap)
        s.flush()
        version = Version(document_id=doc.id, snapshot_id=snap.id, captured_at=when, title=HOSTILE_TITLE,
                          text="Evil policy <script>alert(1)</script>\nzyxwvu clause", text_sha256="0" * 64,
                          language="en")
        s.add(version)
        s.commit()
        # A ten-page PDF public offer, served as bytes (as many sites do).
        pdf_sha, _ = BlobStore(archive.data / "blobs").put(fixture("ru-offer.pdf"))
        pdf_doc = Document(company_id="qazaqpay", url="http://127.0.0.2:1/offer", doc_type="public_offer",
                           language="ru", title="Публичная оферта", first_seen=when, last_captured=when, depth=1)
        s.add(pdf_doc)
        s.flush()
        pdf_snap = Snapshot(company_id="qazaqpay", document_id=pdf_doc.id, role="document", url=pdf_doc.url,
                            final_url=pdf_doc.url, status_code=200, fetched_at=when,
                            content_type="application/octet-stream", size=1, sha256=pdf_sha, outcome="new",
                            kind="server")
        s.add(pdf_snap)
        s.flush()
        pdf_version = Version(document_id=pdf_doc.id, snapshot_id=pdf_snap.id, captured_at=when,
                              text="1. Публичная оферта", text_sha256="1" * 64, language="ru")
        s.add(pdf_version)
        s.commit()
        ids = {"evil_doc": doc.id, "evil_snap": snap.id, "evil_version": version.id, "pdf_snap": pdf_snap.id,
               "pdf_version": pdf_version.id}
    db.close()
    return archive, ids


@pytest.fixture(scope="module")
def client(seeded):
    archive, _ = seeded
    app = create_app(load_config(archive.config), archive.data, db_url(archive.data))
    with TestClient(app) as c:
        yield c


def _changed_versions(archive) -> tuple[Version, Version]:
    db = archive.db()
    with db.session() as s:
        doc = s.scalars(select(Document).where(Document.company_id == "qazaqpay", Document.doc_type ==
                                               "privacy_policy", Document.language == "ru")).one()
        old, new = s.scalars(select(Version).where(Version.document_id == doc.id).order_by(Version.id)).all()
    db.close()
    return old, new


def test_pages_render_with_a_strict_csp_and_link_to_each_other(seeded, client):
    archive, ids = seeded
    home = client.get("/")
    assert home.status_code == 200
    csp = home.headers["content-security-policy"]
    assert "script-src 'none'" in csp and "default-src 'self'" in csp and "frame-src 'self'" in csp
    assert home.headers["x-content-type-options"] == "nosniff"
    for name in ("QazaqPay", "Dala Telecom", "Tenge Finance", "Public archive", "Easy to find"):
        assert name in home.text
    assert 'class="changed-mark"' in home.text  # QazaqPay's privacy policy changed in the second crawl
    assert client.get("/?campaign=" + f"demo-{date.today().year}&since=2000-01-01").status_code == 200
    company = client.get("/company/qazaqpay")
    assert company.status_code == 200 and "/document/" in company.text
    assert client.get("/company/nobody").status_code == 404
    old, new = _changed_versions(archive)
    doc = client.get(f"/document/{new.document_id}")
    assert doc.status_code == 200 and "<svg" in doc.text and f"/diff?a={old.id}&amp;b={new.id}" in doc.text
    version = client.get(f"/version/{new.id}")
    assert version.status_code == 200 and f'src="/raw/{new.snapshot_id}" sandbox=""' in version.text
    assert "evidence.zip?at=" in version.text


def test_diffs_inline_side_and_translation(seeded, client):
    old, new = _changed_versions(seeded[0])
    inline = client.get(f"/diff?a={old.id}&b={new.id}")
    assert inline.status_code == 200 and "pa-diff pa-inline" in inline.text and "<ins>" in inline.text
    side = client.get(f"/diff?a={old.id}&b={new.id}&layout=side")
    assert "pa-side" in side.text
    db = seeded[0].db()
    with db.session() as s:
        kk = s.scalars(select(Version).join(Document).where(Document.company_id == "qazaqpay", Document.doc_type ==
                                                            "privacy_policy", Document.language == "kk")).first()
    db.close()
    translation = client.get(f"/diff?a={kk.id}&b={new.id}&translation=1")
    assert translation.status_code == 200 and "pa-translation" in translation.text
    assert client.get("/diff?a=1").status_code == 422
    assert client.get("/diff?a=999999&b=1").status_code == 404


def test_everything_from_the_web_is_escaped(seeded, client):
    _, ids = seeded
    for path in (f"/version/{ids['evil_version']}", f"/document/{ids['evil_doc']}", "/company/qazaqpay",
                 "/search?q=zyxwvu", "/search?q=<script>"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "<script" not in page.text.lower(), path
    assert "&lt;script&gt;" in client.get(f"/version/{ids['evil_version']}").text
    hit = client.get("/search?q=zyxwvu").text
    assert f'href="/version/{ids["evil_version"]}"' in hit and "<mark>zyxwvu</mark>" in hit


def test_every_page_of_the_demo_is_balanced_and_inert_and_shows_the_translation_checks(seeded, client):
    """The UI's own markup (issue 14 added the translation sections, lag bars and verdict reasons): every
    page balanced, nothing that runs; the demo's Kazakh and Russian privacy policies show their pair."""
    from tests.conftest import ui_is_balanced_and_inert

    archive, ids = seeded
    db = archive.db()
    with db.session() as s:
        docs = {d.id: (d.doc_type if not d.historical else "old edition", d.language)
                for d in s.scalars(select(Document).where(Document.company_id == "qazaqpay"))}
    db.close()
    for path in ["/", "/company/qazaqpay", *(f"/document/{i}" for i in docs)]:
        page = client.get(path)
        assert page.status_code == 200, path
        ui_is_balanced_and_inert(page.text, path)
    for doc_id, (doc_type, language) in docs.items():
        if doc_type == "privacy_policy" and language in ("kk", "ru"):
            page = client.get(f"/document/{doc_id}").text
            assert "Language versions in full" in page and "Kazakh ↔ Russian" in page, doc_id
    assert "Language versions in full" not in client.get(f"/document/{ids['evil_doc']}").text  # a cookie policy


def test_archived_bytes_come_sandboxed_from_their_own_route(seeded, client):
    _, ids = seeded
    raw = client.get(f"/raw/{ids['evil_snap']}")
    assert raw.status_code == 200 and raw.content == HOSTILE
    assert raw.headers["content-security-policy"] == SANDBOX_CSP
    assert "allow-" not in raw.headers["content-security-policy"]
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert raw.headers["content-type"] == "text/html; charset=utf-8"
    db = seeded[0].db()
    with db.session() as s:
        shot = s.scalars(select(Snapshot).where(Snapshot.screenshot_sha256.is_not(None))).first()
    db.close()
    png = client.get(f"/screenshot/{shot.id}")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    assert png.headers["content-security-policy"] == SANDBOX_CSP
    assert client.get(f"/screenshot/{ids['evil_snap']}").status_code == 404


@pytest.mark.parametrize("path", ["/raw/../../etc/passwd", "/raw/abc", "/version/1%2f..", "/raw/%2e%2e%2fetc%2fpasswd",
                                  "/screenshot/-1", "/document/1%2f..%2f..%2fetc/evidence.zip", "/raw/99999999"])
def test_path_parameters_never_reach_the_filesystem(client, path):
    response = client.get(path)
    assert response.status_code in (404, 422)
    assert "root:" not in response.text


def test_the_ui_is_read_only(client):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert client.request(method, "/").status_code == 405
        assert client.request(method, "/raw/1").status_code == 405
    assert client.head("/").status_code == 200


def test_a_pdf_is_shown_inline_as_page_images(seeded, client):
    _, ids = seeded
    page = client.get(f"/version/{ids['pdf_version']}").text
    images = re.findall(rf'src="/raw/{ids["pdf_snap"]}/page/(\d+)\.png"', page)
    assert images == [str(n) for n in range(1, 11)]  # ru-offer.pdf has ten pages
    first = client.get(f"/raw/{ids['pdf_snap']}/page/1.png")
    assert first.status_code == 200 and first.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert first.headers["content-type"] == "image/png" and first.headers["content-security-policy"] == SANDBOX_CSP
    assert client.get(f"/raw/{ids['pdf_snap']}/page/11.png").status_code == 404  # no such page
    assert client.get(f"/raw/{ids['evil_snap']}/page/1.png").status_code == 404  # not a PDF
    assert "/page/1.png" not in client.get(f"/version/{ids['evil_version']}").text


def test_reports_feeds_and_evidence_download(seeded, client):
    _, ids = seeded
    for fmt in ("json", "csv", "md", "html", "xlsx"):
        response = client.get(f"/report/coverage.{fmt}")
        assert response.status_code == 200, fmt
        assert response.headers["content-security-policy"] == SANDBOX_CSP
    for fmt in ("json", "md", "html", "xlsx"):
        assert client.get(f"/report/changes.{fmt}").status_code == 200, fmt
    assert client.get("/report/coverage.exe").status_code == 404
    for path in ("/feed.atom", "/company/qazaqpay/feed.atom"):
        feed = client.get(path)
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(feed.content)
        ns = "{http://www.w3.org/2005/Atom}"
        assert root.tag == f"{ns}feed" and root.find(f"{ns}id") is not None
        entries = root.findall(f"{ns}entry")
        assert entries and all(e.find(f"{ns}updated") is not None for e in entries)
    old, new = _changed_versions(seeded[0])
    bundle = client.get(f"/document/{new.document_id}/evidence.zip?at={new.captured_at:%Y-%m-%dT%H:%M:%S}")
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    assert any(n.endswith("MANIFEST.sha256") for n in zipfile.ZipFile(io.BytesIO(bundle.content)).namelist())
    assert client.get(f"/document/{new.document_id}/evidence.zip?at=nonsense").status_code == 400


def test_a_token_is_checked_on_every_request(seeded):
    archive, _ = seeded
    cfg = load_config(archive.config)
    app = create_app(cfg, archive.data, db_url(archive.data), token="s3cret-token-0123456789")
    with TestClient(app) as c:
        assert c.get("/").status_code == 401
        assert c.get("/raw/1").status_code == 401
        assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/", headers={"Authorization": "Bearer s3cret-token-0123456789"}).status_code == 200
        first = c.get("/search?q=x&token=s3cret-token-0123456789", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/search?q=x"
        assert "httponly" in first.headers["set-cookie"].lower()
        assert c.get("/").status_code == 200  # the cookie now carries it
        assert c.post("/").status_code == 405


def test_serve_beyond_loopback_requires_a_token(seeded):
    archive, _ = seeded
    result = archive.cli("serve", "--host", "0.0.0.0", "--port", "0", timeout=60)
    assert result.code == 2 and "web.token" in result.err


# ---- a real browser -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server_url(seeded):
    from web.server import bound_port, make_server

    archive, _ = seeded
    server = make_server(load_config(archive.config), archive.data, db_url(archive.data), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:  # uvicorn sets it once listening; there is no event to wait on
        assert thread.is_alive() and time.monotonic() < deadline, "the web UI did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{bound_port(server)}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is not installed: run scripts/setup.sh (make test does)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_browsing_overview_company_document_version_diff_search(seeded, server_url, browser, lang):
    """The main pages in each language (issue 16): the switcher's link sets the cookie, every page after it
    keeps the language. The README's screenshots are the English ones."""
    shots = SCREENSHOTS if lang == "en" else SCREENSHOTS / lang
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 768})  # a cookie jar of its own
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    def follow(selector: str) -> None:
        # A click returns once the next page's navigation is committed, not once its document is read:
        # title() and count() do not wait.
        page.click(selector)
        page.wait_for_load_state("load")

    page.goto(server_url + "/")
    follow(f'nav.languages a[hreflang="{lang}"]')
    assert page.title().startswith(WORDS[lang][0])
    assert page.get_attribute("html", "lang") == lang
    page.screenshot(path=str(shots / "overview.png"), full_page=True)
    follow("td.company a >> text=QazaqPay")
    assert page.url.endswith("/company/qazaqpay")
    page.screenshot(path=str(shots / "company.png"), full_page=True)
    old, new = _changed_versions(seeded[0])
    follow(f'a[href="/document/{new.document_id}"] >> nth=0')
    assert page.locator("svg.timeline circle").count() == 2
    page.screenshot(path=str(shots / "document.png"), full_page=True)
    follow(f'a[href="/diff?a={old.id}&b={new.id}"]')
    assert page.locator(".pa-diff ins").count() >= 1
    page.screenshot(path=str(shots / "diff.png"), full_page=True)
    follow(f'a[href="/version/{new.id}"]')
    assert page.locator("iframe.archived").count() == 1
    page.screenshot(path=str(shots / "version.png"))
    page.fill('input[name="q"]', "лет")
    page.press('input[name="q"]', "Enter")
    page.wait_for_url("**/search?q=*")  # (waits for the results page's load)
    assert "/search?q=" in page.url and page.locator("ol.hits mark").count() >= 1
    page.screenshot(path=str(shots / "search.png"), full_page=True)
    follow("ol.hits a.hit >> nth=0")
    assert "/version/" in page.url
    assert page.get_attribute("html", "lang") == lang and page.locator("textarea.citation").count() == 1
    assert (WORDS[lang][1] in page.inner_text("header.top"))
    context.close()


def test_an_archived_page_with_scripts_cannot_reach_the_ui(seeded, server_url, browser):
    _, ids = seeded
    page = browser.new_page()
    page.goto(f"{server_url}/version/{ids['evil_version']}")
    page.wait_for_load_state("load")
    title = page.title()
    # The hostile title is shown as text (escaped), and the page's title is still the UI's own.
    assert title == f"Version {ids['evil_version']}: {HOSTILE_TITLE} · policy-archive"
    assert page.locator("h1").count() == 1 and page.locator("dl.meta").count() == 1  # body not overwritten
    frames = [f for f in page.frames if f != page.main_frame]
    assert len(frames) == 1 and frames[0].url.endswith(f"/raw/{ids['evil_snap']}")
    frame = frames[0]
    # The archived page's own scripts never ran (sandbox without allow-scripts) ...
    assert frame.evaluate("document.body.getAttribute('data-ran')") is None
    # ... and even script injected into it lives in an opaque origin that cannot touch the UI.
    reach = frame.evaluate("() => { try { return window.top.document.title } catch (e) { return 'blocked' } }")
    assert reach == "blocked"
    assert page.title() == title
    page.close()


def test_serve_on_loopback_starts_without_a_token(seeded):
    """`serve` on loopback needs no token (the demo ends with it)."""
    archive, _ = seeded
    proc = subprocess.Popen([sys.executable, "-m", "commands.cli", "--config", str(archive.config), "--data-dir",
                             str(archive.data), "serve", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO), **archive._db_env()})
    try:
        line = proc.stdout.readline()
        assert "serving the archive" in line
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_overview_is_kept_between_crawls_and_rebuilt_after_one(tmp_path):
    """The overview's tables are computed once per state of the archive; a new capture shows at once."""
    from archive.db import Database
    from tests.bench_ui import _text, seed

    url = db_url(tmp_path / "data")
    config, data = seed(tmp_path, companies=3, documents=30, snapshots=150, url=url)  # until yesterday
    app = create_app(load_config(config), data, url)
    today = f"/?since={date.today()}"
    counted = re.compile(r"substantive change since [0-9-]+ \((\d+) document")
    with TestClient(app) as c:
        assert counted.search(c.get(today).text).group(1) == "0"
        assert counted.search(c.get(today).text).group(1) == "0"
        assert len(app.state.ctx.cache) == 1  # the second answer came from the memo
        db = Database(url)
        with db.session() as s:  # what a crawl today would add: a new version of document 1
            doc = s.get(Document, 1)
            when = datetime.utcnow().replace(microsecond=0)
            snap = Snapshot(company_id=doc.company_id, document_id=1, role="document", url=doc.url,
                            final_url=doc.url, status_code=200, fetched_at=when, outcome="new", kind="server")
            s.add(snap)
            s.flush()
            s.add(Version(document_id=1, snapshot_id=snap.id, captured_at=when, text=_text(doc.language, 1, 9),
                          text_sha256="f" * 64, language=doc.language))
            s.commit()
        db.close()
        page = c.get(today).text
    assert counted.search(page).group(1) == "1"
    assert 'href="/document/1#versions"' in page


# ---- errors, ids, hosts, redirects, feeds (issue 11) ---------------------------------------------------------

TOKEN = "s3cret-token-0123456789"
ATOM = "{http://www.w3.org/2005/Atom}"


def _secured(response) -> None:
    """The headers every answer carries, errors included."""
    csp = response.headers.get("content-security-policy", "")
    assert csp in (UI_CSP, SANDBOX_CSP), (response.status_code, response.headers)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("ident", [2**31, 2**63, 2**64, 10**30])
def test_ids_beyond_the_database_integer_range_are_404_not_500(client, ident):
    for path in (f"/document/{ident}", f"/version/{ident}", f"/raw/{ident}", f"/screenshot/{ident}",
                 f"/raw/{ident}/page/1.png", f"/document/{ident}/evidence.zip", f"/diff?a={ident}&b=1",
                 f"/diff?a=1&b={ident}"):
        response = client.get(path)
        assert response.status_code == 404, (path, response.text[:200])
        _secured(response)


def test_every_error_response_carries_the_security_headers(seeded, client, tmp_path):
    archive, _ = seeded
    for response, status in ((client.get("/nowhere"), 404), (client.get("/company/nobody"), 404),
                             (client.post("/"), 405), (client.get("/diff?a=1"), 422)):
        assert response.status_code == status
        _secured(response)
    cfg = load_config(archive.config)
    guarded = create_app(cfg, archive.data, db_url(archive.data), allowed_hosts=["127.0.0.1"])
    with TestClient(guarded, base_url="http://127.0.0.1") as c:
        rebinding = c.get("/", headers={"host": "evil.example"})
        assert rebinding.status_code == 400
        _secured(rebinding)
    with TestClient(create_app(cfg, archive.data, db_url(archive.data), token=TOKEN)) as c:
        refused = c.get("/")
        assert refused.status_code == 401
        _secured(refused)


def test_a_real_500_carries_the_security_headers_and_no_traceback(tmp_path):
    """A handler that fails for real (its table is gone): a plain 500 from our guard, with the headers."""
    from sqlalchemy import create_engine, text

    from tests.bench_ui import seed

    url = db_url(tmp_path / "data")
    config, data = seed(tmp_path, companies=1, documents=2, snapshots=4, url=url)
    app = create_app(load_config(config), data, url)
    with TestClient(app) as c:
        assert c.get("/version/1").status_code == 200
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE versions RENAME TO versions_gone"))
        engine.dispose()
        broken = c.get("/version/1")
    assert broken.status_code == 500
    _secured(broken)
    assert "Traceback" not in broken.text and "versions" not in broken.text


@pytest.mark.parametrize(("location", "expected"), [
    ("//evil.example/x?token=1", "/x?token=1"),
    ("/\\evil.example/x", "/evil.example/x"),
    ("http://evil.example/a?b=c", "/a?b=c"),
    ("\t//evil.example/", "/"),
    ("/\t/evil.example/", "/"),  # a browser drops the tab: //evil.example/
    ("/search?q=x", "/search?q=x"),
])
def test_no_redirect_target_leaves_the_site(location, expected):
    assert on_site(location) == expected


def test_the_feed_links_come_from_the_configured_address_not_the_host_header(seeded):
    archive, _ = seeded
    app = create_app(load_config(archive.config), archive.data, db_url(archive.data), token=TOKEN,
                     base_url="http://archive.example.kz:8080")
    with TestClient(app, headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        feed = c.get("/feed.atom", headers={"host": "evil.example"})
    assert feed.status_code == 200
    links = _feed_links(feed.content)
    assert links and all(link.startswith("http://archive.example.kz:8080/") for link in links)
    assert b"evil.example" not in feed.content


def _feed_links(body: bytes) -> list[str]:
    root = ET.fromstring(body)
    return [root.find(f"{ATOM}id").text, *(e.get("href") for e in root.iter(f"{ATOM}link")),
            *(e.text for e in root.iter(f"{ATOM}id"))]


class _Served:
    """``policy-archive serve`` in a subprocess; ``url`` is the address it says it serves at."""

    def __init__(self, archive, config: Path, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "commands.cli", "--config", str(config), "--data-dir", str(archive.data), "serve",
             "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), **archive._db_env()})
        line = self.proc.stdout.readline()
        match = re.search(r" at (http://\S+?)/ \(Ctrl-C stops\)", line)
        if not match:
            self.stop()
            raise AssertionError(f"serve did not start: {line!r} {self.proc.stderr.read()!r}")
        self.url = match.group(1)
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port

    def get(self, path: str, host: str | None = None, headers: dict | None = None) -> http.client.HTTPResponse:
        """A request sent as written: the path is not normalised (``//evil.example/x`` stays as it is)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or urlsplit(self.url).netloc)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _token_config(archive) -> Path:
    cfg = yaml.safe_load(archive.config.read_text(encoding="utf-8"))
    cfg["web"] = {"token": TOKEN}
    path = archive.root / "with-token.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def test_serve_on_another_loopback_address_answers_its_own_host_and_builds_feeds_from_it(seeded):
    archive, _ = seeded
    served = _Served(archive, archive.config, "--host", "127.0.0.2")
    try:
        assert served.host == "127.0.0.2" and served.port > 0
        page = served.get("/")
        assert page.status == 200 and b"QazaqPay" in page.body
        rebinding = served.get("/", host="evil.example")
        assert rebinding.status == 400 and rebinding.getheader("content-security-policy") == UI_CSP
        # Another loopback name is accepted, but the feed's links are still the bound address.
        feed = served.get("/feed.atom", host=f"localhost:{served.port}")
        assert feed.status == 200
        assert all(link.startswith(f"http://127.0.0.2:{served.port}/") for link in _feed_links(feed.body))
    finally:
        served.stop()


def test_the_token_redirect_never_leaves_the_site(seeded):
    archive, _ = seeded
    served = _Served(archive, _token_config(archive), "--host", "127.0.0.2")
    try:
        for path in (f"//evil.example/x?token={TOKEN}", f"/\\evil.example/x?token={TOKEN}",
                     f"//evil.example/?q=1&token={TOKEN}"):
            response = served.get(path)
            assert response.status == 303, path
            location = response.getheader("location")
            assert location.startswith("/") and not location.startswith(("//", "/\\")), (path, location)
            assert urlsplit(location).netloc == "" and TOKEN not in location
            assert response.getheader("content-security-policy") == UI_CSP
        assert served.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
    finally:
        served.stop()


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_serve_on_ipv6_loopback(seeded, host):
    if not _ipv6_loopback():
        pytest.skip("this machine cannot bind ::1 (no IPv6 on loopback)")
    archive, _ = seeded
    served = _Served(archive, archive.config, "--host", host)
    try:
        assert served.url == f"http://[::1]:{served.port}"
        page = served.get("/")
        assert page.status == 200 and b"QazaqPay" in page.body
        feed = served.get("/feed.atom")
        assert all(link.startswith(f"http://[::1]:{served.port}/") for link in _feed_links(feed.body))
    finally:
        served.stop()


def test_serve_on_an_address_it_cannot_bind_says_so_with_the_config_error_code(seeded):
    archive, _ = seeded
    config = _token_config(archive)
    for host in ("192.0.2.1", "no-such-host.invalid"):  # TEST-NET-1: not this machine's; a name that never resolves
        result = archive.cli("--config", str(config), "serve", "--host", host, "--port", "0", timeout=60)
        assert result.code == 2, (host, result.err)
        assert f"cannot listen on {host}:0" in result.err and "Traceback" not in result.err


def test_a_too_short_token_is_reported_as_too_short(seeded):
    archive, _ = seeded
    cfg = yaml.safe_load(archive.config.read_text(encoding="utf-8"))
    cfg["web"] = {"token": "abc-12345"}
    path = archive.root / "weak.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    result = archive.cli("--config", str(path), "check-config")
    assert result.code == 2
    assert "web.token: must be at least 16 characters long, got 9" in result.err
    assert "abc-12345" not in result.err and "must not be empty" not in result.err


# ---- issue 16: the UI in ru, kk and en, and "cite this" -------------------------------------------------------

WORDS = {"en": ("Overview", "Search", "Needs attention"), "ru": ("Обзор", "Поиск", "Требует внимания"),
         "kk": ("Шолу", "Іздеу", "Назар аударуды қажет етеді")}
CITE_BASE = "https://archive.example.org"


@pytest.fixture
def fresh(seeded):
    """A client of its own (its cookies do not leak into the module's English ``client``), whose UI was
    started at CITE_BASE."""
    archive, _ = seeded
    app = create_app(load_config(archive.config), archive.data, db_url(archive.data), base_url=CITE_BASE)
    with TestClient(app) as c:
        yield c


def _html_lang(body: str) -> str:
    return re.search(r'<html lang="([a-z]+)">', body).group(1)


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_every_page_in_each_language_translated_balanced_and_inert(seeded, fresh, lang):
    from tests.conftest import ui_is_balanced_and_inert

    archive, ids = seeded
    old, new = _changed_versions(archive)
    paths = ["/", "/company/qazaqpay", f"/document/{new.document_id}", f"/version/{new.id}",
             f"/diff?a={old.id}&b={new.id}", "/search?q=лет", f"/version/{ids['evil_version']}", "/version/999999"]
    first = fresh.get(f"/?lang={lang}")
    assert first.status_code == 200 and _html_lang(first.text) == lang
    for path in paths:
        page = fresh.get(path)  # the cookie the switcher's link set
        assert _html_lang(page.text) == lang, path
        assert page.headers["content-language"] == lang
        assert page.headers["content-security-policy"] == UI_CSP
        ui_is_balanced_and_inert(page.text, f"{path} [{lang}]")
    overview = fresh.get("/").text
    assert all(word in overview for word in WORDS[lang]), lang
    if lang != "en":
        assert ">Overview<" not in overview and ">Needs attention<" not in overview
    company = fresh.get("/company/qazaqpay").text
    label = {"en": "privacy_policy", "ru": "Политика конфиденциальности", "kk": "Құпиялылық саясаты"}[lang]
    assert label in company
    # The archived text, its title and URL are never translated, and stay escaped.
    evil = fresh.get(f"/version/{ids['evil_version']}").text
    assert "Evil policy &lt;script&gt;alert(1)&lt;/script&gt;" in evil and "zyxwvu clause" in evil
    offer = fresh.get(f"/version/{ids['pdf_version']}").text
    assert "1. Публичная оферта" in offer and "http://127.0.0.2:1/offer" in offer


def test_the_switcher_cookie_and_accept_language(seeded, fresh):
    home = fresh.get("/", headers={"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"})
    assert _html_lang(home.text) == "kk" and "set-cookie" not in home.headers  # the browser's choice: no cookie
    assert _html_lang(fresh.get("/", headers={"Accept-Language": "de-DE,ru;q=0.5"}).text) == "ru"
    assert _html_lang(fresh.get("/", headers={"Accept-Language": "de, fr"}).text) == "en"
    # Every page links to itself in the three languages, its own query kept.
    links = re.findall(r'<a href="([^"]+)" hreflang="([a-z]+)"', fresh.get("/search?q=x&lang=ru").text)
    assert [(h.replace("&amp;", "&"), code) for h, code in links] == [
        ("/search?q=x&lang=ru", "ru"), ("/search?q=x&lang=kk", "kk"), ("/search?q=x&lang=en", "en")]
    chosen = fresh.get("/?lang=ru", headers={"Accept-Language": "kk"})
    cookie = chosen.headers["set-cookie"].lower()
    assert "policy_archive_lang=ru" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert _html_lang(fresh.get("/", headers={"Accept-Language": "kk"}).text) == "ru"  # the cookie wins
    # Only our three codes are ever read: another value of the parameter or the cookie is ignored.
    for bad in ("de", "ru<script>", "../kk", "RU-ru"):
        page = fresh.get("/", params={"lang": bad})
        assert page.status_code == 200 and _html_lang(page.text) == "ru" and "set-cookie" not in page.headers
    fresh.cookies.set("policy_archive_lang", '"><script>alert(1)</script>')
    assert _html_lang(fresh.get("/", headers={"Accept-Language": "kk"}).text) == "kk"
    assert fresh.post("/?lang=ru").status_code == 405  # still GET and HEAD only


def test_dates_are_formatted_for_the_language(seeded, fresh):
    import i18n

    _, new = _changed_versions(seeded[0])
    for lang in ("en", "ru", "kk"):
        with i18n.using(lang):
            expected = i18n.when(new.captured_at)
        body = fresh.get(f"/version/{new.id}?lang={lang}").text
        assert f"{expected} UTC" in body, lang
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", fresh.get(f"/version/{new.id}?lang=en").text)
    assert not re.search(r"<dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC", fresh.get(f"/version/{new.id}?lang=ru").text)


def _citation(body: str) -> str:
    import html as html_module

    return html_module.unescape(re.search(r'<textarea class="citation"[^>]*>(.*?)</textarea>', body, re.S).group(1))


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_cite_this_version_and_a_clause(seeded, fresh, lang):
    from zoneinfo import ZoneInfo

    _, new = _changed_versions(seeded[0])
    db = seeded[0].db()
    with db.session() as s:
        snap = s.get(Snapshot, new.snapshot_id)
        doc = s.get(Document, new.document_id)
    db.close()
    page = fresh.get(f"/version/{new.id}?lang={lang}", headers={"Host": "evil.example"})
    cited = _citation(page.text)
    assert doc.url in cited and snap.sha256 in cited and new.text_sha256 in cited
    assert f"{CITE_BASE}/version/{new.id}" in cited and "evil.example" not in cited
    assert "QazaqPay" in cited
    astana = new.captured_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Almaty"))
    assert f"UTC{astana.strftime('%z')[:3]}:{astana.strftime('%z')[3:]}" in cited
    if lang == "en":
        assert new.captured_at.strftime("%Y-%m-%d %H:%M:%S UTC") in cited
        assert astana.strftime("%Y-%m-%d %H:%M:%S Astana time") in cited
    else:
        assert {"ru": "по времени Астаны", "kk": "Астана уақыты бойынша"}[lang] in cited
    paragraphs = new.text.split("\n")
    n = next(i for i, p in enumerate(paragraphs, 1) if p.strip())
    clause = fresh.get(f"/version/{new.id}?clause={n}&lang={lang}")
    assert clause.status_code == 200
    quoted = _citation(clause.text)
    assert f"«{paragraphs[n - 1].strip()}»" in quoted and f"/version/{new.id}?clause={n}#clause-{n}" in quoted
    assert f'href="/version/{new.id}?clause={n}#cite"' in clause.text
    for bad in ("0", "abc", str(len(paragraphs) + 1), "1e3", "-1"):
        refused = fresh.get(f"/version/{new.id}", params={"clause": bad})
        assert refused.status_code == 400 and "clause" in refused.text


def test_a_screenshot_is_cited_when_there_is_one(seeded, fresh):
    archive, _ = seeded
    db = archive.db()
    with db.session() as s:
        snap = s.scalars(select(Snapshot).where(Snapshot.screenshot_sha256.is_not(None))).first()
        version = s.scalars(select(Version).where(Version.snapshot_id == snap.id)).first() if snap else None
    db.close()
    if version is None:  # the demo takes screenshots of rendered pages; say so if that ever stops
        pytest.fail("the seeded demo archive has no version with a screenshot")
    assert f"{CITE_BASE}/screenshot/{snap.id}" in _citation(fresh.get(f"/version/{version.id}").text)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_report_downloads_in_the_page_language_and_csv_json_in_english(seeded, fresh, lang):
    page = fresh.get(f"/report/coverage.html?lang={lang}")
    assert page.status_code == 200 and _html_lang(page.text) == lang
    assert {"ru": "Наличие документов политики", "kk": "Саясат құжаттарының болуы"}[lang] in page.text
    assert _html_lang(fresh.get("/report/changes.html").text) == lang
    assert fresh.get("/report/coverage.csv").content.decode("utf-8-sig").startswith("campaign,sector,company_id")
    assert '"companies"' in fresh.get("/report/coverage.json").text


# ---- issue 16, the rest: what was tried, how a capture was reached, the feeds, the Guard's answers -------------

_TRIED = {"ru": ("страниц посещено:", "текст на русском"), "kk": ("бет қаралды", "орыс тіліндегі мәтін")}


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_what_was_tried_and_how_a_capture_was_reached_in_the_pages_language(seeded, fresh, lang):
    archive, _ = seeded
    english = fresh.get("/company/tenge-finance?lang=en").text
    assert "pages visited" in english and "Russian text" in english  # the demo's trail for its Kazakh offer
    for path in ("/company/tenge-finance", "/"):
        page = fresh.get(f"{path}?lang={lang}").text
        assert "pages visited" not in page and "Russian text" not in page, path
        assert all(words in page for words in _TRIED[lang]), (path, lang)
    db = archive.db()
    with db.session() as s:
        snap = s.scalars(select(Snapshot).where(Snapshot.document_id.is_not(None), Snapshot.variant.like("cookie:%"))
                         .order_by(Snapshot.id)).first()
    db.close()
    assert snap is not None and snap.reached.get("switcher"), "the demo's cookie switcher"
    assert f"switcher &#39;{snap.reached['switcher']}&#39;" in fresh.get(f"/document/{snap.document_id}?lang=en").text
    page = fresh.get(f"/document/{snap.document_id}?lang={lang}").text
    assert "switcher &#39;" not in page and " for kk " not in page
    assert {"ru": f"переключатель «{snap.reached['switcher']}»", "kk": f"«{snap.reached['switcher']}» ауыстырғышы"}[
        lang] in page
    assert snap.variant.partition(":")[2] in page  # the cookie itself: the site's, as it was


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_feeds_speak_the_asked_language_and_stay_valid_atom(seeded, fresh, lang):
    ns = "{http://www.w3.org/2005/Atom}"
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    english = ET.fromstring(fresh.get("/feed.atom?lang=en").content)
    assert english.get(xml_lang) == "en" and english.find(f"{ns}title").text == "Policy changes"
    assert all(e.find(f"{ns}title").text.endswith("] changed") for e in english.findall(f"{ns}entry"))
    for feed in (fresh.get(f"/company/qazaqpay/feed.atom?lang={lang}"),
                 fresh.get("/feed.atom", headers={"Accept-Language": f"{lang};q=0.9"}),  # the cookie, now
                 TestClient(fresh.app).get("/feed.atom", headers={"Accept-Language": f"{lang}-KZ"})):
        root = ET.fromstring(feed.content)  # well-formed
        assert root.get(xml_lang) == lang and feed.headers["content-language"] == lang
        assert {"ru": "Изменения документов", "kk": "Құжаттардағы өзгерістер"}[lang] in root.find(f"{ns}title").text
        entries = root.findall(f"{ns}entry")
        assert entries
        texts = " ".join(e.find(f"{ns}title").text + e.find(f"{ns}summary").text for e in entries)
        assert "changed" not in texts and "words added" not in texts and "privacy_policy" not in texts
        assert {"ru": "изменён", "kk": "өзгерді"}[lang] in texts
        assert {"ru": "Политика конфиденциальности", "kk": "Құпиялылық саясаты"}[lang] in texts
        if feed.url.path == "/feed.atom":  # the ids do not depend on the language: no entry comes twice
            assert [e.find(f"{ns}id").text for e in entries] == [
                e.find(f"{ns}id").text for e in english.findall(f"{ns}entry")]


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_the_guards_refusals_in_the_requests_language_as_strict_as_before(seeded, lang):
    archive, _ = seeded
    app = create_app(load_config(archive.config), archive.data, db_url(archive.data), token="s3cret-token-0123456789")
    said = {"ru": ("нужен токен", "только чтение"), "kk": ("токен қажет", "тек оқу")}[lang]
    with TestClient(app) as c:
        english = c.get("/")
        assert english.status_code == 401 and english.text.startswith("a token is required")
        for refused in (c.get("/", headers={"Accept-Language": lang}), c.get(f"/raw/1?lang={lang}"),
                        c.get("/", cookies={"policy_archive_lang": lang})):
            assert refused.status_code == 401 and refused.text.startswith(said[0]), refused.text
            assert "a token is required" not in refused.text and "set-cookie" not in refused.headers
            assert refused.headers["www-authenticate"] == "Bearer" and refused.headers["content-language"] == lang
            assert refused.headers["content-security-policy"] == UI_CSP
            assert refused.headers["x-content-type-options"] == "nosniff"
            assert refused.headers["x-frame-options"] == "DENY"
        # A language never opens a door: the token is still checked, only GET and HEAD still pass.
        assert c.get(f"/?lang={lang}&token=wrong", follow_redirects=False).status_code == 401
        post = c.post("/", headers={"Accept-Language": lang, "Authorization": "Bearer s3cret-token-0123456789"})
        assert post.status_code == 405 and post.text.startswith(said[1]) and post.headers["allow"] == "GET, HEAD"
        unreadable = c.get("/", headers={"Accept-Language": "x" * 5000 + ",;q=abc"})
        assert unreadable.status_code == 401 and unreadable.text.startswith("a token is required")
