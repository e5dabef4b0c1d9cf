"""Which links on a page lead to policy documents, hubs, archives or language versions, and which site a
URL is on.

Pure functions over (url, text) pairs, so discovery can be tested without Scrapy.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date
from urllib.parse import urljoin, urlsplit, urlunsplit

from archive.records import ARCHIVE, DOCUMENT, HOME, HUB
from config import Vocabulary
from config.editions import YEAR

SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "#", "viber:", "whatsapp:", "tg:")


@dataclass(frozen=True)
class RawLink:
    url: str  # absolute, without fragment
    text: str  # visible text, title and aria-label, whitespace collapsed
    hreflang: str | None = None  # from <link rel=alternate hreflang> or <a hreflang>
    # "link": an <a href>; "script": an element that leads on only by script (spiders.scripted): a person
    # clicks it, and its capture says so (reached how "click").
    kind: str = "link"


@dataclass(frozen=True)
class Target:
    """A link worth following and what we expect behind it."""

    url: str
    text: str
    role: str
    doc_type: str | None
    language: str | None
    alternate: bool  # a language version of the page it was found on
    # A dated old edition ("Редакция от 01.02.2023" on a document page): archived as historical, with
    # what it states (a config.editions.StatedDate: a day, a year or an edition number).
    historical: bool = False
    stated_date: date | None = None


def anchor_link(a, base: str) -> RawLink | None:
    """The RawLink of an ``<a href>`` element (lxml): its visible text, title, aria-label and image alt."""
    url = clean_url(base, a.get("href", ""))
    if not url:
        return None
    parts = [" ".join(a.itertext()), a.get("title", ""), a.get("aria-label", "")]
    parts += [img.get("alt", "") for img in a.iter("img")]
    return RawLink(url, " ".join(" ".join(parts).split()), a.get("hreflang"))


def clean_url(base: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.lower().startswith(SKIP_SCHEMES):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _site_key(url: str) -> tuple[str, int | None] | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
        return host, parts.port  # an IP site is one host and one port
    except ValueError:
        return host.removeprefix("www."), None


def same_site(url: str, homepages: list[str]) -> bool:
    """True when ``url`` is on one of the homepages' sites: the same host, or a subdomain of it
    (``kz.example.kz`` for ``www.example.kz``); for IP-address sites the same address and port."""
    key = _site_key(url)
    if key is None:
        return False
    for home in homepages:
        home_key = _site_key(home)
        if home_key is None:
            continue
        if key == home_key or (home_key[1] is None and key[0].endswith("." + home_key[0])):
            return True
    return False


def classify(link: RawLink, page_url: str, page_role: str, page_type: str | None,
             vocabulary: Vocabulary) -> Target | None:
    """What ``link`` on a page (of role ``page_role``) probably leads to, or None to ignore it.

    - a language version of the page (hreflang, a switcher label such as "Қаз" or "RU", or the
      same URL with another language marker): same role and type as the page;
    - a company archive ("Архив документов", "Бұрынғы редакциялар", "/archive"): an archive page, whose
      documents are of the type the link names, else of the page's type (an archive linked from the
      terms lists old terms); a dated edition link ("Редакция от 01.02.2023", "Предыдущая редакция
      2021 года", "Предыдущая (2-я) редакция"; on a document, "Редакция 2021 года" too) is that old
      edition itself, except where a homepage or hub names a document with its date: that is how sites
      label the edition in force. A year alone ("Архив 2021", "Отчёт 2021") states no edition;
    - a link whose text or URL names a document type: that document;
    - a "documents" / "legal" hub.
    """
    if link.url == page_url:
        return None
    language = None
    if link.hreflang:
        language = vocabulary.language_of_label(link.hreflang.split("-")[0]) or link.hreflang.lower()[:2]
    label_language = vocabulary.language_of_label(link.text) if link.text else None
    url_language = vocabulary.language_of_url(link.url)
    # /kz/x and /ru/x (or ?lang=kz, kz.example.kz) are versions of x: the vocabulary's markers decide.
    unmarked = vocabulary.without_language_marker(link.url)
    sibling = url_language is not None and unmarked == vocabulary.without_language_marker(page_url)
    if link.hreflang or label_language or sibling:
        role, doc_type = page_role, page_type
        if unmarked.split("?")[0].endswith("/") and page_role != HOME:
            # Many switchers on a document page lead to the homepage in that language.
            role, doc_type = HOME, None
        return Target(link.url, link.text, role, doc_type,
                      language or label_language or url_language, alternate=True)

    named_type = vocabulary.document_type(text=link.text)
    doc_type = named_type or vocabulary.document_type(url=link.url)
    # The words of a link outrank its URL: "Политика конфиденциальности" at /archive/privacy is a document.
    archive = vocabulary.is_archive(text=link.text) or (not named_type and vocabulary.is_archive(url=link.url))
    stated = vocabulary.stated_edition(link.text)
    # "Редакция 2021 года" on a document: an edition with its year next to it but no archive word ("от",
    # "предыдущая"). Only a year next to an edition word: "Редакция сайта поздравляет с 1 мая" is news.
    dated_edition = stated is not None and stated.precision == YEAR and page_role == DOCUMENT
    if (archive or dated_edition) and not vocabulary.is_current_edition(link.text):
        if stated is None:
            return Target(link.url, link.text, ARCHIVE, doc_type or page_type, url_language, alternate=False)
        if page_role in (DOCUMENT, ARCHIVE) or not doc_type:
            return Target(link.url, link.text, DOCUMENT, doc_type or page_type, url_language, alternate=False,
                          historical=True, stated_date=stated)
    if doc_type:
        return Target(link.url, link.text, DOCUMENT, doc_type, url_language, alternate=False)
    if vocabulary.is_hub(text=link.text, url=link.url):
        return Target(link.url, link.text, HUB, None, url_language, alternate=False)
    return None


__all__ = ["RawLink", "Target", "anchor_link", "classify", "clean_url", "same_site", "HOME", "HUB", "DOCUMENT",
           "ARCHIVE"]
