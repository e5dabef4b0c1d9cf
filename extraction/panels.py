"""Hidden panels of a page: tabs, accordions, modals and other blocks a person reveals with a click.

Why: many Kazakhstani sites put both language versions of a document on one URL, one per tab (the
Kazakh one hidden until its tab is clicked), or show several documents inline, one per tab or
``<details>`` section. Text a person can reveal is part of the page, but trafilatura drops hidden
blocks (``display:none``, ``aria-hidden``, ``<dialog>``...), and a hidden Kazakh tab counted into a
visible Russian text would make a 50/50 "incomplete" page of two complete versions. So this module
finds the panels, each with its label (its tab's, summary's or heading's words), its text, whether
it is hidden and which sibling set it belongs to; the recorder decides which are language versions
or documents of their own (it knows languages and document types, this module does not), and asks
for the page's markup with some panels cut out and the rest revealed.

Pure functions over the lxml tree, no network. A page that shows no sign of a panel is not parsed at
all (``signs``: a few substring searches over the bytes), so an ordinary page costs nothing more; one
that shows a sign is parsed once, for this module and ``extract`` both.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree
from lxml.html import HtmlElement, document_fromstring, tostring

from extraction.extract import PARSER, Parsed, parse_html, sniff_kind, tree_text

# The cheap test: markup that can hold a panel. Each sign: a word that must be in the lowercased bytes
# (a substring search), a pattern that must then match there, and the XPath that finds its elements:
# only the signs a page shows are looked for in its tree (XPath over every element costs milliseconds).
# A false positive (a hidden cookie banner) costs a parse, which ``extract`` then reuses.
_SIGNS = (
    (b"tabpanel", None, "//*[@role='tabpanel']"),
    (b"tab-pane", None, "//*[@class][contains(@class, 'tab-pane')]"),
    (b"<details", None, "//details"),
    (b"dialog", None, "//dialog|//*[@role='dialog' or @role='alertdialog']"),
    (b"modal", None, "//*[@class][contains(@class, 'modal')]"),
    (b"hidden", re.compile(rb"[ \t\n\r]hidden[ \t\n\r>=/]"), "//*[@hidden]"),
    (b"hidden", re.compile(rb"visibility\s*:\s*hidden"), "//*[@style][contains(@style, 'hidden')]"),
    (b"hidden", re.compile(rb"class\s*=\s*[\"'][^\"']*hid"), "//*[@class][contains(@class, 'hid')]"),
    (b"none", re.compile(rb"display\s*:\s*none"), "//*[@style][contains(@style, 'none')]"),
)
_XPATHS: dict[tuple[str, ...], etree.XPath] = {}
# A block hidden only by a style, a class or ``hidden`` is a panel when it holds this much text (a
# hidden menu, a tooltip or an icon does not); tab panels, ``<details>`` and dialogs always are.
MIN_HIDDEN_TEXT = 200
_HIDING_CLASSES = frozenset(("hidden", "hide", "d-none", "is-hidden", "collapse", "invisible"))
_SHOWING_CLASSES = frozenset(("active", "show", "in", "open", "is-active", "current", "selected"))
# Page chrome: no panel is one, or sits in one. A <form> is no panel, but may hold the whole page
# (ASP.NET pages wrap their body in one).
_CHROME_TAGS = frozenset(("script", "style", "template", "noscript", "nav", "header", "footer", "select", "head",
                          "svg", "button", "a"))
_NOT_PANELS = _CHROME_TAGS | {"form"}
# Hidden blocks that are never content: consent banners, cookie notices.
_CHROME = re.compile(r"cookie|consent|gdpr|banner|popup-ad|subscribe", re.I)
# Bootstrap's responsive pairs (d-none d-md-block) and carousel clones hide duplicates of text shown
# elsewhere: revealing them would repeat it.
_RESPONSIVE = re.compile(
    r"^(?:d-(?:sm|md|lg|xl|xxl)-(?:block|flex|inline|inline-block|grid|table)|visible-.*|.*clone.*)$")
_STYLE_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
TAB, ACCORDION, MODAL, HIDDEN, SECTION = "tab", "accordion", "modal", "hidden", "section"
# A documents page may show its documents inline, one per titled section: looked for only when the caller
# asks (the recorder does on hub pages), never on a document page, whose own sections are its clauses.
_SECTIONS = ("//section[h1|h2|h3|h4 or header/h1 or header/h2 or header/h3]"
             "|//article[h1|h2|h3|h4 or header/h1 or header/h2 or header/h3]")
_CONTROLS = etree.XPath("//*[@aria-controls]|//*[@data-target]|//*[@data-bs-target]|//a[starts-with(@href, '#')]")


@dataclass
class Panel:
    """One panel. ``group`` numbers its sibling set (one tab set, one accordion, one container);
    ``position`` is its place in that set, from 1; ``element_id`` its HTML id, if any."""

    kind: str
    label: str | None
    text: str
    hidden: bool
    group: int
    position: int
    element_id: str | None
    element: HtmlElement = field(repr=False)

    @property
    def html(self) -> str:
        """The panel alone as a small page, revealed, titled by its label: what its document's text is
        extracted from."""
        node = _copy_revealed(self.element)
        title = f"<title>{_escape(self.label)}</title>" if self.label else ""
        body = tostring(node, encoding="unicode", with_tail=False)
        return f'<!doctype html><html><head><meta charset="utf-8">{title}</head><body><main>{body}</main></body></html>'


@dataclass
class PanelPage:
    """A parsed page and its panels (outermost first, in document order; none when the page only
    showed a sign of one)."""

    parsed: Parsed
    panels: list[Panel]
    revealable: list[HtmlElement] = field(repr=False)

    @property
    def encoding(self) -> str | None:
        return self.parsed.encoding

    def visible_text(self) -> str:
        """The page's text as shown on arrival: its main text without the hidden panels' lines."""
        hidden = Counter(line for panel in self.panels if panel.hidden for line in panel.text.splitlines())
        shown = []
        for line in tree_text(self.parsed.root).splitlines():
            if hidden[line] > 0:
                hidden[line] -= 1
            else:
                shown.append(line)
        return "\n".join(shown)

    def markup(self, cut: set[int]) -> bytes:
        """The page's markup (UTF-8) with the panels at indexes ``cut`` removed and everything a person
        can reveal shown, so that the extractor keeps it. Changes the parsed tree: call it once."""
        removed = {id(self.panels[i].element) for i in cut}
        for i in cut:
            self.panels[i].element.drop_tree()
        for el in self.revealable:
            if id(el) not in removed:
                _reveal(el)
        return tostring(self.parsed.root, encoding="utf-8", doctype="<!doctype html>")


def signs(body: bytes) -> tuple[str, ...]:
    """The XPaths of the signs of panels in the markup; empty for most pages, at the cost of a few
    substring searches (no parse)."""
    low = body.lower()
    return tuple(xpath for word, pattern, xpath in _SIGNS
                 if word in low and (pattern is None or pattern.search(low)))


def might_have_panels(body: bytes) -> bool:
    return bool(signs(body))


def find(body: bytes, content_type: str | None, sections: bool = False) -> PanelPage | None:
    """The page's panels; None when the page shows no sign of one (it is then not parsed) or cannot be
    parsed. A page with a sign but no panel comes back with no panels and its parse, which ``extract``
    reuses. With ``sections``, titled ``<section>``/``<article>`` blocks are panels too (shown ones).
    Never raises for bad markup."""
    wanted = signs(body)
    if sections and (b"<section" in body.lower() or b"<article" in body.lower()):
        wanted = (*wanted, _SECTIONS)
    if not wanted or sniff_kind(body, content_type) != "html":
        return None
    parsed = parse_html(body, content_type)
    if parsed is None:
        return None
    root = parsed.root
    xpath = _XPATHS.get(wanted)
    if xpath is None:
        xpath = _XPATHS[wanted] = etree.XPath("|".join(wanted))
    found: list[tuple[HtmlElement, str, bool]] = []
    for el in xpath(root):
        if el.tag in _NOT_PANELS:
            continue
        kind = _kind(el) or (SECTION if el.tag in ("section", "article") else None)
        if kind is None:
            continue
        hidden = _hidden(el, kind)
        if kind == HIDDEN and not hidden:
            continue
        found.append((el, kind, hidden))
    page = PanelPage(parsed, [], [])
    if not found:
        return page
    inside = {id(el) for el, _, _ in found}
    outer = [f for f in found if not any(id(a) in inside for a in f[0].iterancestors())]
    outer_ids = {id(el) for el, _, _ in outer}
    groups: dict[HtmlElement, int] = {}  # by the parent element (kept alive, unlike an id())
    counts: dict[int, int] = {}
    labels: dict[str, str] | None = None
    for el, kind, hidden in outer:
        if _in_chrome(el):
            continue
        text = tree_text(el)
        if kind == HIDDEN and len(text) < MIN_HIDDEN_TEXT:
            continue
        if labels is None:
            labels = _tab_labels(root)
        group = groups.setdefault(_container(el), len(groups))
        counts[group] = counts.get(group, 0) + 1
        page.panels.append(Panel(kind, _label(el, kind, labels), text, hidden, group, counts[group],
                                 (el.get("id") or "").strip() or None, el))
    # Reveal the panels and what is hidden inside them; a hidden block that is no panel (a consent
    # banner, a tooltip) stays as it was.
    kept = {id(p.element) for p in page.panels}
    page.revealable = [el for el, _, hidden in found if hidden and (id(el) in kept or id(el) not in outer_ids)]
    return page


# -- what a panel is --------------------------------------------------------------------------------


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").lower().split())


def _kind(el: HtmlElement) -> str | None:
    role = (el.get("role") or "").strip().lower()
    classes = _classes(el)
    if role == "tabpanel" or "tab-pane" in classes:
        return TAB
    if el.tag == "details":
        return ACCORDION
    if el.tag == "dialog" or role in ("dialog", "alertdialog") or "modal" in classes:
        return MODAL
    # ``aria-hidden`` alone hides from screen readers, not from eyes (icons, decorative copies): a
    # block is a hidden panel only when it is hidden from view.
    if _hidden_mark(el, classes, aria=False):
        return HIDDEN
    return None


def _hidden_mark(el: HtmlElement, classes: set[str], aria: bool = True) -> bool:
    if any(_RESPONSIVE.match(c) for c in classes):
        return False
    if el.get("hidden") is not None or (aria and (el.get("aria-hidden") or "").strip().lower() == "true"):
        return True
    if _STYLE_HIDDEN.search(el.get("style") or ""):
        return True
    return bool(classes & _HIDING_CLASSES) and not classes & _SHOWING_CLASSES


def _hidden(el: HtmlElement, kind: str) -> bool:
    classes = _classes(el)
    if _hidden_mark(el, classes):
        return True
    if kind == ACCORDION:
        return el.get("open") is None
    if kind == MODAL:
        return el.get("open") is None and not classes & _SHOWING_CLASSES
    if kind == TAB:
        # Bootstrap-like tab sets hide every pane but the active one by class; without any class
        # rule, a pane is as visible as its markup says.
        return "tab-pane" in classes and not classes & _SHOWING_CLASSES
    return False


def _in_chrome(el: HtmlElement) -> bool:
    for node in (el, *el.iterancestors()):
        if node.tag in _CHROME_TAGS:
            return True
        if _CHROME.search(f"{node.get('id', '')} {node.get('class', '')}"):
            return True
    return False


def _container(el: HtmlElement) -> HtmlElement | None:
    """The element that holds a panel and its siblings: its parent, or above it while each wrapper holds
    the panel alone (``.tab-content > .wrap > .tab-pane``)."""
    node = el.getparent()
    while node is not None and len(node) == 1 and node.getparent() is not None and node.tag != "body":
        node = node.getparent()
    return node


# -- labels -----------------------------------------------------------------------------------------


def _words(el: HtmlElement | None) -> str | None:
    if el is None:
        return None
    text = " ".join(el.text_content().split())
    if not text:  # a flag: its alt text
        text = " ".join(" ".join(img.get("alt", "") for img in el.iter("img")).split())
    return text[:200] or None


def _tab_labels(root: HtmlElement) -> dict[str, str]:
    """The words of every control that opens an element by id: tabs (``aria-controls``), links to
    ``#id``, Bootstrap's ``data-target``/``data-bs-target``. Read only on pages that have panels."""
    labels: dict[str, str] = {}
    for el in _CONTROLS(root):
        for attr in ("aria-controls", "data-target", "data-bs-target", "href"):
            value = (el.get(attr) or "").strip()
            if attr == "href" and not value.startswith("#"):
                continue
            target = value.lstrip("#")
            if target and target not in labels and (words := _words(el)):
                labels[target] = words
    return labels


