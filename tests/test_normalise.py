"""The normaliser decides whether a policy changed: cosmetic variation must vanish, words must not."""

import random

import pytest

from diffing.normalise import normalise, text_hash

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)

GOLDEN = [
    # non-breaking and other unicode spaces become one plain space
    ("Политика\u00a0конфиденциальности", "Политика конфиденциальности"),
    ("п.\u202f1\u2009статьи\u30005", "п. 1 статьи 5"),
    ("құпиялылық\tсаясаты", "құпиялылық саясаты"),
    # soft hyphens and zero-width characters disappear
    ("персо\u00adнальных дан\u00adных", "персональных данных"),
    ("дербес\u200b деректер\u200d\ufeff", "дербес деректер"),
    ("ter\u2060ms of\u200cuse", "terms ofuse"),
    # quotes unified
    ("«Дербес деректер туралы» Заң", '"Дербес деректер туралы" Заң'),
    ("„Условия“ и “Terms” и ‘x’ и ‚y‘", '"Условия" и "Terms" и "x" и "y"'),
    ("user's 'agreement'", 'user"s "agreement"'),
    # dashes unified
    ("2024 – 2025 — редакция ‒ 3 ― x − y", "2024 - 2025 - редакция - 3 - x - y"),
    # ё and Ё
    ("Ёлка, её учёт", "Елка, ее учет"),
    ("е\u0308мкость", "емкость"),  # decomposed ё composes under NFKC, then becomes е
    ("Ё\u0308ж", "Еж"),  # a diaeresis stacked on a precomposed Ё must not come back as Ё
    # NFKC compatibility forms
    ("ﬁnal №\u00a05", "final No 5"),
    ("ＡＢＣ１２３", "ABC123"),
    # per-line stripping, collapsing, empty lines dropped, paragraphs kept one per line
    ("  Бірінші   абзац  \n\n\t\n  Второй абзац\r\nThird\u2028Fourth  ",
     "Бірінші абзац\nВторой абзац\nThird\nFourth"),
    ("", ""),
    (" \n \u00a0 \n", ""),
]


@pytest.mark.parametrize(("raw", "expected"), GOLDEN)
def test_golden(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize(("raw", "_expected"), GOLDEN)
def test_idempotent_on_golden(raw, _expected):
    once = normalise(raw)
    assert normalise(once) == once


def test_idempotent_on_random_tricky_text():
    alphabet = list("абвеёЁжқәі aeé\u0301\u0308\u00ad\u200b\u00a0\t\n\r«»„“”‘’'\"–—−-  \u2028ﬁ№Ａ") + ["\r\n"]
    rng = random.Random(20240501)
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        once = normalise(text)
        assert normalise(once) == once, repr(text)


POLICY = (
    "1. Общие положения\n"
    "1.1. Настоящая Политика определяет порядок обработки персональных данных пользователей.\n"
    "1.2. Оператор — АО «Пример», далее «Компания», обязуется соблюдать её условия.\n"
)


def test_hash_equal_under_cosmetic_variation():
    cosmetic = (
        "\ufeff1.\u00a0Общие положения  \n\n"
        "   1.1. Настоящая Поли\u00adтика определяет порядок обработки\u00a0персональных данных "
        "пользователей.\n"
        '1.2. Оператор – АО "Пример", далее „Компания“, обязуется соблюдать ее условия.\r\n\n'
    )
    assert cosmetic != POLICY
    assert text_hash(cosmetic) == text_hash(POLICY)


def test_hash_differs_under_a_real_word_change():
    changed = POLICY.replace("обязуется соблюдать", "вправе изменять")
    assert text_hash(changed) != text_hash(POLICY)
    # a change of a single digit (a notice period, say) is a real change too
    assert text_hash(POLICY.replace("1.2.", "1.3.")) != text_hash(POLICY)


def test_paragraph_split_is_a_change_but_rewrapping_spaces_is_not():
    assert text_hash("Бірінші сөйлем. Екінші сөйлем.") != text_hash("Бірінші сөйлем.\nЕкінші сөйлем.")
    assert text_hash("Бірінші  сөйлем.\u00a0Екінші сөйлем.") == text_hash("Бірінші сөйлем. Екінші сөйлем.")


def test_hash_is_sha256_hex_of_utf8():
    import hashlib

    assert text_hash("«Ёж»") == hashlib.sha256('"Еж"'.encode()).hexdigest()
    assert len(text_hash("")) == 64
