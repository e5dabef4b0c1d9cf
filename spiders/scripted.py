"""Links and language switchers that only a script makes work, and what the spider does with them.

Many sites lead on by script, not by ``<a href>``: ``<li data-href="/kz/terms">``, ``onclick="location.href
= '…'"``, ``window.open(this.dataset.href)`` behind a PDF button, ``<button formaction>``, a ``<select
onchange>`` of URLs. ``script_links`` reads them from the HTML (cheap, every page): each is a RawLink
classified like any link, and its capture says a person clicked it (``reached["how"] == "click"``).

Others carry no URL at all: a ``<button>Қаз</button>`` that sets a cookie and reloads, a "RU ▾" menu
whose items a script builds when it opens. ``script_switchers`` finds them (their text is a switcher
label of the vocabulary); they are the page's reason to be rendered again and *acted on*
(``crawler.acting``: click, see what happens). Only such pages, at most ``MAX_ACTED_PAGES`` per company
and each once. ``acted`` turns what the clicks did into the spider's output: links become requests,
cookies a language state (``spiders.states``), and a click that changed the text in place, or changed
nothing, a capture of the DOM after it (variant ``click:<text>``): the language version, or the evidence
that the switcher was tried. The plain capture of the page is never touched.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections import Counter
from collections.abc import Iterator
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response

from archive.records import ARCHIVE, CLICK, DOCUMENT, HOME, HUB, RENDERED, Link
from config import Vocabulary
from spiders.links import RawLink, classify, clean_url, same_site

ACT = "act"  # request meta: render this page and click its switchers (crawler.render, crawler.acting)
MAX_ACTED_PAGES = 4  # per company: the homepage and a few document pages showing switchers
SCRIPT, MENU = "script", "menu"  # RawLink.kind and offers' switcher kinds, beside "link"

_URL_ATTRS = ("data-href", "data-url", "data-link")
# location.href = '…', location = '…', location.assign('…'), location.replace('…'), window.open('…')
_ONCLICK_URL = re.compile(
    r"""(?:location(?:\.href)?\s*=\s*|location\.(?:assign|replace)\(\s*|window\.open\(\s*)(['"])(.+?)\1""")
_OPENS_DATA = re.compile(r"""this\.dataset\.(href|url|link)|getAttribute\(\s*['"](data-(?:href|url|link))['"]""")
# Elements a script listens on, or that say they toggle a menu.
_ACTIVE_ROLES = frozenset({"button", "link", "menuitem", "option", "tab", "menuitemradio"})
_LANG_HINT = re.compile(r"lang|locale|lng|i18n", re.I)
# What a script-only link or switcher is found by: its attributes (a link's formaction only on a button, onchange
# only on a select), a switcher's tags. The XPaths are built from them: found in C, one pass over the page each;
# every page is looked at, and a static crawl must not slow down.
_LINK_ATTRIBUTES = {"data-href": None, "data-url": None, "data-link": None, "onclick": None, "formaction": "button",
                    "onchange": "select"}
_SWITCHER_ATTRIBUTES = ("onclick", "data-lang", "data-locale", "data-language", "aria-haspopup", "aria-expanded",
                        "role")
_SWITCHER_TAGS = ("button", "option")
_LINK_CANDIDATES = "//*[" + " or ".join(f"(self::{tag} and @{name})" if tag else f"@{name}"
                                         for name, tag in _LINK_ATTRIBUTES.items()) + "]"
_SWITCHER_CANDIDATES = "//*[" + " or ".join([*(f"self::{tag}" for tag in _SWITCHER_TAGS),
                                             *(f"@{name}" for name in _SWITCHER_ATTRIBUTES)]) + "]"
_MAX_LABEL = 40
# Whether the markup can hold anything for the XPaths above (lxml's HTML parser lower-cases names): a page's
# attribute names, listed by one XPath in C, then checked as a set: ~0.02 ms on a 58 KB policy page, where looking
# for these names in its lower-cased bytes took ~0.45 ms (every needle scans all of its text). Most policy pages
# have none of them.
_ALL_ATTRIBUTES = etree.XPath("//@*")


def _attributes(root) -> tuple[set[str], bool]:
    """The attribute names on the page, and whether a class or id names languages (``_candidates``' hint)."""
    names: set[str] = set()
    hinted = False
    for value in _ALL_ATTRIBUTES(root):
        name = value.attrname
        names.add(name)
        if not hinted and name in ("class", "id") and _LANG_HINT.search(value):
            hinted = True
    return names, hinted


def _label(el) -> str:
    """What a person reads on the element: its text, images' alt, aria-label, title."""
    parts = [" ".join(el.itertext()), el.get("aria-label", "")]
    parts += [img.get("alt", "") for img in el.iter("img")]
    if not "".join(parts).strip():
        parts.append(el.get("title", ""))
    return " ".join(" ".join(parts).split())


def _short_label(el) -> str | None:
    """``_label`` of an element that may be a switcher, or None as soon as its text is too long for one
    (a container's text is never read whole: no quadratic walk over nested blocks)."""
    words, seen = [], 0
    for chunk in el.itertext():
        chunk = chunk.strip()
        if chunk:
            seen += len(chunk)
            if seen > _MAX_LABEL:
                return None
            words.append(chunk)
    parts = [*words, el.get("aria-label", "")]
    if el.find(".//img") is not None or el.tag == "img":
        parts += [img.get("alt", "") for img in el.iter("img")]
    if not "".join(parts).strip():
        parts.append(el.get("title", ""))
    text = " ".join(" ".join(parts).split())
    return text if len(text) <= _MAX_LABEL else None


def _in_real_link(el, base: str) -> bool:
    """Inside or around an ``<a href>`` that leads somewhere: an ordinary link, not ours."""
    for a in [*el.iterancestors("a"), *([el] if el.tag == "a" else []), *el.iter("a")]:
        if a.get("href") and clean_url(base, a.get("href", "")):
            return True
    return False


def _target(el, base: str) -> str | None:
    """Where a script on ``el`` leads, if its markup says so."""
    for attr in _URL_ATTRS:
        if el.get(attr):
            return clean_url(base, el.get(attr))
    onclick = el.get("onclick", "")
    if onclick:
        if m := _ONCLICK_URL.search(onclick):
            return clean_url(base, m.group(2))
        if m := _OPENS_DATA.search(onclick):
            attr = m.group(2) or f"data-{m.group(1)}"
            return clean_url(base, el.get(attr, "")) if el.get(attr) else None
    if el.tag == "button" and el.get("formaction"):
        return clean_url(base, el.get("formaction"))
    return None


def _candidates(root, xpath: str, hinted: bool = False) -> list:
    """The elements ``xpath`` selects (plus, if ``hinted``, the items of elements whose class or id names
    languages: ``<ul class="lang-switch"><li>Қаз</li>``), once each."""
    found = dict.fromkeys(root.xpath(xpath))
    if hinted:
        for node in root.xpath("//*[@class or @id]"):
            if _LANG_HINT.search(f"{node.get('class', '')} {node.get('id', '')}"):
                found.update(dict.fromkeys(node.iter("a", "li", "span", "div")))
    return list(found)


def script_links(root, base: str) -> list[RawLink]:
    """The links on a page (lxml root) that lead on only by script (see the module docstring)."""
    if _attributes(root)[0].isdisjoint(_LINK_ATTRIBUTES):
        return []  # nothing the XPath could select
    links = []
    for el in _candidates(root, _LINK_CANDIDATES):
        if el.tag == "select" and el.get("onchange"):
            for option in el.iter("option"):
                value = (option.get("value") or "").strip()
                if "/" in value and (url := clean_url(base, value)):  # a URL, not "kk"
                    links.append(RawLink(url, _label(option), kind=SCRIPT))
            continue
        if el.tag == "a" and clean_url(base, el.get("href", "")):
            continue  # an ordinary link
        url = _target(el, base)
        if url:
            links.append(RawLink(url, _label(el), kind=SCRIPT))
    return links


def _is_toggle(el) -> bool:
    return el.get("aria-haspopup") not in (None, "false") or el.get("aria-expanded") is not None


def _acts(el) -> bool:
    """Selected for something beside its role (a role such as "navigation" says nothing of a click)."""
    return el.tag in ("button", "option") or any(el.get(a) is not None for a in (
        "onclick", "data-lang", "data-locale", "data-language", "aria-haspopup", "aria-expanded"))


def script_switchers(root, base: str, vocabulary: Vocabulary) -> list[dict]:
    """The page's language switchers that carry no URL, as ``offers`` lists them: ``{"text", "language",
    "kind": "script" | "menu"}`` (a menu toggle such as "RU ▾" is "menu")."""
    names, hinted = _attributes(root)
    if not hinted and names.isdisjoint(_SWITCHER_ATTRIBUTES) and next(root.iter(*_SWITCHER_TAGS), None) is None:
        return []  # nothing the XPath or the hint could select
    found: list[dict] = []
    for el in _candidates(root, _SWITCHER_CANDIDATES, hinted=True):
        if el.tag in ("html", "body") or (el.get("role") and el.get("role") not in _ACTIVE_ROLES and not _acts(el)):
            continue
        text = _short_label(el)
        language = vocabulary.language_of_label(text) if text else None
        if not language or _in_real_link(el, base) or _target(el, base):
            continue
        if el.tag == "option" and "/" in (el.get("value") or ""):
            continue
        entry = {"text": text, "language": language, "kind": MENU if _is_toggle(el) else SCRIPT}
        if entry not in found:
            found.append(entry)
    return found


# -- the spider's side -----------------------------------------------------------------------------

class _Acted:
    """Per spider: how many pages of each company were acted on, and which."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.urls: set[str] = set()


_ACTED: weakref.WeakKeyDictionary[Any, _Acted] = weakref.WeakKeyDictionary()


def _render_policy(spider, company_id: str) -> str:
    settings = spider.settings
    return settings.getdict("POLICY_ARCHIVE_RENDER").get(company_id) or settings.get("POLICY_ARCHIVE_RENDER_DEFAULT",
                                                                                       "auto")


def _worth_acting(spider, response: Response, meta: dict, switchers: list[dict], offered: dict) -> bool:
    """Would clicking show a required language the page does not already lead to? Not for "Рус" marked
    as the current language beside a "Қаз" link: most sites with links have such a label."""
    required = set(spider.companies[meta["company"]].languages)
    # What the page leads to by URL (its <a href> and script links; offers are built from them).
    reachable = set(offered.get("hreflang", [])) | {s["language"] for s in offered.get("switchers", [])}
    own = response.xpath("/html/@lang").get() or ""
    own_language = spider.vocabulary.language_of_label(own.split("-")[0]) if own else meta.get("language")
    lacking = required - reachable - {own_language}
    if any(s["kind"] == MENU for s in switchers):
        return bool(lacking)  # a menu's items are hidden: any lacking language may be among them
    return bool(lacking & {s["language"] for s in switchers})


def on_page(spider, response: Response, meta: dict, capture) -> list[scrapy.Request]:
    """A plain capture of an HTML page: add its script-only switchers to ``capture.reached["offers"]``, and
    if it has any, the request that renders the page again to click them (bounded; see the module docstring)."""
    if meta.get(ACT) or meta.get("variant") or meta.get("listed_on") is not None or meta["role"] not in (
            HOME, HUB, DOCUMENT) or response.status >= 400:
        return []
    try:
        switchers = script_switchers(response.selector.root, response.url, spider.vocabulary)
    except (ValueError, AttributeError):
        return []
    if not switchers:
        return []
    offered = (capture.reached or {}).get("offers")
    worth = _worth_acting(spider, response, meta, switchers, offered or {})
    if offered is not None:
        offered["switchers"] = [*offered.get("switchers", []), *switchers]
    acted = _ACTED.setdefault(spider, _Acted())
    company = meta["company"]
    url = response.url
    max_clicks = spider.settings.getint("POLICY_ARCHIVE_MAX_CLICKS", 6)
    if (not worth or acted.count[company] >= MAX_ACTED_PAGES or url in acted.urls or max_clicks <= 0
            or _render_policy(spider, company) == "never"):
        return []
    acted.count[company] += 1
    acted.urls.add(url)
    act_meta = {k: v for k, v in meta.items() if not k.startswith(("download_", "redirect_", "_")) and k not in (
        "depth", "render", "page_guard", "navigation_response", "cookiejar", "state_cookies", "probe_headers",
        "switch", "playwright", "playwright_page")}
    act_meta[ACT] = True
    return [scrapy.Request(url, callback=functools.partial(acted_page, spider),
                           errback=functools.partial(act_failed, spider), meta=act_meta, dont_filter=True,
                           priority=1)]


def act_failed(spider, failure) -> None:
    """An acted rendering that failed loses nothing: the plain capture of the page stands."""
    spider.logger.warning("could not act on the switchers of %s: %s", failure.request.url, failure.value)


def acted_page(spider, response: Response) -> Iterator[Any]:
    """What clicking the switchers of a page did, as the spider's output (see the module docstring)."""
    meta = response.meta
    rendering = meta.get("render")
    acting = getattr(rendering, "acted", None)
    if acting is None:
        return
    page = (meta.get("redirect_urls") or [response.url])[0]
    for note in acting.notes:
        spider.logger.info("acting on %s: %s", page, note)
    menu_shot = acting.menu_screenshot
    for click in acting.clicks:
        reached = {"how": CLICK, "language": click.get("language"), "switcher": click["text"], "from": page}
        if click["result"] == "link":
            yield from _click_link(spider, response, meta, click, reached)
        elif click["result"] == "failed":
            spider.logger.info("acting on %s: switcher '%s': %s", page, click["text"], click.get("note"))
        elif click["result"] == "cookie":
            yield from spider.states.cookie_state(meta["company"], click["language"], click["cookies"],
                                                  click["text"], page, how=CLICK)
        else:
            yield _click_capture(spider, response, meta, page, click, reached, menu_shot)
            menu_shot = None  # the menu's screenshot goes with the first such capture


def _click_link(spider, response: Response, meta: dict, click: dict, reached: dict) -> Iterator[scrapy.Request]:
    company = meta["company"]
    url = clean_url(response.url, click["url"])
    if url is None or not same_site(url, spider.sites[company]):
        return
    link = RawLink(url, click["text"], kind=SCRIPT)
    page_type = meta["doc_type"]
    target = classify(link, response.url, meta["role"], page_type, spider.vocabulary)
    if target is None:
        return
    depth = meta["click_depth"]
    next_depth = None if depth is None else depth + 1
    if target.role == ARCHIVE or target.historical:
        return  # the plain crawl's archives; a click seldom leads to one
    if next_depth is not None and next_depth > spider.max_depth + (1 if target.alternate else 0):
        return
    reached = {**reached, "language": target.language or reached["language"]}
    path = [*meta["path"], Link(response.url, click["text"])]
    # A switcher's URL may set a cookie and send you back (/set-lang?l=kk): fetched in a fresh jar, as
    # spiders.states fetches switcher links, so that a cookie state is recognised.
    switch = spider.states.switch_meta(target.language, click["text"], response.url) if target.alternate else {}
    request = spider._request(company, target.url, target.role, target.doc_type, target.language, next_depth, path,
                              target.text, alternate_of=response.url if target.alternate else None, reached=reached,
                              jar=switch.get("cookiejar"), switch=switch.get("switch"))
    if request is not None:
        yield request


def _click_capture(spider, response: Response, meta: dict, page: str, click: dict, reached: dict,
                   menu_shot: bytes | None):
    """The DOM after a click that changed the text in place (a language version) or changed nothing (the
    evidence that the switcher was tried): a rendered capture of its own variant."""
    capture = spider._capture({**meta, "variant": f"click:{click['text']}", "reached": None}, page, response.url,
                              response.status, {"content-type": "text/html; charset=utf-8"}, click.get("dom") or b"",
                              request=response.request)
    capture.kind = RENDERED
    capture.render_reason = "act"
    capture.language_hint = click.get("language") if click["result"] == "in place" else capture.language_hint
    capture.reached = {**reached, "result": click["result"]}
    capture.screenshot = menu_shot or click.get("screenshot")
    capture.blocked = list(getattr(meta.get("render"), "blocked", []))  # what the guard refused while acting
    return capture


def clicked(link: RawLink) -> dict:
    """What a script link adds to ``Capture.reached``: a person clicks it."""
    return {"how": CLICK, "switcher": link.text or None} if link.kind == SCRIPT else {}
