"""reports/xlsx.py: both reports' xlsx are the same bytes for the same data, whenever and wherever rendered."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
from datetime import datetime

import openpyxl
import pytest
from lxml import etree

from reports.render import render_coverage
from reports.render_changes import render_changes
from reports.xlsx import ZIP_EPOCH, report_date
from tests.conftest import REPO
from tests.test_report_render import _changes, sample

pytestmark = pytest.mark.no_archive_database  # (tests/conftest.py: the SQLite pass runs it)

# Renders a report from JSON on stdin in a fresh interpreter: another process, another TZ, a later second.
RENDER = """
import json, sys
from reports.render import render_coverage
from reports.render_changes import render_changes
kind, data = sys.argv[1], json.load(sys.stdin)
sys.stdout.buffer.write(render_coverage(data, "xlsx") if kind == "coverage" else render_changes(data, "xlsx"))
"""


def change_report() -> dict:
    data = _changes("https://bank.kz/terms", "http_404: Not Found", "+ new clause", ["5.1. Новый пункт."])
    data["generated_at"] = "2024-08-01T06:30:00Z"
    return data


def _render_elsewhere(kind: str, data: dict, tz: str) -> bytes:
    done = subprocess.run([sys.executable, "-c", RENDER, kind], input=json.dumps(data).encode(), cwd=REPO,
                          env={**os.environ, "TZ": tz}, capture_output=True, check=True)
    return done.stdout


def _next_second() -> None:
    """Until the wall clock shows another second: what the xlsx must not depend on."""
    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.01)


def _cells(xlsx: bytes) -> dict:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    return {sheet.title: [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()]
            for sheet in book.worksheets}


@pytest.mark.parametrize("kind, data", [("coverage", sample()), ("changes", change_report())])
def test_the_same_data_gives_the_same_bytes_a_second_later_and_in_another_time_zone(kind, data):
    first = render_coverage(data, "xlsx") if kind == "coverage" else render_changes(data, "xlsx")
    _next_second()
    assert _render_elsewhere(kind, data, "Asia/Almaty") == first
    assert _render_elsewhere(kind, data, "America/Los_Angeles") == first
    # Still a workbook openpyxl opens, with the cells the report wrote.
    cells = _cells(first)
    if kind == "coverage":
        assert list(cells) == ["FinTech", "Telecom", "E-commerce"]
        assert cells["E-commerce"][5][3] == ("Базар.kz", "s")
    else:
        assert list(cells) == ["Changes"]
        assert cells["Changes"][2][:5] == [("bank", "s"), ("terms_of_service", "s"), ("ru", "s"),
                                           ("https://bank.kz/terms", "s"), ("unavailable", "s")]
        assert cells["Changes"][2][15] == ("5.1. Новый пункт.", "s")


@pytest.mark.parametrize("kind, data", [("coverage", sample()), ("changes", change_report())])
def test_the_file_is_dated_at_generation_in_its_properties_and_every_zip_entry(kind, data):
    xlsx = render_coverage(data, "xlsx") if kind == "coverage" else render_changes(data, "xlsx")
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        infos = z.infolist()
        assert {info.date_time for info in infos} == {(2024, 8, 1, 6, 30, 0)}
        assert {(info.create_system, info.external_attr >> 16) for info in infos} == {(3, 0o644)}
        names = [info.filename for info in infos]
        assert names[:2] == ["[Content_Types].xml", "_rels/.rels"] and names[2:] == sorted(names[2:])
        core = etree.fromstring(z.read("docProps/core.xml"))
    dates = {el.tag.split("}")[1]: el.text for el in core if el.tag.startswith("{http://purl.org/dc/terms/}")}
    assert dates == {"created": "2024-08-01T06:30:00Z", "modified": "2024-08-01T06:30:00Z"}
    props = openpyxl.load_workbook(io.BytesIO(xlsx)).properties
    assert props.created == props.modified == datetime(2024, 8, 1, 6, 30)
    assert props.creator == "policy-archive"


def test_a_change_report_without_a_generation_date_is_still_reproducible():
    data = change_report()
    del data["generated_at"]  # a report built before the change report carried one
    xlsx = render_changes(data, "xlsx")
    _next_second()
    assert _render_elsewhere("changes", data, "Asia/Almaty") == xlsx
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        assert {info.date_time for info in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("generated_at, expected", [
    ("2024-08-01T06:30:00Z", datetime(2024, 8, 1, 6, 30)),
    ("2024-08-01T11:30:00.750+05:00", datetime(2024, 8, 1, 6, 30)),  # converted to UTC, to the second
    ("2024-08-01T06:30:00", datetime(2024, 8, 1, 6, 30)),  # no zone: UTC, as everywhere in the archive
    ("1970-01-01T00:00:00Z", ZIP_EPOCH),  # a zip cannot hold a date before 1980
    ("yesterday", ZIP_EPOCH),
    (None, ZIP_EPOCH),
    (20240801, ZIP_EPOCH),  # not a string: hand-made data
])
def test_report_date_is_generated_at_in_utc_or_the_zip_epoch(generated_at, expected):
    assert report_date(generated_at) == expected


def test_a_coverage_report_generated_in_another_zone_is_dated_in_utc():
    data = sample()
    data["generated_at"] = "2024-08-01T11:30:00+05:00"
    with zipfile.ZipFile(io.BytesIO(render_coverage(data, "xlsx"))) as z:
        assert {info.date_time for info in z.infolist()} == {(2024, 8, 1, 6, 30, 0)}
        assert b"2024-08-01T06:30:00Z" in z.read("docProps/core.xml")
