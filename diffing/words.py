"""Word-level differences inside one clause, shown in the words as written.

Tokens are compared in their normalised form (so «» against "" or ё against е is not a
difference) but returned as written, each with the whitespace that followed it, so that the runs
of a diff read as the text itself.
"""

from __future__ import annotations

import re

from cydifflib import SequenceMatcher  # difflib's algorithm and results, in C++

from diffing.model import WordOp
from diffing.units import TOKEN, token_key

_TOKEN_WS = re.compile(r"(" + TOKEN.pattern + r")(\s*)")
LONG = 1000  # tokens: a "paragraph" this long is a page or a document that lost its line breaks
_WORD = re.compile(r"\w")
_Segment = tuple[str, list[int], list[int]]  # ("=" | "~", old token indexes, new token indexes)
_SHORT = re.compile(r"\W|\w{1,2}")  # punctuation or a one- or two-letter word: "и", "в", "с", ","


def _tokens(text: str) -> list[tuple[str, str]]:
    """(token, token + the whitespace after it) for every token of a text."""
    return [(m.group(1), m.group(0)) for m in _TOKEN_WS.finditer(text)]


def word_ops(old: str, new: str, *, exact: bool = False) -> tuple[WordOp, ...]:
    """("=" | "-" | "+", text) runs turning ``old`` into ``new``, compared word by word.

    ``exact`` compares tokens as written instead of normalised: it shows what a cosmetic change
    touched (quotes, ё, dashes), which the normalised comparison cannot see by design.
    """
    a, b = _tokens(old), _tokens(new)
    if exact:
        a_keys, b_keys = [t for t, _ in a], [t for t, _ in b]
    else:
        a_keys, b_keys = [token_key(t) for t, _ in a], [token_key(t) for t, _ in b]
    # autojunk off: in a clause the frequent tokens (commas, "и") are exactly the ones to keep. In
    # a whole document extracted as one line it is on again, or the comparison turns quadratic.
    matcher = SequenceMatcher(None, a_keys, b_keys, autojunk=len(b_keys) > LONG)
    segments: list[_Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        segments.append(("=" if tag == "equal" else "~", list(range(i1, i2)), list(range(j1, j2))))
    segments = _fold_short_equal_runs(_slide_punctuation(segments, a_keys, b_keys), b)
    ops: list[WordOp] = []
    for tag, old_idx, new_idx in segments:
        if tag == "=":
            _append(ops, "=", "".join(b[j][1] for j in new_idx))
        else:
            _append(ops, "-", "".join(a[i][1] for i in old_idx))
            _append(ops, "+", "".join(b[j][1] for j in new_idx))
    return tuple(ops)


def _slide_punctuation(segments: list[_Segment], a_keys: list[str], b_keys: list[str]) -> list[_Segment]:
    """Shift a pure insertion or deletion that starts with punctuation one token to the right when
    the text after it starts with the same punctuation: "атын, {+жеке нөмірін, +}ұялы" rather than
    "атын{+, жеке нөмірін+}, ұялы" (both are exact; the first is how people read a list)."""
    out = [(tag, list(olds), list(news)) for tag, olds, news in segments]
    result: list[_Segment] = []
    for k, (tag, olds, news) in enumerate(out):
        nxt = out[k + 1] if k + 1 < len(out) else None
        if tag == "~" and nxt is not None and nxt[0] == "=" and not (olds and news):
            keys, idx = (b_keys, news) if news else (a_keys, olds)
            while idx and nxt[1] and not _WORD.search(keys[idx[0]]) and keys[idx[0]] == b_keys[nxt[2][0]]:
                if not result or result[-1][0] != "=":
                    result.append(("=", [], []))
                prev = result[-1]
                old_i, new_j = nxt[1].pop(0), nxt[2].pop(0)
                if news:  # insertion: its first token now pairs with the old token after it
                    prev[1].append(old_i)
                    prev[2].append(idx.pop(0))
                    idx.append(new_j)
                else:  # deletion: its first token now pairs with the new token after it
                    prev[1].append(idx.pop(0))
                    prev[2].append(new_j)
                    idx.append(old_i)
        result.append((tag, olds, news))
    return [seg for seg in result if seg[1] or seg[2]]


def _fold_short_equal_runs(segments: list[_Segment], b: list[tuple[str, str]]) -> list[_Segment]:
    """Merge two changes separated only by one short token ("10 дней и 5" → one change, not three).

    A word diff that keeps a lone "и" or comma between two replacements is exact but unreadable.
    """
    out: list[_Segment] = []
    for seg in segments:
        if seg[0] == "~" and len(out) >= 2 and out[-2][0] == "~" and out[-1][0] == "=":
            eq = out[-1]
            if len(eq[2]) == 1 and _SHORT.fullmatch(b[eq[2][0]][0]):
                prev = out[-2]
                out[-2:] = [("~", prev[1] + eq[1] + seg[1], prev[2] + eq[2] + seg[2])]
                continue
        out.append(seg)
    return out


def _append(ops: list[WordOp], op: str, text: str) -> None:
    if not text:
        return
    if ops and ops[-1][0] == op:
        ops[-1] = (op, ops[-1][1] + text)
    else:
        ops.append((op, text))


def changed_tokens(a: tuple[str, ...], b: tuple[str, ...]) -> list[tuple[list[int], list[int]]]:
    """The differing stretches of two token sequences, as (old token indexes, new token indexes)."""
    matcher = SequenceMatcher(None, a, b, autojunk=len(b) > LONG)
    return [(list(range(i1, i2)), list(range(j1, j2)))
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]
