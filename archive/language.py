"""Deterministic Kazakh / Russian / English language detection from letters and function words.

Why not langdetect or a model: none of the common ones has Kazakh (langdetect calls it "uk"), and
the rating needs exactly one question answered well: is this paragraph Kazakh, Russian or English,
and how much of a page is which. Letters do most of the work: Kazakh Cyrillic has nine extra
letters, but each of its neighbours shares some of them, so the rules below look at *which* extra
letters occur, not merely whether any do. Anything that looks like a neighbour is "und", never "kk".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

DETECTOR = "policy-archive-lang 1"  # recorded with every result; bump when the rules change

MIN_LETTERS = 20  # below this a line is a heading, a number or a button label: no verdict


@dataclass(frozen=True)
class Detection:
    language: str  # "kk" | "ru" | "en" | "und"
    confidence: float  # 0..1


# --- Cyrillic letters
_KK = frozenset("әғқңөұүһі")  # the nine Kazakh letters
_KK_CORE = frozenset("ғқұі")  # none of these is Tatar (ә ө ү ң һ җ), which otherwise looks Kazakh
# Letters of Cyrillic languages that Kazakh never uses: Ukrainian є ї ґ, Belarusian/Uzbek ў,
# Tatar/Uyghur җ, Bashkir ҙ ҫ ҡ, Tajik ӣ ӯ ҳ ҷ, Serbian/Macedonian ђ ј љ њ ћ џ ѓ ќ ѕ, Chuvash ӑ ӗ ӳ,
# Azerbaijani ҝ ҹ, Khakas and Altai ӧ ӱ ҥ.
_CYR_FOREIGN = frozenset("єїґўҗҙҫҡӣӯҳҷђјљњћџѓќѕӑӗӳҝҹӧӱҥ")
# --- Latin letters
_KK_LAT = frozenset("äğıñöūüşçáǵńóúý")  # Kazakh Latin alphabets of 2021 (ä ğ ñ ū ...) and 2018 (á ǵ ń ...)
_NOT_GERMAN = frozenset("ğışñūǵń")  # Kazakh Latin letters German lacks (it has ä ö ü)
_NOT_TURKISH = frozenset("äñūǵń")  # Kazakh Latin letters Turkish lacks (it has ç ğ ı ö ş ü)
_LAT_FOREIGN = frozenset("əňžßőűłąęřčšěůøåæœ")
_SPECIAL = re.compile("[" + "".join(sorted(_KK | _CYR_FOREIGN | _KK_LAT | _LAT_FOREIGN)) + "ə]")

_CYR_RUN = re.compile(r"[\u0400-\u052f]+")
_LAT_RUN = re.compile(r"[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")
_WORD = re.compile(r"[^\W\d_]+")
# Kazakh fonts once lacked "і", so it is often typed as a Latin "i" inside a Cyrillic word.
_LATIN_I_IN_CYR = re.compile(r"(?<=[\u0400-\u04ff])i|i(?=[\u0400-\u04ff])")

# Function words: frequent, short, and (within each script) unambiguous.
_KK_WORDS = frozenset("""және мен үшін бойынша немесе туралы бұл осы болып табылады арқылы сәйкес тиіс
    бар жоқ емес деп ол біз сіз оның олар егер кезде кейін дейін қатысты жағдайда
    барлық әрбір өз""".split())
_RU_WORDS = frozenset("""и в во не на что с со по для или при от это является к из а как о об но
    же также быть если его её ее их который которые может должен без до за только либо у под через
    после между том этом этой этого все всех свои своих""".split())
_EN_WORDS = frozenset("""the and of to in for or is be by with that this we you your our are any
    may on as an will not from it its which all such""".split())
_KK_LAT_WORDS = frozenset("""jäne men üşin üşın boiynşa boiynsha nemese turaly būl bul osy bolyp tabylady
    arqyly säikes tiıs tiis emes barlyq jáne úshin boıynsha sáıkes tıis zhane ushin""".split())


def _cyrillic(letters: int, counts: Counter, words: list[str], latin_i: int) -> Detection:
    kk = sum(counts[ch] for ch in _KK) + counts["ə"] + latin_i  # ə: a Latin schwa typed for ә
    kk_i = counts["і"] + latin_i
    core = sum(counts[ch] for ch in _KK_CORE) + latin_i
    foreign = sum(counts[ch] for ch in _CYR_FOREIGN)
    kk_rate = kk / letters
    n_words = max(1, len(words))
    kk_words = sum(w in _KK_WORDS for w in words)
    ru_words = sum(w in _RU_WORDS for w in words)
    length = min(1.0, letters / 80)
    if foreign >= 3 or (foreign and foreign / letters >= 0.004):
        return Detection("und", round(0.5 + 0.4 * length, 3))  # Ukrainian, Belarusian, Tatar, Bashkir...
    # Each neighbour lacks a part of the Kazakh set: Kyrgyz, Mongolian and Tatar have no ғ қ ұ і
    # (so few "core" letters), Ukrainian has і and nothing else. Seen in quantity, such a partial
    # set is a neighbour; seen rarely, it is Russian with a Kazakh name in it.
    if kk == kk_i:  # only і: Kazakh if Kazakh function words say so and Ukrainian "і" (and) is absent
        neighbour = not kk_words or "і" in words
    else:
        neighbour = core < 0.25 * kk
    if neighbour and kk_rate >= 0.03:
        return Detection("und", round(0.4 + 0.4 * length, 3))
    if not neighbour and (kk_rate >= 0.04 or (kk_rate >= 0.015 and kk_words > ru_words)):
        evidence = min(1.0, kk_rate / 0.08) * 0.8 + min(1.0, kk_words / n_words / 0.08) * 0.2
        return Detection("kk", round(0.5 + 0.49 * evidence * length, 3))
    # Plain Cyrillic without Kazakh or foreign letters is Russian on these sites; function words
    # only raise the confidence (legal prose can run a whole sentence without one).
    ru_rate = ru_words / n_words
    evidence = (0.5 + 0.5 * min(1.0, ru_rate / 0.12)) * (1.0 - min(1.0, kk_rate / 0.04))
    return Detection("ru", round(0.5 + 0.49 * evidence * length, 3))


def _latin(letters: int, counts: Counter, words: list[str]) -> Detection | None:
    """Kazakh (Latin), English, a Latin-script neighbour ("und"), or None when nothing fits."""
    n_words = max(1, len(words))
    length = min(1.0, letters / 80)
    kk_letters = sum(counts[ch] for ch in _KK_LAT)
    kk_words = sum(w in _KK_LAT_WORDS for w in words)
    en_rate = sum(w in _EN_WORDS for w in words) / n_words
    foreign = sum(counts[ch] for ch in _LAT_FOREIGN)
    kk_rate = kk_letters / letters
    if kk_rate >= 0.02 and any(counts[ch] for ch in _NOT_GERMAN) and foreign / letters < 0.01 and en_rate < 0.1:
        if kk_words or any(counts[ch] for ch in _NOT_TURKISH):  # else Turkish
            evidence = min(1.0, kk_rate / 0.06) * 0.7 + min(1.0, kk_words / n_words / 0.06) * 0.3
            return Detection("kk", round(0.5 + 0.49 * evidence * length, 3))
        return Detection("und", round(0.4 + 0.4 * length, 3))
    if en_rate >= 0.12 and kk_rate < 0.02:
        evidence = min(1.0, en_rate / 0.3)
        return Detection("en", round(0.5 + 0.49 * evidence * length, 3))
    return None  # French, German, transliteration, brand names...


def _detect(text: str) -> tuple[Detection, int]:
    """Detection of one text and the number of letters it was based on."""
    low = text.lower()
    cyr = len(low) - len(_CYR_RUN.sub("", low))
    lat = len(low) - len(_LAT_RUN.sub("", low))
    letters = cyr + lat
    if letters < MIN_LETTERS:
        return Detection("und", 0.1), letters
    counts = Counter(_SPECIAL.findall(low))
    words = _WORD.findall(low)
    latin_i = len(_LATIN_I_IN_CYR.findall(low)) if "i" in low else 0
    if cyr >= lat:  # the dominant script decides: Russian prose may carry "cookie" or "Google"
        return _cyrillic(cyr + latin_i, counts, words, latin_i), letters
    found = _latin(lat, counts, words)
    if found is None and cyr >= MIN_LETTERS // 2:  # Russian naming many products: "Google Analytics и ..."
        found = _cyrillic(cyr + latin_i, counts, words, latin_i)
    return found or Detection("und", round(0.3 + 0.4 * min(1.0, letters / 80), 3)), letters


def detect(text: str) -> Detection:
    """Language of one paragraph or a whole text."""
    return _detect(text)[0]


def detect_paragraphs(text: str) -> list[Detection]:
    """One detection per non-empty line."""
    return [detect(line) for line in text.splitlines() if line.strip()]


def document_language(text: str) -> tuple[Detection, dict[str, float]]:
    """The page's language and the share of letters per language over its paragraphs.

    Shares are weighted by letters, so headings, numbers and a few English words cannot flip a
    page; lines too short to judge are left out. "und" appears in the shares when long paragraphs
    are in some other language: a Kyrgyz page is not a Kazakh one.
    """
    weight: Counter = Counter()
    weighted_conf: Counter = Counter()
    for line in text.splitlines():
        found, letters = _detect(line)
        if letters >= MIN_LETTERS:
            weight[found.language] += letters
            weighted_conf[found.language] += letters * found.confidence
    total = sum(weight.values())
    if not total:  # only short lines (a list of labels, say): judge the text as a whole
        found = detect(" ".join(text.split()))
        return found, ({found.language: 1.0} if found.language != "und" else {})
    shares = {lang: round(w / total, 4) for lang, w in weight.most_common()}
    known = [lang for lang in weight if lang != "und"]
    if weight["und"] * 2 >= total or not known:
        return Detection("und", round(weight["und"] / total, 3)), shares
    best = max(known, key=lambda lang: (weight[lang], lang))
    confidence = weight[best] / total * weighted_conf[best] / weight[best]
    return Detection(best, round(confidence, 3)), shares
