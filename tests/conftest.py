"""Shared test helpers: run the real CLI in a subprocess, write configs, open the archive, and check
every report format on every archive a test module crawls (``check_reports``)."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from archive.db import database_url
from tests.pg import ENV as PG_ENV
from tests.pg import new_database
from tests.zygote import zygote

REPO = Path(__file__).resolve().parent.parent

# The short allow-list tests use: the loopback addresses our fixture sites listen on, and no more.
# 127.0.0.99 is deliberately outside it: the refusal tests listen there.
TEST_ALLOW = ["127.0.0.1/32", "127.0.0.2/31", "127.0.0.4/31"]


_DATABASES: dict[Path, str] = {}


def db_url(data_dir: Path) -> str:
    """The database of the archive in ``data_dir``: SQLite in it, or (in the suite's PostgreSQL pass,
    ``python -m tests.pg -- pytest``) a fresh PostgreSQL database of its own, the same on every call."""
    server = os.environ.get(PG_ENV)
    if not server:
        return database_url(data_dir)
    key = Path(data_dir).resolve()
    if key not in _DATABASES:
        _DATABASES[key] = new_database(server)
    return _DATABASES[key]


def on_postgresql() -> bool:
    return bool(os.environ.get(PG_ENV))


def database_at(url: str, revision: str, *statements: str) -> None:
    """An archive database migrated only to ``revision`` (as an older release left it), with
    ``statements`` run on it: what migration tests open with today's code."""
    from alembic import command
    from alembic.config import Config as AlembicConfig
    from sqlalchemy import create_engine, text

    from archive.db import MIGRATIONS

    engine = create_engine(url)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Archive:
    """A config file and a data directory in tmp_path, and the CLI to run against them."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "companies.yaml"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def write_config(self, companies: list[dict], *, allow=TEST_ALLOW, campaigns=None, **crawl) -> Path:
        today = date.today()
        cfg = {
            "crawl": {"allow_private_addresses": list(allow), "download_timeout": 10, **crawl},
            "campaigns": campaigns if campaigns is not None else [
                {"name": "test", "start": str(today - timedelta(days=1)), "end": str(today + timedelta(days=1))}
            ],
            "companies": companies,
        }
        self.config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return self.config

    def cli(self, *args: str, timeout: float = 300, env: dict | None = None, preexec_fn=None) -> Result:
        _ARCHIVE_USE["cli"] += 1
        if args[:1] == ("crawl",):
            _CRAWLED.append(self)
        full_env = {**os.environ, "PYTHONPATH": str(REPO), **self._db_env(), **(env or {})}
        argv = ["--config", str(self.config), "--data-dir", str(self.data), *args]
        if preexec_fn is None and not os.environ.get("POLICY_ARCHIVE_TEST_FRESH"):
            # Forked from a process that imported the CLI once (tests/zygote.py): the same run, without
            # the second of imports. POLICY_ARCHIVE_TEST_FRESH=1 starts a fresh interpreter for every run.
            ran = zygote().run(argv, full_env, str(REPO), timeout)
            return Result(ran.code, ran.out, ran.err)
        proc = subprocess.run([sys.executable, "-m", "commands.cli", *argv], capture_output=True, text=True,
                              timeout=timeout, env=full_env, cwd=REPO, preexec_fn=preexec_fn)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def start_crawl(self, *args: str, output=subprocess.PIPE) -> subprocess.Popen:
        """A crawl in the background, for tests that act on it while it runs."""
        _ARCHIVE_USE["cli"] += 1
        _CRAWLED.append(self)
        env = {**os.environ, "PYTHONPATH": str(REPO), **self._db_env()}
        return subprocess.Popen(
            [sys.executable, "-m", "commands.cli", "--config", str(self.config), "--data-dir", str(self.data),
             "crawl", *args], stdout=output, stderr=output, text=True, env=env, cwd=REPO)

    def _db_env(self) -> dict[str, str]:
        """POLICY_ARCHIVE_DB for the CLI: this archive's own PostgreSQL database in the suite's PostgreSQL
        pass, else empty (SQLite in the data directory, as a user runs it); never one from the caller's shell."""
        return {"POLICY_ARCHIVE_DB": db_url(self.data) if on_postgresql() else ""}

    def sql(self, statement: str, **params) -> list[tuple]:
        """One SQL statement on this archive's database (SQLite or PostgreSQL), committed; its rows."""
        from sqlalchemy import text

        db = self.db()
        with db.engine.begin() as con:
            result = con.execute(text(statement), params)
            rows = [tuple(r) for r in result] if result.returns_rows else []
        db.close()
        return rows

    def rows(self, model, *where) -> list:
        """The rows of ``model`` (an archive.models class) matching ``where``, in id order."""
        from sqlalchemy import select

        db = self.db()
        with db.session() as s:
            rows = list(s.scalars(select(model).where(*where).order_by(model.id)))
        db.close()
        return rows

    def crawl(self, *args: str, **kw) -> Result:
        return self.cli("crawl", *args, **kw)

    def db(self):
        from archive.db import Database

        return Database(db_url(self.data))


