"""The CLI's read commands, progress output on a terminal, and where our packages come from. Read
commands never create an archive, and an id or URL that names nothing is "no such ..." (exit 5), even
one beyond the database's integer range."""

from __future__ import annotations

import importlib
import os
import pty
import subprocess
import sys

import pytest

from commands.cli import EXIT_NOT_FOUND
from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import REPO, company, db_url, on_postgresql
from tests.pages import KK_CLAUSES, RU_CLAUSES, home_page, policy_page


def _site() -> FixtureSite:
    return FixtureSite(routes={
        "/": Route(body=home_page({"/documents/": "Документы", "/kz/privacy": "Құпиялылық саясаты"})),
        "/documents/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности"}, title="Документы")),
        "/ru/privacy": Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES)),
        "/kz/privacy": Route(body=policy_page("Құпиялылық саясаты", KK_CLAUSES, lang="kk")),
    })


def test_documents_and_show_list_what_is_archived(archive):
    site = _site()
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
        site.routes["/ru/privacy"] = Route(body=policy_page("Политика конфиденциальности", RU_CLAUSES[:-1]))
        assert archive.crawl().code == 0

    listing = archive.cli("documents")
    assert listing.code == 0
    lines = listing.out.splitlines()
    assert lines[0].split() == ["id", "company", "type", "lang", "versions", "status", "depth", "last", "captured",
                                "url"]
    rows = {line.split()[-1].rsplit("/", 2)[-2]: line.split() for line in lines[1:]}
    assert rows["ru"][1:7] == ["bank", "privacy_policy", "ru", "2", "available", "2"]
    assert rows["kz"][1:7] == ["bank", "privacy_policy", "kk", "1", "available", "1"]

    doc_id = rows["ru"][0]
    shown = archive.cli("show", doc_id)
    assert shown.code == 0
    assert "click depth: 2 (Документы > Политика конфиденциальности)" in shown.out
    assert shown.out.count(" ru ") >= 2 and "captures: 2 (0 failed)" in shown.out
    first_version = shown.out.split("versions:")[1].split()[0]
    old_text = archive.cli("show", doc_id, "--text", first_version)
    new_text = archive.cli("show", "/ru/privacy", "--text")
    assert RU_CLAUSES[-1] in old_text.out and RU_CLAUSES[-1] not in new_text.out
    assert "5. Компания не передает" in new_text.out  # numbering kept, one paragraph per line

    missing = archive.cli("show", "9999")
    assert missing.code == EXIT_NOT_FOUND and "no document '9999'" in missing.err
    no_version = archive.cli("show", doc_id, "--text", "9999")
    assert no_version.code == EXIT_NOT_FOUND and f"document {doc_id} has no version 9999" in no_version.err


# Just beyond PostgreSQL's INTEGER (2**31) and SQLite's (2**63).
HUGE_IDS = [str(2**31), str(2**63)]


def test_ids_beyond_the_database_integer_range_are_simply_not_found(archive):
    with FixtureServer(_site()) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 0
    out = archive.root / "evidence.zip"
    for ref in HUGE_IDS:
        for args, message in ((("show", ref), f"no document '{ref}'"), (("show", ref, "--notices"), "no document"),
                              (("evidence", ref, str(out)), f"no document '{ref}'"),
                              (("diff", ref, "1"), f"no version {ref}"), (("diff", "1", ref), f"no version {ref}"),
                              (("diff", ref, "2024-01-01", "2025-01-01"), f"no document '{ref}'")):
            result = archive.cli(*args)
            assert result.code == EXIT_NOT_FOUND, (args, result.err)
            assert message in result.err and "Traceback" not in result.err, (args, result.err)
    assert not out.exists()
    beyond_any = archive.cli("show", "9" * 30)
    assert beyond_any.code == EXIT_NOT_FOUND and "Traceback" not in beyond_any.err


