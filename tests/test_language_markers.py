"""Language markers in URLs (/kz/, ?lang=ru, kz.example.kz) are vocabulary data: one function,
``Vocabulary.without_language_marker``, decides which URLs are language versions of one page, for the
crawler's links (spiders/links.py) and the coverage report's families (reports/coverage.py) alike."""

from __future__ import annotations

from datetime import datetime

import pytest

from archive.blobs import BlobStore
from archive.recorder import Recorder
from archive.records import DOCUMENT, HOME, Capture, Link
from archive.runs import start_run
from config import load_config
from config.loader import PACKAGED_VOCABULARY, default_vocabulary
from reports.coverage import build_coverage
from spiders.links import RawLink, classify
from tests.conftest import company
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page

HTML = {"content-type": "text/html; charset=utf-8"}


@pytest.fixture(scope="module")
def vocab():
    return default_vocabulary()


@pytest.mark.parametrize(("a", "b"), [
    ("https://bank.kz/kz/privacy", "https://bank.kz/ru/privacy"),
    ("https://bank.kz/KAZ/privacy/", "https://bank.kz/privacy"),
    ("https://bank.kz/privacy/en", "https://bank.kz/privacy/rus"),
    ("https://bank.kz/kk-kz/privacy", "https://bank.kz/ru_RU/privacy"),  # locale forms, as language_of_url
    ("https://bank.kz/privacy?lang=kz&id=3", "https://bank.kz/privacy?lang=ru&id=3"),
    ("https://bank.kz/privacy?locale=kk-KZ", "https://bank.kz/privacy?locale=en"),
    ("https://kz.bank.kz/privacy", "https://ru.bank.kz/privacy"),
    ("https://bank.kz:8443/kz/", "https://bank.kz:8443/ru"),
])
def test_language_versions_share_one_key(vocab, a, b):
    assert vocab.without_language_marker(a) == vocab.without_language_marker(b)


@pytest.mark.parametrize(("a", "b"), [
    ("https://bank.kz/kz/privacy", "https://bank.kz/kz/terms"),
    ("https://bank.kz/ru/privacy", "https://shop.kz/ru/privacy"),
    ("https://bank.kz/privacy?id=en", "https://bank.kz/privacy?id=ru"),  # "id" carries no language
    ("https://bank.kz/ru/privacy", "https://bank.kz/russia/privacy"),  # a marker is a whole segment
    ("https://bank.kz:8443/ru/x", "https://bank.kz:8444/ru/x"),
])
def test_other_pages_keep_their_own_key(vocab, a, b):
    assert vocab.without_language_marker(a) != vocab.without_language_marker(b)


def test_a_country_domain_and_a_broken_url_are_not_markers(vocab):
    # In "bank.kz" the "kz" is the country, not a language version.
    assert vocab.without_language_marker("https://bank.kz/") == "bank.kz/?"
    assert vocab.without_language_marker("https://bank.kz/kz/") == "bank.kz/?"
    assert vocab.without_language_marker("http://[::1/x") == "http://[::1/x"  # no crash, its own key


# --- a marker added only in the YAML -------------------------------------------------------------------


def _with_qaz(tmp_path):
    """A vocabulary where "qaz" (Latin Kazakh, /qaz/ on some sites) also marks Kazakh URLs."""
    text = PACKAGED_VOCABULARY.read_text(encoding="utf-8")
    assert "url: [kz, kk, qz, kaz]" in text
    path = tmp_path / "vocabulary.yaml"
    path.write_text(text.replace("url: [kz, kk, qz, kaz]", "url: [kz, kk, qz, kaz, qaz]"), encoding="utf-8")
    return path


def test_the_crawler_follows_a_marker_added_in_the_yaml(tmp_path, vocab):
    from config.loader import load_vocabulary

    link = RawLink("https://bank.kz/qaz/privacy", "Құпиялылық саясаты")
    before = classify(link, "https://bank.kz/ru/privacy", DOCUMENT, "privacy_policy", vocab)
    assert before is not None and not before.alternate and before.language is None
    after = classify(link, "https://bank.kz/ru/privacy", DOCUMENT, "privacy_policy",
                     load_vocabulary(_with_qaz(tmp_path)))
    assert after is not None and after.alternate and after.language == "kk"
    assert (after.role, after.doc_type) == (DOCUMENT, "privacy_policy")


def _capture(url: str, body: str, minute: int, *, depth: int, role: str = DOCUMENT) -> Capture:
    return Capture(company_id="bank", url=url, final_url=url, status=200, headers=dict(HTML), body=body.encode(),
                   fetched_at=datetime(2025, 5, 10, 9, minute), role=role, doc_type=None if role == HOME else
                   "public_offer", depth=depth, path=[] if role == HOME else [Link("http://bank.kz/", "Оферта")])


def test_the_coverage_report_pairs_versions_by_a_marker_added_in_the_yaml(archive, tmp_path):
    """Two offers: A in Kazakh (/qaz/offer-a) and Russian (/ru/offer-a), B only in Russian and shallower.
    The report must take A's Russian version, the one paired with the Kazakh text, not B's."""
    archive.write_config([company("bank", "http://bank.kz/")])
    archive.config.write_text(f"vocabulary: {_with_qaz(tmp_path).name}\n" + archive.config.read_text("utf-8"),
                              encoding="utf-8")
    cfg = load_config(archive.config)
    db = archive.db()
    recorder = Recorder(db, BlobStore(archive.data / "blobs"), start_run(db, None))
    try:
        outcomes = [recorder.record(c) for c in (
            _capture("http://bank.kz/", home_page({"/ru/offer-b": "Публичная оферта"}), 0, depth=0, role=HOME),
            _capture("http://bank.kz/qaz/offer-a", policy_page("Жария оферта", KK_CLAUSES, lang="kk"), 1, depth=2),
            _capture("http://bank.kz/ru/offer-a", policy_page("Публичная оферта", RU_CLAUSES), 2, depth=2),
            _capture("http://bank.kz/ru/offer-b",
                     policy_page("Оферта для продавцов", [c.replace("Банк", "Маркет") for c in RU_CLAUSES[::-1]]),
                     3, depth=1),
        )]
    finally:
        recorder.close()
    assert outcomes == ["new_page", "new_version", "new_version", "new_version"]
    with db.session() as session:
        report = build_coverage(session, cfg)
    db.close()
    (terms,) = [d for d in report["companies"][0]["documents"] if d["type"] == "terms"]
    assert {lang: entry["url"] for lang, entry in terms["languages"].items()} == {
        "kk": "http://bank.kz/qaz/offer-a", "ru": "http://bank.kz/ru/offer-a"}
