"""The coverage report's data: for every company and expected document, which language versions
exist, how complete they are, how deep they sit, and the RDR F1a.2 / P1a.2 result.

Trust the text, not the URL: a version's language is what its text is (per-paragraph detection,
``versions.language_shares``). A page at a Kazakh URL counts as the Kazakh version when at least
``coverage.min_share`` of its text is Kazakh (then it may be *incomplete*); below that it is
another language's text at a Kazakh URL, and the report says so (``mismatches``).

Old editions the company lists in its own archive (``documents.historical``) never fill a row: they
are captured now but stated for the past. They are the evidence of the company's public archive
(RDR F2a.4 / P2a.4), reported per company under ``public_archive`` with the pages and sections that
list them.

Language versions of one document are paired by how the crawl reached them (hreflang, switchers,
``/kz/`` ↔ ``/ru/``: ``snapshots.alternate_of``) and by URL pattern; the family with the most
languages fills the report first, so one offer's Kazakh version is not matched with another offer's
Russian one when a company publishes many. Language states of one URL (a cookie a switcher set,
Accept-Language, a click, a panel: ``documents.variant``) are one family too; a state's claimed
language is what the way in claimed (``snapshots.reached``), and each entry says how it was reached.

A missing language is a verdict the rating team must defend, so it never comes alone: ``absence``
(``reports.absence``) lists what the archive shows was tried for it, as a list and as one sentence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, load_only

from archive.models import Document, Snapshot, Version
from archive.records import ARCHIVE, LINK, RENDERED
from config import Campaign, Company, Config
from i18n import in_english
from reports.absence import Trails
from reports.translations import Translations
from reports.ways import claimed_language, selected_by

LANGUAGES = ("kk", "ru", "en")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class Observed:
    """One document as the report sees it: its last observation and version in the window."""

    doc: Document
    last: Snapshot
    version: Version | None
    hint: str | None  # the language the link or URL claimed
    alternate_of: set[str]

    @property
    def ok(self) -> bool:
        return self.last.outcome != "failed" and self.version is not None

    @property
    def reached(self) -> dict:
        return self.last.reached if isinstance(self.last.reached, dict) else {}

    @property
    def text_language(self) -> str | None:
        return self.version.language if self.version else None


class _Families:
    """Union-find over document URLs: language versions of one document end up together."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, url: str) -> str:
        self.parent.setdefault(url, url)
        while self.parent[url] != url:
            self.parent[url] = self.parent[self.parent[url]]
            url = self.parent[url]
        return url

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _window(campaign: Campaign | None) -> tuple[datetime | None, datetime | None]:
    if campaign is None:
        return None, None
    return (datetime.combine(campaign.start, time.min),
            datetime.combine(campaign.end + timedelta(days=1), time.min))


def _observe(session: Session, company_id: str, start: datetime | None, end: datetime | None,
             types: list[str] | None = None) -> list[Observed]:
    """Each document the company's crawls captured (in the window; of ``types`` only, if given): its last
    capture, the version in force, and the language hints and alternates links gave it. A few grouped
    queries, no texts: this runs for every company on every overview page."""
    where = [Snapshot.company_id == company_id, Snapshot.document_id.is_not(None)]
    if types is not None:
        where.append(Snapshot.document_id.in_(select(Document.id).where(
            Document.company_id == company_id, Document.doc_type.in_(types))))
    if start is not None:
        where += [Snapshot.fetched_at >= start, Snapshot.fetched_at < end]
    newest = select(func.max(Snapshot.id)).where(*where).group_by(Snapshot.document_id).scalar_subquery()
    last = {s.document_id: s for s in session.scalars(
        select(Snapshot).options(load_only(Snapshot.id, Snapshot.document_id, Snapshot.outcome, Snapshot.fetched_at,
                                           Snapshot.failure, Snapshot.reached, Snapshot.status_code))
        .where(Snapshot.id.in_(newest)))}
    if not last:
        return []
    hints: dict[int, str] = {}
    for document_id, hint in session.execute(
            select(Snapshot.document_id, Snapshot.language_hint)
            .where(*where, Snapshot.language_hint.is_not(None)).order_by(Snapshot.id)):
        hints[document_id] = hint  # the newest hint wins
    alternates: dict[int, set[str]] = defaultdict(set)
    for document_id, alternate in session.execute(
            select(Snapshot.document_id, Snapshot.alternate_of)
            .where(*where, Snapshot.alternate_of.is_not(None)).distinct()):
        alternates[document_id].add(alternate)
    docs = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(last)))}
    in_force = select(func.max(Version.id)).where(Version.document_id.in_(last), Version.technical.is_(False))
    if end is not None:
        in_force = in_force.where(Version.captured_at < end)
    versions = {v.document_id: v for v in session.scalars(
        select(Version).options(load_only(
            Version.id, Version.document_id, Version.language, Version.language_shares, Version.title))
        .where(Version.id.in_(in_force.group_by(Version.document_id).scalar_subquery())))}
    return [Observed(docs[i], last[i], versions.get(i), hints.get(i), alternates[i]) for i in sorted(last)]


