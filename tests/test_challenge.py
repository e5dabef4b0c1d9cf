"""Anti-bot interstitials: the detector on its own, then real crawls (Chromium) against sites that
answer a challenge instead of the document: one that clears in a browser, ones that never do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from archive.models import Document, Snapshot, Version
from crawler.demo.server import FixtureSite, Reply, Route
from extraction.challenge import detect_challenge
from tests.conftest import company
from tests.pages import RU_CLAUSES, home_page, policy_page

# How pages are fetched: the PostgreSQL pass leaves these out (tests/conftest.py: FETCHING).
pytestmark = pytest.mark.fetching

PAGES = Path(__file__).parent / "fixtures" / "challenges"
# Sets the clearance cookie and reloads, as a challenge's script does once the browser has passed.
CLEARS = ("<script>setTimeout(() => { document.cookie = 'pass' + location.pathname.replace(/\\W/g, '') + '=ok; path=/';"
          " location.reload(); }, 800);</script>")
# Reloads into the same challenge for ever: a browser that never passes.
NEVER_CLEARS = "<script>setTimeout(() => location.reload(), 1500);</script>"


def challenge_page(name: str, script: str = "") -> str:
    return (PAGES / name).read_text(encoding="utf-8").replace("{{clear}}", script)


# (file, status, headers, vendor the detector must name)
SAMPLES = [
    ("cloudflare.html", 403, {"cf-mitigated": "challenge", "server": "cloudflare", "cf-ray": "8f1c-FRA"}, "Cloudflare"),
    ("cloudflare_ru.html", 503, {"server": "cloudflare"}, "Cloudflare"),
    ("qrator.html", 401, {"server": "QRATOR"}, "Qrator"),
    ("ddos_guard.html", 403, {"server": "ddos-guard", "set-cookie": "__ddg1_=abc; Path=/"}, "DDoS-Guard"),
    ("variti.html", 200, {}, "Variti"),
    ("stormwall.html", 200, {}, "StormWall"),
    ("servicepipe.html", 200, {"set-cookie": "spsc=1; path=/"}, "ServicePipe"),
    ("smartcaptcha.html", 200, {}, "Yandex SmartCaptcha"),
    ("hcaptcha.html", 403, {}, "hCaptcha"),
    ("recaptcha.html", 200, {}, "reCAPTCHA"),
    ("generic_kk.html", 200, {}, "unknown vendor"),
]


@pytest.mark.parametrize(("name", "status", "headers", "vendor"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_vendors_interstitial_is_recognised_and_named(name, status, headers, vendor):
    found = detect_challenge(status, headers, challenge_page(name, NEVER_CLEARS).encode())
    assert found is not None and found.vendor == vendor, found
    assert vendor.split()[0] in found.describe() or vendor == "unknown vendor"


@pytest.mark.parametrize(("name", "status", "headers", "vendor"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_the_crawl_judges_a_response_on_the_spiders_parse_as_on_its_bytes(name, status, headers, vendor):
    """The crawl's check reads Scrapy's parse of the page (made once, for the spider too): the same
    verdicts and the same seen text as the detector's own parse, on challenges and on ordinary pages."""
    from scrapy.http import Headers, HtmlResponse

    from crawler.render import response_challenge
    from extraction.challenge import MAX_CHALLENGE_TEXT, _title_and_text, _tree_title_and_text

    policy = policy_page("Политика <b>конфиденциальности</b>", CAPTCHA_CLAUSES)
    short = ("<html><head><title>Вход</title><style>p{}</style></head><body><p>Введите <b>код</b> с картинки"
             "<script>var x = '<p>captcha</p>';</script> и нажмите «Далее».<noscript>JS!</noscript> "
             "<template><p>captcha</p></template>&amp; капча</p></body></html>")
    # A challenge's script can be long: what is inside hidden elements is never counted as seen text.
    padded = challenge_page(name, NEVER_CLEARS + "<script>var blob = '" + "x1 " * 20_000 + "';</script>")
    for body in (challenge_page(name, NEVER_CLEARS), padded, policy, short):
        response = HtmlResponse(url="http://bank.kz/", status=status, headers=Headers(headers), body=body.encode(),
                                encoding="utf-8")
        expected = detect_challenge(status, headers, body.encode())
        found = response_challenge(response)
        assert (found and (found.vendor, found.kind, found.evidence)) == (
            expected and (expected.vendor, expected.kind, expected.evidence)), name
        title, text = _tree_title_and_text(response.selector.root)
        if text is None:  # known to be longer than an interstitial's without reading it all
            assert len(_title_and_text(body)[1]) > MAX_CHALLENGE_TEXT and body is policy
        else:
            assert (title, text) == _title_and_text(body)
        # The spider's parse is left as it was: nothing dropped from it.
        assert len(response.selector.xpath("//script")) == body.count("<script")


