"""Translations "in full" in the web UI (issue 14): the timeline's lag bars, the F1a reasons on the company
page and the overview, hostile clause texts on the document page, and documents that are in no coverage
row (a cookie policy, a company that requires one language) rendering without the section.

The archives are the in-process ones of tests/test_translations.py (captures fed to the real recorder);
every page is read through the real app and checked with ``ui_is_balanced_and_inert``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import select

from archive.blobs import BlobStore
from archive.models import Snapshot, Version
from archive.recorder import Recorder
from archive.runs import start_run
from tests.conftest import company
from tests.test_translations import (
    HOME_URL,
    KK_URL,
    RU_URL,
    _document_ids,
    _page,
    capture,
    crawl,
)
from tests.translation_pairs import (
    KK,
    KK_EDITION,
    KK_SHORTER,
    RU,
    RU_EDITION,
    RU_SHORTER,
    page,
    replaced,
    without,
)
from web.timeline import PAD, WIDTH, timeline

SECTION = "Language versions in full"
COOKIE_URL = "http://pay.kz/ru/cookies"


@pytest.fixture
def pay(archive):
    """As tests/test_translations.py's: an archive with the one company its ``crawl`` captures."""
    archive.write_config([company("pay", HOME_URL)])
    return archive


def _bars(html: str) -> list[dict]:
    """The lag bars of a page's timeline: their class, coordinates and title."""
    return [{"kind": kind, "x": float(x), "end": float(x) + float(width), "title": title}
            for x, width, kind, title in re.findall(
                r'<rect x="([\d.]+)" y="\d+" width="([\d.]+)" height="\d+" class="lag (\w+)"><title>([^<]*)</title>',
                html)]


def _version_x(html: str, version_id: int) -> float:
    return float(re.search(rf'<a href="/version/{version_id}"><circle cx="([\d.]+)"', html).group(1))


def _kk_versions(archive) -> list[int]:
    ids = _document_ids(archive)
    db = archive.db()
    try:
        with db.session() as session:
            return list(session.scalars(select(Version.id).where(Version.document_id == ids[KK_URL])
                                        .order_by(Version.id)))
    finally:
        db.close()


def test_the_timeline_draws_a_lag_open_until_the_kazakh_follows_then_closed(pay):
    crawl(pay, 10, page("ru", RU, RU_EDITION), page("kk", KK, KK_EDITION))
    crawl(pay, 12, page("ru", RU_SHORTER, RU_EDITION), page("kk", KK, KK_EDITION))
    ids = _document_ids(pay)
    kk = _page(pay, f"/document/{ids[KK_URL]}")
    (bar,) = _bars(kk)
    assert bar["kind"] == "open"
    assert bar["title"].startswith("the Kazakh version has not followed the Russian change of 2025-05-12 (")
    assert bar["end"] == WIDTH - PAD  # open: to the end of the axis
    assert "has not followed the Russian change of 2025-05-12" in kk  # the verdict's reason
    assert _bars(_page(pay, f"/document/{ids[RU_URL]}")) == [bar]  # the same lag on the Russian page

    crawl(pay, 14, page("ru", RU_SHORTER, RU_EDITION), page("kk", KK_SHORTER, KK_EDITION))
    crawl(pay, 16, page("ru", RU_SHORTER, RU_EDITION), page("kk", KK_SHORTER, KK_EDITION))  # nothing new
    kk = _page(pay, f"/document/{ids[KK_URL]}")
    (bar,) = _bars(kk)
    assert bar["kind"] == "closed"
    assert bar["title"] == "the Kazakh version followed the Russian change of 2025-05-12 on 2025-05-14 (2 days later)"
    # From the Russian change to the Kazakh version that followed it, on the same axis as the marks.
    assert abs(bar["end"] - _version_x(kk, _kk_versions(pay)[-1])) <= 2.1
    assert bar["x"] < bar["end"] < WIDTH - PAD  # closed: it ends before the axis does
    assert "followed the Russian change of 2025-05-12 on 2025-05-14 (2 days later)" in kk  # pair_words
    assert "not yet" not in kk and SECTION in kk  # the row is full again, the pair still shown


def test_the_axis_includes_the_moments_of_a_lag(pay):
    """The other version's change can lie outside this document's captures: the axis stretches to it."""
    crawl(pay, 10, page("ru", RU, RU_EDITION), page("kk", KK, KK_EDITION))
    db = pay.db()
    try:
        with db.session() as session:
            kk_id = _document_ids(pay)[KK_URL]
            versions = list(session.scalars(select(Version).where(Version.document_id == kk_id)))
            snapshots = list(session.scalars(select(Snapshot).where(Snapshot.document_id == kk_id)))
    finally:
        db.close()
    lag = {"changed": "ru", "changed_at": "2025-05-01T08:00:00Z", "version": 1, "follower": "kk",
           "followed_at": "2025-05-03T08:00:00Z", "follower_version": 2, "lag_days": 2, "open": False}
    chart = timeline(versions, snapshots, [lag])
    assert chart["start"] == datetime(2025, 5, 1, 8) and chart["end"] == datetime(2025, 5, 10, 9, 2)
    (bar,) = chart["bars"]
    assert bar.x == PAD and bar.kind == "closed" and 0 < bar.width < WIDTH / 2
    assert bar.y + bar.height < chart["label_y"] - 8 < chart["height"]  # under the marks, above the dates
    assert timeline(versions, snapshots)["bars"] == []


