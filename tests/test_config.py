"""The config loader: the packaged file loads, and every kind of mistake is reported at its line."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path
from typing import get_args

import pytest

from config import (
    DOC_TYPES,
    Campaign,
    Company,
    Config,
    ConfigError,
    CrawlSettings,
    Problem,
    Vocabulary,
    check_config,
    load_config,
)
from config.loader import PACKAGED_CONFIG, PACKAGED_VOCABULARY, default_vocabulary
from config.vocabulary import DocType

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)

COMPANIES_2024 = {
    "halyk-bank": "FinTech",
    "freedom-bank": "FinTech",
    "jusan-bank": "FinTech",
    "freedom-telecom": "Telecom",
    "beeline-kz": "Telecom",
    "kcell": "Telecom",
    "olx-kz": "E-commerce",
    "satu-kz": "E-commerce",
    "yandex-go-delivery": "E-commerce",
}

# A valid minimal config; tests append or alter lines and assert on exact line numbers.
HEAD = """\
campaigns:
  - name: "2024"
    start: 2024-05-01
    end: 2024-07-31
companies:
  - id: halyk-bank
    name: Halyk Bank
    sector: FinTech
    homepage: https://halykbank.kz/
"""


def write(tmp_path: Path, text: str, name: str = "companies.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


def only_problem(path: Path) -> Problem:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


# --- the packaged config ------------------------------------------------------------------------------


def test_packaged_config_loads_with_the_2024_companies():
    config = load_config(PACKAGED_CONFIG)
    sectors = {c.id: c.sector for c in config.companies}
    for company_id, sector in COMPANIES_2024.items():
        assert sectors[company_id] == sector
    assert config.company("kcell").extra_homepages == ["https://www.activ.kz/"]
    assert config.company("halyk-bank").homepage == "https://halykbank.kz/"
    assert config.company("halyk-bank").languages == ["kk", "ru"]
    assert not config.company("freedom-telecom").confirmed
    assert not config.company("yandex-go-delivery").confirmed
    assert config.crawl.allow_private_addresses == []
    campaign = config.campaign_at(date(2024, 6, 15))
    assert campaign is not None and campaign.name == "2024"
    assert (campaign.start, campaign.end) == (date(2024, 5, 1), date(2024, 7, 31))
    assert isinstance(config.vocabulary, Vocabulary)


def test_packaged_config_nominated_companies_are_unconfirmed():
    config, warnings = check_config(PACKAGED_CONFIG)
    nominated = [c for c in config.companies if c.id not in COMPANIES_2024]
    assert len(nominated) == 12
    assert all(not c.confirmed for c in nominated)
    assert (
        "companies[3] (freedom-telecom): homepage not confirmed by the team (confirmed: false); "
        "crawl skips it unless --include-unconfirmed"
    ) in warnings


def test_doc_types_literal_matches_tuple():
    assert get_args(DocType) == DOC_TYPES


def test_defaults_and_minimal_config(tmp_path):
    config = load_config(write(tmp_path, HEAD))
    assert config.crawl == CrawlSettings()
    assert config.crawl.max_depth == 3 and config.crawl.render == "auto"
    company = config.company("halyk-bank")
    assert company.confirmed and company.render is None and company.documents == []
    assert company.homepages == ["https://halykbank.kz/"]
    with pytest.raises(KeyError, match="no company with id 'nope'"):
        config.company("nope")


def test_campaign_at():
    config = Config(
        campaigns=[
            Campaign(name="2024", start=date(2024, 5, 1), end=date(2024, 7, 31)),
            Campaign(name="2025", start=date(2025, 5, 1), end=date(2025, 7, 31)),
        ],
        companies=[Company(id="x", name="X", sector="FinTech", homepage="https://x.kz/")],
        vocabulary=default_vocabulary(),
    )
    assert config.campaign_at(date(2024, 5, 1)).name == "2024"
    assert config.campaign_at(date(2024, 7, 31)).name == "2024"
    assert config.campaign_at(date(2025, 6, 1)).name == "2025"
    assert config.campaign_at(date(2024, 8, 1)) is None
    assert config.campaign_at(date(2024, 4, 30)) is None


# --- mistakes, each at its line -----------------------------------------------------------------------


def test_missing_homepage_points_at_the_company(tmp_path):
    path = write(tmp_path, HEAD + "  - id: kcell\n    name: Kcell\n    sector: Telecom\n")
    p = only_problem(path)
    assert (p.file, p.line, p.field) == (str(path), 10, "companies[1].homepage")
    assert p.message == "required field is missing"
    assert str(p) == f"{path}:10: companies[1].homepage: required field is missing"


def test_bad_url(tmp_path):
    path = write(tmp_path, HEAD.replace("https://halykbank.kz/", "halykbank.kz"))
    p = only_problem(path)
    assert str(p) == (
        f"{path}:9: companies[0].homepage: expected an http(s) URL such as https://example.kz/, "
        "got 'halykbank.kz'"
    )


@pytest.mark.parametrize("url", ["ftp://x.kz/", "https://", "https:///path", "https://x .kz/", "x"])
def test_urls_need_http_scheme_and_host(tmp_path, url):
    path = write(tmp_path, HEAD.replace("https://halykbank.kz/", f"'{url}'"))
    assert "expected an http(s) URL" in only_problem(path).message


def test_unknown_key_suggests_the_close_one(tmp_path):
    path = write(tmp_path, HEAD.replace("    homepage:", "    homepag:"))
    found = problems(path)
    assert [(p.line, p.field) for p in found] == [(6, "companies[0].homepage"), (9, "companies[0].homepag")]
    unknown = found[1].message
    assert unknown.startswith("unknown field 'homepag', did you mean 'homepage'?")
    assert "expected one of: id, name, sector, homepage" in unknown


def test_unknown_top_level_key(tmp_path):
    path = write(tmp_path, "campains: []\n" + HEAD)
    found = problems(path)
    assert (found[0].line, found[0].field) == (1, "campains")
    assert "did you mean 'campaigns'?" in found[0].message


def test_bad_date(tmp_path):
    path = write(tmp_path, HEAD.replace("start: 2024-05-01", "start: 2024-13-01"))
    p = only_problem(path)
    assert (p.line, p.field) == (3, "campaigns[0].start")
    assert p.message.startswith("expected a date such as 2024-05-01, got '2024-13-01'")


def test_end_before_start(tmp_path):
    path = write(tmp_path, HEAD.replace("end: 2024-07-31", "end: 2024-04-30"))
    p = only_problem(path)
    assert (p.line, p.field) == (4, "campaigns[0].end")
    assert p.message.startswith("end must be on or after start")


def test_overlapping_campaigns(tmp_path):
    extra = '  - name: "2024b"\n    start: 2024-07-01\n    end: 2024-08-31\n'
    path = write(tmp_path, HEAD.replace("companies:\n", extra + "companies:\n"))
    p = only_problem(path)
    assert (p.line, p.field) == (6, "campaigns[1].start")
    assert "overlaps campaign '2024'" in p.message


def test_duplicate_company_id(tmp_path):
    path = write(tmp_path, HEAD + HEAD.split("companies:\n")[1])
    p = only_problem(path)
    assert (p.line, p.field) == (10, "companies[1].id")
    assert p.message == "duplicate company id 'halyk-bank' (already used by companies[0] on line 6)"


def test_duplicate_id_reported_alongside_other_problems(tmp_path):
    second = HEAD.split("companies:\n")[1].replace("https://halykbank.kz/", "nope")
    path = write(tmp_path, HEAD + second)
    assert [(p.line, p.field) for p in problems(path)] == [
        (10, "companies[1].id"),
        (13, "companies[1].homepage"),
    ]


def test_duplicate_yaml_key(tmp_path):
    path = write(tmp_path, HEAD + "    homepage: https://other.kz/\n")
    p = only_problem(path)
    assert (p.line, p.field) == (10, "companies[0].homepage")
    assert p.message.startswith("duplicate key 'homepage' (also on line 9)")


def test_yaml_syntax_error(tmp_path):
    path = write(tmp_path, HEAD + "  - id: [kcell\n    name: Kcell\n")
    p = only_problem(path)
    assert p.file == str(path) and p.line == 11
    assert p.message.startswith("YAML syntax error:")


def test_yaml_bad_indentation(tmp_path):
    path = write(tmp_path, HEAD + "   name: oops\n")
    p = only_problem(path)
    assert p.line == 10 and p.message.startswith("YAML syntax error:")


def test_bad_cidr_in_allow_private_addresses(tmp_path):
    crawl = "crawl:\n  allow_private_addresses:\n    - 127.0.0.0/8\n    - localhost\n    - 10.0.0.0/33\n"
    path = write(tmp_path, crawl + HEAD)
    p = only_problem(path)
    assert (p.line, p.field) == (5, "crawl.allow_private_addresses[2]")
    assert p.message.startswith(
        "expected a host name, an IP address or a network like 127.0.0.0/8, got '10.0.0.0/33'"
    )


def test_good_private_addresses(tmp_path):
    crawl = "crawl:\n  allow_private_addresses: [127.0.0.0/8, '::1', 192.168.1.5, demo.local, Localhost]\n"
    config = load_config(write(tmp_path, crawl + HEAD))
    assert config.crawl.allow_private_addresses == [
        "127.0.0.0/8",
        "::1",
        "192.168.1.5",
        "demo.local",
        "localhost",
    ]


@pytest.mark.parametrize("bad", ["300.1.1.1", "10.0.0", "-bad.kz", "bad host", "example.kz:8080"])
def test_bad_private_addresses(tmp_path, bad):
    path = write(tmp_path, f"crawl:\n  allow_private_addresses: ['{bad}']\n" + HEAD)
    assert only_problem(path).line == 2


def test_unknown_document_type(tmp_path):
    docs = "    documents:\n      - url: https://halykbank.kz/privacy\n        type: privacy\n"
    path = write(tmp_path, HEAD + docs)
    p = only_problem(path)
    assert (p.line, p.field) == (12, "companies[0].documents[0].type")
    assert p.message.startswith("expected one of: terms_of_service, public_offer,")
    assert p.message.endswith("got 'privacy', did you mean 'privacy_policy'?")


def test_wrong_types_in_plain_words(tmp_path):
    text = "crawl:\n  max_depth: deep\n  obey_robots_txt: maybe\n  render: sometimes\n" + HEAD
    text += "    languages: [kk, de]\n    extra_homepages: https://activ.kz/\n"
    found = problems(write(tmp_path, text))
    assert [(p.line, p.field, p.message) for p in found] == [
        (2, "crawl.max_depth", "expected a whole number, got 'deep'"),
        (3, "crawl.obey_robots_txt", "expected true or false, got 'maybe'"),
        (4, "crawl.render", "expected one of: auto, always, never; got 'sometimes'"),
        (14, "companies[0].languages[1]", "expected one of: kk, ru, en; got 'de'"),
        (
            15,
            "companies[0].extra_homepages",
            "expected a list (lines starting with '- '), got 'https://activ.kz/'",
        ),
    ]


def test_all_problems_reported_and_str_is_one_line_each(tmp_path):
    text = HEAD.replace("https://halykbank.kz/", "halykbank.kz").replace("end: 2024-07-31", "end: 2024-01-01")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{path}:4: campaigns[0].end: ")
    assert lines[1].startswith(f"{path}:9: companies[0].homepage: ")


def test_missing_file(tmp_path):
    path = tmp_path / "nope.yaml"
    p = only_problem(path)
    assert p.file == str(path) and p.line is None
    assert "no such file" in p.message and "--config" in p.message and "POLICY_ARCHIVE_CONFIG" in p.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "at the top level, got a list"),
        ("just text\n", "got 'just text'"),
    ],
)
def test_wrong_top_level(tmp_path, text, expected):
    p = only_problem(write(tmp_path, text))
    assert expected in p.message


def test_missing_top_level_keys(tmp_path):
    found = problems(write(tmp_path, "crawl: {}\n"))
    assert [(p.line, p.field, p.message) for p in found] == [
        (1, "campaigns", "required field is missing"),
        (1, "companies", "required field is missing"),
    ]


# --- the vocabulary file ------------------------------------------------------------------------------


def test_relative_vocabulary_file_is_used(tmp_path):
    vocab = PACKAGED_VOCABULARY.read_text(encoding="utf-8").replace(
        "- оферта\n", "- оферта\n      - акцепт\n"
    )
    write(tmp_path, vocab, "my-vocabulary.yaml")
    config = load_config(write(tmp_path, "vocabulary: my-vocabulary.yaml\n" + HEAD))
    assert config.vocabulary.document_type("Акцепт") == "public_offer"


def test_bad_vocabulary_file_is_reported_in_its_own_name(tmp_path):
    vocab = PACKAGED_VOCABULARY.read_text(encoding="utf-8").replace("  privacy_policy:", "  privcy_policy:")
    vpath = write(tmp_path, vocab, "vocabulary.yaml")
    line = next(i for i, t in enumerate(vocab.splitlines(), 1) if t.startswith("  privcy_policy:"))
    documents_line = next(i for i, t in enumerate(vocab.splitlines(), 1) if t == "documents:")
    config_path = write(
        tmp_path, "vocabulary: vocabulary.yaml\n" + HEAD.replace("https://halykbank.kz/", "x")
    )
    found = problems(config_path)
    # The config's own problems first, then the vocabulary's, each in its own file name.
    assert [(p.file, p.line, p.field) for p in found] == [
        (str(config_path), 10, "companies[0].homepage"),
        (str(vpath), documents_line, "documents.privacy_policy"),
        (str(vpath), line, "documents.privcy_policy"),
    ]
    assert "did you mean 'privacy_policy'?" in found[2].message


def test_vocabulary_syntax_error_and_missing_file(tmp_path):
    write(tmp_path, "documents:\n  terms_of_service: [a\n", "vocabulary.yaml")
    found = problems(write(tmp_path, "vocabulary: vocabulary.yaml\n" + HEAD))
    assert len(found) == 1 and found[0].file == str(tmp_path / "vocabulary.yaml")
    assert found[0].message.startswith("YAML syntax error")

    p = only_problem(write(tmp_path, "vocabulary: missing.yaml\n" + HEAD))
    assert (p.line, p.field) == (1, "vocabulary")
    assert p.message.startswith("no such file")


def test_vocabulary_marker_for_two_languages(tmp_path):
    vocab = PACKAGED_VOCABULARY.read_text(encoding="utf-8").replace("url: [ru, rus]", "url: [ru, rus, kz]")
    vpath = write(tmp_path, vocab, "vocabulary.yaml")
    found = problems(write(tmp_path, "vocabulary: vocabulary.yaml\n" + HEAD))
    assert len(found) == 1 and found[0].file == str(vpath) and found[0].field == "languages"
    assert "'kz' is listed for both kk and ru" in found[0].message


def test_tab_indentation_gets_a_hint(tmp_path):
    p = only_problem(write(tmp_path, HEAD + "\tconfirmed: false\n"))
    assert p.line == 10 and "use spaces" in p.message


def test_config_error_survives_pickling(tmp_path):
    import pickle

    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert copy.problems == caught.value.problems and str(copy) == str(caught.value)


# --- proxies and transient trouble ---------------------------------------------------------------------


def test_proxies_global_and_per_company(tmp_path):
    crawl = "crawl:\n  proxy: http://team:s3cret@proxy.example.kz:3128\n  retries: 3\n  max_retry_wait: 20\n"
    config = load_config(write(tmp_path, crawl + HEAD + "    proxy: socks5://127.0.0.1:1080\n"))
    assert config.crawl.proxy == "http://team:s3cret@proxy.example.kz:3128"
    assert config.companies[0].proxy == "socks5://127.0.0.1:1080"
    assert (config.crawl.retries, config.crawl.max_retry_wait) == (3, 20)
    defaults = load_config(write(tmp_path, HEAD))
    assert defaults.crawl.proxy is None and defaults.companies[0].proxy is None
    assert (defaults.crawl.retries, defaults.crawl.max_retry_wait) == (2, 60)


@pytest.mark.parametrize("bad,expected", [
    ("proxy.example.kz:3128", "expected a proxy URL such as http://"),
    ("ftp://proxy.example.kz:21", "expected a proxy URL such as http://"),
    ("http://proxy.example.kz", "the proxy URL needs a port"),
    ("http://proxy.example.kz:99999", "(bad port)"),
    ("https://proxy.example.kz:443", "an https:// proxy (TLS to the proxy itself) is not supported"),
    ("http://proxy.example.kz:3128/path", "scheme://host:port and nothing after it"),
    ("socks5://me:s3cret@proxy.example.kz:1080", "Chromium cannot log in to a SOCKS5 proxy"),
])
def test_a_bad_proxy_is_reported_at_its_line_without_its_password(tmp_path, bad, expected):
    p = only_problem(write(tmp_path, HEAD + f"    proxy: '{bad}'\n"))
    assert (p.line, p.field) == (10, "companies[0].proxy")
    assert expected in p.message
    assert "s3cret" not in str(p)


def test_a_bad_global_proxy_and_retry_bounds(tmp_path):
    found = problems(write(tmp_path, "crawl:\n  proxy: 'http://u:s3cret@proxy'\n  max_retry_wait: 9000\n" + HEAD))
    assert [(p.line, p.field) for p in found] == [(2, "crawl.proxy"), (3, "crawl.max_retry_wait")]
    assert "needs a port" in found[0].message and "'http://u:***@proxy'" in found[0].message
    assert found[1].message.startswith("must be at most 600")