# ---- the PostgreSQL pass runs the tests that reach a database ----------------------------------------------

NO_DATABASE = "no_archive_database"
# Tests of how pages are fetched and read (the browser, proxies, retries, challenges, script switchers, reader
# processes, files and noise): what they archive are captures of the kinds the crawl, crash, language-state, change
# and report tests archive too, through the same recorder. The PostgreSQL pass leaves them out; its coverage of
# archive/, exports/, web/ and commands/ is the same without them (ADR 0014 §12 says how that was measured, and what
# else it lost; measure it again when a fetching test starts archiving something new).
FETCHING = "fetching"
_ARCHIVE_USE = {"cli": 0, "connections": 0}  # CLI runs on an archive, database connections used in this process


def _connected(*_args) -> None:
    _ARCHIVE_USE["connections"] += 1


def pytest_configure(config):
    config.addinivalue_line("markers", f"{NO_DATABASE}: the test opens no archive database (a parser, the detector, "
                                       "the demo command, which archives in SQLite whatever the environment says): "
                                       "the suite's PostgreSQL pass would run it exactly as the SQLite pass does")
    config.addinivalue_line("markers", f"{FETCHING}: the test is about how pages are fetched and read; the captures it "
                                       "archives are of kinds other tests archive: the PostgreSQL pass leaves it out")
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    event.listen(Pool, "checkout", _connected)  # every use of a connection, by every engine of this process


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL pass leaves out the tests marked as opening no archive database, and those about fetching:
    they run in the SQLite pass."""
    if not on_postgresql():
        return
    left = [item for item in items if item.get_closest_marker(NO_DATABASE) or item.get_closest_marker(FETCHING)]
    if left:
        gone = set(map(id, left))
        items[:] = [item for item in items if id(item) not in gone]
        config.hook.pytest_deselected(items=left)


@pytest.fixture(autouse=True)
def _marked_as_opening_no_database_opens_none(request):
    """A test marked ``no_archive_database`` that connects to a database or runs the CLI on an archive fails: the
    mark would otherwise keep a test that needs PostgreSQL out of the PostgreSQL pass."""
    if request.node.get_closest_marker(NO_DATABASE) is None:
        yield
        return
    before = dict(_ARCHIVE_USE)
    yield
    assert _ARCHIVE_USE == before, (f"{request.node.nodeid} is marked {NO_DATABASE} but used an archive: "
                                    f"{before} -> {_ARCHIVE_USE} (CLI runs, database connections)")


@pytest.fixture
def archive(tmp_path) -> Archive:
    return Archive(tmp_path)


# ---- the demo web crawled once for the whole suite ---------------------------------------------------------


@dataclass
class CrawledDemo:
    """The offline demo crawled as ``make demo`` does it: once, then again after its sites changed (QazaqPay's
    privacy policy in both languages, Dala Telecom's only in Russian), with two reader processes."""

    root: Path
    codes: list[int] = field(default_factory=list)  # the two crawls' exit codes (1: the demo's soft 404)
    database: str | None = None  # its PostgreSQL database, in the suite's PostgreSQL pass
    errors: list[str] = field(default_factory=list)  # the end of each crawl's stderr, to say why a code is wrong

    def copy(self, root: Path) -> Archive:
        """The crawled archive copied into ``root`` (its database too): a test's own, to read or change."""
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.root / "data", root / "data")
        shutil.copy(self.root / "companies.yaml", root / "companies.yaml")
        if self.database:
            with open(self.root.with_suffix(".lock"), "w") as lock:  # one copy of the template at a time
                fcntl.flock(lock, fcntl.LOCK_EX)
                _DATABASES[(root / "data").resolve()] = new_database(os.environ[PG_ENV], copy_of=self.database)
        return Archive(root)


