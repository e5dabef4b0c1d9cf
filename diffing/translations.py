"""Two language versions of one document side by side, clause against clause, words never compared.

Clauses are paired by their structural key (see :func:`diffing.units.parse`): "4.2." in Kazakh
meets "4.2." in Russian, "5-тармақ" meets "п. 5", "7-бап" meets "Статья 7", "1)" under 5.1 meets
"1)" under 5.1. A key used twice in one text (two lists both numbered "1.") is told apart by its
occurrence. Unnumbered paragraphs are paired by their position after the same numbered clause.
The only content compared is the numbers each pair mentions (dates read as days, see
:mod:`diffing.stated`), a language-independent hint that a period, amount or date was updated in one
language only, and the edition each text states.

Unnumbered prose cannot be paired by key: when either text has fewer than three numbered clauses,
or fewer than half of the smaller side's clauses find their number in the other (one numbers
"1.", "2.", the other "Статья 1"), the alignment is ``comparable=False`` with its reason, and
nothing is called missing.
"""

from __future__ import annotations

from collections import Counter

from diffing.model import AlignedPair, TranslationAlignment
from diffing.stated import numbers, stated_editions
from diffing.units import Unit, parse

MIN_NUMBERED = 3  # clauses a text needs before it can be paired by number
MIN_PAIRED = 0.5  # share of the smaller side's numbered clauses that must find their number
NO_NUMBERS = "no clause numbers"  # one text (or both) is unnumbered prose
NO_MATCH = "clause numbers do not correspond"  # both numbered, in schemes that do not meet


def _keyed(units: list[Unit]) -> dict[tuple, Unit]:
    seen: Counter[tuple] = Counter()
    out: dict[tuple, Unit] = {}
    for u in units:
        seen[u.key] += 1
        out[(u.key, seen[u.key])] = u
    return out


def _numbers(unit: Unit) -> Counter[str]:
    return numbers(unit.norm)


def _missing_share(units: list[Unit], missing: set[int]) -> float:
    """The share of a text (in characters) held by its ``missing`` numbered clauses and the
    unnumbered paragraphs that follow each of them."""
    total = held = 0
    inside = False
    for u in units:
        if u.numbered:
            inside = u.index in missing
        total += len(u.text)
        held += len(u.text) if inside else 0
    return held / total if total else 0.0


def _comparable(ua: list[Unit], ub: list[Unit], paired: int) -> str | None:
    """Why the two texts cannot be paired by clause number, or None when they can."""
    na, nb = sum(u.numbered for u in ua), sum(u.numbered for u in ub)
    if na < MIN_NUMBERED or nb < MIN_NUMBERED:
        return NO_NUMBERS
    if paired < MIN_PAIRED * min(na, nb):
        return NO_MATCH
    return None


def align_translations(a: str, b: str, a_lang: str = "kk", b_lang: str = "ru") -> TranslationAlignment:
    """Pair the clauses of two language versions of one document and name those only one has.

    Returns a :class:`TranslationAlignment` with every paragraph of both texts in ``pairs`` (in
    ``a``'s order, ``b``'s extra paragraphs after their predecessor) and the numbered clauses
    missing from the other language in ``only_in_a`` / ``only_in_b``.
    """
    ua, ub = parse(a), parse(b)
    ka, kb = _keyed(ua), _keyed(ub)
    a_key = {u.index: k for k, u in ka.items()}
    match_of_a = {u.index: kb[a_key[u.index]] for u in ua if a_key[u.index] in kb}
    matched_b = {u.index for u in match_of_a.values()}

    rows: list[tuple[Unit | None, Unit | None]] = [(u, match_of_a.get(u.index)) for u in ua]
    # Each extra paragraph of b goes right after the row holding its nearest predecessor in b.
    row_of_b = {bu.index: k for k, (_, bu) in enumerate(rows) if bu is not None}
    extras: dict[int, list[Unit]] = {}
    last_row = -1
    for u in ub:
        if u.index in matched_b:
            last_row = row_of_b[u.index]
        else:
            extras.setdefault(last_row, []).append(u)
    ordered: list[tuple[Unit | None, Unit | None]] = [(None, u) for u in extras.get(-1, [])]
    for k, row in enumerate(rows):
        ordered.append(row)
        ordered.extend((None, u) for u in extras.get(k, []))

    pairs = tuple(_pair(x, y) for x, y in ordered)
    paired = sum(1 for u in ua if u.numbered and u.index in match_of_a and match_of_a[u.index].numbered)
    reason = _comparable(ua, ub, paired)
    missing_a = {u.index for u in ub if u.numbered and u.index not in matched_b}
    missing_b = {u.index for u in ua if u.numbered and u.index not in match_of_a}
    comparable = reason is None
    return TranslationAlignment(
        a_lang=a_lang,
        b_lang=b_lang,
        pairs=pairs,
        only_in_a=tuple(u.ref for u in ua if u.index in missing_b) if comparable else (),
        only_in_b=tuple(u.ref for u in ub if u.index in missing_a) if comparable else (),
        comparable=comparable,
        reason=reason,
        a_missing_share=_missing_share(ub, missing_a) if comparable else 0.0,
        b_missing_share=_missing_share(ua, missing_b) if comparable else 0.0,
        a_editions=stated_editions(ua),
        b_editions=stated_editions(ub),
    )


def _pair(x: Unit | None, y: Unit | None) -> AlignedPair:
    a_only = b_only = ()
    if x is not None and y is not None:
        nx, ny = _numbers(x), _numbers(y)
        a_only, b_only = tuple(sorted((nx - ny).elements())), tuple(sorted((ny - nx).elements()))
    return AlignedPair(
        a_ref=x.ref if x else None, b_ref=y.ref if y else None,
        a=x.text if x else None, b=y.text if y else None,
        numbers_differ=bool(a_only or b_only), a_numbers=a_only, b_numbers=b_only,
        keyed=bool(x and y and x.numbered and y.numbered),
    )