def _label(el: HtmlElement, kind: str, labels: dict[str, str]) -> str | None:
    if el.get("id") and el.get("id") in labels:
        return labels[el.get("id")]
    if kind == ACCORDION and (summary := el.find("summary")) is not None:
        return _words(summary)
    for by in (el.get("aria-labelledby") or "").split():
        found = el.getroottree().getroot().get_element_by_id(by, None)
        if found is not None:
            return _words(found)
    if el.get("aria-label"):
        return " ".join(el.get("aria-label").split()) or None
    for node in el.iter(*_HEADINGS):
        return _words(node)
    titled = el.find(".//*[@class]")
    if titled is not None and "modal-title" in _classes(titled):
        return _words(titled)
    return None


# -- revealing --------------------------------------------------------------------------------------


def _reveal(el: HtmlElement) -> None:
    """Show what a click would show: no hiding attribute, style or class; a dialog becomes a block
    (trafilatura drops ``<dialog>``), a closed ``<details>`` is opened."""
    for attr in ("hidden", "aria-hidden"):
        el.attrib.pop(attr, None)
    if el.get("style"):
        el.set("style", _STYLE_HIDDEN.sub("", el.get("style")))
    if el.get("class"):
        el.set("class", " ".join(c for c in el.get("class").split()
                                 if c.lower() not in _HIDING_CLASSES and "modal" not in c.lower()))
    if el.tag == "dialog":
        el.tag = "div"
    if el.tag == "details":
        el.set("open", "")


def _copy_revealed(el: HtmlElement) -> HtmlElement:
    node = document_fromstring(f"<div>{tostring(el, encoding='unicode', with_tail=False)}</div>",
                               parser=PARSER).find(".//body/div")[0]
    for inner in node.iter():
        if isinstance(inner.tag, str) and (inner is node or _kind(inner) is not None):
            _reveal(inner)
    return node


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
