"""The archive's codes as people read them, in the language of the moment (``i18n``): document types, F1a
verdicts, statuses, failure reasons, change kinds, capture outcomes, the UI's matrix states.

Shared by the reports (md, html, xlsx) and the UI, so both say "Құпиялылық саясаты" for privacy_policy.
English keeps the codes themselves, as the English pages and reports always showed them (the rating
team's sheets and scripts match on them); Russian and Kazakh say the catalog's words for them. The
English labels below are the msgids: what a translator reads. A code nobody listed is shown as it is.
"""

from __future__ import annotations

import re

from i18n import N_, _, language

TYPES = {
    "terms_of_service": N_("Terms of service"), "public_offer": N_("Public offer"),
    "privacy_policy": N_("Privacy policy"), "personal_data_policy": N_("Personal data policy"),
    "consent_form": N_("Consent to personal data processing"), "cookie_policy": N_("Cookie policy"),
    "code_of_conduct": N_("Code of conduct"), "transparency_report": N_("Transparency report"),
}
VERDICTS = {"yes": N_("yes"), "partial": N_("partial"), "no": N_("no")}
STATUSES = {"available": N_("available"), "unavailable": N_("unavailable"), "not_found": N_("not found")}
# The UI matrix: each language cell of a row.
STATES = {"full": N_("full"), "incomplete": N_("incomplete"), "missing": N_("missing"),
          "unavailable": N_("unavailable"), "optional": N_("not required")}
CHANGE_KINDS = {"substantive": N_("substantive"), "cosmetic": N_("cosmetic"), "technical": N_("technical")}
OUTCOMES = {"new_version": N_("new version"), "same_text": N_("same text"), "unchanged": N_("unchanged"),
            "new_page": N_("new page"), "failed": N_("failed"), "new": N_("new")}
FAILURES = {
    "timeout": N_("timeout"), "connection_refused": N_("connection refused"), "dns_error": N_("DNS error"),
    "cancelled": N_("cancelled"), "connection_lost": N_("connection lost"), "unsupported_url": N_("unsupported URL"),
    "ignored": N_("ignored"), "proxy_error": N_("proxy error"),
    "soft_404": N_("soft 404 (an error page served as 200)"),
    "challenge": N_("anti-bot challenge"), "empty_body": N_("empty page"), "too_large": N_("too large"),
    "storage_full": N_("storage full"), "pdf_error": N_("unreadable PDF"), "docx_error": N_("unreadable DOCX"),
    "archive_error": N_("archive error"), "fetch_error": N_("fetch error"), "error": N_("error"),
}
_HTTP = re.compile(r"http_(\d{3})")


def _say(table: dict[str, str], code) -> str:
    if code is None or code == "":
        return "" if code is None else code
    if language() == "en" or code not in table:
        return code
    return _(table[code])


def _labeller(table: dict[str, str], what: str):
    """The label function of one table: a code of ``what`` in the language of the moment."""
    def label(code: str | None) -> str:
        return _say(table, code)

    label.__doc__ = f"A {what} code in words (English: the code itself)."
    return label


type_label = _labeller(TYPES, "document type")
verdict_label = _labeller(VERDICTS, "F1a verdict")
status_label = _labeller(STATUSES, "document status")
state_label = _labeller(STATES, "matrix state")
kind_label = _labeller(CHANGE_KINDS, "change kind")
outcome_label = _labeller(OUTCOMES, "capture outcome")


def failure_label(code: str | None) -> str:
    """A failure code in words: "http_404" is "HTTP 404" in every language but English (which keeps the code)."""
    if code and language() != "en" and (m := _HTTP.fullmatch(code)):
        return _("HTTP {status}").format(status=m.group(1))
    return _say(FAILURES, code)


# The xlsx's column headings in Russian and Kazakh (English keeps the csv's keys, which scripts match on).
COLUMN_LABELS = {
    "campaign": N_("campaign"), "sector": N_("sector"), "company_id": N_("company id"), "company": N_("company"),
    "type": N_("type"), "status": N_("status"), "f1a": "F1a", "language": N_("language"), "url": "URL",
    "share": N_("share"), "incomplete": N_("incomplete"), "click_depth": N_("click depth"),
    "captured_at": N_("captured at"), "mismatch": N_("mismatch"), "absence": N_("what was tried"),
    "f1a_reasons": N_("F1a.2 reasons"), "translations": N_("translations"), "languages": N_("languages"),
    "comparable": N_("comparable"), "reason": N_("reason"), "numbers_differ": N_("numbers differ"),
    "editions": N_("stated editions"), "lag_open_days": N_("open lag, days"), "in_words": N_("in words"),
    "unavailable_since": N_("unavailable since"), "first_seen": N_("first seen"), "new": N_("new"),
    "from": N_("from version"), "to": N_("to version"), "from_date": N_("from date"), "to_date": N_("to date"),
    "kind": N_("kind"), "added_words": N_("words added"), "removed_words": N_("words removed"), "added": N_("added"),
    "removed": N_("removed"), "changed_language": N_("changed language"), "changed_url": N_("changed URL"),
    "changed_at": N_("changed at"), "changed_version": N_("changed version"),
    "follower_language": N_("follower language"), "follower_url": N_("follower URL"),
    "followed_at": N_("followed at"), "follower_version": N_("follower version"), "lag_days": N_("lag, days"),
    "open": N_("open"),
}


def column_labels(columns) -> list[str]:
    """The header row of an xlsx sheet: the keys in English, the catalog's words otherwise."""
    if language() == "en":
        return list(columns)
    return [_(COLUMN_LABELS[c]) if c in COLUMN_LABELS else c for c in columns]


def filters() -> dict:
    """The labels as Jinja2 filters, for the UI's and the reports' templates."""
    return {"doctype": type_label, "verdict": verdict_label, "status": status_label, "state": state_label,
            "kind": kind_label, "outcome": outcome_label, "failure": failure_label}
