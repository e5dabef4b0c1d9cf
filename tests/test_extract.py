"""Extraction from real bytes: charsets as sites really serve them, soft 404s, app shells, PDFs."""

import codecs
import time

import pytest

from extraction.decoding import canonical_charset, decode_html
from extraction.extract import extract, sniff_kind
from extraction.filedocs import FileLimits

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)

# Fixture text written for these tests, in the style of a public offer / privacy policy.
RU = [
    "Настоящая Политика конфиденциальности определяет порядок сбора, обработки и защиты персональных "
    "данных пользователей сайта.",
    "Оператор обрабатывает персональные данные только при наличии согласия субъекта, выраженного в "
    "письменной или электронной форме.",
    "Пользователь вправе в любое время отозвать согласие на обработку персональных данных, направив "
    "уведомление на адрес электронной почты.",
    "Сведения о пользователе передаются третьим лицам исключительно в случаях, предусмотренных "
    "законодательством Республики Казахстан.",
    "Файлы cookie используются для анализа посещаемости; их можно отключить в настройках браузера, "
    "однако часть функций станет недоступна.",
    "Изменения Политики публикуются на сайте «не менее чем за 10 дней» до вступления в силу — об этом "
    "Компания сообщает отдельно.",
]
KK = [
    "Осы Құпиялылық саясаты Компанияның пайдаланушылардың дербес деректерін жинау, өңдеу және қорғау "
    "тәртібін айқындайды.",
    "Дербес деректер Қазақстан Республикасының заңнамасына сәйкес тек заңды мақсаттар үшін өңделеді.",
    "Пайдаланушы өзінің келісімін кез келген уақытта электрондық пошта арқылы кері қайтарып ала алады.",
    "Осы Саясатқа енгізілетін өзгерістер туралы ақпарат сайтта жарияланады және жарияланған күннен "
    "бастап күшіне енеді.",
]
NAV = ["Главная", "Частным лицам", "Бизнесу", "Документы", "Контакты", "Вакансии"]
PHRASES = ("страница не найдена", "бет табылмады", "page not found", "ещё не создана")


def page(paragraphs, title="Политика конфиденциальности", meta="", h1=None):
    """A typical CMS page: scripts, a menu, a header and footer around the document."""
    menu = "".join(f'<li><a href="/m{i}">{item}</a></li>' for i, item in enumerate(NAV))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html>\n<html><head>{meta}<title>{title}</title>"
        "<script>window.dataLayer=[{'event':'Пользователь'}];</script><style>p{margin:0}</style></head>"
        f"<body><header><nav><ul>{menu}</ul></nav></header>"
        f"<main><h1>{h1 or title}</h1>{body}</main>"
        "<footer><p>© 2024 АО «Пример Банк». Все права защищены.</p></footer></body></html>"
    )


def encode(html, charset):
    return html.encode(charset, errors="xmlcharrefreplace")  # legacy pages write what they lack as &#...;


def assert_document(result, paragraphs, encoding):
    assert result.failure is None, result
    assert result.kind == "html"
    assert result.encoding == encoding
    lines = result.text.splitlines()
    assert lines[-len(paragraphs):] == paragraphs  # each paragraph on its own line, in order...
    assert len(lines) <= len(paragraphs) + 1  # ...after at most the <h1>
    for chrome in ("Вакансии", "dataLayer", "права защищены"):  # menu, script, footer
        assert chrome not in result.text


# ---------------------------------------------------------------------------------------- charsets


def test_utf8_page():
    result = extract(page(KK, title="Құпиялылық саясаты").encode(), "text/html; charset=utf-8", "https://x.kz/kz/")
    assert_document(result, KK, "utf-8")
    assert result.title == "Құпиялылық саясаты"
    assert result.extractor.startswith("trafilatura ")


def test_windows_1251_with_charset_in_header():
    result = extract(encode(page(RU), "cp1251"), "text/html; charset=windows-1251", "https://x.kz/")
    assert_document(result, RU, "windows-1251")
    assert result.title == "Политика конфиденциальности"


