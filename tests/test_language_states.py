"""Language states (issue 13): versions of a page that a cookie or Accept-Language selects, and how each
capture was reached.

The crawl tests run one crawl (and one re-crawl) over four fixture companies at once, each on its own
loopback site, and check them through ``report coverage --format json``, the archive's tables and the
fixtures' request logs:
- ``cookiebank``: /terms and /privacy answer Russian, or Kazakh with the cookie ``lang=kk`` that the
  "Қаз" switcher (/set-lang?l=kk → Set-Cookie → back to the page) sets; the Kazakh homepage also
  lists a document the Russian one does not;
- ``negobank``: /privacy answers ``Accept-Language: kk`` in Kazakh, with ``Vary: Accept-Language``;
- ``samebank``: a "Қаз" switcher that sets a cookie, but the pages stay Russian;
- ``plainbank``: a static Russian site with no language mechanism at all.
The logic that needs no crawl (offers, cookies, probe budgets, settings, config) is tested in-process.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from scrapy.http import HtmlResponse, Request

from archive.models import Document, Run, Snapshot, Version
from archive.records import COOKIE, DOCUMENT
from config import Company, ConfigError, load_config
from config.loader import default_vocabulary
from crawler.demo.server import FixtureServer, FixtureSite, Route
from crawler.settings import scrapy_settings
from spiders.links import RawLink
from spiders.states import BLIND_PROBES, LanguageStates, negotiates, offers, replay_headers, request_cookies
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page

DEFAULT_ACCEPT_LANGUAGE = "ru-RU,ru;q=0.9,kk-KZ;q=0.8,kk;q=0.7,en;q=0.5"

KK_TERMS = [
    "Осы пайдаланушы келісімі сайтты және компанияның қызметтерін пайдалану шарттарын белгілейді.",
    "Пайдаланушы тіркелу кезінде өзі туралы шынайы және толық мәліметтерді ұсынуға міндетті.",
    "Компания қызметтерді көрсету тәртібін өзгертуге құқылы және бұл туралы сайтта алдын ала хабарлайды.",
    "Тараптар арасындағы даулар Қазақстан Республикасының заңнамасына сәйкес келіссөздер арқылы шешіледі.",
    "Пайдаланушы өз есептік жазбасының құпиясөзін үшінші тұлғаларға бермеуге және оны қорғауға жауапты.",
]
RU_TERMS = [
    "Настоящее пользовательское соглашение определяет условия использования сайта и сервисов компании.",
    "Пользователь обязан при регистрации предоставить о себе достоверные и полные сведения.",
    "Компания вправе изменять порядок оказания услуг и заранее сообщает об этом на сайте.",
    "Споры между сторонами решаются путем переговоров в соответствии с законодательством Республики Казахстан.",
    "Пользователь отвечает за сохранность пароля своей учетной записи и не передает его третьим лицам.",
]
KK_COOKIES = [
    "Біз сайттың дұрыс жұмыс істеуі үшін cookie файлдарын пайдаланамыз және оларды сіздің құрылғыңызда сақтаймыз.",
    "Cookie файлдары сіздің тіл таңдауыңызды және кіру деректеріңізді есте сақтауға көмектеседі.",
    "Сіз браузердің баптаулары арқылы cookie файлдарын кез келген уақытта өшіре аласыз.",
    "Талдау мақсатындағы cookie файлдары тек сіздің келісіміңізбен ғана қолданылады.",
]

RU_HOME_LINKS = {"/terms": "Пользовательское соглашение", "/privacy": "Политика конфиденциальности",
                 "/set-lang?l=kk": "Қаз", "/set-lang?l=ru": "Рус"}
KK_HOME_LINKS = {"/terms": "Пайдаланушы келісімі", "/privacy": "Құпиялылық саясаты",
                 "/cookie-policy": "Cookie саясаты", "/set-lang?l=kk": "Қаз", "/set-lang?l=ru": "Рус"}


def _switch(value: str) -> Route:
    # A switcher as many sites build it: set the cookie, send the reader back where they were.
    return Route(redirect="{{referer}}", headers={"Set-Cookie": f"lang={value}; Path=/"})


def _by_cookie(ru: str, kk: str) -> Route:
    return Route(body=ru, select="cookie:lang", languages={"kk": kk})


def cookie_site() -> FixtureSite:
    return FixtureSite(routes={
        "/": _by_cookie(home_page(RU_HOME_LINKS), home_page(KK_HOME_LINKS, title="Басты бет")),
        "/set-lang?l=kk": _switch("kk"),
        "/set-lang?l=ru": _switch("ru"),
        "/terms": _by_cookie(policy_page("Пользовательское соглашение", RU_TERMS),
                             policy_page("Пайдаланушы келісімі", KK_TERMS, lang="kk")),
        "/privacy": _by_cookie(policy_page("Политика конфиденциальности", RU_CLAUSES),
                               policy_page("Құпиялылық саясаты", KK_CLAUSES, lang="kk")),
        # Linked from the Kazakh homepage only.
        "/cookie-policy": Route(body=policy_page("Cookie саясаты", KK_COOKIES, lang="kk")),
    })


def negotiated_site() -> FixtureSite:
    return FixtureSite(routes={
        "/": Route(body=home_page({"/privacy": "Политика конфиденциальности"})),
        "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES), select="accept-language",
                          languages={"kk": policy_page("Құпиялылық саясаты", KK_CLAUSES, lang="kk")}),
    })


def same_text_site() -> FixtureSite:
    return FixtureSite(routes={
        "/": Route(body=home_page({"/terms": "Пользовательское соглашение", "/set-lang?l=kk": "Қаз"})),
        "/set-lang?l=kk": _switch("kk"),
        "/terms": Route(body=policy_page("Пользовательское соглашение", RU_TERMS)),
    })


def plain_site() -> FixtureSite:
    return FixtureSite(routes={
        "/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности",
                                   "/ru/terms": "Пользовательское соглашение"})),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
        "/ru/terms": Route(body=policy_page("Пользовательское соглашение", RU_TERMS)),
    })


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The four companies crawled twice (the site unchanged); the first crawl's request logs."""
    from tests.conftest import Archive

    archive = Archive(tmp_path_factory.mktemp("states"))
    sites = {"cookiebank": cookie_site(), "negobank": negotiated_site(), "samebank": same_text_site(),
             "plainbank": plain_site()}
    servers = {cid: FixtureServer(site) for cid, site in sites.items()}
    for server in servers.values():
        server.start()
    try:
        archive.write_config([company(cid, server.url("/")) for cid, server in servers.items()])
        first = archive.crawl()
        assert first.code == 0, first.err
        logs = {cid: list(site.requests) for cid, site in sites.items()}
        second = archive.crawl()
        assert second.code == 0, second.err
        # What the unchanged re-crawl asked, kept beside the first crawl's logs.
        logs.update({f"{cid} again": list(site.requests)[len(logs[cid]):] for cid, site in sites.items()})
    finally:
        for server in servers.values():
            server.stop()
    report = archive.cli("report", "coverage", "--format", "json")
    assert report.code == 0, report.err
    rows = {(c["id"], d["type"]): d for c in json.loads(report.out)["companies"] for d in c["documents"]}
    return archive, rows, logs


