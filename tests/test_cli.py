"""The CLI's read commands, progress output on a terminal, and where our packages come from."""

from __future__ import annotations

import importlib
import os
import pty
import subprocess
import sys

from crawler.demo.server import FixtureServer, FixtureSite, Route
from tests.conftest import REPO, company
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
    assert missing.code == 2 and "no document '9999'" in missing.err


def test_documents_on_an_empty_archive_says_what_to_do(archive):
    archive.write_config([company("bank", "http://127.0.0.1:9/")])
    result = archive.cli("documents")
    assert result.code == 0 and "run `policy-archive crawl` first" in result.out


def test_a_terminal_gets_a_live_progress_line_and_cron_gets_log_lines(archive):
    with FixtureServer(_site()) as server:
        archive.write_config([company("bank", server.url("/"))])
        under_cron = archive.crawl()
        assert "INFO policy_archive.crawl: bank privacy_policy" in under_cron.err
        assert "\r" not in under_cron.err

        leader, follower = pty.openpty()
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "--config", str(archive.config), "--data-dir", str(archive.data),
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
