"""Which changes are cosmetic: the rules, each narrow enough not to hide a company's real change.

A change is ``cosmetic`` (with a ``reason``) when one of these holds, else it is ``substantive``:

- ``normalisation``: the clause is the same after normalisation (quotes, ё/е, dashes, NFKC forms)
  but looks different. Differences in whitespace, non-breaking spaces, soft hyphens, zero-width
  characters and clause-number style ("1.2." / "1.2" / "1.2)", "п.5" / "п. 5") are no change at
  all, and a clause whose only difference is its number (renumbered because a clause was inserted
  or removed above) is no change either (``Diff.renumbered`` lists them).
- ``letter case``: only upper/lower case differs ("ПОЛИТИКА" → "Политика").
- ``renumbering``: only clause references inside the text changed, each the way the clause it
  names was renumbered in this same diff ("п. 2.4" → "п. 2.5" because 2.4 became 2.5). The number
  must look like a reference (multi-level, or after "п."/"пункт"/"ст."/…, or before "-тармақ"/…).
- ``date line``: an UNNUMBERED paragraph of at most 10 words besides its dates that carries a
  calendar date and either edition vocabulary ("редакция от", "дата обновления", "last updated",
  "жаңартылған күні", "вступает в силу", "күшіне енеді", "версия", …) or almost nothing else
  ("г. Алматы, 1 июня 2025 г."); a change inside it must touch only its dates, version numbers,
  edition words or punctuation. Added or removed, such a line is cosmetic too. The whole
  document's effective date is cosmetic only in such a standalone line: a date, period or number
  inside a numbered clause ("вступают в силу с 1 июня 2025 г.", "за 10 дней") is substantive.
- ``copyright year`` / ``copyright line``: an unnumbered "©" / "(c)" / "Все права защищены" /
  "Барлық құқықтар қорғалған" / "All rights reserved" line where only years changed / that was
  added or removed.
- ``page number``: a line that is only a page number ("12", "- 12 -", "Страница 3 из 10",
  "Page 3 of 10", "3-бет").
- ``cookie banner``: an unnumbered line of at most 40 words that mentions cookies and ENDS with a
  banner's button ("… Принять", "… Accept", "… Қабылдау", "… Түсінікті"), added, removed or
  changed into another banner. Banners are page chrome that extraction sometimes keeps; a sentence
  about cookies that ends like a sentence ("… принять или отклонить cookie.") stays substantive,
  and so does any numbered clause of a cookie policy.

Moving a clause is substantive (where a clause sits decides what it governs) unless the moved
paragraph is itself one of the lines above.
"""

from __future__ import annotations

import re

from diffing.units import TOKEN, Unit
from diffing.words import changed_tokens

_DAY = r"\"?\d{1,2}\"?"
_YEAR = r"(?:19|20)\d{2}"
_MONTH = (
    r"(?:январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан"
    r"|january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\w*\.?"
)
_YEAR_WORD = r"(?:\s*(?:гг?\.|года|год|г\b|жылғы|жылдың|жылы|ж\.|ж\b))"
_DATE = re.compile(
    "|".join([
        r"\b\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})\b" + _YEAR_WORD + "?",
        r"\b\d{4}-\d{2}-\d{2}\b",
        _DAY + r"\s+" + _MONTH + r"(?:\s+" + _YEAR + r")?" + _YEAR_WORD + "?",
        r"\b" + _YEAR + r"\s*(?:жылғы|жылдың|ж\.)\s*(?:" + _DAY + r"\s*)?" + _MONTH + r"(?:\s*" + _DAY + r")?",
        _MONTH + r"\s+\d{1,2},?\s+" + _YEAR,
        r"\b" + _YEAR + _YEAR_WORD,
        r"(?:верси\w*|нұсқа\w*|version|ver\.|v\.?)\s*\d+(?:\.\d+)*",
    ]),
)
_EDITION = re.compile(
    r"\b(?:редакц\w*|ред\.|обновл\w*|дата|дат[аы]|верси\w*|вступа\w*|вступил\w*|действу\w*|утвержд\w*"
    r"|опубликова\w*|размещ\w*|жаңарт\w*|күні|нұсқа\w*|күшіне|енеді|енгізілді|бекітіл\w*|жариял\w*"
    r"|updated?|last|effective|version|revision|revised|modified|published|date|ред)",
)
_FILLER = {"от", "с", "со", "в", "силу", "г", "года", "по", "на", "ж", "жылғы", "бастап", "as", "of",
           "on", "from", "the", "последнего", "последнее", "последняя", "настоящая", "осы", "соңғы"}
_COPYRIGHT = re.compile(r"©|\([cс]\)|copyright|все права защищены|барлық құқықтар? қорғалған|all rights reserved")
_PAGE = re.compile(
    r"(?:(?:стр\.?|страница|page|p\.|бет)\s*)?\d{1,4}(?:\s*(?:из|of|/)\s*\d{1,4})?(?:\s*-?\s*(?:бет|стр\.?))?"
    r"|-\s*\d{1,4}\s*-"
)
_COOKIE = re.compile(r"cookie|куки|кукис")
_BUTTON = re.compile(
    r"\b(?:принять|принимаю|согласен|согласна|понятно|хорошо|ок|ok|okay|accept|agree|got it|allow all"
    r"|разрешить|закрыть|принять все|қабылдау|қабылдаймын|келісемін|түсінікті|жабу)"
    r"(?:\s+(?:все|all|барлығын))?[!\s]*$"
)
_REF_BEFORE = re.compile(r"(?:п|пп|пункт\w*|подпункт\w*|ст|стать\w*|раздел\w*|глав\w*|clauses?|sections?|articles?)$")
_REF_AFTER = re.compile(r"тармақ\w*|бап\w*|тарау\w*|бөлім\w*")
_NUMBER = re.compile(r"\d+(?:\.\d+)*")
_WORDY = re.compile(r"[^\W\d_]")
_ALNUM = re.compile(r"[^\W_]")


