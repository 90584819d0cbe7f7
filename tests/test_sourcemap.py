"""The low loading modules: partial dates, YAML source maps and ``Report.where``."""

from __future__ import annotations

import datetime as dt

import pytest

from crsreport import dates
from crsreport.errors import Location, ReportError
from crsreport.load import load_report
from crsreport.sourcemap import dotted, line_of, locate, parse_yaml

REPORT = """\
id: IF10001
title: "Test Report"
date: 2022-02-03
sections:
  - kind: overview
    prose: sections/a.md
    figures: []
"""


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2022", dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        (2022, dt.date(2022, 1, 1), dt.date(2022, 12, 31)),
        ("2024-02", dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
        ("2022-12", dt.date(2022, 12, 1), dt.date(2022, 12, 31)),
        (" 2022-2-3 ", dt.date(2022, 2, 3), dt.date(2022, 2, 3)),
        ("2022-13", None, None),
        ("2023-02-29", None, None),
        ("Feb 2022", None, None),
    ],
)
def test_a_partial_date_covers_a_period(value, first, last):
    assert dates.first_day(value) == first
    assert dates.last_day(value) == last


def test_date_parts_keep_the_precision_written():
    assert dates.parts("2022-02") == [2022, 2]
    assert dates.parts("2022-02-30") is None
    assert dates.not_a_date("x") == "'x' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"


def test_last_day_is_the_last_day_of_the_period():
    from crsreport import dates

    assert dates.last_day("2022-02") == dt.date(2022, 2, 28)
    assert dates.last_day("2024") == dt.date(2024, 12, 31)


def test_the_source_map_records_keys_and_items_by_path():
    data, lines = parse_yaml(REPORT, "report.yaml")
    assert data["sections"][0]["kind"] == "overview"
    assert lines[("sections",)] == 4
    assert lines[("sections", 0)] == 5
    assert lines[("sections", 0, "prose")] == 6
    assert line_of(("sections", 0, "subsections", 2), lines) == 5  # nearest written parent
    assert dotted(("sections", 0, "figures", 1, "data")) == "sections[0].figures[1].data"
    assert dotted(()) == ""
    assert str(locate("r.yaml", ("sections", 0, "prose"), lines)) == "r.yaml:6: sections[0].prose"


def test_a_duplicate_key_is_located():
    with pytest.raises(ReportError, match=r"^x.yaml:2: a: duplicate key"):
        parse_yaml("a: 1\na: 2\n", "x.yaml")


def test_report_where_locates_a_field(make_project):
    project = make_project({"report.yaml": REPORT, "sections/a.md": "Text.\n"})
    report = load_report(project)
    assert report.source_file == "report.yaml"
    assert report.where("sections", 0, "prose") == Location("report.yaml", 6, "sections[0].prose")
    assert report.where("sections", 0, "subsections") == Location(
        "report.yaml", 5, "sections[0].subsections"
    )
    assert report.where("title") == Location("report.yaml", 2, "title")