@pytest.fixture(scope="session")
def demo_crawled(tmp_path_factory) -> CrawledDemo:
    """The demo crawled twice, once per test session whatever the number of test processes: the first test that
    asks crawls it under a lock, the others wait for it and read what it wrote. Tests take copies
    (``CrawledDemo.copy``); the crawled one is never reported on itself (its copies are, where tests ask)."""
    base = tmp_path_factory.getbasetemp()
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "demo-crawled"
    with open(shared.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "crawled.json"
        if not done.exists():
            shutil.rmtree(shared, ignore_errors=True)  # a crawl that failed half-way in another test process
            shared.mkdir()
            archive = Archive(shared)
            first, second = crawl_demo_twice(archive, workers=2)
            while archive in _CRAWLED:
                _CRAWLED.remove(archive)  # (no connection to it may stay open: PostgreSQL copies it as a template)
            done.write_text(json.dumps({"codes": [first.code, second.code],
                                        "errors": [first.err[-2000:], second.err[-2000:]],
                                        "database": db_url(archive.data) if on_postgresql() else None}),
                            encoding="utf-8")
        return CrawledDemo(shared, **json.loads(done.read_text(encoding="utf-8")))


def crawl_demo_twice(archive: Archive, workers: int) -> tuple[Result, Result]:
    """The demo crawled into ``archive`` as ``make demo`` does (v1, then v2), with ``workers`` reader processes."""
    from crawler.demo import start_demo_web
    from crawler.demo.run import write_demo_config

    with start_demo_web() as web:
        write_demo_config(archive.config, web.companies(), date.today())
        text = archive.config.read_text(encoding="utf-8")
        archive.config.write_text(text.replace("crawl:\n", f"crawl:\n  workers: {workers}\n", 1), encoding="utf-8")
        first = archive.crawl()
        web.set_variant("v2")
        return first, archive.crawl()


# ---- every report format on every archive the suite crawls ---------------------------------------------

_CRAWLED: list[Archive] = []  # archives a crawl ran on, in the order of the crawls


def reported(archive: Archive) -> Archive:
    """Have both reports checked in every format on an archive built in-process (captures fed to the
    recorder), as on every crawled one, after the test module."""
    _CRAWLED.append(archive)
    return archive


@pytest.fixture(scope="module", autouse=True)
def _reports_on_every_crawled_archive():
    """After each test module: both reports in every format on every archive its tests crawled.
    The demo, the public-archive sites, the file documents, the broken and hostile fixtures: real
    data is what breaks a renderer (a public archive once crashed md and html, while JSON was fine)."""
    first = len(_CRAWLED)
    yield
    seen: set[Path] = set()
    for archive in _CRAWLED[first:]:
        if archive.root not in seen:
            seen.add(archive.root)
            check_reports(archive)


def check_reports(archive: Archive) -> None:
    """Render the coverage report (json, csv, md, html, xlsx) and the change report (json, md, html,
    xlsx) of ``archive``, for the archive as it stands and for its first campaign (and compared with
    its second), and check that each is well-formed and inert, and that what issue 14 found is said: every
    F1a.2 reason in md and html, every row's translation pairs in csv, every translation lag in the change
    report's md and html. Archives whose crawl created nothing (a refused config, a lock) are skipped: there
    is nothing to report on."""
    from archive.db import Database
    from commands.cli import why_no_archive
    from config import ConfigError, load_config
    from reports.changes import build_changes
    from reports.coverage import build_coverage
    from reports.render import CSV_COLUMNS, FORMATS, render_coverage
    from reports.render_changes import render_changes

    try:
        cfg = load_config(archive.config)
    except (ConfigError, OSError):
        return
    if why_no_archive(archive.data, db_url(archive.data)) is not None:
        return
    db = Database(db_url(archive.data))
    try:
        with db.session() as session:
            for campaign in [None, *cfg.campaigns[:1]]:
                data = build_coverage(session, cfg, campaign)
                what = f"{archive.root}: coverage, campaign {campaign and campaign.name}"
                for row in (d for c in data["companies"] for d in c["documents"]):
                    for lang in row["missing_languages"]:  # a missing verdict without a trail is a bug (issue 13)
                        trail = row["absence"].get(lang) or {}
                        assert trail.get("tried") and trail.get("summary"), f"{what}: {row['type']} {lang}: no trail"
                bodies = {fmt: render_coverage(data, fmt) for fmt in FORMATS}
                for fmt, body in bodies.items():
                    _well_formed(body, fmt, what, csv_columns=CSV_COLUMNS, names=[c["name"] for c in data["companies"]])
                _translations_said(data, bodies, what)
            compare = cfg.campaigns[1] if len(cfg.campaigns) > 1 else None
            for campaign, against in [(None, None), *([(cfg.campaigns[0], compare)] if cfg.campaigns else [])]:
                what = f"{archive.root}: changes, campaign {campaign and campaign.name}"
                for diffs, formats in ((False, ("json", "xlsx")), (True, ("md", "html"))):
                    data = build_changes(session, cfg, campaign=campaign, compare=against, include_cosmetic=True,
                                         render_diffs=diffs)
                    for fmt in formats:
                        body = render_changes(data, fmt)
                        _well_formed(body, fmt, what)
                        if fmt in ("md", "html"):
                            _lags_said(data, body.decode("utf-8"), fmt, what)
    finally:
        db.close()


def _translations_said(data: dict, bodies: dict[str, bytes], what: str) -> None:
    """Each F1a.2 reason of every coverage row in the md (escaped) and the html (escaped); the pairs of
    every row that has some in each of its csv rows' ``translations`` column, first sentence included."""
    from reports.render import md_escape
    from reports.translations import pair_words

    md, html = bodies["md"].decode("utf-8"), bodies["html"].decode("utf-8")
    table = list(csv.DictReader(io.StringIO(bodies["csv"].decode("utf-8-sig"), newline="")))
    for company_ in data["companies"]:
        for row in company_["documents"]:
            where = f"{what}: {company_['id']} {row['type']}"
            for reason in row.get("f1a_reasons") or []:
                assert md_escape(reason["text"]) in md, f"{where}: reason not in md: {reason['text']}"
                assert _html_escape(reason["text"]) in html, f"{where}: reason not in html: {reason['text']}"
            if row.get("translations"):
                key = (company_["id"], row["type"])
                cells = [r["translations"] for r in table if (r["company_id"], r["type"]) == key]
                firsts = [pair_words(pair)[0] for pair in row["translations"]]
                assert cells and all(all(f in cell for f in firsts) for cell in cells), f"{where}: pairs not in csv"


def _lags_said(data: dict, text: str, fmt: str, what: str) -> None:
    """Each translation lag of the change report, in words, in its md or html."""
    from reports.render import md_escape
    from reports.render_translations import lag_sentence

    escape = md_escape if fmt == "md" else _html_escape
    for doc in data["documents"]:
        for lag in doc.get("translation_lag") or []:
            assert escape(lag_sentence(lag)) in text, f"{what} as {fmt}: {doc['url']}: lag not said"


def _well_formed(body: bytes, fmt: str, what: str, *, csv_columns=None, names=()) -> None:
    where = f"{what} as {fmt}"
    assert body, f"{where}: empty"
    if fmt == "json":
        json.loads(body)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
        assert rows[0] == list(csv_columns), where
        assert all(len(row) == len(csv_columns) for row in rows), f"{where}: a row with the wrong number of cells"
    elif fmt == "md":
        markdown_is_inert(body.decode("utf-8"), where)
    elif fmt == "html":
        text = body.decode("utf-8")
        html_is_balanced_and_inert(text, where)
        for name in names:
            assert _html_escape(name) in text, f"{where}: {name!r} missing"
    elif fmt == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(body))
        assert book.sheetnames, where
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                assert all(cell.data_type != "f" for cell in row), f"{where}: a formula in {sheet.title}"
    else:
        raise AssertionError(f"unknown format {fmt}")


