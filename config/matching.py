"""How the vocabulary's phrases are found in link texts, titles and URLs: normalised words, stems, and
the matcher that picks the most specific phrase. config/vocabulary.py builds matchers from the YAML once;
this module holds only the rule, so it can be read (and tested) without the phrase data.

Text matching rule (link texts, titles)
---------------------------------------
Text and phrases are normalised the same way: NFKC, casefold, "ё" -> "е", and split into words of letters
and digits (punctuation and whitespace only separate words). A phrase matches when its words appear
consecutively in the text, each text word matched against the phrase word like this:

* phrase words of 1-3 letters ("на", "о", "of", "use") must be equal;
* words of 4-5 letters ("terms", "шарт", "жария") must be a prefix of the text word;
* longer words are cut to a stem: the word minus its last three letters, but never below five letters
  ("политика" -> "полит", "конфиденциальности" -> "конфиденциальн", "персональных" -> "персональ"),
  and the stem must be a prefix of the text word.

So "Ознакомьтесь с политикой конфиденциальности" matches "политика конфиденциальности", and Kazakh
suffixes ("саясатымен", "келісімі") are absorbed the same way. Cutting three letters rather than keeping a
fixed five keeps long stems specific ("персональ" does not match "персонал", staff). Of several matches the
one with the most words wins, then the longest, then the last in the text: "согласие на обработку
персональных данных" (consent) beats "персональных данных" (personal-data policy) inside it.

URL matching: the path and query are percent-decoded and split into tokens on anything that is not a letter
or digit ("/docs/public_offer.pdf" -> docs, public, offer, pdf); slug terms match as whole, consecutive
tokens, so "offer" would not match "offers". Text phrases are tried on the same tokens too, which covers
Cyrillic slugs ("/политика-конфиденциальности").
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from urllib.parse import unquote, urlsplit

_WORD = re.compile(r"[^\W_]+")
# Beyond this a "link text" is page content, not a name; matching it would only add noise and time.
MAX_TEXT = 2000

Found = tuple[tuple[int, int, int], str]  # (rank, label): more words, then longer, then later in the text


def words(text: str) -> list[str]:
    """The normalised words of a text (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT]).casefold().replace("ё", "е")
    return _WORD.findall(text)


def url_words(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    return words(unquote(parts.path + " " + parts.query))


def stem(word: str) -> tuple[str, bool]:
    """(stem, exact) for one phrase word; the rule is in the module docstring."""
    if len(word) <= 3:
        return word, True
    if len(word) <= 5:
        return word, False
    return word[: max(5, len(word) - 3)], False


class Matcher:
    """The most specific of many phrases found in a list of words."""

    def __init__(self, entries: list[tuple[str, str]], *, stems: bool):
        # Phrases are indexed by the first two letters of their first word, so a text word is only
        # compared with the few phrases that can start at it.
        self._index: dict[str, list[tuple[tuple[tuple[str, bool], ...], str, int]]] = defaultdict(list)
        for label, phrase in entries:
            ws = words(phrase)
            pattern = tuple(stem(w) if stems else (w, True) for w in ws)
            self._index[pattern[0][0][:2]].append((pattern, label, sum(map(len, ws))))

    def best(self, ws: list[str]) -> Found | None:
        found = None
        for i, first in enumerate(ws):
            for pattern, label, size in self._index.get(first[:2], ()):
                n = len(pattern)
                if i + n > len(ws):
                    continue
                if all(
                    w == stem if exact else w.startswith(stem)
                    for w, (stem, exact) in zip(ws[i : i + n], pattern, strict=True)
                ):
                    rank = (n, size, i)
                    if found is None or rank > found[0]:
                        found = (rank, label)
        return found


def best_of(*found: Found | None) -> str | None:
    hits = [f for f in found if f is not None]
    return max(hits)[1] if hits else None
