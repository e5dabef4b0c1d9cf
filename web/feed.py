"""An Atom 1.0 feed of substantive changes (``reports.changes.recent_changes``).

Built with ElementTree, which escapes every text and attribute; characters XML 1.0 forbids
(control characters a page may carry) are dropped first, so the feed is always well-formed.
Said in the language of the moment (``i18n.using``: the request's ``?lang=``, cookie or Accept-Language, as
for a page), which ``xml:lang`` names; the feed's ids and links do not depend on it, so a reader that
subscribed in one language does not see every entry again in another. Titles and texts of the changes
are the archive's, never translated.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from i18n import _, language, ngettext
from reports.words import type_label

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH = "1970-01-01T00:00:00Z"


def _clean(value) -> str:
    return _FORBIDDEN.sub("", str(value or ""))


def _add(parent: ET.Element, tag: str, text=None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _clean(text)
    return element


def atom(changes: list[dict], base: str, self_path: str, title: str, names: dict[str, str]) -> bytes:
    """The feed: one entry per change, newest first (at most 200)."""
    ET.register_namespace("", ATOM)
    entries = sorted(changes, key=lambda c: c["to_date"] or EPOCH, reverse=True)
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: language()})
    _add(feed, "id", f"{base}{self_path}")
    _add(feed, "title", title)
    _add(feed, "updated", entries[0]["to_date"] or EPOCH if entries else EPOCH)
    _add(feed, "link", rel="self", href=f"{base}{self_path}")
    _add(feed, "link", rel="alternate", type="text/html", href=f"{base}/")
    _add(_add(feed, "author"), "name", "policy-archive")
    for change in entries[:200]:
        entry = _add(feed, "entry")
        company = names.get(change["company"], change["company"])
        _add(entry, "id", f"{base}/diff?a={change['from']}&b={change['to']}")
        _add(entry, "title", _("{company}: {type} [{language}] changed").format(
            company=company, type=type_label(change["type"]) or _("document"), language=change["language"] or "-"))
        _add(entry, "updated", change["to_date"] or EPOCH)
        _add(entry, "link", rel="alternate", type="text/html", href=f"{base}/diff?a={change['from']}&b={change['to']}")
        added, removed = change["added_words"], change["removed_words"]
        lines = [f"{change['url']}", ngettext("{added} words added, {removed} removed",
                                              "{added} words added, {removed} removed", added).format(
            added=added, removed=removed)]
        lines += [f"+ {text}" for text in change["added"][:5]] + [f"- {text}" for text in change["removed"][:5]]
        _add(entry, "summary", "\n".join(lines), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
