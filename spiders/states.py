"""Language states: the versions of a page that the URL alone does not select (issue 13).

Many Kazakhstani sites serve Russian and Kazakh at the same URL. Which one you get depends on a
cookie a switcher set (``/set-lang?l=kk`` → Set-Cookie → back where you were) or on the
``Accept-Language`` your browser sends. A crawl that only follows ``<a href>`` sees one of them and
would call the other missing. This module keeps the spider's language states:

- **Cookie states.** A switcher link is fetched in a fresh cookie jar of its own. When its chain set
  cookies and lands on a page the plain crawl has (or on a URL without a language marker), those
  cookies select a language: a state ``cookie:lang=kk`` with its own jar. The company's documents
  (plain ones found so far and later), its homepages and hubs are fetched again in it, and pages
  found in it are fetched in it, so a Kazakh-only document linked only from Kazakh pages is found.
  The plain state keeps Scrapy's default jar: a site's session cookie works as before, and a
  switcher never flips the language of the plain crawl. ``LanguageStates.cookie_state`` is the way
  in for other finders (a browser click that set cookies).
- **Negotiation probes.** A document that answers with ``Vary: Accept-Language`` or
  ``Content-Language`` says the site negotiates: it is asked again at once, ``Accept-Language: kk``,
  in each required language its answer is not in. Without such a reason, a family of documents (a
  document and its language versions) that ends discovery without a required language is probed at
  spider idle, at most ``BLIND_PROBES`` per company, unless one of them comes back in the language
  asked: then the site negotiates, and every family lacking that language is probed.

A state's capture that brings back the plain page's bytes is kept as a snapshot without a document
(the recorder decides): the proof that "Accept-Language kk → the Russian page".

Every request carries ``meta["reached"]`` (how it was reached, ``archive.records.Capture.reached``)
and ``meta["variant"]``; the spider turns them into the capture.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from itertools import count

import scrapy
from scrapy.http import Response

from archive.records import ACCEPT_LANGUAGE, COOKIE, DOCUMENT, HOME, HUB, cookie_pairs
from config import Company, Vocabulary

# Without a reason from the site, this many Accept-Language probes per company at most (see above).
BLIND_PROBES = 2
# The request headers a replay needs to be asked the same way (Capture.request_headers).
REPLAY_HEADERS = ("Accept-Language", "Cookie", "User-Agent", "Referer")
# Cookie names that say they hold the language; a switcher's other cookies (a session id) select nothing.
_LANGUAGE_COOKIE_WORDS = ("lang", "locale", "language", "culture", "lng", "i18n")


@dataclass
class CookieState:
    """One language selected by cookies for one company: the jar that holds them and how they were set."""

    company_id: str
    language: str
    cookies: dict[str, str]
    switcher: str
    page_url: str
    how: str
    jar: str

    @property
    def variant(self) -> str:
        return f"{COOKIE}:{cookie_pairs(self.cookies)}"

    def reached(self) -> dict:
        return {"how": self.how, "language": self.language, "switcher": self.switcher or None,
                "from": self.page_url, "cookies": dict(self.cookies)}


def replay_headers(request: scrapy.Request | None) -> dict[str, str]:
    """The headers the request that got the response actually carried, of those that select a version."""
    if request is None:
        return {}
    found = {}
    for name in REPLAY_HEADERS:
        values = request.headers.getlist(name)
        if values:
            found[name] = b", ".join(values).decode("latin-1")
    return found


def request_cookies(request: scrapy.Request | None) -> dict[str, str]:
    """``{name: value}`` of the Cookie header a request carried (the jar's cookies for that URL)."""
    if request is None:
        return {}
    jar = SimpleCookie()
    for header in request.headers.getlist("Cookie"):
        try:
            jar.load(header.decode("latin-1"))
        except CookieError:
            continue
    return {name: morsel.value for name, morsel in jar.items()}


def negotiates(headers: dict[str, str]) -> bool:
    """Does a response (lower-case header names) say its language depends on the request's?"""
    vary = {v.strip().lower() for v in headers.get("vary", "").split(",")}
    return "accept-language" in vary or "*" in vary or bool(headers.get("content-language", "").strip())


class LanguageStates:
    """The cookie states and Accept-Language probes of one crawl (see the module docstring).

    ``request`` is the spider's request factory (``PolicySpider._request``): it applies the page budget
    and the ``seen`` set, keyed by (URL, variant), and returns None for a page it will not fetch.
    """

    def __init__(self, companies: dict[str, Company], vocabulary: Vocabulary,
                 request: Callable[..., scrapy.Request | None],
                 answered_before: Callable[[str, str], bool] = lambda url, variant: False):
        self.companies = companies
        # (URL, variant) -> was this question asked already in this campaign, and answered with the page
        # the URL still serves? Then it is not asked again: the earlier capture is the evidence.
        self.answered_before = answered_before
        self.vocabulary = vocabulary
        self.request = request
        self.states: dict[tuple[str, str], CookieState] = {}
        # Plain-state pages worth fetching again in a new state, in capture order: url -> (role, doc_type, text,
        # depth, path): a state's version was reached the way the plain one was, plus the switch.
        self.pages: dict[str, dict[str, tuple]] = defaultdict(dict)
        # Plain current documents, for the families idle probing judges: url -> (final URL, alternate_of).
        self.documents: dict[str, dict[str, tuple[str, str | None]]] = defaultdict(dict)
        self.probes: dict[str, list[tuple[str, str]]] = defaultdict(list)  # company -> [(url, language)]
        # A switcher's URL -> the page it brought you back to in its state (the recorder keys by the URL asked).
        self.landed: dict[tuple[str, str], str] = {}
        self._jars = count(1)

    # -- cookie states ---------------------------------------------------------------------------

    def switch_meta(self, language: str, switcher: str, page_url: str) -> dict:
        """The meta for fetching a language switcher: always in a fresh jar of its own, so that whatever
        it sets never changes the language of the plain crawl (or of another state)."""
        return {"cookiejar": f"switch-{next(self._jars)}",
                "switch": {"language": language, "switcher": switcher, "from": page_url}}

    def switched(self, response: Response, meta: dict, plain_seen: Callable[[str], bool]
                 ) -> tuple[CookieState | None, bool]:
        """After a switcher fetched in a fresh jar: the cookie state it selected (and whether it is new), or
        None (an ordinary link: /kz/terms is no state even where it also sets a cookie)."""
        switch = meta["switch"]
        cookies = self.language_cookies(request_cookies(response.request))
        landed_known = plain_seen(response.url) or self.vocabulary.language_of_url(response.url) is None
        if not cookies or not landed_known:
            return None, False
        self.landed[(meta["company"], meta.get("redirect_urls", [response.url])[0])] = response.url
        key = (meta["company"], switch["language"])
        if key in self.states:
            return self.states[key], False
        # A jar of its own (the state's requests carry its cookies): the switcher's jar, and its browser
        # context, end with the switcher's page.
        self.states[key] = CookieState(meta["company"], switch["language"], cookies, switch["switcher"],
                                       switch["from"], COOKIE, f"state-{next(self._jars)}")
        return self.states[key], True

    def language_cookies(self, cookies: dict[str, str]) -> dict[str, str]:
        """The cookies that select the language: those named for it or holding a language's label, else
        all of them. A session id in the variant would make every run a new document."""
        chosen = {name: value for name, value in cookies.items()
                  if any(w in name.lower() for w in _LANGUAGE_COOKIE_WORDS)
                  or self.vocabulary.language_of_label(value.split("-")[0].split("_")[0])}
        return chosen or cookies

    def cookie_state(self, company_id: str, language: str, cookies: dict[str, str], switcher: str, page_url: str,
                     how: str = COOKIE) -> list[scrapy.Request]:
        """Register a cookie state found another way (a browser click that set ``cookies``) and return the
        requests that fetch the company's pages again in it (the caller schedules them). A company has one
        state per language: the first one found stands, and then this returns []."""
        if company_id not in self.companies or not cookies or (company_id, language) in self.states:
            return []
        cookies = self.language_cookies(cookies)
        state = CookieState(company_id, language, cookies, switcher, page_url, how, f"state-{next(self._jars)}")
        self.states[(company_id, language)] = state
        return self.refetch(state)

    def refetch(self, state: CookieState) -> list[scrapy.Request]:
        """The company's homepages, hubs and current documents, fetched again in ``state``."""
        company = self.companies[state.company_id]
        pages = {url: (HOME, None, "homepage", 0, []) for url in company.homepages}
        pages.update(self.pages[state.company_id])
        return [r for url, page in pages.items() if (r := self.in_state(state, url, *page)) is not None]

    def found(self, meta: dict, url: str, final_url: str) -> list[scrapy.Request]:
        """A plain-state page was captured (``meta``: its request's): remember it, and fetch it in each of
        the company's states. Old editions are the plain crawl's alone."""
        company_id, role = meta["company"], meta["role"]
        if role not in (DOCUMENT, HUB, HOME) or meta.get("listed_on") is not None:
            return []
        page = (role, meta["doc_type"], meta["link_text"] or "", meta["click_depth"], list(meta["path"]))
        self.pages[company_id].setdefault(final_url, page)
        if role == DOCUMENT:
            self.documents[company_id].setdefault(url, (final_url, meta.get("alternate_of")))
        return [r for (cid, _), state in list(self.states.items()) if cid == company_id
                if (r := self.in_state(state, final_url, *page)) is not None]

    def in_state(self, state: CookieState, url: str, role: str, doc_type: str | None, text: str,
                 depth: int | None = None, path: list | None = None) -> scrapy.Request | None:
        return self.request(state.company_id, url, role, doc_type, state.language, depth, list(path or []), text,
                            variant=state.variant, reached=state.reached(), jar=state.jar,
                            cookies=dict(state.cookies))

    def state_meta(self, state: CookieState, meta: dict) -> dict:
        """``meta`` of a request turned into one made in ``state`` (the switcher fetch that found it)."""
        return {**meta, "variant": state.variant, "reached": state.reached(), "cookiejar": state.jar,
                "state_cookies": dict(state.cookies), "language": state.language}

    # -- Accept-Language probes ------------------------------------------------------------------

    def answer_language(self, headers: dict[str, str], meta: dict, url: str) -> str | None:
        """The language a response says it is in: Content-Language, else what the way in claimed."""
        tag = headers.get("content-language", "").split(",")[0].strip()
        if tag:
            primary = tag.split("-")[0]
            return self.vocabulary.language_of_label(tag) or self.vocabulary.language_of_label(primary) or primary
        return meta.get("language") or self.vocabulary.language_of_url(url)

    def negotiation_probes(self, meta: dict, url: str, headers: dict[str, str]) -> list[scrapy.Request]:
        """A plain document that says it negotiates: ask for it in each required language it is not in."""
        if meta.get("variant") or meta["role"] != DOCUMENT or meta.get("listed_on") is not None:
            return []
        if not negotiates(headers):
            return []
        answered = self.answer_language(headers, meta, url)
        company = self.companies[meta["company"]]
        return [r for language in company.languages if language != answered
                if (r := self.probe(meta["company"], url, language, meta)) is not None]

    def probe(self, company_id: str, url: str, language: str, meta: dict | None = None) -> scrapy.Request | None:
        if (url, language) in self.probes[company_id]:
            return None
        self.probes[company_id].append((url, language))
        if self.answered_before(url, f"accept-language:{language}"):
            return None
        meta = meta or {}
        reached = {"how": ACCEPT_LANGUAGE, "language": language, "accept_language": language}
        return self.request(company_id, url, meta.get("role", DOCUMENT), meta.get("doc_type"), language,
                            meta.get("click_depth"), list(meta.get("path") or []), meta.get("link_text") or "",
                            variant=f"accept-language:{language}", reached=reached,
                            headers={"Accept-Language": language})

    def idle_probes(self, languages: dict[tuple[str, str, str], str]) -> list[scrapy.Request]:
        """At spider idle (every capture so far recorded, ``languages`` = ``Recorder.languages``): probe the
        document families that lack a required language, cheaply unless the site showed it negotiates."""
        languages = dict(languages)
        requests: list[scrapy.Request] = []
        for company_id, company in self.companies.items():
            found: dict[str, set[str]] = defaultdict(set)
            for (cid, url, _variant), language in languages.items():
                if cid == company_id and language != "und":
                    found[self.landed.get((cid, url), url)].add(language)
            answered = {lang for url, lang in self.probes[company_id]
                        if languages.get((company_id, url, f"accept-language:{lang}")) == lang}
            budget = BLIND_PROBES - len(self.probes[company_id])
            # Families already asked earlier in the campaign first (they are not asked again, but they spend the
            # budget), then in URL order: a re-crawl asks the same questions as the crawl before it, or none.
            families = sorted(self.families(company_id), key=lambda family: (
                not any(self.answered_before(url, f"accept-language:{language}")
                        for url in family for language in company.languages), min(family)))
            for family in families:
                have = set().union(*(found[url] for url in family))
                plain = [url for url in family if languages.get((company_id, url, ""), "und") != "und"]
                if not plain:
                    continue  # nothing with text to ask again
                for language in company.languages:
                    if language in have or any((u, language) in self.probes[company_id] for u in family):
                        continue
                    if language not in answered and budget <= 0:
                        continue
                    asked = len(self.probes[company_id])
                    request = self.probe(company_id, plain[0], language)
                    if len(self.probes[company_id]) > asked:  # asked now, or answered earlier in the campaign
                        budget -= language not in answered
                    if request is not None:
                        requests.append(request)
        return requests

    def families(self, company_id: str) -> list[list[str]]:
        """The company's plain current documents grouped as language versions of one another: joined by
        redirect, by the page they were a language version of, and by URL without its language marker."""
        documents = self.documents[company_id]
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        def join(a: str, b: str) -> None:
            parent[find(a)] = find(b)

        for url, (final_url, alternate_of) in documents.items():
            join(url, final_url)
            join(url, "marker:" + self.vocabulary.without_language_marker(final_url))
            if alternate_of:
                join(url, alternate_of)
        groups: dict[str, list[str]] = defaultdict(list)
        for node in list(parent):
            if not node.startswith("marker:"):
                groups[find(node)].append(node)
        return list(groups.values())


def offers(vocabulary: Vocabulary, links: Iterable, headers: dict[str, str]) -> dict:
    """What a plain page offers a reader in other languages (``Capture.reached["offers"]``): the hreflang
    languages, the switcher links it shows, and whether its answer depends on Accept-Language."""
    hreflang: set[str] = set()
    switchers: list[dict] = []
    for link in links:
        if link.hreflang and link.hreflang.lower() != "x-default":
            primary = link.hreflang.split("-")[0]
            hreflang.add(vocabulary.language_of_label(primary) or primary.lower())
        language = vocabulary.language_of_label(link.text) if link.text else None
        entry = {"text": link.text, "language": language, "kind": getattr(link, "kind", "link")}
        if language and entry not in switchers:
            switchers.append(entry)
    return {"hreflang": sorted(hreflang), "switchers": switchers, "negotiates": negotiates(headers)}
