"""The typed configuration: which companies to archive, in which campaign windows, and how to crawl.

Validation messages are written for the researchers who edit the YAML: the loader shows them next to
the file name and line, so they say what was expected and what was found, in plain words.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from config.vocabulary import DOC_TYPES, DocType, Language, StrictModel, Vocabulary

__all__ = [
    "DOC_TYPES",
    "Campaign",
    "Company",
    "Config",
    "CrawlSettings",
    "DocumentSeed",
    "RenderMode",
]

RenderMode = Literal["auto", "always", "never"]

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host, kept as the string the researcher wrote."""
    value = value.strip()
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        ok = False
    if not ok or any(c.isspace() for c in value):
        raise ValueError(f"expected an http(s) URL such as https://example.kz/, got {value!r}")
    return value


def check_slug(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise ValueError(
            "expected an id of lowercase Latin letters, digits, '-' and '_' starting with a letter or "
            f"digit (such as halyk-bank), got {value!r}"
        )
    return value


def check_address(value: str) -> str:
    """A host name, an IP address or a CIDR network (127.0.0.0/8) the crawler may fetch from."""
    value = value.strip()
    expected = "expected a host name, an IP address or a network like 127.0.0.0/8"
    looks_numeric = "/" in value or ":" in value or all(p.isdigit() for p in value.rstrip(".").split("."))
    if looks_numeric:
        try:
            # strict=False: "192.168.1.1/24" plainly means that /24 network; refusing it helps no one.
            ipaddress.ip_network(value, strict=False)
        except ValueError as e:
            raise ValueError(f"{expected}, got {value!r} ({e})") from None
        return value
    labels = value.rstrip(".").split(".")
    if len(value) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"{expected}, got {value!r}")
    return value.lower()


PROXY_SCHEMES = ("http", "socks5", "socks5h")
_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")


