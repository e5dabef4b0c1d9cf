"""Two language versions of one document side by side, clause against clause, words never compared.

Clauses are paired by their structural key (see :func:`diffing.units.parse`): "4.2." in Kazakh
meets "4.2." in Russian, "5-тармақ" meets "п. 5", "7-бап" meets "Статья 7", "1)" under 5.1 meets
"1)" under 5.1. A key used twice in one text (two lists both numbered "1.") is told apart by its
occurrence. Unnumbered paragraphs are paired by their position after the same numbered clause.
The only content compared is the numbers each pair mentions, a language-independent hint that a
period, amount or date was updated in one language only.
"""

from __future__ import annotations

import re
from collections import Counter

from diffing.model import AlignedPair, TranslationAlignment
from diffing.units import Unit, parse

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _keyed(units: list[Unit]) -> dict[tuple, Unit]:
    seen: Counter[tuple] = Counter()
    out: dict[tuple, Unit] = {}
    for u in units:
        seen[u.key] += 1
        out[(u.key, seen[u.key])] = u
    return out


def _numbers(unit: Unit) -> Counter[str]:
    # A decimal comma in one language and a decimal point in the other are the same number.
    return Counter(n.replace(",", ".") for n in _NUMBER.findall(unit.norm))


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

    pairs = tuple(
        AlignedPair(
            a_ref=x.ref if x else None, b_ref=y.ref if y else None,
            a=x.text if x else None, b=y.text if y else None,
            numbers_differ=bool(x and y and _numbers(x) != _numbers(y)),
        )
        for x, y in ordered
    )
    return TranslationAlignment(
        a_lang=a_lang,
        b_lang=b_lang,
        pairs=pairs,
        only_in_a=tuple(u.ref for u in ua if u.numbered and u.index not in match_of_a),
        only_in_b=tuple(u.ref for u in ub if u.numbered and u.index not in matched_b),
    )