@pytest.mark.parametrize("meta", ['<meta charset="windows-1251">',
                                  '<meta http-equiv="Content-Type" content="text/html; charset=cp1251">'])
def test_windows_1251_with_charset_only_in_meta(meta):
    result = extract(encode(page(RU, meta=meta), "cp1251"), "text/html", "https://x.kz/")
    assert_document(result, RU, "windows-1251")


def test_header_says_utf8_but_body_is_windows_1251():
    result = extract(encode(page(RU), "cp1251"), "text/html; charset=utf-8", "https://x.kz/")
    assert_document(result, RU, "windows-1251")


def test_header_says_windows_1251_but_body_is_utf8():
    html = page(RU, meta='<meta charset="windows-1251">')
    result = extract(html.encode(), "text/html; charset=windows-1251", "https://x.kz/")
    assert_document(result, RU, "utf-8")


def test_header_iso_8859_1_over_windows_1251_bytes_is_not_mojibake():
    result = extract(encode(page(RU), "cp1251"), "text/html; charset=ISO-8859-1", "https://x.kz/")
    assert_document(result, RU, "windows-1251")
    assert "Ï" not in result.text and result.title == "Политика конфиденциальности"


def test_utf8_bom_beats_a_wrong_header():
    body = codecs.BOM_UTF8 + page(KK).encode()
    assert_document(extract(body, "text/html; charset=windows-1251", "https://x.kz/"), KK, "utf-8")


def test_utf16_bom():
    body = codecs.BOM_UTF16_LE + page(RU).encode("utf-16-le")
    assert sniff_kind(body, None) == "html"
    assert_document(extract(body, None, "https://x.kz/"), RU, "utf-16-le")


def test_koi8_r_with_meta():
    meta = '<meta http-equiv="content-type" content="text/html; charset=koi8-r">'
    body = encode(page(RU, meta=meta), "koi8-r")
    assert_document(extract(body, "text/html", "https://x.kz/"), RU, "koi8-r")


def test_meta_koi8_r_over_windows_1251_bytes():
    body = encode(page(RU, meta='<meta charset="koi8-r">'), "cp1251")  # a template copied between sites
    assert_document(extract(body, "text/html", "https://x.kz/"), RU, "windows-1251")


@pytest.mark.parametrize("charset", ["cp1251", "koi8-r", "cp866", "iso8859-5"])
def test_undeclared_legacy_cyrillic(charset):
    text, used = decode_html(encode(page(RU), charset), None)
    assert canonical_charset(used) == canonical_charset(charset)
    assert RU[1] in text


def test_kazakh_letters_as_entities_in_a_windows_1251_page():
    body = encode(page(KK, meta='<meta charset="windows-1251">'), "cp1251")
    assert b"&#1179;" in body  # қ
    assert_document(extract(body, "text/html", "https://x.kz/"), KK, "windows-1251")


def test_utf8_with_one_stray_byte_and_a_truncated_tail_stays_utf8():
    body = page(RU).encode().replace("Главная".encode(), b"\x96 \xab") + "Конец".encode()[:-1]
    text, used = decode_html(body, "text/html; charset=windows-1251")
    assert used == "utf-8" and RU[0] in text


def test_xhtml_with_xml_declaration():
    html = '<?xml version="1.0" encoding="windows-1251"?>\n' + page(RU).replace("<!DOCTYPE html>\n", "")
    result = extract(encode(html, "cp1251"), "application/xhtml+xml", "https://x.kz/")
    assert_document(result, RU, "windows-1251")


def test_ascii_body_needs_no_guess():
    assert decode_html(b"<p>Terms of use &#1054;</p>", "text/html; charset=windows-1251") == (
        "<p>Terms of use &#1054;</p>", "ascii")


def test_canonical_charset_names():
    assert canonical_charset("CP1251") == "windows-1251"
    assert canonical_charset('"x-cp1251"') == "windows-1251"
    assert canonical_charset("win-1251") == "windows-1251"
    assert canonical_charset("latin1") == "windows-1252"  # as browsers read it
    assert canonical_charset("KOI8_R") == "koi8-r"
    assert canonical_charset("utf8") == "utf-8"
    assert canonical_charset("no-such-charset") is None


