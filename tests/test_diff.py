"""diff(), align_translations() and render(): golden pairs of policy versions, translations, output.

Each folder in tests/diff_golden/ holds old.txt, new.txt and expected.json, written by hand:
``changes`` is the list of [kind, old_ref, new_ref, classification, reason] in order,
``changed_words`` optional [change index, op, text] word runs that must appear, ``renumbered`` the
clauses that only changed number. All legal text there and here is ours, written for the tests.
"""

from __future__ import annotations

import ast
import difflib
import json
import random
import sys
import time
from pathlib import Path

import pytest

from diffing import align_translations, diff, render
from diffing.normalise import normalise
from diffing.units import parse, split_number

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)

GOLDEN = Path(__file__).parent / "diff_golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "old.txt").exists())


def _read(case: str, name: str) -> str:
    return (GOLDEN / case / name).read_text(encoding="utf-8")


def _expected(case: str) -> dict:
    return json.loads(_read(case, "expected.json"))


def test_the_golden_set_covers_the_issue():
    assert len(CASES) >= 12
    kinds = {c[0] for case in CASES for c in _expected(case)["changes"]}
    reasons = {c[4] for case in CASES for c in _expected(case)["changes"]}
    assert kinds == {"added", "removed", "changed", "moved"}
    assert {"normalisation", "date line", "copyright year", "cookie banner", "renumbering"} <= reasons


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    expected = _expected(case)
    d = diff(_read(case, "old.txt"), _read(case, "new.txt"))
    got = [[c.kind, c.old_ref, c.new_ref, c.classification, c.reason] for c in d.changes]
    assert got == expected["changes"], expected["description"]
    for index, op, text in expected.get("changed_words", []):
        runs = [t.strip() for o, t in d.changes[index].words if o == op]
        assert text in runs, (index, op, text, d.changes[index].words)
    assert [list(pair) for pair in d.renumbered] == expected.get("renumbered", [])


@pytest.mark.parametrize("case", CASES)
def test_golden_reversed_mirrors(case):
    """new → old is the same story told backwards: added ↔ removed, refs swapped."""
    forward = diff(_read(case, "old.txt"), _read(case, "new.txt"))
    backward = diff(_read(case, "new.txt"), _read(case, "old.txt"))
    mirror = {"added": "removed", "removed": "added", "changed": "changed", "moved": "moved"}
    assert sorted((mirror[c.kind], c.new_ref or "", c.old_ref or "", c.classification) for c in forward.changes) == \
        sorted((c.kind, c.old_ref or "", c.new_ref or "", c.classification) for c in backward.changes)


@pytest.mark.parametrize("case", CASES)
def test_a_version_against_itself_has_no_change(case):
    for name in ("old.txt", "new.txt"):
        d = diff(_read(case, name), _read(case, name))
        assert d.changes == () and d.renumbered == ()


@pytest.mark.parametrize("case", CASES)
def test_word_runs_rebuild_both_clauses(case):
    d = diff(_read(case, "old.txt"), _read(case, "new.txt"))
    for c in d.changes:
        if not c.words:
            continue
        new_body = "".join(t for op, t in c.words if op != "-")
        old_body = "".join(t for op, t in c.words if op != "+")
        assert new_body == split_number(c.new)[1]
        # "=" runs are shown as the new text has them: equal to the old one once normalised
        assert normalise(old_body).split() == normalise(split_number(c.old)[1]).split() or c.reason == "normalisation"


def test_notice_period_counts_words():
    d = diff(_read("ru_notice_period", "old.txt"), _read("ru_notice_period", "new.txt"))
    assert (d.added_words, d.removed_words) == (1, 1)
    assert [(op, t) for op, t in d.changes[0].words if op != "="] == [("-", "10 "), ("+", "5 ")]


def test_cosmetic_changes_do_not_count():
    d = diff(_read("ru_edition_line", "old.txt"), _read("ru_edition_line", "new.txt"))
    assert d.substantive == [] and len(d.cosmetic) == 2
    assert (d.added_words, d.removed_words) == (0, 0)


