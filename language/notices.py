"""Sentences of a terms or privacy text that say how users are told of changes, and how far in advance:
candidate evidence for RDR F2a.1-3 / P2a.1-3 ("does the company notify users directly, how, how early").

A pure function over a version's text (``versions.text``), computed on demand; the phrases are data
(``notices`` in config/vocabulary.yaml) and match like the rest of the vocabulary (word stems, words
of 1-3 letters exactly). A sentence is reported when it names a change ("изменения", "өзгерістер",
"change"), a way of informing ("уведомляет", "хабарлайды", "notify"; also "the user checks the site"),
and a channel (e-mail, SMS, push, personal account, the site, the app, branches, the press, messengers)
or an advance period ("не менее чем за 30 дней", "күнтізбелік он күн бұрын", "at least 30 days
before"; numbers in digits or words), unless the change is the user's own ("об изменении своих
данных": ``notices.exclude``).

Sentences are split at paragraph breaks and at ". ! ? …" followed by a capital or a digit, except after
an abbreviation of legal texts ("п.", "ст.", "т.е.", "г.", "ж.": ``notices.abbreviations``), an initial,
or a number ("п. 5.1. Договора", the clause number "5.1." at a sentence's start). A year or a date
may end a sentence ("… с 01.02.2023. Компания …"). Lines of a list ("…:", "…;", "- по SMS") stay with
their sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from config import Vocabulary
from config.matching import stem
from config.vocabulary import NoticePhrases
from language.detect import detect

_WORD = re.compile(r"[^\W_]+")
_END = re.compile(r"[.!?…]+[»\")]*\s+[«\"(]?(?=[^\W_])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_YEAR_OR_DATE = re.compile(r"(?:\d{1,2}\.\d{1,2}\.)?\d{4}")
_LIST_ITEM = re.compile(r"^\s*(?:[-–—•·*]|[а-яa-zәғқңөұүһі]\)|\d{1,2}\))", re.IGNORECASE)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}


@lru_cache(maxsize=1 << 16)
def _fold(word: str) -> str:
    """A word as the phrases are matched: NFKC, case-folded, ё as е (kept for the words of a text: they repeat)."""
    return unicodedata.normalize("NFKC", word).casefold().replace("ё", "е")


def _word_pattern(phrase: str) -> str:
    """A phrase as a regex over space-joined folded words, by the vocabulary's stem rule."""
    parts = []
    for word in _WORD.findall(_fold(phrase)):
        root, exact = stem(word)
        parts.append(re.escape(root) + ("" if exact else r"[^ ]*"))
    return " ".join(parts)


def _alternation(phrases: Iterable[str], exact: bool = False) -> str:
    patterns = {(" ".join(re.escape(w) for w in _WORD.findall(_fold(p))) if exact else _word_pattern(p))
                for p in phrases}
    return "|".join(sorted((p for p in patterns if p), key=len, reverse=True))


def _bounded(pattern: str) -> re.Pattern:
    return re.compile(rf"(?:^|(?<= ))(?:{pattern})(?= |$)")


@dataclass
class _Matchers:
    change: re.Pattern
    exclude: re.Pattern
    notify: re.Pattern
    channels: dict[str, re.Pattern]
    advance: list[re.Pattern]
    numbers: dict[str, int]
    units: dict[str, str]  # unit group name -> unit
    business: re.Pattern  # qualifiers that make days business days
    abbreviations: frozenset[str]


def _compile(notices: NoticePhrases) -> _Matchers:
    numbers = {_fold(w): n for n, forms in notices.advance.numbers.items() for w in forms}
    number_word = _alternation(numbers, exact=True)
    one_number = rf"(?:\d+|{number_word})" if number_word else r"\d+"
    qualifiers = _alternation(w for forms in notices.advance.qualifiers.values() for w in forms)

    def qualifier(group: str) -> str:  # "календарных", "күнтізбелік": before the number or the unit
        return f"(?:(?P<{group}>{qualifiers}) )?" if qualifiers else f"(?P<{group}>(?!))?"

    units = {f"u_{unit}": unit for unit in notices.advance.units}
    unit_group = "|".join(f"(?P<u_{unit}>{_alternation(forms)})" for unit, forms in notices.advance.units.items())
    templates = []
    for template in notices.advance.templates.texts():
        pieces = []
        for token in template.split():
            if token == "{n}":
                pieces.append(qualifier("q1") + rf"(?P<n>{one_number}(?: {one_number})?)")
            elif token == "{unit}":
                pieces.append(qualifier("q2") + rf"(?:{unit_group})")
            else:
                pieces.append(_word_pattern(token))
        templates.append(_bounded(" ".join(p for p in pieces if p)))
    return _Matchers(
        change=_bounded(_alternation(notices.change.texts())),
        exclude=_bounded(_alternation(notices.exclude.texts()) or "(?!)"),
        notify=_bounded(_alternation(notices.notify.texts())),
        channels={name: _bounded(_alternation(p.texts())) for name, p in notices.channels.items() if p.texts()},
        advance=templates,
        numbers=numbers,
        units=units,
        business=_bounded(_alternation(notices.advance.qualifiers.get("business", [])) or "(?!)"),
        abbreviations=frozenset(_fold(a).rstrip(".") for a in notices.abbreviations),
    )


_compiled: dict[int, tuple[NoticePhrases, _Matchers]] = {}


def _matchers(notices: NoticePhrases) -> _Matchers:
    held = _compiled.get(id(notices))
    if held is None or held[0] is not notices:
        held = (notices, _compile(notices))
        _compiled[id(notices)] = held
    return held[1]