def _snapshots(archive, company_id: str) -> list[Snapshot]:
    return archive.rows(Snapshot, Snapshot.company_id == company_id, Snapshot.run_id == 1)


def test_a_cookie_selected_kazakh_version_is_found_and_says_how(crawled):
    archive, rows, _ = crawled
    for doc_type in ("terms", "privacy_policy"):
        row = rows[("cookiebank", doc_type)]
        assert set(row["languages"]) == {"kk", "ru"}, row
        assert row["f1a"] == "yes"
        kk, ru = row["languages"]["kk"], row["languages"]["ru"]
        assert urlsplit(kk["url"]).path == urlsplit(ru["url"]).path  # the same URL, another state
        assert kk.get("how", COOKIE) == COOKIE
        assert ru.get("how", "link") == "link"
        document = archive.rows(Document, Document.id == kk["document_id"])[0]
        assert document.variant == "cookie:lang=kk"
    snap = next(s for s in _snapshots(archive, "cookiebank")
                if s.variant == "cookie:lang=kk" and urlsplit(s.final_url).path == "/terms" and s.document_id)
    assert snap.reached["how"] == COOKIE
    assert snap.reached["cookies"] == {"lang": "kk"} and snap.reached["switcher"] == "Қаз"
    assert snap.request_headers["Cookie"] == "lang=kk"
    assert snap.request_headers["Accept-Language"] == DEFAULT_ACCEPT_LANGUAGE