def _slot(obs: Observed, claimed: str | None, min_share: float) -> tuple[str | None, dict | None]:
    """The language version this document is, and a mismatch note when URL and text disagree (a language
    state whose text is another language is no mismatch of a URL: its absence trail says so)."""
    assert obs.version is not None
    text = obs.version.language if obs.version.language in LANGUAGES else None
    shares = obs.version.language_shares or {}
    if claimed in LANGUAGES and claimed != text:
        if shares.get(claimed, 0) >= min_share:
            return claimed, None  # e.g. a half-translated Kazakh page: Kazakh, incomplete
        if obs.doc.variant:
            return text, None
        return text, {"url": obs.doc.url, "url_language": claimed, "text_language": text or "und"}
    return text, None


def _entry(obs: Observed, language: str, incomplete_share: float) -> dict:
    assert obs.version is not None
    shares = obs.version.language_shares or {}
    share = shares.get(language, 1.0 if obs.version.language == language else 0.0)
    others = max((shares.get(other, 0.0) for other in LANGUAGES if other != language), default=0.0)
    return {
        "url": obs.doc.url,
        "share": round(share, 2),
        "incomplete": others >= incomplete_share,
        "click_depth": obs.doc.depth,
        "captured_at": _iso(obs.last.fetched_at),
        "title": obs.version.title or obs.doc.title,
        "document_id": obs.doc.id,
        "version_id": obs.version.id,
        "how": obs.reached.get("how") or LINK,  # archives from before issue 13 knew only links
        "variant": obs.doc.variant or "",
        "selected_by": selected_by(obs.reached),
    }


def _better(a: dict, b: dict) -> bool:
    """Is entry ``a`` a better representative of its language than ``b``?"""
    def key(e: dict) -> tuple:
        return (not e["incomplete"], -(e["click_depth"] if e["click_depth"] is not None else 99), e["share"])
    return key(a) > key(b)


def _expected_row(name: str, types: list[str], observed: list[Observed], company: Company, cfg: Config,
                  url_language) -> dict:
    candidates = [o for o in observed if o.doc.doc_type in types]
    row: dict = {"type": name, "types_found": sorted({o.doc.doc_type for o in candidates if o.ok}),
                 "status": "not_found", "f1a": "no", "languages": {}, "missing_languages": [],
                 "mismatches": [], "failure": None, "failed_urls": [], "other_urls": 0}
    good = [o for o in candidates if o.ok]
    if candidates and not good:
        newest = max(candidates, key=lambda o: o.last.fetched_at)
        row.update(status="unavailable", failure=newest.doc.last_failure or newest.last.failure,
                   failed_urls=[o.doc.url for o in candidates])
    if good:
        row["status"] = "available"
        families = _Families()
        by_url = {o.doc.url: o for o in good}
        for o in good:
            families.find(o.doc.url)
            for source in o.alternate_of:
                if source in by_url:
                    families.join(o.doc.url, source)
        patterns: dict[str, str] = {}
        for o in good:
            first = patterns.setdefault(cfg.vocabulary.without_language_marker(o.doc.url), o.doc.url)
            families.join(o.doc.url, first)
        slotted = []
        for o in good:
            claimed = claimed_language(o.doc.variant, o.reached, o.hint, url_language(o.doc.url))
            language, mismatch = _slot(o, claimed, cfg.coverage.min_share)
            if mismatch:
                row["mismatches"].append(mismatch)
            if language:
                slotted.append((families.find(o.doc.url), language, o))
        # The family with the most languages (then the shallowest) is "the" document.
        family_languages: dict[str, set[str]] = defaultdict(set)
        family_depth: dict[str, int] = defaultdict(lambda: 99)
        for family, language, o in slotted:
            family_languages[family].add(language)
            family_depth[family] = min(family_depth[family], o.doc.depth if o.doc.depth is not None else 99)
        order = sorted(family_languages, key=lambda f: (-len(family_languages[f]), family_depth[f]))
        rank = {f: i for i, f in enumerate(order)}
        chosen: dict[str, tuple[int, dict]] = {}  # language -> (family rank, entry)
        for family, language, o in sorted(slotted, key=lambda s: rank[s[0]]):
            entry = _entry(o, language, cfg.coverage.incomplete_share)
            held = chosen.get(language)
            if held is None or (held[0] == rank[family] and _better(entry, held[1])):
                chosen[language] = (rank[family], entry)
        row["languages"] = {language: entry for language, (_, entry) in chosen.items()}
        # Language states of a shown URL are that document, not another one.
        row["other_urls"] = len({o.doc.url for o in good} - {e["url"] for e in row["languages"].values()})
    required = list(company.languages)
    row["languages"] = {lang: row["languages"][lang] for lang in LANGUAGES if lang in row["languages"]}
    row["missing_languages"] = [lang for lang in required if lang not in row["languages"]]
    full = [lang for lang in required if lang in row["languages"] and not row["languages"][lang]["incomplete"]]
    present = [lang for lang in required if lang in row["languages"]]
    row["f1a"] = "yes" if present and len(full) == len(required) else "partial" if present else "no"
    return row


