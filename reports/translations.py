"""RDR F1a.2 / P1a.2 "in full": is each required language version the whole document, in the same edition?

A Kazakh page whose letters are Kazakh can still be a different document: clauses the Russian
one has are missing, a period or amount was changed in one language only, it states an older
edition, or the company changed the Russian text and never the Kazakh one. For every pair of
required language versions a coverage row holds (kk↔ru, kk↔en, ru↔en), ``Translations.check``
adds ``translations`` to the row:

- ``missing``: per language, the clauses of the other version it lacks (paired by clause number
  only, ``diffing.align_translations``) and the share of the other's text they hold;
- ``numbers``: paired clauses whose numbers disagree (dates read as days), with the numbers only
  each side mentions;
- ``editions``: the edition (or effective date) each version states, when both state one;
- ``lag``: from the two documents' histories, each substantive change of one and when the other
  followed (a substantive change of its own), in days, or that it has not yet.

Words are never compared across languages. A pair that cannot be paired by clause number says so
(``comparable: false``, ``reason: "no clause numbers"``) and changes no verdict. The verdict
becomes ``partial`` when a required version lacks clauses holding at least
``coverage.missing_clauses_share`` of the other's text, states an older edition, or has not
followed a substantive change for ``coverage.lag_grace_days`` days or more; ``f1a_reasons`` says
why in words (with the reasons a version is missing or incomplete).
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from archive.changelog import histories, summaries
from archive.models import Version
from archive.translation_checks import checks
from config.model import CoverageSettings
from reports.ways import language_name as _name

ORDER = ("kk", "ru", "en")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat().replace("+00:00", "Z")



def lags(history_a: list[Version], history_b: list[Version], substantive: set[int], a: str, b: str,
         until: datetime) -> list[dict]:
    """Each substantive change of one version after both existed, and when the other followed.

    Changes are taken in time order; a change of one side answers every change of the other side
    still waiting (the lag is the days between them) and waits for nothing itself: the company
    brought the two back together. A change no change of the other side answered is ``open``, its
    lag counted until ``until``. ``substantive`` holds the ids of versions that begin a substantive
    change of their document's history."""
    if not history_a or not history_b:
        return []
    both = max(history_a[0].captured_at, history_b[0].captured_at)
    events = sorted([(v.captured_at, v.id, side) for side, history in ((a, history_a), (b, history_b))
                     for v in history[1:] if v.id in substantive and v.captured_at > both])
    waiting: dict[str, list[dict]] = {a: [], b: []}
    out: list[dict] = []
    for moment, version_id, side in events:
        other = b if side == a else a
        if waiting[other]:
            for lag in waiting[other]:
                lag.update(followed_at=_iso(moment), follower_version=version_id, open=False,
                           lag_days=(moment - lag["_at"]).days)
            waiting[other] = []
            continue
        lag = {"changed": side, "changed_at": _iso(moment), "version": version_id, "follower": other,
               "followed_at": None, "follower_version": None, "lag_days": (until - moment).days, "open": True,
               "_at": moment}
        waiting[side].append(lag)
        out.append(lag)
    for lag in out:
        del lag["_at"]
    return out


