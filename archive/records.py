"""What the spiders hand to the archive: one raw capture of one URL at one time.

Plain data, no Scrapy: the spider builds it, the recorder stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Roles a captured page plays in the crawl.
HOME = "home"  # a company homepage (or one of its language versions)
HUB = "hub"  # a "documents" / "legal" page that lists policy documents
DOCUMENT = "document"  # a policy document itself (HTML page, PDF, ...)
# A company's own archive of previous versions ("Архив документов", "Бұрынғы редакциялар"): a page
# that lists old editions (RDR F2a.4 / P2a.4). The editions it lists are captured as DOCUMENTs
# with ``historical`` set.
ARCHIVE = "archive"
ROLES = (HOME, HUB, DOCUMENT, ARCHIVE)

# Where an old edition was listed.
LISTED_ON_PAGE = "page"  # an archive page (role ARCHIVE)
LISTED_IN_SECTION = "section"  # an archive section of a document page or hub: a heading + dated links
LISTED_AS_LINK = "link"  # one dated edition link ("Редакция от 01.02.2023") on a document page or hub

# Kinds of snapshot.
SERVER = "server"
RENDERED = "rendered"

# How a capture was reached, and in which language state (``Capture.reached["how"]``, issue 13):
LINK = "link"  # a plain <a href> (a switcher link too: its words are in "switcher")
HREFLANG = "hreflang"  # <link rel=alternate hreflang> / <a hreflang>
URL_MARKER = "url_marker"  # the same URL with another language marker: /kz/x for /ru/x
COOKIE = "cookie"  # the same URL again, with the cookies a switcher set (Capture.variant "cookie:...")
ACCEPT_LANGUAGE = "accept_language"  # the same URL again, asking in that language (variant "accept-language:kk")
CLICK = "click"  # a browser clicked a script-only switcher or link
PANEL = "panel"  # one panel (tab, accordion, modal) of a page that holds several (variant "panel:<key>")
SEED = "seed"  # a URL from the config
HOMEPAGE = "homepage"
HOW = (LINK, HREFLANG, URL_MARKER, COOKIE, ACCEPT_LANGUAGE, CLICK, PANEL, SEED, HOMEPAGE)


def cookie_pairs(cookies: dict[str, str] | None) -> str:
    """Cookies as a cookie variant names them, and as people read them: ``lang=kk; region=kz`` (sorted)."""
    return "; ".join(f"{name}={value}" for name, value in sorted((cookies or {}).items()))


@dataclass(frozen=True)
class Link:
    """One click on the way from the homepage: the page it was on, the link's URL and text."""

    url: str
    text: str


@dataclass(frozen=True)
class Listing:
    """Where the company lists an old edition: the page, how (page / section / link), and the words
    that say so (the archive link's text, the section's heading, or the dated link's text)."""

    url: str
    kind: str
    text: str


@dataclass
class Capture:
    """One fetch of one URL: the bytes as served plus how the crawl got there.

    ``status`` is None when no HTTP response arrived (DNS failure, refused, timeout, blocked
    address); ``error`` then says why. ``depth`` is the click depth from the homepage, None for
    a seed URL that discovery did not reach. ``path`` lists the clicks that reached the page.
    """

    company_id: str
    url: str
    final_url: str
    status: int | None
    headers: dict[str, str]
    body: bytes
    fetched_at: datetime
    role: str = DOCUMENT
    doc_type: str | None = None
    language_hint: str | None = None
    depth: int | None = None
    path: list[Link] = field(default_factory=list)
    error: str | None = None
    not_modified: bool = False  # the server answered 304 to a conditional request
    title: str | None = None  # the link text or <title> the spider saw, for humans
    # server: bytes as the server sent them; rendered: the DOM a browser built (see ``original``)
    kind: str = SERVER
    # For a rendered capture: the server's response as the browser received it, and why we rendered.
    original: Capture | None = None
    render_reason: str | None = None
    screenshot: bytes | None = None  # full-page PNG
    blocked: list[dict] = field(default_factory=list)  # [{"url", "reason"}] refused page requests
    # Reached as a language version (hreflang, a switcher, /kz/ <-> /ru/) of this page.
    alternate_of: str | None = None
    # An old edition the company lists in its own archive: captured now, stated for the past.
    # ``stated_date`` is the date the company gives it ("Редакция от 01.02.2023"); never the current
    # document, even when its text is the same.
    historical: bool = False
    stated_date: date | None = None
    listed_on: Listing | None = None
    # What, beside the URL, selects this version of the page: "" (the URL alone), "cookie:lang=kk",
    # "accept-language:kk", "click:Қаз", "panel:<key>". A document is (company, URL, variant).
    variant: str = ""
    # How the crawl reached this capture and in which language state: {"how": one of HOW, "language":
    # the language the way in claimed, "switcher": its words, "from": the page it was on, "cookies":
    # {name: value}, "accept_language": "kk", "panel": key, "offers": what the page offered (see
    # spiders.states)}. Shown by ``show`` and the UI; the coverage report's proof of absence reads it.
    reached: dict | None = None
    # The request headers that matter for a replay (Accept-Language, Cookie, User-Agent): the WARC
    # request record keeps them, so a replay asks for the same language.
    request_headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()
