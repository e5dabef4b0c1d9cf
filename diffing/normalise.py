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
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e\u061c\u200e\u200f]")

_QUOTES = "«»„“”‟‘’‚‛‹›'\""
_DASHES = "‐‑‒–—―−"
_AFTER_NFKC = {**dict.fromkeys(_QUOTES, '"'), **dict.fromkeys(_DASHES, "-"), "ё": "е", "Ё": "Е"}
# A regex finds the few characters to replace at C speed; str.translate with a dict looks up every
# character of a Cyrillic text in Python and is ten times slower on a 50 KB policy.
_AFTER_NFKC_RE = re.compile("[" + re.escape("".join(_AFTER_NFKC)) + "]")

# A diaeresis NFKC could not merge into a precomposed ё (it was stacked on one already): dropped, or
# a second pass would compose it and normalise would not be idempotent.
_LOOSE_DIAERESIS = re.compile("(?<=[еЕ])\u0308+")


def _collapse(text: str) -> str:
    """One paragraph per line; any run of Unicode whitespace (no-break, thin, …) is one space."""
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.splitlines())))


def normalise(text: str) -> str:
    """Canonical form of a document text: one paragraph per line, cosmetic variation removed."""
    text = _collapse(_INVISIBLE.sub("", text))
    # NFKC costs milliseconds on a long policy; the quick check skips it for text already in form.
    if not unicodedata.is_normalized("NFKC", text):
        text = _collapse(unicodedata.normalize("NFKC", text))
    text = _AFTER_NFKC_RE.sub(lambda m: _AFTER_NFKC[m.group()], text)
    if "\u0308" in text:
        text = _LOOSE_DIAERESIS.sub("", text)
    return text


def text_hash(text: str) -> str:
    """sha256 (hex) of the normalised text in UTF-8: equal hashes mean "no real change"."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
