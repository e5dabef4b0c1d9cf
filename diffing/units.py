"""How a document text becomes a list of comparable units: paragraphs with their clause numbers.

Extracted texts hold one paragraph per line. A numbered clause starts its line: "1.2.3. …",
"1.2 …", "5) …", "а) …", "п. 5 …", "пункт 5.1 …", "5-тармақ …", "Статья 7. …", "7-бап. …",
"Глава 2", "2-тарау", "Раздел II", "2-бөлім", "§ 3", "Article 7", "Section 2". The number is
parsed off; what is left (the body) is what gets compared, so "1.2." vs "1.2" vs "1.2)" and
"п.5" vs "п. 5" are the same clause, and a clause renumbered because another was inserted above it
still matches its old self.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from diffing.normalise import _INVISIBLE, normalise

_DASH = "-‐‑‒–—―−"
_NUM = r"\d{1,3}(?:\.\d{1,3})*"

# Keyword before the number (Russian, English). Longer alternatives first: "пп." before "п.".
_BEFORE = re.compile(
    r"(?P<kw>статья|ст\.|article|art\.|глава|chapter|раздел|section|§|подпункт|пп\.|sub-?clause"
    r"|пункт|п\.|clause)\s*(?P<num>" + _NUM + r"|[IVXLC]{1,7}(?![\w]))(?P<end>[.):]?)(?=\s|$)",
    re.IGNORECASE,
)
# Kazakh puts the number first: "5-тармақ", "7-бап", "2-тарау", "1-бөлім", "3-тармақша".
_AFTER = re.compile(
    r"(?P<num>" + _NUM + r")\s*[" + _DASH + r"]?\s*(?P<kw>тармақша|тармақ|бап|тарау|бөлімше|бөлім)\b\.?",
    re.IGNORECASE,
)
# Plain numbers: "1.2.3." "1.2.3" "1.2)" "5." "5)". A single number needs its "." or ")"
# (a line starting "2025 жылғы …" is not clause 2025), no component is four digits, and the first
# does not start with 0 (so "01.06.2025" is a date, not clause 1.6).
_PLAIN = re.compile(r"(?P<num>[1-9]\d{0,2}(?:\.\d{1,3})*)(?P<end>[.)]?)(?![.\d])(?=\s|$|[^\W\d_]|[\"«“(])")
_ROMAN = re.compile(r"(?P<num>[IVXLC]{1,7})[.)](?=\s)")
_LETTER = re.compile(r"(?P<num>[а-яәғқңөұүһіa-z])\)(?=\s)")

_KIND = {
    "статья": "article", "ст.": "article", "article": "article", "art.": "article", "бап": "article",
    "глава": "chapter", "chapter": "chapter", "тарау": "chapter",
    "раздел": "section", "section": "section", "§": "section", "бөлім": "section",
    "пункт": "clause", "п.": "clause", "clause": "clause", "тармақ": "clause",
    "подпункт": "item", "пп.": "item", "subclause": "item", "sub-clause": "item", "тармақша": "item",
    "бөлімше": "item",
}
_LEVEL = {"section": 0, "chapter": 0, "article": 1, "clause": 2, "item": 3}

# Comparison tokens: a number with its inner dots ("1.2.3", "10,5", "01.06.2025") is one token,
# a word is one token, every other visible character is a token of its own.
TOKEN = re.compile(r"\d+(?:[.,/]\d+)*|[\w\u0300-\u036f]+|[^\w\s]")


@lru_cache(maxsize=65536)
def token_key(token: str) -> str:
    """The comparison form of one display token (quotes, ё, NFKC forms unified)."""
    return normalise(token)


def display(line: str) -> str:
    """A paragraph as shown: invisible characters gone, NFC, whitespace runs collapsed to one space."""
    line = _INVISIBLE.sub("", line)
    if not unicodedata.is_normalized("NFC", line):
        line = unicodedata.normalize("NFC", line)
    return " ".join(line.split())


@dataclass(frozen=True)
class Unit:
    """One paragraph: where it is, its clause number if any, and its body's comparison tokens."""

    index: int  # 0-based paragraph index
    text: str  # the paragraph as shown
    prefix: str  # the clause number as written ("1.2.", "п. 5", "7-бап."); "" when unnumbered
    body: str  # the paragraph after its number
    ref: str  # how reports name it: "1.2.3", "п. 5", "Статья 7 › 2", "¶12"
    kind: str | None  # section | chapter | article | clause | item; None when unnumbered
    number: str | None  # the own number, normalised ("1.2.3", "5", "II", "а")
    key: tuple[tuple[str, str], ...]  # structural position, language-independent (translations)
    norm: str  # normalised body
    tokens: tuple[str, ...]  # comparison tokens of the body
    line_key: str = field(init=False)  # the tokens joined: equal keys mean "no change"

    def __post_init__(self) -> None:
        object.__setattr__(self, "line_key", "\x1f".join(self.tokens))

    @cached_property
    def folded(self) -> tuple[str, ...]:
        """Casefolded tokens: what similarity is measured on (only paragraphs that differ need it)."""
        return tuple(TOKEN.findall(self.norm.casefold()))

    @property
    def numbered(self) -> bool:
        return self.kind is not None


