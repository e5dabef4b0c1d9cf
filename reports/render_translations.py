"""Translations "in full" (issue 14) as the reports show them: the F1a.2 reasons, each language pair, the lag.

The words are ``reports.translations``' own (``pair_words`` and each reason's ``text``), so the coverage
report's md, html, csv and xlsx and the UI say the same sentences; this module only lays them out per
format. The change report's lag sentence is here too: it is said from the version that has (not yet)
followed, on both documents of the pair. Clause texts come from the web and are shown as text: escaped
in md (``md_escape``) and html (autoescaped templates), plain strings in xlsx.

Data from before issue 14 (or hand-made) has no ``f1a_reasons`` / ``translations`` / ``translation_lag``:
every function reads them with ``.get`` and then shows nothing.
"""

from __future__ import annotations

from i18n import _, language, using
from reports.translations import lag_words, pair_words, sayings
from reports.ways import language_name as _name
from reports.words import column_labels

LANGUAGE_ORDER = ("kk", "ru", "en")
# The xlsx sheet "Translations": one row per pair; each language's lacking clauses in columns of its own.
TRANSLATION_COLUMNS = ("sector", "company_id", "company", "type", "f1a", "languages", "comparable", "reason",
                       *(f"{lang}_{what}" for lang in LANGUAGE_ORDER for what in ("lacks", "lacks_share")),
                       "numbers_differ", "editions", "lag_open_days", "in_words")
_WIDTHS = {"sector": 14, "company_id": 16, "company": 26, "type": 16, "f1a": 8, "languages": 10,
           "comparable": 11, "reason": 26, "numbers_differ": 30, "editions": 36, "lag_open_days": 13,
           "in_words": 90}



def reason_texts(doc: dict) -> list[str]:
    """Why the row has its F1a.2 verdict, one sentence each (empty for a full "yes"), in the language of the
    moment. The data keeps them in English; in Russian and Kazakh each is said again from the row (the
    same ``sayings`` the verdict chose from, matched by their English words). A reason the row cannot
    say again (hand-made data) stays as it was written."""
    reasons = doc.get("f1a_reasons") or []
    if language() == "en" or not reasons:
        return [reason["text"] for reason in reasons]
    try:
        candidates = sayings(doc)
    except (KeyError, TypeError, ValueError):
        return [reason["text"] for reason in reasons]
    with using("en"):
        english = [say() for _lang, _code, say, _size in candidates]
    said = dict(zip(english, (say() for _lang, _code, say, _size in candidates), strict=True))
    return [said.get(reason["text"], reason["text"]) for reason in reasons]


def pair_sentences(doc: dict) -> list[str]:
    """Every pair of the row in sentences, pair after pair (what the csv column joins)."""
    return [sentence for pair in doc.get("translations") or [] for sentence in pair_words(pair)]


def clauses_differing(pair: dict) -> list[tuple[str, str, str]]:
    """(language name, clause number, clause text) of each side of each clause whose numbers differ:
    the evidence behind "numbers differ in 5.2", for the reader to compare."""
    a, b = pair["languages"]
    return [(_name(lang), n["refs"][lang] or "", n["text"][lang] or "") for n in pair["numbers"] for lang in (a, b)]


def html_pairs(doc: dict) -> list[dict]:
    """The pairs of a row as the coverage page lists them: the first sentence, the rest, the clauses."""
    out = []
    for pair in doc.get("translations") or []:
        words = pair_words(pair)
        out.append({"head": words[0], "more": words[1:], "comparable": pair["comparable"],
                    "clauses": clauses_differing(pair)})
    return out


def md_lines(label: str, doc: dict, escape) -> list[str]:
    """The pairs of a row as a nested Markdown list: a bullet per pair (labelled with company and type),
    its further sentences under it, and the texts of the clauses whose numbers differ under those."""
    lines = []
    for pair in doc.get("translations") or []:
        words = pair_words(pair)
        lines.append(f"- {escape(label)}: {escape(words[0])}")
        lines += [f"  - {escape(sentence)}" for sentence in words[1:]]
        lines += ["  - " + _("clause {ref}, {language}: «{text}»").format(ref=escape(ref), language=name,
                                                                          text=escape(text))
                  for name, ref, text in clauses_differing(pair)]
    return lines


