"""Hidden panels (issue 13): tabs, accordions and modals a person opens with a click. Text a person can
reveal is part of the page; two language panels of one document are two language versions (the hidden
Kazakh tab never counts into the visible Russian text); a documents page with one document per tab
yields one document each. Recorded in-process (captures fed to the Recorder), and once through a crawl
and ``report coverage --format json``."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import select

from archive.blobs import BlobStore
from archive.models import Document, Snapshot, Version
from archive.recorder import Recorder
from archive.records import DOCUMENT, HUB, PANEL, Capture
from archive.runs import needs_attention, start_run
from config import load_config
from crawler.demo.server import FixtureServer, FixtureSite, Route
from extraction import panels
from extraction.extract import extract
from reports.coverage import build_coverage
from tests.conftest import company
from tests.pages import RU_CLAUSES, home_page, policy_page

HTML = {"content-type": "text/html; charset=utf-8"}
URL = "http://bank.kz/terms"

RU_TERMS = [
    "Настоящее соглашение определяет условия использования сервисов компании пользователями сайта.",
    "Регистрируясь на сайте, пользователь подтверждает согласие со всеми условиями настоящего соглашения.",
    "Компания стремится обеспечить бесперебойную работу сервисов, однако возможны технические перерывы.",
    "Пользователь обязан не передавать пароль от своей учетной записи третьим лицам.",
    "Компания вправе вносить изменения в настоящее соглашение и заранее сообщает об этом на сайте.",
    "Споры решаются путем переговоров, а при недостижении согласия в суде в соответствии с законодательством "
    "Республики Казахстан.",
]
KK_TERMS = [
    "Осы келісім компания мен сайт пайдаланушысы арасындағы қызметтерді пайдалану шарттарын белгілейді.",
    "Пайдаланушы сайтта тіркелу арқылы осы келісімнің барлық талаптарымен келісетінін растайды.",
    "Компания қызметтердің үздіксіз жұмыс істеуін қамтамасыз етуге тырысады, бірақ техникалық үзілістер болуы мүмкін.",
    "Пайдаланушы өз есептік жазбасының құпия сөзін үшінші тұлғаларға бермеуге міндетті.",
    "Компания осы келісімге өзгерістер енгізу құқығын сақтайды және бұл туралы сайтта алдын ала хабарлайды.",
    "Даулар келіссөздер жолымен, ал келісімге қол жеткізілмеген жағдайда Қазақстан Республикасының заңнамасына "
    "сәйкес сотта шешіледі.",
]
RU_OFFER = [
    "Настоящая публичная оферта является официальным предложением компании заключить договор оказания "
    "платежных услуг.",
    "Акцептом оферты считается регистрация в приложении и проведение первого платежа.",
    "Стоимость услуг определяется тарифами, опубликованными на сайте компании на дату платежа.",
    "Компания возвращает ошибочно списанные средства в течение десяти рабочих дней после обращения клиента.",
    "Договор действует до его расторжения по инициативе любой из сторон с уведомлением за тридцать дней.",
]


def _paragraphs(clauses: list[str]) -> str:
    return "".join(f"<p>{c}</p>" for c in clauses)


def tabs_page(title: str, tabs: list[tuple[str, str, list[str]]], *, hiding: str = "class") -> str:
    """A page with one tab per (id, label, clauses); the first tab is shown. ``hiding`` says how the
    others are hidden: "class" (Bootstrap's .tab-pane without .active), "hidden" (the attribute),
    "style" (display:none)."""
    buttons = "".join(f'<li><a href="#{key}" role="tab" aria-controls="{key}">{label}</a></li>'
                      for key, label, _ in tabs)
    panes = []
    for n, (key, _, clauses) in enumerate(tabs):
        shown = n == 0
        attrs = {"class": f'class="tab-pane{" active" if shown else ""}"', "hidden": "" if shown else "hidden",
                 "style": "" if shown else 'style="display: none"'}[hiding]
        panes.append(f'<div id="{key}" role="tabpanel" {attrs}>{_paragraphs(clauses)}</div>')
    return (f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title></head><body>'
            f'<nav><a href="/">Главная</a></nav><main><h1>{title}</h1><ul class="nav nav-tabs" role="tablist">'
            f'{buttons}</ul><div class="tab-content">{"".join(panes)}</div></main>'
            f'<footer><i class="icon" aria-hidden="true"></i> © 2025</footer></body></html>')


def _capture(body: str, *, url: str = URL, role: str = DOCUMENT, doc_type: str | None = "terms_of_service",
             minute: int = 0, status: int | None = 200, **extra) -> Capture:
    return Capture(company_id="bank", url=url, final_url=url, status=status, headers=dict(HTML), body=body.encode(),
                   fetched_at=datetime(2025, 5, 10, 9, minute), role=role, doc_type=doc_type, depth=1, **extra)


@pytest.fixture
def store(archive):
    archive.write_config([company("bank", "http://bank.kz/")])
    db = archive.db()
    yield archive, db
    db.close()


def _record(store, *captures: Capture) -> tuple[list[str], Recorder]:
    archive, db = store
    recorder = Recorder(db, BlobStore(archive.data / "blobs"), start_run(db, None))
    try:
        return [recorder.record(c) for c in captures], recorder
    finally:
        recorder.close()


def _all_documents(store) -> list[Document]:
    archive, _ = store
    return archive.rows(Document)


def _documents(store) -> dict[str, Document]:
    with store[1].session() as session:
        return {d.variant: d for d in session.scalars(select(Document))}


def _versions(store, document: Document) -> list[Version]:
    with store[1].session() as session:
        return list(session.scalars(select(Version).where(Version.document_id == document.id).order_by(Version.id)))


def _snapshots(store, variant: str | None = None) -> list[Snapshot]:
    with store[1].session() as session:
        query = select(Snapshot).order_by(Snapshot.id)
        if variant is not None:
            query = query.where(Snapshot.variant == variant)
        return list(session.scalars(query))


def _coverage(store) -> dict:
    archive, db = store
    with db.session() as session:
        report = build_coverage(session, load_config(archive.config))
    return {row["type"]: row for row in report["companies"][0]["documents"]}


LANGUAGE_TABS = [("ru", "Рус", RU_TERMS), ("kk", "Қаз", KK_TERMS)]


@pytest.mark.parametrize("hiding", ["class", "hidden", "style"])
def test_a_hidden_kazakh_tab_is_the_kazakh_version_and_the_page_stays_russian(store, hiding):
    page = tabs_page("Пользовательское соглашение", LANGUAGE_TABS, hiding=hiding)
    outcomes, recorder = _record(store, _capture(page))
    assert outcomes == ["new_version"]
    docs = _documents(store)
    assert set(docs) == {"", "panel:kk"}
    (ru,) = _versions(store, docs[""])
    (kk,) = _versions(store, docs["panel:kk"])
    assert ru.language == "ru" and ru.language_shares.get("ru", 0) >= 0.95
    assert all(c in ru.text for c in RU_TERMS) and not any(c[:40] in ru.text for c in KK_TERMS)
    assert kk.language == "kk" and all(c in kk.text for c in KK_TERMS) and RU_TERMS[0] not in kk.text
    assert docs["panel:kk"].url == URL and docs["panel:kk"].doc_type == "terms_of_service"
    assert docs["panel:kk"].title == "Қаз"
    # Its own snapshot, of the same bytes, saying how it was reached.
    page_snap, panel_snap = _snapshots(store)
    assert panel_snap.sha256 == page_snap.sha256 and panel_snap.document_id == docs["panel:kk"].id
    assert panel_snap.reached == {"how": PANEL, "language": "kk", "switcher": "Қаз", "from": URL, "panel": "kk"}
    assert recorder.languages[("bank", URL, "")] == "ru"
    assert recorder.languages[("bank", URL, "panel:kk")] == "kk"
    terms = _coverage(store)["terms"]
    assert terms["f1a"] == "yes" and terms["missing_languages"] == []
    assert terms["languages"]["ru"]["share"] >= 0.95 and not terms["languages"]["ru"]["incomplete"]
    assert terms["languages"]["kk"]["document_id"] == docs["panel:kk"].id


def test_a_panel_without_an_id_is_keyed_by_its_language_and_place(store):
    # ... and a page wrapped in one <form> (as ASP.NET writes them) is no different.
    page = tabs_page("Пользовательское соглашение", LANGUAGE_TABS).replace('id="kk" ', "")
    page = page.replace("<body>", '<body><form id="aspnetForm" method="post">').replace("</body>", "</form></body>")
    _record(store, _capture(page))
    docs = _documents(store)
    assert set(docs) == {"", "panel:kk-2"}
    assert _versions(store, docs[""])[0].language_shares.get("ru", 0) >= 0.95


def test_panels_in_wrappers_are_one_tab_set_with_their_tabs_words():
    page = tabs_page("Пользовательское соглашение", LANGUAGE_TABS)
    wrapped = page.replace('<div id="', '<div class="wrap"><div id="').replace("</p></div>", "</p></div></div>")
    found = panels.find(wrapped.encode(), "text/html")
    assert [(p.label, p.hidden, p.group, p.position, p.element_id) for p in found.panels] == [
        ("Рус", False, 0, 1, "ru"), ("Қаз", True, 0, 2, "kk")]
    assert found.panels[1].text.startswith(KK_TERMS[0])


def test_an_accordion_of_russian_clauses_is_one_document_with_every_clause(store):
    sections = "".join(f"<details><summary>Раздел {n}</summary><p>{clause}</p></details>"
                       for n, clause in enumerate(RU_TERMS, 1))
    page = (f'<!doctype html><html><head><meta charset="utf-8"><title>Соглашение</title></head><body><main>'
            f"<h1>Пользовательское соглашение</h1>{sections}</main></body></html>")
    found = panels.find(page.encode(), "text/html")
    assert found is not None and [p.label for p in found.panels] == [f"Раздел {n}" for n in range(1, 7)]
    assert all(p.kind == panels.ACCORDION and p.hidden for p in found.panels)
    assert _record(store, _capture(page))[0] == ["new_version"]
    docs = _documents(store)
    assert set(docs) == {""}
    (version,) = _versions(store, docs[""])
    assert all(clause in version.text for clause in RU_TERMS) and version.language == "ru"


def test_text_hidden_in_a_modal_is_part_of_the_page(store):
    # Bootstrap's markup of a closed modal: hidden by style and aria-hidden until its button opens it.
    modal = (f'<div class="modal fade" id="more" role="dialog" aria-labelledby="more-title" aria-hidden="true" '
             f'style="display: none;"><div class="modal-dialog">'
             f'<h5 id="more-title">Подробнее</h5>{_paragraphs(RU_TERMS[3:])}</div></div>')
    page = policy_page("Пользовательское соглашение", RU_TERMS[:3]).replace("</main>", f"{modal}</main>")
    assert RU_TERMS[4] not in extract(page.encode(), "text/html", URL).text  # what trafilatura alone keeps
    (panel,) = panels.find(page.encode(), "text/html").panels
    assert (panel.kind, panel.label, panel.hidden) == (panels.MODAL, "Подробнее", True)
    _record(store, _capture(page))
    (version,) = _versions(store, _documents(store)[""])
    assert all(clause in version.text for clause in RU_TERMS)


def test_a_kazakh_version_hidden_in_a_russian_page_without_tabs_is_its_own_version(store):
    hidden = (f'<div id="kz-version" style="display:none"><h2>Пайдаланушы келісімі</h2>{_paragraphs(KK_TERMS)}</div>'
              f"<details><summary>Қысқаша</summary><p>{KK_TERMS[0]}</p></details>")
    page = policy_page("Пользовательское соглашение", RU_TERMS).replace("</main>", f"{hidden}</main>")
    _record(store, _capture(page))
    docs = _documents(store)
    assert set(docs) == {"", "panel:kz-version"}
    (ru,) = _versions(store, docs[""])
    assert ru.language_shares.get("ru", 0) >= 0.95 and KK_TERMS[0] not in ru.text  # nor the short Kazakh summary
    (kk,) = _versions(store, docs["panel:kz-version"])
    assert kk.language == "kk" and all(c in kk.text for c in KK_TERMS)
    assert docs["panel:kz-version"].title == "Пайдаланушы келісімі"
    assert _coverage(store)["terms"]["f1a"] == "yes"


DOCUMENT_TABS = [("offer", "Публичная оферта", RU_OFFER), ("privacy", "Политика конфиденциальности", RU_CLAUSES),
                 ("terms", "Пользовательское соглашение", RU_TERMS)]


@pytest.mark.parametrize("role", [HUB, DOCUMENT])
def test_a_documents_page_with_three_tabs_yields_three_documents(store, role):
    page = tabs_page("Документы", DOCUMENT_TABS)
    url = "http://bank.kz/documents"
    doc_type = "public_offer" if role == DOCUMENT else None
    _record(store, _capture(page, url=url, role=role, doc_type=doc_type))
    docs = _documents(store)
    panel_docs = {v: d for v, d in docs.items() if v.startswith("panel:")}
    assert {v: d.doc_type for v, d in panel_docs.items()} == {
        "panel:offer": "public_offer", "panel:privacy": "privacy_policy", "panel:terms": "terms_of_service"}
    assert set(docs) == set(panel_docs) | ({""} if role == DOCUMENT else set())
    for variant, clauses in (("panel:offer", RU_OFFER), ("panel:privacy", RU_CLAUSES), ("panel:terms", RU_TERMS)):
        (version,) = _versions(store, panel_docs[variant])
        assert all(c in version.text for c in clauses) and version.language == "ru"
        others = [c for _, _, cs in DOCUMENT_TABS if cs is not clauses for c in cs]
        assert not any(c in version.text for c in others)
    assert {s.reached["switcher"] for s in _snapshots(store) if s.variant} == {
        "Публичная оферта", "Политика конфиденциальности", "Пользовательское соглашение"}
    rows = _coverage(store)
    assert rows["terms"]["status"] == rows["privacy_policy"]["status"] == "available"
    assert rows["terms"]["missing_languages"] == ["kk"]


def test_a_documents_page_with_three_titled_sections_yields_three_documents(store):
    sections = "".join(f'<section id="{key}"><h2>{label}</h2>{_paragraphs(clauses)}</section>'
                       for key, label, clauses in DOCUMENT_TABS)
    page = (f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Документы</title></head><body>'
            f'<nav><a href="/">Главная</a></nav><main><h1>Документы</h1>{sections}</main></body></html>')
    _record(store, _capture(page, url="http://bank.kz/documents", role=HUB, doc_type=None))
    docs = _documents(store)
    assert {v: d.doc_type for v, d in docs.items()} == {
        "panel:offer": "public_offer", "panel:privacy": "privacy_policy", "panel:terms": "terms_of_service"}
    (version,) = _versions(store, docs["panel:privacy"])
    assert all(c in version.text for c in RU_CLAUSES) and not any(c in version.text for c in RU_OFFER)
    # On a document page, titled sections are its own parts: one document, every clause in it.
    _record(store, _capture(page.replace("Документы", "Публичная оферта"), url="http://bank.kz/offer"))
    (offer,) = [d for d in _all_documents(store) if d.url == "http://bank.kz/offer"]
    (version,) = _versions(store, offer)
    assert all(c in version.text for _, _, cs in DOCUMENT_TABS for c in cs)


def test_a_page_without_panels_is_recorded_exactly_as_before(store):
    page = policy_page("Пользовательское соглашение", RU_TERMS,
                       footer='<i class="icon" aria-hidden="true"></i><div style="display:none">ok</div>')
    body = page.encode()
    found = panels.find(body, "text/html")  # a sign (display:none), no panel: parsed once, for extract too
    assert found is not None and found.panels == []
    assert panels.find(policy_page("Соглашение", RU_TERMS).encode(), "text/html") is None  # no sign: no parse
    assert not panels.might_have_panels(policy_page("Соглашение", RU_TERMS, footer='<i aria-hidden="true"></i>'
                                                    '<input type="hidden" name="t">').encode())
    outcomes, recorder = _record(store, _capture(page))
    assert outcomes == ["new_version"] and recorder.counts["new_version"] == 1
    assert set(_documents(store)) == {""} and len(_snapshots(store)) == 1
    (version,) = _versions(store, _documents(store)[""])
    assert version.text == extract(body, HTML["content-type"], URL).text


def test_an_unchanged_recrawl_makes_no_version_for_panel_documents_either(store):
    page = tabs_page("Пользовательское соглашение", LANGUAGE_TABS)
    _record(store, _capture(page))
    outcomes, recorder = _record(store, _capture(page, minute=5))
    assert outcomes == ["unchanged"]
    docs = _documents(store)
    assert [len(_versions(store, d)) for d in docs.values()] == [1, 1]
    again = _snapshots(store, "panel:kk")
    assert [s.outcome for s in again] == ["new", "unchanged"] and again[1].document_id == docs["panel:kk"].id
    assert again[1].reached["panel"] == "kk" and again[0].sha256 == again[1].sha256
    assert recorder.languages[("bank", URL, "panel:kk")] == "kk"
    assert docs["panel:kk"].last_captured == datetime(2025, 5, 10, 9, 5)
    # New bytes, same texts: still no version, for the page or its panel.
    outcomes, _ = _record(store, _capture(page.replace("© 2025", "© 2026"), minute=9))
    assert outcomes == ["same_text"]
    assert [len(_versions(store, d)) for d in _documents(store).values()] == [1, 1]
    assert [s.outcome for s in _snapshots(store, "panel:kk")] == ["new", "unchanged", "new"]


def test_a_cookie_state_with_other_bytes_but_the_plain_text_selected_nothing(store):
    plain = policy_page("Пользовательское соглашение", RU_TERMS)
    # The switcher's cookie only moved the menu's highlight: other bytes, the same text.
    highlighted = plain.replace('<a href="/">Главная</a>', '<a href="/" class="active">Главная</a> <b>Қаз</b>')
    cookie = {"how": "cookie", "language": "kk", "switcher": "Қаз", "from": URL, "cookies": {"lang": "kk"}}
    kazakh = policy_page("Пайдаланушы келісімі", KK_TERMS, lang="kk")
    outcomes, recorder = _record(
        store, _capture(plain),
        _capture(highlighted, minute=1, variant="cookie:lang=kk", reached=cookie),
        _capture(kazakh, minute=2, variant="accept-language:kk", reached={"how": "accept_language"}))
    assert outcomes == ["new_version", "new_page", "new_version"]
    assert set(_documents(store)) == {"", "accept-language:kk"}
    (tried,) = _snapshots(store, "cookie:lang=kk")
    assert tried.document_id is None and tried.reached == cookie and tried.sha256 != _snapshots(store, "")[0].sha256
    assert recorder.languages[("bank", URL, "cookie:lang=kk")] == "ru"
    assert recorder.languages[("bank", URL, "accept-language:kk")] == "kk"
    # The same bytes again next run: still nothing selected, without extracting them again.
    outcomes, recorder = _record(store, _capture(plain, minute=5),
                                 _capture(highlighted, minute=6, variant="cookie:lang=kk", reached=cookie))
    assert outcomes == ["unchanged", "unchanged"]
    assert [s.document_id for s in _snapshots(store, "cookie:lang=kk")] == [None, None]
    assert recorder.languages[("bank", URL, "cookie:lang=kk")] == "ru"


def test_a_failed_try_is_evidence_not_a_document_unless_the_state_already_is_one(store):
    plain = policy_page("Пользовательское соглашение", RU_TERMS)
    kazakh = policy_page("Пайдаланушы келісімі", KK_TERMS, lang="kk")
    probe = {"how": "accept_language", "language": "kk", "accept_language": "kk"}

    def failed(minute: int, variant: str) -> Capture:
        return _capture("", minute=minute, variant=variant, reached=probe, status=None,
                        error="challenge: Cloudflare interstitial did not clear in 11 s")

    # A question that timed out: a failed snapshot, kept with how it was tried, and no document.
    outcomes, _ = _record(store, _capture(plain), failed(1, "accept-language:kk"))
    assert outcomes == ["new_version", "failed"]
    assert set(_documents(store)) == {""}
    (tried,) = _snapshots(store, "accept-language:kk")
    assert (tried.document_id, tried.failure, tried.reached) == (None, "challenge", probe)
    with store[1].session() as session:
        assert needs_attention(session) == []  # a failed try is not the URL failing
    # A state that is a Kazakh version, failing later: that document is now unavailable.
    _record(store, _capture(kazakh, minute=2, variant="cookie:lang=kk", reached=probe))
    _record(store, failed(3, "cookie:lang=kk"))
    assert _documents(store)["cookie:lang=kk"].status == "unavailable"


def test_a_crawled_hidden_kazakh_tab_makes_f1a_yes(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/terms": "Пользовательское соглашение"})),
        "/terms": Route(body=tabs_page("Пользовательское соглашение", LANGUAGE_TABS)),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        result = archive.cli("report", "coverage", "--format", "json")
    assert result.code == 0, result.err
    (terms,) = [d for d in json.loads(result.out)["companies"][0]["documents"] if d["type"] == "terms"]
    assert terms["f1a"] == "yes"
    assert terms["languages"]["ru"]["share"] >= 0.95 and terms["languages"]["kk"]["share"] >= 0.95
    assert terms["languages"]["kk"]["url"] == terms["languages"]["ru"]["url"] == server.url("/terms")
    panel = archive.rows(Snapshot, Snapshot.variant == "panel:kk")
    assert [s.reached["how"] for s in panel] == [PANEL]
