"""Load and check the YAML config, reporting every problem as `file:line: field: message`.

The people editing companies.yaml are researchers, not programmers: a problem must say where it is and
what was expected, never show a stack trace or pydantic's internal vocabulary. So the YAML is composed
into a node tree first (which knows line numbers), then constructed into plain data and validated; each
validation error's location is mapped back to the nearest line the node tree knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ValidationError

from config.messages import Loc, message, show
from config.model import Config
from config.vocabulary import Vocabulary

PACKAGED_CONFIG = Path(__file__).with_name("companies.yaml")
PACKAGED_VOCABULARY = Path(__file__).with_name("vocabulary.yaml")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ConfigError(Exception):
    """The config (or its vocabulary) cannot be used; `problems` lists every reason found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))

    def __reduce__(self):  # keep `problems` when pickled (e.g. across processes)
        return type(self), (self.problems,)


class _Loader(yaml.SafeLoader):
    """Safe YAML that keeps dates as text, so pydantic (not PyYAML) reports an impossible date."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


@dataclass
class _Document:
    file: str
    data: Any
    lines: dict[Loc, int]  # path -> 1-based line of the key (mapping entry) or of the item (list)
    problems: list[Problem]

    def line(self, loc: Loc) -> int | None:
        for n in range(len(loc), -1, -1):  # the nearest enclosing node the YAML has
            if loc[:n] in self.lines:
                return self.lines[loc[:n]]
        return None

    def problem(self, loc: Loc, message: str) -> Problem:
        return Problem(self.file, self.line(loc), field_name(loc), message)


def field_name(loc: Loc) -> str:
    """("companies", 2, "homepage") -> "companies[2].homepage"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith("["):  # pydantic's "[key]" markers are not fields
            out += f".{part}" if out else str(part)
    return out


def _read(path: Path, file: str, hint: str) -> tuple[str | None, Problem | None]:
    try:
        return path.read_text(encoding="utf-8-sig"), None  # -sig: Notepad saves a BOM
    except FileNotFoundError:
        return None, Problem(file, None, "", f"no such file{hint}")
    except IsADirectoryError:
        return None, Problem(file, None, "", "is a directory, expected a YAML file")
    except UnicodeDecodeError as e:
        return None, Problem(file, None, "", f"is not UTF-8 text (byte {e.start}); save it as UTF-8")
    except OSError as e:
        return None, Problem(file, None, "", f"cannot be read: {e.strerror or e}")


def _parse(text: str, file: str) -> _Document:
    doc = _Document(file, None, {}, [])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _map_lines(node, (), doc)
            doc.data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        detail = "; ".join(str(x) for x in (e.context, e.problem) if x)
        if "'\\t'" in detail:
            detail += " (YAML does not allow tabs for indentation; use spaces)"
        doc.problems.append(
            Problem(file, mark.line + 1 if mark else None, "", f"YAML syntax error: {detail}")
        )
    except yaml.YAMLError as e:  # e.g. a control character the reader refuses
        doc.problems.append(Problem(file, None, "", f"YAML syntax error: {e}"))
    finally:
        loader.dispose()
    return doc


def _map_lines(node: yaml.Node, path: Loc, doc: _Document) -> None:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name, line = key.value, key.start_mark.line + 1
            if not isinstance(name, str):
                continue
            if name in seen:
                # PyYAML silently keeps the last one; an edit in the first would then do nothing.
                doc.problems.append(
                    Problem(
                        doc.file,
                        line,
                        field_name((*path, name)),
                        f"duplicate key '{name}' (also on line {seen[name]}); keep only one",
                    )
                )
            seen[name] = line
            doc.lines[(*path, name)] = line  # the key's line, even when the value starts below it
            _map_lines(value, (*path, name), doc)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _map_lines(item, (*path, i), doc)


# --- pydantic errors at their lines (the words: config/messages.py) -----------------------------------


def _problems(doc: _Document, error: ValidationError, root: type[BaseModel], skip: set[str]) -> list[Problem]:
    out = []
    for err in error.errors():
        if err["type"] in skip:
            continue
        loc = tuple(err["loc"])
        ctx = err.get("ctx") or {}
        if "index" in ctx and "field" in ctx:  # list-level checks point at the offending item
            loc = (*loc, ctx["index"], ctx["field"])
        if err["type"] == "missing":  # the missing key has no line; its parent mapping does
            out.append(Problem(doc.file, doc.line(loc[:-1]), field_name(loc), message(err, root)))
        else:
            out.append(doc.problem(loc, message(err, root)))
    return out


def _top_level(doc: _Document, expected: str) -> Problem | None:
    if doc.data is None:
        return Problem(doc.file, None, "", f"the file is empty; expected {expected}")
    if not isinstance(doc.data, dict):
        return Problem(
            doc.file, doc.line(()), "", f"expected {expected} at the top level, got {show(doc.data)}"
        )
    return None


# --- loading ------------------------------------------------------------------------------------------


