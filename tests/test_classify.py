"""The cosmetic rules: each must catch its boilerplate and nothing a company could really change."""

from __future__ import annotations

import pytest

from diffing import diff
from diffing.classify import (
    classify_line,
    classify_pair,
    date_spans,
    is_cookie_banner,
    is_copyright_line,
    is_date_line,
    is_page_number,
)
from diffing.units import Unit, parse

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)


def unit(line: str) -> Unit:
    (u,) = parse(line)
    return u


def pair(old: str, new: str, renumbered: dict[str, str] | None = None) -> str | None:
    return classify_pair(unit(old), unit(new), renumbered or {})


@pytest.mark.parametrize("line", [
    "Редакция от 01.03.2024",
    "Редакция от 1 марта 2024 г.",
    "Дата последнего обновления: 15 мая 2025 года",
    "Последнее обновление: 2025-05-15",
    "Настоящая редакция Договора вступает в силу с 1 июня 2025 года.",
    "2025 жылғы 15 мамырдағы редакция",
    "Жаңартылған күні: 15.05.2025",
    "Осы редакция 2025 жылғы 1 маусымнан бастап күшіне енеді.",
    "Last updated: June 1, 2025",
    "Effective date: 1 June 2025",
    "г. Алматы, «01» июня 2025 г.",
    "01.06.2025",
    "Версия 3.2 от 01.06.2025",
])
def test_date_lines(line):
    assert is_date_line(unit(line)), date_spans(unit(line).norm.casefold())
    assert classify_line(unit(line)) == "date line"


@pytest.mark.parametrize("line", [
    # numbered: operative text, never an edition stamp
    "8.1. Новые тарифы вступают в силу с 1 июля 2025 г.",
    "5-тармақ. Осы редакция 2025 жылғы 1 маусымнан бастап күшіне енеді.",
    # no calendar date
    "Редакция № 4",
    "Изменения вступают в силу через 10 дней после публикации.",
    # a long sentence that happens to hold a date and an edition word
    "Если Пользователь не согласен с редакцией, вступившей в силу 1 июня 2025 г., он вправе в течение "
    "тридцати дней направить Компании письменное заявление о расторжении договора и возврате средств.",
])
def test_not_date_lines(line):
    assert not is_date_line(unit(line))


def test_a_date_line_change_must_stay_inside_its_dates():
    assert pair("Редакция от 01.03.2024", "Редакция от 15.05.2025") == "date line"
    assert pair("Редакция от 01.03.2024", "Дата обновления: 15.05.2025") == "date line"
    assert pair("2024 жылғы 1 наурыздағы редакция", "2025 жылғы 15 мамырдағы редакция") == "date line"
    # the company's name in an edition line is not a date
    assert pair("Редакция ТОО «Пример» от 01.03.2024", "Редакция АО «Пример» от 01.03.2024") is None
    # a period next to the date is not a date either
    assert pair("Изменения вступают в силу с 1 июня 2024 г., уведомление за 10 дней.",
                "Изменения вступают в силу с 1 июня 2024 г., уведомление за 3 дня.") is None


def test_copyright():
    assert is_copyright_line(unit("© 2024 АО «Кселл». Все права защищены."))
    assert is_copyright_line(unit("(c) 2019-2024 Beeline Kazakhstan. All rights reserved."))
    assert is_copyright_line(unit("Барлық құқықтар қорғалған © 2024"))
    assert not is_copyright_line(unit("7.1. Все права на материалы сайта защищены © 2024 законодательством."))
    assert pair("© 2024 АО «Кселл». Все права защищены.", "© 2025 АО «Кселл». Все права защищены.") == "copyright year"
    assert pair("© 2019–2024 Kcell", "© 2019–2025 Kcell") == "copyright year"
    # a new owner in the footer is not a year
    assert pair("© 2024 ТОО «Альфа». Все права защищены.", "© 2024 ТОО «Бета». Все права защищены.") is None
    assert classify_line(unit("© 2025 ТОО «Пример»")) == "copyright line"


@pytest.mark.parametrize(("line", "expected"), [
    ("12", True), ("- 12 -", True), ("Страница 3 из 10", True), ("стр. 4", True), ("Page 3 of 10", True),
    ("3-бет", True), ("3 / 10", True),
    ("12. Заключительные положения", False), ("12 месяцев", False), ("Страница Пользователя", False),
])
def test_page_numbers(line, expected):
    assert is_page_number(unit(line)) is expected