def check_proxy(value: str) -> str:
    """A proxy URL the crawler and its browser can both use: ``http://[user:password@]host:port`` (HTTPS
    sites go through it with CONNECT) or ``socks5://host:port`` (``socks5h``: the same, the proxy resolves
    names either way)."""
    value = value.strip()
    shown = repr(_PASSWORD.sub(r"\1***@", value))  # never echo a password into a terminal or a log
    example = "such as http://user:password@proxy.example.kz:3128 or socks5://127.0.0.1:1080"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError(f"expected a proxy URL {example}, got {shown} (bad port)") from None
    scheme = parts.scheme.lower()
    if scheme == "https":
        raise ValueError("an https:// proxy (TLS to the proxy itself) is not supported; use http:// (HTTPS sites "
                         f"are still encrypted end to end through it), got {shown}")
    if scheme not in PROXY_SCHEMES or not parts.hostname or any(c.isspace() for c in value):
        raise ValueError(f"expected a proxy URL {example}, got {shown}")
    if port is None:
        raise ValueError(f"the proxy URL needs a port ({parts.hostname}:3128, :1080...), got {shown}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"a proxy URL is scheme://host:port and nothing after it, got {shown}")
    if scheme != "http" and (parts.username or parts.password):
        raise ValueError("Chromium cannot log in to a SOCKS5 proxy, so pages that need a browser could not be "
                         "fetched through it: use a SOCKS5 proxy without a password (one that admits your address) "
                         f"or an http:// proxy with one; got {shown}")
    return value


URL = Annotated[str, AfterValidator(check_url)]
Proxy = Annotated[str, AfterValidator(check_proxy)]
Slug = Annotated[str, AfterValidator(check_slug)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Address = Annotated[str, AfterValidator(check_address)]

# One language range of an Accept-Language header, with an optional weight: "kk-KZ", "ru;q=0.9", "*".
_LANGUAGE_RANGE = re.compile(r"(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)(\s*;\s*q=(0(\.\d{0,3})?|1(\.0{0,3})?))?")


def check_accept_language(value: str) -> str:
    """An Accept-Language header value as a browser sends it: language ranges with optional q weights,
    comma-separated. Anything else (a newline, a stray word) would be sent to every site as written."""
    value = value.strip()
    ranges = [r.strip() for r in value.split(",")]
    if not value or not all(_LANGUAGE_RANGE.fullmatch(r) for r in ranges):
        raise ValueError("expected an Accept-Language value such as 'ru-RU,ru;q=0.9,kk-KZ;q=0.8,kk;q=0.7,en;q=0.5' "
                         f"(languages, each with an optional ;q= weight, separated by commas), got {value!r}")
    return value


AcceptLanguage = Annotated[str, AfterValidator(check_accept_language)]


class CrawlSettings(StrictModel):
    max_depth: int = Field(3, ge=1, le=10)  # clicks from the homepage (RDR: "one or two clicks")
    # Private, loopback and link-local addresses are refused unless listed here (the demo sites).
    allow_private_addresses: list[Address] = []
    concurrent_requests: int = Field(16, ge=1)
    concurrent_per_host: int = Field(4, ge=1)
    download_timeout: float = Field(30, gt=0)
    download_delay: float = Field(0, ge=0)
    max_pages_per_company: int = Field(300, ge=1)
    max_response_bytes: int = Field(50_000_000, ge=1)
    user_agent: Text = "policy-archive/0.1 (+research archive of public policy documents)"
    # What a Kazakhstani reader's browser asks for: sites that negotiate answer the plain crawl as they
    # answer such a reader. Sent on every request (plain and in Chromium) and recorded with each capture.
    accept_language: AcceptLanguage = "ru-RU,ru;q=0.9,kk-KZ;q=0.8,kk;q=0.7,en;q=0.5"
    render: RenderMode = "auto"
    # How long a rendered page may take to show a document's worth of text, in seconds.
    render_wait: float = Field(5, gt=0, le=60)
    render_pages: int = Field(6, ge=1, le=32)  # browser pages open at once
    # Script-only language switchers clicked per page (buttons, "RU ▾" menus: spiders.scripted).
    max_clicks: int = Field(6, ge=0, le=30)
    # Worker processes that read new pages (text extraction, languages) beside the recorder
    # (archive.prepared); None: one per CPU core; 0: the recorder reads every page itself.
    workers: int | None = Field(None, ge=0, le=64)
    chromium: Text = "/usr/bin/chromium"  # Debian's Chromium; Playwright cannot download its own here
    obey_robots_txt: bool = False
    # Transient trouble (503, 429, 502, 504...): retries within the run, each after the server's
    # Retry-After or an exponential back-off, but never waiting longer than max_retry_wait seconds.
    # A page still in trouble is tried once more at the end of the run.
    retries: int = Field(2, ge=0, le=10)
    max_retry_wait: float = Field(60, ge=0, le=600)
    # Every request (plain and in Chromium) goes through this proxy, e.g. to crawl from a Kazakhstani
    # address abroad; a company's own ``proxy`` overrides it. The address guard still judges the sites.
    proxy: Proxy | None = None


class Campaign(StrictModel):
    """One rating year and the window in which its documents are archived."""

    name: Text
    start: date
    end: date

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"end must be on or after start ({start.isoformat()}), got {end.isoformat()}")
        return end

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


class DocumentSeed(StrictModel):
    """A document URL the team already knows, fetched even if discovery does not reach it."""

    url: URL
    type: DocType | None = None


class Company(StrictModel):
    id: Slug
    name: Text
    sector: Text  # FinTech, Telecom, E-commerce in 2024; new sectors need no code change
    homepage: URL
    extra_homepages: list[URL] = []  # other brands' sites, e.g. Kcell also runs activ.kz
    confirmed: bool = True  # False: the homepage is a guess; crawl skips it unless asked
    languages: list[Language] = Field(default_factory=lambda: ["kk", "ru"], min_length=1)
    render: RenderMode | None = None  # None: use crawl.render
    proxy: Proxy | None = None  # None: use crawl.proxy
    documents: list[DocumentSeed] = []

    @property
    def homepages(self) -> list[str]:
        return [self.homepage, *self.extra_homepages]


def _default_expected() -> dict[str, list[DocType]]:
    # In Kazakhstan the terms are often a public offer, and the privacy policy a personal-data policy.
    return {"terms": ["terms_of_service", "public_offer"], "privacy_policy": ["privacy_policy", "personal_data_policy"]}


class CoverageSettings(StrictModel):
    """What the coverage report expects of every company (RDR F1a / P1a)."""

    # Report row -> the document types that satisfy it.
    expected: dict[str, list[DocType]] = Field(default_factory=_default_expected)
    # A version is incomplete when at least this share of its text is in another language.
    incomplete_share: float = Field(0.1, gt=0, lt=1)
    # A page at a Kazakh URL whose text is at least this share Kazakh counts as a (perhaps
    # incomplete) Kazakh version; below it, it is another language's text at a Kazakh URL.
    min_share: float = Field(0.2, gt=0, lt=1)
    # "In full" (reports/translations.py): a version lacking numbered clauses that hold at least this
    # share of another required version's text is partial.
    missing_clauses_share: float = Field(0.05, gt=0, lt=1)
    # A version that has not followed another's substantive change for this many days is partial
    # (0: as soon as a crawl sees the change without its counterpart).
    lag_grace_days: int = Field(0, ge=0, le=3650)


class WebSettings(StrictModel):
    """The researchers' web UI (``policy-archive serve``)."""

    # Required when the UI listens on anything but loopback: every request must carry it
    # (``Authorization: Bearer …``, or ``?token=…`` once, which sets a cookie).
    token: str | None = Field(None, min_length=16)


class Config(StrictModel):
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    coverage: CoverageSettings = Field(default_factory=CoverageSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    campaigns: list[Campaign]
    companies: list[Company]
    # Required here, supplied by config/loader.py (the packaged vocabulary.yaml when the YAML names none):
    # a default that read YAML would make this model depend on its own loader.
    vocabulary: Vocabulary = Field(repr=False)

    # The custom errors carry the offending item's index so the loader can point at its line.
    @field_validator("companies")
    @classmethod
    def _unique_ids(cls, companies: list[Company]) -> list[Company]:
        first: dict[str, int] = {}
        for i, company in enumerate(companies):
            j = first.setdefault(company.id, i)
            if j != i:
                raise PydanticCustomError(
                    "duplicate_id",
                    "duplicate company id '{id}' (already used by companies[{first}])",
                    {"id": company.id, "first": j, "index": i, "field": "id"},
                )
        return companies

    @field_validator("campaigns")
    @classmethod
    def _distinct_campaigns(cls, campaigns: list[Campaign]) -> list[Campaign]:
        # Overlapping windows would make campaign_at() ambiguous.
        for i, c in enumerate(campaigns):
            for j, other in enumerate(campaigns[:i]):
                if c.name == other.name:
                    raise PydanticCustomError(
                        "duplicate_campaign",
                        "duplicate campaign name '{name}' (already used by campaigns[{first}])",
                        {"name": c.name, "first": j, "index": i, "field": "name"},
                    )
                if c.start <= other.end and other.start <= c.end:
                    raise PydanticCustomError(
                        "campaign_overlap",
                        "campaign '{name}' overlaps campaign '{other}'; windows must not overlap",
                        {"name": c.name, "other": other.name, "index": i, "field": "start"},
                    )
        return campaigns

    def campaign_at(self, d: date) -> Campaign | None:
        """The campaign whose archive window contains the date, if any."""
        return next((c for c in self.campaigns if c.contains(d)), None)

    def company(self, id: str) -> Company:
        for company in self.companies:
            if company.id == id:
                return company
        known = ", ".join(c.id for c in self.companies)
        raise KeyError(f"no company with id {id!r} in the config (known: {known})")