def test_whitespace_and_invisible_characters_are_no_change_at_all():
    old = "1.1. Компания хранит данные 5 лет.\n1.2. Политика размещена на сайте."
    new = "1.1\u00a0Компания  хранит данные 5\u202fлет.\n\n\ufeff1.2. Поли\u00adтика разме\u200bщена на сайте. "
    assert diff(old, new).changes == ()


def test_a_heavily_rewritten_clause_is_still_one_change_when_its_number_stays():
    old = "5.1. Компания вправе передавать данные партнёрам.\n5.2. Споры решаются в суде."
    new = "5.1. Передача сведений о клиентах кому-либо допускается лишь по решению суда.\n5.2. Споры решаются в суде."
    assert [(c.kind, c.old_ref, c.new_ref) for c in diff(old, new).changes] == [("changed", "5.1", "5.1")]


def test_clauses_of_one_template_edited_in_place_are_changes_not_moves():
    """Clauses that differ only by a figure look alike; each edited in place is its own change."""
    template = "{n}. Банк хранит сведения о клиенте не дольше {d} дней после закрытия счета."
    days = [30 + n for n in range(30)]
    old = "\n".join(template.format(n=n + 1, d=d) for n, d in enumerate(days))
    days[1], days[4] = 35, 33  # clause 2 now says what clause 6 says; clause 5 what clause 4 says
    new = "\n".join(template.format(n=n + 1, d=d) for n, d in enumerate(days))
    changes = [(c.kind, c.old_ref, c.new_ref) for c in diff(old, new).substantive]
    assert changes == [("changed", "2", "2"), ("changed", "5", "5")]


def test_an_edited_paragraph_moved_elsewhere_is_found_while_the_diffs_budget_lasts():
    """The search for moved paragraphs shares the diff's budget of comparisons; once it is spent, a paragraph
    simply stays removed and added (and the search stops instead of refusing each comparison left)."""
    from diffing.compare import _Budget, _find_moves, _Region, _Similarity

    old = parse("Оператор хранит персональные данные пользователей не более пяти лет после договора.\n"
                "Раздел второй.\nПользователь вправе отозвать согласие в любое время.")
    new = parse("Пользователь вправе отозвать согласие в любое время письменно.\nРаздел второй.\n"
                "Оператор хранит персональные данные пользователей не более пяти лет после договора.")
    regions = [_Region([old[0]], [new[0]]), _Region([old[2]], [new[2]])]
    moved = _find_moves(regions, _Similarity(_Budget()))
    assert [(o.index, n.index) for o, n in moved] == [(0, 2), (2, 0)]  # one twin, one near twin (edited)
    spent = _find_moves(regions, _Similarity(_Budget(checks=0)))
    assert [(o.index, n.index) for o, n in spent] == [(0, 2)]  # the identical twin needs no comparison


def test_unrelated_paragraphs_are_removed_and_added_not_changed():
    old = "Компания вправе передавать данные партнёрам для рекламы."
    new = "Сайт работает круглосуточно, кроме времени технических работ."
    assert [c.kind for c in diff(old, new).changes] == ["removed", "added"]


def test_clause_numbers_are_parsed_off():
    text = "\n".join([
        "1.2.3. a", "1.2 b", "1.2) c", "5. d", "5) e", "а) f", "п.5 g", "П. 5 h", "пункт 5.1 i",
        "5-тармақ j", "5 – тармақ k", "Статья 7. l", "7-бап. m", "Глава 2 n", "2-тарау o", "Раздел II. p",
        "2-бөлім q", "§ 3 r", "Article 7 s", "IV. t",
        "2025 жылғы 1 маусымдағы редакция", "01.06.2025 редакция", "10 дней", "1.5%", "5-тармаққа сәйкес",
    ])
    got = [(u.prefix, u.kind, u.number) for u in parse(text)]
    assert got == [
        ("1.2.3.", "clause", "1.2.3"), ("1.2", "clause", "1.2"), ("1.2)", "clause", "1.2"),
        ("5.", "clause", "5"), ("5)", "item", "5"), ("а)", "item", "а"), ("п.5", "clause", "5"),
        ("П. 5", "clause", "5"), ("пункт 5.1", "clause", "5.1"), ("5-тармақ", "clause", "5"),
        ("5 – тармақ", "clause", "5"), ("Статья 7.", "article", "7"), ("7-бап.", "article", "7"),
        ("Глава 2", "chapter", "2"), ("2-тарау", "chapter", "2"), ("Раздел II.", "section", "II"),
        ("2-бөлім", "section", "2"), ("§ 3", "section", "3"), ("Article 7", "article", "7"),
        ("IV.", "section", "IV"),
        ("", None, None), ("", None, None), ("", None, None), ("", None, None), ("", None, None),
    ]