@pytest.mark.parametrize(("line", "expected"), [
    ("Мы используем файлы cookie, чтобы сайт работал удобнее. Подробнее Принять", True),
    ("Сайт использует куки. Согласен", True),
    ("This website uses cookies. Accept all", True),
    ("Біз cookie файлдарын пайдаланамыз. Толығырақ Түсінікті", True),
    ("Біз cookie файлдарын пайдаланамыз. Қабылдау", True),
    # sentences about cookies end like sentences: a cookie policy's own text stays substantive
    ("Вы можете принять или отклонить использование файлов cookie в настройках браузера.", False),
    ("Продолжая пользоваться сайтом, вы соглашаетесь на использование cookie.", False),
    ("3.1. Мы используем файлы cookie. Принять", False),  # numbered: a clause, whatever it says
    ("Принять", False),  # a button alone does not mention cookies
])
def test_cookie_banners(line, expected):
    assert is_cookie_banner(unit(line)) is expected


def test_letter_case_and_normalisation():
    assert pair("ПОЛИТИКА КОНФИДЕНЦИАЛЬНОСТИ", "Политика конфиденциальности") == "letter case"
    assert pair("1. Компания Защищает данные.", "1. Компания защищает данные.") == "letter case"
    assert pair("1. Компания «Пример» даёт", '1. Компания "Пример" дает') == "normalisation"
    assert pair("1. Компания защищает данные.", "1. Компания раскрывает данные.") is None


def test_renumbered_references():
    renumbered = {"3.2": "3.3", "3.3": "3.4", "6": "7"}
    assert pair("3.5. Запросы по пунктам 3.2 и 3.3 рассматриваются.",
                "3.5. Запросы по пунктам 3.3 и 3.4 рассматриваются.", renumbered) == "renumbering"
    assert pair("Согласие, указанное в п. 6, отзывается.", "Согласие, указанное в п. 7, отзывается.",
                renumbered) == "renumbering"
    assert pair("8-тармақ. 6-тармақта көрсетілген келісім", "8-тармақ. 7-тармақта көрсетілген келісім",
                renumbered) == "renumbering"
    # not the way this diff renumbered: a real change of reference
    assert pair("3.5. Запросы по пункту 3.2 рассматриваются.", "3.5. Запросы по пункту 3.4 рассматриваются.",
                renumbered) is None
    # a number that is not a clause reference: "6 месяцев" is a period, even if clause 6 became 7
    assert pair("Данные хранятся 6 месяцев.", "Данные хранятся 7 месяцев.", renumbered) is None
    # without renumbering in this diff, a changed reference is substantive
    assert pair("Согласие, указанное в п. 6, отзывается.", "Согласие, указанное в п. 7, отзывается.") is None


def test_notice_period_in_a_renumbered_document_stays_substantive():
    old = "1. Общие положения\n2. Банк уведомляет Клиента за 10 дней.\n10. Иное."
    new = "1. Общие положения\n2. Новый пункт.\n3. Банк уведомляет Клиента за 5 дней.\n11. Иное."
    d = diff(old, new)
    assert [(c.kind, c.old_ref, c.new_ref, c.classification) for c in d.changes] == [
        ("added", None, "2", "substantive"),
        ("changed", "2", "3", "substantive"),
    ]


def test_moved_boilerplate_is_cosmetic_moved_clause_is_not():
    old = "Редакция от 01.03.2024\n1. Первый пункт договора о связи.\n2. Второй пункт договора о связи."
    new = "1. Первый пункт договора о связи.\n2. Второй пункт договора о связи.\nРедакция от 01.03.2024"
    (c,) = diff(old, new).changes
    assert (c.kind, c.classification, c.reason) == ("moved", "cosmetic", "date line")
    old = "1. Банк вправе списывать комиссию без уведомления Клиента.\n2. Иное.\n3. Прочее."
    new = "1. Иное.\n2. Прочее.\n3. Банк вправе списывать комиссию без уведомления Клиента."
    (c,) = diff(old, new).changes
    assert (c.kind, c.old_ref, c.new_ref, c.classification) == ("moved", "1", "3", "substantive")
