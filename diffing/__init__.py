"""What a company changed: compare two versions of a policy text, or its Kazakh and Russian versions.

A pure library (standard library only; an import-linter contract keeps config, archive, crawler
and spiders out). It takes texts as extracted, one paragraph per line, and keeps no history:
any two versions can be compared.

API::

    from diffing import diff, align_translations, render

    d = diff(old_text, new_text)            # -> Diff
    d.changes                               # tuple[Change, ...], in the new text's order
    d.substantive, d.cosmetic               # list[Change]: what reports show / fold away
    d.added_words, d.removed_words          # word counts of the substantive changes
    d.renumbered                            # ((old_ref, new_ref), ...): renumbered only, not changes

    Change(kind="added" | "removed" | "changed" | "moved",
           old_ref, new_ref,                # "1.2.3", "п. 5", "5-тармақ", "Статья 7 › 2", "5.1 › 1)", "¶12"
           old, new,                        # the paragraphs as written (None on the missing side)
           words,                           # (("=" | "-" | "+", text), ...) over the clause body
           classification="substantive" | "cosmetic",
           reason,                          # cosmetic only: "normalisation", "letter case",
                                            # "renumbering", "date line", "copyright year",
                                            # "copyright line", "page number", "cookie banner"
           old_index, new_index)            # 0-based paragraph positions

    t = align_translations(kk_text, ru_text, a_lang="kk", b_lang="ru")   # -> TranslationAlignment
    t.pairs                                 # AlignedPair(a_ref, b_ref, a, b, numbers_differ), all rows
    t.only_in_a, t.only_in_b                # numbered clauses one language lacks ("4.2", ...)

    render(d_or_t, "text" | "md" | "html", cosmetic=False, standalone=False,
           layout="inline" | "side", labels=("old", "new")) -> str

How two versions are compared (details in the modules):

- ``normalise`` (:mod:`diffing.normalise`): Unicode NFKC, whitespace and no-break spaces, soft
  hyphens and zero-width characters, quotes, dashes, ё/е. Differences of whitespace and invisible
  characters are no change; visible typographic ones («» vs "", ё vs е) are a cosmetic
  "normalisation" change (shown only among the cosmetic changes).
- ``units``: each paragraph's clause number ("1.2.3.", "1.2", "5)", "а)", "п. 5", "пункт 5",
  "5-тармақ", "Статья 7", "7-бап", "Глава 2", "2-тарау", "Раздел II", "2-бөлім", "§ 3",
  "Article 7") is parsed off and only the body is compared: "1.2." vs "1.2" and "п.5" vs "п. 5"
  are no change, and a clause inserted above renumbers the rest without changing them.
- ``compare`` (``diff``): common paragraphs, then MOVED clauses (identical, or similarity ≥ 0.9,
  found elsewhere), then CHANGED pairs inside each differing stretch, then ADDED / REMOVED; word
  runs for changed clauses. Bounded work: prefilters, a band for big stretches, one budget.
- ``classify``: the cosmetic rules (date/edition lines, copyright years, page numbers, cookie
  banners, case, renumbered references). A date or number inside a numbered clause is always
  substantive; the document's effective date is cosmetic only on a standalone edition line.
- ``translations`` (``align_translations``): clauses paired by number and position, never by
  words; a pair whose numbers (periods, amounts, dates) differ is flagged.
- ``render`` / ``render_html``: text with ``[-x-]{+y+}`` marks, Markdown with ``~~x~~ **y**``,
  HTML with <del>/<ins>, everything escaped.
"""

from diffing.compare import diff
from diffing.model import AlignedPair, Change, Diff, TranslationAlignment
from diffing.normalise import normalise, text_hash
from diffing.render import render
from diffing.translations import align_translations

__all__ = [
    "AlignedPair",
    "Change",
    "Diff",
    "TranslationAlignment",
    "align_translations",
    "diff",
    "normalise",
    "render",
    "text_hash",
]