def _words(text: str) -> int:
    return sum(1 for t in TOKEN.findall(text) if _WORDY.search(t))


def date_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the calendar dates, years with a year word and version numbers in a text."""
    return [m.span() for m in _DATE.finditer(text)]


def _outside(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        last = end
    out.append(text[last:])
    return " ".join(out)


def is_date_line(unit: Unit) -> bool:
    """An unnumbered edition / date stamp line ("Редакция от 01.06.2025", "Last updated: …")."""
    if unit.numbered:
        return False
    text = unit.norm.casefold()
    spans = date_spans(text)
    if not spans:
        return False
    rest = _outside(text, spans)
    words = _words(rest)
    if words > 10:
        return False
    return bool(_EDITION.search(rest)) or words <= 3


def is_copyright_line(unit: Unit) -> bool:
    return not unit.numbered and _words(unit.norm) <= 25 and bool(_COPYRIGHT.search(unit.norm.casefold()))


def is_page_number(unit: Unit) -> bool:
    return not unit.numbered and bool(_PAGE.fullmatch(unit.norm.casefold()))


def is_cookie_banner(unit: Unit) -> bool:
    if unit.numbered:
        return False
    text = unit.norm.casefold()
    return _words(text) <= 40 and bool(_COOKIE.search(text)) and bool(_BUTTON.search(text))


_LINE_RULES = (
    (is_page_number, "page number"),
    (is_copyright_line, "copyright line"),
    (is_date_line, "date line"),
    (is_cookie_banner, "cookie banner"),
)


_MAYBE_BOILERPLATE = re.compile(r"\d|©|\([cс]\)|copyright|права|құқық|rights|cookie|куки", re.IGNORECASE)


def classify_line(unit: Unit) -> str | None:
    """The cosmetic reason for adding, removing or moving this paragraph; None when it is substantive."""
    # Every rule below needs a digit or one of these words: one cheap search spares the regexes.
    if unit.numbered or not _MAYBE_BOILERPLATE.search(unit.norm):
        return None
    for rule, reason in _LINE_RULES:
        if rule(unit):
            return reason
    return None


def _spanned_tokens(text: str) -> list[tuple[str, bool]]:
    """Each comparison token of a (casefolded, normalised) text, and whether it lies in a date span."""
    spans = date_spans(text)
    return [(m.group(), any(s <= m.start() and m.end() <= e for s, e in spans)) for m in TOKEN.finditer(text)]


def _date_only_change(old: Unit, new: Unit) -> bool:
    a, b = _spanned_tokens(old.norm.casefold()), _spanned_tokens(new.norm.casefold())

    def allowed(token: str, in_date: bool) -> bool:
        if in_date or not _ALNUM.search(token):  # a date, or punctuation
            return True
        return bool(_EDITION.fullmatch(token)) or token in _FILLER

    for old_idx, new_idx in changed_tokens(tuple(t for t, _ in a), tuple(t for t, _ in b)):
        if not all(allowed(*a[i]) for i in old_idx) or not all(allowed(*b[j]) for j in new_idx):
            return False
    return True


def _years_only_change(old: Unit, new: Unit) -> bool:
    for old_idx, new_idx in changed_tokens(old.tokens, new.tokens):
        for token in [old.tokens[i] for i in old_idx] + [new.tokens[j] for j in new_idx]:
            if not (token.isdigit() or token in "-,"):
                return False
    return True


def _is_reference(tokens: tuple[str, ...], i: int) -> bool:
    """Whether the number at tokens[i] names a clause ("п. 5", "5-тармақ", "2.4")."""
    if "." in tokens[i]:
        return True
    before = [t for t in tokens[max(0, i - 2):i] if t != "."]
    if before and _REF_BEFORE.fullmatch(before[-1].casefold()):
        return True
    after = tokens[i + 1:i + 3]
    return len(after) == 2 and after[0] == "-" and bool(_REF_AFTER.fullmatch(after[1].casefold()))


def _renumbering_only(old: Unit, new: Unit, renumbered: dict[str, str]) -> bool:
    """Whether renumbering the clause references in ``old`` the way this diff renumbered the
    clauses themselves gives exactly ``new``."""
    mapped = tuple(
        renumbered.get(t, t) if _NUMBER.fullmatch(t) and _is_reference(old.tokens, i) else t
        for i, t in enumerate(old.tokens)
    )
    return mapped != old.tokens and mapped == new.tokens


def classify_pair(old: Unit, new: Unit, renumbered: dict[str, str]) -> str | None:
    """The cosmetic reason for changing ``old`` into ``new``; None when the change is substantive.

    ``renumbered`` maps old clause numbers to new ones for the clauses this diff renumbered.
    """
    if old.line_key == new.line_key:
        return "normalisation"
    if old.line_key.casefold() == new.line_key.casefold():
        return "letter case"
    if renumbered and _renumbering_only(old, new, renumbered):
        return "renumbering"
    if is_page_number(old) and is_page_number(new):
        return "page number"
    if is_copyright_line(old) and is_copyright_line(new) and _years_only_change(old, new):
        return "copyright year"
    if is_date_line(old) and is_date_line(new) and _date_only_change(old, new):
        return "date line"
    if is_cookie_banner(old) and is_cookie_banner(new):
        return "cookie banner"
    return None