def test_a_decisive_header_is_enough_even_on_a_page_of_text():
    page = policy_page("Политика конфиденциальности", RU_CLAUSES).encode()
    assert detect_challenge(403, {"cf-mitigated": "challenge"}, page).vendor == "Cloudflare"
    assert detect_challenge(202, {"x-amzn-waf-action": "challenge"}, b"").vendor == "AWS WAF"


CAPTCHA_CLAUSES = RU_CLAUSES + [
    "Для защиты от автоматических запросов сайт использует сервис reCAPTCHA и Yandex SmartCaptcha: при входе "
    "пользователь может увидеть проверку «Я не робот», а данные о его браузере передаются поставщику сервиса.",
    "Сайт защищён от DDoS-атак сервисами Cloudflare и DDoS-Guard; проверка браузера может занять несколько секунд.",
]


def test_ordinary_pages_are_not_challenges():
    policy = policy_page("Политика конфиденциальности", CAPTCHA_CLAUSES,
                         head='<script src="https://www.google.com/recaptcha/api.js"></script>'
                              '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>')
    # A policy that mentions captchas and anti-bot vendors, with the widget's script on the page.
    assert detect_challenge(200, {"server": "cloudflare", "cf-ray": "1"}, policy.encode()) is None
    # A short page behind DDoS-Guard (which names itself on every answer) is still a page.
    short = policy_page("Политика cookie", RU_CLAUSES[:3]).encode()
    assert detect_challenge(200, {"server": "ddos-guard", "set-cookie": "__ddg1_=x"}, short) is None
    # A login form with a reCAPTCHA widget and few words, answered 200: not a challenge.
    login = ('<!doctype html><html><head><title>Вход</title><script src="https://www.google.com/recaptcha/api.js">'
             '</script></head><body><form><input name=login> Пароль <input type=password>'
             '<div class="g-recaptcha" data-sitekey="k"></div><button>Войти</button></form></body></html>')
    assert detect_challenge(200, {}, login.encode()) is None
    # Error pages are error pages: not found, forbidden, maintenance.
    not_found = "<html><title>404</title><body><h1>Страница не найдена</h1></body></html>"
    assert detect_challenge(404, {}, not_found) is None
    forbidden = b"<html><body><h1>403 Forbidden</h1><hr>nginx</body></html>"
    assert detect_challenge(403, {"server": "nginx"}, forbidden) is None
    assert detect_challenge(503, {"server": "cloudflare"},
                            "<html><body><h1>Ведутся технические работы</h1><script>x()</script></body></html>") is None
    assert detect_challenge(200, {"content-type": "application/pdf"}, b"%PDF-1.7 captcha robot") is None
    assert detect_challenge(302, {"cf-ray": "1"}, challenge_page("cloudflare_ru.html").encode()) is None


class ChallengeSite(FixtureSite):
    """Serves ``challenges[path]`` = (page, status, headers) to any client without the clearance
    cookie that the page's own script sets for that path (``pass<path>=ok``); with it, the route."""

    def __init__(self, challenges: dict[str, tuple[str, int, dict[str, str]]], **kwargs):
        super().__init__(**kwargs)
        self.challenges = challenges

    def respond(self, method, target, request_headers, base_url):
        challenge = self.challenges.get(target)
        cookie = "pass" + re.sub(r"\W", "", target) + "=ok"
        if challenge and cookie not in (request_headers.get("Cookie") or ""):
            page, status, headers = challenge
            return Reply(status, [("Content-Type", "text/html; charset=utf-8"), *headers.items()], page.encode())
        return super().respond(method, target, request_headers, base_url)



def _site() -> ChallengeSite:
    docs = {"/privacy": "Политика конфиденциальности", "/terms": "Пользовательское соглашение",
            "/offer": "Публичная оферта", "/cookies": "Политика cookie"}
    routes = {"/": Route(body=home_page(docs))}
    routes.update({path: Route(body=policy_page(title, RU_CLAUSES)) for path, title in docs.items()})
    cloudflare = {"cf-mitigated": "challenge", "server": "cloudflare"}
    return ChallengeSite({
        "/privacy": (challenge_page("cloudflare.html", CLEARS), 403, cloudflare),  # clears in a browser
        "/terms": (challenge_page("cloudflare.html", NEVER_CLEARS), 403, cloudflare),  # never clears
        "/offer": (challenge_page("generic_kk.html", NEVER_CLEARS), 200, {}),  # a 200 challenge
        # A 503 with Retry-After: an interstitial, not transient trouble to wait out (crawler.retry).
        "/cookies": (challenge_page("ddos_guard.html", NEVER_CLEARS), 503,
                     {"server": "ddos-guard", "retry-after": "30"}),
    }, routes=routes)