def _match_number(text: str) -> tuple[str, str, str, str] | None:
    """(prefix as written, kind, number, label) for a line that starts with a clause number."""
    m = _BEFORE.match(text)
    if m:
        kw, num = m.group("kw"), m.group("num")
        return m.group(0), _KIND[kw.lower()], num.upper() if num.isalpha() else num, f"{kw} {num}"
    m = _AFTER.match(text)
    if m:
        kw = m.group("kw").lower()
        return m.group(0), _KIND[kw], m.group("num"), f"{m.group('num')}-{kw}"
    m = _PLAIN.match(text)
    if m:
        num, end = m.group("num"), m.group("end")
        if "." not in num and not end:
            return None
        kind = "item" if end == ")" and "." not in num else "clause"
        return m.group(0), kind, num, num + (")" if kind == "item" else "")
    m = _ROMAN.match(text)
    if m:
        return m.group(0), "section", m.group("num"), m.group("num")
    m = _LETTER.match(text)
    if m:
        return m.group(0), "item", m.group("num"), m.group("num") + ")"
    return None


def split_number(paragraph: str) -> tuple[str, str]:
    """(clause number as written, the rest) of one paragraph; ("", paragraph) when unnumbered."""
    shown = display(paragraph)
    found = _match_number(shown)
    if found is None:
        return "", shown
    return found[0].strip(), shown[len(found[0]):].strip()


def parse(text: str) -> list[Unit]:
    """The paragraphs of a text (empty lines dropped) with their clause numbers and structural keys.

    A section, chapter or article heading opens a context for the numbers below it; a single-level
    clause belongs to the article or section above it ("Статья 7 › 2"), an item ("1)", "а)",
    "подпункт 2") to the clause above it, so "5.1 › 1)" and "5.2 › 1)" are different clauses.
    """
    units: list[Unit] = []
    context: dict[int, tuple[tuple[tuple[str, str], ...], str]] = {}  # level -> (key, ref)
    since_numbered = 0
    for raw in text.splitlines():
        shown = display(raw)
        if not shown:
            continue
        index = len(units)
        found = _match_number(shown)
        if found is None:
            since_numbered += 1
            prefix, kind, number, ref, body = "", None, None, f"¶{index + 1}", shown
            parent_key = context[max(context)][0] if context else ()
            key: tuple[tuple[str, str], ...] = (*parent_key, ("para", str(since_numbered)))
        else:
            since_numbered = 0
            prefix, kind, raw_number, label = found
            number = normalise(raw_number)
            body = shown[len(prefix):].strip()
            prefix = prefix.strip()
            level = _LEVEL[kind]
            context = {lvl: entry for lvl, entry in context.items() if lvl < level}
            own = ("section" if kind == "chapter" else kind, number.lower())
            # Multi-level numbers, articles and sections name themselves; a single-level clause
            # needs its article or section, an item its clause.
            needs_parent = kind == "item" or (kind == "clause" and "." not in number)
            if needs_parent and context:
                parent_key, parent_ref = context[max(context)]
                key, ref = (*parent_key, own), f"{parent_ref} › {label}"
            else:
                key, ref = (own,), label
            context[level] = (key, ref)
        norm = normalise(body)
        units.append(Unit(index=index, text=shown, prefix=prefix, body=body, ref=ref, kind=kind,
                          number=number, key=key, norm=norm, tokens=tuple(TOKEN.findall(norm))))
    return units
