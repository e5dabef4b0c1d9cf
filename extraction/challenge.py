"""Anti-bot interstitials: "checking your browser" and captcha pages that stand in for the real page.

Sites behind Cloudflare, Qrator, DDoS-Guard, Variti, StormWall, ServicePipe and the like (common in
Kazakhstan and Russia) sometimes answer a crawler, and at times a browser, with a challenge page
instead of the document: 403, 503, 401 or a plain 200, a few words ("Just a moment...", "Проверка
браузера") and a script that sets a cookie and reloads. Such a page is never a version of the
document nor a sign that the document is gone: the crawl escalates it to the browser, waits for it
to clear, and otherwise records the failure ``challenge`` for a person to look at.

``detect_challenge`` is a plain function of status, headers and body, shared by the crawler (which
decides) and anything that reads captures later. False positives cost a document, so a page is a
challenge only on evidence a normal page does not carry: a header a vendor sets on challenges
only, or a vendor's challenge markup, a challenge phrase or a captcha widget on a page with little
visible text (a policy that mentions "captcha" in a clause has thousands of characters of text).
The vendors' signatures are data below.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import html as lxml_html

# An interstitial shows a sentence or two; a policy page, even a short one, shows far more.
MAX_CHALLENGE_TEXT = 1000
# Statuses challenges come with when they are not served as 200.
CHALLENGE_STATUSES = frozenset({401, 403, 405, 429, 503})


@dataclass(frozen=True)
class Vendor:
    """How one anti-bot service shows itself. ``decisive``: (header, regex) present on its challenge
    responses only. ``headers`` / ``cookies`` (name prefixes): present on every response it proxies,
    so they only name the vendor. ``markers``: lower-case substrings of its challenge pages' markup."""

    name: str
    decisive: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    cookies: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    kind: str = "interstitial"


VENDORS: tuple[Vendor, ...] = (
    Vendor("Cloudflare", decisive=(("cf-mitigated", r"challenge"),),
           headers=(("server", r"cloudflare"), ("cf-ray", r".")), cookies=("__cf_bm", "cf_clearance", "__cflb"),
           # Not "/cdn-cgi/challenge-platform/scripts/jsd/": Cloudflare injects that into ordinary pages.
           markers=("_cf_chl_opt", "/cdn-cgi/challenge-platform/h/", "cf-browser-verification", "cf_chl_",
                    "cf-challenge", "challenge-error-text", "attention required! | cloudflare")),
    Vendor("Qrator", headers=(("server", r"qrator"), ("x-qrator", r".")),
           cookies=("qrator_jsid", "qrator_ssid", "qrator_jsr"), markers=("/__qrator/", "qrator_jsid", "qauth_")),
    Vendor("DDoS-Guard", headers=(("server", r"ddos-guard"),), cookies=("__ddg1", "__ddg2", "__ddgid", "__ddgmark"),
           markers=("/.well-known/ddos-guard/", "ddos-guard.net/", "ddos_guard", "ddg-captcha")),
    Vendor("Variti", headers=(("server", r"variti"), ("x-variti", r".")), cookies=("ipp_uid", "ipp_key", "ipp_sign"),
           markers=("variti", "ipp_uid", "/ipp_challenge")),
    Vendor("StormWall", headers=(("server", r"stormwall"),), cookies=("swp_token", "_stormwall"),
           markers=("stormwall", "swp_token")),
    Vendor("ServicePipe", headers=(("server", r"servicepipe"), ("x-servicepipe", r".")),
           cookies=("spid", "spsc", "spsn"), markers=("servicepipe", "/exhkqyad")),
    Vendor("Imperva Incapsula", headers=(("x-iinfo", r"."), ("x-cdn", r"incapsula")),
           cookies=("incap_ses_", "visid_incap_", "nlbi_"), markers=("_incapsula_resource", "incapsula incident id")),
    Vendor("DataDome", headers=(("x-datadome", r"."), ("server", r"datadome")), cookies=("datadome",),
           markers=("captcha-delivery.com", "ct.captcha-delivery")),
    Vendor("AWS WAF", decisive=(("x-amzn-waf-action", r"challenge|captcha"),), markers=("awswafintegration",)),
    Vendor("Akamai", headers=(("server", r"akamaighost"),), cookies=("_abck", "bm_sz"),
           markers=("/_sec/cp_challenge/", "sec-if-cpt-container")),
    Vendor("PerimeterX", cookies=("_px3", "_pxhd", "_pxvid"), markers=("px-captcha", "captcha.px-cdn.net")),
    Vendor("Sucuri", headers=(("server", r"sucuri"), ("x-sucuri-id", r".")), markers=("sucuri_cloudproxy_js",)),
    # Captcha widgets alone: also on login and contact forms, so they count only with a challenge's
    # status or words (see ``_widget``).
    Vendor("Yandex SmartCaptcha", markers=("smartcaptcha.yandexcloud.net", "captcha-api.yandex.ru", "/showcaptcha",
                                           "checkbox-captcha"), kind="captcha"),
    Vendor("hCaptcha", markers=("hcaptcha.com/1/api.js", "class=\"h-captcha\"", "js.hcaptcha.com"), kind="captcha"),
    Vendor("reCAPTCHA", markers=("google.com/recaptcha/", "recaptcha.net/recaptcha/", "class=\"g-recaptcha\""),
           kind="captcha"),
    Vendor("Cloudflare Turnstile", markers=("challenges.cloudflare.com/turnstile", "cf-turnstile"), kind="captcha"),
)
_WIDGETS = tuple(v for v in VENDORS if v.kind == "captcha")
_SERVICES = tuple(v for v in VENDORS if v.kind != "captcha")

