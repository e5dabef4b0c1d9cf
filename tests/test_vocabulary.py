"""The packaged vocabulary on realistic link texts and URLs of Kazakhstani sites."""

from __future__ import annotations

import time

import pytest

from config import DOC_TYPES
from config.loader import default_vocabulary
from config.vocabulary import words

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)


@pytest.fixture(scope="module")
def vocab():
    return default_vocabulary()


def test_every_document_type_has_phrases_in_each_language(vocab):
    for doc_type in DOC_TYPES:
        phrases = getattr(vocab.documents, doc_type)
        assert phrases.ru and phrases.kk and phrases.en and phrases.url, doc_type


def test_normalisation():
    assert words("  Политика\u00a0конфиденциальности!  ") == ["политика", "конфиденциальности"]
    assert words("Отчёт о прозрачности") == ["отчет", "о", "прозрачности"]
    assert words("ҚҰПИЯЛЫЛЫҚ саясаты") == ["құпиялылық", "саясаты"]
    assert words("public_offer.pdf") == ["public", "offer", "pdf"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Russian, with inflection and surrounding words
        ("Пользовательское соглашение", "terms_of_service"),
        ("Условия использования сервиса", "terms_of_service"),
        ("Правила пользования сайтом", "terms_of_service"),
        ("Публичная оферта", "public_offer"),
        ("Договор публичной оферты о предоставлении услуг", "public_offer"),
        ("Ознакомьтесь с публичной офертой", "public_offer"),
        ("Договор присоединения", "public_offer"),
        ("Политика конфиденциальности", "privacy_policy"),
        ("Ознакомьтесь с политикой конфиденциальности", "privacy_policy"),
        ("ПОЛИТИКА КОНФИДЕНЦИАЛЬНОСТИ.", "privacy_policy"),
        ("Политика в отношении обработки персональных данных", "personal_data_policy"),
        ("Кодекс деловой этики АО «Halyk Bank»", "code_of_conduct"),
        ("Отчёт о прозрачности за 2023 год", "transparency_report"),
        # Kazakh
        ("Пайдаланушы келісімі", "terms_of_service"),
        ("Пайдаланушы келісімімен танысыңыз", "terms_of_service"),
        ("Жария оферта", "public_offer"),
        ("Жария оферта шарты", "public_offer"),
        ("Құпиялылық саясаты", "privacy_policy"),
        ("Құпиялылық саясатымен танысу", "privacy_policy"),
        ("Дербес деректерді өңдеу саясаты", "personal_data_policy"),
        ("Дербес деректерді жинауға және өңдеуге келісім", "consent_form"),
        ("Іскерлік әдеп кодексі", "code_of_conduct"),
        ("Ашықтық есебі", "transparency_report"),
        # English
        ("Terms of Use", "terms_of_service"),
        ("Terms and Conditions", "terms_of_service"),
        ("Privacy Policy", "privacy_policy"),
        ("Our privacy notice", "privacy_policy"),
        ("Cookies Policy", "cookie_policy"),
        ("Code of Business Conduct", "code_of_conduct"),
        ("Transparency Reports", "transparency_report"),
    ],
)
def test_document_type_from_text(vocab, text, expected):
    assert vocab.document_type(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the specific name wins over the general one it contains
        ("Политика обработки персональных данных", "personal_data_policy"),
        ("Согласие на обработку персональных данных", "consent_form"),
        ("Согласие на сбор и обработку персональных данных", "consent_form"),
        ("Политика использования файлов cookie", "cookie_policy"),
        ("Consent to the processing of personal data", "consent_form"),
        ("Personal data processing policy", "personal_data_policy"),
        ("Cookie файлдарын пайдалану саясаты", "cookie_policy"),
    ],
)
def test_specific_beats_general(vocab, text, expected):
    assert vocab.document_type(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Кредиты",
        "Депозиты",
        "О банке",
        "Новости",
        "Contacts",
        "Карта",
        "Правила и тарифы",
        "Специальные предложения",
        "Несиелер",
        "Жаңалықтар",
        "Personal loans",
        "Политическая реклама",
        "Персонал и вакансии",
        "",
    ],
)
def test_not_a_document(vocab, text):
    assert vocab.document_type(text) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://halykbank.kz/ru/legal/privacy-policy", "privacy_policy"),
        ("/docs/public_offer.pdf", "public_offer"),
        ("https://beeline.kz/ru/oferta", "public_offer"),
        ("https://www.olx.kz/terms-of-use/", "terms_of_service"),
        ("https://satu.kz/useragreement", "terms_of_service"),
        ("https://jusan.kz/file-server/konfidencialnost.pdf", "privacy_policy"),
        ("https://x.kz/personalnye-dannye", "personal_data_policy"),
        ("https://x.kz/soglasie-na-obrabotku-personalnyh-dannyh.pdf", "consent_form"),
        ("https://x.kz/legal/cookie-policy", "cookie_policy"),
        ("https://x.kz/about/code-of-conduct", "code_of_conduct"),
        ("https://x.kz/page?doc=privacy", "privacy_policy"),
        # a Cyrillic slug, percent-encoded as browsers send it
        (
            "https://x.kz/%D0%BF%D0%BE%D0%BB%D0%B8%D1%82%D0%B8%D0%BA%D0%B0-"
            "%D0%BA%D0%BE%D0%BD%D1%84%D0%B8%D0%B4%D0%B5%D0%BD%D1%86%D0%B8%D0%B0%D0%BB%D1%8C%D0%BD%D0%BE%D1%81%D1%82%D0%B8",
            "privacy_policy",
        ),
        # negatives: whole tokens only, and the host is not looked at
        ("https://x.kz/ru/offers/credit-cards", None),
        ("https://privacy.kz/ru/credits", None),
        ("https://x.kz/ru/deposits", None),
        ("", None),
    ],
)
def test_document_type_from_url(vocab, url, expected):
    assert vocab.document_type(url=url) == expected


