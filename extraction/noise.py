"""Is this text language at all? Binary noise served as ``text/html`` (random bytes, a broken
upload, a file in an unknown format) decodes without error as windows-1251 or latin-1 and then looks
like plenty of text: a "document" that changes on every crawl. This module says when it is not.

What language has and noise lacks, in any script and any amount (a short page, a tariff table):

- no control, replacement (U+FFFD), private-use or unassigned characters: random bytes decoded as
  a single-byte charset are 13 % control characters, and the ones a charset lacks become U+FFFD;
- letters sit in words written in one script with one case pattern (``слово``, ``Слово``, ``СЛОВО``,
  ``Qazaqstan``); random letters mix scripts and cases inside a "word" (``ЖщZъ``, ``hЖЁ``);
- few odd symbols (``¤ ¦ ¬ ^ ` ¨``) between them.

Digits and punctuation are neutral (a tariff table is digits), and so are one-letter words (a PDF's
letter-spaced heading "П о л и т и к а" is all one-letter words). A Latin letter that looks like a
Cyrillic one inside a Cyrillic word is allowed: Kazakh pages typed before fonts had "і" and "ә" use
Latin "i" and "ə", and copied text mixes look-alike "а", "о", "с".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MIN_CHARS = 40  # non-space characters: below this there is too little to judge (and no_text follows)
SAMPLE = 2000  # characters read from each of the start, middle and end of a long text: plenty for shares
MAX_BAD = 0.05  # share of control / replacement / private-use characters that language never reaches
MAX_JUNK = 0.25  # share of characters in no plausible word (letters) or odd symbols
MIN_WORDY = 0.2  # share of letters and digits: below it a "text" is rows of symbols (¿¿¿¿, ----)

_WORD = re.compile(r"[^\W\d_]+")
_CYRILLIC = re.compile(r"[\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]")
_LATIN = re.compile(r"[A-Za-z\u00aa\u00ba\u00c0-\u024f\u1e00-\u1eff\u2c60-\u2c7f\ua720-\ua7ff]")
# Latin letters that pass for Cyrillic ones inside a Cyrillic word (homoglyphs, Kazakh i and ə).
_LOOKALIKE = frozenset("aeopcxyiəAEOPCXYIKMHTB")
# lower, UPPER, Title, and one hump for brand names (UnionPay, iPhone, eGov); caseless scripts are "l".
_CASES = re.compile(r"U+|U?l+(?:Ul+)?")
_BAD_CATEGORIES = frozenset({"Cc", "Co", "Cn", "Cs"})
_ODD_CATEGORIES = frozenset({"Sk", "So"})  # format characters (soft hyphen, zero width) are neutral
_COMMON_SYMBOLS = frozenset("©®°№™•✓✔→←↑↓■□▪▫●○◆◇★☆☎✉")  # documents and menus use these
_SPACE = re.compile(r"\s")
_NOT_WORDY = re.compile(r"[^\W_]|\s")  # letters, digits and spaces; the rest is what is left


def _sample(text: str) -> str:
    if len(text) <= 3 * SAMPLE:
        return text
    middle = len(text) // 2 - SAMPLE // 2
    return "\n".join((text[:SAMPLE], text[middle:middle + SAMPLE], text[-SAMPLE:]))


def _plausible_word(word: str) -> bool:
    """One script (Latin look-alikes allowed in Cyrillic) and a case pattern words have."""
    if not (word.islower() or word.isupper() or word.istitle()) and not _CASES.fullmatch(
            "".join("U" if ch.isupper() else "l" for ch in word)):
        return False
    if not word.isascii() and _LATIN.search(word) and _CYRILLIC.search(word):
        return all(ch in _LOOKALIKE for ch in _LATIN.findall(word))
    return True


@dataclass(frozen=True)
class Measure:
    chars: int  # non-space characters judged (of a sample of a long text)
    bad: float  # share of control, replacement, private-use and unassigned characters
    junk: float  # share of those, odd symbols and letters in no plausible word
    wordy: float  # share of letters and digits
    words: int  # plausible words of two letters or more


def measure(text: str) -> Measure:
    """How much of ``text`` (sampled) reads as language; see the module docstring."""
    text = unicodedata.normalize("NFC", _sample(text))
    n = len(text) - len(_SPACE.findall(text))
    if not n:
        return Measure(0, 0.0, 0.0, 0.0, 0)
    others = _NOT_WORDY.sub("", text)  # punctuation, symbols, controls: few in language, so looped over
    bad = odd = 0
    for ch in others:
        category = unicodedata.category(ch)
        if ch == "\ufffd" or category in _BAD_CATEGORIES:
            bad += 1
        elif category in _ODD_CATEGORIES and ch not in _COMMON_SYMBOLS:
            odd += 1
    words = junk_letters = 0
    for word in _WORD.findall(text):
        if len(word) > 1:
            if _plausible_word(word):
                words += 1
            else:
                junk_letters += len(word)
    return Measure(n, bad / n, (bad + odd + junk_letters) / n, (n - len(others)) / n, words)


def not_language(text: str) -> str | None:
    """Why ``text`` is not language (a sentence for the failure detail), or None when it reads as text
    or is too short to judge."""
    m = measure(text)
    if m.chars < MIN_CHARS or (m.bad < MAX_BAD and m.junk < MAX_JUNK and m.wordy >= MIN_WORDY):
        return None
    words = f"{m.words} words" if m.words else "no words"
    return (f"not language: {m.bad:.0%} control/replacement characters, {m.junk:.0%} garbled words or odd "
            f"symbols, {m.wordy:.0%} letters and digits, {words} (binary data, or text in a wrong charset)")