def _stated_date(stated: date | None, precision: str | None) -> str | None:
    if stated is None:
        return None
    return str(stated.year) if precision == "year" else stated.isoformat()


def _public_archive(session: Session, company_id: str, observed: list[Observed], start: datetime | None,
                    end: datetime | None) -> dict:
    """RDR F2a.4 / P2a.4: the archive pages, archive sections and dated edition links where the company
    lists old editions (``evidence``), the old editions archived from them (``versions``), and pages
    reached by an archive link that listed no edition we recognised (``candidates``: a news archive, or
    one to check by hand). ``found`` is true when there is evidence."""
    historical = [o for o in observed if o.doc.historical]
    listings: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    query = select(Snapshot.listed_on, Snapshot.document_id).where(
        Snapshot.company_id == company_id, Snapshot.listed_on.is_not(None))
    if start is not None:
        query = query.where(Snapshot.fetched_at >= start, Snapshot.fetched_at < end)
    historical_ids = {o.doc.id for o in historical}
    listed_on: dict[int, dict] = {}
    for listing, document_id in session.execute(query):
        if document_id not in historical_ids:
            continue  # the URL has been the current document since
        listings[(listing["url"], listing["kind"], listing["text"])].add(document_id)
        listed_on[document_id] = listing
    evidence = [{"url": url, "text": text, "kind": kind, "versions": len(ids)}
                for (url, kind, text), ids in sorted(listings.items())]
    pages = select(Snapshot.final_url, Snapshot.link_path).where(Snapshot.company_id == company_id,
                                                                 Snapshot.role == ARCHIVE)
    if start is not None:
        pages = pages.where(Snapshot.fetched_at >= start, Snapshot.fetched_at < end)
    evidence_urls = {e["url"] for e in evidence}
    candidates: dict[str, str] = {}
    for url, path in session.execute(pages):
        if url not in evidence_urls:
            candidates.setdefault(url, path[-1]["text"] if path else "")
    versions = [{
        "url": o.doc.url, "doc_type": o.doc.doc_type,
        # As precise as the company stated it: "2021" for "редакция 2021 года" (stored as January 1).
        "stated_date": _stated_date(o.doc.stated_date, listed_on.get(o.doc.id, {}).get("precision")),
        "stated": listed_on.get(o.doc.id, {}).get("stated"), "edition": listed_on.get(o.doc.id, {}).get("edition"),
        "language": o.version.language if o.version else o.doc.language,
        "status": "available" if o.ok else "unavailable", "captured_at": _iso(o.last.fetched_at),
        "listed_on": listed_on.get(o.doc.id, {}).get("url"), "document_id": o.doc.id,
        "version_id": o.version.id if o.version else None,
    } for o in sorted(historical, key=lambda o: (o.doc.doc_type or "", str(o.doc.stated_date or ""), o.doc.url))]
    return {"found": bool(evidence), "evidence": evidence, "versions": versions,
            "candidates": [{"url": url, "text": text} for url, text in sorted(candidates.items())]}