def test_the_plain_state_stays_russian_and_says_what_the_page_offers(crawled):
    archive, _, logs = crawled
    plain = [s for s in _snapshots(archive, "cookiebank") if not s.variant and s.document_id]
    assert {urlsplit(s.final_url).path for s in plain} == {"/terms", "/privacy"}
    for snap in plain:
        assert snap.reached["how"] == "link" and snap.reached["from"].endswith("/")
        assert "Cookie" not in snap.request_headers
        assert snap.reached["offers"] == {"hreflang": [], "switchers": [], "negotiates": False}
    home = next(s for s in _snapshots(archive, "cookiebank") if s.role == "home" and not s.variant)
    assert home.reached["how"] == "homepage"
    assert home.reached["offers"]["switchers"] == [{"text": "Қаз", "language": "kk", "kind": "link"},
                                                   {"text": "Рус", "language": "ru", "kind": "link"}]
    # No plain request ever carried a language cookie: switchers are fetched in a jar of their own.
    plain_gets = [r for r in logs["cookiebank"] if not r.path.startswith("/set-lang") and not r.header("Cookie")]
    assert {r.path for r in plain_gets} >= {"/", "/terms", "/privacy"}


def test_a_document_linked_only_from_the_kazakh_pages_is_found_in_the_cookie_state(crawled):
    archive, _, _ = crawled
    docs = archive.rows(Document, Document.company_id == "cookiebank", Document.doc_type == "cookie_policy")
    assert [(urlsplit(d.url).path, d.variant, d.language) for d in docs] == [("/cookie-policy", "cookie:lang=kk", "kk")]


def test_a_negotiated_kazakh_version_is_probed_at_once_and_found(crawled):
    archive, rows, logs = crawled
    row = rows[("negobank", "privacy_policy")]
    assert set(row["languages"]) == {"kk", "ru"} and row["f1a"] == "yes"
    assert row["languages"]["kk"].get("how", "accept_language") == "accept_language"
    document = archive.rows(Document, Document.id == row["languages"]["kk"]["document_id"])[0]
    assert document.variant == "accept-language:kk"
    snap = next(s for s in _snapshots(archive, "negobank") if s.variant == "accept-language:kk")
    assert snap.reached == {"how": "accept_language", "language": "kk", "accept_language": "kk"}
    assert snap.request_headers["Accept-Language"] == "kk"
    plain = next(s for s in _snapshots(archive, "negobank") if s.role == DOCUMENT and not s.variant)
    assert plain.reached["offers"]["negotiates"] is True
    # What the server was asked: the configured languages plainly, kk for the probe, nothing else.
    asked = sorted((r.path, r.header("Accept-Language")) for r in logs["negobank"])
    assert asked == [("/", DEFAULT_ACCEPT_LANGUAGE), ("/privacy", "kk"), ("/privacy", DEFAULT_ACCEPT_LANGUAGE)]


def test_a_switcher_that_changes_nothing_leaves_kk_missing_with_the_evidence(crawled):
    archive, rows, _ = crawled
    row = rows[("samebank", "terms")]
    assert set(row["languages"]) == {"ru"} and row["f1a"] == "partial"
    evidence = [s for s in _snapshots(archive, "samebank") if s.variant == "cookie:lang=kk" and s.role == DOCUMENT]
    assert evidence and all(s.document_id is None and s.reached["how"] == COOKIE for s in evidence)
    assert all(s.reached["switcher"] == "Қаз" for s in evidence)
    assert not archive.rows(Document, Document.company_id == "samebank", Document.variant != "")
    # The proof of absence reads these snapshots: the switcher followed, and what came back.
    absence = row["absence"]["kk"]
    assert [t["result"] for t in absence["tried"] if t["how"] == COOKIE] == [
        "same bytes as the plain page (Russian text)"]
    assert "switcher 'Қаз' followed (cookie lang=kk)" in absence["summary"]


