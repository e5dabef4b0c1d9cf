"""Deterministic Kazakh / Russian / English language detection from letters and function words.

Why not langdetect or a model: none of the common ones has Kazakh (langdetect calls it "uk"), and
the rating needs exactly one question answered well: is this paragraph Kazakh, Russian or English,
and how much of a page is which (docs/adr/0005-language-detection.md has the measurements).

Kazakh Cyrillic has nine letters Russian lacks, but each neighbour shares some of them, so the rule
is about *which* letters occur and *how widely*: a text is Kazakh only if, for every neighbour
(Kyrgyz, Tatar, Bashkir, Uzbek, Ukrainian, Belarusian, Mongolian, Tajik), letters that neighbour
lacks are spread over the text's words, not sitting in one proper name. Latin-script Kazakh (the
2021 alphabet, the 2018 acute one and the 2017 apostrophe one) is told from Turkish, Uzbek,
Turkmen and German the same way. Anything that looks like a neighbour is "und", never "kk"; so is
a paragraph too short to judge, and one that is half one language and half another.

One module of ~400 lines on purpose: the letter and word tables and the rules that read them are one
argument, checked together by tests/test_language_gate.py; split, each half would be unreadable alone.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

DETECTOR = "policy-archive-lang 2"  # recorded with every result; bump when the rules change

MIN_LETTERS = 20  # below this a line is a heading, a number or a button label: no verdict
_CLAUSE_LETTERS = 10  # a clause of a paragraph already seen to mix languages is judged from this
_MIXED = 0.6  # a paragraph whose main language holds less than this share of its letters is "und"


@dataclass(frozen=True)
class Detection:
    language: str  # "kk" | "ru" | "en" | "und"
    confidence: float  # 0..1


# --- Cyrillic
_KK = frozenset("әғқңөұүһі")  # the nine Kazakh letters
# The letters beyond Russian's of each Cyrillic neighbour; a Kazakh text must use, in enough of its
# words, Kazakh letters that the neighbour lacks (Kyrgyz ң ө ү alone is Kyrgyz, қ ғ alone Uzbek...).
_NEIGHBOUR_LETTERS = {
    "ky": "ңөү", "tt": "әөүңҗһ", "ba": "әғҙҡңөҫүһ", "uz": "ўқғҳ", "uk": "іїєґ", "be": "іў", "mn": "өү",
    "tg": "ғӣқӯҳҷ",
}
# What else a neighbour never writes: Uzbek, Tajik and Ukrainian have no ы, Belarusian no и; Bashkir
# and Tatar start no native word with ж (they write й, җ: йыл, җыю for Kazakh жыл, жинау), marked "^ж".
_NEIGHBOUR_LACKS = {"uz": {"ы"}, "tg": {"ы"}, "uk": {"ы", "э"}, "be": {"и"}, "ba": {"^ж"}, "tt": {"^ж"}}
_INITIAL_ZHE = frozenset({"^ж"})
# Weight of the words that must carry those letters (a common word weighs 2, a capitalised one 1):
# 2 where the neighbour's letters could all pass for Kazakh ones, so that one proper name such as
# "Қазақстан" is not enough; 1 where the neighbour would show its own letters (Bashkir ҙ ҫ ҡ,
# Belarusian ў) or lacks ы.
_NEED_TWO = frozenset({"ky", "tt", "mn", "uk"})
_KK_RE = re.compile("[әғқңөұүһі]")
_TELLING = frozenset("әғқңөұүһіыэи")
_KK_ONLY = tuple(
    ((_KK | _NEIGHBOUR_LACKS.get(name, set())) - frozenset(letters), 2 if name in _NEED_TWO else 1)
    for name, letters in _NEIGHBOUR_LETTERS.items()
)
# Letters of Cyrillic languages that Kazakh never uses: Ukrainian є ї ґ, Belarusian/Uzbek ў,
# Tatar/Uyghur җ, Bashkir ҙ ҫ ҡ, Tajik ӣ ӯ ҳ ҷ, Serbian/Macedonian ђ ј љ њ ћ џ ѓ ќ ѕ, Chuvash ӑ ӗ ӳ,
# Azerbaijani ҝ ҹ, Khakas and Altai ӧ ӱ ҥ.
_CYR_FOREIGN = frozenset("єїґўҗҙҫҡӣӯҳҷђјљњћџѓќѕӑӗӳҝҹӧӱҥ")
_CYR_FOREIGN_RE = re.compile("[" + "".join(sorted(_CYR_FOREIGN)) + "]")
# Spellings Russian does not have: long vowels (Kyrgyz маалымат, колдонуучу; Mongolian ээ өө үү;
# rare in Russian: вакуум), and, never in Russian, a word starting with ы (Kyrgyz ылайык), ъ before
# a consonant (Uzbek маълумот), an apostrophe inside a word (Ukrainian зв'язок, Belarusian аб'ём).
_LONG_VOWEL = re.compile(r"аа|уу|ыы|ээ|өө|үү")
_NEVER_RUSSIAN = re.compile(r"\bы|ъ[бвгджзйклмнпрстфхцчшщ]|[а-яёіў]['’][а-яёіў]")
# Kazakh fonts once lacked "і" and "ә": a Latin "i" or "ə" typed inside a Cyrillic word stands for them.
_LATIN_IN_CYR = re.compile(r"(?<=[\u0400-\u04ff])[iə]|[iə](?=[\u0400-\u04ff])")

# Function words: frequent, short, and (within each script) unambiguous.
_KK_WORDS = frozenset("""және мен үшін бойынша немесе туралы бұл осы болып табылады арқылы сәйкес тиіс
    бар жоқ емес деп ол біз сіз оның олар егер кезде кейін дейін қатысты жағдайда
    барлық әрбір өз""".split())
_RU_WORDS = frozenset("""и в во не на что с со по для или при от это является к из а как о об но
    же также быть если его её ее их который которые может должен без до за только либо у под через
    после между том этом этой этого все всех свои своих вы мы вас нас ваш ваши""".split())
# Russian inflections Kazakh does not have (-ого, -ых, -ость, -ение, -ться...): evidence for a
# clause without function words.
_RU_ENDING = re.compile(
    r"(?:ого|его|ому|ему|ых|их|ами|ями|ание|ания|ение|ения|ость|ости|ться|тся|ает|яет|ует|ают|яют|уют"
    r"|ый|ий|ое|ые|ие|чно|льно)\b"
)
_RU_LETTERS = re.compile("[ивьцчщфюёэъо]")
# Russian function words that are also Ukrainian or Belarusian ones: no evidence against those.
_RU_ONLY = _RU_WORDS - frozenset("в во на не а у до за без по для при через о".split())
# Kyrgyz, Tatar, Bashkir, Uzbek, Ukrainian, Belarusian, Mongolian words that are not Russian words
# or abbreviations (so not Tatar ул, без, Kyrgyz же) and not Kazakh ones (Kazakh writes біз, емес).
_NEIGHBOUR_WORDS = frozenset("""жана менен үчүн боюнча бул алар анын биз сиз эмес болуп болот
    керек тийиш аркылуу жөнүндө эгер бардык һәм белән өчен буенча яки бу аның сез түгел
    булып тиеш аша турында әлеге әгәр менән өсөн буйынса йәки был улар уның беҙ һеҙ тейеш
    тураһында ва учун билан бўйича ёки унинг эмас бўлиб орқали ҳақида ушбу ҳам агар барча эса
    мумкин та що це цей ця ці як який яка які якщо від або також щодо її є чи лише але ви ми
    вони він вона із зі усі всі буде бути має можна і ў што гэта гэтай гэтага гэты ці ад праз
    толькі таксама калі каб якія яго яе іх усе ён яна яны нь болон бөгөөд энэ энэхүү тэр бол
    юм байна буюу эсвэл хэрэв дээр тулд дагуу бид уу ба хүртэл үед""".split())

_FUNCTION_WORDS = _KK_WORDS | _RU_WORDS | _NEIGHBOUR_WORDS

# --- Latin
_KK_2021 = frozenset("äğıñöūüşç")  # the 2021 alphabet (ı is і there)
_KK_2018 = frozenset("áǵıńóúý")  # the 2018 alphabet with acute accents (ı is и/й there)
_KK_LAT = _KK_2021 | _KK_2018
# Latin-script neighbours and what each lacks of Kazakh's marks; "q" is a q not followed by u, and
# "'" a Kazakh apostrophe (2017 alphabet) other than Uzbek's o' g' and its tutuq a'.
_LAT_NEIGHBOURS = {
    "tr": "çğıöşü",  # Turkish: no q, ä, ñ, ū
    "de": "äöü",  # German
    "uz": "q",  # Uzbek (its o' g' and tutuq are not counted as Kazakh apostrophes)
    "tk": "äçöşüý",  # Turkmen: no q, ğ, ı, ñ
}
_KK_LAT_ONLY = tuple(frozenset(_KK_LAT | {"q", "'"}) - frozenset(letters) for letters in _LAT_NEIGHBOURS.values())
_LAT_FOREIGN = frozenset("əňžßéèêëàâôîïûùìíòõãåæøœłąęřčšěůőű")
_LAT_SPECIAL = re.compile("[" + "".join(sorted(_KK_LAT | _LAT_FOREIGN)) + "]")
# 2017 apostrophes: a' g' n' o' u' y' s' c' i' (ә ғ ң ө ү у ш ч и). English contractions are not.
_APOSTROPHE = re.compile(r"(?<=[agnouysci])'(?=[a-z])(?!(?:s|t|d|m|re|ve|ll)\b)|(?<=[yign])'(?![a-z])")
_UZ_APOSTROPHE = re.compile(r"(?<=[ogae])'")  # o' g', and the tutuq after a vowel (ma'lumot)
_LAT_WORD = re.compile(r"[a-z\u00c0-\u024f]+(?:'[a-z\u00c0-\u024f]*)*")
_KK_LAT_WORDS = frozenset("""jäne men üşın üşin boiynşa nemese turaly būl bul osy bolyp tabylady arqyly säikes
    tiıs emes barlyq bız sız onyñ olar eger kezde keiın deiın qatysty jağdaida ärbır jáne úshin
    boıynsha týraly sáıkes tıis onyń keıin deıin jaǵdaıda árbir óz ja'ne u's'in boi'yns'a ty'raly
    sa'i'kes tii's onyn' kei'in dei'in jag'dai'da a'rbir o'z zhane ushin""".split())
_EN_WORDS = frozenset("""the and of to in for or is be by with that this we you your our are any may on
    as an will not from it its which all such at if can do does how what when where who has have had
    been was were would should shall must their they them these those there here about us more other
    into only also than then so no up out my me he she his her please""".split())
# Function words of other Latin-script languages (none of them English or Kazakh words).
_OTHER_LAT_WORDS = frozenset("""ve için ile olarak veya bu olan gibi daha çok ama kadar sonra va uchun bilan
    yoki ham ushbu esa agar barcha bo'yicha haqida üçin bilen ýaly görä və üçün ilə olaraq ki und
    die der das zu mit von für ist nicht dem ein eine auf sich werden wir sie le la les des et pour sur
    avec dans est une du au aux nous vous votre notre qui que el los las para con por del il di che per""".split())
# English endings that other languages here rarely have: processing, questions, asked, policy...
_EN_MORPH = re.compile(r"[a-z]{2}(?:ing|ings|tion|tions|sion|ed|ness|ies|ity|cy)\b")

_CYR_RUN = re.compile(r"[\u0400-\u052f]+")
_LAT_RUN = re.compile(r"[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]+")
_WORD = re.compile(r"[^\W\d_]+")
_HAS_QUOTES = re.compile("[«„“\"]")
_QUOTED = re.compile(r"«[^»]*»|„[^“”]*[“”]|“[^”]*”|\"[^\"]*\"")  # names and titles
_CLAUSE = re.compile(r"(?<=[.!?;:])\s+|\s+[/|]\s+")


def _weighs(telling: Counter, only: frozenset, need: int) -> bool:
    """Whether the words carrying any of `only` weigh `need` or more."""
    found = 0
    for key, weight in telling.items():
        if not only.isdisjoint(key):
            found += weight
            if found >= need:
                return True
    return False


@lru_cache(maxsize=1 << 16)
def _word_letters(word: str) -> tuple[frozenset, bool]:
    """The telling letters a Cyrillic word carries (an initial ж as ``^ж``), and whether one is Kazakh's own
    (kept per word: a text's words repeat)."""
    letters_of = _TELLING.intersection(word) | _INITIAL_ZHE if word[0] == "ж" else _TELLING.intersection(word)
    return letters_of, not _KK.isdisjoint(letters_of)


def _cyrillic(text: str, low: str, letters: int, strict: bool = False) -> tuple[Detection, bool]:
    """Kazakh, Russian or "und", and whether the text may mix Kazakh and Russian clauses.

    strict (a clause of a paragraph): plain Cyrillic is Russian only with Russian evidence.
    """
    length = min(1.0, letters / 80)
    foreign = len(_CYR_FOREIGN_RE.findall(low))
    if foreign >= 3 or (foreign and foreign / letters >= 0.004):
        return Detection("und", round(0.5 + 0.4 * length, 3)), False  # Ukrainian, Belarusian, Tatar...
    # Each Cyrillic word weighs 2 as evidence, or 1 if capitalised (other than the first): it may be
    # a name, Қазақстан in a Kyrgyz text. Quoted words are titles and names (Russian «Обратная
    # связь» in Kazakh text, «Қазақтелеком» in Russian): they do not count towards the share.
    words: list[str] = []
    telling: Counter = Counter()  # weight per set of telling letters (_TELLING) a word carries
    marked = common = 0  # words with a Kazakh letter; the uncapitalised ones among them
    own_weight = own_marked = 0
    if not _KK_RE.search(low):  # plain Cyrillic (most Russian): no need to weigh words
        words = [w for w in _WORD.findall(low) if w[0] >= "\u0400"]
    quoted = set(_WORD.findall(" ".join(_QUOTED.findall(low)))) if _HAS_QUOTES.search(low) else ()
    cased = len(text) == len(low) and text != text.upper()  # in capitals, case says nothing
    for i, match in enumerate(() if words else _WORD.finditer(low)):
        word = match.group()
        if word[0] < "\u0400":
            continue
        words.append(word)
        weight = 1 if cased and i and text[match.start()].isupper() else 2
        letters_of, is_marked = _word_letters(word)
        if letters_of:
            telling[letters_of] += weight
        if word not in quoted:
            own_weight += weight
            if is_marked:
                own_marked += weight
                common += weight == 2
        marked += is_marked
    n_words = max(1, len(words))
    function = [w for w in words if w in _FUNCTION_WORDS]
    kk_words = sum(w in _KK_WORDS for w in function)
    ru_words = sum(w in _RU_WORDS for w in function)
    nb_words = sum(w in _NEIGHBOUR_WORDS for w in function)
    kazakh = False
    if marked:
        kazakh = all(_weighs(telling, only, need) for only, need in _KK_ONLY)
        if not kazakh and _KK.intersection(low) == {"і"}:
            # only "і": Ukrainian or Belarusian, unless Kazakh function words say otherwise
            kazakh = kk_words > nb_words and "і" not in words
        # The share of words with Kazakh letters tells Kazakh prose from Russian naming Kazakh
        # places, people and companies; and Kazakh prose has uncapitalised words with Kazakh letters.
        share = own_marked / own_weight if own_weight else 0.0
        if kazakh and common and (share >= 0.2 or (share >= 0.1 and kk_words > ru_words)):
            evidence = min(1.0, share / 0.4) * 0.8 + min(1.0, kk_words / n_words / 0.08) * 0.2
            # a Kazakh paragraph with a Russian clause has Russian's letters: judge its clauses
            mixed = len(_RU_LETTERS.findall(low)) / letters >= 0.08
            return Detection("kk", round(0.5 + 0.49 * evidence * length, 3)), mixed
    # Plain Cyrillic is Russian on these sites, unless a neighbour's words or spellings outweigh
    # Russian function words (legal Russian can run a sentence without one, so they only count
    # against other evidence). Kazakh letters that do not add up to Kazakh count for a neighbour,
    # except in names: capitalised or quoted words (Russian text names Kazakh places and companies).
    neighbour = nb_words + len(_LONG_VOWEL.findall(low)) + 2 * len(_NEVER_RUSSIAN.findall(low))
    if marked and not kazakh:
        neighbour += kk_words + common
    if (neighbour >= 2 and neighbour > sum(w in _RU_ONLY for w in function)) or (neighbour and not ru_words):
        return Detection("und", round(0.4 + 0.4 * length, 3)), False
    # Russian writes и в ь ц ч щ ф ю ё э ъ о often (a quarter of its letters here), Kazakh words
    # rarely (loanwords; under a tenth): plain Cyrillic that lacks them is no Russian.
    russian_letters = len(_RU_LETTERS.findall(low)) / letters
    if kk_words >= 2 and kk_words > ru_words and russian_letters < 0.15:
        # Kazakh written without its own letters ("Жалпы ережелер. Осы шарт ... болып табылады.")
        return Detection("kk", round(0.5 + 0.2 * length, 3)), False
    russian = ru_words + len(_RU_ENDING.findall(low))
    if russian_letters < (0.12 if strict and not russian else 0.06):
        return Detection("und", 0.3), False
    evidence = (0.5 + 0.5 * min(1.0, max(russian / n_words / 0.2, russian_letters / 0.25)))
    evidence *= 1.0 - min(1.0, marked / n_words / 0.4)
    return Detection("ru", round(0.5 + 0.49 * evidence * length, 3)), bool(marked) and ru_words > 0


def _latin(low: str, letters: int) -> Detection | None:
    """Kazakh (Latin), English, a Latin-script neighbour ("und"), or None when nothing fits."""
    if "’" in low or "ʼ" in low:
        low = low.replace("’", "'").replace("ʼ", "'")
    length = min(1.0, letters / 80)
    words = _LAT_WORD.findall(low)
    n_words = max(1, len(words))
    special = _LAT_SPECIAL.findall(low)
    foreign = sum(ch in _LAT_FOREIGN for ch in special)
    other_words = sum(w in _OTHER_LAT_WORDS for w in words)
    en_words = sum(w in _EN_WORDS for w in words)
    kk_words = sum(w in _KK_LAT_WORDS for w in words)
    if special or "q" in low or "'" in low:
        # Mark each word with the Kazakh signs it carries: letters, a q that is not "qu", apostrophes.
        signs = []
        for word in words:
            marks = set(_KK_LAT.intersection(word))
            if "q" in word and re.search("q(?!u)", word):
                marks.add("q")
            if "'" in word and len(_APOSTROPHE.findall(word)) > len(_UZ_APOSTROPHE.findall(word)):
                marks.add("'")
            if marks:
                signs.append(marks)
        total = sum(map(len, signs))
        apart = all(any(not only.isdisjoint(m) for m in signs) for only in _KK_LAT_ONLY)  # from every neighbour
        if (total >= 2 and total / n_words >= 0.15 and apart and not foreign and en_words / n_words < 0.1
                and other_words <= kk_words):
            evidence = min(1.0, len(signs) / n_words / 0.4) * 0.7 + min(1.0, kk_words / n_words / 0.06) * 0.3
            return Detection("kk", round(0.5 + 0.49 * evidence * length, 3))
        if len(signs) >= 2 and len(signs) / n_words >= 0.15 and en_words < 2:
            return Detection("und", round(0.4 + 0.4 * length, 3))  # Turkish, Uzbek, Azerbaijani, Turkmen...
    en_rate = en_words / n_words
    if (en_words >= 2 and en_rate >= 0.1 or en_rate >= 0.2) and en_words > other_words:
        return Detection("en", round(0.5 + 0.49 * min(1.0, en_rate / 0.3) * length, 3))
    if not special and not other_words and "'" not in low and not re.search("q(?!u)", low):
        # a heading or a menu without function words: English by its endings
        score = (en_words + 0.5 * len(_EN_MORPH.findall(low))) / n_words
        if score >= 0.2:
            return Detection("en", round(0.5 + 0.49 * min(1.0, score / 0.3) * length * 0.8, 3))
    return None  # French, German, transliteration, brand names...


def _judge(text: str, min_letters: int = MIN_LETTERS, strict: bool = False) -> tuple[Detection, int, bool]:
    """Detection of one text, the number of letters it was based on, and whether it may mix languages."""
    low = text.lower()
    cyr = len(low) - len(_CYR_RUN.sub("", low))
    lat = len(low) - len(_LAT_RUN.sub("", low))
    letters = cyr + lat
    if letters < min_letters:
        return Detection("und", 0.1), letters, False
    if cyr and ("i" in low or "ə" in low):
        typed = _LATIN_IN_CYR.findall(low)
        if typed:
            low = _LATIN_IN_CYR.sub(lambda m: "і" if m.group() == "i" else "ә", low)
            cyr, lat = cyr + len(typed), lat - len(typed)
    both = min(cyr, lat) >= _CLAUSE_LETTERS
    if cyr >= lat:  # the dominant script decides: Russian prose may carry "cookie" or "Google"
        found, mixed = _cyrillic(text, low, cyr, strict)
        return found, letters, mixed or both
    found = _latin(low, lat)
    if found is None and cyr >= min_letters // 2:  # Russian naming many products: "Google Analytics и ..."
        found, _ = _cyrillic(text, low, cyr)
    return found or Detection("und", round(0.3 + 0.4 * min(1.0, letters / 80), 3)), letters, both


def _analyse(text: str) -> tuple[Detection, int, Counter]:
    """Detection of one paragraph, its letters, and its letters per language.

    A paragraph that may mix languages is judged clause by clause: one whose main language holds
    less than _MIXED of the letters is "und" (a bilingual line); the letters still count for each
    language on the page.
    """
    found, letters, mixable = _judge(text)
    if letters < MIN_LETTERS:
        return found, letters, Counter()
    if mixable:
        clauses = _CLAUSE.split(text)
        if len(clauses) > 1:
            per_language: Counter = Counter()
            spare = 0
            for clause in clauses:
                part, n, _ = _judge(clause, _CLAUSE_LETTERS, strict=True)
                if part.language == "und":  # too short, or odd for its size: it goes with the rest
                    spare += n
                else:
                    per_language[part.language] += n
            if len(per_language) > 1:
                main, main_letters = max(per_language.items(), key=lambda item: (item[1], item[0]))
                per_language[main] += spare
                share = main_letters / sum(per_language.values())
                if share < _MIXED:
                    return Detection("und", round(0.3 + 0.4 * (1 - share), 3)), letters, per_language
                confidence = found.confidence if found.language == main else 0.5
                return Detection(main, round(confidence * share, 3)), letters, per_language
    return found, letters, Counter({found.language: letters})


def detect(text: str) -> Detection:
    """Language of one paragraph or a whole text."""
    return _analyse(text)[0]


def detect_paragraphs(text: str) -> list[Detection]:
    """One detection per non-empty line."""
    return [detect(line) for line in text.splitlines() if line.strip()]


def _document(text: str) -> tuple[Detection, dict[str, float], list[tuple[str, Detection]]]:
    """The page's detection, its shares, and each non-empty line with its own detection."""
    weight: Counter = Counter()
    weighted_conf: Counter = Counter()
    lines = []
    for line in text.splitlines():
        found, letters, per_language = _analyse(line)
        if line.strip():
            lines.append((line, found))
        for language, n in per_language.items():
            weight[language] += n
            weighted_conf[language] += n * (found.confidence if language == found.language else 0.5)
    total = sum(weight.values())
    if not total:  # only short lines (a list of labels, say): judge the text as a whole
        found = detect(" ".join(text.split()))
        return found, ({found.language: 1.0} if found.language != "und" else {}), lines
    shares = {lang: round(w / total, 4) for lang, w in sorted(weight.items(), key=lambda item: (-item[1], item[0]))}
    known = [lang for lang in weight if lang != "und"]
    if weight["und"] * 2 >= total or not known:
        return Detection("und", round(weight["und"] / total, 3)), shares, lines
    best = max(known, key=lambda lang: (weight[lang], lang))
    confidence = weight[best] / total * weighted_conf[best] / weight[best]
    return Detection(best, round(confidence, 3)), shares, lines


def document_language(text: str) -> tuple[Detection, dict[str, float]]:
    """The page's language and the share of letters per language over its paragraphs.

    Shares are weighted by letters, so headings, numbers and a few English words cannot flip a
    page; lines too short to judge are left out, and a bilingual line counts for both languages.
    "und" appears in the shares when long paragraphs are in some other language: a Kyrgyz page is
    not a Kazakh one.
    """
    page, shares, _ = _document(text)
    return page, shares


def summary(text: str) -> dict:
    """What `policy-archive detect-language` prints: the page, each paragraph (its first 80
    characters), the shares, and the detector's name and version."""
    page, shares, lines = _document(text)
    return {
        "language": page.language,
        "confidence": page.confidence,
        "paragraphs": [{"language": found.language, "confidence": found.confidence, "text": line.strip()[:80]}
                       for line, found in lines],
        "shares": shares,
        "detector": DETECTOR,
    }


def detect_record(line: str) -> dict:
    """One line of `detect-language --jsonl`: {"id", "text"} in, {"id", "language", "confidence"}
    (the text's page-level language) out, or {"id", "error"} for a line that is not such a record."""
    try:
        record = json.loads(line)
    except ValueError as exc:
        return {"id": None, "error": f"not JSON: {exc}"}
    if not isinstance(record, dict):
        return {"id": None, "error": 'expected an object such as {"id": 1, "text": "..."}'}
    if not isinstance(record.get("text"), str):
        return {"id": record.get("id"), "error": '"text" is missing or not a string'}
    page, _, _ = _document(record["text"])
    return {"id": record.get("id"), "language": page.language, "confidence": page.confidence}
