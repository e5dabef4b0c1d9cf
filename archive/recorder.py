"""Snapshot → text → version: what the archive does with each capture.

Rules (Open Terms Archive's "snapshot is not version", made cheap for re-crawls):
- the raw bytes of every capture with a body go to the blob store (stored once per hash);
- every capture is one row in ``snapshots``, failed ones too, with the reason;
- bytes identical to the URL's previous snapshot (or a 304) are not extracted again: the
  previous result stands, so an unchanged re-crawl costs one small row per page;
- a document gets a new version only when its normalised text differs from its last version;
- a broken fetch (error status, empty body, error page served with 200, no text) never
  becomes a version;
- an old edition listed in the company's own archive is its own document (its own URL), marked
  ``historical`` with the date the company states, and the snapshot keeps where it was listed:
  its versions are old texts captured now, never the current document. A year stated alone is
  stored as January 1 of it, an edition number as no date; ``listed_on`` keeps what was stated
  ("stated": the words, "precision": day | year | number, "edition": the number);
- a language state the spider tried (a cookie, Accept-Language, a click: ``Capture.variant``) that
  brought back the plain page's bytes, or its text, selected nothing: its snapshot is kept (the
  coverage report's proof of absence reads it) but it is no document;
- panels (``extraction.panels``) of a plain capture: sibling panels in different languages are
  language versions of one document: the page's version is the shown panel's language alone, each
  other-language panel a document of its own at the same URL (variant ``panel:<key>``), and a hidden
  panel in another language than the page shows is never counted into the page's text; tabs or
  sections that each name a document type are documents of their own, whatever the page's role.
  Their snapshots share the page's blob; on unchanged bytes they are observed again without a parse.
"""

from __future__ import annotations

import errno
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass, replace
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value

from archive.blobs import BlobStore
from archive.changelog import change_known, change_row, change_summary, keep_change_summary, keep_computed
from archive.db import Database
from archive.models import Document, Snapshot, Version
from archive.prepared import Prepared
from archive.queries import LastBody, last_bodies, latest_version
from archive.records import DOCUMENT, HOME, HUB, PANEL, RENDERED, Capture
from config.editions import StatedDate
from config.vocabulary import Vocabulary
from diffing.normalise import text_hash
from extraction import panels
from extraction.extract import Extraction, extract
from language.detect import DETECTOR, document_language

log = logging.getLogger(__name__)
_INSERT_SNAPSHOT = Snapshot.__table__.insert().returning(Snapshot.__table__.c.id)
_LAST_CAPTURED = (update(Document.__table__).where(Document.__table__.c.id == bindparam("doc_id"))
                  .values(last_captured=bindparam("when")))

# Outcomes a capture can have, as counted in the run summary.
NEW_VERSION = "new_version"
SAME_TEXT = "same_text"  # new bytes, same normalised text (e.g. a changed footer token)
UNCHANGED = "unchanged"  # same bytes as last time, or 304
NEW_PAGE = "new_page"  # a homepage or hub page with new bytes
FAILED = "failed"

# A panel is a language version or a document of its own only with a document's worth of text: a
# short hidden blurb in Kazakh on a Russian page is neither.
PANEL_TEXT_CHARS = 300
TEXT_LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True)
class PanelDocument:
    """One panel that is a document of its own: which panel, its variant key, language and type."""

    index: int
    key: str
    language: str | None
    doc_type: str | None


def stated_day(stated: date | None) -> date | None:
    """The date to store for what a company states: the day, January 1 of a year, None for a number."""
    if isinstance(stated, StatedDate):
        return stated.plain()
    return stated


def listing(cap: Capture) -> dict | None:
    """``snapshots.listed_on``: where the edition is listed, and what the company states about it."""
    if cap.listed_on is None:
        return None
    stated = cap.stated_date.stated() if isinstance(cap.stated_date, StatedDate) else {}
    return {**asdict(cap.listed_on), **stated}


def storage_full(exc: BaseException) -> bool:
    """Did this write fail because the disk is full (or a quota, a file size limit, a failing disk)?"""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return True
    # SQLite says SQLITE_FULL, or SQLITE_IOERR when a write past the size limit fails; PostgreSQL's
    # server says "could not extend file ... No space left on device". Either way nothing more can
    # be stored safely, and the run stops.
    message = str(exc).lower()
    return any(m in message for m in ("database or disk is full", "disk i/o error", "no space left on device"))


