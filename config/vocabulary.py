"""What policy documents, document lists, archives of old editions and language switchers are called on
Kazakhstani sites, and the phrases of change notices (read by language/notices.py).

The phrases themselves are data (config/vocabulary.yaml), so researchers can add the names companies
actually use without touching code. This module validates that data and turns it into matchers that are
compiled once at load time, because the crawler asks them about every link of every page. How a phrase
matches a text or a URL (words, stems, the most specific phrase) is config/matching.py.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, PrivateAttr, create_model, field_validator

from config.dates import DateFinder
from config.editions import DAY, YEAR, EditionFinder, StatedDate
from config.matching import MAX_TEXT, Matcher, best_of, stem, url_words, words

DOC_TYPES = (
    "terms_of_service",
    "public_offer",
    "privacy_policy",
    "personal_data_policy",
    "consent_form",
    "cookie_policy",
    "code_of_conduct",
    "transparency_report",
)
# Literal cannot be built from the tuple for type checkers; tests assert the two agree.
DocType = Literal[
    "terms_of_service",
    "public_offer",
    "privacy_policy",
    "personal_data_policy",
    "consent_form",
    "cookie_policy",
    "code_of_conduct",
    "transparency_report",
]
LANGUAGES = ("kk", "ru", "en")
Language = Literal["kk", "ru", "en"]

# Query parameters that carry a language; other parameters ("?id=en") are not taken as markers.
_LANG_QUERY_KEYS = frozenset({"lang", "language", "locale", "lng", "hl", "l", "lan", "ln"})
# A link to a file is a document, never a page that lists documents.
_FILE_PATH = re.compile(r"\.(pdf|docx?|rtf|odt|xlsx?|zip|rar|txt)$", re.IGNORECASE)
_LOCALE = re.compile(r"([a-z]{2,3})[-_][a-z]{2}")


class StrictModel(BaseModel):
    """Base of every config model: unknown keys are errors, so a typo never silently does nothing."""

    # YAML turns `name: 2024` or `- 404` into numbers; accept them where text is expected.
    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


def _has_words(value: str) -> str:
    if not words(value):
        raise ValueError(f"expected a phrase with at least one letter or digit, got {value!r}")
    return value.strip()


Phrase = Annotated[str, AfterValidator(_has_words)]


class PhraseSet(StrictModel):
    """Names of one thing in each language, plus URL slug terms ("privacy", "public-offer")."""

    ru: list[Phrase] = []
    kk: list[Phrase] = []
    en: list[Phrase] = []
    url: list[Phrase] = []

    def texts(self) -> list[str]:
        return [*self.ru, *self.kk, *self.en]


# One required key per document type, so a missing or misspelt type in the YAML is reported.
DocumentPhrases = create_model(  # type: ignore[call-overload]
    "DocumentPhrases", __base__=StrictModel, **{t: (PhraseSet, ...) for t in DOC_TYPES}
)


class LanguageMarkers(StrictModel):
    labels: list[Phrase] = []  # what a language switcher shows: "Қазақша", "KZ", "Рус"
    url: list[Phrase] = []  # path segments, query values and subdomains: kz, ru, en


class LanguageTable(StrictModel):
    kk: LanguageMarkers = LanguageMarkers()
    ru: LanguageMarkers = LanguageMarkers()
    en: LanguageMarkers = LanguageMarkers()


class LanguagePhrases(StrictModel):
    """Phrases in each language, without URL slugs."""

    ru: list[Phrase] = []
    kk: list[Phrase] = []
    en: list[Phrase] = []

    def texts(self) -> list[str]:
        return [*self.ru, *self.kk, *self.en]


def _all_months(months: dict[int, list[Phrase]]) -> dict[int, list[Phrase]]:
    missing = [m for m in range(1, 13) if not months.get(m)]
    extra = sorted(m for m in months if not 1 <= m <= 12)
    if missing or extra:
        raise ValueError(f"expected the months 1 to 12, each with at least one name; missing {missing}, "
                         f"unknown {extra}")
    return months


class EditionPhrases(StrictModel):
    """How dated editions are named, which one is in force, the month names of stated dates, and the
    words written around a year stated alone ("2021 года", "2021 жылғы")."""

    names: LanguagePhrases
    current: LanguagePhrases
    months: Annotated[dict[int, list[Phrase]], AfterValidator(_all_months)]
    years: LanguagePhrases = LanguagePhrases()


_TEMPLATE_SLOTS = ("{n}", "{unit}")


def _template(value: str) -> str:
    if any(value.count(slot) != 1 for slot in _TEMPLATE_SLOTS):
        raise ValueError(f"expected a template with {{n}} and {{unit}} once each, such as 'за {{n}} {{unit}}', "
                         f"got {value!r}")
    return value.strip()


Template = Annotated[str, AfterValidator(_template)]


class TemplatePhrases(StrictModel):
    ru: list[Template] = []
    kk: list[Template] = []
    en: list[Template] = []

    def texts(self) -> list[str]:
        return [*self.ru, *self.kk, *self.en]


def _positive(numbers: dict[int, list[Phrase]]) -> dict[int, list[Phrase]]:
    bad = sorted(n for n in numbers if n <= 0)
    if bad:
        raise ValueError(f"expected positive numbers as keys, got {bad}")
    return numbers


class AdvancePhrases(StrictModel):
    """How far in advance a change is announced: templates, units, qualifiers, numbers in words."""

    templates: TemplatePhrases
    units: dict[Literal["day", "week", "month"], list[Phrase]]
    qualifiers: dict[Literal["calendar", "business"], list[Phrase]] = {}
    numbers: Annotated[dict[int, list[Phrase]], AfterValidator(_positive)] = {}


class NoticePhrases(StrictModel):
    """What language/notices.py looks for in a terms or privacy text: change notices, their channels and
    advance periods, and the abbreviations that do not end a sentence."""

    change: LanguagePhrases
    exclude: LanguagePhrases = LanguagePhrases()  # changes that are not the document's
    notify: LanguagePhrases
    channels: dict[Annotated[str, AfterValidator(_has_words)], LanguagePhrases]
    advance: AdvancePhrases
    abbreviations: list[Phrase] = []


def _blank_language(pair: str) -> str:
    """``lang=kz`` -> ``lang=*``; other query parameters as they were."""
    key, sep, _ = pair.partition("=")
    return f"{key}=*" if sep and unquote(key).strip().casefold() in _LANG_QUERY_KEYS else pair


def _key(text: str) -> str:
    return " ".join(words(text))


class Vocabulary(StrictModel):
    """The phrase data plus the questions the crawler asks of a link."""

    documents: DocumentPhrases  # type: ignore[valid-type]
    hubs: PhraseSet
    archives: PhraseSet
    editions: EditionPhrases
    languages: LanguageTable
    soft_404: list[Phrase] = []  # phrases of error pages served with status 200
    notices: NoticePhrases

    _doc_text: Matcher = PrivateAttr()
    _doc_url: Matcher = PrivateAttr()
    _hub_text: Matcher = PrivateAttr()
    _hub_url: Matcher = PrivateAttr()
    _archive_text: Matcher = PrivateAttr()
    _archive_url: Matcher = PrivateAttr()
    _edition_names: Matcher = PrivateAttr()
    _edition_current: Matcher = PrivateAttr()
    _dates: DateFinder = PrivateAttr()
    _editions: EditionFinder = PrivateAttr()
    _labels: dict[str, str] = PrivateAttr()
    _markers: dict[str, str] = PrivateAttr()

    @field_validator("languages")
    @classmethod
    def _one_language_per_marker(cls, table: LanguageTable) -> LanguageTable:
        for kind in ("labels", "url"):
            owner: dict[str, str] = {}
            for lang in LANGUAGES:
                for marker in getattr(getattr(table, lang), kind):
                    other = owner.setdefault(_key(marker), lang)
                    if other != lang:
                        raise ValueError(f"{kind} marker {marker!r} is listed for both {other} and {lang}")
        return table

    def model_post_init(self, context: Any, /) -> None:
        docs = [(t, getattr(self.documents, t)) for t in DOC_TYPES]
        self._doc_text = Matcher([(t, p) for t, s in docs for p in s.texts()], stems=True)
        self._doc_url = Matcher([(t, p) for t, s in docs for p in s.url], stems=False)
        self._hub_text = Matcher([("hub", p) for p in self.hubs.texts()], stems=True)
        self._hub_url = Matcher([("hub", p) for p in self.hubs.url], stems=False)
        self._archive_text = Matcher([("archive", p) for p in self.archives.texts()], stems=True)
        self._archive_url = Matcher([("archive", p) for p in self.archives.url], stems=False)
        self._edition_names = Matcher([("edition", p) for p in self.editions.names.texts()], stems=True)
        self._edition_current = Matcher([("current", p) for p in self.editions.current.texts()], stems=True)
        self._dates = DateFinder(self.editions.months)
        # Edition words by their stems, as in link texts; a year word of one or two letters ("г", "ж")
        # must stand alone, a longer one takes any ending ("года", "жылғы").
        self._editions = EditionFinder(
            [stem(w) for phrase in self.editions.names.texts() for w in words(phrase)],
            [(w, len(w) <= 2) for phrase in self.editions.years.texts() for w in words(phrase)])
        self._labels = {}
        self._markers = {}
        for lang in LANGUAGES:
            markers = getattr(self.languages, lang)
            self._labels.update((_key(label), lang) for label in markers.labels)
            self._markers.update((_key(m), lang) for m in markers.url)

    def document_type(self, text: str = "", url: str = "") -> str | None:
        """The document type named by a link's text (or title), or else by its URL; None if neither."""
        if text:
            found = self._doc_text.best(words(text))
            if found:
                return found[1]
        if url:
            ws = url_words(url)
            return best_of(self._doc_url.best(ws), self._doc_text.best(ws))
        return None

    def is_hub(self, text: str = "", url: str = "") -> bool:
        """Whether a link leads to a page that lists documents ("Документы", "/legal")."""
        if text and self._hub_text.best(words(text)):
            return True
        if url and not _FILE_PATH.search(urlsplit(url).path):
            ws = url_words(url)
            return bool(self._hub_url.best(ws) or self._hub_text.best(ws))
        return False

    def is_archive(self, text: str = "", url: str = "") -> bool:
        """Whether a link leads to previous versions of documents ("Архив документов", "/archive"), or a
        heading names such a section. A link to a file is never an archive page, whatever its URL."""
        if text and self._archive_text.best(words(text)):
            return True
        if url and not _FILE_PATH.search(urlsplit(url).path):
            ws = url_words(url)
            return bool(self._archive_url.best(ws) or self._archive_text.best(ws))
        return False

    def names_edition(self, text: str) -> bool:
        """Whether a text calls something an edition or version ("редакция", "нұсқасы", "version")."""
        return bool(text and self._edition_names.best(words(text)))

    def is_current_edition(self, text: str) -> bool:
        """Whether a text marks the edition in force or the next one ("действующая редакция")."""
        return bool(text and self._edition_current.best(words(text)))

    def stated_date(self, text: str) -> date | None:
        """The first date stated in ``text`` ("Редакция от 01.02.2023", "от 15 марта 2022 г.",
        "2023 жылғы 1 ақпандағы редакция", "2021-05-01") as a ``datetime.date``, or None."""
        return self._dates.first(text)

    def stated_edition(self, text: str, *, bare: bool = False) -> StatedDate | None:
        """What ``text`` states about an edition, as a :class:`StatedDate` that keeps how precise it was,
        the words and the edition number (``config/editions.py``), or None: a full date
        (``stated_date``); else a year next to an edition word ("редакция 2021 года", "2021 жылғы
        редакция", "Бұрынғы нұсқа 2019"), or with ``bare`` any year standing alone (for a list already
        known to be of editions: "2020"); else an edition number ("Редакция №3", "2-я редакция", "v1.2")."""
        if not text:
            return None
        text = text[:MAX_TEXT]
        label = EditionFinder.label(text)
        number = self._editions.number(text)
        day = self._dates.first(text)
        if day is not None:
            return StatedDate(day.year, day.month, day.day, precision=DAY, label=label, edition=number)
        year = self._editions.year(text, bare=bare)
        if year is not None:
            return StatedDate(year, precision=YEAR, label=label, edition=number)
        return StatedDate.numbered(number, label) if number else None

    def language_of_label(self, label: str) -> str | None:
        """kk/ru/en for a language-switcher label; the whole label must be a known one."""
        return self._labels.get(_key(label))

    def language_of_url(self, url: str) -> str | None:
        """kk/ru/en from a path segment (/kz/), a lang query value or a subdomain (kz.example.kz)."""
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
        except ValueError:
            return None
        for segment in parts.path.split("/"):
            if lang := self._marker(segment):
                return lang
        for key, value in parse_qsl(parts.query):
            if key.casefold() in _LANG_QUERY_KEYS and (lang := self._marker(value)):
                return lang
        labels = host.split(".")
        # Only the first label of a host with three or more: in "example.kz" the "kz" is the country.
        if len(labels) >= 3:
            return self._marker(labels[0])
        return None

    def without_language_marker(self, url: str) -> str:
        """``host/path?query`` of ``url`` with every language marker ``language_of_url`` reads replaced:
        path segments dropped (``/kz/privacy`` -> ``/privacy``), language query values blanked
        (``lang=*``), a language subdomain blanked (``*.example.kz``). Language versions of one page
        share this key; the markers are the vocabulary's ``languages.*.url`` (and their locale forms)."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port
        except ValueError:
            return url  # no key to share: a malformed URL is only its own version
        labels = host.split(".")
        if len(labels) >= 3 and self._marker(labels[0]):
            host = ".".join(["*", *labels[1:]])
        netloc = f"{host}:{port}" if port is not None else host
        path = "/".join(s for s in parts.path.split("/") if not self._marker(s)).rstrip("/") or "/"
        query = "&".join(_blank_language(pair) for pair in parts.query.split("&")) if parts.query else ""
        return f"{netloc}{path}?{query}"

    def _marker(self, segment: str) -> str | None:
        s = unquote(segment).strip().casefold()
        if not s:
            return None
        if s in self._markers:
            return self._markers[s]
        m = _LOCALE.fullmatch(s)  # locale forms: kk-kz, ru_RU, en-us
        return self._markers.get(m[1]) if m else None
