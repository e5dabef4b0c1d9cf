"""Two language versions paired clause by clause, checked once and kept (table ``translation_checks``).

Pairing two 60 KB policies by clause number takes ~60 ms; the coverage report, the UI's overview
and each document page ask it for every pair of language versions, many times a day. The answer
depends only on the two texts and the checker, so it is stored under the two texts' hashes and
``CHECKER``; a reader that finds it missing computes and stores it (like ``archive.changelog``).

What is kept is what the reports need, in terms of side ``a`` and side ``b``:
``{"comparable", "reason", "a_lacks": {"clauses", "share"}, "b_lacks": {…}, "numbers": [{"a_ref",
"b_ref", "a", "b", "a_only", "b_only"}], "editions": {"a": {kind: {"date", "line", "ref"}}, "b": …}}``.
"""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from archive.changelog import keep_computed
from archive.models import TranslationCheck, Version
from diffing import TranslationAlignment, align_translations

# Bump when diffing's clause pairing, number reading or edition finding changes.
CHECKER = "translations-1"
SNIPPET = 300  # characters of a clause quoted in a report


def summarise_alignment(t: TranslationAlignment) -> dict:
    """What a report keeps of an alignment (JSON)."""
    return {
        "comparable": t.comparable,
        "reason": t.reason,
        "a_lacks": {"clauses": list(t.only_in_b), "share": round(t.a_missing_share, 4)},
        "b_lacks": {"clauses": list(t.only_in_a), "share": round(t.b_missing_share, 4)},
        "numbers": [{"a_ref": p.a_ref, "b_ref": p.b_ref, "a": (p.a or "")[:SNIPPET], "b": (p.b or "")[:SNIPPET],
                     "a_only": list(p.a_numbers), "b_only": list(p.b_numbers)} for p in t.clause_numbers_differ],
        "editions": {side: {kind: {"date": s.day.isoformat(), "line": s.line[:SNIPPET], "ref": s.ref}
                            for kind, s in found.items()}
                     for side, found in (("a", t.a_editions), ("b", t.b_editions))},
    }


def checks(session: Session, pairs: list[tuple[Version, Version]], store: bool = True) -> list[dict]:
    """The check of each (a, b) pair of versions, from the table where it is known, else computed
    (texts loaded only then) and kept. A reader that may not write just computes it again later."""
    keys = list({(a.text_sha256, b.text_sha256) for a, b in pairs})
    known: dict[tuple[str, str], dict] = {}
    for n in range(0, len(keys), 400):
        for row in session.scalars(select(TranslationCheck).where(
                tuple_(TranslationCheck.a_sha256, TranslationCheck.b_sha256).in_(keys[n:n + 400]),
                TranslationCheck.checker == CHECKER)):
            known[(row.a_sha256, row.b_sha256)] = row.result
    fresh = []
    for a, b in pairs:
        key = (a.text_sha256, b.text_sha256)
        if key not in known:
            known[key] = summarise_alignment(align_translations(a.text, b.text))
            fresh.append(TranslationCheck(a_sha256=key[0], b_sha256=key[1], checker=CHECKER, result=known[key]))
    if store:
        keep_computed(session, fresh)
    return [known[(a.text_sha256, b.text_sha256)] for a, b in pairs]