# -------------------------------------------------------------------------------- failures, kinds


def test_soft_404_served_with_200_by_title():
    html = page(RU[:3], title="Страница не найдена — Пример Банк", h1="Ошибка")
    result = extract(html.encode(), "text/html", "https://x.kz/privacy", PHRASES)
    assert result.failure == "soft_404" and result.text == ""
    assert "страница не найдена" in result.detail


def test_soft_404_by_heading_in_kazakh_and_by_short_text():
    kk = page(RU[:3], title="Пример Банк", h1="Бет табылмады")
    assert extract(kk.encode(), "text/html", "https://x.kz/kz/", PHRASES).failure == "soft_404"
    short = page(["К сожалению, запрошенная страница удалена или еще не создана. Вернитесь на главную."],
                 title="Пример Банк", h1="Документы")
    result = extract(short.encode(), "text/html", "https://x.kz/", PHRASES)
    assert result.failure == "soft_404"  # "ещё" in the phrase matches "еще" in the text


def test_phrase_deep_in_a_long_document_is_not_a_soft_404():
    paragraphs = [*RU, "Если страница не найдена, пользователь может обратиться в службу поддержки."]
    result = extract(page(paragraphs).encode(), "text/html", "https://x.kz/", PHRASES)
    assert result.failure is None


@pytest.mark.parametrize("body", [b"", b"  \r\n\t "])
def test_empty_body(body):
    result = extract(body, "text/html", "https://x.kz/")
    assert result.failure == "empty_body" and result.text == ""


def test_app_shell_is_no_text():
    html = (
        '<!doctype html><html><head><title>Пример Маркет</title><script src="/a.js"></script>'
        '<script src="/b.js"></script><script>window.__STATE__={"user":null}</script></head>'
        '<body><div id="root"></div><noscript>Включите JavaScript</noscript></body></html>'
    )
    result = extract(html.encode(), "text/html", "https://x.kz/offer")
    assert result.failure == "no_text"
    assert result.title == "Пример Маркет"
    assert "script" in result.detail


def test_text_trafilatura_discards_is_recovered_by_the_fallback():
    # trafilatura (include_comments=False) drops a block it takes for user comments; CMS themes
    # reuse such ids for anything, so the plain lxml extraction steps in
    html = "<html><body><div id='comments'>" + "".join(f"<p>{p}</p>" for p in RU) + "</div></body></html>"
    result = extract(html.encode(), "text/html", "https://x.kz/")
    assert result.failure is None
    assert result.extractor.startswith("lxml ")
    assert result.text.splitlines() == RU


def test_plain_text_in_windows_1251():
    body = "\r\n\r\n".join(RU).encode("cp1251")
    result = extract(body, "text/plain; charset=windows-1251", "https://x.kz/offer.txt")
    assert (result.kind, result.encoding, result.failure) == ("text", "windows-1251", None)
    assert result.text.splitlines() == RU


def test_unsupported_type():
    result = extract(b"\x89PNG\r\n\x1a\n" + bytes(200), "image/png", "https://x.kz/logo.png")
    assert (result.kind, result.failure) == ("other", "unsupported_type")


def test_sniff_kind_by_magic_bytes():
    octet = "application/octet-stream"
    assert sniff_kind(make_pdf(["x"]), octet) == "pdf"
    assert sniff_kind(b"\r\n" + make_pdf(["x"]), "text/html") == "pdf"  # magic beats a wrong header
    assert sniff_kind(b"  <!DOCTYPE html><html></html>", octet) == "html"
    assert sniff_kind(codecs.BOM_UTF8 + b"<html lang='kk'>", "application/pdf") == "html"  # error page
    assert sniff_kind(b"<!-- cms --><div>x</div>", None) == "html"
    assert sniff_kind(b"PK\x03\x04\x14\x00\x06\x00", octet) == "other"  # DOCX: a later issue
    assert sniff_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/msword") == "other"
    assert sniff_kind("Публичная оферта".encode(), "text/plain; charset=utf-8") == "text"
    assert sniff_kind(b"\x00\x01\x02", octet) == "other"
    assert sniff_kind(b"{}", "application/json") == "other"


