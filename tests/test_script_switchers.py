"""Script-only links and language switchers (issue 13): read from the HTML, and clicked in real Chromium.

The crawl tests run the real CLI against loopback fixture sites and check what the coverage report says
(``report coverage --format json``) and what the archive keeps.
"""

from __future__ import annotations

import json

import pytest
from lxml import html as lxml_html

from archive.models import Document, Snapshot
from config.loader import default_vocabulary
from crawler.demo.server import FixtureServer, FixtureSite, Route
from spiders.scripted import script_links, script_switchers
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, text_pdf

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching

KK_TERMS = "Пайдаланушы келісімі"
RU_TERMS = "Пользовательское соглашение"


def _page(title: str, clauses: list[str], *, lang: str = "ru", header: str = "", script: str = "") -> str:
    items = "".join(f"<p>{i}. {c}</p>" for i, c in enumerate(clauses, 1))
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><header><a href="/">Главная</a> {header}</header><main><h1>{title}</h1>{items}</main>'
            f"<footer>© 2025</footer>{script}</body></html>")


def _home(links: dict[str, str], header: str = "") -> str:
    anchors = " ".join(f'<a href="{href}">{text}</a>' for href, text in links.items())
    return (f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Банк</title></head><body>'
            f'<header>{header}</header><main><p>Добро пожаловать в банк.</p></main><footer>{anchors}</footer>'
            f"</body></html>")


