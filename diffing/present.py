"""Wording shared by every output format: summaries, change headings, word marks."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from diffing.model import Change, Diff, TranslationAlignment, WordOp
from diffing.units import split_number


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def summary(d: Diff, cosmetic_note: str) -> str:
    """One line: how many substantive changes of which kind, words added/removed, the rest."""
    subst = d.substantive
    if subst:
        kinds = [f"{sum(c.kind == k for c in subst)} {k}" for k in ("changed", "added", "removed", "moved")
                 if any(c.kind == k for c in subst)]
        parts = [f"{plural(len(subst), 'substantive change')} ({', '.join(kinds)}), "
                 f"+{d.added_words} −{d.removed_words} words"]
    else:
        parts = ["no substantive change"]
    if d.cosmetic:
        parts.append(f"{plural(len(d.cosmetic), 'cosmetic change')}{' ' + cosmetic_note if cosmetic_note else ''}")
    if d.renumbered:
        parts.append(f"{plural(len(d.renumbered), 'clause')} only renumbered (not counted)")
    return "; ".join(parts)


def heading(c: Change) -> str:
    """"1.2 changed", "1.3 → 1.4 changed", "moved from 3.2 to 5.1", with "(cosmetic: reason)"."""
    if c.kind == "moved":
        text = f"moved from {c.old_ref} to {c.new_ref}"
    elif c.kind == "changed" and c.old_ref != c.new_ref and not (c.new_ref or "").startswith("¶"):
        text = f"{c.old_ref} → {c.new_ref} changed"
    else:
        text = f"{c.new_ref or c.old_ref} {c.kind}"
    return text + (f" (cosmetic: {c.reason})" if c.classification == "cosmetic" else "")


def number_of(paragraph: str | None) -> str:
    """The clause number as written in front of a paragraph, with its space ("1.2. "), or ""."""
    prefix = split_number(paragraph or "")[0]
    return prefix + " " if prefix else ""


def marked(words: Iterable[WordOp], esc: Callable[[str], str], dele: Callable[[str], str],
           ins: Callable[[str], str], keep: str = "=-+") -> str:
    """Word runs joined, deletions and insertions wrapped; whitespace stays outside the marks."""
    runs = [(op, text) for op, text in words if op in keep]
    out = []
    for k, (op, text) in enumerate(runs):
        core = text.rstrip()
        # "[-10-]{+5+} дней": a replacement reads as one spot, the space comes after the insertion.
        tail = "" if op == "-" and k + 1 < len(runs) and runs[k + 1][0] == "+" else text[len(core):]
        out.append(esc(text) if op == "=" else (dele if op == "-" else ins)(esc(core)) + tail)
    return "".join(out)


def translation_summary(t: TranslationAlignment, labels: tuple[str, ...]) -> str:
    both = sum(1 for p in t.pairs if p.a is not None and p.b is not None)
    head = f"{labels[0]} ↔ {labels[1]}: {plural(both, 'paragraph')} paired; "
    editions = "".join(
        f"; stated {kind} differs: {labels[0]} {t.a_editions[kind].day}, {labels[1]} {t.b_editions[kind].day}"
        for kind in ("edition", "effective")
        if kind in t.a_editions and kind in t.b_editions and t.a_editions[kind].day != t.b_editions[kind].day)
    if not t.comparable:
        return head + f"not comparable: {t.reason}" + editions
    differ = ", ".join(p.a_ref or "" for p in t.clause_numbers_differ)
    return (head + f"missing in {labels[1]}: {', '.join(t.only_in_a) or 'none'}"
            + (f" ({t.b_missing_share:.0%} of the {labels[0]} text)" if t.only_in_a else "") + "; "
            f"missing in {labels[0]}: {', '.join(t.only_in_b) or 'none'}"
            + (f" ({t.a_missing_share:.0%} of the {labels[1]} text)" if t.only_in_b else "") + "; "
            f"numbers differ: {differ or 'none'}" + editions)
