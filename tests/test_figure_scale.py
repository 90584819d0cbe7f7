"""``scale`` on a figure (issue 13): the picture takes that share of its width in the PDF,
HTML and DOCX, is drawn with the same type size, never wider than its column, and a
nonsense value is a located error."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

import crsreport
from crsreport.errors import ReportError
from crsreport.products import product_for

REPORT = """\
id: R10001
title: Scaled
date: 2024-01-02
sections:
  - title: Counts
    text: ["Counts by year."]
    figures:
      - {id: small, kind: bar, title: Small Chart, data: data/n.csv, x: year, y: [n],
         source: CRS., alt: Bars., scale: @SCALE@}
      - {id: whole, kind: bar, title: Whole Chart, data: data/n.csv, x: year, y: [n],
         source: CRS., alt: Bars.}
"""
DATA = "year,n\n2019,3\n2020,5\n2021,4\n2022,6\n"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def _project(make_project, scale: str) -> Path:
    return make_project({"report.yaml": REPORT.replace("@SCALE@", scale), "data/n.csv": DATA})


@pytest.mark.parametrize(
    ("scale", "message"),
    [("3", "less than or equal to 1"), ("0", "greater than or equal to 0.25"),
     ("half", "valid number")],
)  # fmt: skip
def test_a_nonsense_scale_is_a_located_error(make_project, scale, message):
    with pytest.raises(ReportError) as error:
        crsreport.load_report(_project(make_project, scale))
    assert "report.yaml:9: sections[0].figures[0].scale" in str(error.value)
    assert message in str(error.value)


def test_a_table_takes_no_scale(make_project):
    report = (
        "id: R10001\ntitle: T\ndate: 2024-01-02\nsections:\n  - title: A\n    figures:\n"
        "      - {id: t, kind: table, title: T, data: data/n.csv, columns: [{column: n}],\n"
        "         source: S., alt: A., scale: 0.5}\n"
    )
    project = make_project({"report.yaml": report, "data/n.csv": DATA})
    with pytest.raises(ReportError, match=r"report\.yaml:7: .*'scale' sizes a picture"):
        crsreport.load_report(project)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scaled")
    (folder / "data").mkdir()
    (folder / "report.yaml").write_text(REPORT.replace("@SCALE@", "0.5"), encoding="utf-8")
    (folder / "data" / "n.csv").write_text(DATA, encoding="utf-8")
    report = crsreport.load_report(folder)
    paths = crsreport.build(report, ["html", "pdf", "docx"], folder / "out", jobs=1)
    return {p.suffix: p for p in paths}


@pytest.mark.e2e
def test_pdf_sets_a_scaled_chart_at_half_the_size(built, require):
    """The room between a chart's caption and its source line: half the whole chart's
    (the chart is drawn to half the width and placed at half the column)."""
    out = subprocess.run([require("pdftotext"), "-bbox", built[".pdf"], "-"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = [(w.text, float(w.get("ymin")), float(w.get("ymax")))
             for w in lxml.html.fromstring(out.encode()).iter("word")]  # fmt: skip
    heights = {}
    for i, (text, *_) in enumerate(words[:-2]):
        if words[i + 1][0] == "Chart" and words[i + 2][0] == "Source:":  # the chart is paths
            heights[text] = words[i + 2][1] - words[i + 1][2]
    assert set(heights) == {"Small", "Whole"}, heights
    assert 0.4 < heights["Small"] / heights["Whole"] < 0.6, heights


@pytest.mark.e2e
def test_html_gives_a_scaled_picture_half_its_width(built):
    page = lxml.html.fromstring(built[".html"].read_bytes())
    (small,) = page.xpath("//figure[@id='fig-small']//div[contains(@class, 'figure-body')]")
    (whole,) = page.xpath("//figure[@id='fig-whole']//div[contains(@class, 'figure-body')]")
    assert small.get("style") == "width: 50%"
    assert whole.get("style") is None


@pytest.mark.e2e
def test_docx_picture_extent_is_half_the_column(built):
    with zipfile.ZipFile(built[".docx"]) as package:
        body = etree.fromstring(package.read("word/document.xml"))
    extents = [int(e.get("cx")) for e in body.iter(f"{WP}extent")]
    column = int(product_for("report").page.text_width() * 914400)  # EMU, one column
    assert extents == [column // 2, column]