class Recorder:
    """Records captures of one run; one instance per run, used from one thread."""

    def __init__(self, db: Database, blobs: BlobStore, run_id: int, soft_404_phrases: Sequence[str] = (),
                 vocabulary: Vocabulary | None = None):
        self.db = db
        self.blobs = blobs
        self.run_id = run_id
        self.soft_404_phrases = tuple(soft_404_phrases)
        self.session = db.session()
        self.last: dict[tuple[str, str, str], LastBody] = last_bodies(self.session)
        self.counts: Counter[str] = Counter()
        self.failures: Counter[str] = Counter()
        self.failed_documents: list[dict] = []
        # Set when a write failed for want of space: the run stops, what was committed stays.
        self.storage_full: str | None = None
        self.bytes_stored = 0
        # The text language of each document captured in this run, by (company, URL asked for, variant):
        # the spider reads it from the reactor thread when it decides which languages to probe for
        # (spiders.states). Single writes of a dict are atomic under the GIL; readers copy it.
        self.languages: dict[tuple[str, str, str], str] = {}
        self._vocabulary = vocabulary
        # Set by the crawl's pipeline: runs a pure function in a reader process and returns its future, or
        # None when the readers are idle or off (then the recorder classifies a change itself, at once).
        self.offload: Callable[..., Future | None] | None = None
        self._classifying: list[tuple[str, str, Future]] = []  # changes being classified by a reader
        # The panel variants last seen at each (final URL, kind): an unchanged page observes them again.
        self._panels_at: dict[tuple[str, str], set[str]] = defaultdict(set)
        # The documents of the companies this run has captured, by (company, final URL, variant): one query for a
        # company's on its first capture instead of one for each capture (the same objects the session's identity
        # map would give). Cleared when a capture is rolled back.
        self._documents: dict[tuple[str, str, str], Document] = {}
        self._documents_of: set[str] = set()  # the companies whose documents are all in _documents
        for url, kind, variant in self.last:
            if variant.startswith(f"{PANEL}:"):
                self._panels_at[(url, kind)].add(variant)

    @property
    def vocabulary(self) -> Vocabulary:
        """The config's vocabulary (document types named by tab labels); the packaged one for tools and
        tests that give none, loaded only when a page has panels."""
        if self._vocabulary is None:
            from config.loader import default_vocabulary

            self._vocabulary = default_vocabulary()
        return self._vocabulary

    def close(self) -> None:
        self.keep_classified(wait=True)
        self.session.close()

    def record(self, cap: Capture, prepared: Prepared | None = None) -> str:
        """Store one capture; return its outcome (one of the constants above). ``prepared``: what a worker
        process already read from its body (``archive.prepared``), used when it is for these very bytes."""
        try:
            outcome = self._record(cap, prepared)
            self.session.commit()
        except Exception:
            self.session.rollback()
            self._documents.clear()  # a document created by the capture rolled back is no more
            self._documents_of.clear()
            raise
        if self._classifying:
            self.keep_classified()
        self.counts["pages_fetched"] += 1
        self.counts[outcome] += 1
        if cap.kind == RENDERED:
            self.counts["rendered"] += 1
        return outcome

    # -- internals -------------------------------------------------------------------------

    def _put(self, data: bytes) -> str:
        sha, is_new_blob = self.blobs.put(data)
        if is_new_blob:
            self.bytes_stored += len(data)
        return sha

    def _record(self, cap: Capture, prepared: Prepared | None = None) -> str:
        failure, detail = self._fetch_failure(cap)
        previous = self.last.get((cap.final_url, cap.kind, cap.variant))
        sha = None
        if failure is None:
            sha = previous.sha256 if cap.not_modified and previous else self._put(cap.body)
        same_bytes = sha is not None and previous is not None and previous.sha256 == sha
        # A worker's reading of a plain page without panels (archive.prepared): only for these bytes.
        pre = prepared if (prepared is not None and prepared.extraction is not None and prepared.sha256 == sha
                           and not cap.variant) else None
        ex: Extraction | None = None
        nothing_selected = False
        if cap.role == DOCUMENT and failure is None and self._tried_state(cap):
            nothing_selected, ex = self._selects_nothing(cap, sha, previous if same_bytes else None)
        page = None
        if failure is None and not cap.variant and cap.role in (DOCUMENT, HUB) and not same_bytes and pre is None:
            page = self._panels(cap)
        doc = None
        if cap.role == DOCUMENT and not nothing_selected and not self._failed_try(cap, failure):
            doc = self._document(cap)
        # A rendering keeps the server's bytes as the browser received them, as their own snapshot.
        parent = self._record_original(cap.original, doc) if cap.original is not None else None
        screenshot = self._put(cap.screenshot) if cap.screenshot else None
        extra = {"parent": parent, "screenshot": screenshot}

        if doc is None:
            if failure:
                return self._failed(cap, None, failure, detail, **extra)
            self._snapshot(cap, None, sha, UNCHANGED if same_bytes else "new", **extra)
            if nothing_selected:
                self._seen_language(cap, self._plain_language(cap))
            elif sha is not None and not cap.variant:
                self._observe_panels(cap, sha, same_bytes, page)
            return UNCHANGED if same_bytes else NEW_PAGE

        if failure:
            return self._failed(cap, doc, failure, detail, **extra)
        if same_bytes and previous:
            # Same bytes: extraction would say what it said last time.
            if previous.failure:
                outcome = self._failed(cap, doc, previous.failure, previous.failure_detail, sha, **extra)
            else:
                self._snapshot(cap, doc, sha, UNCHANGED, **extra)
                self._mark_available(doc, cap)
                self._seen_language(cap, doc.language)
                outcome = UNCHANGED
            if not cap.variant:
                self._observe_panels(cap, sha, True, None)
            return outcome

        if ex is None and pre is not None:
            ex = pre.extraction
            self.counts["read_ahead"] += 1
        if ex is None:
            ex = self._extract(cap, page)
        if ex.failure:
            outcome = self._failed(cap, doc, ex.failure, ex.detail, sha, **extra)
            self._observe_panels(cap, sha, False, page)
            return outcome
        snapshot_id = self._snapshot(cap, doc, sha, "new", **extra)
        self._mark_available(doc, cap)
        outcome = self._store_text(cap, doc, snapshot_id, ex, pre)
        self._observe_panels(cap, sha, False, page)
        return outcome

    def _store_text(self, cap: Capture, doc: Document, snapshot_id: int, ex: Extraction,
                    pre: Prepared | None = None) -> str:
        """A new version of ``doc`` when its normalised text differs from the last one (``pre``: the hash and
        languages a worker already computed for ``ex``)."""
        # The version keeps the text as extracted; only the comparison uses the normalised form.
        text = ex.text
        ready = pre is not None and pre.extraction is ex and pre.text_sha256 is not None
        digest = pre.text_sha256 if ready else text_hash(text)
        last_version = latest_version(self.session, doc.id)
        if ex.title:
            doc.title = ex.title
        if last_version is not None and last_version.text_sha256 == digest:
            self._seen_language(cap, last_version.language)
            return SAME_TEXT
        detection, shares = pre.language if ready and pre.language else document_language(text)
        version = Version(
            document_id=doc.id,
            snapshot_id=snapshot_id,
            captured_at=cap.fetched_at,
            text=text,
            text_sha256=digest,
            title=ex.title,
            language=detection.language,
            language_confidence=detection.confidence,
            language_shares=shares,
            detector=DETECTOR,
            extractor=ex.extractor,
            encoding=ex.encoding,
            method=ex.method,
        )
        self.session.add(version)
        if last_version is not None:
            self._classify(last_version, version)
        if detection.language != "und":
            doc.language = detection.language
        self._seen_language(cap, detection.language)
        return NEW_VERSION

    def _classify(self, old: Version, new: Version) -> None:
        """Classify the change now, while both texts are at hand: reports and the UI then read it. A diff of
        two long policies takes ~0.1 s: when the crawl has reader processes busy, one of them does it and the
        recorder keeps the answer when it is ready (:meth:`keep_classified`)."""
        if change_known(self.session, old, new):
            return
        future = self.offload(change_summary, old.text, new.text) if self.offload else None
        if future is None:
            keep_change_summary(self.session, old, new)
        else:
            self._classifying.append((old.text_sha256, new.text_sha256, future))
            self.counts["classified_ahead"] += 1

    def keep_classified(self, wait: bool = False) -> None:
        """Keep the change summaries reader processes have finished (with ``wait``, all of them). One that
        failed or was cancelled is only missing: whoever needs it computes it (``archive.changelog``)."""
        rows, waiting = [], []
        for old_sha, new_sha, future in self._classifying:
            if not (wait or future.done()):
                waiting.append((old_sha, new_sha, future))
                continue
            try:
                rows.append(change_row(old_sha, new_sha, future.result()))
            except Exception as exc:  # noqa: BLE001 - a differ bug or a stopped reader costs only the summary
                log.warning("could not classify a change of text %s: %s", new_sha[:12], exc)
        self._classifying = waiting
        keep_computed(self.session, rows)

    def _extract(self, cap: Capture, page: tuple[panels.PanelPage, set[int], list] | None = None) -> Extraction:
        if page is None or not page[0].panels:
            # No panel: the page as it is (parsed once already when it showed a sign of one).
            return extract(cap.body, cap.headers.get("content-type"), cap.final_url, self.soft_404_phrases,
                           parsed=page[0].parsed if page else None)
        found, cut, _ = page
        # The page with the other-language panels cut out and every panel revealed: what a person
        # reads in the page's own language.
        try:
            markup = found.markup(cut)
        except Exception:  # noqa: BLE001 - a tree we cannot write back is read as it was served
            log.exception("panels of %s %s could not be revealed; the page is read as served", cap.company_id,
                          cap.url)
            return extract(cap.body, cap.headers.get("content-type"), cap.final_url, self.soft_404_phrases)
        ex = extract(markup, "text/html; charset=utf-8", cap.final_url, self.soft_404_phrases)
        return replace(ex, encoding=found.encoding)

    def _seen_language(self, cap: Capture, language: str | None) -> None:
        self.languages[(cap.company_id, cap.url, cap.variant)] = language or "und"

    # -- language states that selected nothing ---------------------------------------------------

    @staticmethod
    def _tried_state(cap: Capture) -> bool:
        """A language state the spider tried (cookie, Accept-Language, click), not a panel of ours."""
        return bool(cap.variant) and not cap.variant.startswith(f"{PANEL}:")

    def _failed_try(self, cap: Capture, failure: str | None) -> bool:
        """A language state that failed (a probe timing out, a click's page refused) is a failed try, kept as
        evidence; it is no document unless the state already is one (a Kazakh version that now fails)."""
        if not failure or not self._tried_state(cap):
            return False
        return self.session.scalars(select(Document.id).where(
            Document.company_id == cap.company_id, Document.url == cap.final_url,
            Document.variant == cap.variant)).first() is None

    def _same_as_plain(self, cap: Capture, sha: str | None) -> bool:
        """A language state (a cookie, Accept-Language, a click) that brought back the very bytes the URL
        serves plainly selected nothing: the snapshot is kept, with how it was tried (the coverage
        report's proof of absence reads it), but it is no document of its own."""
        if not cap.variant or sha is None:
            return False
        plain = self.last.get((cap.final_url, cap.kind, ""))
        return plain is not None and plain.sha256 == sha

    def _selects_nothing(self, cap: Capture, sha: str | None, same: LastBody | None) -> tuple[bool, Extraction | None]:
        """Did this language state select nothing: the plain page's bytes, or other bytes (a highlighted
        menu item, a token) with the plain document's text? Returns the extraction when one was made, so
        a real language version is not extracted twice."""
        if self._same_as_plain(cap, sha):
            return True, None
        if same is not None:
            # The bytes this state answered last time: what was decided then stands.
            return same.document_id is None and same.failure is None, None
        plain = self._plain_document(cap)
        if plain is None:
            return False, None
        last_version = latest_version(self.session, plain.id)
        if last_version is None:
            return False, None
        ex = self._extract(cap, self._panels(cap))  # read as the plain page was, panels and all
        return not ex.failure and text_hash(ex.text) == last_version.text_sha256, ex

    def _plain_document(self, cap: Capture) -> Document | None:
        return self.session.scalars(
            select(Document).where(Document.company_id == cap.company_id, Document.url == cap.final_url,
                                   Document.variant == "")).first()

    def _plain_language(self, cap: Capture) -> str | None:
        plain = self._plain_document(cap)
        return plain.language if plain is not None else None

    # -- panels ------------------------------------------------------------------------------------

    def _panels(self, cap: Capture) -> tuple[panels.PanelPage, set[int], list[PanelDocument]] | None:
        """The page's panels and what becomes of them: the indexes cut from the page's own text, and
        the panels that are documents of their own. None for a page without a sign of one (most pages)."""
        try:
            # A documents page (hub) may show its documents inline, one per titled section.
            found = panels.find(cap.body, cap.headers.get("content-type"), sections=cap.role == HUB)
            if found is None:
                return None
            cut, docs = self._plan(cap, found) if found.panels else (set(), [])
        except Exception:  # noqa: BLE001 - a panel we cannot read never loses the page
            log.exception("panels of %s %s could not be read; the page is kept as it is", cap.company_id, cap.url)
            return None
        return found, cut, docs

    def _plan(self, cap: Capture, found: panels.PanelPage) -> tuple[set[int], list[PanelDocument]]:
        groups: dict[int, list[int]] = defaultdict(list)
        for i, panel in enumerate(found.panels):
            if len(panel.text) >= PANEL_TEXT_CHARS:
                groups[panel.group].append(i)
        cut: set[int] = set()
        docs: list[PanelDocument] = []
        keys: set[str] = set()

        def add(i: int, language: str | None, doc_type: str | None, fallback: str) -> None:
            panel = found.panels[i]
            key = panel.element_id or f"{fallback}-{panel.position}"
            if key in keys:
                key = f"{key}-{panel.group}"
            keys.add(key)
            docs.append(PanelDocument(i, key, language, doc_type))

        own: str | None = None  # the language of what the page shows on arrival, once known
        taken: set[int] = set()  # panels that are documents of their own
        for members in groups.values():
            languages = {i: document_language(found.panels[i].text)[0].language for i in members}
            types = {i: self.vocabulary.document_type(text=found.panels[i].label or "") for i in members}
            typed = {i: t for i, t in types.items() if t}
            # Several documents inline: tabs or sections that name different documents (a hub's
            # sections may name one each).
            if len(set(typed.values())) >= 2 or (cap.role == HUB and typed):
                for i, doc_type in typed.items():
                    add(i, languages[i], doc_type, doc_type)
                taken |= set(typed)
                continue
            if cap.role != DOCUMENT:
                continue
            known = {i: lang for i, lang in languages.items() if lang in TEXT_LANGUAGES}
            if len(set(known.values())) < 2:
                continue
            # Language versions of one document: the shown panel (or the first) is the page's own.
            shown = next((i for i in members if i in known and not found.panels[i].hidden), next(iter(known)))
            own = own or known[shown]
            for i, language in known.items():
                if language != known[shown]:
                    cut.add(i)
                    add(i, language, cap.doc_type, language)
        if cap.role == DOCUMENT:
            self._plan_hidden(found, cut, taken, own, add)
        return cut, docs

    @staticmethod
    def _plan_hidden(found: panels.PanelPage, cut: set[int], taken: set[int], own: str | None, add) -> None:
        """Hidden text never distorts the shown text's language: a hidden panel in another language than
        what the page shows is cut from the page's text, and with a document's worth of text it is that
        language's version (a Kazakh version in a pop-up, no tab beside it)."""
        rest = [i for i, panel in enumerate(found.panels) if panel.hidden and i not in cut and i not in taken]
        languages = {i: document_language(found.panels[i].text)[0].language for i in rest}
        foreign = {i: lang for i, lang in languages.items() if lang in TEXT_LANGUAGES}
        if not foreign:
            return
        own = own or document_language(found.visible_text())[0].language
        if own not in TEXT_LANGUAGES:
            return
        for i, language in foreign.items():
            if language == own:
                continue
            cut.add(i)
            if len(found.panels[i].text) >= PANEL_TEXT_CHARS:
                add(i, language, None, language)

    def _panel_capture(self, cap: Capture, variant: str, reached: dict | None, **changes) -> Capture:
        return replace(cap, variant=variant, reached=reached, original=None, screenshot=None, render_reason=None,
                       **changes)

    def _observe_panels(self, cap: Capture, sha: str, same_bytes: bool,
                        page: tuple[panels.PanelPage, set[int], list[PanelDocument]] | None) -> None:
        """Each panel document of the page: a snapshot (the page's blob) and, on new bytes, its text."""
        if same_bytes:
            self._panels_again(cap, sha)
            return
        if page is None:
            return
        found, _, docs = page
        for wanted in docs:
            panel = found.panels[wanted.index]
            reached = {"how": PANEL, "language": wanted.language, "switcher": panel.label, "from": cap.final_url,
                       "panel": wanted.key}
            pcap = self._panel_capture(cap, f"{PANEL}:{wanted.key}", reached, title=panel.label,
                                       doc_type=wanted.doc_type or cap.doc_type, role=DOCUMENT,
                                       language_hint=wanted.language)
            try:
                ex = extract(panel.html.encode(), "text/html; charset=utf-8", cap.final_url, self.soft_404_phrases)
            except Exception:  # noqa: BLE001 - one panel we cannot read never loses the page or the others
                log.exception("panel %s of %s could not be extracted", wanted.key, cap.url)
                continue
            if ex.failure:  # too little text once extracted, say: a panel, not a document
                log.info("panel %s of %s is no document: %s", wanted.key, cap.url, ex.detail or ex.failure)
                continue
            doc = self._document(pcap)
            if panel.label:
                ex = replace(ex, title=panel.label)
            snapshot_id = self._snapshot(pcap, doc, sha, "new")
            self._mark_available(doc, pcap)
            self.counts[self._store_text(pcap, doc, snapshot_id, ex)] += 1

    def _panels_again(self, cap: Capture, sha: str) -> None:
        """Same bytes as last time: the panel documents read from them were observed again, unchanged."""
        for variant in sorted(self._panels_at.get((cap.final_url, cap.kind), ())):
            last = self.last[(cap.final_url, cap.kind, variant)]
            if last.sha256 != sha or last.document_id is None or last.failure:
                continue  # a panel of older bytes, gone from the page since
            doc = self.session.get(Document, last.document_id)
            before = self.session.get(Snapshot, last.snapshot_id)
            if doc is None or before is None:
                continue
            pcap = self._panel_capture(cap, variant, before.reached, title=doc.title, doc_type=doc.doc_type,
                                       role=DOCUMENT, language_hint=before.language_hint)
            self._document(pcap)
            self._snapshot(pcap, doc, sha, UNCHANGED)
            self._mark_available(doc, pcap)
            self._seen_language(pcap, doc.language)
            self.counts[UNCHANGED] += 1

    @staticmethod
    def _fetch_failure(cap: Capture) -> tuple[str | None, str | None]:
        if cap.error:
            return cap.error.split(":", 1)[0], cap.error
        if cap.status is not None and cap.status >= 400:
            return f"http_{cap.status}", f"the server answered HTTP {cap.status}"
        if not cap.not_modified and not cap.body.strip():
            return "empty_body", "the server answered with an empty body"
        return None, None

    def _document(self, cap: Capture) -> Document:
        key = (cap.company_id, cap.final_url, cap.variant)
        if cap.company_id not in self._documents_of:
            for known in self.session.scalars(select(Document).where(Document.company_id == cap.company_id)
                                              .order_by(Document.id)):
                self._documents.setdefault((known.company_id, known.url, known.variant), known)
            self._documents_of.add(cap.company_id)
        doc = self._documents.get(key)
        known = doc is not None
        if doc is None:
            doc = Document(
                company_id=cap.company_id,
                url=cap.final_url,
                variant=cap.variant,
                doc_type=cap.doc_type,
                language=cap.language_hint,
                title=cap.title,
                first_seen=cap.fetched_at,
                last_captured=cap.fetched_at,
                status="available",
                historical=cap.historical,
                stated_date=stated_day(cap.stated_date) if cap.historical else None,
            )
            self.session.add(doc)
            self.session.flush()
        elif cap.doc_type and not doc.doc_type:
            doc.doc_type = cap.doc_type
        self._documents[key] = doc
        # The latest capture says what the URL is now: an edition the company moved to its archive
        # becomes historical; one it links as current again is current.
        _update(doc, historical=cap.historical, stated_date=stated_day(cap.stated_date) if cap.historical else None)
        # The shortest way in is what RDR's "easy to find" asks about; keep the latest one seen.
        if cap.depth is not None or doc.depth is None:
            _update(doc, depth=cap.depth, link_path=[asdict(link) for link in cap.path])
        if known:
            # The time of its last capture, the one thing an unchanged page changes: one UPDATE of that column, not
            # the ORM's unit of work for the whole row (~0.1 against ~0.5 ms, a third of recording an unchanged page).
            self.session.execute(_LAST_CAPTURED, {"doc_id": doc.id, "when": cap.fetched_at})
            set_committed_value(doc, "last_captured", cap.fetched_at)
        return doc

    def _mark_available(self, doc: Document, cap: Capture) -> None:
        _update(doc, status="available", last_failure=None)

    def _record_original(self, orig: Capture, doc: Document | None) -> int:
        """The server's response behind a rendering: stored and compared, never extracted."""
        previous = self.last.get((orig.final_url, orig.kind, orig.variant))
        sha = self._put(orig.body) if orig.body else None
        same = sha is not None and previous is not None and previous.sha256 == sha
        return self._snapshot(orig, doc, sha, UNCHANGED if same else "new")

    def _snapshot(self, cap: Capture, doc: Document | None, sha: str | None, outcome: str,
                  failure: str | None = None, detail: str | None = None, parent: int | None = None,
                  screenshot: str | None = None) -> int:
        """The capture's row; returns its id. One INSERT … RETURNING, not the ORM's unit of work (~0.4 against
        ~0.9 ms, most of what recording an unchanged page costs): no snapshot object is kept or changed after."""
        row = dict(
            run_id=self.run_id,
            company_id=cap.company_id,
            document_id=doc.id if doc else None,
            role=cap.role,
            url=cap.url,
            final_url=cap.final_url,
            status_code=cap.status,
            headers=cap.headers,
            fetched_at=cap.fetched_at,
            content_type=cap.content_type or None,
            size=len(cap.body) if sha and not cap.not_modified else None,
            sha256=sha,
            depth=cap.depth,
            link_path=[asdict(link) for link in cap.path],
            outcome=outcome,
            failure=failure,
            failure_detail=detail,
            kind=cap.kind,
            parent_id=parent,
            render_reason=cap.render_reason,
            screenshot_sha256=screenshot,
            blocked=cap.blocked or None,
            language_hint=cap.language_hint,
            alternate_of=cap.alternate_of,
            listed_on=listing(cap),
            variant=cap.variant,
            reached=cap.reached,
            request_headers=cap.request_headers or None,
        )
        snapshot_id = self.session.execute(_INSERT_SNAPSHOT, row).scalar_one()
        if sha:
            self.last[(cap.final_url, cap.kind, cap.variant)] = LastBody(
                snapshot_id, sha, cap.headers, failure, detail, row["document_id"], cap.fetched_at)
            if cap.variant.startswith(f"{PANEL}:"):
                self._panels_at[(cap.final_url, cap.kind)].add(cap.variant)
        return snapshot_id

    def _failed(self, cap: Capture, doc: Document | None, reason: str, detail: str | None,
                sha: str | None = None, parent: int | None = None, screenshot: str | None = None) -> str:
        self._snapshot(cap, doc, sha, FAILED, reason, detail, parent, screenshot)
        self.failures[reason] += 1
        if doc is not None:
            doc.status = "unavailable"
            doc.last_failure = f"{reason}: {detail}" if detail else reason
        if doc is not None or cap.role == HOME:
            self.failed_documents.append({"company": cap.company_id, "url": cap.url, "reason": reason,
                                          "detail": detail})
        log.warning("failed %s %s: %s", cap.company_id, cap.url, detail or reason)
        return FAILED


def _update(row, **values) -> None:
    """Set the attributes whose values differ, only: a row the ORM sees untouched is not flushed."""
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
