"""Change-notice sentences (RDR F2a.1-3 / P2a.1-3): how users are told of changes, how far in advance.

The sentences are written for these tests in the style of Kazakhstani terms and privacy policies.
"""

from __future__ import annotations

import pytest

from config.loader import default_vocabulary
from language.notices import notice_sentences, split_sentences
from tests.pages import KK_CLAUSES, RU_CLAUSES

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)


def _one(text: str) -> dict:
    found = notice_sentences(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "channels", "advance", "days", "language"),
    [
        ("Об изменениях Банк уведомляет клиентов по электронной почте и SMS не менее чем за 30 (тридцать) "
         "календарных дней до их вступления в силу.",
         ["email", "sms"], "не менее чем за 30 (тридцать) календарных дней", 30, "ru"),
        ("Новая редакция Соглашения размещается на официальном сайте Компании не позднее, чем за 15 "
         "рабочих дней до даты ее вступления в силу.",
         ["site"], "не позднее, чем за 15 рабочих дней", 15, "ru"),
        ("Об изменении тарифов Оператор информирует абонентов через личный кабинет и push-уведомления в "
         "мобильном приложении за десять дней.",
         ["push", "account", "app"], "за десять дней", 10, "ru"),
        ("Изменения вступают в силу через 10 дней после их опубликования на сайте.",
         ["site"], "через 10 дней после", 10, "ru"),
        ("О предстоящих изменениях Банк сообщает путем размещения объявлений в отделениях за две недели.",
         ["branch"], "за две недели", 14, "ru"),
        # A Kazakh name in a Russian sentence does not make it Kazakh (language/detect.py decides).
        ("Об изменениях условий АО «Қазақстан Халық Банкі» уведомляет клиентов по SMS за 10 дней.",
         ["sms"], "за 10 дней", 10, "ru"),
        # Kazakh: numbers in digits and words, the qualifier before the number or the unit
        ("Осы Келісімге енгізілетін өзгерістер туралы Банк клиенттерді электрондық пошта арқылы 10 күн бұрын "
         "хабардар етеді.",
         ["email"], "10 күн бұрын", 10, "kk"),
        ("Саясаттың өзгерістері туралы Компания пайдаланушыларды сайтта күнтізбелік он күн бұрын хабардар етеді.",
         ["site"], "күнтізбелік он күн бұрын", 10, "kk"),
        ("Өзгерістер туралы Банк жеке кабинет және SMS-хабарлама арқылы кемінде отыз күнтізбелік күн бұрын "
         "хабарлайды.",
         ["sms", "account"], "кемінде отыз күнтізбелік күн бұрын", 30, "kk"),
        ("Тарифтердің өзгеруі туралы ақпарат мобильді қосымшада жарияланады.", ["app"], None, None, "kk"),
        # English
        ("We will notify you of material changes to these Terms by e-mail at least thirty (30) days before "
         "they take effect.",
         ["email"], "at least thirty (30) days before", 30, "en"),
        ("Any update to this Privacy Policy will be posted on this page with twenty-one days' notice.",
         ["site"], "twenty-one days' notice", 21, "en"),
    ],
)
def test_notice_sentences(text, channels, advance, days, language):
    found = _one(text)
    assert found["sentence"] == text
    assert found["channels"] == channels
    assert found["language"] == language
    if advance is None:
        assert found["advance"] is None
    else:
        assert (found["advance"]["text"], found["advance"]["days"]) == (advance, days)


def test_business_days_weeks_and_months_say_their_unit():
    units = [_one(t)["advance"] for t in (
        "Банк уведомляет об изменениях на сайте за 5 рабочих дней.",
        "Банк уведомляет об изменениях на сайте за две недели.",
        "Банк уведомляет об изменениях на сайте за один месяц.",
        "Банк уведомляет об изменениях на сайте за 10 календарных дней.",
    )]
    assert [(u["unit"], u["days"]) for u in units] == [("business_day", 5), ("week", 14), ("month", 30), ("day", 10)]


@pytest.mark.parametrize("text", [
    "Персональные данные хранятся 5 лет с момента прекращения договора.",  # retention
    "Дербес деректер бес жыл сақталады.",
    "Изменение персональных данных пользователь осуществляет в личном кабинете.",  # the user's own data
    "Компания вправе в одностороннем порядке вносить изменения в настоящую Политику.",  # no notice, no channel
    "Уведомления о платежах приходят по SMS за 3 дня до списания.",  # not about changes to the document
    "You may change your password in your account settings.",
    # the user tells the company of changes to their own data
    "Клиент обязуется уведомлять Банк об изменении своих персональных данных по электронной почте.",
    "Клиент өз дербес деректерінің өзгеруі туралы Банкке электрондық пошта арқылы хабарлайды.",
    "Please notify us of any changes in your contact details by e-mail.",
    "Редакция от 1 февраля 2025 года.",
])
def test_other_sentences_are_not_notices(text):
    assert notice_sentences(text) == []


