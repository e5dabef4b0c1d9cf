"""How a language version was reached, in words: what a variant names, what selected it, one line per way in.

Shared by the coverage report, its proof of absence, the UI and ``show``. Plain functions over the
strings and dicts the archive keeps (``documents.variant``, ``snapshots.reached``).
"""

from __future__ import annotations

from archive.records import cookie_pairs
from i18n import N_, _, language

LANGUAGE_NAMES = {"kk": N_("Kazakh"), "ru": N_("Russian"), "en": N_("English")}  # the msgids: English
# A language inside a Russian or Kazakh sentence, in a form no grammatical case bends: "версия на казахском",
# "нет версии на казахском"; "қазақ тіліндегі нұсқа", "қазақ тіліндегі нұсқасында" (docs/adr/0015).
IN_SENTENCE = {"kk": N_("in Kazakh"), "ru": N_("in Russian"), "en": N_("in English")}


def language_name(lang: str) -> str:
    """"Kazakh" for kk (in the language of the moment: "казахский", "қазақ"); an unknown code as it is."""
    return _(LANGUAGE_NAMES[lang]) if lang in LANGUAGE_NAMES else lang


def in_sentence(lang: str) -> str:
    """A language as a sentence names it: "Kazakh" in English ("the Kazakh version"); in Russian and Kazakh the
    invariant phrase the catalog gives ("на казахском", "қазақ тіліндегі"), which the translated sentences
    put where an adjective would need a case ending. An unknown code as it is."""
    if language() == "en" or lang not in IN_SENTENCE:
        return language_name(lang)
    return _(IN_SENTENCE[lang])


def code_in_sentence(lang: str) -> str:
    """A language where the English sentence says its code ("the kk URL", "no kk switcher"): the code in
    English, as it always was, the words of ``in_sentence`` in Russian and Kazakh."""
    return lang if language() == "en" else in_sentence(lang)


def language_names() -> dict[str, str]:
    """Every language we name, in the language of the moment."""
    return {code: language_name(code) for code in LANGUAGE_NAMES}
# Cookie values sites use for a language beside the ISO code ("lang=kz").
_COOKIE_LANGUAGES = {"kk": "kk", "kz": "kk", "kaz": "kk", "qaz": "kk", "ru": "ru", "rus": "ru", "en": "en",
                     "eng": "en"}


def variant_language(variant: str) -> str | None:
    """The language a variant names: ``accept-language:kk`` → kk, ``cookie:lang=kz`` → kk (a cookie whose
    value is a language code); None for a click or a panel, whose words say it (``reached["language"]``)."""
    kind, _, value = (variant or "").partition(":")
    if kind == "accept-language":
        return value.split(",")[0].split(";")[0].split("-")[0].strip().lower() or None
    if kind == "cookie":
        for pair in value.split(";"):
            if found := _COOKIE_LANGUAGES.get(pair.partition("=")[2].strip().lower()):
                return found
    return None


def claimed_language(variant: str, reached: dict, hint: str | None, url_language: str | None) -> str | None:
    """The language the way in claimed. A language state shares its URL with the plain page, so its
    own claim (the switcher's, the probe's) comes before the URL's."""
    if variant:
        return reached.get("language") or variant_language(variant)
    return url_language or reached.get("language") or hint


def selected_by(reached: dict | None) -> dict:
    """What selected a language version beside its URL: the switcher's words, the cookies, the
    Accept-Language asked for, the panel's key (only those that apply)."""
    reached = reached if isinstance(reached, dict) else {}
    return {key: reached[key] for key in ("switcher", "cookies", "accept_language", "panel") if reached.get(key)}


# The ways in (``reached["how"]``, archive.records.HOW) and the language states' kinds, as people say them.
HOW_WORDS = {"link": N_("link"), "hreflang": N_("hreflang"), "url_marker": N_("URL marker"), "cookie": N_("cookie"),
             "accept_language": N_("Accept-Language"), "click": N_("click"), "panel": N_("panel"),
             "seed": N_("seed"), "homepage": N_("homepage"),
             # the proof of absence's other entries: what the row's pages offered, how much was crawled
             "page": N_("page"), "crawl": N_("crawl")}
# What a clicked switcher did (crawler.acting's results, kept in ``reached["result"]``).
CLICK_RESULTS = {"link": N_("went to a link"), "cookie": N_("set a cookie"),
                 "in place": N_("changed the page in place"), "nothing changed": N_("nothing changed"),
                 "failed": N_("failed")}


def how_words(how: str) -> str:
    """A way in as a word: "url-marker" in English (as it always said it), the catalog's words otherwise."""
    if language() == "en" or how not in HOW_WORDS:
        return how.replace("_", "-")
    return _(HOW_WORDS[how])


def click_result(result) -> str:
    """What a clicked switcher did, in words; English and anything unknown as recorded."""
    result = str(result)
    if language() == "en" or result not in CLICK_RESULTS:
        return result
    return _(CLICK_RESULTS[result])


def variant_label(variant: str) -> str:
    """A language state as people say it: "cookie lang=kk", "Accept-Language kk", "click 'Қаз'",
    "panel 'Қазақша'" (in Russian "cookie lang=kk", "Accept-Language kk", "щелчок «Қаз»", "панель «Қазақша»");
    "" for the URL alone. The values (cookies, a switcher's words) are the site's: never translated."""
    kind, _sep, value = (variant or "").partition(":")
    if not variant:
        return ""
    if kind == "accept-language":
        return _("Accept-Language {value}").format(value=value)
    if kind == "click":
        return _("click '{value}'").format(value=value)
    if kind == "panel":
        return _("panel '{value}'").format(value=value)
    if kind == "cookie":
        return _("cookie {value}").format(value=value) if value else how_words("cookie")
    return f"{kind} {value}" if value else kind


# How describe_reached says each part of ``reached``, in this order (the language by its name, below).
_REACHED_WORDS = (("switcher", N_("switcher '{value}'")), ("cookies", N_("cookie {value}")),
                  ("accept_language", N_("Accept-Language {value}")), ("panel", N_("panel '{value}'")),
                  ("result", N_("→ {value}")), ("from", N_("from {value}")))


def describe_reached(variant: str, reached: dict | None) -> str:
    """How a capture was reached, in one line: the way, the switcher's words, the cookies or
    Accept-Language that selected it, the page it started from. The way and the words around the values
    are said in the language of the moment; the values (a switcher's text, cookies, URLs) are the site's."""
    reached = reached if isinstance(reached, dict) else {}
    how = reached.get("how")
    if not how:
        return variant_label(variant) or _("not recorded (captured before the crawler kept it)")
    parts = [how_words(str(how))]
    if reached.get("language"):
        lang = str(reached["language"])
        parts.append(_("for {language}").format(language=code_in_sentence(lang)))
    for key, words in _REACHED_WORDS:
        if reached.get(key):
            value = cookie_pairs(reached[key]) if key == "cookies" and isinstance(reached[key], dict) else reached[key]
            parts.append(_(words).format(value=click_result(value) if key == "result" else value))
    return " ".join(parts)