class Translations:
    """Checks the language versions of one company's coverage rows (see the module)."""

    def __init__(self, session: Session, settings: CoverageSettings, end: datetime | None,
                 now: datetime | None = None):
        self.session = session
        self.settings = settings
        self.end = end
        self.now = (now or datetime.now(UTC)).replace(tzinfo=None)

    def check(self, rows: list[dict], required: list[str]) -> None:
        """Add ``translations`` and ``f1a_reasons`` to each row; a full verdict becomes partial when a
        translation falls short. Two grouped queries for the histories, one for the stored checks."""
        plans = []
        for row in rows:
            present = [lang for lang in ORDER if lang in required and lang in row["languages"]]
            plans.append((row, list(combinations(present, 2))))
        version_ids = {row["languages"][lang]["version_id"] for row, pairs in plans for pair in pairs for lang in pair}
        versions = {v.id: v for v in self.session.scalars(select(Version).options(
            load_only(Version.id, Version.document_id, Version.text_sha256, Version.captured_at))
            .where(Version.id.in_(version_ids)))} if version_ids else {}
        found = checks(self.session, [(versions[row["languages"][a]["version_id"]],
                                       versions[row["languages"][b]["version_id"]])
                                      for row, pairs in plans for a, b in pairs])
        doc_ids = sorted({v.document_id for v in versions.values()})
        history = {doc: [v for v in h if self.end is None or v.captured_at < self.end]
                   for doc, h in histories(self.session, doc_ids).items()} if doc_ids else {}
        neighbours = [(old, new) for h in history.values() for old, new in zip(h, h[1:], strict=False)]
        substantive = {new.id for (_, new), s in zip(neighbours, summaries(self.session, neighbours), strict=True)
                       if s["kind"] == "substantive"}
        until = min(self.now, self.end) if self.end is not None else self.now
        results = iter(found)
        for row, pairs in plans:
            row["translations"] = []
            for a, b in pairs:
                ea, eb = row["languages"][a], row["languages"][b]
                pair = self._pair(a, b, ea, eb, next(results))
                pair["lag"] = lags(history.get(ea["document_id"], []), history.get(eb["document_id"], []),
                                   substantive, a, b, until)
                row["translations"].append(pair)
            self._verdict(row, required)

    @staticmethod
    def _pair(a: str, b: str, ea: dict, eb: dict, found: dict) -> dict:
        editions = {}
        for kind in ("edition", "effective"):
            sa, sb = found["editions"]["a"].get(kind), found["editions"]["b"].get(kind)
            if sa and sb:
                editions[kind] = {a: sa, b: sb, "differ": sa["date"] != sb["date"]}
        return {
            "languages": [a, b],
            "documents": {a: ea["document_id"], b: eb["document_id"]},
            "versions": {a: ea["version_id"], b: eb["version_id"]},
            "comparable": found["comparable"],
            "reason": found["reason"],
            "missing": {a: found["a_lacks"], b: found["b_lacks"]},
            "numbers": [{"refs": {a: n["a_ref"], b: n["b_ref"]}, "only": {a: n["a_only"], b: n["b_only"]},
                         "text": {a: n["a"], b: n["b"]}} for n in found["numbers"]],
            "editions": editions,
        }

    def _verdict(self, row: dict, required: list[str]) -> None:
        reasons: list[dict] = []

        def say(lang: str, code: str, text: str) -> None:
            reasons.append({"language": lang, "code": code, "text": text})

        for lang in row["missing_languages"]:
            say(lang, "missing", f"no {_name(lang)} version")
        for lang, entry in row["languages"].items():
            if lang in required and entry["incomplete"]:
                say(lang, "incomplete", f"the {_name(lang)} version is only {entry['share']:.0%} {_name(lang)} text")
        for pair in row["translations"]:
            a, b = pair["languages"]
            for lang, other in ((a, b), (b, a)):
                lacks = pair["missing"][lang]
                if pair["comparable"] and lacks["clauses"] and lacks["share"] >= self.settings.missing_clauses_share:
                    say(lang, "missing_clauses",
                        f"the {_name(lang)} version lacks {_clauses(lacks['clauses'])} of the {_name(other)} one, "
                        f"{lacks['share']:.0%} of its text")
            for kind, stated in pair["editions"].items():
                if stated["differ"]:
                    older, newer = sorted((a, b), key=lambda lang, s=stated: s[lang]["date"])
                    say(older, "older_edition",
                        f"the {_name(older)} version states an older {kind} ({stated[older]['date']}) than the "
                        f"{_name(newer)} one ({stated[newer]['date']})")
                    break
            for lag in pair["lag"]:
                if lag["open"] and lag["lag_days"] >= self.settings.lag_grace_days:
                    say(lag["follower"], "lag",
                        f"the {_name(lag['follower'])} version has not followed the {_name(lag['changed'])} change "
                        f"of {lag['changed_at'][:10]} ({_days(lag['lag_days'])})")
        row["f1a_reasons"] = reasons
        if row["f1a"] == "yes" and reasons:
            row["f1a"] = "partial"


def _clauses(refs: list[str]) -> str:
    shown = ", ".join(refs[:8]) + (f" and {len(refs) - 8} more" if len(refs) > 8 else "")
    return f"clause {shown}" if len(refs) == 1 else f"{len(refs)} clauses ({shown})"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def lag_words(lag: dict) -> str:
    """One lag in a sentence, the same in every report, the UI's tables and its timeline:
    "the Kazakh version has not followed the Russian change of 2025-05-12 (3 days so far)", "… followed the
    Russian change of 2025-05-12 on 2025-05-14 (2 days later)", or, followed the same day, "the Russian and
    Kazakh versions changed together on 2025-05-12"."""
    follower, changed = _name(lag["follower"]), _name(lag["changed"])
    day = (lag.get("changed_at") or "?")[:10]
    if lag["open"]:
        return (f"the {follower} version has not followed the {changed} change of {day} "
                f"({_days(lag['lag_days'])} so far)")
    if lag["lag_days"] == 0:
        return f"the {changed} and {follower} versions changed together on {day}"
    return (f"the {follower} version followed the {changed} change of {day} on {(lag.get('followed_at') or '?')[:10]} "
            f"({_days(lag['lag_days'])} later)")


def pair_words(pair: dict) -> list[str]:
    """A translation pair in sentences, for the md/html/csv/xlsx reports and the UI."""
    a, b = pair["languages"]
    head = f"{_name(a)} ↔ {_name(b)}"
    if not pair["comparable"]:
        out = [f"{head}: not comparable: {pair['reason']}"]
    else:
        lacking = [f"the {_name(lang)} version lacks {_clauses(pair['missing'][lang]['clauses'])} "
                   f"({pair['missing'][lang]['share']:.0%} of the {_name(other)} text)"
                   for lang, other in ((a, b), (b, a)) if pair["missing"][lang]["clauses"]]
        out = [f"{head}: " + ("; ".join(lacking) if lacking else "every numbered clause paired")]
        out += [f"numbers differ in {n['refs'][a]}: {_name(a)} {', '.join(n['only'][a]) or '—'}, "
                f"{_name(b)} {', '.join(n['only'][b]) or '—'}" for n in pair["numbers"]]
    out += [f"stated {kind}: {_name(a)} {s[a]['date']}, {_name(b)} {s[b]['date']}"
            for kind, s in pair["editions"].items() if s["differ"]]
    out += [lag_words(lag) for lag in pair["lag"]]
    return out