# -- sentences ---------------------------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    """Lines joined into paragraphs: a line continues the previous one when that ends with ":", ";" or
    ",", or when it starts in lower case or as a list item."""
    paragraphs: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            if paragraphs and paragraphs[-1]:
                paragraphs.append("")
            continue
        if paragraphs and paragraphs[-1] and (paragraphs[-1][-1] in ":;,–-" or line[0].islower()
                                               or _LIST_ITEM.match(line)):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return [p for p in paragraphs if p]


def _ends_sentence(before: str, abbreviations: frozenset[str]) -> bool:
    """Whether the full stop after ``before`` (the paragraph up to it) ends a sentence."""
    token = before.split()[-1].lstrip("«\"(") if before.split() else ""
    if not token:
        return False
    folded = _fold(token)
    if folded in abbreviations:
        return False
    if len(token) == 1 and token.isalpha():
        return False  # an initial: "А. Б. Иванов"
    if _NUMBER.fullmatch(token):
        # "5.1." opening a clause, or "п. 5.1." inside one, never ends a sentence; a year or a date may.
        return len(before.split()) > 1 and bool(_YEAR_OR_DATE.fullmatch(token))
    return True


def split_sentences(text: str, abbreviations: Iterable[str] = ()) -> list[str]:
    """The sentences of a text (see the module docstring), whitespace collapsed."""
    abbrevs = frozenset(_fold(a).rstrip(".") for a in abbreviations)
    sentences = []
    for paragraph in _paragraphs(text):
        paragraph = " ".join(paragraph.split())
        start = 0
        for match in _END.finditer(paragraph):
            following = paragraph[match.end()]
            if not (following.isupper() or following.isdigit()):
                continue  # "т.е. без", "и т.д. и": the sentence goes on
            punct = match.group().split()[0]
            if punct.rstrip("»\")") == "." and not _ends_sentence(paragraph[start:match.start()], abbrevs):
                continue
            end = match.start() + len(punct)
            sentences.append(paragraph[start:end].strip())
            start = end
        if paragraph[start:].strip():
            sentences.append(paragraph[start:].strip())
    return sentences


# -- what a sentence says -----------------------------------------------------------------------------


def _number(tokens: list[str], numbers: dict[str, int]) -> int | None:
    digits = [int(t) for t in tokens if t.isdigit()]
    if digits:
        return digits[0]  # "10 (десять)": the digits decide
    values = [numbers[t] for t in tokens if t in numbers]
    if len(values) == 2 and values[0] % 10 == 0 and values[0] >= 10 and values[1] < 10:
        return values[0] + values[1]  # "двадцать пять", "он бес", "twenty-five"
    return values[0] if len(values) == 1 else None


def _advance(words: list[tuple[str, int, int]], sentence: str, m: _Matchers) -> dict | None:
    joined = " ".join(w for w, _, _ in words)
    # The offset in ``joined`` of each word, to map a match back to the sentence as written.
    offsets, position = [], 0
    for w, _, _ in words:
        offsets.append(position)
        position += len(w) + 1
    best = None
    for pattern in m.advance:
        for match in pattern.finditer(joined):
            n = _number(match.group("n").split(), m.numbers)
            if n is None:
                continue
            if best is None or (match.end() - match.start(), -match.start()) > (best[0].end() - best[0].start(),
                                                                               -best[0].start()):
                best = (match, n)
    if best is None:
        return None
    match, n = best
    first = offsets.index(match.start())
    last = max(i for i, o in enumerate(offsets) if o < match.end())
    unit = next(m.units[name] for name, value in match.groupdict().items() if name.startswith("u_") and value)
    qualifiers = " ".join(filter(None, (match.group("q1"), match.group("q2"))))
    if unit == "day" and qualifiers and m.business.search(qualifiers):
        unit = "business_day"
    return {"text": sentence[words[first][1]:words[last][2]], "days": n * _UNIT_DAYS.get(unit, 1), "unit": unit}


def _notices(vocabulary: Vocabulary | NoticePhrases | None) -> NoticePhrases:
    if vocabulary is None:
        from config.loader import default_vocabulary

        return default_vocabulary().notices
    return vocabulary.notices if isinstance(vocabulary, Vocabulary) else vocabulary


def notice_sentences(text: str, vocabulary: Vocabulary | NoticePhrases | None = None) -> list[dict]:
    """The sentences of ``text`` about how users are told of changes, in text order, each
    ``{"sentence", "channels": [...], "advance": {"text", "days", "unit"} | None, "language"}``.

    ``channels`` are the keys of ``notices.channels`` (email, sms, push, account, site, app, branch,
    press, messenger), in that order. ``advance.days`` counts weeks as 7 days and months as 30;
    ``unit`` says which it was (day, business_day, week, month). ``language`` is the sentence's, as
    language/detect.py reads it: kk, ru, en, or und when it is too short or mixed to tell.
    ``vocabulary``: the config's Vocabulary (or its ``notices``); default: the packaged one.
    """
    notices = _notices(vocabulary)
    m = _matchers(notices)
    found = []
    for sentence in split_sentences(text, notices.abbreviations):
        joined = " ".join(map(_fold, _WORD.findall(sentence)))
        if not m.change.search(joined) or not m.notify.search(joined) or m.exclude.search(joined):
            continue
        words = [(_fold(w.group()), w.start(), w.end()) for w in _WORD.finditer(sentence)]
        channels = [name for name, pattern in m.channels.items() if pattern.search(joined)]
        advance = _advance(words, sentence, m)
        if channels or advance:
            found.append({"sentence": sentence, "channels": channels, "advance": advance,
                          "language": detect(sentence).language})
    return found