def test_items_are_named_by_their_clause():
    refs = [u.ref for u in parse("5.1. Пользователь обязуется:\n1) первое;\n2) второе.\n5.2. Ещё:\n1) третье.")]
    assert refs == ["5.1", "5.1 › 1)", "5.1 › 2)", "5.2", "5.2 › 1)"]


# ---------------------------------------------------------------------------------------------
# Translations

KK = """ҚҰПИЯЛЫЛЫҚ САЯСАТЫ
2025 жылғы 1 маусымдағы редакция
1. Жалпы ережелер
1.1. Осы Саясат дербес деректерді өңдеу тәртібін айқындайды.
4. Деректерді сақтау
4.1. Компания дербес деректерді Қазақстан Республикасының аумағында сақтайды.
4.3. Деректер шот жабылғаннан кейін 5 жыл бойы сақталады.
5-тармақ. Пайдаланушы келісімін кез келген уақытта кері қайтарып ала алады.
7-бап. Қорытынды ережелер
"""
RU = """ПОЛИТИКА КОНФИДЕНЦИАЛЬНОСТИ
Редакция от 1 июня 2025 года
1. Общие положения
1.1. Настоящая Политика определяет порядок обработки персональных данных.
4. Хранение данных
4.1. Компания хранит персональные данные на территории Республики Казахстан.
4.2. Компания не передаёт персональные данные за пределы Республики Казахстан без согласия Пользователя.
4.3. Данные хранятся в течение 3 лет после закрытия счёта.
п. 5 Пользователь вправе отозвать согласие в любое время.
Статья 7. Заключительные положения
"""


def test_a_kazakh_version_lagging_behind_is_spotted():
    t = align_translations(KK, RU)
    assert (t.a_lang, t.b_lang) == ("kk", "ru")
    assert t.only_in_a == () and t.only_in_b == ("4.2",)
    rows = [(p.a_ref, p.b_ref) for p in t.pairs]
    assert rows == [("¶1", "¶1"), ("¶2", "¶2"), ("1", "1"), ("1.1", "1.1"), ("4", "4"), ("4.1", "4.1"),
                    (None, "4.2"), ("4.3", "4.3"), ("5-тармақ", "п. 5"), ("7-бап", "Статья 7")]
    # 5 years in Kazakh, 3 in Russian: words are never compared, numbers are
    assert [(p.a_ref, p.b_ref) for p in t.numbers_differ] == [("4.3", "4.3")]


def test_translation_alignment_is_symmetric():
    t = align_translations(RU, KK, a_lang="ru", b_lang="kk")
    assert t.only_in_a == ("4.2",) and t.only_in_b == ()


def test_translation_renders():
    t = align_translations(KK, RU)
    text = render(t)
    assert "missing in kk: 4.2" in text and "Missing in kk (4.2 in ru)" in text
    assert "numbers differ: 4.3" in text
    html = render(t, "html", layout="side", standalone=True)
    assert '<td class="pa-missing">missing in kk</td><td lang="ru">4.2.' in html
    assert '<td lang="kk">4.3.' in html and 'class="pa-numbers-differ"' in html
    inline = render(t, "html")
    assert "4.2." in inline and "1.1. Осы" not in inline  # only the gaps and the number mismatches
    assert "missing in kk" in render(t, "md")


# ---------------------------------------------------------------------------------------------
# Rendering

