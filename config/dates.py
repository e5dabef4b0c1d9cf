"""Dates that companies state for an edition of a document, in Russian, Kazakh and English.

Found forms (the first one in the text wins; ``Vocabulary.stated_date`` is the entry point):

* digits: ``01.02.2023``, ``1/2/2023``, ``01.02.2023 ж.`` (day first, as in Kazakhstan), ``2021-05-01`` (ISO);
* a month name: ``15 марта 2022 г.``, ``«15» марта 2022 года``, ``1 February 2023``, ``February 1, 2023``;
* Kazakh order, year first: ``2023 жылғы 1 ақпандағы``, ``2023 ж. 1 ақпан``, ``2023 жылдың 1 ақпанынан``.

Month names come from ``editions.months`` in vocabulary.yaml: each is the start of a word, and the
longest start that begins the word decides, so any case ending matches ("марта", "ақпандағы").
Years outside 1991-2100 and impossible days (31.02) are not dates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date

_MIN_YEAR, _MAX_YEAR = 1991, 2100
_QUOTE_OPEN = "[«\"“„']?"
_QUOTE_CLOSE = "[»\"”']?"


def _fold(text: str) -> str:
    # Casefold and ё -> е; NFKC keeps Cyrillic lengths, so match offsets stay meaningful.
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


class DateFinder:
    """Compiled once from the month table; ``first(text)`` answers in microseconds."""

    def __init__(self, months: Mapping[int, Iterable[str]]):
        self._stems = sorted(((_fold(s.strip()), m) for m, names in months.items() for s in names),
                             key=lambda item: -len(item[0]))
        names = "|".join(re.escape(s) for s, _ in self._stems)
        month = rf"(?P<month>(?:{names})[^\W\d_]*)"
        day = rf"{_QUOTE_OPEN}\s*(?P<day>\d{{1,2}})\s*{_QUOTE_CLOSE}"
        year = r"(?P<year>\d{4})"
        self._patterns = [
            re.compile(r"(?<![\d.])(?P<day>\d{1,2})[./](?P<mon>\d{1,2})[./](?P<year>\d{4})(?![\d])"),
            re.compile(r"(?<![\d-])(?P<year>\d{4})-(?P<mon>\d{1,2})-(?P<day>\d{1,2})(?![\d-])"),
            re.compile(rf"(?<!\d){day}(?:-?(?:го|е|ші|шы|інші|ыншы|st|nd|rd|th))?\s+(?:of\s+)?{month},?\s+{year}(?!\d)"),
            re.compile(rf"(?<!\d){year}\s*(?:ж\.?|жыл[^\W\d_]*)\s*{day}\s*-?\s*{month}"),
            re.compile(rf"{month}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{year}(?!\d)"),
        ]

    def _month(self, word: str) -> int | None:
        for stem, month in self._stems:  # longest first
            if word.startswith(stem):
                return month
        return None

    def _date(self, match: re.Match) -> date | None:
        groups = match.groupdict()
        month = int(groups["mon"]) if groups.get("mon") else self._month(groups["month"])
        try:
            found = date(int(groups["year"]), month or 0, int(groups["day"]))
        except ValueError:
            return None
        return found if _MIN_YEAR <= found.year <= _MAX_YEAR else None

    def all(self, text: str) -> list[tuple[int, date]]:
        """Every stated date in ``text`` with its offset, in the order they appear."""
        folded = _fold(text)
        found = []
        for pattern in self._patterns:
            for match in pattern.finditer(folded):
                when = self._date(match)
                if when is not None:
                    found.append((match.start(), when))
        return sorted(found)

    def first(self, text: str) -> date | None:
        found = self.all(text) if text else []
        return found[0][1] if found else None