def test_a_whole_policy_text_with_clauses_and_abbreviations():
    text = "\n".join([
        "6. Изменения Политики",
        "6.1. Компания вправе изменять Политику, т.е. без согласия Пользователя, с учетом п. 5.1. Договора.",
        "6.2. Об изменениях Компания уведомляет Пользователя (см. ст. 7 Закона РК от 21.05.2013 г. № 94-V) "
        "по электронной почте не менее чем за 10 (десять) дней. Уведомление считается полученным в день отправки.",
        "6.3. Уведомление об изменениях направляется:",
        "- в личном кабинете;",
        "- по SMS.",
        "7. Персональные данные хранятся 5 лет.",
    ])
    found = notice_sentences(text)
    assert [f["sentence"][:4] for f in found] == ["6.2.", "6.3."]
    assert found[0]["sentence"].endswith("не менее чем за 10 (десять) дней.")  # "п.", "ст.", "г." kept inside
    assert found[0]["advance"]["days"] == 10 and found[0]["channels"] == ["email"]
    # The list's lines belong to their sentence.
    assert found[1]["sentence"] == "6.3. Уведомление об изменениях направляется: - в личном кабинете; - по SMS."
    assert (found[1]["channels"], found[1]["advance"]) == (["sms", "account"], None)


def test_the_fixture_policies_notice_clauses_are_found():
    ru, kk = notice_sentences("\n".join(RU_CLAUSES)), notice_sentences("\n".join(KK_CLAUSES))
    assert [(f["channels"], f["advance"]["days"], f["language"]) for f in ru] == [(["site"], 10, "ru")]
    assert [(f["channels"], f["advance"]["days"], f["language"]) for f in kk] == [(["site"], 10, "kk")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.1. Компания вправе изменять условия. 5.2. Пользователь соглашается.",
         ["5.1. Компания вправе изменять условия.", "5.2. Пользователь соглашается."]),
        ("В соответствии с п. 5.1. Договора, т.е. по согласию сторон, и ст. 7 Закона.",
         ["В соответствии с п. 5.1. Договора, т.е. по согласию сторон, и ст. 7 Закона."]),
        ("Договор заключен в г. Алматы. Редакция вступает в силу с 01.02.2023. Банк уведомляет клиентов.",
         ["Договор заключен в г. Алматы.", "Редакция вступает в силу с 01.02.2023.", "Банк уведомляет клиентов."]),
        ("Шарт 2023 ж. 1 ақпанда жасалды. Банк хабарлайды! Сұрақ бар ма? Жоқ.",
         ["Шарт 2023 ж. 1 ақпанда жасалды.", "Банк хабарлайды!", "Сұрақ бар ма?", "Жоқ."]),
        ("Подписал А. Б. Иванов, и т.д. и т.п. Далее текст.", ["Подписал А. Б. Иванов, и т.д. и т.п. Далее текст."]),
        ("Changes are notified by e-mail, e.g. to the address in your account. See clause 5.",
         ["Changes are notified by e-mail, e.g. to the address in your account.", "See clause 5."]),
    ],
)
def test_sentence_splitting_respects_legal_abbreviations(text, expected):
    assert split_sentences(text, default_vocabulary().notices.abbreviations) == expected


def test_the_phrases_are_data():
    """A channel added to the vocabulary is found without code changes."""
    vocabulary = default_vocabulary()
    notices = vocabulary.notices.model_copy(deep=True)
    notices.channels["kaspi"] = notices.channels["sms"].model_copy(update={"ru": ["kaspi"]})
    sentence = "Об изменениях Банк уведомляет клиентов в Kaspi."
    assert [f["channels"] for f in notice_sentences(sentence, notices)] == [["kaspi"]]
    assert notice_sentences(sentence, vocabulary) == []


def test_a_template_without_its_number_is_reported_with_its_line(tmp_path):
    from config.loader import PACKAGED_VOCABULARY, ConfigError, load_vocabulary

    yaml_text = PACKAGED_VOCABULARY.read_text(encoding="utf-8").replace('"{n} {unit} бұрын",', '"{unit} бұрын",', 1)
    path = tmp_path / "vocabulary.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_vocabulary(path)
    [problem] = error.value.problems
    line = next(i for i, t in enumerate(yaml_text.splitlines(), 1) if '"{unit} бұрын"' in t)
    assert (problem.line, problem.field) == (line, "notices.advance.templates.kk[0]")
    assert "{n} and {unit} once each" in problem.message