# --------------------------------------------------------------------------------------------- PDF


def make_pdf(lines, title=None):
    """A minimal valid one-page PDF with a Helvetica text object, xref offsets computed."""
    content = "BT /F1 11 Tf 14 TL 72 760 Td " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    stream = content.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    if title:
        objects.append(b"<< /Title (" + title.encode("latin-1") + b") >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, info, xref)
    return bytes(out)


PDF_LINES = [
    "This Public Offer sets out the terms on which the Company provides its services.",
    "The User accepts the Offer in full by registering on the website or paying for a service.",
    "The Company may amend the Offer and publishes each new version ten days in advance.",
]


def test_pdf_text_and_title():
    result = extract(make_pdf(PDF_LINES, title="Public Offer 2024"), "application/pdf", "https://x.kz/offer.pdf")
    assert (result.kind, result.failure, result.title) == ("pdf", None, "Public Offer 2024")
    assert result.text.splitlines() == PDF_LINES
    assert result.extractor.startswith("pypdf ")


def test_pdf_without_text_layer():
    result = extract(make_pdf([]), "application/pdf", "https://x.kz/scan.pdf", limits=FileLimits(ocr=False))
    assert result.failure == "scanned"
    assert result.detail == "no text layer (scanned?)"


@pytest.mark.parametrize("cut", [200, 0.5])
def test_broken_pdf(cut):
    good = make_pdf(PDF_LINES)
    body = good[: cut if isinstance(cut, int) else int(len(good) * cut)]
    result = extract(body, "application/pdf", "https://x.kz/offer.pdf")
    assert (result.kind, result.failure, result.text) == ("pdf", "pdf_error", "")
    assert result.detail


def test_pdf_that_is_only_a_header():
    result = extract(b"%PDF-1.7\n%garbage without objects\n", "application/pdf", "https://x.kz/x.pdf")
    assert result.failure == "pdf_error"


# ------------------------------------------------------------------------------------------ timing


def test_timing_of_a_50_kb_russian_policy_page():
    paragraphs, n = [], 0
    while sum(len(p.encode()) for p in paragraphs) < 45_000:
        n += 1
        paragraphs.append(f"{n // 5 + 1}.{n % 5 + 1}. {RU[n % len(RU)]} {RU[(n * 7) % len(RU)]}")
    body = page(paragraphs).encode()
    assert 45_000 < len(body) < 60_000
    extract(body, "text/html", "https://x.kz/")  # warm-up: imports, caches
    runs = 20
    start = time.perf_counter()
    for _ in range(runs):
        result = extract(body, "text/html", "https://x.kz/")
    per_page = (time.perf_counter() - start) / runs * 1000
    print(f"\nextract(): {per_page:.1f} ms per {len(body) / 1000:.0f} KB page ({result.extractor})")
    assert result.failure is None and len(result.text.splitlines()) == len(paragraphs) + 1


# ----------------------------------------------------------------------------- pathological markup

KK_POLICY = [f"{i}.{j}. {clause}" for i, clause in enumerate(KK, 1) for j in range(1, 4)]
RU_POLICY = [f"{i}.{j}. {clause}" for i, clause in enumerate(RU, 1) for j in range(1, 4)]


def nested(paragraphs, tags, depth, *, closed=True, title="Құпиялылық саясаты", lang="kk"):
    """A policy inside ``depth`` nested elements (generated pages, a <font> opened per line and never
    closed), with a paragraph after the nesting: everything must come out."""
    opened = "".join(f"<{tags[i % len(tags)]}>" for i in range(depth))
    shut = "".join(f"</{tags[i % len(tags)]}>" for i in reversed(range(depth))) if closed else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs[:-1])
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>p{{margin:0}}</style></head><body><nav><a href='/'>Басты бет</a></nav>{opened}<h1>{title}</h1>"
            f"{body}{shut}<p>{paragraphs[-1]}</p><footer>© 2025</footer></body></html>")


@pytest.mark.parametrize("tags", [["div"], ["span"], ["font"], ["div", "span", "font"], ["table", "tr", "td"]],
                         ids=["div", "span", "font", "mixed", "table"])
