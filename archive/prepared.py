"""The pure, heavy part of recording a captured page, done ahead of the recorder in a worker process.

Extracting an HTML policy's text (trafilatura) and detecting its languages paragraph by paragraph are
most of what recording it costs, and need nothing of the archive: only the bytes. The crawl's pipeline
(``crawler.pipeline``) hands each new page to a pool of worker processes (``crawl.workers``) as soon as
it arrives; the recorder, still one writer taking captures in their order of arrival, uses the result
when it was made from the very bytes it stores, and otherwise does the same work itself. The same
functions run either way, so a page reads the same whether a worker or the recorder read it.

What is prepared: a plain (not language-state) document that is not the bytes the archive last stored
for its URL: HTML, and files too (a PDF is read in a limited child process of its own, which the
worker starts instead of the recorder). Pages with panels (tabs, details, hidden blocks:
``extraction.panels``) are read by the recorder, which plans what becomes of each panel; language
states and failed fetches too.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import sys
from dataclasses import dataclass

from archive.records import DOCUMENT, Capture
from diffing.normalise import text_hash
from extraction import filedocs, panels
from extraction.extract import Extraction, extract
from language.detect import Detection, document_language


@dataclass(frozen=True)
class Prepared:
    """What a worker read from one body (``sha256``): its extraction, and for a text its normalised hash and
    language (page detection and shares). ``extraction`` None: the page has panels; the recorder reads it."""

    sha256: str
    extraction: Extraction | None
    text_sha256: str | None = None
    language: tuple[Detection, dict[str, float]] | None = None


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int | None = None) -> None:
    """Have the kernel kill this process when the one that started it dies (Linux; elsewhere nothing).

    The readers and their fork server must not outlive a crawl killed with SIGKILL (a cron timeout, the OOM
    killer): each reader holds the other readers' task queue open, so none of them ever sees the end of its
    input, and the fork server waits for its readers: they would idle for ever, ~70 MB each."""
    if sys.platform != "linux":
        return
    parent = os.getppid() if parent is None else parent
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect (or before we started)
        os._exit(1)


def start_reader(server: int | None = None) -> None:
    """Set up a reader process (single-threaded): it dies with its fork server (pid ``server``, which dies with
    the crawl), its files are read in forks of it, pypdf imported once."""
    die_with_parent(server)
    filedocs.fork_children()


def wanted(cap: Capture, last_sha256: str | None) -> bool:
    """Whether the recorder will extract ``cap`` as a plain document (so reading it ahead pays)."""
    if cap.role != DOCUMENT or cap.variant or cap.error or cap.not_modified or not cap.body:
        return False
    return last_sha256 is None or hashlib.sha256(cap.body).hexdigest() != last_sha256


def prepare(body: bytes, content_type: str | None, url: str, soft_404_phrases: tuple[str, ...]) -> Prepared:
    """Read one plain document page as the recorder would (``Recorder._extract`` and ``_store_text``)."""
    sha = hashlib.sha256(body).hexdigest()
    try:
        found = panels.find(body, content_type, sections=False)
    except Exception:  # noqa: BLE001 - the recorder reads it again, and says what went wrong
        return Prepared(sha, None)
    if found is not None and found.panels:
        return Prepared(sha, None)
    ex = extract(body, content_type, url, soft_404_phrases, parsed=found.parsed if found else None)
    if ex.failure:
        return Prepared(sha, ex)
    return Prepared(sha, ex, text_hash(ex.text), document_language(ex.text))
