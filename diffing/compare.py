"""diff(): two versions of a document aligned clause by clause, with moves found and changes classified.

The alignment, in four passes over the paragraphs (compared by their normalised body, number left
out, so renumbering alone never breaks a match):

1. the longest common subsequence of identical paragraphs (difflib, autojunk off: in a policy the
   frequent lines are headings, and those are exactly the anchors we want);
2. a paragraph left over on one side whose identical twin is left over somewhere else on the other
   side is MOVED; then the same for near-identical twins (similarity ≥ ``MOVE_RATIO``), found
   through length and bag-of-words prefilters (difflib's real_quick_ratio / quick_ratio bounds);
3. inside each stretch that differs, paragraphs are paired best-first without crossing when they
   are similar enough (``PAIR_RATIO``), or whatever their similarity when they carry the same
   clause number (the same clause rewritten) or are the same kind of boilerplate (two edition
   stamps, two footers): CHANGED;
4. whatever is left is ADDED or REMOVED.

Similarity is difflib's ratio over word tokens. The expensive comparisons share one budget per
diff (``MAX_RATIOS``, ``MAX_CHECKS``) and big stretches are compared only near their diagonal
(``BAND``), so two unrelated 60 KB texts cost tens of milliseconds, not seconds: past the budget a
paragraph simply stays "added"/"removed".
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from cydifflib import SequenceMatcher  # difflib's algorithm and results, in C++

from diffing.classify import classify_line, classify_pair
from diffing.model import Change, ChangeKind, Diff, WordOp
from diffing.units import Unit, parse
from diffing.words import LONG, word_ops

MOVE_RATIO = 0.9
PAIR_RATIO = 0.5
PAIR_RATIO_SAME_NUMBER = 0.0  # same clause, same place: rewritten, however much
MIN_FUZZY_MOVE_TOKENS = 5  # shorter paragraphs are too alike by chance to call them moved when edited
MAX_RATIOS = 1500
MAX_CHECKS = 20000
BAND = 8
FULL_MATRIX = 900  # a stretch of at most this many old × new paragraphs is compared in full


@dataclass
class _Budget:
    ratios: int = MAX_RATIOS
    checks: int = MAX_CHECKS


@dataclass
class _Region:
    """A stretch of the old text and the stretch of the new text that replaced it."""

    olds: list[Unit]
    news: list[Unit]


@dataclass
class _Similarity:
    budget: _Budget
    bags: dict[tuple[int, int], tuple[Counter[str], frozenset[str], frozenset[str]]] = field(default_factory=dict)
    matcher: SequenceMatcher | None = None
    seq2: tuple[str, ...] | None = None

    def _bag(self, side: int, unit: Unit) -> tuple[Counter[str], frozenset[str], frozenset[str]]:
        """A paragraph's token counts, its tokens as a set, and those that occur more than once."""
        found = self.bags.get((side, unit.index))
        if found is None:
            counts = Counter(unit.folded)
            found = self.bags[(side, unit.index)] = (
                counts, frozenset(counts), frozenset(t for t, n in counts.items() if n > 1))
        return found

    def ratio(self, old: Unit, new: Unit, cutoff: float) -> float | None:
        """difflib's ratio of the two bodies' tokens if it may reach ``cutoff``, else None."""
        la, lb = len(old.folded), len(new.folded)
        if not la or not lb or 2.0 * min(la, lb) / (la + lb) < cutoff:  # real_quick_ratio bound
            return None
        if self.budget.checks <= 0:
            return None
        self.budget.checks -= 1
        (ca, sa, ra), (cb, sb, rb) = self._bag(0, old), self._bag(1, new)
        # difflib's quick_ratio bound, the sum over shared tokens of the smaller count: one per shared token (a set
        # intersection, in C), plus what tokens repeated on either side add beyond one.
        shared = sa & sb
        common = len(shared)
        if ra or rb:
            common += sum(min(ca[t], cb[t]) - 1 for t in shared & (ra | rb))
        if 2.0 * common / (la + lb) < cutoff or self.budget.ratios <= 0:
            return None
        self.budget.ratios -= 1
        if self.matcher is None or self.seq2 is not new.folded:
            # difflib indexes seq2 once: callers loop over old paragraphs for a fixed new one.
            # autojunk only for a page-long paragraph (see words.LONG): quadratic otherwise.
            self.matcher = SequenceMatcher(None, autojunk=len(new.folded) > LONG)
            self.matcher.set_seq2(new.folded)
            self.seq2 = new.folded
        self.matcher.set_seq1(old.folded)
        r = self.matcher.ratio()
        return r if r >= cutoff else None


