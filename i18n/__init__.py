"""The languages people read the archive in: ru, kk and en (issue 16), as gettext catalogs and CLDR formats.

Why a room of its own, at the bottom beside ``config``: the UI (``web``) and the reports (``reports``) say
the same words (an F1a verdict, a failure reason, "incomplete") and must say them the same way in each
language, and neither may import the other (docs/adr/0011). ``i18n`` imports nothing of ours.

- The words live in gettext catalogs beside this file (docs/adr/0015): ``locale/messages.pot``, extracted from
  the code and the templates (``pybabel extract``, configured in pyproject.toml ``[tool.babel]``), and
  ``locale/{ru,kk}/LC_MESSAGES/messages.po``. The .po files are compiled in memory when first used
  (babel's read_po/write_mo), so no binary .mo can go stale in git. English is the msgid itself.
- The language of the moment is a context variable: ``using("ru")`` around the work (a UI request, a
  report), ``_``/``ngettext`` anywhere below it. Outside any ``using`` it is English, which is what the
  builders of report data and every JSON/CSV output want.
- Dates and numbers: ``when``, ``number``, ``percent`` in the chosen language's CLDR formats (Babel). English
  keeps the plain forms the reports always had ("2026-11-23 08:50", "12345", "58%"): spreadsheets and
  scripts downstream of the English rating read those.
- Archived texts, titles and URLs are never passed through here: they are the evidence.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache, wraps
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import parse_locale
from babel.dates import format_datetime, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LANGUAGES = ("ru", "kk", "en")  # the switcher's order
DEFAULT = "en"  # when neither the cookie nor the browser names one of LANGUAGES
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}  # each language in its own words (the switcher)

_current: ContextVar[str] = ContextVar("policy_archive_language", default=DEFAULT)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalog of ``lang`` compiled in memory (fuzzy entries left out, as msgfmt does); English: the
    msgids themselves. ValueError for a language we do not carry."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    if lang == "en":
        return _gettext.NullTranslations()
    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def chosen(value: str | None) -> str | None:
    """``value`` when it is exactly one of LANGUAGES (a cookie, a ?lang=, a --lang), else None."""
    value = (value or "").strip().lower()
    return value if value in LANGUAGES else None


def negotiate(accept_language: str | None) -> str:
    """The best of LANGUAGES for an Accept-Language header ("kk-KZ,kk;q=0.9,ru;q=0.8"), DEFAULT when it
    names none of them (or cannot be read). q=0 means "not this one"."""
    wanted = []
    for position, part in enumerate((accept_language or "")[:1000].split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        try:
            lang = parse_locale(tag.strip().replace("_", "-"), sep="-")[0].lower() if tag.strip() else ""
        except ValueError:
            continue
        if lang in LANGUAGES and q > 0:
            wanted.append((-q, position, lang))
    return min(wanted)[2] if wanted else DEFAULT


def language() -> str:
    """The language of the moment (DEFAULT outside any ``using``)."""
    return _current.get()


@contextmanager
def using(lang: str) -> Iterator[str]:
    """Say everything below in ``lang`` (one of LANGUAGES; ValueError otherwise)."""
    translations(lang)  # refuses an unknown language before anything is said in it
    token = _current.set(lang)
    try:
        yield lang
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """``message`` in the language of the moment."""
    return translations(_current.get()).gettext(message)


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the language of the moment (Russian has three)."""
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a word for extraction where it is defined (a table of labels); ``_`` says it where it is used."""
    return message


def locale(lang: str | None = None) -> Locale:
    try:
        return Locale.parse(lang or _current.get())
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT)


def when(moment: datetime | None, empty: str = "–") -> str:
    """A moment (naive UTC, or aware) as a date and a time to the minute: "2026-11-23 08:50" in English,
    "23 нояб. 2026 г., 08:50" in Russian, "2026 ж. 23 қар., 08:50" in Kazakh. No zone is converted."""
    if moment is None:
        return empty
    lang = _current.get()
    if lang == "en":
        return moment.strftime("%Y-%m-%d %H:%M")
    loc = locale(lang)
    day = format_skeleton("yMMMd", moment, locale=loc)
    return loc.datetime_formats["medium"].format(format_time(moment, "short", locale=loc), day)


def number(value) -> str:
    """An integer or decimal as the language writes it: "12345" in English, "12 345" in Russian and Kazakh."""
    if value is None:
        return "–"
    if _current.get() == "en":
        return str(value)
    return format_decimal(value, locale=locale())


def percent(share: float | None) -> str:
    """A share (0.58) as a whole percentage, in the locale's pattern: "58%" in English and Kazakh, "58 %" in Russian."""
    if share is None:
        return "–"
    if _current.get() == "en":
        return f"{share:.0%}"
    return format_percent(share, locale=locale())


def format_moment(moment: datetime, lang: str | None = None) -> str:
    """An aware moment to the second, in the language's medium date-time format, in the moment's own zone
    (the caller converts: UTC, Astana time)."""
    return format_datetime(moment, "medium", tzinfo=moment.tzinfo, locale=locale(lang))


def in_english(function):
    """``function`` run in English whatever the caller speaks: the builders of report data, whose dicts
    (and JSON) keep English words; the renderers say them again in the report's language."""
    @wraps(function)
    def english(*args, **kwargs):
        with using("en"):
            return function(*args, **kwargs)
    return english
