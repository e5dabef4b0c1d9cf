"""A company's own archive of previous versions (RDR F2a.4 / P2a.4): the old editions an archive page or
an archive section of a page lists, each with the date the company states for it.

Pure functions over an lxml tree (``response.selector.root``), so they are tested without Scrapy.

- On an **archive page** (reached by a link such as "Архив документов"), every dated link of the page's
  content (header, navigation and footer left out) is an old edition, if it or its row names a document
  type or calls itself an edition ("редакция", "нұсқасы", "version") or the archive belongs to one
  document; a news archive's dated links name neither and are left alone.
- An **archive section** is a heading that names an archive ("Бұрынғы редакциялар", "История
  изменений") followed by dated links: on a document page or a hub. The section runs to the next
  heading of the same or a higher level (or is the ``<details>``, table or fieldset the heading titles).

The date comes from the link's text, else from its row (the nearest ``li``, ``tr``, ``dd``, ``p``).
Many archives state no full date: a year or an edition number next to an edition word ("редакция 2021
года", "2021 жылғы редакция", "2-я редакция", "Редакция №3", "v1.2") states an edition as well, and in
a list whose title names editions, a document or documents ("Бұрынғы редакциялар", "Архив документов")
a year alone ("2020") does too; the most precise statement of the link and its row is kept, with its
words and number (``config.editions.StatedDate``). A year in a link elsewhere ("Отчёт 2021") is not an
edition. A row marked as the edition in force ("действующая редакция", "қолданыстағы") is never an
old one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from config import Vocabulary
from config.editions import StatedDate, best
from spiders.links import RawLink, anchor_link

_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_TITLED_CONTAINERS = {"summary": "details", "caption": "table", "legend": "fieldset"}
_ROWS = {"li", "tr", "dd", "dt", "p", "figure", "blockquote"}
_CHROME = {"header", "nav", "footer", "script", "style", "noscript", "template"}
_MAX_HEADING = 150  # characters: a longer "heading" is prose that mentions an archive
_MAX_ROW = 400  # characters of a row searched for a date and a document name
_PSEUDO_LEVEL = 7  # <p><strong>Архив</strong></p>: below every real heading
# Heading-like elements, in document order (one XPath: pages are long): headings, and paragraphs or blocks with a
# bold child. The role and the bold text are reached from the attribute and from the b / strong elements (few)
# rather than by testing every element and every paragraph: the same elements as "//*[@role='heading']|//p[b or
# strong]|//div[b or strong]", in half the time (~0.09 against ~0.19 ms a 58 KB policy page; every page crawled).
_CANDIDATES = ("//h1|//h2|//h3|//h4|//h5|//h6|//summary|//caption|//legend|//dt|//@role[.='heading']/.."
               "|//b/parent::p|//strong/parent::p|//b/parent::div|//strong/parent::div")


@dataclass(frozen=True)
class Edition:
    """One old edition listed by the company."""

    link: RawLink
    stated_date: StatedDate  # a day, a year, or only an edition number (then .plain() is None)
    doc_type: str | None
    row: str  # the text the date or type was read from, for humans


@dataclass(frozen=True)
class ArchiveSection:
    heading: str
    editions: list[Edition]


def _text(el) -> str:
    return " ".join(" ".join(el.itertext()).split())


def _tag(el) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _level(el) -> int | None:
    """The heading level of an element, or None when it is not heading-like."""
    tag = _tag(el)
    if tag in _HEADINGS:
        return _HEADINGS[tag]
    if el.get("role") == "heading":
        level = el.get("aria-level", "2")
        return int(level) if level.isdigit() else 2
    if tag in _TITLED_CONTAINERS or tag == "dt":
        return _PSEUDO_LEVEL
    if tag in ("p", "div"):
        children = [c for c in el if isinstance(c.tag, str)]
        if (len(children) == 1 and _tag(children[0]) in ("strong", "b") and not (el.text or "").strip()
                and not (children[0].tail or "").strip()):
            return _PSEUDO_LEVEL
    return None


def _starts_section(el, level: int) -> bool:
    """Whether a sibling begins another section: a heading of the same or a higher level, or holds one."""
    candidates = [el, *(d for d in el.iterdescendants() if _tag(d) in _HEADINGS)]
    for candidate in candidates:
        found = _level(candidate)
        if found is not None and found <= level and _tag(candidate) not in _TITLED_CONTAINERS:
            return True
    return False


def _scope(heading) -> list:
    """The elements a heading titles."""
    tag = _tag(heading)
    if tag in _TITLED_CONTAINERS:
        parent = heading.getparent()
        return [parent] if parent is not None and _tag(parent) == _TITLED_CONTAINERS[tag] else []
    level = _level(heading) or _PSEUDO_LEVEL
    node = heading
    # The heading may sit alone in a wrapper (<div class="title"><h3>…</h3></div><ul>…</ul>): look from
    # the wrapper then, at most two levels up.
    for _ in range(3):
        scope = []
        for sibling in node.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            if _tag(sibling) == "dt" and tag == "dt":
                break
            if _starts_section(sibling, level):
                break
            scope.append(sibling)
        if any(True for el in scope for _ in el.iter("a")) or _tag(node) == "a":
            return scope
        parent = node.getparent()
        if parent is None or _tag(parent) in ("body", "html", "main", "article") or len(_text(parent)) > \
                len(_text(heading)) + 40:
            return scope
        node = parent
    return []


def _row(a, stop) -> str:
    """The text of the link's row: the nearest row-like ancestor below ``stop`` (a row may hold the
    same edition's links in two languages), else the link's parent if it holds no other link."""
    node = a.getparent()
    first = node
    while node is not None and node is not stop:
        if _tag(node) in _ROWS:
            text = _text(node)
            return text if len(text) <= _MAX_ROW else ""
        node = node.getparent()
    if first is not None and first is not stop and sum(1 for _ in first.iter("a")) == 1:
        text = _text(first)
        return text if len(text) <= _MAX_ROW else ""
    return ""


def _anchors(nodes: Iterable) -> Iterator:
    for node in nodes:
        for el in node.iter():
            if _tag(el) in _CHROME:
                continue
            if _tag(el) == "a" and el.get("href") and not any(_tag(p) in _CHROME for p in el.iterancestors()):
                yield el


def _titled(title: str, vocabulary: Vocabulary) -> tuple[bool, bool]:
    """(a year alone states an edition in this list, the list is of editions or of one document): what a
    list's title (an archive section's heading, an archive page's heading) says about its entries."""
    names = vocabulary.names_edition(title) or bool(vocabulary.document_type(text=title))
    return names or vocabulary.is_hub(text=title), names


