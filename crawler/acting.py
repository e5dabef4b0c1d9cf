"""Acting like a person on a rendered page: open the language menu, click the script-only switchers.

Many Kazakhstani sites switch language with a ``<button>``, an ``onclick`` on a ``<span>`` or a menu
("RU ▾") whose items a script builds when it opens. No URL is in the HTML, so only clicking shows
where the other language is. ``act`` finds the candidates in the DOM (short texts the vocabulary
reads as a language label, ``language_of_label``: the same question the spider asks of links), then
clicks each, bounded, and says what happened:

- ``link``: the click navigated or opened a window to a URL (the navigation is held, not followed:
  the spider fetches the URL as an ordinary request, through the address guard); an item that
  carries its URL in ``data-href`` / ``data-url`` / ``data-link`` is read without a click;
- ``cookie``: the click set cookies (the spider fetches the page again in that cookie state);
- ``in place``: the page's text changed without a navigation (the DOM after the click is kept);
- ``nothing changed``: the evidence that the switcher was tried;
- ``failed``: the click itself did not happen (the element was covered, or gone): no evidence either way.

``window.open`` is replaced by a recorder before any click, so no pop-up opens. The page is restored
(cookies and a reload) after a click that changed something. Menu toggles (``aria-haspopup``,
``aria-expanded``) are opened first; one screenshot shows the page with its language menu open (or,
without a menu, with the first switcher in view). Every click has a short timeout and the whole
acting a hard bound (the caller's), so one page never holds a browser for long.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

log = logging.getLogger("policy_archive.render")

LINK, COOKIE, IN_PLACE, NOTHING, FAILED = "link", "cookie", "in place", "nothing changed", "failed"
CLICK_TIMEOUT_MS = 2000
SETTLE_POLL_S = 0.2
MAX_TOGGLES = 3  # menus opened to look for switchers inside them
MAX_LABEL_CHARS = 40  # a switcher's text is short; a paragraph is never one

# Marks every element that may be a switcher or a menu toggle with data-pa-act and describes it.
# Texts are judged in Python (Vocabulary.language_of_label), not here: one definition of a label.
SCAN = """(maxLabel) => {
  const picks = 'button, [onclick], [role=button], [role=link], [role=menuitem], [role=option], [role=tab], '
    + '[data-href], [data-url], [data-link], [data-lang], [data-locale], [data-language], [aria-haspopup], '
    + '[aria-expanded], li, span, a, select option, label, div[tabindex]';
  const out = [];
  let n = window.__paN || 0;  // ids stay unique while the page lives, whatever a script removed
  for (const el of document.querySelectorAll(picks)) {
    if (out.length >= 400) break;
    const alt = Array.from(el.querySelectorAll('img[alt]')).map(i => i.alt).join(' ');
    const own = (el.tagName === 'OPTION' ? el.textContent : (el.innerText || el.textContent)) || '';
    const text = [own, alt, el.getAttribute('aria-label') || '', own.trim() ? '' : (el.getAttribute('title') || '')]
      .join(' ').replace(/\\s+/g, ' ').trim();
    if (!text || text.length > maxLabel) continue;
    if (!el.hasAttribute('data-pa-act')) el.setAttribute('data-pa-act', String(n++));
    const href = el.tagName === 'A' ? (el.getAttribute('href') || '') : '';
    const data = el.getAttribute('data-href') || el.getAttribute('data-url') || el.getAttribute('data-link') || '';
    const sel = el.tagName === 'OPTION' ? el.closest('select') : null;
    if (sel && !sel.hasAttribute('data-pa-act')) sel.setAttribute('data-pa-act', String(n++));
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    out.push({
      id: el.getAttribute('data-pa-act'), tag: el.tagName.toLowerCase(), text: text,
      href: href, data: data, value: el.tagName === 'OPTION' ? el.value : '',
      select: sel ? sel.getAttribute('data-pa-act') : null,
      toggle: el.hasAttribute('aria-haspopup') || el.hasAttribute('aria-expanded'),
      active: el.matches('button, [onclick], [role], [data-href], [data-url], [data-link], [data-lang], '
        + '[data-locale], [data-language], a, option'),
      visible: (sel ? true : box.width > 0 && box.height > 0 && style.visibility !== 'hidden'),
    });
  }
  window.__paN = n;
  return out;
}"""
# Records what window.open would have opened (``window.open(this.dataset.href)`` behind a PDF button).
HOLD_WINDOWS = """() => {
  window.__paOpened = window.__paOpened || [];
  window.open = function (url) { window.__paOpened.push(String(new URL(String(url), location.href))); return null; };
}"""
BODY_TEXT = "() => document.body ? document.body.innerText : ''"


@dataclass
class Candidate:
    id: str
    tag: str
    text: str
    language: str | None
    href: str
    data: str
    value: str
    select: str | None
    toggle: bool
    visible: bool
    active: bool  # something a script listens on (a button, onclick, a role), not just a span of text

    @property
    def key(self) -> tuple[str, str]:
        return self.tag, self.text


@dataclass
class Acting:
    """What acting on one page found: ``clicks`` are dicts the spider reads (see the module docstring):
    ``{"text", "language", "result", "url"?, "cookies"?, "dom"?, "screenshot"?, "menu"?}``."""

    clicks: list[dict] = field(default_factory=list)
    menu_screenshot: bytes | None = None
    notes: list[str] = field(default_factory=list)
    navigations: list[str] = field(default_factory=list)
    holding: bool = False


def _plain_url(href: str, base: str) -> str | None:
    """An http(s) URL an attribute names, or None for "#", "javascript:" and the like."""
    href = href.strip()
    if not href or href.startswith("#") or href.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    url = urljoin(base, href)
    return url.split("#")[0] if urlsplit(url).scheme in ("http", "https") else None


def _same_page(a: str, b: str) -> bool:
    return a.split("#")[0].rstrip("/") == b.split("#")[0].rstrip("/")


async def _scan(page, language_of_label: Callable[[str], str | None]) -> list[Candidate]:
    found = await page.evaluate(SCAN, MAX_LABEL_CHARS)
    return [Candidate(id=c["id"], tag=c["tag"], text=c["text"], language=language_of_label(c["text"]),
                      href=c["href"], data=c["data"], value=c["value"], select=c["select"], toggle=c["toggle"],
                      visible=c["visible"], active=c["active"]) for c in found]


async def _cookies(page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in await page.context.cookies(page.url)}


async def _settle(page, acting: Acting, opened_before: int, seconds: float) -> None:
    """Wait until the click led somewhere, or the text stopped changing, or ``seconds`` passed."""
    deadline = time.monotonic() + seconds
    last, steady = None, 0
    while time.monotonic() < deadline:
        await asyncio.sleep(SETTLE_POLL_S)
        if acting.navigations or await _opened_count(page) > opened_before:
            return
        try:
            text = await page.evaluate(BODY_TEXT)
        except Exception:
            continue  # navigating: wait on
        steady = steady + 1 if text == last else 0
        last = text
        if steady >= 2:
            return


async def _opened_count(page) -> int:
    try:
        return await page.evaluate("() => (window.__paOpened || []).length")
    except Exception:
        return 0


async def _opened(page, since: int) -> list[str]:
    try:
        return (await page.evaluate("() => window.__paOpened || []"))[since:]
    except Exception:
        return []


async def _restore(page, url: str, cookies: list[dict], wait_ms: int) -> None:
    """The page as it was before a click: its cookies, reloaded, windows held again."""
    await page.context.clear_cookies()
    if cookies:
        await page.context.add_cookies(cookies)
    await page.goto(url, wait_until="domcontentloaded", timeout=wait_ms)
    try:
        await page.wait_for_load_state("networkidle", timeout=min(wait_ms, 2000))
    except Exception:
        pass
    await page.evaluate(HOLD_WINDOWS)


async def page_content(page) -> str:
    """The page's DOM as HTML. Playwright refuses while a document replaces another (a script's reload,
    a challenge that clears late): wait for the next document and read that one. Callers bound the wait."""
    while True:
        try:
            return await page.content()
        except Exception as exc:
            if "navigating" not in str(exc):
                raise
        try:
            await page.wait_for_load_state("domcontentloaded")
        except Exception:
            pass  # still navigating, or closed: the next read answers or raises
        await asyncio.sleep(0.05)


async def _screenshot(page) -> bytes | None:
    try:
        return await page.screenshot(type="png", timeout=5000)
    except Exception:
        return None


async def _click(page, target: Candidate) -> None:
    if target.select is not None:
        await page.locator(f'[data-pa-act="{target.select}"]').select_option(value=target.value,
                                                                          timeout=CLICK_TIMEOUT_MS)
    else:
        await page.locator(f'[data-pa-act="{target.id}"]').first.click(timeout=CLICK_TIMEOUT_MS)


async def _open_menu(page, toggle: Candidate, acting: Acting, settle_s: float) -> None:
    before = await _opened_count(page)
    await _click(page, toggle)
    await _settle(page, acting, before, settle_s)


async def act(page, language_of_label: Callable[[str], str | None], max_clicks: int, wait_ms: int,
              budget_s: float, acting: Acting) -> Acting:
    """Click the page's script-only language switchers (see the module docstring), filling ``acting`` as it
    goes (a caller that gives up keeps what was found). Never raises for the page's sake: a failure is a note."""
    url = page.url
    deadline = time.monotonic() + budget_s
    settle_s = min(wait_ms / 1000, 3.0)

    async def hold(route) -> None:
        request = route.request
        if (acting.holding and request.is_navigation_request() and request.frame == page.main_frame
                and request.method == "GET"):
            acting.navigations.append(request.url)
            await route.abort("aborted")
        else:
            await route.fallback()

    await page.route("**/*", hold)  # registered last, so asked first; the address guard comes after
    try:
        await page.evaluate(HOLD_WINDOWS)
        await _act(page, url, language_of_label, max_clicks, wait_ms, settle_s, deadline, acting)
    except Exception as exc:  # a page that broke under our clicks: what was found so far stands
        acting.notes.append(f"acting stopped: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    return acting


async def _act(page, url: str, language_of_label, max_clicks: int, wait_ms: int, settle_s: float,
               deadline: float, acting: Acting) -> None:
    start = await _scan(page, language_of_label)
    toggles = [c for c in start if c.toggle and c.visible and c.tag != "option"]
    # A menu toggle that names a language ("RU ▾") first: it is the language menu.
    toggles.sort(key=lambda c: c.language is None)
    targets: list[tuple[Candidate | None, Candidate]] = []
    known = {c.key for c in start}
    for c in start:
        if c.language and not c.toggle and c.visible:  # a hidden item is for its menu to show, or for no one
            targets.append((None, c))
    for toggle in toggles[:MAX_TOGGLES]:
        if time.monotonic() > deadline:
            break
        acting.holding = True
        try:
            await _open_menu(page, toggle, acting, settle_s)
        except Exception as exc:
            acting.notes.append(f"menu '{toggle.text}' did not open: {type(exc).__name__}")
            continue
        finally:
            acting.holding = False
        revealed = [c for c in await _scan(page, language_of_label)
                    if c.language and not c.toggle and (c.key not in known or not _visible_in(start, c))]
        if revealed and acting.menu_screenshot is None:
            acting.menu_screenshot = await _screenshot(page)
        targets += [(toggle, c) for c in revealed]
        known |= {c.key for c in revealed}
        acting.navigations.clear()
    if acting.menu_screenshot is None and targets:
        try:
            await page.locator(f'[data-pa-act="{targets[0][1].id}"]').first.scroll_into_view_if_needed(timeout=1000)
        except Exception:
            pass
        acting.menu_screenshot = await _screenshot(page)
    # One click per label, on the element a script listens on rather than the text inside it.
    targets.sort(key=lambda t: not t[1].active)
    cookies_before = await page.context.cookies()
    done: set[str] = set()
    clicks = 0
    for toggle, target in targets:
        if target.text in done:
            continue
        done.add(target.text)
        if url_of := _plain_url(target.data, url) or _plain_url(target.href, url):
            # The item says where it leads: read, not clicked.
            acting.clicks.append({"text": target.text, "language": target.language, "result": LINK, "url": url_of,
                                  "menu": toggle.text if toggle else None})
            continue
        if clicks >= max_clicks or time.monotonic() > deadline:
            acting.notes.append(f"switcher '{target.text}' not clicked: the page's click budget is spent")
            continue
        clicks += 1
        result = await _try(page, url, toggle, target, language_of_label, wait_ms, settle_s, acting)
        acting.clicks.append(result)
        if result["result"] not in (NOTHING, FAILED):
            try:
                await _restore(page, url, cookies_before, wait_ms)
            except Exception as exc:
                acting.notes.append(f"the page could not be restored after '{target.text}': {type(exc).__name__}")
                return


def _visible_in(candidates: list[Candidate], c: Candidate) -> bool:
    return any(x.key == c.key and x.visible for x in candidates)


async def _find(page, target: Candidate, language_of_label) -> Candidate | None:
    for c in await _scan(page, language_of_label):
        if c.key == target.key:
            return c
    return None


async def _try(page, url: str, toggle: Candidate | None, target: Candidate, language_of_label, wait_ms: int,
               settle_s: float, acting: Acting) -> dict:
    """One click on ``target`` (its menu opened first if it is hidden), and what it did."""
    result = {"text": target.text, "language": target.language, "menu": toggle.text if toggle else None}
    now = await _find(page, target, language_of_label)
    acting.holding = True
    try:
        if toggle is not None and (now is None or not now.visible):
            toggle_now = await _find(page, toggle, language_of_label)
            if toggle_now is not None:
                await _open_menu(page, toggle_now, acting, settle_s)
            acting.navigations.clear()
            now = await _find(page, target, language_of_label)
        if now is None:
            return {**result, "result": FAILED, "note": "the switcher was no longer on the page"}
        cookies = await _cookies(page)
        text = await page.evaluate(BODY_TEXT)
        opened = await _opened_count(page)
        await _click(page, now)
        await _settle(page, acting, opened, settle_s)
    except Exception as exc:  # not clicked, so no evidence of anything: a note
        acting.holding = False
        return {**result, "result": FAILED, "note": f"the click failed: {type(exc).__name__}"}
    acting.holding = False
    went = [u for u in [*acting.navigations, *await _opened(page, opened)] if not _same_page(u, url)]
    reload = bool(acting.navigations) and not went
    acting.navigations.clear()
    if went:
        return {**result, "result": LINK, "url": went[0]}
    changed = {k: v for k, v in (await _cookies(page)).items() if cookies.get(k) != v}
    if changed:
        return {**result, "result": COOKIE, "cookies": changed}
    if reload:  # the switcher reloads the page, keeping its choice somewhere we cannot see (local storage)
        await page.reload(wait_until="domcontentloaded", timeout=wait_ms)
        await _settle(page, acting, 0, settle_s)
    after = await page.evaluate(BODY_TEXT)
    kept = {"dom": (await page_content(page)).encode("utf-8"), "screenshot": await _screenshot(page)}
    return {**result, "result": IN_PLACE if after != text else NOTHING, **kept}