def _html_escape(text: str) -> str:
    from markupsafe import escape  # as the Jinja2 report templates escape (" is &#34;, not &quot;)

    return str(escape(text))


def markdown_is_inert(text: str, where: str) -> None:
    """Markdown that parses to what we wrote: no raw HTML, no link but http(s) autolinks, no image,
    and every table row with as many cells as its header (a stray | shifts a row's cells)."""
    from markdown_it import MarkdownIt

    for token in MarkdownIt("commonmark").enable("table").parse(text):
        assert token.type not in ("html_block", "html_inline"), f"{where}: raw HTML {token.content[:80]!r}"
        for child in token.children or []:
            assert child.type not in ("html_inline", "image"), f"{where}: {child.type} {child.content[:80]!r}"
            if child.type == "link_open":
                href = child.attrs.get("href", "")
                assert child.markup == "autolink" and href.startswith(("http://", "https://")), f"{where}: link {href}"
    header = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = _unescaped_pipes(line)
        header = cells if header is None else header
        assert cells == header, f"{where}: {cells - 1} cells where the header has {header - 1}: {line}"


def _unescaped_pipes(line: str) -> int:
    count, escaped = 0, False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            count += 1
    return count


class _StrictHTML(HTMLParser):
    """Every element closed in order (void elements aside), nothing that runs or loads, links http(s) or
    within the page."""

    VOID = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source", "area", "base", "embed", "track"}
    FORBIDDEN = {"script", "iframe", "object", "embed", "img", "link", "base", "form", "frame", "svg", "math"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.FORBIDDEN:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("src", "srcdoc", "formaction", "style"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "href" and not (value or "").startswith(("http://", "https://", "#")):
                self.problems.append(f"<{tag} href={value!r}>")
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else 'nothing'}>")
        else:
            self.open.pop()


def html_is_balanced_and_inert(text: str, where: str, parser_class: type[HTMLParser] | None = None) -> None:
    parser = (parser_class or _StrictHTML)()
    parser.feed(text)
    parser.close()
    assert not parser.problems, f"{where}: {parser.problems[:5]}"
    assert not parser.open, f"{where}: never closed: {parser.open}"


class _UIPage(_StrictHTML):
    """The UI's own pages, as strict as a report about what runs (no script, no inline style or handler,
    no javascript: link), but allowing what the UI itself writes: its stylesheet and search form, the
    timeline's inline SVG, links and sources within the site, and the archived capture in a sandboxed frame."""

    FORBIDDEN = {"script", "object", "embed", "base", "frame", "math", "style", "foreignobject"}

    def handle_starttag(self, tag, attrs):
        if tag in self.FORBIDDEN:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"<{tag} {name}=…>")
            site = value.startswith("/") and not value.startswith("//")
            if name == "href" and not (site or value.startswith(("#", "http://", "https://"))):
                self.problems.append(f"<{tag} href={value!r}>")
            if name in ("src", "action") and not site:
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "iframe" and "sandbox" not in dict(attrs):
            self.problems.append("<iframe> without sandbox")
        if tag not in self.VOID:
            self.open.append(tag)


def ui_is_balanced_and_inert(text: str, where: str) -> None:
    """``html_is_balanced_and_inert`` for the UI's pages (see _UIPage)."""
    html_is_balanced_and_inert(text, where, _UIPage)


def company(cid: str, homepage: str, **extra) -> dict:
    return {"id": cid, "name": cid.title(), "sector": "FinTech", "homepage": homepage, **extra}