def test_a_plain_static_site_costs_at_most_two_probes(crawled):
    archive, rows, logs = crawled
    paths = [r.path for r in logs["plainbank"]]
    assert sorted(set(paths)) == ["/", "/ru/privacy", "/ru/terms"]
    probes = [r for r in logs["plainbank"] if r.header("Accept-Language") != DEFAULT_ACCEPT_LANGUAGE]
    assert len(paths) - 3 == len(probes) <= BLIND_PROBES
    assert {r.header("Accept-Language") for r in probes} <= {"kk"}
    assert all(not r.header("Cookie") for r in logs["plainbank"])
    assert rows[("plainbank", "privacy_policy")]["f1a"] == "partial"


def test_an_unchanged_recrawl_does_not_ask_again_what_the_campaign_already_answered(crawled):
    archive, rows, logs = crawled
    # The first crawl's kk probe brought back the plain page: while that page is unchanged, in the same
    # campaign, the question is not asked again, and the earlier capture stays the evidence.
    again = logs["plainbank again"]
    assert sorted({r.path for r in again}) == ["/", "/ru/privacy", "/ru/terms"]
    assert all(r.header("Accept-Language") == DEFAULT_ACCEPT_LANGUAGE for r in again)
    absence = rows[("plainbank", "privacy_policy")]["absence"]["kk"]
    assert any(t["how"] == "accept_language" for t in absence["tried"]), absence


def test_an_unchanged_recrawl_makes_no_new_version_of_any_state(crawled):
    archive, _, _ = crawled
    runs = archive.rows(Run)
    assert [r.summary["new_versions"] for r in runs][1] == 0
    for document in archive.rows(Document, Document.variant != ""):
        assert len(archive.rows(Version, Version.document_id == document.id)) == 1, document.url
    variants = {d.variant for d in archive.rows(Document, Document.company_id == "cookiebank")}
    assert variants == {"", "cookie:lang=kk"}  # the second run found the same states, no new ones


@pytest.mark.fetching  # the cookie states' records are the crawl tests' above; here, what the browser is sent
def test_cookie_states_rendered_in_a_browser_never_leak_into_the_plain_renderings(archive):
    site = cookie_site()
    with FixtureServer(site) as server:
        # render_wait 2: the homepages are short lists of links, and a rendering waits that long for a document's text.
        archive.write_config([company("bank", server.url("/"), render="always")], render_wait=2)
        result = archive.crawl()
    assert result.code == 0, result.err
    versions = {(urlsplit(d.url).path, d.variant): d.language for d in archive.rows(Document)}
    assert versions[("/terms", "")] == versions[("/privacy", "")] == "ru"
    assert versions[("/terms", "cookie:lang=kk")] == versions[("/privacy", "cookie:lang=kk")] == "kk"
    rendered = archive.rows(Snapshot, Snapshot.kind == "rendered", Snapshot.role == DOCUMENT, Snapshot.variant == "")
    assert rendered and all(s.document_id for s in rendered)
    cookie_policy = [d for d in archive.rows(Document) if urlsplit(d.url).path == "/cookie-policy"]
    assert [(d.variant, d.language) for d in cookie_policy] == [("cookie:lang=kk", "kk")]


# ---- in-process: the logic that needs no crawl ------------------------------------------------------------------

def _states(languages=("kk", "ru")) -> tuple[LanguageStates, list]:
    made: list = []

    def request(company_id, url, role, doc_type, language, depth, path, text, **kw):
        made.append((url, kw.get("variant"), kw.get("headers")))
        return Request(url, headers=kw.get("headers"), meta={"variant": kw.get("variant")})

    bank = Company(id="bank", name="Bank", sector="FinTech", homepage="https://bank.kz/", languages=list(languages))
    return LanguageStates({"bank": bank}, default_vocabulary(), request), made


def _document(states: LanguageStates, url: str, alternate_of: str | None = None) -> None:
    meta = {"company": "bank", "role": DOCUMENT, "doc_type": "privacy_policy", "link_text": "x", "click_depth": 1,
            "path": [], "alternate_of": alternate_of}
    states.found(meta, url, url)