def _find_moves(regions: list[_Region], sim: _Similarity) -> list[tuple[Unit, Unit]]:
    """(old, new) paragraphs that left one differing stretch and arrived in another."""
    region_of_old = {u.index: k for k, r in enumerate(regions) for u in r.olds}
    region_of_new = {u.index: k for k, r in enumerate(regions) for u in r.news}
    # A numbered clause whose number is still there on the other side of its own stretch was edited
    # in place (pass 3 pairs it), however much it looks like a clause elsewhere: in a policy whose
    # clauses follow one template, "5. ... 30 days" -> "5. ... 90 days" is a change, not clause 2 moving.
    numbers_old = [{u.key for u in r.olds if u.numbered} for r in regions]
    numbers_new = [{u.key for u in r.news if u.numbered} for r in regions]
    stays_old = {u.index for k, r in enumerate(regions) for u in r.olds if u.numbered and u.key in numbers_new[k]}
    stays_new = {u.index for k, r in enumerate(regions) for u in r.news if u.numbered and u.key in numbers_old[k]}
    by_key: dict[str, list[Unit]] = defaultdict(list)
    for r in regions:
        for u in r.news:
            if u.tokens and u.index not in stays_new:
                by_key[u.line_key].append(u)
    moves: list[tuple[Unit, Unit]] = []
    used_new: set[int] = set()
    leftover_old: list[Unit] = []
    for r in regions:
        for u in r.olds:
            twins = by_key.get(u.line_key) if u.tokens and u.index not in stays_old else None
            if twins:
                twin = twins.pop(0)
                moves.append((u, twin))
                used_new.add(twin.index)
            else:
                leftover_old.append(u)
    # Near-identical twins: candidates sorted by length, so the length bound is a bisect window.
    news = sorted((u for r in regions for u in r.news
                   if u.index not in used_new | stays_new and len(u.folded) >= MIN_FUZZY_MOVE_TOKENS),
                  key=lambda u: len(u.folded))
    lengths = [len(u.folded) for u in news]
    scored: list[tuple[float, int, int, Unit, Unit]] = []
    lo_factor = MOVE_RATIO / (2 - MOVE_RATIO)
    for old in leftover_old:
        if sim.budget.checks <= 0:
            break  # every comparison from here on would be refused
        la = len(old.folded)
        if la < MIN_FUZZY_MOVE_TOKENS or old.index in stays_old:
            continue
        lo, hi = bisect.bisect_left(lengths, la * lo_factor), bisect.bisect_right(lengths, la / lo_factor)
        for new in news[lo:hi]:
            if region_of_new[new.index] == region_of_old[old.index]:
                continue  # same place: a change, not a move (pass 3 pairs it)
            r = sim.ratio(old, new, MOVE_RATIO)
            if r is not None:
                scored.append((-r, old.index, new.index, old, new))
    scored.sort(key=lambda s: s[:3])
    used_old = {o.index for o, _ in moves}
    for _, _, _, old, new in scored:
        if old.index not in used_old and new.index not in used_new:
            moves.append((old, new))
            used_old.add(old.index)
            used_new.add(new.index)
    return moves


def _pair_region(olds: list[Unit], news: list[Unit], sim: _Similarity) -> list[tuple[Unit, Unit]]:
    """Best-first, order-keeping pairs of similar paragraphs inside one differing stretch."""
    m, n = len(olds), len(news)
    if not m or not n:
        return []
    cells: list[tuple[float, int, int]] = []
    full = m * n <= FULL_MATRIX
    old_kinds = [classify_line(u) for u in olds] if full else [None] * m
    new_kinds = [classify_line(u) for u in news] if full else [None] * n
    for j, new in enumerate(news):
        centre = round(j * m / n)
        rows = range(m) if full else range(max(0, centre - BAND), min(m, centre + BAND + 1))
        for i in rows:
            old = olds[i]
            same_number = old.numbered and old.key == new.key
            # Two edition stamps (or two footers, page numbers, banners) in the same place are one
            # line that changed, however few words they share.
            same_boilerplate = old_kinds[i] is not None and old_kinds[i] == new_kinds[j]
            cutoff = 0.0 if same_boilerplate else PAIR_RATIO_SAME_NUMBER if same_number else PAIR_RATIO
            r = sim.ratio(old, new, cutoff)
            if r is not None:
                cells.append((-(r + (0.05 if same_number or same_boilerplate else 0.0)), i, j))
    cells.sort()
    accepted: list[tuple[int, int]] = []  # sorted by i; j increases with i (no crossing pairs)
    for _, i, j in cells:
        k = bisect.bisect_left(accepted, (i, -1))
        if k < len(accepted) and accepted[k][0] == i:
            continue
        if (k > 0 and accepted[k - 1][1] >= j) or (k < len(accepted) and accepted[k][1] <= j):
            continue
        accepted.insert(k, (i, j))
    return [(olds[i], news[j]) for i, j in accepted]


