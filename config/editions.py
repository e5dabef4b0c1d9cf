"""What a company states about an old edition when it gives no full date: a year ("редакция 2021
года", "2021 жылғы редакция", "Бұрынғы нұсқа 2019", a bare "2020" in a list of editions) or a number
("2-я редакция", "Редакция №3", "Version 2", "v1.2").

A company's archive that labels its editions so is still a public archive (RDR F2a.4), so such a
label is as good as a date for finding old editions, and what it says is kept as precisely as it was
said: a :class:`StatedDate` is a ``datetime.date`` (January 1 for a year) that also carries its
``precision``, the ``label`` it was read from and the ``edition`` number. It travels from the spider to
the archive as the capture's ``stated_date``; the archive stores the day (or January 1 of the year,
or nothing for a number only) in ``documents.stated_date`` and the rest in ``snapshots.listed_on``.

``Vocabulary.stated_edition`` is the entry point; the edition words (``editions.names``) and the
words around a year (``editions.years``) come from vocabulary.yaml.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

DAY = "day"
YEAR = "year"
NUMBER = "number"  # an edition number only: no date at all
_PRECISION_RANK = {NUMBER: 0, YEAR: 1, DAY: 2}
_MAX_LABEL = 200


class StatedDate(date):
    """A date as a company states it for an edition: ``precision`` is ``"day"``, ``"year"`` (the date is
    January 1 of it) or ``"number"`` (no date was stated: the date part is ``date.min`` and means
    nothing). ``label`` is the text it was read from, ``edition`` the edition number
    ("3", "1.2") when one was stated. What is stored is :meth:`plain`."""

    precision: str
    label: str
    edition: str | None

    def __new__(cls, year: int, month: int = 1, day: int = 1, *, precision: str = DAY, label: str = "",
                edition: str | None = None) -> StatedDate:
        self = super().__new__(cls, year, month, day)
        self.precision, self.label, self.edition = precision, label, edition
        return self

    @classmethod
    def numbered(cls, edition: str, label: str) -> StatedDate:
        return cls(date.min.year, precision=NUMBER, label=label, edition=edition)

    def plain(self) -> date | None:
        """The date to store: a plain ``date``, None for an edition known by its number only."""
        return None if self.precision == NUMBER else date(self.year, self.month, self.day)

    @property
    def rank(self) -> int:
        return _PRECISION_RANK[self.precision]

    def stated(self) -> dict:
        """What the company stated, for ``snapshots.listed_on``."""
        return {"stated": self.label, "precision": self.precision, "edition": self.edition}

    def __reduce__(self):
        return _rebuild, (self.year, self.month, self.day, self.precision, self.label, self.edition)

    def __repr__(self) -> str:
        return f"StatedDate({self.iso()!r}, label={self.label!r}, edition={self.edition!r})"

    def iso(self) -> str | None:
        """ISO 8601 as precise as stated: ``2023-02-01``, ``2021`` (a year), or None (a number only)."""
        if self.precision == NUMBER:
            return None
        return f"{self.year:04d}" if self.precision == YEAR else self.isoformat()


def _rebuild(year: int, month: int, day: int, precision: str, label: str, edition: str | None) -> StatedDate:
    return StatedDate(year, month, day, precision=precision, label=label, edition=edition)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


def _alternation(stems: Iterable[tuple[str, bool]]) -> str:
    """A regex for words given as (stem, exact) pairs (``config.matching.stem``): an exact word ends
    there, a stem takes any ending."""
    parts = sorted({re.escape(s) + (r"(?![^\W\d_])" if exact else r"[^\W\d_]*") for s, exact in stems},
                   key=len, reverse=True)
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"  # no words: never matches


_YEAR = r"(?P<year>(?:19|20)\d\d)"
_YEAR_ALONE = r"(?<![\d./-])" + _YEAR + r"(?!\d|[./-]\d)"  # not part of a date, a range of digits or a number
_NUMBER = r"(?P<number>\d{1,3}(?:\.\d{1,3}){0,3})(?![\d.]*\d)"
_NUMBER_MARK = r"(?:№|#|no\.?|n°|nr\.?)?"
# Ordinal endings written after the digits: 2-я, 2-й, 2-ші, 2nd.
_ORDINAL = r"(?:-?\s?(?:ая|ой|ый|я|й|е|ші|шы|інші|ыншы|нші|st|nd|rd|th)(?![^\W\d_]))?"


class EditionFinder:
    """Years and numbers next to an edition word, compiled once from the vocabulary's words."""

    def __init__(self, names: Iterable[tuple[str, bool]], year_words: Iterable[tuple[str, bool]]):
        edition = _alternation(names)
        years = _alternation(year_words)
        gap = r"[\s.,:()«»\"-]*"
        self._years = [
            # "редакция 2021 года", "Бұрынғы нұсқа 2019", "Version 2019", "редакция от 2021 г."
            re.compile(rf"(?<![^\W\d_]){edition}{gap}(?:от|of|from|за|in)?{gap}{_YEAR_ALONE}"),
            # "2021 жылғы редакция", "2021 ж. редакциясы", "2021 edition"
            re.compile(rf"{_YEAR_ALONE}{gap}(?:{years}{gap})?{edition}"),
        ]
        self._bare_year = re.compile(_YEAR_ALONE)
        self._numbers = [
            # "Редакция №3", "Version 2", "ред. 2", "Revision 1.2"
            re.compile(rf"(?<![^\W\d_]){edition}{gap}{_NUMBER_MARK}\s?(?<!\d){_NUMBER}"),
            # "2-я редакция", "3-ші нұсқа", "2nd edition", "№2 нұсқа"
            re.compile(rf"(?<![\d.]){_NUMBER_MARK}\s?{_NUMBER}{_ORDINAL}\s*{edition}"),
            # "v1.2", "v.2"
            re.compile(rf"(?<![^\W\d_])v\.?{_NUMBER}"),
        ]

    def number(self, text: str) -> str | None:
        folded = _fold(text)
        found = [m for pattern in self._numbers for m in pattern.finditer(folded)]
        return min(found, key=lambda m: m.start())["number"] if found else None

    def year(self, text: str, bare: bool = False) -> int | None:
        """A year stated next to an edition word; with ``bare``, any year standing alone (in a list
        already known to be of editions, "2020" is one)."""
        folded = _fold(text)
        found = [m for pattern in self._years for m in pattern.finditer(folded)]
        if not found and bare:
            found = list(self._bare_year.finditer(folded))
        return int(min(found, key=lambda m: m.start())["year"]) if found else None

    @staticmethod
    def label(text: str) -> str:
        return " ".join(text.split())[:_MAX_LABEL]


def best(*statements: StatedDate | None) -> StatedDate | None:
    """The most precise of several statements about one edition (the link's text, its row), keeping
    an edition number any of them gives."""
    found = [s for s in statements if s is not None]
    if not found:
        return None
    top = max(found, key=lambda s: s.rank)  # the first of equals: the link's own words
    number = top.edition or next((s.edition for s in found if s.edition), None)
    if number == top.edition:
        return top
    if top.precision == NUMBER:
        return StatedDate.numbered(number, top.label)
    return StatedDate(top.year, top.month, top.day, precision=top.precision, label=top.label,
                      edition=number)
