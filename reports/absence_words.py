"""The proof of absence in words (``reports.absence``), said again in the language of a page or a report.

Why phrases and not only a sentence: the builders of report data speak English (``i18n.in_english``), and
their JSON and CSV stay English for the scripts that read them, but the md/html/xlsx reports and the UI
say "what was tried" in Russian and Kazakh too. So a trail keeps, beside its English ``summary``, the same
sentence as ``phrases``: each a code from ``PHRASES`` and its values (``["cookie", {"cookies": "lang=kk"}]``),
a value being a string, a number, or a phrase in its turn. ``summary`` says them again in the language of
the moment, the way ``reports.render_translations.reason_texts`` says the F1a.2 reasons again.

The values are the site's (a switcher's words, cookies, URLs) or the archive's codes (a failure code, a
language code): the former are never translated, the latter are said in words. A trail without phrases
(data from before issue 16, hand-made data) or with a phrase this module does not know keeps its English
sentence: nothing here can fail a report or a page.
"""

from __future__ import annotations

from i18n import N_, _, language, number
from reports.ways import click_result, code_in_sentence, in_sentence, language_name
from reports.words import failure_label, outcome_label

# code → (the English words: the msgid; how each value is said: "code" a language code (English keeps the
# code, Russian and Kazakh name it), "name" a language by its name, "failure" a failure code, "result" what a
# clicked switcher did, "kind" a switcher's kind, "number"; a value not listed is said as it is).
PHRASES: dict[str, tuple[str | None, dict[str, str]]] = {
    "try": (N_("{what} → {result}"), {}),
    "cookie_switcher": (N_("switcher '{switcher}' followed (cookie {cookies})"), {}),
    "cookie": (N_("cookie {cookies}"), {}),
    "accept_language": (N_("Accept-Language {value}"), {}),
    "switcher_clicked": (N_("switcher '{switcher}' clicked"), {}),
    "script_switcher_clicked": (N_("a script switcher clicked"), {}),
    "panel": (N_("panel '{panel}'"), {}),
    "hreflang": (N_("hreflang {language} {url}"), {}),  # an hreflang value is a code in every language
    "url_marker": (N_("{language} URL {url}"), {"language": "code"}),
    "link_switcher": (N_("link '{switcher}' to {url}"), {}),
    "link": (N_("link to {url}"), {}),
    "click_result": (None, {"result": "result"}),  # None: the value alone
    "http": (N_("HTTP {status}"), {}),
    "failure": (None, {"failure": "failure"}),
    "same_bytes": (N_("same bytes as the plain page"), {}),
    "same_bytes_text": (N_("same bytes as the plain page ({text})"), {}),
    "no_document": (N_("no document there"), {}),
    "no_text": (N_("no text extracted"), {}),
    "no_language": (N_("text in no language we detect"), {}),
    "text": (N_("{language} text"), {"language": "name"}),
    "no_hreflang": (N_("no hreflang"), {}),
    "no_hreflang_for": (N_("no hreflang {language} (only {languages})"), {}),
    "hreflang_offered": (N_("hreflang {language} offered"), {}),
    "no_switcher": (N_("no language switcher"), {}),
    "no_switcher_for": (N_("no {language} switcher (only {switchers})"), {"language": "code"}),
    "offered_switcher": (N_("switcher '{text}' ({kind})"), {"kind": "kind"}),
    "no_negotiation": (N_("no Accept-Language negotiation"), {}),
    "not_crawled": (N_("not crawled in this period"), {}),
    "visited": (N_("{pages} pages visited, {rendered} rendered"), {"pages": "number", "rendered": "number"}),
}
# The kinds of switcher a page offered (spiders: a plain link, a script-only control, a menu toggle).
SWITCHER_KINDS = {"link": N_("link"), "script": N_("script"), "menu": N_("menu")}


def phrase(code: str, **values) -> list:
    """A phrase as the data keeps it: ``[code, {name: value}]``."""
    assert code in PHRASES, code  # a builder's own mistake, never the web's
    return [code, values]


def _value(kind: str | None, value):
    if isinstance(value, list):
        return say(value)
    if kind == "code":
        return code_in_sentence(str(value))
    if kind == "name":
        return language_name(str(value)) if language() == "en" else in_sentence(str(value))
    if kind == "failure":
        if language() == "en":
            return str(value).replace("_", " ")
        return outcome_label("failed") if value == "failed" else failure_label(str(value))
    if kind == "result":
        return click_result(value)
    if kind == "kind":
        return str(value) if language() == "en" or value not in SWITCHER_KINDS else _(SWITCHER_KINDS[value])
    if kind == "number":
        return number(value) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
    return value


def say(piece) -> str:
    """A phrase (or a plain string: a URL) in the language of the moment. ValueError for anything else."""
    if isinstance(piece, str):
        return piece
    if not (isinstance(piece, list) and len(piece) == 2 and piece[0] in PHRASES and isinstance(piece[1], dict)):
        raise ValueError(f"not a phrase: {piece!r}")
    words, kinds = PHRASES[piece[0]]
    values = {name: _value(kinds.get(name), value) for name, value in piece[1].items()}
    if words is None:
        if len(values) != 1:
            raise ValueError(f"not a phrase: {piece!r}")
        return str(next(iter(values.values())))
    try:
        return _(words).format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"cannot say {piece!r}: {exc}") from None


def summary(trail: dict | None, lang: str | None = None) -> str:
    """A trail's sentence in the language of the moment: "kk: switcher 'Қаз' followed (cookie lang=kk) → …"
    ("kk: переключатель «Қаз» …"). The stored English ``summary`` when the trail has no phrases to say
    again (older or hand-made data) or says something this module cannot. ``lang``: the language the trail
    is for, when the stored summary does not begin with it."""
    trail = trail if isinstance(trail, dict) else {}
    english = str(trail.get("summary") or "")
    phrases = trail.get("phrases")
    if language() == "en" or not isinstance(phrases, list) or not phrases:
        return english
    code = lang or english.partition(": ")[0]
    try:
        return f"{code}: " + "; ".join(say(p) for p in phrases)
    except ValueError:
        return english


def entries(trail: dict | None) -> list[tuple[dict, str]]:
    """Each entry of a trail's ``tried`` with what it brought back in the language of the moment. The
    phrases follow ``tried`` (``reports.absence``): one "try" per try, then what the pages offered, then
    the crawl's counts last; when they do not line up (older or hand-made data), the English ``result``."""
    trail = trail if isinstance(trail, dict) else {}
    tried = [t for t in trail.get("tried") or [] if isinstance(t, dict)]
    english = [(t, str(t.get("result") or "")) for t in tried]
    phrases = trail.get("phrases")
    if language() == "en" or not isinstance(phrases, list) or not phrases:
        return english
    tries = [p for p in phrases if isinstance(p, list) and p and p[0] == "try"]
    if [t.get("how") not in ("page", "crawl") for t in tried] != [True] * len(tries) + [
            False] * (len(tried) - len(tries)) or phrases[:len(tries)] != tries:
        return english
    try:
        out = []
        for i, t in enumerate(tried):
            if i < len(tries):
                said = say(tries[i][1]["result"])
            elif t.get("how") == "crawl":
                said = say(phrases[-1])
            else:
                said = "; ".join(say(p) for p in phrases[len(tries):-1])
            out.append((t, said))
        return out
    except (ValueError, KeyError, TypeError):
        return english


def tried(trail: dict | None, lang: str) -> str:
    """The sentence without its leading "kk: " (a note that names the language itself)."""
    return summary(trail, lang).removeprefix(f"{lang}: ")