def _report(archive) -> dict:
    result = archive.cli("report", "coverage", "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def _row(report: dict, doc_type: str) -> dict:
    return next(d for c in report["companies"] for d in c["documents"] if doc_type in d["types_found"])


def _root(body: str):
    return lxml_html.document_fromstring(body)


BASE = "https://bank.kz/ru/terms"


def test_links_that_lead_on_only_by_script_are_read_from_the_html():
    page = _root("""<html><body>
      <li data-href="/kz/terms">Қазақша</li>
      <span role="link" onclick="location.href = '/ru/privacy'">Политика конфиденциальности</span>
      <div onclick="window.location.assign('/offer')" title="Публичная оферта"></div>
      <button data-href="/files/oferta-kk.pdf" onclick="window.open(this.dataset.href)">Жария оферта</button>
      <button onclick="window.open('https://bank.kz/tariffs.pdf', '_blank')"><img alt="Тарифы"></button>
      <form><button formaction="/rules">Правила</button></form>
      <select onchange="location = this.value"><option value="/ru/">Рус</option><option value="/kz/">Қаз</option>
      </select>
      <select onchange="setLang(this.value)"><option value="ru">Рус</option><option value="kk">Қаз</option></select>
      <a href="/plain">Обычная ссылка</a>
      <a href="#" data-href="/kz/">KZ</a>
      <button onclick="document.cookie='lang=kk';location.reload()">Қаз</button>
    </body></html>""")
    found = {(link.url, link.text) for link in script_links(page, BASE)}
    assert found == {
        ("https://bank.kz/kz/terms", "Қазақша"),
        ("https://bank.kz/ru/privacy", "Политика конфиденциальности"),
        ("https://bank.kz/offer", "Публичная оферта"),
        ("https://bank.kz/files/oferta-kk.pdf", "Жария оферта"),
        ("https://bank.kz/tariffs.pdf", "Тарифы"),
        ("https://bank.kz/rules", "Правила"),
        ("https://bank.kz/ru/", "Рус"),
        ("https://bank.kz/kz/", "Қаз"),
        ("https://bank.kz/kz/", "KZ"),
    }
    assert {link.kind for link in script_links(page, BASE)} == {"script"}


def test_switchers_without_a_url_are_found_by_their_label_and_ordinary_text_is_not():
    vocabulary = default_vocabulary()
    page = _root("""<html><body>
      <button onclick="document.cookie='lang=kk';location.reload()">Қаз</button>
      <button aria-haspopup="true" aria-expanded="false">RU ▾</button>
      <ul class="lang-switch"><li>English</li></ul>
      <select onchange="setLang(this.value)"><option value="ru">Русский</option><option value="kk">Қазақша</option>
      </select>
      <span role="button"><img src="/kz.png" alt="KZ"></span>
      <a href="/kz/">Қаз</a>
      <li data-href="/kz/terms">Қазақша</li>
      <p>Рус</p>
      <button onclick="buy()">Кредиты</button>
    </body></html>""")
    found = script_switchers(page, BASE, vocabulary)
    assert sorted(found, key=lambda s: s["text"]) == sorted([
        {"text": "Қаз", "language": "kk", "kind": "script"},
        {"text": "RU ▾", "language": "ru", "kind": "menu"},
        {"text": "English", "language": "en", "kind": "script"},
        {"text": "Русский", "language": "ru", "kind": "script"},
        {"text": "Қазақша", "language": "kk", "kind": "script"},
        {"text": "KZ", "language": "kk", "kind": "script"},
    ], key=lambda s: s["text"])
    plain = _root('<html><body><a href="/kz/">Қаз</a> <a href="/ru/">Рус</a><p>Рус</p></body></html>')
    assert script_switchers(plain, BASE, vocabulary) == []


@pytest.mark.parametrize("element, kind", [
    ('<LI DATA-HREF="/kz/terms">Қазақша</LI>', "link"),
    ("<li data-url='/kz/terms'>Қазақша</li>", "link"),
    ('<li data-link="/kz/terms">Қазақша</li>', "link"),
    ("<SPAN onClick=\"location.href='/kz/terms'\">Қазақша</SPAN>", "link"),
    ('<form><button formaction="/kz/terms">Қазақша</button></form>', "link"),
    ('<select ONCHANGE="location = this.value"><option value="/kz/terms">Қазақша</option></select>', "link"),
    ("<BUTTON>Қаз</BUTTON>", "switcher"),
    ('<select><option value="kk">Қаз</option></select>', "switcher"),
    ('<span data-lang="kk">Қаз</span>', "switcher"),
    ('<span data-locale="kk">Қаз</span>', "switcher"),
    ('<span data-language="kk">Қаз</span>', "switcher"),
    ('<span aria-haspopup="true">Қаз</span>', "switcher"),
    ('<span aria-expanded="false">Қаз</span>', "switcher"),
    ('<span ROLE="button">Қаз</span>', "switcher"),
    ('<ul id="I18N"><li>Қаз</li></ul>', "switcher"),
    ('<ul class="x lng-menu"><li>Қаз</li></ul>', "switcher"),
])
def test_one_element_of_each_kind_alone_is_found(element, kind):
    """Each kind on a page with nothing else: the check that skips pages without any (spiders.scripted.
    _attributes) must let every one through, whatever the case of the markup."""
    page = _root(f"<html><body><p>{'Текст политики. ' * 200}</p>{element}</body></html>")
    if kind == "link":
        assert [link.url for link in script_links(page, BASE)] == ["https://bank.kz/kz/terms"]
    else:
        assert [s["language"] for s in script_switchers(page, BASE, default_vocabulary())] == ["kk"]


COOKIE_BUTTON = """<button class="lang" onclick="document.cookie='lang=kk;path=/';location.reload()">Қаз</button>"""


def test_a_button_that_sets_a_language_cookie_is_clicked_and_the_documents_fetched_in_kazakh(archive):
    site = FixtureSite(routes={
        "/": Route(body=_home({"/terms": RU_TERMS}, header=COOKIE_BUTTON), select="cookie:lang",
                   languages={"kk": _home({"/terms": KK_TERMS})}),
        "/terms": Route(body=_page(RU_TERMS, RU_CLAUSES, header=COOKIE_BUTTON), select="cookie:lang",
                        languages={"kk": _page(KK_TERMS, KK_CLAUSES, lang="kk")}),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        result = archive.crawl()
    assert result.code == 0, result.out + result.err
    terms = _row(_report(archive), "terms_of_service")
    assert terms["f1a"] == "yes" and set(terms["languages"]) == {"kk", "ru"}, terms
    kk = terms["languages"]["kk"]
    assert (kk["how"], kk["variant"]) == ("click", "cookie:lang=kk"), kk
    doc = archive.rows(Document, Document.id == kk["document_id"])[0]
    snap = archive.rows(Snapshot, Snapshot.document_id == doc.id)[-1]
    assert snap.reached["how"] == "click" and snap.reached["cookies"] == {"lang": "kk"}, snap.reached
    assert snap.reached["switcher"] == "Қаз"
    assert "lang=kk" in snap.request_headers.get("Cookie", ""), snap.request_headers
    # The plain Russian page is still its own document, untouched.
    assert terms["languages"]["ru"]["variant"] == ""


MENU = """<div class="lang"><button id="lang" aria-haspopup="true" aria-expanded="false">RU ▾</button>
<ul id="menu"></ul></div>"""
MENU_JS = """<script>
document.getElementById('lang').addEventListener('click', () => {
  const menu = document.getElementById('menu');
  menu.innerHTML = '<li data-href="/kz/terms">Қазақша</li><li data-href="/ru/terms">Русский</li>';
  menu.querySelectorAll('li').forEach(li => li.addEventListener('click', () => { location.href = li.dataset.href; }));
  document.getElementById('lang').setAttribute('aria-expanded', 'true');
});
</script>"""
PDF_BUTTON = ('<button data-href="/files/oferta-kk.pdf" onclick="window.open(this.dataset.href)">'
              "Жария оферта</button>")


def test_a_menu_built_by_script_is_opened_and_a_pdf_behind_a_button_is_a_document(archive):
    site = FixtureSite(routes={
        "/": Route(body=_home({"/ru/terms": RU_TERMS})),
        "/ru/terms": Route(body=_page(RU_TERMS, RU_CLAUSES, header=MENU + PDF_BUTTON, script=MENU_JS)),
        "/kz/terms": Route(body=_page(KK_TERMS, KK_CLAUSES, lang="kk")),
        "/files/oferta-kk.pdf": Route(body=text_pdf("Public offer", ["Offer terms of the bank."] * 30),
                                      content_type="application/pdf"),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        result = archive.crawl()
        browser = {r.path for r in site.requests if r.header("Sec-Fetch-Mode")}
    assert result.code == 0, result.out + result.err
    assert "/ru/terms" in browser and "/" not in browser  # only the page with a switcher is acted on
    terms = _row(_report(archive), "terms_of_service")  # the offer's English PDF is in this row too
    assert terms["f1a"] == "yes" and set(terms["languages"]) >= {"kk", "ru"}, terms
    kk = terms["languages"]["kk"]
    assert kk["url"].endswith("/kz/terms") and kk["how"] == "click" and kk["variant"] == "", kk
    snap = archive.rows(Snapshot, Snapshot.url.endswith("/kz/terms"))[0]
    assert snap.reached["switcher"] == "Қазақша" and snap.reached["from"].endswith("/ru/terms"), snap.reached
    ru = archive.rows(Snapshot, Snapshot.url.endswith("/ru/terms"))
    assert [s.kind for s in ru] == ["server"]
    assert {"text": "RU ▾", "language": "ru", "kind": "menu"} in ru[0].reached["offers"]["switchers"]

    pdf = archive.rows(Document, Document.url.endswith("/files/oferta-kk.pdf"))
    assert len(pdf) == 1 and pdf[0].doc_type == "public_offer", pdf
    pdf_snap = archive.rows(Snapshot, Snapshot.document_id == pdf[0].id)[0]
    assert pdf_snap.reached["how"] == "click" and pdf_snap.reached["switcher"] == "Жария оферта", pdf_snap.reached
    # The menu's screenshot is kept with the page's evidence only when a click changed nothing or changed the
    # text in place; here both items led somewhere, so no click capture of /ru/terms exists.
    assert not archive.rows(Snapshot, Snapshot.variant.startswith("click:"))


DEAD_BUTTON = """<span class="lang-switch"><button type="button" onclick="this.blur()">Қаз</button></span>"""
KK_PRIVACY = "Құпиялылық саясаты"
# A switcher that rewrites the page in place, as some single-page sites do: no URL, no cookie.
IN_PLACE_BUTTON = """<button class="lang" onclick="toKazakh()">Қаз</button>"""
IN_PLACE_JS = ("<script>function toKazakh() { document.documentElement.lang = 'kk'; document.querySelector('main')"
               ".innerHTML = " + json.dumps(f"<h1>{KK_PRIVACY}</h1>" + "".join(f"<p>{c}</p>" for c in KK_CLAUSES),
                                            ensure_ascii=False) + "; }</script>")


CURRENT_AND_LINK = '<ul class="lang"><li class="active">Рус</li><li><a href="/kz/cookies">Қаз</a></li></ul>'


def test_a_switcher_that_changes_nothing_leaves_kazakh_missing_with_the_evidence(archive):
    site = FixtureSite(routes={
        "/": Route(body=_home({"/terms": RU_TERMS, "/privacy": "Политика конфиденциальности",
                               "/cookies": "Политика использования файлов cookie"})),
        "/terms": Route(body=_page(RU_TERMS, RU_CLAUSES, header=DEAD_BUTTON)),
        "/privacy": Route(body=_page("Политика конфиденциальности", RU_CLAUSES, header=IN_PLACE_BUTTON,
                                     script=IN_PLACE_JS)),
        # "Рус" marks the current language beside a link to the Kazakh version: nothing to click for.
        "/cookies": Route(body=_page("Политика использования файлов cookie", RU_CLAUSES, header=CURRENT_AND_LINK)),
        "/kz/cookies": Route(body=_page("Cookie файлдарын пайдалану саясаты", KK_CLAUSES, lang="kk")),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        result = archive.crawl()
        browser = {r.path for r in site.requests if r.header("Sec-Fetch-Mode")}
    assert result.code == 0, result.out + result.err
    # Only the pages showing a switcher that may lead somewhere new went to the browser.
    assert browser == {"/terms", "/privacy"}, browser
    report = _report(archive)
    terms = _row(report, "terms_of_service")
    assert terms["f1a"] == "partial" and terms["missing_languages"] == ["kk"], terms

    evidence = archive.rows(Snapshot, Snapshot.variant == "click:Қаз", Snapshot.url.endswith("/terms"))
    assert len(evidence) == 1, [(s.url, s.variant) for s in archive.rows(Snapshot)]
    shot = evidence[0]
    assert shot.kind == "rendered"
    assert shot.reached == {"how": "click", "language": "kk", "switcher": "Қаз", "from": shot.url,
                            "result": "nothing changed"}, shot.reached
    assert shot.screenshot_sha256 is not None
    assert shot.document_id is None  # the same Russian text: evidence, not a Kazakh document
    plain = archive.rows(Snapshot, Snapshot.variant == "", Snapshot.url.endswith("/terms"))
    assert [s.kind for s in plain] == ["server"]  # the plain capture stands, never replaced by the browser's
    assert {"text": "Қаз", "language": "kk", "kind": "script"} in plain[0].reached["offers"]["switchers"]

    # The switcher that rewrote the page in place: its DOM after the click is the Kazakh version.
    privacy = _row(report, "privacy_policy")
    assert privacy["f1a"] == "yes" and set(privacy["languages"]) == {"kk", "ru"}, privacy
    kk = privacy["languages"]["kk"]
    assert (kk["how"], kk["variant"], kk["url"]) == ("click", "click:Қаз", privacy["languages"]["ru"]["url"]), kk
    kk_snap = archive.rows(Snapshot, Snapshot.document_id == kk["document_id"])[0]
    assert kk_snap.reached["result"] == "in place" and kk_snap.screenshot_sha256 is not None
    assert [d.variant for d in archive.rows(Document, Document.variant != "")] == ["click:Қаз"]


LANG_SELECT = """<select class="lang" onchange="document.cookie = 'lang=' + this.value + ';path=/'; location.reload()">
<option value="ru" selected>Русский</option><option value="kk">Қазақша</option></select>"""


def test_a_language_select_that_sets_a_cookie_the_server_ignores_is_tried_and_kazakh_stays_missing(archive):
    site = FixtureSite(routes={
        "/": Route(body=_home({"/terms": RU_TERMS})),
        "/terms": Route(body=_page(RU_TERMS, RU_CLAUSES, header=LANG_SELECT)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        result = archive.crawl()
        cookies = {r.header("Cookie") for r in site.requests if r.path == "/terms" and not r.header("Sec-Fetch-Mode")}
    assert result.code == 0, result.out + result.err
    assert "lang=kk" in cookies  # the page was asked for again with the cookie the select set
    terms = _row(_report(archive), "terms_of_service")
    assert terms["f1a"] == "partial" and terms["missing_languages"] == ["kk"], terms
    tried = archive.rows(Snapshot, Snapshot.variant == "cookie:lang=kk")
    assert tried and all(s.document_id is None for s in tried)  # the same Russian text: evidence only
    assert tried[0].reached["how"] == "click" and tried[0].reached["switcher"] == "Қазақша", tried[0].reached