# What interstitials say, in the languages the rated companies' sites use (lower case). Only a
# short page saying one of these counts; a long page quoting them is a page.
PHRASES = (
    "just a moment", "checking your browser", "checking if the site connection is secure",
    "verify you are human", "verifying you are human", "performing security verification",
    "enable javascript and cookies to continue", "please enable cookies", "ddos protection by",
    "please wait while we verify", "are you a robot", "i'm not a robot", "not a robot", "bot protection",
    "один момент", "проверка браузера", "проверяем браузер", "проверка вашего браузера", "проверяем, что вы не робот",
    "подтвердите, что вы не робот", "подтвердите, что запросы отправляли вы", "вы не робот", "я не робот",
    "защита от ddos", "пожалуйста, подождите", "включите javascript", "браузеріңіз тексерілуде",
    "сіз робот емессіз", "робот емеспін", "күте тұрыңыз",
)
_CAPTCHA_WORDS = re.compile(r"captcha|капча|robot|робот|human|человек", re.I)


@dataclass(frozen=True)
class Challenge:
    vendor: str  # "Cloudflare", ..., or "unknown vendor"
    kind: str  # "interstitial" | "captcha"
    evidence: str  # what gave it away, for the failure's detail

    def describe(self) -> str:
        """'Cloudflare interstitial', 'hCaptcha captcha page', 'an anti-bot interstitial (unknown vendor)'."""
        what = "captcha page" if self.kind == "captcha" else "interstitial"
        if self.vendor == UNKNOWN:
            return f"anti-bot {what} (vendor not recognised)"
        return f"{self.vendor} {what}"


UNKNOWN = "unknown vendor"