def test_blind_probes_stop_at_two_per_company_unless_the_site_answers_in_the_language():
    states, made = _states()
    urls = [f"https://bank.kz/ru/doc{i}" for i in range(5)]
    for url in urls:
        _document(states, url)
    languages = {("bank", url, ""): "ru" for url in urls}
    first = states.idle_probes(languages)
    assert [(r.url, r.headers[b"Accept-Language"]) for r in first] == [(urls[0], b"kk"), (urls[1], b"kk")]
    assert states.idle_probes(languages) == []  # the answers were Russian: no more
    languages[("bank", urls[1], "accept-language:kk")] = "kk"  # one came back in Kazakh: the site negotiates
    assert [r.url for r in states.idle_probes(languages)] == urls[2:]
    assert len(made) == 5


def test_a_family_with_every_required_language_is_not_probed():
    states, made = _states()
    _document(states, "https://bank.kz/ru/privacy")
    _document(states, "https://bank.kz/kz/privacy", alternate_of="https://bank.kz/ru/privacy")
    _document(states, "https://bank.kz/terms")
    languages = {("bank", "https://bank.kz/ru/privacy", ""): "ru", ("bank", "https://bank.kz/kz/privacy", ""): "kk",
                 ("bank", "https://bank.kz/terms", ""): "ru", ("bank", "https://bank.kz/terms", "cookie:lang=kk"): "kk"}
    assert states.idle_probes(languages) == [] and made == []
    only_ru, _ = _states(languages=("ru",))
    _document(only_ru, "https://bank.kz/terms")
    assert only_ru.idle_probes({("bank", "https://bank.kz/terms", ""): "ru"}) == []


def test_a_negotiating_document_is_probed_in_the_languages_its_answer_is_not_in():
    states, _ = _states(languages=("kk", "ru", "en"))
    meta = {"company": "bank", "role": DOCUMENT, "doc_type": "terms_of_service", "link_text": "Условия",
            "click_depth": 1, "path": [], "language": None}
    probes = states.negotiation_probes(meta, "https://bank.kz/terms", {"content-language": "ru-KZ"})
    assert sorted(r.headers[b"Accept-Language"].decode() for r in probes) == ["en", "kk"]
    assert states.negotiation_probes(meta, "https://bank.kz/other", {"vary": "Accept-Encoding"}) == []
    in_state = {**meta, "variant": "cookie:lang=kk"}
    assert states.negotiation_probes(in_state, "https://bank.kz/x", {"vary": "Accept-Language"}) == []


def test_a_cookie_state_from_a_click_fetches_the_company_pages_in_its_jar():
    states, made = _states()
    _document(states, "https://bank.kz/terms")
    requests = states.cookie_state("bank", "kk", {"PHPSESSID": "a1b2", "site_lang": "kz"}, "ҚАЗ",
                                   "https://bank.kz/terms", how="click")
    assert [r.url for r in requests] == ["https://bank.kz/", "https://bank.kz/terms"]
    assert {v for _, v, _ in made} == {"cookie:site_lang=kz"}  # a session id selects no language
    assert states.states[("bank", "kk")].reached()["how"] == "click"
    assert states.cookie_state("bank", "kk", {"lang": "kk"}, "Қаз", "https://bank.kz/") == []  # one per language
    assert states.cookie_state("nobody", "kk", {"lang": "kk"}, "Қаз", "https://x.kz/") == []
    # A document found later in the plain crawl is fetched in the state too.
    more = states.found({"company": "bank", "role": DOCUMENT, "doc_type": "privacy_policy", "link_text": "x",
                         "click_depth": 2, "path": []}, "https://bank.kz/privacy", "https://bank.kz/privacy")
    assert [r.url for r in more] == ["https://bank.kz/privacy"]


