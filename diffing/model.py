"""The values the diffing library returns: plain frozen dataclasses, no behaviour beyond counting."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

ChangeKind = Literal["added", "removed", "changed", "moved"]
Classification = Literal["substantive", "cosmetic"]
WordOp = tuple[str, str]  # ("=" | "-" | "+", text as written, trailing whitespace included)

_WORD = re.compile(r"\w")


def count_words(text: str) -> int:
    """Words in a piece of text (punctuation does not count): what the reports' +/- figures add up."""
    return sum(1 for token in text.split() if _WORD.search(token))


@dataclass(frozen=True)
class Change:
    """One difference between two versions, located by clause number or paragraph.

    ``old_ref`` / ``new_ref`` name the clause ("1.2.3", "п. 5", "5-тармақ", "Статья 7 › 2",
    "5.1 › 1)") or, for an unnumbered paragraph, its position ("¶12", counted from 1). ``old`` /
    ``new`` are the paragraphs as written (invisible characters removed, whitespace collapsed).
    ``words`` is set for "changed" and for edited "moved" clauses: the clause body (its number left
    out) as ("=", text), ("-", removed text), ("+", added text) runs; joining the "=" and "+" texts
    gives the new body, the "=" and "-" texts the old one. ``reason`` says why a change is cosmetic.
    """

    kind: ChangeKind
    old_ref: str | None
    new_ref: str | None
    old: str | None
    new: str | None
    words: tuple[WordOp, ...] = ()
    classification: Classification = "substantive"
    reason: str | None = None
    old_index: int | None = None  # 0-based paragraph index in the old text
    new_index: int | None = None

    @property
    def added_words(self) -> int:
        if self.kind == "added":
            return count_words(self.new or "")
        return sum(count_words(text) for op, text in self.words if op == "+")

    @property
    def removed_words(self) -> int:
        if self.kind == "removed":
            return count_words(self.old or "")
        return sum(count_words(text) for op, text in self.words if op == "-")


@dataclass(frozen=True)
class Diff:
    """Every change between two texts, in the new text's order (a removal where it used to be).

    ``renumbered`` lists the clauses whose text is unchanged but whose number moved, as
    (old_ref, new_ref): a clause inserted above renumbers the rest, and that is not a change.
    """

    changes: tuple[Change, ...]
    renumbered: tuple[tuple[str, str], ...] = ()

    @property
    def substantive(self) -> list[Change]:
        return [c for c in self.changes if c.classification == "substantive"]

    @property
    def cosmetic(self) -> list[Change]:
        return [c for c in self.changes if c.classification == "cosmetic"]

    @property
    def added_words(self) -> int:
        """Words added by substantive changes."""
        return sum(c.added_words for c in self.substantive)

    @property
    def removed_words(self) -> int:
        """Words removed by substantive changes."""
        return sum(c.removed_words for c in self.substantive)


@dataclass(frozen=True)
class AlignedPair:
    """One row of a side-by-side translation view; a side is None where that language lacks it.

    ``numbers_differ``: both sides exist but do not mention the same numbers (periods, amounts,
    dates read as days, clause references), a language-independent hint that one translation lags
    behind; ``a_numbers`` / ``b_numbers`` are the numbers only that side mentions. ``keyed``: the two
    sides were paired by their clause number (not by position between numbered clauses).
    """

    a_ref: str | None
    b_ref: str | None
    a: str | None
    b: str | None
    numbers_differ: bool = False
    a_numbers: tuple[str, ...] = ()
    b_numbers: tuple[str, ...] = ()
    keyed: bool = False


@dataclass(frozen=True)
class TranslationAlignment:
    """Two language versions of one document, clause against clause.

    ``only_in_a`` / ``only_in_b`` name the numbered clauses one version has and the other lacks;
    ``a_missing_share`` is the share of ``b``'s text held by the clauses ``a`` lacks (with the
    unnumbered paragraphs under them), ``b_missing_share`` the other way round. Unnumbered
    paragraphs are paired by position between numbered clauses; a leftover shows as a half-empty row
    in ``pairs`` but is not listed there (translators split and merge paragraphs).

    ``comparable`` is False when the two texts cannot be paired by clause number (``reason`` says
    why: "no clause numbers", "clause numbers do not correspond"): then nothing is missing, no number
    disagrees, and no verdict may rest on the alignment. ``a_editions`` / ``b_editions``: the edition
    and effective date each text states ({"edition" | "effective": Statement}).
    """

    a_lang: str
    b_lang: str
    pairs: tuple[AlignedPair, ...]
    only_in_a: tuple[str, ...]
    only_in_b: tuple[str, ...]
    comparable: bool = True
    reason: str | None = None
    a_missing_share: float = 0.0
    b_missing_share: float = 0.0
    a_editions: dict = field(default_factory=dict)
    b_editions: dict = field(default_factory=dict)

    @property
    def numbers_differ(self) -> list[AlignedPair]:
        return [p for p in self.pairs if p.numbers_differ]

    @property
    def clause_numbers_differ(self) -> list[AlignedPair]:
        """Pairs matched by clause number whose numbers disagree: what a verdict may name."""
        return [p for p in self.pairs if p.numbers_differ and p.keyed] if self.comparable else []
