"""The text normaliser that decides whether a document changed.

Two captures of one policy often differ only cosmetically: a CMS swaps « » for " ", a template
adds non-breaking spaces or soft hyphens, an editor types "ё" once and "е" the next time. None of
that is a change the rating cares about, so both sides are reduced to one canonical form before
comparing. The form is for comparison and hashing only; the archived text is kept as extracted.
Pure standard library, and idempotent: normalise(normalise(x)) == normalise(x).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Removed before NFKC: invisible characters that would otherwise split words ("поли\xadтика") and,
# left in place, could hide combining marks from NFKC composition (breaking idempotence).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e\u061c\u200e\u200f"))

_QUOTES = "«»„“”‟‘’‚‛‹›'\""
_DASHES = "‐‑‒–—―−"
_AFTER_NFKC = {**{ord(q): '"' for q in _QUOTES}, **{ord(d): "-" for d in _DASHES},
               ord("ё"): "е", ord("Ё"): "Е"}

# A diaeresis NFKC could not merge into a precomposed ё (it was stacked on one already): dropped, or
# a second pass would compose it and normalise would not be idempotent.
_LOOSE_DIAERESIS = re.compile("(?<=[еЕ])\u0308+")
# Any run of whitespace inside a line (tab, no-break space, thin space, ideographic space...).
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Canonical form of a document text: one paragraph per line, cosmetic variation removed."""
    text = unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).translate(_AFTER_NFKC)
    if "\u0308" in text:
        text = _LOOSE_DIAERESIS.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def text_hash(text: str) -> str:
    """sha256 (hex) of the normalised text in UTF-8: equal hashes mean "no real change"."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
