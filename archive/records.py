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

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()