HOSTILE_OLD = """1. Общие положения
1.1. Компания уведомляет Пользователя за 10 календарных дней <script>alert("x")</script>.
1.2. Сведения *публикуются* на сайте [тут](javascript:alert(1)) & в приложении.
Редакция от 01.03.2024
"""
HOSTILE_NEW = """1. Общие положения
1.1. Компания уведомляет Пользователя за 5 календарных дней <script>alert("x")</script>.
1.2. Сведения *публикуются* на сайте [тут](javascript:alert(1)) & в мобильном приложении <img src=x onerror=alert(2)>.
1.3. Новый пункт.
Редакция от 15.05.2025
"""


@pytest.fixture
def hostile():
    return diff(HOSTILE_OLD, HOSTILE_NEW)


def test_render_text_is_a_clause_aware_unified_diff(hostile):
    text = render(hostile)
    lines = text.splitlines()
    assert lines[:2] == ["--- old", "+++ new"]
    assert "@@ 1.1 changed @@" in lines
    assert " 1.1. Компания уведомляет Пользователя за [-10-]{+5+} календарных дней " \
        '<script>alert("x")</script>.' in lines
    assert "@@ 1.3 added @@" in lines and "+1.3. Новый пункт." in lines
    assert "Редакция" not in text and "1 cosmetic change not shown" in text
    shown = render(hostile, cosmetic=True, labels=("v1", "v2"))
    assert "@@ ¶5 changed (cosmetic: date line) @@" in shown and shown.startswith("--- v1\n+++ v2\n")
    assert " Редакция от [-01.03.2024-]{+15.05.2025+}" in shown


def test_render_md_marks_words_and_escapes_markup(hostile):
    md = render(hostile, "md")
    assert "~~10~~**5**" in md
    assert "<script>" not in md and "&lt;script&gt;" in md and "<img" not in md
    assert r"\*публикуются\*" in md and r"\[тут\]" in md and "&amp;" in md
    assert "- **1.3 added**: 1.3. Новый пункт." in md


def test_render_html_escapes_and_highlights(hostile):
    html = render(hostile, "html")
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<del>10</del><ins>5</ins>" in html
    assert '<details class="pa-cosmetic"><summary>1 cosmetic change: date line</summary>' in html
    assert "<del>01.03.2024</del>" in html  # folded, but there
    assert "<!DOCTYPE" not in html and "<style" not in html
    assert '<details class="pa-cosmetic" open>' in render(hostile, "html", cosmetic=True)


def test_render_html_standalone_page_is_self_contained(hostile):
    page = render(hostile, "html", standalone=True, labels=("<v1>", "v2 & co"))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<style>" in page and "default-src 'none'" in page
    assert "<script" not in page and "http" not in page.split("</head>")[0].replace("http-equiv", "")
    assert "&lt;v1&gt; → v2 &amp; co" in page


def test_render_html_side_by_side(hostile):
    html = render(hostile, "html", layout="side", labels=("2024", "2025"))
    assert "<thead><tr><th>2024</th><th>2025</th></tr></thead>" in html
    assert "<td>1.1. Компания уведомляет Пользователя за <del>10</del> календарных" in html
    assert "<td>1.1. Компания уведомляет Пользователя за <ins>5</ins> календарных" in html
    assert "<td></td><td><ins>1.3. Новый пункт.</ins></td>" in html


def test_render_moved_clause():
    case = "ru_moved_clause"
    d = diff(_read(case, "old.txt"), _read(case, "new.txt"))
    assert "@@ moved from 3.2 to 5.1 @@" in render(d)
    assert "moved from 3.2 to 5.1" in render(d, "html")
    assert "**moved from 3\\.2 to 5\\.1**" in render(d, "md") or "**moved from 3.2 to 5.1**" in render(d, "md")
    assert "2 clauses only renumbered" in render(d)


def test_render_rejects_unknown_options(hostile):
    with pytest.raises(ValueError, match="unknown format"):
        render(hostile, "pdf")
    with pytest.raises(ValueError, match="fmt='html' only"):
        render(hostile, "text", layout="side")
    with pytest.raises(ValueError, match="unknown layout"):
        render(hostile, "html", layout="diagonal")


# ---------------------------------------------------------------------------------------------
# Purity and speed


