"""What changed between two versions, classified once and kept (table ``text_changes``).

Diffing two 60 KB policies takes milliseconds; a change report, the overview's "changed since"
marks and the Atom feeds ask the same question for every pair of neighbouring versions, many times
a day. The answer depends only on the two texts and the differ, so it is stored under the two texts'
hashes and ``DIFFER``: the crawl stores it when it records a new version, and any reader that finds
it missing (an archive from before this table, a re-extraction, a new differ) computes and stores it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select, tuple_
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, defer

from archive.models import TextChange, Version
from diffing import Diff, diff

log = logging.getLogger(__name__)

# Bump when diffing's alignment or classification changes: stored summaries are then recomputed.
DIFFER = "diffing-2"
SNIPPET = 300  # characters of a changed clause quoted in a report


def summarise(result: Diff, include_cosmetic: bool = False) -> dict:
    """The change a report lists: its kind, the added and removed passages, word counts, clauses."""
    listed = result.changes if include_cosmetic else result.substantive
    added, removed = [], []
    for change in listed:
        if change.kind == "added" and change.new:
            added.append(change.new[:SNIPPET])
        elif change.kind == "removed" and change.old:
            removed.append(change.old[:SNIPPET])
        elif change.kind == "changed":
            plus = " ".join(w for op, w in change.words if op == "+")
            minus = " ".join(w for op, w in change.words if op == "-")
            if plus:
                added.append(plus[:SNIPPET])
            if minus:
                removed.append(minus[:SNIPPET])
    return {
        "kind": "substantive" if result.substantive else "cosmetic",
        "added": added, "removed": removed,
        "added_words": result.added_words, "removed_words": result.removed_words,
        "clauses": [{"kind": c.kind, "old_ref": c.old_ref, "new_ref": c.new_ref,
                     "classification": c.classification, "reason": c.reason} for c in listed],
    }


def keep_computed(session: Session, rows: list) -> None:
    """Keep computed rows (change summaries, translation checks); a reader that may not write (or a race
    with another) just computes them again later."""
    if not rows:
        return
    try:
        for row in rows:
            session.merge(row)
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        log.debug("could not keep %d computed rows: %s", len(rows), exc)


def summaries(session: Session, pairs: Iterable[tuple[Version, Version]], store: bool = True) -> list[dict]:
    """The summary of each (old, new) pair, from the table where it is known, else computed (and kept)."""
    pairs = list(pairs)
    keys = list({(old.text_sha256, new.text_sha256) for old, new in pairs})
    known: dict[tuple[str, str], dict] = {}
    for n in range(0, len(keys), 400):
        for row in session.scalars(select(TextChange).where(
                tuple_(TextChange.old_sha256, TextChange.new_sha256).in_(keys[n:n + 400]),
                TextChange.differ == DIFFER)):
            known[(row.old_sha256, row.new_sha256)] = {**row.summary, "kind": row.kind}
    fresh: list[TextChange] = []
    for old, new in pairs:
        key = (old.text_sha256, new.text_sha256)
        if key not in known:
            known[key] = change_summary(old.text, new.text)
            fresh.append(change_row(*key, known[key]))
    if store:
        keep_computed(session, fresh)
    return [known[(old.text_sha256, new.text_sha256)] for old, new in pairs]


def change_summary(old_text: str, new_text: str) -> dict:
    """Classify one change: pure, so that a crawl's reader process can do it for the recorder."""
    return summarise(diff(old_text, new_text))


def change_row(old_sha256: str, new_sha256: str, summary: dict) -> TextChange:
    """The row that keeps ``summary`` (from :func:`change_summary`) for the two texts' hashes."""
    rest = {k: v for k, v in summary.items() if k != "kind"}
    return TextChange(old_sha256=old_sha256, new_sha256=new_sha256, differ=DIFFER, kind=summary["kind"], summary=rest)


def change_known(session: Session, old: Version, new: Version) -> bool:
    """Whether the change ``old`` -> ``new`` is kept already, by the current differ."""
    existing = session.get(TextChange, (old.text_sha256, new.text_sha256))
    return existing is not None and existing.differ == DIFFER


def keep_change_summary(session: Session, old: Version, new: Version) -> None:
    """Classify ``old`` -> ``new`` and keep it in the caller's transaction (the crawl's recorder).
    A diff that fails costs only the summary: a reader computes it again when it needs it."""
    if change_known(session, old, new):
        return
    try:
        summary = change_summary(old.text, new.text)
    except Exception as exc:  # a differ bug must not cost the capture
        log.warning("could not diff version %s against %s: %s", old.id, new.id, exc)
        return
    session.merge(change_row(old.text_sha256, new.text_sha256, summary))


def effective(versions: list[Version]) -> list[Version]:
    """A document's history as the best extraction reads it (see ``archive.history.effective_versions``)."""
    newest: dict[int, Version] = {}
    for version in sorted(versions, key=lambda v: (v.captured_at, v.id)):
        newest[version.snapshot_id] = version
    history: list[Version] = []
    for version in sorted(newest.values(), key=lambda v: (v.captured_at, v.id)):
        if not history or history[-1].text_sha256 != version.text_sha256:
            history.append(version)
    return history


def histories(session: Session, document_ids: list[int]) -> dict[int, list[Version]]:
    """Effective histories of many documents in one query (texts are loaded only if a diff needs them)."""
    grouped: dict[int, list[Version]] = defaultdict(list)
    for n in range(0, len(document_ids), 900):
        for version in session.scalars(select(Version).options(defer(Version.text))
                                       .where(Version.document_id.in_(document_ids[n:n + 900]))):
            grouped[version.document_id].append(version)
    return {doc_id: effective(versions) for doc_id, versions in grouped.items()}