def test_a_switcher_that_set_a_language_cookie_and_came_back_is_a_cookie_state():
    states, _ = _states()
    _document(states, "https://bank.kz/terms")
    meta = {"company": "bank", "cookiejar": "switch-1", "redirect_urls": ["https://bank.kz/set-lang?l=kk"],
            "switch": {"language": "kk", "switcher": "Қаз", "from": "https://bank.kz/terms"}}

    def back(url: str, cookie: str | None) -> HtmlResponse:
        headers = {"Cookie": cookie} if cookie else {}
        return HtmlResponse(url, request=Request(url, headers=headers), body=b"<html></html>")

    known = {"https://bank.kz/terms"}.__contains__
    assert states.switched(back("https://bank.kz/terms", None), meta, known) == (None, False)  # set nothing
    # /kz/terms is a language version by its URL, whatever cookie came with it.
    assert states.switched(back("https://bank.kz/kz/terms", "lang=kk"), meta, known) == (None, False)
    state, new = states.switched(back("https://bank.kz/terms", "lang=kk; sid=9"), meta, known)
    assert new and (state.variant, state.jar, state.switcher) == ("cookie:lang=kk", "state-1", "Қаз")
    # The Kazakh answer is recorded under the switcher's URL: it still counts for /terms, which needs no probe.
    languages = {("bank", "https://bank.kz/terms", ""): "ru",
                 ("bank", "https://bank.kz/set-lang?l=kk", "cookie:lang=kk"): "kk"}
    assert states.idle_probes(languages) == []


def test_offers_name_hreflang_switchers_and_negotiation():
    links = [RawLink("https://b.kz/kz/", "Қазақша"), RawLink("https://b.kz/ru/", "РУС"),
             RawLink("https://b.kz/kz/x", "", "kk-KZ"), RawLink("https://b.kz/", "", "x-default"),
             RawLink("https://b.kz/terms", "Условия")]
    found = offers(default_vocabulary(), links, {"vary": "Accept-Encoding, Accept-Language"})
    assert found == {"hreflang": ["kk"], "negotiates": True,
                     "switchers": [{"text": "Қазақша", "language": "kk", "kind": "link"},
                                   {"text": "РУС", "language": "ru", "kind": "link"}]}
    assert not negotiates({"vary": "Accept-Encoding"}) and negotiates({"content-language": "kk"})


def test_replay_headers_and_cookies_are_read_from_the_request_sent():
    request = Request("https://b.kz/", headers={"Cookie": "lang=kk; sid=1", "Accept-Language": "kk",
                                                "Referer": "https://b.kz/x", "If-None-Match": '"e"'})
    assert replay_headers(request) == {"Accept-Language": "kk", "Cookie": "lang=kk; sid=1", "Referer": "https://b.kz/x"}
    assert request_cookies(request) == {"lang": "kk", "sid": "1"}
    assert replay_headers(None) == {} and request_cookies(Request("https://b.kz/")) == {}


@pytest.mark.parametrize("label,language", [("Қаз", "kk"), ("Қазақша", "kk"), ("Қазақ тілі", "kk"), ("KZ", "kk"),
                                            ("ҚАЗ", "kk"), ("kk-KZ", "kk"), ("Рус", "ru"), ("Русский", "ru"),
                                            ("РУС", "ru"), ("На русском языке", "ru"), ("ENG", "en")])
def test_switcher_labels_as_people_write_them(label, language):
    assert default_vocabulary().language_of_label(label) == language


def test_accept_language_is_configurable_sent_and_given_to_the_browser(tmp_path):
    from tests.conftest import Archive

    archive = Archive(tmp_path)
    archive.write_config([company("bank", "https://bank.kz/")], accept_language="kk-KZ,kk;q=0.9,ru;q=0.8")
    crawl = load_config(archive.config).crawl
    settings = scrapy_settings(crawl)
    assert settings["DEFAULT_REQUEST_HEADERS"]["Accept-Language"] == "kk-KZ,kk;q=0.9,ru;q=0.8"
    context = settings["POLICY_ARCHIVE_RENDER_CONTEXT"]
    assert context["locale"] == "kk-KZ"
    assert context["extra_http_headers"] == {"Accept-Language": "kk-KZ,kk;q=0.9,ru;q=0.8"}
    archive.write_config([company("bank", "https://bank.kz/")])
    assert load_config(archive.config).crawl.accept_language == DEFAULT_ACCEPT_LANGUAGE


@pytest.mark.parametrize("value", ["", "ru\r\nX-Injected: 1", "русский", "ru;q=2"])
def test_a_bad_accept_language_is_refused_with_a_clear_message(tmp_path, value):
    from tests.conftest import Archive

    archive = Archive(tmp_path)
    archive.write_config([company("bank", "https://bank.kz/")], accept_language=value)
    with pytest.raises(ConfigError) as error:
        load_config(archive.config)
    assert "crawl.accept_language" in str(error.value) and "Accept-Language value" in str(error.value)