READ_COMMANDS = [
    ("documents",), ("show", "1"), ("show", "1", "--text"), ("report", "coverage", "--format", "json"),
    ("report", "changes", "--format", "md"), ("diff", "1", "2"), ("evidence", "1", "{root}/e.zip"),
    ("export", "warc", "{root}/a.warc.gz"), ("runs",), ("verify",), ("backup", "{root}/backup"),
    ("reextract",), ("serve", "--port", "0"),
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_read_commands_refuse_a_data_directory_without_an_archive_and_create_nothing(archive, command):
    archive.write_config([company("bank", "http://127.0.0.1:9/")])
    args = [a.format(root=archive.root) for a in command]
    result = archive.cli(*args, timeout=60)
    assert result.code == EXIT_NOT_FOUND, result.out + result.err
    if on_postgresql():  # the database is the archive: a fresh one holds none of our tables
        assert "the database POLICY_ARCHIVE_DB names" in result.err and "holds no archive" in result.err
    else:
        assert f"the data directory {archive.data} does not exist" in result.err
    assert ("check POLICY_ARCHIVE_DB" if on_postgresql() else "check --data-dir") in result.err
    assert "policy-archive crawl" in result.err
    assert sorted(p.name for p in archive.root.iterdir()) == ["companies.yaml"]  # nothing created
    if on_postgresql():
        assert _tables(db_url(archive.data)) == set()


def test_an_empty_data_directory_is_no_archive_either_and_crawl_starts_one(archive):
    with FixtureServer(_site()) as server:
        archive.write_config([company("bank", server.url("/"))])
        archive.data.mkdir()
        refused = archive.cli("documents")
        assert refused.code == EXIT_NOT_FOUND and "holds no archive" in refused.err
        assert list(archive.data.iterdir()) == [] or on_postgresql()
        assert archive.crawl().code == 0
    listing = archive.cli("documents")
    assert listing.code == 0 and "privacy_policy" in listing.out


def test_documents_on_an_archive_without_documents_says_what_to_do(archive):
    archive.write_config([company("bank", "http://127.0.0.1:9/")])
    assert archive.crawl().code == 1  # nothing listens there: the archive exists, with no document
    result = archive.cli("documents")
    assert result.code == 0 and "run `policy-archive crawl` first" in result.out


def _tables(url: str) -> set[str]:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_terminal_gets_a_live_progress_line_and_cron_gets_log_lines(archive):
    with FixtureServer(_site()) as server:
        archive.write_config([company("bank", server.url("/"))])
        under_cron = archive.crawl()
        assert "INFO policy_archive.crawl: bank privacy_policy" in under_cron.err
        assert "\r" not in under_cron.err

        leader, follower = pty.openpty()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.run(
            [sys.executable, "-m", "commands.cli", "--config", str(archive.config), "--data-dir", str(archive.data),
             "crawl"], stdout=subprocess.PIPE, stderr=follower, env=env, cwd=REPO, timeout=120)
        os.close(follower)
        terminal = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            terminal += chunk
        os.close(leader)
    assert proc.returncode == 0
    assert b"\r" in terminal and b"pages, " in terminal
    assert b"INFO policy_archive.crawl" not in terminal


def test_our_packages_resolve_to_this_repository():
    # config, archive, crawler and spiders are also names of unrelated PyPI distributions.
    for name in ("config", "archive", "crawler", "spiders", "diffing"):
        module = importlib.import_module(name)
        assert os.path.dirname(os.path.dirname(module.__file__)) == str(REPO), name


def test_help_speaks_to_a_researcher_and_lists_the_commands_and_exit_codes(archive):
    result = archive.cli("--help")
    assert result.code == 0, result.err
    assert "`" not in result.out and "one small function" not in result.out and "calling the core" not in result.out
    assert "policy documents" in result.out and "README.md" in result.out
    for command in ("crawl", "documents", "show", "diff", "report", "evidence", "export", "serve", "verify",
                    "detect-language"):
        assert f"\n    {command} " in result.out, command
    for code, meaning in ((EXIT_NOT_FOUND, "no such document"), (3, "another crawl is running")):
        assert f"  {code}  {meaning}" in result.out


COMMANDS = [["crawl"], ["check-config"], ["schedule"], ["demo"], ["documents"], ["show"], ["diff"], ["report"],
            ["report", "coverage"], ["report", "changes"], ["evidence"], ["export"], ["export", "warc"], ["serve"],
            ["runs"], ["verify"], ["backup"], ["reextract"], ["detect-language"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_without_markup(command, capsys):
    from commands.cli import build_parser

    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([*command, "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"usage: policy-archive {' '.join(command)} ") and "`" not in shown


# Every option (or argument) that takes a date or a time, with a value that is none.
BAD_DATES = [
    (("evidence", "1", "{root}/e.zip", "--at", "31.07.2024"), "argument --at"),
    (("evidence", "1", "{root}/e.zip", "--at", "2024-02-30"), "argument --at"),
    (("export", "warc", "--since", "May 1", "{root}/a.warc.gz"), "argument --since"),
    (("export", "warc", "--until", "2024-13-01", "{root}/a.warc.gz"), "argument --until"),
    (("report", "changes", "--since", "yesterday"), "argument --since"),
    (("report", "changes", "--until", "2024-07-31T25:00"), "argument --until"),
    (("diff", "1", "2024-01-01", "last week"), "expected a date"),
    (("crawl", "--today", "today"), "argument --today"),
    (("schedule", "--at", "25:00"), "argument --at: expected a time of day HH:MM"),
    (("schedule", "--at", "04:60"), "argument --at"),
    (("schedule", "--at", "4pm"), "argument --at"),
]


@pytest.mark.parametrize("command, message", BAD_DATES, ids=[" ".join(c[:2]) + " " + c[-1] for c, _ in BAD_DATES])
def test_a_bad_date_or_time_is_a_clean_command_line_error_even_under_python_O(archive, command, message):
    archive.write_config([company("bank", "http://127.0.0.1:9/")])
    args = [a.format(root=archive.root) for a in command]
    # PYTHONOPTIMIZE strips assert statements: the check must not be one.
    result = archive.cli(*args, env={"PYTHONOPTIMIZE": "1"}, timeout=60)
    assert result.code == 2, result.out + result.err  # checked before the archive is even looked for (5)
    assert message in result.err and "Traceback" not in result.err, result.err
    assert not result.out  # no crontab line for 25:00, no report
    assert sorted(p.name for p in archive.root.iterdir()) == ["companies.yaml"]  # nothing created


def test_the_commands_return_named_exit_codes_from_one_place():
    import ast

    sources = [*sorted((REPO / "commands").glob("*.py")), REPO / "crawler" / "run.py", REPO / "crawler/demo/run.py"]
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            literal = (isinstance(node, ast.Return) and isinstance(node.value, ast.Constant)
                       and isinstance(node.value.value, int) and not isinstance(node.value.value, bool))
            assert not literal, f"{path.name}:{node.lineno} returns a bare exit code: use crawler/exits.py"
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                assert not any(n.startswith("EXIT_") for n in names), f"{path.name}:{node.lineno} defines {names}"


def test_show_text_of_a_document_never_captured_whole_says_so(archive):
    site = FixtureSite(routes={
        "/": Route(body=home_page({"/ru/privacy": "Политика конфиденциальности"})),
        "/ru/privacy": Route(status=404, body="<h1>Not found</h1>"),
    })
    with FixtureServer(site) as server:
        archive.write_config([company("bank", server.url("/"))])
        assert archive.crawl().code == 1  # the policy is linked but answers 404: a document with no version
    shown = archive.cli("show", "/ru/privacy")
    assert shown.code == 0 and "unavailable" in shown.out, shown.out + shown.err
    latest = archive.cli("show", "/ru/privacy", "--text")
    assert latest.code == EXIT_NOT_FOUND and "has no version yet" in latest.err, latest.err
    assert "Traceback" not in latest.err