def translation_rows(data: dict) -> list[dict]:
    """One row per language pair of every coverage row, for the xlsx sheet "Translations"."""
    rows = []
    for company in data["companies"]:
        for doc in company["documents"]:
            for pair in doc.get("translations") or []:
                a, b = pair["languages"]
                row = {"sector": company["sector"], "company_id": company["id"], "company": company["name"],
                       "type": doc["type"], "f1a": doc["f1a"], "languages": f"{a} ↔ {b}",
                       "comparable": pair["comparable"], "reason": pair["reason"],
                       "numbers_differ": "; ".join(
                           f"{n['refs'][a]}: {a} {', '.join(n['only'][a]) or '—'}, {b} {', '.join(n['only'][b]) or '—'}"
                           for n in pair["numbers"]),
                       "editions": "; ".join(
                           f"{kind}: {a} {s[a]['date']}, {b} {s[b]['date']}" + (" (differ)" if s["differ"] else "")
                           for kind, s in pair["editions"].items()),
                       "lag_open_days": max((lag["lag_days"] for lag in pair["lag"] if lag["open"]), default=None),
                       "in_words": "\n".join(pair_words(pair))}
                for lang in (a, b):
                    lacks = pair["missing"][lang]
                    row[f"{lang}_lacks"] = ", ".join(lacks["clauses"])
                    row[f"{lang}_lacks_share"] = lacks["share"]
                rows.append(row)
    return rows


def translations_sheet(book, data: dict, title: str) -> None:
    """The sheet ``title`` with ``translation_rows`` (none when no row has a pair: data from before
    issue 14, or no company with two required languages found)."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from reports.xlsx import cell_text, keep_text

    rows = translation_rows(data)
    if not rows:
        return
    sheet = book.create_sheet(title)
    sheet.append(column_labels(TRANSLATION_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([cell_text(row.get(column)) for column in TRANSLATION_COLUMNS])
        keep_text(sheet[sheet.max_row])
        for lang in LANGUAGE_ORDER:
            sheet.cell(sheet.max_row, TRANSLATION_COLUMNS.index(f"{lang}_lacks_share") + 1).number_format = "0%"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(TRANSLATION_COLUMNS))}{sheet.max_row}"
    for i, column in enumerate(TRANSLATION_COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(column, 10)


# ---- the change report --------------------------------------------------------------------------------------

def lag_sentence(lag: dict) -> str:
    """A lag as the change report says it (``reports.translations.lag_words``, capitalised)."""
    words = lag_words(lag)
    return words[:1].upper() + words[1:]


LAG_COLUMNS = ("company", "type", "changed_language", "changed_url", "changed_at", "changed_version",
               "follower_language", "follower_url", "followed_at", "follower_version", "lag_days", "open",
               "in_words")


def lag_rows(data: dict) -> list[dict]:
    """One row per lag of the change report (each is listed on both its documents: shown once here)."""
    rows, seen = [], set()
    for doc in data["documents"]:
        for lag in doc.get("translation_lag") or []:
            urls = (doc["url"], lag["other_url"])  # this document changed and the other followed, or the reverse
            changed_url, follower_url = urls if lag["other_language"] == lag["follower"] else urls[::-1]
            key = (changed_url, follower_url, lag["version"])
            if key in seen:
                continue
            seen.add(key)
            rows.append({"company": doc["company"], "type": doc["type"], "changed_language": lag["changed"],
                         "changed_url": changed_url, "changed_at": lag["changed_at"], "changed_version": lag["version"],
                         "follower_language": lag["follower"], "follower_url": follower_url,
                         "followed_at": lag["followed_at"], "follower_version": lag["follower_version"],
                         "lag_days": lag["lag_days"], "open": lag["open"], "in_words": lag_sentence(lag)})
    return rows