def _open(path: Path, file: str, hint: str, expected: str) -> tuple[_Document | None, list[Problem]]:
    """Read and parse a YAML file whose top level must be a mapping; None when nothing can be checked."""
    text, problem = _read(path, file, hint)
    if text is None:
        return None, [problem] if problem else []
    doc = _parse(text, file)
    if doc.problems and doc.data is None:
        return None, doc.problems
    if problem := _top_level(doc, expected):
        return None, [*doc.problems, problem]
    return doc, list(doc.problems)


def _load_vocabulary(path: Path, file: str) -> tuple[Vocabulary | None, list[Problem]]:
    doc, problems = _open(path, file, "", "a mapping with documents, hubs, archives, languages and soft_404")
    if doc is None:
        return None, problems
    try:
        return Vocabulary.model_validate(doc.data), problems
    except ValidationError as e:
        return None, sorted([*problems, *_problems(doc, e, Vocabulary, set())], key=_order)


def load_vocabulary(path: str | Path) -> Vocabulary:
    """A vocabulary file on its own (the config loads its own; this is for tools and tests)."""
    vocabulary, problems = _load_vocabulary(Path(path), str(path))
    if problems or vocabulary is None:
        raise ConfigError(problems)
    return vocabulary


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    return load_vocabulary(PACKAGED_VOCABULARY)


def _order(p: Problem) -> int:
    return p.line or 0


def _duplicate_ids(doc: _Document) -> list[Problem]:
    # Checked on the raw data so duplicates are reported even while other company entries are invalid
    # (the model's own check only runs once every company validates).
    companies = doc.data.get("companies")
    first: dict[str, int] = {}
    out = []
    for i, company in enumerate(companies if isinstance(companies, list) else []):
        cid = company.get("id") if isinstance(company, dict) else None
        if not isinstance(cid, str | int):
            continue
        j = first.setdefault(str(cid), i)
        if j != i:
            where = f" on line {doc.line(('companies', j))}" if doc.line(("companies", j)) else ""
            out.append(
                doc.problem(
                    ("companies", i, "id"),
                    f"duplicate company id '{cid}' (already used by companies[{j}]{where})",
                )
            )
    return out


def _load(path: Path) -> tuple[Config | None, list[Problem]]:
    hint = "; pass --config or set POLICY_ARCHIVE_CONFIG"
    doc, problems = _open(path, str(path), hint, "a mapping with crawl, campaigns, companies and vocabulary")
    if doc is None:
        return None, problems
    data = dict(doc.data)

    vocabulary: Vocabulary | None = None
    vocab_problems: list[Problem] = []
    ref = data.pop("vocabulary", None)
    if ref is None:
        vocabulary = default_vocabulary()
    elif not isinstance(ref, str) or not ref.strip():
        problems.append(
            doc.problem(
                ("vocabulary",),
                f"expected the path of a vocabulary file such as vocabulary.yaml, got {show(ref)}",
            )
        )
    else:
        vpath = path.parent / ref.strip()
        if not vpath.is_file():
            problems.append(
                doc.problem(
                    ("vocabulary",),
                    f"no such file: {vpath} (relative paths start at the config file's folder)",
                )
            )
        else:
            vocabulary, vocab_problems = _load_vocabulary(vpath, str(vpath))

    problems += _duplicate_ids(doc)
    config = None
    try:
        # A broken vocabulary is reported from its own file; validate the rest meanwhile.
        config = Config.model_validate({**data, "vocabulary": vocabulary or default_vocabulary()})
    except ValidationError as e:
        problems += _problems(doc, e, Config, skip={"duplicate_id"})
    problems = sorted(problems, key=_order) + vocab_problems
    return (None if problems else config), problems


def load_config(path: str | Path) -> Config:
    """The validated config; raises ConfigError listing every problem found in the file(s)."""
    config, problems = _load(Path(path))
    if problems or config is None:
        raise ConfigError(problems)
    return config


def check_config(path: str | Path) -> tuple[Config, list[str]]:
    """The config plus warnings about things that are valid but probably need a researcher's look."""
    config = load_config(path)
    warnings = []
    for i, company in enumerate(config.companies):
        who = f"companies[{i}] ({company.id})"
        if not company.confirmed:
            warnings.append(
                f"{who}: homepage not confirmed by the team (confirmed: false); "
                "crawl skips it unless --include-unconfirmed"
            )
        for url in company.homepages:
            if url.startswith("http://"):
                warnings.append(f"{who}: {url} uses plain http; use https if the site supports it")
    owners: dict[str, str] = {}
    for company in config.companies:
        for url in company.homepages:
            host = re.sub(r"^www\.", "", urlsplit(url).hostname or "")
            other = owners.setdefault(host, company.id)
            if other != company.id:
                warnings.append(f"{host} is the homepage of both {other} and {company.id}")
    if config.crawl.allow_private_addresses:
        warnings.append(
            "crawl.allow_private_addresses is not empty: the crawler may fetch from internal "
            "addresses; fine for the demo sites, not for a real campaign"
        )
    return config, warnings
