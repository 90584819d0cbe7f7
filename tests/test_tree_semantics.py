"""Decisions made once in resolve reach every format: list starts and cell alignment.

Both once drifted: an ordered list starting at 5 printed 3, 4 in the DOCX (every list
shared one count), and right-aligned cells were all left-aligned in the DOCX.
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

import crsreport

REPO = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
LISTS = """\
Steps:

1. Alpha step
2. Beta step

Later steps:

5. Gamma step
6. Delta step
"""

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def list_build(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lists")
    (folder / "report.yaml").write_text(
        "id: R10001\ntitle: Lists\ndate: 2024-01-02\nsections:\n"
        "  - {title: Steps, id: steps, prose: [sections/steps.md]}\n"
    )
    (folder / "sections").mkdir()
    (folder / "sections" / "steps.md").write_text(LISTS)
    report = crsreport.load_report(folder)
    paths = crsreport.build(report, ["html", "pdf", "docx"], out_dir=folder / "out")
    return {p.suffix: p for p in paths}


def _numbers(text: str) -> list[tuple[str, str]]:
    """(number, word) of each numbered step in extracted text."""
    return re.findall(r"(\d)\.\s+(Alpha|Beta|Gamma|Delta) step", text)


EXPECTED = [("1", "Alpha"), ("2", "Beta"), ("5", "Gamma"), ("6", "Delta")]


def test_an_ordered_list_starts_where_the_writer_started_it_in_html(list_build):
    page = lxml.html.fromstring(list_build[".html"].read_bytes())
    lists = page.xpath("//main//ol")
    assert [ol.get("start") for ol in lists] == [None, "5"]


def test_an_ordered_list_starts_where_the_writer_started_it_in_pdf(list_build, require):
    text = subprocess.run([require("pdftotext"), list_build[".pdf"], "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert _numbers(text) == EXPECTED


def test_libreoffice_numbers_the_docx_lists_from_their_starts(list_build, require, tmp_path):
    soffice = require("soffice")
    subprocess.run(
        [soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(list_build[".docx"])],
        capture_output=True, check=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "R10001.pdf"
    text = subprocess.run([require("pdftotext"), pdf, "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert _numbers(text) == EXPECTED


@pytest.fixture(scope="module")
def report_build(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    report = crsreport.load_report(REPO / "examples" / "report")
    return {p.suffix: p for p in crsreport.build(report, ["html", "docx"], out_dir=out)}


def _html_right_cells(path: Path) -> list[str]:
    page = lxml.html.fromstring(path.read_bytes())
    cells = page.xpath("//table//*[self::td or self::th][contains(@class, 'align-right')]")
    return [" ".join(c.text_content().split()) for c in cells]


def _docx_right_cells(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        body = etree.fromstring(package.read("word/document.xml"))
    right = []
    for cell in body.iter(f"{W}tc"):
        aligns = {jc.get(f"{W}val") for jc in cell.iter(f"{W}jc")}
        if aligns == {"right"}:
            text = "".join(t.text or "" for t in cell.iter(f"{W}t"))
            right.append(" ".join(text.split()))
    return right


def test_every_right_aligned_html_cell_is_right_aligned_in_the_docx(report_build):
    html_cells = _html_right_cells(report_build[".html"])
    assert len(html_cells) >= 30  # the example's numeric columns
    assert _docx_right_cells(report_build[".docx"]) == html_cells