def _editions(nodes: Iterable, page_url: str, vocabulary: Vocabulary, page_type: str | None, stop,
              require_name: bool, bare: bool) -> list[Edition]:
    found: dict[str, Edition] = {}
    for a in _anchors(nodes):
        link = anchor_link(a, page_url)
        if link is None or link.url == page_url or link.url in found:
            continue
        row = _row(a, stop)
        stated = best(vocabulary.stated_edition(link.text, bare=bare), vocabulary.stated_edition(row, bare=bare))
        if stated is None or vocabulary.is_current_edition(link.text) or vocabulary.is_current_edition(row):
            continue
        named = (vocabulary.document_type(text=link.text) or vocabulary.document_type(text=row)
                 or vocabulary.document_type(url=link.url))
        if require_name and not (named or page_type or vocabulary.names_edition(link.text)
                                 or vocabulary.names_edition(row)):
            continue  # a dated link that says nothing of documents: news, events
        found[link.url] = Edition(link, stated, named or page_type, row or link.text)
    return list(found.values())


def page_editions(root, page_url: str, vocabulary: Vocabulary, page_type: str | None) -> list[Edition]:
    """The old editions an archive page lists (its content: header, navigation and footer left out).
    ``page_type`` is the document type the archive belongs to, if the link to it said (or the page it
    was found on was a document); then any dated link counts, else it must name a document or an
    edition, or the page's heading must ("Архив редакций": then "2020" alone is one too)."""
    body = root.find(".//body")
    title = " ".join(_text(el) for el in root.xpath("//h1|//title")[:3])
    bare, names = _titled(title[:_MAX_HEADING * 2], vocabulary)
    return _editions([body if body is not None else root], page_url, vocabulary, page_type, stop=None,
                     require_name=not names, bare=bare)


def archive_sections(root, page_url: str, vocabulary: Vocabulary, page_type: str | None) -> list[ArchiveSection]:
    """The archive sections of a page: headings that name an archive, each with the dated links below it."""
    sections = []
    taken: set[str] = set()
    for el in root.xpath(_CANDIDATES):
        if _level(el) is None:
            continue
        heading = _text(el)
        if not heading or len(heading) > _MAX_HEADING or not vocabulary.is_archive(text=heading):
            continue
        if any(_tag(p) in _CHROME for p in el.iterancestors()):
            continue
        if vocabulary.stated_date(heading):
            continue  # "Редакция от 01.02.2025" over a document: its own edition line, not an archive
        scope = _scope(el)
        stop = scope[0].getparent() if scope else None
        bare, _ = _titled(heading, vocabulary)
        editions = [e for e in _editions(scope, page_url, vocabulary, page_type, stop, require_name=False, bare=bare)
                    if e.link.url not in taken]
        if editions:
            taken.update(e.link.url for e in editions)
            sections.append(ArchiveSection(heading, editions))
    return sections
