"""The proof of absence: for a required language a coverage row lacks, what the archive shows was tried.

A "Kazakh missing" is a score against a real company, so it never comes alone: the captures whose
way in claimed that language (a cookie switcher, an Accept-Language probe, a click, a panel, an
hreflang or /kz/ link) and what each brought back, what the row's pages offered (hreflang,
switchers, negotiation), and how much of the site was visited. Built from the archive when a report
is made (``reports.coverage``), never stored twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Snapshot
from archive.records import ACCEPT_LANGUAGE, CLICK, COOKIE, HOME, HREFLANG, HUB, LINK, PANEL, URL_MARKER, cookie_pairs
from config import Company
from i18n import using
from reports.absence_words import phrase, say
from reports.ways import claimed_language, variant_language

# Ways in that claim a language: a capture reached one of these ways for language L is a try for L.
LANGUAGE_WAYS = (COOKIE, ACCEPT_LANGUAGE, CLICK, PANEL, HREFLANG, URL_MARKER, LINK)


def _listed(value) -> list:
    return value if isinstance(value, list) else []


def _text_result(language: str | None) -> list:
    if not language:
        return phrase("no_text")
    if language == "und":
        return phrase("no_language")
    return phrase("text", language=language)


def _failed(status_code: int | None, failure: str | None) -> list:
    """A capture that failed: its HTTP status, else its failure code (said in words, the code kept in English)."""
    if status_code is not None and status_code >= 400:
        return phrase("http", status=status_code)
    return phrase("failure", failure=failure or "failed")


def _tried_words(how: str, reached: dict, variant: str, url: str, language: str) -> list:
    """One try as the summary says it: what was done, before "→ what came back"."""
    switcher = reached.get("switcher")
    if how == COOKIE:
        cookies = cookie_pairs(reached.get("cookies")) or variant.partition(":")[2]
        return phrase("cookie_switcher", switcher=switcher, cookies=cookies) if switcher else phrase(
            "cookie", cookies=cookies)
    if how == ACCEPT_LANGUAGE:
        return phrase("accept_language",
                      value=reached.get("accept_language") or variant_language(variant) or language)
    if how == CLICK:
        return phrase("switcher_clicked", switcher=switcher) if switcher else phrase("script_switcher_clicked")
    if how == PANEL:
        return phrase("panel", panel=reached.get("panel") or variant.partition(":")[2])
    if how == HREFLANG:
        return phrase("hreflang", language=language, url=url)
    if how == URL_MARKER:
        return phrase("url_marker", language=language, url=url)
    return phrase("link_switcher", switcher=switcher, url=url) if switcher else phrase("link", url=url)


@dataclass
class _Try:
    how: str
    url: str
    variant: str
    result: list  # a phrase (reports.absence_words)
    snapshot: int | None
    words: list | str  # a phrase, or the bare URL of a document that claimed no language
    switcher: str | None = None

    def json(self) -> dict:
        return {"how": self.how, "url": self.url, "result": say(self.result), "snapshot": self.snapshot}


class Trails:
    """A company's proof of absence: the captures whose way in claimed a language (a switcher, a probe,
    a /kz/ link), what the plain pages offered, and what came back (``observed``, ``candidates``: the
    coverage report's ``Observed`` documents). Loaded once per company, and only
    when one of its rows lacks a language; archives from before issue 13 (``reached`` NULL) load
    nothing here and still get a trail from their documents' hints and the crawl's counts."""

    def __init__(self, session: Session, company: Company, observed: list, crawl: dict,
                 start: datetime | None, end: datetime | None):
        self.session, self.company, self.crawl, self.start, self.end = session, company, crawl, start, end
        self.by_id = {o.doc.id: o for o in observed}
        self.plain_language = {o.doc.url: o.text_language for o in observed if not o.doc.variant and o.version}
        self._captures: list | None = None

    def _window(self, query):
        if self.start is not None:
            query = query.where(Snapshot.fetched_at >= self.start, Snapshot.fetched_at < self.end)
        return query

    def captures(self) -> list:
        if self._captures is None:
            rows = self.session.execute(self._window(select(
                Snapshot.id, Snapshot.url, Snapshot.final_url, Snapshot.variant, Snapshot.reached, Snapshot.document_id,
                Snapshot.sha256, Snapshot.status_code, Snapshot.failure, Snapshot.role, Snapshot.screenshot_sha256,
                Snapshot.language_hint)
                .where(Snapshot.company_id == self.company.id, Snapshot.reached.is_not(None))
                .order_by(Snapshot.id)))
            self._captures = [c for c in rows if isinstance(c.reached, dict)]  # a damaged row is no try
            # A language state that brought back the plain page's bytes selected nothing (the recorder
            # keeps it without a document): compare with the plain captures of the same URLs.
            urls = {c.final_url for c in self._captures if c.variant and c.document_id is None and c.sha256}
            self.plain: dict[str, set[str]] = defaultdict(set)
            if urls:
                for url, sha in self.session.execute(select(Snapshot.final_url, Snapshot.sha256).where(
                        Snapshot.company_id == self.company.id, Snapshot.variant == "",
                        Snapshot.final_url.in_(urls), Snapshot.sha256.is_not(None))):
                    self.plain[url].add(sha)
        return self._captures

    def _result(self, c) -> list:
        reached = c.reached or {}
        if reached.get("result"):
            return phrase("click_result", result=str(reached["result"]))
        if (c.status_code is not None and c.status_code >= 400) or c.failure:
            return _failed(c.status_code, c.failure)
        if c.document_id is None:
            if c.variant and c.sha256 in self.plain.get(c.final_url, ()):
                language = self.plain_language.get(c.final_url)
                return phrase("same_bytes_text", text=_text_result(language)) if language else phrase("same_bytes")
            return phrase("no_document")
        obs = self.by_id.get(c.document_id)
        return _text_result(obs.text_language if obs else None)

    def absence(self, candidates: list, language: str, url_language) -> dict:
        """What was tried for ``language``: ``tried`` (one entry per way, the row's pages, the crawl),
        ``summary`` (one English sentence), ``phrases`` (the same sentence for ``reports.absence_words`` to
        say again in another language) and ``screenshot``. Said in English whoever calls."""
        with using("en"):
            return self._absence(candidates, language, url_language)

    def _absence(self, candidates: list, language: str, url_language) -> dict:
        urls = {o.doc.url for o in candidates}
        tries: dict[tuple, _Try] = {}
        for c in self.captures():
            reached = c.reached or {}
            how = reached.get("how")
            claimed = reached.get("language") or variant_language(c.variant) or c.language_hint
            related = {c.url, c.final_url, reached.get("from")} & urls
            if how not in LANGUAGE_WAYS or claimed != language or not related:
                continue
            result = self._result(c)
            tries[(how, c.final_url, c.variant, say(result))] = _Try(  # the newest capture of each try
                how, c.final_url, c.variant, result, c.id, _tried_words(how, reached, c.variant, c.final_url, language),
                reached.get("switcher"))
        # The documents themselves: a /kz/ URL (or a link that said Kazakh) serving Russian, a failure.
        # This is all an archive from before issue 13 knows.
        for o in candidates:
            claimed = claimed_language(o.doc.variant, o.reached, o.hint, url_language(o.doc.url))
            if (claimed not in (language, None) or (claimed is None and o.ok)
                    or any(t.url == o.doc.url and t.variant == o.doc.variant for t in tries.values())):
                continue
            how = o.reached.get("how") or (URL_MARKER if url_language(o.doc.url) == language else LINK)
            result = _text_result(o.text_language) if o.ok else _failed(o.last.status_code, o.last.failure)
            words = _tried_words(how, o.reached, o.doc.variant, o.doc.url, language) if claimed else o.doc.url
            tries[(how, o.doc.url, o.doc.variant, say(result))] = _Try(how, o.doc.url, o.doc.variant, result, o.last.id,
                                                                   words, o.reached.get("switcher"))
        ordered = sorted(tries.values(), key=lambda t: (LANGUAGE_WAYS.index(t.how) if t.how in LANGUAGE_WAYS else 99,
                                                         t.snapshot or 0))
        tried = [t.json() for t in ordered]
        pieces = [phrase("try", what=t.words, result=t.result) for t in ordered]
        offered = self._offers(urls, language, ordered)
        if offered:
            tried.append({"how": "page", "url": offered[0], "result": "; ".join(map(say, offered[2])),
                          "snapshot": offered[1]})
            pieces += offered[2]
        counts = self._counts()
        tried.append({"how": "crawl", "url": self.company.homepage, "result": say(counts), "snapshot": None})
        pieces.append(counts)
        return {"tried": tried, "summary": f"{language}: " + "; ".join(map(say, pieces)), "phrases": pieces,
                "screenshot": self._screenshot(urls, ordered)}

    def _offers(self, urls: set[str], language: str, tries: list[_Try]) -> tuple[str, int, list[list]] | None:
        """What the row's plain pages offered (else the homepage's and hubs'): (page, capture, words)."""
        offering = [c for c in self.captures() if not c.variant and isinstance((c.reached or {}).get("offers"), dict)]
        pages = [c for c in offering if c.final_url in urls] or [c for c in offering if c.role in (HOME, HUB)]
        if not pages:
            return None
        hreflang: set[str] = set()
        switchers: dict[tuple, dict] = {}
        negotiates = False
        for c in pages:
            offers = c.reached["offers"]
            hreflang |= {h for h in _listed(offers.get("hreflang")) if isinstance(h, str)}
            for s in _listed(offers.get("switchers")):
                if isinstance(s, dict):
                    switchers[(s.get("text"), s.get("language"), s.get("kind"))] = s
            negotiates = negotiates or bool(offers.get("negotiates"))
        ways = {t.how for t in tries}
        words = []
        if not hreflang:
            words.append(phrase("no_hreflang"))
        elif language not in hreflang:
            words.append(phrase("no_hreflang_for", language=language, languages=", ".join(sorted(hreflang))))
        elif HREFLANG not in ways:
            words.append(phrase("hreflang_offered", language=language))
        tried_switchers = {t.switcher for t in tries if t.switcher}
        own = [s for s in switchers.values() if s.get("language") == language]
        if not switchers:
            words.append(phrase("no_switcher"))
        elif not own:
            words.append(phrase("no_switcher_for", language=language, switchers=", ".join(
                sorted(f"'{s.get('text')}'" for s in switchers.values()))))
        words += [phrase("offered_switcher", text=str(s.get("text")), kind=str(s.get("kind") or "link")) for s in own
                  if s.get("text") not in tried_switchers]
        if not negotiates and ACCEPT_LANGUAGE not in ways:
            words.append(phrase("no_negotiation"))
        newest = pages[-1]
        return newest.final_url, newest.id, words

    def _counts(self) -> list:
        if not self.crawl.get("last_crawled"):
            return phrase("not_crawled")
        return phrase("visited", pages=self.crawl["pages_visited"], rendered=self.crawl.get("pages_rendered", 0))

    def _screenshot(self, urls: set[str], tries: list[_Try]) -> int | None:
        """The newest screenshot of a try (a clicked switcher), else of one of the row's pages."""
        shots = {c.id: c for c in self.captures() if c.screenshot_sha256}
        for t in sorted(tries, key=lambda t: -(t.snapshot or 0)):
            if t.snapshot in shots:
                return t.snapshot
        pages = [c.id for c in shots.values() if c.final_url in urls]
        return max(pages) if pages else None