@in_english
def language_rows(session: Session, cfg: Config, campaign: Campaign | None = None, company_id: str | None = None,
                  now: datetime | None = None, doc_type: str | None = None) -> list[tuple[str, dict]]:
    """(company id, row) of every expected document of every company (or one; or the rows expecting
    ``doc_type`` only), with its language versions and their translation checks (``reports.translations``)
    but no absence trails: what the change report and the UI's document page need to know which
    documents are language versions of one another."""
    start, end = _window(campaign)
    expected = {name: list(types) for name, types in cfg.coverage.expected.items()
                if doc_type is None or doc_type in types}
    wanted = sorted({t for types in expected.values() for t in types}) if doc_type is not None else None
    out = []
    for company in cfg.companies:
        if company_id is not None and company.id != company_id:
            continue
        current = [o for o in _observe(session, company.id, start, end, wanted) if not o.doc.historical]
        if not current:
            continue
        rows = [_expected_row(name, types, current, company, cfg, cfg.vocabulary.language_of_url)
                for name, types in expected.items()]
        Translations(session, cfg.coverage, end, now).check(rows, list(company.languages))
        out += [(company.id, row) for row in rows]
    return out


@in_english
def row_of_document(session: Session, cfg: Config, company_id: str, document_id: int,
                    now: datetime | None = None) -> dict | None:
    """The coverage row (as the archive stands) in which ``document_id`` is one of the language versions."""
    doc_type = session.scalar(select(Document.doc_type).where(Document.id == document_id))
    if doc_type is None:
        return None
    for _, row in language_rows(session, cfg, company_id=company_id, now=now, doc_type=doc_type):
        if any(entry["document_id"] == document_id for entry in row["languages"].values()):
            return row
    return None


@in_english
def build_coverage(session: Session, cfg: Config, campaign: Campaign | None = None,
                   now: datetime | None = None, company_id: str | None = None) -> dict:
    """The coverage report for ``campaign`` (its archive window), or for the archive as it stands;
    ``company_id``: that company's part only (the UI's company page)."""
    start, end = _window(campaign)
    companies = []
    for company in cfg.companies:
        if company_id is not None and company.id != company_id:
            continue
        observed = _observe(session, company.id, start, end)
        if not company.confirmed and not observed:
            continue  # never crawled: its homepage is still to be confirmed
        pages = select(func.max(Snapshot.fetched_at), func.count(Snapshot.url.distinct()),
                       func.count(case((Snapshot.kind == RENDERED, Snapshot.url)).distinct())).where(
            Snapshot.company_id == company.id)
        if start is not None:
            pages = pages.where(Snapshot.fetched_at >= start, Snapshot.fetched_at < end)
        last_crawled, visited, rendered = session.execute(pages).one()
        crawl = {"last_crawled": _iso(last_crawled), "pages_visited": visited, "pages_rendered": rendered,
                 "max_depth": cfg.crawl.max_depth}
        current = [o for o in observed if not o.doc.historical]
        trails = Trails(session, company, observed, crawl, start, end)
        documents = []
        for name, types in cfg.coverage.expected.items():
            row = _expected_row(name, list(types), current, company, cfg, cfg.vocabulary.language_of_url)
            candidates = [o for o in current if o.doc.doc_type in types]
            row["absence"] = {lang: trails.absence(candidates, lang, cfg.vocabulary.language_of_url)
                              for lang in row["missing_languages"]}
            documents.append(row)
        Translations(session, cfg.coverage, end, now).check(documents, list(company.languages))
        companies.append({
            "id": company.id, "name": company.name, "sector": company.sector, "homepage": company.homepage,
            "required_languages": list(company.languages), "crawl": crawl, "documents": documents,
            "public_archive": _public_archive(session, company.id, observed, start, end),
        })
    return {
        "campaign": campaign.name if campaign else None,
        "window": {"start": str(campaign.start), "end": str(campaign.end)} if campaign else None,
        "generated_at": _iso((now or datetime.now(UTC)).replace(tzinfo=None, microsecond=0)),
        "companies": companies,
    }

