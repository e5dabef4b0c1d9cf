"""Small HTML pages for crawl tests, written for these tests (not copied from any site)."""

from __future__ import annotations

RU_CLAUSES = [
    "Настоящая политика определяет порядок сбора, хранения и обработки персональных данных пользователей.",
    "Компания обрабатывает фамилию, имя, номер телефона и адрес электронной почты пользователя.",
    "Персональные данные хранятся не дольше, чем этого требуют цели обработки, но не более пяти лет.",
    "Пользователь вправе отозвать согласие на обработку, направив письменное заявление в компанию.",
    "Компания не передает персональные данные третьим лицам без согласия пользователя, кроме случаев, "
    "предусмотренных законодательством Республики Казахстан.",
    "Об изменениях настоящей политики компания уведомляет пользователей на сайте за десять календарных дней.",
    "Вопросы о защите данных пользователь может направить по адресу электронной почты службы поддержки.",
]

KK_CLAUSES = [
    "Осы саясат пайдаланушылардың дербес деректерін жинау, сақтау және өңдеу тәртібін айқындайды.",
    "Компания пайдаланушының тегін, атын, телефон нөмірін және электрондық пошта мекенжайын өңдейді.",
    "Дербес деректер өңдеу мақсаттарына қажетті мерзімнен артық, бірақ бес жылдан аспайтын мерзімде сақталады.",
    "Пайдаланушы компанияға жазбаша өтініш жіберу арқылы өңдеуге берген келісімін кері қайтарып ала алады.",
    "Компания Қазақстан Республикасының заңнамасында көзделген жағдайларды қоспағанда, дербес деректерді "
    "пайдаланушының келісімінсіз үшінші тұлғаларға бермейді.",
    "Осы саясаттың өзгерістері туралы компания пайдаланушыларды сайтта он күнтізбелік күн бұрын хабардар етеді.",
    "Деректерді қорғау мәселелері бойынша пайдаланушы қолдау қызметінің электрондық поштасына жаза алады.",
]


def policy_page(title: str, clauses: list[str], *, lang: str = "ru", head: str = "", footer: str = "") -> str:
    items = "\n".join(f"<p>{i}. {text}</p>" for i, text in enumerate(clauses, 1))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f'<body><nav><a href="/">Главная</a></nav><main><h1>{title}</h1>{items}</main>'
        f"<footer>{footer} © 2025</footer></body></html>"
    )


def home_page(links: dict[str, str], *, title: str = "Главная", head: str = "") -> str:
    anchors = "".join(f'<a href="{href}">{text}</a> ' for href, text in links.items())
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><header><a href=\"/credits\">Кредиты</a> <a href=\"/news\">Новости</a></header>"
            f"<main><p>Добро пожаловать.</p></main><footer>{anchors}</footer></body></html>")


def text_pdf(title: str, paragraphs: list[str], lines_per_page: int = 45) -> bytes:
    """A real PDF with a text layer (Helvetica, Latin text), written by hand: for benchmarks that
    need thousands of distinct PDFs without a PDF library."""
    def escape(s: str) -> str:
        latin = s.encode("latin-1", "replace").decode("latin-1")
        return latin.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    lines = [title, ""]
    for paragraph in paragraphs:
        words, line = paragraph.split(), ""
        for word in words:
            if len(line) + len(word) > 90:
                lines.append(line)
                line = ""
            line = f"{line} {word}".strip()
        lines += [line, ""]
    pages = [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "", "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for page in pages:
        body = "BT /F1 10 Tf 50 800 Td 13 TL " + " ".join(f"({escape(t)}) '" for t in page) + " ET"
        objects.append(f"<< /Length {len(body)} >>\nstream\n{body}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