def detect_challenge(status: int | None, headers: Mapping[str, str], body: bytes | str,
                     parsed: Callable[[], Any] | None = None) -> Challenge | None:
    """The anti-bot challenge this response is, or None for an ordinary page (or error page).

    ``headers``: lower-case names; several values of one header joined (``set-cookie`` too). ``parsed``:
    gives the body's lxml HTML tree when someone parses it anyway (the spider does: Scrapy's selector),
    so that the page is parsed once; it is read, never changed."""
    headers = {k.lower(): v for k, v in headers.items()}
    for vendor in _SERVICES:
        for name, pattern in vendor.decisive:
            if re.search(pattern, headers.get(name, ""), re.I):
                return Challenge(vendor.name, vendor.kind, f"header {name}: {headers[name]}")
    raw = body if isinstance(body, str) else body[:300_000].decode("utf-8", "replace")
    if (status is not None and 300 <= status < 400) or not _looks_like_html(raw):
        return None
    title, text = _title_and_text(raw) if parsed is None else _tree_title_and_text(parsed())
    if text is None or len(text) > MAX_CHALLENGE_TEXT:
        return None
    lowered = raw.lower()
    named = _named_vendor(headers)
    for vendor in _SERVICES:
        marker = next((m for m in vendor.markers if m in lowered), None)
        if marker:
            return Challenge(vendor.name, vendor.kind, f"{vendor.name} challenge markup ({marker!r})")
    words = f"{title} {text}".lower()
    phrase = next((p for p in PHRASES if p in words), None)
    widget = _widget(lowered)
    if widget and (phrase or (status in CHALLENGE_STATUSES) or _CAPTCHA_WORDS.search(words)):
        return Challenge(named or widget.name, "captcha", f"{widget.name} widget on a page of {len(text)} characters")
    if phrase:
        return Challenge(named or UNKNOWN, "interstitial", f"{phrase!r} on a page of {len(text)} characters")
    # Not "a vendor's proxy answering 403/503 with a script and few words": its own error and
    # maintenance pages look the same, and they are failures that say what they are already.
    return None


def _looks_like_html(raw: str) -> bool:
    head = raw[:2000].lstrip().lower()
    return head.startswith(("<!doctype", "<html", "<head", "<script", "<body", "<meta", "<title", "<div", "<noscript",
                             "<!--"))


# Elements whose text a reader never sees (dropped by _title_and_text), and the text a reader sees: every
# text node but those inside them (a tail after one of them is seen).
_HIDDEN = ("script", "style", "noscript", "template", "title")
_SEEN_TEXT = "//text()[not(" + " or ".join(f"ancestor::{tag}" for tag in _HIDDEN) + ")]"


def _title_and_text(raw: str) -> tuple[str, str | None]:
    try:
        root = lxml_html.document_fromstring(raw)
    except (ValueError, lxml_html.etree.ParserError):
        return "", None
    title = " ".join(" ".join(root.xpath("//title//text()")).split())
    for bad in root.xpath("|".join(f"//{tag}" for tag in _HIDDEN)):
        bad.drop_tree()
    return title, " ".join(root.text_content().split())


def _tree_title_and_text(root) -> tuple[str, str | None]:
    """``_title_and_text`` of a tree already parsed, without changing it; the text None when it is surely
    longer than an interstitial's: the page's characters other than white space are more than
    MAX_CHALLENGE_TEXT plus every character inside its hidden elements (nested ones counted twice: never
    less than they hold). On a policy page that is known within its first few thousand characters."""
    if root is None:
        return "", None
    title = " ".join(" ".join(root.xpath("//title//text()")).split())
    hidden = sum(len(el.xpath("string()")) for el in root.iter(*_HIDDEN))
    if _solid_over(root.itertext(), MAX_CHALLENGE_TEXT + hidden):
        return title, None
    return title, " ".join("".join(root.xpath(_SEEN_TEXT)).split())


def _solid_over(pieces: Iterable[str], limit: int) -> bool:
    """Whether the text (given in pieces, read lazily: a tree's text nodes) has more than ``limit``
    characters other than white space."""
    solid = 0
    for piece in pieces:
        solid += len("".join(piece.split()))
        if solid > limit:
            return True
    return False


def _named_vendor(headers: Mapping[str, str]) -> str | None:
    """The anti-bot service these headers (or cookies) come from, if any."""
    cookies = headers.get("set-cookie", "").lower()
    for vendor in _SERVICES:
        if any(re.search(p, headers.get(n, ""), re.I) for n, p in vendor.headers):
            return vendor.name
        if any(re.search(rf"(^|[\s,;]){re.escape(c)}", cookies) for c in vendor.cookies):
            return vendor.name
    return None


def _widget(lowered: str) -> Vendor | None:
    return next((w for w in _WIDGETS if any(m in lowered for m in w.markers)), None)
