"""What a text states in numbers: calendar dates as days, and the edition it says it is.

Two language versions of one document write the same date differently ("01.06.2025", "1 июня
2025 г.", "2025 жылғы 1 маусымдағы", "June 1, 2025"); read as days they compare equal, and no word
of either language is compared. ``numbers`` is what a clause mentions (dates as days, amounts with
their thousands spaces joined, "05" as "5", a decimal comma as a point); ``stated_edition`` is the
edition a whole text states in a line of its own ("Редакция от 01.06.2025", "2025 жылғы 1
маусымдағы редакция", "Last updated: June 1, 2025") or the day it takes effect ("вступает в силу с
…", "күшіне енеді"): the two kinds are told apart, and only like is compared with like.
Standard library only.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from diffing.units import Unit

_MONTH_STEMS = {
    1: ("январ", "қаңтар", "қантар", "january", "jan"),
    2: ("феврал", "ақпан", "february", "feb"),
    3: ("март", "наурыз", "march", "mar"),
    4: ("апрел", "сәуір", "april", "apr"),
    5: ("май", "мая", "мае", "мамыр", "may"),
    6: ("июн", "маусым", "june", "jun"),
    7: ("июл", "шілде", "july", "jul"),
    8: ("август", "тамыз", "august", "aug"),
    9: ("сентябр", "қыркүйек", "september", "sept", "sep"),
    10: ("октябр", "қазан", "october", "oct"),
    11: ("ноябр", "қараша", "november", "nov"),
    12: ("декабр", "желтоқсан", "december", "dec"),
}
# Longest stem first: "marta" is not "mar"-ch, "мамыр" is May, "мая" too.
_STEMS = sorted(((stem, n) for n, stems in _MONTH_STEMS.items() for stem in stems), key=lambda s: -len(s[0]))
_MONTH_WORD = r"(?<![^\W\d_])(?:" + "|".join(re.escape(s) for s, _ in _STEMS) + r")[^\W\d_]*\.?"
_D = r'["«»“”„]?(?P<d>\d{1,2})["«»“”„]?(?:-?(?:ші|шы|і|ы|го|е|st|nd|rd|th))?'
_Y = r"(?P<y>(?:19|20)\d{2})"
_YEAR_WORD = r"(?:\s*(?:жылғы|жылдың|жылы|ж\.?))"
_DATES = [re.compile(p) for p in (
    r"(?<![\d.])(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./]" + _Y + r"(?![\d])",
    r"(?<!\d)" + _Y + r"-(?P<m>\d{2})-(?P<d>\d{2})(?!\d)",
    r"(?<!\d)" + _D + r"\s+(?P<mw>" + _MONTH_WORD + r")\s*" + _Y + r"(?!\d)",
    r"(?<!\d)" + _Y + _YEAR_WORD + r"\s*" + _D + r"\s*(?P<mw>" + _MONTH_WORD + r")",
    r"(?<!\d)" + _Y + _YEAR_WORD + r"\s*(?P<mw>" + _MONTH_WORD + r")\s*" + _D,
    r"(?P<mw>" + _MONTH_WORD + r")\s+(?P<d>\d{1,2}),?\s+" + _Y + r"(?!\d)",
)]
_DIGITS_ONLY = 2  # the first two patterns need no month word
_ANY_MONTH = re.compile(_MONTH_WORD)
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

# Words that state an edition, and words that state the day a text takes effect (casefolded stems).
_EDITION_WORDS = re.compile(
    r"(?<![^\W\d_])(?:редакц|ред\.|верси|обновл|изменен|нұсқа|жаңарт|өзгеріс|edition|version|revision|revised"
    r"|updated|amended|last modified)")
_EFFECTIVE_WORDS = re.compile(r"(?<![^\W\d_])(?:вступа|вступил|действует с|күшіне|effective|in force)")
_NEAR = 40  # characters between the words and the date
_MAX_WORDS = 25  # a statement is a line of its own, not a clause mentioning a date


def _month(word: str) -> int | None:
    word = word.casefold()
    return next((n for stem, n in _STEMS if word.startswith(stem)), None)


def dates(text: str) -> list[tuple[int, int, date]]:
    """(start, end, day) of every calendar date written out in ``text``, in order, not overlapping."""
    found: list[tuple[int, int, date]] = []
    folded = text.casefold()
    patterns = _DATES if _ANY_MONTH.search(folded) else _DATES[:_DIGITS_ONLY]
    for pattern in patterns:
        for m in pattern.finditer(folded):
            if any(s < m.end() and m.start() < e for s, e, _ in found):
                continue
            groups = m.groupdict()
            month = int(groups["m"]) if groups.get("m") else _month(groups["mw"])
            try:
                found.append((m.start(), m.end(), date(int(groups["y"]), month or 0, int(groups["d"]))))
            except ValueError:
                continue  # "31.02.2025", or a word that only looked like a month
    return sorted(found, key=lambda f: f[0])


def _plain_number(token: str) -> str:
    token = token.replace(",", ".")
    whole, dot, rest = token.partition(".")
    return (whole.lstrip("0") or "0") + dot + rest


def numbers(text: str) -> Counter[str]:
    """The numbers a paragraph mentions, each written one way: dates as days ("2025-06-01"), "1 000"
    as "1000", "05" as "5", "10,5" as "10.5"."""
    found: Counter[str] = Counter()
    rest, last = [], 0
    for start, end, day in dates(text):
        found[day.isoformat()] += 1
        rest.append(text[last:start])
        last = end
    rest.append(text[last:])
    plain = _THOUSANDS.sub(lambda m: re.sub(r"\D", "", m.group()), " ".join(rest))
    found.update(_plain_number(n) for n in _NUMBER.findall(plain))
    return found


@dataclass(frozen=True)
class Statement:
    """An edition or effective date a text states: ``kind`` "edition" or "effective", the day, the line."""

    kind: str
    day: date
    line: str
    ref: str


# A statement line may hold two ("Редакция от 15 января 2025 года. Вступает в силу 25 января 2025 года."):
# it is read in parts split at a sentence end or a comma / semicolon before a space (never inside a date).
_PARTS = re.compile(r"(?<=[^\W\d_]|[)»\"])[.;,]\s+|(?<=\d);\s+|(?<=\d),\s+(?!(?:19|20)\d\d)|(?<=\d)\.\s+(?=[^\W\d_])")


def _kind(part: str, start: int, end: int) -> str | None:
    """The kind of the statement a date in ``part`` belongs to: words of both kinds near it make it the
    day it takes effect ("настоящая редакция вступает в силу с …")."""
    near = part[max(0, start - _NEAR):end + _NEAR]
    if _EFFECTIVE_WORDS.search(near):
        return "effective"
    if _EDITION_WORDS.search(near):
        return "edition"
    return None


def stated_editions(units: list[Unit]) -> dict[str, Statement]:
    """The first edition statement and the first effective-date statement of a text ({kind: Statement}):
    an unnumbered line of at most 25 words where the words stand within 40 characters of the date,
    in the same sentence or comma-separated part of it."""
    out: dict[str, Statement] = {}
    for unit in units:
        if unit.numbered or len(unit.text.split()) > _MAX_WORDS:
            continue
        for part in _PARTS.split(unit.text):
            folded = part.casefold()
            for start, end, day in dates(part):
                kind = _kind(folded, start, end)
                if kind is not None and kind not in out:
                    out[kind] = Statement(kind, day, unit.text, unit.ref)
        if len(out) == 2:
            break
    return out