def test_challenges_go_to_the_browser_clear_or_fail_as_challenge_and_need_attention_at_once(archive):
    from crawler.demo.server import FixtureServer

    site = _site()
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], render_wait=1)
        result = archive.crawl(timeout=240)
    assert result.code == 1, result.out + result.err  # some documents failed

    docs = {d.url.rsplit("/", 1)[1]: d for d in archive.rows(Document)}
    assert set(docs) == {"privacy", "terms", "offer", "cookies"}
    # Cleared in the browser: the real document, as a version, from the page the challenge reloaded into.
    assert docs["privacy"].status == "available"
    (version,) = archive.rows(Version)
    assert version.document_id == docs["privacy"].id and RU_CLAUSES[3] in version.text
    rendered = archive.rows(Snapshot, Snapshot.document_id == docs["privacy"].id, Snapshot.kind == "rendered")
    assert [(s.render_reason, s.status_code, s.outcome) for s in rendered] == [("challenge", 200, "new")]
    browser = [r for r in site.requests if r.path == "/privacy" and r.header("Sec-Fetch-Mode")]
    assert len(browser) >= 2 and "passprivacy=ok" in (browser[-1].header("Cookie") or "")

    # Never cleared: the failure is `challenge`, naming the vendor; never a version, never a 404.
    expected = {"terms": "Cloudflare interstitial", "offer": "anti-bot interstitial", "cookies": "DDoS-Guard"}
    for name, vendor in expected.items():
        doc = docs[name]
        assert doc.status == "unavailable" and doc.last_failure.startswith("challenge: "), doc.last_failure
        assert vendor in doc.last_failure and "did not clear in 11 s" in doc.last_failure
        assert {s.failure for s in archive.rows(Snapshot, Snapshot.document_id == doc.id)} == {"challenge"}

    # Listed under "needs attention" after this one run: the crawl's summary, `runs`, and its JSON.
    assert "needs attention: 3 URL(s)" in result.out
    assert "/terms: challenge: Cloudflare interstitial did not clear" in result.out
    runs = archive.cli("runs", "--json")
    attention = {a["url"].rsplit("/", 1)[1]: a for a in json.loads(runs.out)["needs_attention"]}
    assert set(attention) == {"terms", "offer", "cookies"}
    assert attention["terms"]["failure"] == "challenge" and attention["terms"]["runs"] == 1


def test_with_render_never_a_challenge_is_a_challenge_failure_not_a_page(archive):
    from crawler.demo.server import FixtureServer

    site = _site()
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"), render="never")])
        result = archive.crawl()
    assert not [r for r in site.requests if r.header("Sec-Fetch-Mode")]  # no browser at all
    assert result.code == 1
    assert archive.rows(Version) == []
    docs = archive.rows(Document)
    assert len(docs) == 4
    failures = {d.url.rsplit("/", 1)[1]: d.last_failure for d in docs}
    assert all(f.startswith("challenge: ") and "render policy is never" in f for f in failures.values()), failures
    assert "Cloudflare" in failures["privacy"] and "DDoS-Guard" in failures["cookies"]
    # The 503 interstitial was not waited for and asked again as transient trouble.
    assert len([r for r in site.requests if r.path == "/cookies"]) == 1
    assert "vendor not recognised" in failures["offer"]  # the 200 one: not soft_404, not a version


@pytest.mark.parametrize("delay_ms", [0, 50])
def test_a_challenge_that_clears_before_the_browser_is_first_asked_is_the_page(archive, delay_ms):
    """On a busy machine the interstitial may have reloaded into the page before the render middleware first
    looks (issue 15): the capture is judged on the reloaded page's answer, not on the first navigation's 403."""
    from crawler.demo.server import FixtureServer

    clears = CLEARS.replace("800", str(delay_ms))
    site = ChallengeSite({"/privacy": (challenge_page("cloudflare.html", clears), 403,
                                       {"cf-mitigated": "challenge", "server": "cloudflare"})},
                         routes={"/": Route(body=home_page({"/privacy": "Политика конфиденциальности"})),
                                 "/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES))})
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))], render_wait=1)
        result = archive.crawl(timeout=240)
    (doc,) = archive.rows(Document)
    assert doc.status == "available", (doc.last_failure, result.err[-2000:])
    rendered = archive.rows(Snapshot, Snapshot.kind == "rendered", Snapshot.document_id == doc.id)
    assert [(s.render_reason, s.status_code, s.outcome) for s in rendered] == [("challenge", 200, "new")]
    server_snap = archive.rows(Snapshot, Snapshot.kind == "server", Snapshot.document_id == doc.id)
    assert [s.status_code for s in server_snap] == [200]  # the reloaded page's own answer, not the challenge's