def test_the_company_page_and_the_overview_say_why_a_verdict_is_partial(pay):
    crawl(pay, 10, page("ru", RU, RU_EDITION), page("kk", without(KK, "4.3.", "6.1."), KK_EDITION))
    reason = "the Kazakh version lacks 2 clauses (4.3, 6.1) of the Russian one"
    ids = _document_ids(pay)
    company_page = _page(pay, "/company/pay")
    row = re.search(r"<tr><td>privacy_policy</td>.*?</tr>", company_page, re.S).group(0)
    assert 'class="verdict f1a-partial">partial<' in row and reason in row
    assert f'href="/document/{ids[KK_URL]}#in-full"' in row
    terms = re.search(r"<tr><td>terms</td>.*?</tr>", company_page, re.S).group(0)
    assert "no Kazakh version" in terms and "no Russian version" in terms  # "no" is explained too

    overview = _page(pay, "/")
    cells = re.findall(r'<td class="cell [^"]*" title="privacy_policy \[(\w+)\]: ([^"]*)">(.*?)</td>', overview, re.S)
    by_lang = {lang: (title, body) for lang, title, body in cells}
    assert "F1a partial (" + reason in by_lang["kk"][0] and "F1a partial (" + reason in by_lang["ru"][0]
    assert 'class="f1a-why"' in by_lang["kk"][1]  # the Kazakh version is there, yet not in full
    assert 'class="f1a-why"' not in by_lang["ru"][1]


def test_a_full_pair_shows_no_reason_mark(pay):
    crawl(pay, 10, page("ru", RU, RU_EDITION), page("kk", KK, KK_EDITION))
    overview = _page(pay, "/")
    assert 'class="f1a-why" title' not in overview and "F1a yes" in overview
    assert "every required language, in full" in _page(pay, "/company/pay")
    kk = _page(pay, f"/document/{_document_ids(pay)[KK_URL]}")
    assert SECTION in kk and "every numbered clause paired" in kk and "no required language version falls short" in kk
    assert _bars(kk) == []


def test_hostile_clause_texts_stay_text_on_the_document_page(pay):
    hostile = ("Сведения хранятся 3 (три) года &lt;script&gt;alert(1)&lt;/script&gt; "
               "[x](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt;.")
    crawl(pay, 10, page("ru", replaced(RU, "5.2.", hostile), RU_EDITION), page("kk", KK, KK_EDITION))
    kk = _page(pay, f"/document/{_document_ids(pay)[KK_URL]}")  # balanced, nothing runs
    assert "numbers differ in 5.2" in kk
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in kk and "&lt;img src=x onerror=alert(1)&gt;" in kk
    assert "<script" not in kk.lower() and "<img" not in kk.lower()


def _record(archive, *captures) -> None:
    db = archive.db()
    recorder = Recorder(db, BlobStore(archive.data / "blobs"), start_run(db, None))
    try:
        for c in captures:
            recorder.record(c)
    finally:
        recorder.close()
        db.close()


def test_a_document_in_no_row_renders_without_the_section(pay):
    crawl(pay, 10, page("ru", RU, RU_EDITION), page("kk", without(KK, "4.3."), KK_EDITION))
    cookies = page("ru", [("1.", "Файлы cookie"),
                          ("1.1.", "Сайт использует файлы cookie, чтобы пользователь оставался в приложении после "
                                   "входа, и чтобы помнить выбранный язык интерфейса."),
                          ("1.2.", "Пользователь может удалить файлы cookie в настройках браузера в любое время.")])
    _record(pay, replace(capture(COOKIE_URL, cookies, 11, 0), doc_type="cookie_policy"))
    ids = _document_ids(pay)
    text = _page(pay, f"/document/{ids[COOKIE_URL]}")
    assert SECTION not in text and 'class="lag' not in text and "No text version yet" not in text
    assert SECTION in _page(pay, f"/document/{ids[KK_URL]}")  # the policy beside it has one


def test_a_company_requiring_one_language_shows_no_section(archive):
    archive.write_config([company("pay", HOME_URL, languages=["ru"])])
    crawl(archive, 10, page("ru", RU, RU_EDITION), page("kk", without(KK, "4.3."), KK_EDITION))
    crawl(archive, 12, page("ru", RU_SHORTER, RU_EDITION), page("kk", without(KK, "4.3."), KK_EDITION))
    ids = _document_ids(archive)
    for url in (RU_URL, KK_URL):
        text = _page(archive, f"/document/{ids[url]}")
        assert SECTION not in text and 'class="lag' not in text, url
    assert "every required language, in full" in _page(archive, "/company/pay")
