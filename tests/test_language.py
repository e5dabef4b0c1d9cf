"""Kazakh-aware language detection: kk / ru / en, and never "kk" for Kazakh's neighbours."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from language.detect import DETECTOR, Detection, detect, detect_paragraphs, document_language

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)

# Fixture paragraphs written for these tests, in the style of a privacy policy or public offer.
KK = [
    "Осы Құпиялылық саясаты Компанияның пайдаланушылардың дербес деректерін жинау, өңдеу және қорғау "
    "тәртібін айқындайды.",
    "Пайдаланушы Сайтты пайдалана отырып, осы Саясаттың талаптарымен келісетінін растайды.",
    "Дербес деректер Қазақстан Республикасының заңнамасына сәйкес тек заңды мақсаттар үшін өңделеді.",
    "Компания пайдаланушының келісімінсіз дербес деректерді үшінші тұлғаларға бермейді, заңда көзделген "
    "жағдайларды қоспағанда.",
    "Пайдаланушы өзінің дербес деректерін өңдеуге берген келісімін кез келген уақытта электрондық пошта "
    "арқылы кері қайтарып ала алады.",
    "Cookie файлдары сайттың жұмысын жақсарту және қаралым статистикасын талдау мақсатында пайдаланылады.",
    "Осы Саясатқа енгізілетін өзгерістер туралы ақпарат сайтта жарияланады және жарияланған күннен бастап "
    "күшіне енеді.",
    "Дербес деректерді сақтау мерзімі оларды жинау мақсаттарына қол жеткізілгенге дейін немесе заңда "
    "белгіленген мерзімге дейін созылады.",
    "Компания деректерді рұқсатсыз қол жеткізуден, өзгертуден және жоюдан қорғау үшін қажетті "
    "ұйымдастырушылық және техникалық шараларды қолданады.",
    "Осы шарт бойынша туындайтын даулар келіссөздер арқылы, ал келісімге қол жеткізілмеген жағдайда сот "
    "тәртібімен шешіледі.",
    "Жария оферта қосылу шарты болып табылады және оның талаптарын Пайдаланушы толық көлемде "
    "қабылдауға тиіс.",
]
RU = [
    "Настоящая Политика конфиденциальности определяет порядок сбора, обработки и защиты персональных "
    "данных пользователей.",
    "Используя сайт, пользователь подтверждает своё согласие с условиями настоящей Политики.",
    "Персональные данные обрабатываются исключительно в целях, предусмотренных законодательством "
    "Республики Казахстан.",
    "Компания не передаёт персональные данные третьим лицам без согласия пользователя, за исключением "
    "случаев, установленных законом.",
    "Пользователь вправе в любое время отозвать согласие на обработку персональных данных, направив письмо "
    "на адрес электронной почты.",
    "Файлы cookie используются для улучшения работы сайта и анализа статистики посещений.",
    "Информация об изменениях настоящей Политики публикуется на сайте и вступает в силу с момента "
    "публикации.",
    "Срок хранения персональных данных определяется целями их обработки либо сроком, установленным "
    "законодательством.",
    "Компания принимает необходимые организационные и технические меры для защиты данных от "
    "несанкционированного доступа.",
    "Споры, возникающие из настоящего договора, разрешаются путём переговоров, а при недостижении согласия — "
    "в судебном порядке.",
    "Публичная оферта является договором присоединения, и её условия принимаются пользователем в "
    "полном объёме.",
    # Russian text naming a Kazakh company and law: a few Kazakh letters must not make it Kazakh
    "Оператором персональных данных является АО «Қазақтелеком», действующее на основании устава и "
    "законодательства Республики Казахстан.",
]
EN = [
    "This Privacy Policy explains how the Company collects, uses and protects the personal data of users "
    "of the website.",
    "By using the website, you confirm that you have read and agree to the terms of this Policy.",
    "Personal data is processed only for the purposes provided for by the legislation of the Republic of "
    "Kazakhstan.",
    "We do not disclose personal data to third parties without the consent of the user, except where "
    "required by law.",
    "You may withdraw your consent to the processing of personal data at any time by sending a notice to "
    "our email address.",
    "Cookies are used to improve the operation of the website and to analyse visit statistics.",
    "Information about changes to this Policy is published on the website and takes effect from the date "
    "of publication.",
    "Personal data is stored until the purposes of its collection are achieved or for the period "
    "established by law.",
    "The Company takes the organisational and technical measures necessary to protect data against "
    "unauthorised access.",
    "Disputes arising under these Terms of Use shall be resolved through negotiation and, failing "
    "agreement, in court.",
]
KK_LATIN = [
    # 2021 alphabet
    "Osy Qūpiialylyq saiasaty Kompaniianyñ paidalanuşylardyñ derbes derekterın jinau, öñdeu jäne qorğau "
    "tärtıbın aiqyndaidy.",
    "Derbes derekter Qazaqstan Respublikasynyñ zañnamasyna säikes tek zañdy maqsattar üşın öñdeledı.",
    "Paidalanuşy özınıñ derbes derekterın öñdeuge bergen kelısımın kez kelgen uaqytta elektrondyq poşta "
    "arqyly kerı qaitaryp ala alady.",
    # 2018 alphabet (acute accents)
    "Osy Qupıalylyq saıasaty Kompanıanyń paıdalanýshylardyń derbes derekterin jınaý, óńdeý jáne qorǵaý "
    "tártibin aıqyndaıdy.",
]
NEIGHBOURS = {
    "kyrgyz": "Бул Купуялуулук саясаты колдонуучулардын жеке маалыматтарын чогултуу, иштетүү жана коргоо "
    "тартибин аныктайт. Колдонуучу өзүнүн макулдугун каалаган убакта кайтарып ала алат.",
    "tatar": "Әлеге Серлелек сәясәте кулланучыларның шәхси мәгълүматларын җыю, эшкәртү һәм саклау тәртибен "
    "билгели.",
    "tatar_without_zhe": "Әлеге сәясәт кулланучыларның шәхси мәгълүматларын эшкәртү тәртибен билгели һәм "
    "барлык кулланучылар өчен мөһим.",
    "bashkir": "Был сәйәсәт ҡулланыусыларҙың шәхси мәғлүмәттәрен йыйыу, эшкәртеү һәм һаҡлау тәртибен "
    "билдәләй.",
    "ukrainian": "Ця Політика конфіденційності визначає порядок збирання, обробки та захисту персональних "
    "даних користувачів. Користувач має право відкликати її в будь-який час.",
    "ukrainian_only_i": "Ця Політика конфіденційності визначає порядок обробки персональних даних "
    "користувачів сайту.",
    "belarusian": "Гэтая Палітыка канфідэнцыяльнасці вызначае парадак збору, апрацоўкі і абароны "
    "персанальных даных карыстальнікаў.",
    "mongolian": "Энэхүү нууцлалын бодлого нь хэрэглэгчдийн хувийн мэдээллийг цуглуулах, боловсруулах, "
    "хамгаалах журмыг тодорхойлно. Хэрэглэгч өөрийн зөвшөөрлийг хүссэн үедээ цуцлах эрхтэй.",
    "turkish": "Bu Gizlilik Politikası, kullanıcıların kişisel verilerinin toplanması, işlenmesi ve "
    "korunması usulünü belirler.",
    "german_short": "Die Datenschutzerklärung gilt für alle Nutzer der Webseite und der App.",
    "german": "Diese Datenschutzerklärung beschreibt, wie personenbezogene Daten der Nutzer erhoben, "
    "verarbeitet und geschützt werden.",
}


@pytest.mark.parametrize("text", KK)
def test_kazakh_paragraphs(text):
    found = detect(text)
    assert found.language == "kk", found
    assert found.confidence >= 0.7


@pytest.mark.parametrize("text", RU)
def test_russian_paragraphs(text):
    found = detect(text)
    assert found.language == "ru", found
    assert found.confidence >= 0.6


@pytest.mark.parametrize("text", EN)
def test_english_paragraphs(text):
    found = detect(text)
    assert found.language == "en", found
    assert found.confidence >= 0.7


@pytest.mark.parametrize("text", KK_LATIN)
def test_latin_script_kazakh_is_kazakh_not_english(text):
    assert detect(text).language == "kk"


@pytest.mark.parametrize("name", sorted(NEIGHBOURS))
def test_neighbours_are_never_kazakh(name):
    found = detect(NEIGHBOURS[name])
    assert found.language != "kk", (name, found)
    assert found.language == "und", (name, found)


@pytest.mark.parametrize("text", ["Жалпы ережелер", "Политика", "Terms of use", "1.2.3", "", "   ", "ҚР"])
def test_short_text_is_undetermined(text):
    found = detect(text)
    assert found.language == "und"
    assert found.confidence <= 0.2


def test_detect_paragraphs_one_per_non_empty_line():
    text = "\n".join([KK[0], "", RU[0], "   ", EN[0]])
    assert [d.language for d in detect_paragraphs(text)] == ["kk", "ru", "en"]


def _letters(text):
    return sum(ch.isalpha() for ch in text)


def test_half_russian_kazakh_document_gives_shares_near_the_truth():
    # A "Kazakh" page whose second half was never translated (the Satu.kz case).
    paragraphs = KK[:7] + RU[:6]
    truth_kk = sum(map(_letters, KK[:7])) / sum(map(_letters, paragraphs))
    page, shares = document_language("\n".join(paragraphs))
    assert set(shares) == {"kk", "ru"}
    assert abs(shares["kk"] - truth_kk) < 0.05
    assert abs(shares["kk"] + shares["ru"] - 1.0) < 1e-3
    assert page.language == ("kk" if truth_kk > 0.5 else "ru")
    assert 0 < page.confidence <= shares[page.language]


def test_headings_and_a_few_english_words_do_not_flip_a_page():
    lines = ["ҚҰПИЯЛЫЛЫҚ САЯСАТЫ", "1. Жалпы ережелер", *KK[:3], "Privacy Policy", "Terms of use and cookies",
             "2. Политика", *KK[3:6], "This is a short English line here.", *KK[6:]]
    page, shares = document_language("\n".join(lines))
    assert page.language == "kk"
    assert shares["kk"] > 0.9
    assert page.confidence > 0.7


def test_russian_page_with_english_paragraph_is_russian():
    page, shares = document_language("\n".join(RU + EN[:1]))
    assert page.language == "ru"
    assert 0 < shares["en"] < 0.15


def test_kyrgyz_page_is_not_kazakh():
    text = "\n".join([NEIGHBOURS["kyrgyz"]] * 5)
    page, shares = document_language(text)
    assert page.language == "und"
    assert "kk" not in shares


def test_document_of_only_short_lines_is_judged_as_a_whole():
    page, shares = document_language("\n".join(["Жалпы", "ережелер", "және", "дербес", "деректер", "туралы",
                                                "Пайдаланушы", "келісімі", "құпиялылық", "саясаты"]))
    assert page.language == "kk"
    assert shares == {"kk": 1.0}
    assert document_language("") == (Detection("und", 0.1), {})


def test_russian_sentence_full_of_product_names_is_russian():
    assert detect("Сайт использует Google Analytics, Yandex Metrica и cookies для analytics purposes.").language == "ru"
    assert detect("Пайдаланушы Google Analytics және Яндекс.Метрика сервистерін пайдалана алады.").language == "kk"


def test_latin_i_typed_for_kazakh_i_still_kazakh():
    # Older Kazakh pages type the Latin "i" for "і"; the rest of the letters still say Kazakh.
    assert detect(KK[0].replace("і", "i")).language == "kk"


def test_deterministic_across_runs_and_hash_seeds():
    text = "\n".join(KK + RU + EN + KK_LATIN + list(NEIGHBOURS.values()))
    first = [detect(line) for line in text.splitlines()]
    assert first == [detect(line) for line in text.splitlines()]
    script = (
        "import sys, json; from language.detect import detect_paragraphs, document_language;"
        "t = sys.stdin.read(); print(json.dumps([[d.language, d.confidence] for d in detect_paragraphs(t)]"
        " + [list(document_language(t)[1].items())]))"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", script], input=text, capture_output=True, text=True, check=True,
                       cwd=Path(__file__).resolve().parents[1], env={"PYTHONHASHSEED": seed}).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1


def test_fast_enough_for_thousands_of_paragraphs_per_second():
    paragraphs = (KK + RU + EN) * 100
    start = time.perf_counter()
    for paragraph in paragraphs:
        detect(paragraph)
    rate = len(paragraphs) / (time.perf_counter() - start)
    print(f"\n{DETECTOR}: {rate:,.0f} paragraphs per second")
    assert rate > 1000


# --- policy-archive-lang 2: which Kazakh letters, how widely; Latin alphabets; bilingual lines


def test_uzbek_with_only_letters_it_shares_with_kazakh_is_not_kazakh():
    # қ and ғ are Uzbek letters too; Uzbek has no ы, і, ә, ң, ө, ұ, ү, and this sentence no ў or ҳ
    assert detect("Бу маълумотлар қонунга мувофиқ сақланади ва фақат шартномани бажариш учун ишлатилади.").language \
        == "und"


def test_one_kazakh_name_does_not_make_a_neighbour_kazakh():
    assert detect("Кыргыз Республикасында Қазақстан менен соода байланыштары өнүгүп жатат.").language == "und"
    assert detect("Компанія співпрацює з АТ «Қазақтелеком» та іншими операторами в Казахстані.").language == "und"


def test_russian_naming_kazakh_places_and_companies_is_russian():
    for text in ("Офис компании расположен по адресу: Астана, проспект Мәңгілік Ел, 55, блок С4.",
                 "Обращения принимаются на русском и казахском языках; ответы готовит отдел «Қолдау қызметі».",
                 "Генеральный директор ТОО «Әділет Консалтинг» Сәрсенбаев Нұрлан Қайратұлы"):
        assert detect(text).language == "ru", text


def test_kazakh_quoting_a_russian_title_is_kazakh():
    assert detect("Толық ақпаратты «Политика конфиденциальности» бөлімінен таба аласыз, бірақ ол құжат әзірге тек "
                  "орыс тілінде жарияланған.").language == "kk"


def test_kazakh_without_its_own_letters_is_known_by_its_function_words():
    assert detect("Жалпы ережелер. Осы шарт жария оферта болып табылады.").language == "kk"


@pytest.mark.parametrize("text", [
    "Jaria oferta qosylu şarty bolyp tabylady, al Klient onyñ talaptaryn tolyq qabyldaidy.",  # 2021
    "Jarıa oferta qosylý sharty bolyp tabylady, al Klıent onyń talaptaryn tolyq qabyldaıdy.",  # 2018, acute
    "Jari'a oferta qosyly' s'arty bolyp tabylady, al Kli'ent onyn' talaptaryn tolyq qabyldai'dy.",  # 2017
    "Kompani’a derbes derekterdi tek zan’da ko’zdelgen maqsattar u’s’in o’n’dei’di.",  # typographic ’
])
def test_every_latin_kazakh_alphabet(text):
    assert detect(text).language == "kk"


@pytest.mark.parametrize("text", [
    "To'lov bank kartasi yoki elektron hamyon orqali qabul qilinadi.",  # Uzbek: o', q
    "Kişisel verileriniz yasal düzenlemelere uygun olarak işlenir.",  # Turkish: ı ş ü, no q
    "We don't sell your data, and we won't share it with our partners' partners.",  # English apostrophes
])
def test_latin_neighbours_and_english_apostrophes_are_not_kazakh(text):
    assert detect(text).language != "kk"


def test_english_heading_without_function_words():
    assert detect("Personal data processing policy").language == "en"
    assert detect("Frequently asked questions").language == "en"


def test_bilingual_line_is_undetermined_but_counts_for_both_languages():
    line = "Пайдаланушы келісімі осы сайтты пайдалану тәртібін белгілейді. " \
           "Пользовательское соглашение определяет порядок использования сайта."
    assert detect(line).language == "und"
    page, shares = document_language(line)
    assert set(shares) == {"kk", "ru"}
    assert 0.4 < shares["kk"] < 0.6


def test_kazakh_paragraph_with_a_russian_sentence_keeps_its_language_and_splits_its_shares():
    line = KK[0] + " " + KK[2] + " " + RU[5]
    assert detect(line).language == "kk"
    _, shares = document_language(line)
    assert 0.2 < shares["ru"] < 0.4


# --- policy-archive detect-language


def _cli(*args, stdin: str, tmp_path):
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[1]), "PATH": "/usr/bin:/bin",
           "POLICY_ARCHIVE_CONFIG": str(tmp_path / "missing.yaml"), "POLICY_ARCHIVE_DATA": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "commands.cli", "detect-language", *args], input=stdin.encode(),
                          capture_output=True, cwd=tmp_path, env=env, check=True)


def test_cli_prints_page_paragraphs_shares_and_detector_without_config_or_archive(tmp_path):
    text = "\n".join(KK[:3] + ["Меню"] + RU[:1])
    out = json.loads(_cli(stdin=text, tmp_path=tmp_path).stdout)
    assert out["language"] == "kk" and 0 < out["confidence"] <= 1
    assert [p["language"] for p in out["paragraphs"]] == ["kk", "kk", "kk", "und", "ru"]
    assert out["paragraphs"][0]["text"] == KK[0][:80]
    assert set(out["shares"]) == {"kk", "ru"}
    assert out["detector"] == DETECTOR
    assert not (tmp_path / "data").exists()  # no archive opened or created
    (tmp_path / "page.txt").write_text(text, encoding="utf-8")
    assert json.loads(_cli("page.txt", stdin="", tmp_path=tmp_path).stdout) == out


def test_cli_jsonl_one_process_many_texts_and_bad_lines_become_errors(tmp_path):
    records = [{"id": i, "text": text} for i, text in enumerate((KK + RU + EN) * 60)]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines[5:5] = ["not json", json.dumps({"id": "no-text"}), "[1, 2]"]
    start = time.perf_counter()
    out = [json.loads(line) for line in _cli("--jsonl", stdin="\n".join(lines) + "\n", tmp_path=tmp_path)
           .stdout.decode().splitlines()]
    print(f"\ndetect-language --jsonl: {len(records)} texts in {time.perf_counter() - start:.2f} s")
    assert len(out) == len(records) + 3
    assert out[5] == {"id": None, "error": out[5]["error"]} and out[5]["error"].startswith("not JSON")
    assert out[6]["id"] == "no-text" and "text" in out[6]["error"]
    assert "error" in out[7]
    good = [o for o in out if "error" not in o]
    assert [o["id"] for o in good] == [r["id"] for r in records]
    assert {o["language"] for o in good[:len(KK)]} == {"kk"}