def _renumber_map(pairs: list[tuple[Unit, Unit]]) -> dict[str, str]:
    """Old clause number → new clause number, for numbers renumbered one way only."""
    seen: dict[str, set[str]] = defaultdict(set)
    for old, new in pairs:
        if old.number and new.number and old.kind not in (None, "item") and new.kind == old.kind:
            seen[old.number].add(new.number)
    return {a: next(iter(bs)) for a, bs in seen.items() if len(bs) == 1 and a not in bs}


def _visible(text: str) -> str:
    return "".join(text.split())


def diff(old: str, new: str) -> Diff:
    """Every change between two versions of a text (any two: the library keeps no history).

    Returns a :class:`Diff` whose changes come in the new text's order, each located, word-diffed
    where it was edited and classified substantive or cosmetic (see :mod:`diffing.classify`).
    """
    return diff_units(parse(old), parse(new))


def diff_units(a: list[Unit], b: list[Unit]) -> Diff:
    """:func:`diff` over already parsed paragraphs."""
    matcher = SequenceMatcher(None, [u.line_key for u in a], [u.line_key for u in b], autojunk=False)
    equal: list[tuple[Unit, Unit]] = []
    regions: list[_Region] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            equal.extend(zip(a[i1:i2], b[j1:j2], strict=True))
        else:
            regions.append(_Region(a[i1:i2], b[j1:j2]))
    sim = _Similarity(_Budget())
    moves = _find_moves(regions, sim)
    moved_old = {o.index for o, _ in moves}
    moved_new = {n.index for _, n in moves}
    changed: list[tuple[Unit, Unit]] = []
    for r in regions:
        changed += _pair_region([u for u in r.olds if u.index not in moved_old],
                                [u for u in r.news if u.index not in moved_new], sim)
    paired_old = moved_old | {o.index for o, _ in changed}
    paired_new = moved_new | {n.index for _, n in changed}
    renumbered = _renumber_map(equal + changed + moves)

    # Where a removed paragraph is shown: right after the new position of the last old paragraph
    # before it that stayed in place, so before whatever was added in its stead (as unified diffs do).
    stayed = {o.index: n.index for o, n in equal + changed}
    anchor: dict[int, int] = {}
    after = 0
    for u in a:
        if u.index in stayed:
            after = stayed[u.index] + 1
        anchor[u.index] = after

    located: list[tuple[tuple[int, int, int], Change]] = []
    for o, n in equal:
        if _visible(o.body) != _visible(n.body):
            located.append(((n.index, 1, 0), _change("changed", o, n, word_ops(o.body, n.body, exact=True),
                                                     "normalisation")))
    for o, n in changed:
        located.append(((n.index, 1, 0), _change("changed", o, n, word_ops(o.body, n.body),
                                                 classify_pair(o, n, renumbered))))
    for o, n in moves:
        edited = o.line_key != n.line_key
        reason = classify_line(n)
        if edited and reason and classify_pair(o, n, renumbered) is None:
            reason = None
        located.append(((n.index, 1, 0), _change("moved", o, n, word_ops(o.body, n.body) if edited else (), reason)))
    for u in a:
        if u.index not in paired_old and u.index not in stayed:
            located.append(((anchor[u.index], 0, u.index), _change("removed", u, None, (), classify_line(u))))
    equal_new = {n.index for _, n in equal}
    for u in b:
        if u.index not in paired_new and u.index not in equal_new:
            located.append(((u.index, 1, 0), _change("added", None, u, (), classify_line(u))))
    located.sort(key=lambda x: x[0])
    renumbered_refs = tuple((o.ref, n.ref) for o, n in equal if o.numbered and o.ref != n.ref)
    return Diff(changes=tuple(c for _, c in located), renumbered=renumbered_refs)


def _change(kind: ChangeKind, old: Unit | None, new: Unit | None, words: Iterable[WordOp],
            reason: str | None) -> Change:
    return Change(
        kind=kind,
        old_ref=old.ref if old else None,
        new_ref=new.ref if new else None,
        old=old.text if old else None,
        new=new.text if new else None,
        words=tuple(words),
        classification="cosmetic" if reason else "substantive",
        reason=reason,
        old_index=old.index if old else None,
        new_index=new.index if new else None,
    )