@pytest.mark.parametrize("closed", [True, False], ids=["closed", "unclosed"])
def test_a_policy_inside_5000_nested_elements_keeps_all_its_text(tags, closed):
    from extraction.extract import FLAT
    from language.detect import document_language

    result = extract(nested(KK_POLICY, tags, 5000, closed=closed).encode(), "text/html", "https://x.kz/kz/privacy")
    assert result.failure is None, result.detail
    assert result.extractor == FLAT  # libxml2 stops at 2,048 levels: the flat walk read it
    lines = result.text.splitlines()
    assert lines[-len(KK_POLICY):] == KK_POLICY  # every clause, in order, one per line, the last one too
    assert "Басты бет" not in result.text and "©" not in result.text and "margin" not in result.text
    assert document_language(result.text)[0].language == "kk"
    assert result.title == "Құпиялылық саясаты"


def test_a_russian_policy_in_nested_tables_and_windows_1251():
    from language.detect import document_language

    html = nested(RU_POLICY, ["table", "tr", "td", "font"], 6000, title="Политика конфиденциальности", lang="ru")
    result = extract(encode(html.replace('charset="utf-8"', 'charset="windows-1251"'), "cp1251"), "text/html",
                     "https://x.kz/ru/privacy")
    assert (result.failure, result.encoding) == (None, "windows-1251")
    assert result.text.splitlines()[-len(RU_POLICY):] == RU_POLICY
    assert document_language(result.text)[0].language == "ru"


def test_deep_markup_the_parser_holds_is_read_from_the_tree_without_trafilatura():
    from extraction.extract import LXML_DEEP

    result = extract(nested(KK_POLICY, ["div", "font"], 1000).encode(), "text/html", "https://x.kz/")
    assert (result.failure, result.extractor) == (None, LXML_DEEP)
    assert result.text.splitlines()[-len(KK_POLICY):] == KK_POLICY


@pytest.mark.parametrize("depth", [1, 30, 120])
def test_ordinary_nesting_still_uses_trafilatura(depth):
    result = extract(nested(KK, ["div"], depth).encode(), "text/html", "https://x.kz/")
    assert result.failure is None and result.extractor.startswith("trafilatura ")
    assert result.text.splitlines()[-len(KK):] == KK


def test_a_long_text_trafilatura_mostly_drops_gives_way_to_the_pages_text():
    # trafilatura keeps the short introduction and drops the block it takes for comments: most of
    # the document. The page's own text is taken instead.
    comments = "".join(f"<p>{p}</p>" for p in RU_POLICY)
    html = f"<html><body><h1>Политика</h1><p>{RU[0]} {RU[1]}</p><div id='comments'>{comments}</div></body></html>"
    result = extract(html.encode(), "text/html", "https://x.kz/")
    assert result.failure is None and result.extractor.startswith("lxml ")
    assert result.text.splitlines()[-len(RU_POLICY):] == RU_POLICY


def test_the_flat_walk_drops_closed_page_chrome_but_keeps_what_an_unclosed_tag_would_swallow():
    from extraction.extract import _flat_text

    text = _flat_text("<title>T</title><script>var a = '<p>x</p>';</script><header>Menu</header><p>One"
                      "<br>Two</p><table><tr><td>a</td><td>b</td></tr></table><nav>Links</nav>"
                      "<footer><p>" + " ".join(RU) + "</p>")  # an unclosed footer holds the rest
    assert text.splitlines() == ["One", "Two", "a b", " ".join(RU)]


def test_a_pdf_text_layer_that_is_not_language_is_not_a_version():
    import random

    rnd = random.Random(7)
    junk = ["".join(rnd.choice("aBcDeFgHiJkLmNoPqRsTuVwXyZ^~{}") for _ in range(70)) for _ in range(12)]
    result = extract(make_pdf(junk), "application/pdf", "https://x.kz/offer.pdf", limits=FileLimits(ocr=False))
    assert result.failure == "not_text" and result.text == ""
    assert result.detail.startswith("the text layer is not language: ")
