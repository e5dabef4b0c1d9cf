"""How a language version was reached, in words: what a variant names, what selected it, one line per way in.

Shared by the coverage report, its proof of absence, the UI and ``show``. Plain functions over the
strings and dicts the archive keeps (``documents.variant``, ``snapshots.reached``).
"""

from __future__ import annotations

from archive.records import cookie_pairs

LANGUAGE_NAMES = {"kk": "Kazakh", "ru": "Russian", "en": "English"}


def language_name(lang: str) -> str:
    """"Kazakh" for kk; an unknown code as it is."""
    return LANGUAGE_NAMES.get(lang, lang)
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


def variant_label(variant: str) -> str:
    """A language state as people say it: "cookie lang=kk", "Accept-Language kk", "click 'Қаз'",
    "panel 'Қазақша'"; "" for the URL alone."""
    kind, _, value = (variant or "").partition(":")
    if not variant:
        return ""
    if kind == "accept-language":
        return f"Accept-Language {value}"
    if kind in ("click", "panel"):
        return f"{kind} '{value}'"
    return f"{kind} {value}" if value else kind


# How describe_reached says each part of ``reached``, in this order.
_REACHED_WORDS = (("language", "for {}"), ("switcher", "switcher '{}'"), ("cookies", "cookie {}"),
                  ("accept_language", "Accept-Language {}"), ("panel", "panel '{}'"), ("result", "→ {}"),
                  ("from", "from {}"))


def describe_reached(variant: str, reached: dict | None) -> str:
    """How a capture was reached, in one line: the way, the switcher's words, the cookies or
    Accept-Language that selected it, the page it started from."""
    reached = reached if isinstance(reached, dict) else {}
    how = reached.get("how")
    if not how:
        return variant_label(variant) or "not recorded (captured before the crawler kept it)"
    parts = [how.replace("_", "-")]
    for key, words in _REACHED_WORDS:
        if reached.get(key):
            parts.append(words.format(cookie_pairs(reached[key]) if key == "cookies" else reached[key]))
    return " ".join(parts)
