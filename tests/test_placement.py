"""A paragraph holding only ``@fig:id`` or ``@tbl:id`` places that figure there."""

from __future__ import annotations

import re
import subprocess

import pytest

import crsreport
from crsreport.errors import ReportError
from crsreport.tree import Figure, Paragraph, Section

REPORT = """\
id: R10001
title: Placement
date: 2024-01-02
sections:
  - title: Trends
    id: trends
    prose: sections/trends.md
    figures:
      - {id: chart, kind: bar, title: Alphachart Counts, data: data/rows.csv, x: year,
         y: [n], source: Sourcechart., alt: Bars.}
      - id: counts
        kind: table
        title: Betatable Counts
        data: data/rows.csv
        columns: [{column: year}, {column: n}]
        source: Sourcetable.
        alt: A table.
      - {id: late, kind: bar, title: Gammachart Counts, data: data/rows.csv, x: year,
         y: [n], source: Sourcelate., alt: Bars.}
  - title: Other
    text: ["Otherfirst paragraph."]
"""
PROSE = """\
Firstpara opens the section.

@fig:chart

Secondpara follows the chart.

Thirdpara comes before the table.

@tbl:counts

Fourthpara closes the section.
"""
ROWS = "year,n\n2020,3\n2021,5\n"


@pytest.fixture
def project(make_project):
    def make(prose: str = PROSE, report: str = REPORT):
        return make_project({"report.yaml": report, "sections/trends.md": prose,
                             "data/rows.csv": ROWS})  # fmt: skip

    return make


def _order(project) -> list[str]:
    doc = crsreport.resolve(crsreport.load_report(project))
    trends = next(n for n in doc.walk() if isinstance(n, Section) and n.id == "trends")
    return [
        n.title.plain() if isinstance(n, Figure) else n.plain().split()[0]
        for n in trends.children
        if isinstance(n, Figure | Paragraph)
    ]


def test_placed_figures_sit_after_their_paragraphs_and_the_rest_follow(project):
    assert _order(project()) == [
        "Firstpara", "Alphachart Counts", "Secondpara", "Thirdpara", "Betatable Counts",
        "Fourthpara", "Gammachart Counts",
    ]  # fmt: skip


def test_a_figure_placed_twice_is_a_located_error(project):
    with pytest.raises(ReportError, match=r"trends\.md:9: '@fig:chart' is already placed at"):
        crsreport.resolve(
            crsreport.load_report(project(PROSE.replace("@tbl:counts", "@fig:chart")))
        )


def test_a_figure_of_another_section_is_a_located_error(project):
    report = REPORT.replace('text: ["Otherfirst paragraph."]', 'text: ["@fig:chart"]')
    with pytest.raises(ReportError, match=r"'@fig:chart' is declared in section 'Trends'"):
        crsreport.resolve(crsreport.load_report(project(report=report)))


def test_a_reference_inside_a_sentence_places_nothing(project):
    prose = PROSE.replace("@fig:chart\n", "See @fig:chart here.\n")
    order = _order(project(prose))
    assert order[-2:] == ["Alphachart Counts", "Gammachart Counts"]


@pytest.mark.e2e
def test_every_format_prints_each_caption_after_its_calling_paragraph(project, require):
    folder = project()
    built = crsreport.build(crsreport.load_report(folder), ["html", "pdf", "docx"], folder / "out")
    paths = {p.suffix: p for p in built}
    pdf = subprocess.run([require("pdftotext"), "-raw", paths[".pdf"], "-"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    docx = subprocess.run([require("pandoc"), "-f", "docx", "-t", "plain", paths[".docx"]],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    html = re.sub(r"<[^>]+>", " ", paths[".html"].read_text(encoding="utf-8"))
    expected = ["Firstpara", "Alphachart", "Secondpara", "Thirdpara", "Betatable", "Fourthpara",
                "Gammachart"]  # fmt: skip
    for name, text in (("pdf", pdf), ("docx", docx), ("html", html)):
        body = text[text.index("Firstpara") :]
        found = [w for w in re.findall(r"[A-Z][a-z]+(?:para|chart|table)", body) if w in expected]
        assert list(dict.fromkeys(found)) == expected, name
