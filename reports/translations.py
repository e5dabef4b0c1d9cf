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

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import combinations

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from archive.changelog import histories, summaries
from archive.models import Version
from archive.translation_checks import checks
from config.model import CoverageSettings
from i18n import N_, _, language, ngettext, percent, using
from reports.ways import in_sentence
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
        """``f1a_reasons``: the sayings of the row that count (``sayings``) against the settings, in English
        (the data and its JSON stay English; the reports and the UI say them again in their language)."""
        reasons: list[dict] = []
        with using("en"):
            for lang, code, say, size in sayings(row):
                counts = {"incomplete": lang in required,
                          "missing_clauses": size >= self.settings.missing_clauses_share,
                          "lag": size >= self.settings.lag_grace_days}.get(code, True)
                if counts:
                    reasons.append({"language": lang, "code": code, "text": say()})
        row["f1a_reasons"] = reasons
        if row["f1a"] == "yes" and reasons:
            row["f1a"] = "partial"


def sayings(row: dict) -> list[tuple[str, str, Callable[[], str], float]]:
    """Every F1a.2 reason the row could give, in order: (language, code, the sentence in the language of the
    moment, the size the verdict weighs: a share of text lacked, the days of an open lag). ``_verdict``
    keeps those that count; ``reports.render_translations.reason_texts`` says the kept ones again in the
    report's language."""
    out: list[tuple[str, str, Callable[[], str], float]] = []
    for lang in row["missing_languages"]:
        out.append((lang, "missing", lambda lang=lang: _("no {language} version").format(language=_said(lang)), 0))
    for lang, entry in row["languages"].items():
        if entry["incomplete"]:
            out.append((lang, "incomplete", lambda lang=lang, share=entry["share"]: _(
                "the {language} version is only {share} {language_name} text").format(
                language=_said(lang), share=percent(share), language_name=_said(lang)), 0))
    for pair in row["translations"]:
        a, b = pair["languages"]
        for lang, other in ((a, b), (b, a)):
            lacks = pair["missing"][lang]
            if pair["comparable"] and lacks["clauses"]:
                out.append((lang, "missing_clauses", lambda lang=lang, other=other, lacks=lacks: _(
                    "the {language} version lacks {clauses} of the {other} one, {share} of its text").format(
                    language=_said(lang), clauses=_clauses(lacks["clauses"]), other=_said(other),
                    share=percent(lacks["share"])), lacks["share"]))
        for kind, stated in pair["editions"].items():
            if stated["differ"]:
                older, newer = sorted((a, b), key=lambda lang, s=stated: s[lang]["date"])
                out.append((older, "older_edition", lambda older=older, newer=newer, kind=kind, stated=stated: _(
                    "the {older} version states an older {kind} ({older_date}) than the {newer} one ({newer_date})"
                ).format(older=_said(older), kind=stated_kind(kind), older_date=stated[older]["date"],
                         newer=_said(newer), newer_date=stated[newer]["date"]), 0))
                break
        for lag in pair["lag"]:
            if lag["open"]:
                out.append((lag["follower"], "lag", lambda lag=lag: _(
                    "the {follower} version has not followed the {changed} change of {day} ({days})").format(
                    follower=_said(lag["follower"]), changed=_said(lag["changed"]), day=lag["changed_at"][:10],
                    days=_days(lag["lag_days"])), lag["lag_days"]))
    return out


_STATED_KINDS = {"edition": N_("edition"), "effective": N_("effective date")}
_NOT_COMPARABLE = {"no clause numbers": N_("no clause numbers"),
                   "clause numbers do not correspond": N_("clause numbers do not correspond")}


def stated_kind(kind: str) -> str:
    """"edition" / "effective" (``diffing.stated``) as words; English keeps the code, as it always said it."""
    return kind if language() == "en" or kind not in _STATED_KINDS else _(_STATED_KINDS[kind])


def not_comparable(reason: str | None) -> str:
    """Why a pair was not compared clause by clause (``diffing.translations``' reasons), in words."""
    return _(_NOT_COMPARABLE[reason]) if reason in _NOT_COMPARABLE else (reason or "")


def _said(lang: str) -> str:
    """A language inside a sentence: its English name in English ("the Kazakh version"), in Russian and
    Kazakh the phrase no grammatical case bends ("версия на казахском", "қазақ тіліндегі нұсқа":
    ``reports.ways.in_sentence``)."""
    return in_sentence(lang)


def _clauses(refs: list[str]) -> str:
    more = len(refs) - 8
    shown = ", ".join(refs[:8]) + (_(" and {n} more").format(n=more) if more > 0 else "")
    if len(refs) == 1:
        return _("clause {shown}").format(shown=shown)
    return ngettext("{n} clause ({shown})", "{n} clauses ({shown})", len(refs)).format(n=len(refs), shown=shown)


def _days(n: int) -> str:
    return ngettext("{n} day", "{n} days", n).format(n=n)


def lag_words(lag: dict) -> str:
    """One lag in a sentence, the same in every report, the UI's tables and its timeline:
    "the Kazakh version has not followed the Russian change of 2025-05-12 (3 days so far)", "… followed the
    Russian change of 2025-05-12 on 2025-05-14 (2 days later)", or, followed the same day, "the Russian and
    Kazakh versions changed together on 2025-05-12"."""
    follower, changed = _said(lag["follower"]), _said(lag["changed"])
    day = (lag.get("changed_at") or "?")[:10]
    if lag["open"]:
        return _("the {follower} version has not followed the {changed} change of {day} ({days} so far)").format(
            follower=follower, changed=changed, day=day, days=_days(lag["lag_days"]))
    if lag["lag_days"] == 0:
        return _("the {changed} and {follower} versions changed together on {day}").format(
            changed=changed, follower=follower, day=day)
    return _("the {follower} version followed the {changed} change of {day} on {followed} ({days} later)").format(
        follower=follower, changed=changed, day=day, followed=(lag.get("followed_at") or "?")[:10],
        days=_days(lag["lag_days"]))


def pair_words(pair: dict) -> list[str]:
    """A translation pair in sentences, for the md/html/csv/xlsx reports and the UI."""
    a, b = pair["languages"]
    head = f"{_name(a)} ↔ {_name(b)}"
    if not pair["comparable"]:
        out = [_("{pair}: not comparable: {reason}").format(pair=head, reason=not_comparable(pair["reason"]))]
    else:
        lacking = [_("the {language} version lacks {clauses} ({share} of the {other} text)").format(
                       language=_said(lang), clauses=_clauses(pair["missing"][lang]["clauses"]),
                       share=percent(pair["missing"][lang]["share"]), other=_said(other))
                   for lang, other in ((a, b), (b, a)) if pair["missing"][lang]["clauses"]]
        out = [f"{head}: " + ("; ".join(lacking) if lacking else _("every numbered clause paired"))]
        out += [_("numbers differ in {ref}: {a} {a_only}, {b} {b_only}").format(
                    ref=n["refs"][a], a=_said(a), a_only=", ".join(n["only"][a]) or "—", b=_said(b),
                    b_only=", ".join(n["only"][b]) or "—") for n in pair["numbers"]]
    out += [_("stated {kind}: {a} {a_date}, {b} {b_date}").format(
                kind=stated_kind(kind), a=_said(a), a_date=s[a]["date"], b=_said(b), b_date=s[b]["date"])
            for kind, s in pair["editions"].items() if s["differ"]]
    out += [lag_words(lag) for lag in pair["lag"]]
    return out