def test_diffing_imports_only_the_standard_library_and_difflib_in_cpp():
    package = Path(__file__).resolve().parent.parent / "diffing"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            for name in names:
                top = name.split(".")[0]
                allowed = top in ("diffing", "__future__", "cydifflib") or top in sys.stdlib_module_names
                assert allowed, (path.name, name)


def test_cydifflib_finds_what_difflib_finds():
    """diffing/ uses cydifflib's SequenceMatcher for difflib's: the same opcodes and ratios, with and without
    autojunk, on sequences full of repeats (a PDF's wrapped lines) and on the reused matcher (set_seq1)."""
    import cydifflib

    rng = random.Random(15)
    for _ in range(1500):
        alphabet = rng.randint(1, 25)
        la, lb = rng.choice([(rng.randint(0, 20), rng.randint(0, 20)), (rng.randint(150, 400), rng.randint(150, 400))])
        a = [f"w{rng.randint(0, alphabet)}" for _ in range(la)]
        b = [f"w{rng.randint(0, alphabet)}" for _ in range(lb)]
        if a and rng.random() < 0.3:
            b = a[:rng.randint(0, len(a))] + b[:10] + a[rng.randint(0, len(a)):]
        autojunk = rng.random() < 0.5
        ours, theirs = cydifflib.SequenceMatcher(None, a, b, autojunk=autojunk), difflib.SequenceMatcher(
            None, a, b, autojunk=autojunk)
        assert [tuple(op) for op in ours.get_opcodes()] == theirs.get_opcodes()
        assert ours.ratio() == theirs.ratio()
        ours.set_seq1(b)
        theirs.set_seq1(b)
        assert ours.ratio() == theirs.ratio()


_WORDS = ("Компания Пользователь Банк Клиент персональные данные сведения обработка хранение передача согласие "
          "отзыв уведомление срок течение календарных рабочих дней лет третьим лицам вправе обязуется "
          "не позднее чем за до после в на по с и или Республики Казахстан законодательством договора "
          "условия сайт приложение адрес электронной почты мобильного телефона запрос требование").split()


def _policy(seed: int, paragraphs: int = 400) -> list[str]:
    rng = random.Random(seed)
    lines: list[str] = []
    section = 0
    while len(lines) < paragraphs:
        section += 1
        lines.append(f"{section}. " + " ".join(rng.choice(_WORDS) for _ in range(3)).capitalize())
        for clause in range(1, rng.randint(5, 12)):
            words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(9, 16)))
            lines.append(f"{section}.{clause}. {words.capitalize()} {rng.randint(1, 90)} дней.")
    return lines[:paragraphs]


def _edited(lines: list[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    out = list(lines)
    for k in rng.sample(range(len(out)), 20):
        words = out[k].split()
        words[rng.randrange(1, len(words))] = rng.choice(_WORDS)
        out[k] = " ".join(words)
    for k in sorted(rng.sample(range(len(out)), 5), reverse=True):
        del out[k]
    for k in rng.sample(range(len(out)), 5):
        out.insert(k, "Новый абзац: " + " ".join(rng.choice(_WORDS) for _ in range(12)))
    out.insert(350, out.pop(40))
    return out


def test_timing_two_60kb_policies(capsys):
    old_lines = _policy(1)
    old = "\n".join(old_lines)
    new = "\n".join(_edited(old_lines, 2))
    unrelated = "\n".join(_policy(3))
    timings = {}
    for name, a, b in (("similar", old, new), ("identical", old, old), ("unrelated", old, unrelated)):
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            d = diff(a, b)
            best = min(best, time.perf_counter() - start)
        timings[name] = (best, len(d.changes))
    start = time.perf_counter()
    render(diff(old, new), "html", standalone=True, cosmetic=True)
    rendered = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n[diff timing] {len(old.encode()) / 1024:.0f} KB / {len(old_lines)} paragraphs: "
              + ", ".join(f"{k} {t * 1000:.1f} ms ({n} changes)" for k, (t, n) in timings.items())
              + f"; diff + html render {rendered * 1000:.1f} ms")
    d = diff(old, new)
    assert {c.kind for c in d.changes} == {"changed", "added", "removed", "moved"}
