"""An Atom 1.0 feed of substantive changes (``reports.changes.recent_changes``).

Built with ElementTree, which escapes every text and attribute; characters XML 1.0 forbids
(control characters a page may carry) are dropped first, so the feed is always well-formed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

ATOM = "http://www.w3.org/2005/Atom"
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
    feed = ET.Element(f"{{{ATOM}}}feed")
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
        _add(entry, "title", f"{company}: {change['type'] or 'document'} [{change['language'] or '-'}] changed")
        _add(entry, "updated", change["to_date"] or EPOCH)
        _add(entry, "link", rel="alternate", type="text/html", href=f"{base}/diff?a={change['from']}&b={change['to']}")
        lines = [f"{change['url']}", f"{change['added_words']} words added, {change['removed_words']} removed"]
        lines += [f"+ {text}" for text in change["added"][:5]] + [f"- {text}" for text in change["removed"][:5]]
        _add(entry, "summary", "\n".join(lines), type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