def test_text_first_then_url(vocab):
    assert vocab.document_type("Публичная оферта", "https://x.kz/privacy") == "public_offer"
    assert vocab.document_type("Скачать", "https://x.kz/privacy") == "privacy_policy"
    assert vocab.document_type("Подробнее", "https://x.kz/news/1") is None


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("Документы", ""),
        ("Правовая информация", ""),
        ("Юридическая информация", ""),
        ("Правила и тарифы", ""),
        ("Раскрытие информации", ""),
        ("Құжаттар", ""),
        ("Құқықтық ақпарат", ""),
        ("Legal information", ""),
        ("Terms and Policies", ""),
        ("", "https://beeline.kz/ru/documents"),
        ("", "https://x.kz/legal/"),
        ("", "https://x.kz/kz/dokumenty"),
    ],
)
def test_hubs(vocab, text, url):
    assert vocab.is_hub(text, url)


@pytest.mark.parametrize(
    ("text", "url"),
    [("Кредиты", ""), ("Новости", "https://x.kz/news"), ("", "https://x.kz/docs/public_offer.pdf"), ("", "")],
)
def test_not_hubs(vocab, text, url):
    assert not vocab.is_hub(text, url)


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("Архив документов", "", True),
        ("Предыдущие редакции", "", True),
        ("Редакция от 01.02.2023", "", True),
        ("Бұрынғы редакциялар", "", True),
        ("Previous versions", "", True),
        ("", "https://x.kz/legal/archive", True),
        ("Политика конфиденциальности", "https://x.kz/privacy", False),
        ("История компании", "https://x.kz/about/history", False),
    ],
)
def test_archives(vocab, text, url, expected):
    assert vocab.is_archive(text, url) is expected


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Қазақша", "kk"),
        ("ҚАЗ", "kk"),
        ("Каз", "kk"),
        ("KZ", "kk"),
        ("kk", "kk"),
        ("Қазақ тілі", "kk"),
        ("Рус", "ru"),
        ("Русский", "ru"),
        (" RU ", "ru"),
        ("EN", "en"),
        ("English", "en"),
        ("Eng", "en"),
        ("Кредиты", None),
        ("Русский стандарт", None),
        ("Казахстан", None),
        ("", None),
    ],
)
def test_language_of_label(vocab, label, expected):
    assert vocab.language_of_label(label) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://halykbank.kz/kz/documents", "kk"),
        ("https://halykbank.kz/ru/documents", "ru"),
        ("https://www.kcell.kz/en/", "en"),
        ("https://x.kz/kk-kz/privacy", "kk"),
        ("https://x.kz/page?lang=kz", "kk"),
        ("https://x.kz/page?language=ru", "ru"),
        ("https://x.kz/page?lang=ru-RU", "ru"),
        ("https://kz.example.kz/", "kk"),
        ("https://en.example.com/privacy", "en"),
        ("/qz/oferta", "kk"),
        # the country TLD is not a language marker, nor is www or an unrelated query value
        ("https://halykbank.kz/", None),
        ("https://example.kz/privacy", None),
        ("https://www.kcell.kz/", None),
        ("https://x.kz/page?id=ru", None),
        ("https://x.kz/rules/privacy", None),
        ("", None),
    ],
)
def test_language_of_url(vocab, url, expected):
    assert vocab.language_of_url(url) == expected


def test_soft_404_phrases(vocab):
    assert "страница не найдена" in vocab.soft_404
    assert "404" in vocab.soft_404
    assert "бет табылмады" in vocab.soft_404


def test_fast_enough_for_every_link(vocab):
    texts = [
        "Ознакомьтесь с политикой конфиденциальности",
        "Кредиты",
        "Пайдаланушы келісімі",
        "Contacts",
    ] * 500
    start = time.perf_counter()
    for text in texts:
        vocab.document_type(text, "https://halykbank.kz/ru/legal/privacy-policy")
        vocab.is_hub(text)
    assert time.perf_counter() - start < 1.0  # 2000 links; typically ~0.05 s


def test_edition_words_and_year_words_are_data(tmp_path):
    import yaml

    from config.loader import PACKAGED_VOCABULARY, load_vocabulary

    data = yaml.safe_load(PACKAGED_VOCABULARY.read_text(encoding="utf-8"))
    data["editions"]["names"]["kk"].append("басылым")
    data["editions"]["years"]["kk"].append("жылдың")
    custom = tmp_path / "vocabulary.yaml"
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    vocab = load_vocabulary(custom)
    assert vocab.stated_edition("2021 жылдың басылымы").iso() == "2021"
    assert default_vocabulary().stated_edition("2021 жылдың басылымы") is None
    del data["editions"]["years"]  # an older vocabulary file: years are optional
    data["editions"]["names"] = {"ru": [], "kk": [], "en": []}
    custom.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    bare = load_vocabulary(custom)
    assert bare.stated_edition("2021 редакция") is None and bare.stated_edition("2020", bare=True).iso() == "2020"
