"""A Report is paginated as CRS does: cover and front matter unnumbered, the body from 1,
and the Contents pointing at the printed numbers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import crsreport

REPO = Path(__file__).resolve().parents[1]
ENTRY = re.compile(r"^(?P<title>\S.*?)\s{2,}(?P<page>\d+)$")  # the leader is a rule

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[str]:
    """The text of each page of the Report example's PDF."""
    out = tmp_path_factory.mktemp("report")
    report = crsreport.load_report(REPO / "examples" / "report")
    (pdf,) = crsreport.build(report, ["pdf"], out_dir=out)
    count = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", pdf)).group(1))
    return [_run("pdftotext", "-layout", "-f", str(n), "-l", str(n), pdf, "-") for n in
            range(1, count + 1)]  # fmt: skip


def _run(*args) -> str:
    return subprocess.run(list(map(str, args)), capture_output=True, text=True, check=True).stdout


def _footer_number(page: str) -> str | None:
    last = [line for line in page.splitlines() if line.strip()][-1]
    found = re.search(r"(?:^|\s|CRS-)(\d+)\s*$", last)
    return found.group(1) if found else None


def test_front_matter_is_unnumbered_and_the_body_starts_at_1(pages, require):
    require("pdftotext")
    numbers = [_footer_number(p) for p in pages]
    front = numbers.index("1")
    assert front == 3, "cover, summary and contents come first"
    assert numbers[:front] == [None] * front
    assert numbers[front:] == [str(n) for n in range(1, len(pages) - front + 1)]


def test_every_contents_entry_names_the_page_its_heading_prints_on(pages, require):
    require("pdftotext")
    front = [_footer_number(p) for p in pages].index("1")
    contents = next(p for p in pages[:front] if "Contents" in p)
    entries = [ENTRY.match(line.strip()) for line in contents.splitlines()]
    entries = [m for m in entries if m]
    assert len(entries) >= 8
    for entry in entries:
        title = " ".join(entry["title"].split())[:40]
        printed = next(
            n for n, page in enumerate(pages[front:], start=1) if title in " ".join(page.split())
        )
        assert printed == int(entry["page"]), title


def test_the_last_page_footer_reads_crs_then_the_version_line_then_the_number(pages):
    last = [line for line in pages[-1].splitlines() if line.strip()][-1]
    assert re.fullmatch(
        r"\s*Congressional Research Service\s+R99001 · VERSION 1 · NEW\s+\d+\s*", last
    ), last
    assert "VERSION" not in pages[-2]


def test_the_wide_table_has_its_own_landscape_page_with_a_crs_footer(pages, tmp_path_factory):
    front = [_footer_number(p) for p in pages].index("1")
    landscape = [n for n, page in enumerate(pages, start=1) if "Table A-2." in page and n > front]
    assert len(landscape) == 1
    (n,) = landscape
    pdf = next(tmp_path_factory.getbasetemp().rglob("R99001.pdf"))
    info = _run("pdfinfo", "-f", n, "-l", n, pdf)
    assert re.search(rf"Page\s+{n} size:\s+792 x 612 pts", info), info
    last = [line for line in pages[n - 1].splitlines() if line.strip()][-1]
    assert last.split()[-1] == f"CRS-{n - front}"


def test_the_docx_as_libreoffice_prints_it_is_numbered_like_the_pdf(
    pages, tmp_path_factory, require
):
    """Front matter unnumbered, body from 1, the landscape table on a turned page footed
    CRS-n: the same numbers on the same pages as the PDF."""
    soffice = require("soffice")
    out = tmp_path_factory.mktemp("docx")
    report = crsreport.load_report(REPO / "examples" / "report")
    (docx,) = crsreport.build(report, ["docx"], out_dir=out)
    _run(soffice, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", out, docx)  # fmt: skip
    pdf = out / "R99001.pdf"
    count = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", pdf)).group(1))
    office = [_run("pdftotext", "-layout", "-f", n, "-l", n, pdf, "-") for n in range(1, count + 1)]
    numbers = [_footer_number(p) for p in office]
    front = numbers.index("1")
    assert front == 3 and numbers[:front] == [None] * front
    turned = [n for n in range(front + 1, count + 1) if "Table A-2." in office[n - 1]]
    assert len(turned) == 1
    info = _run("pdfinfo", "-f", turned[0], "-l", turned[0], pdf)
    assert re.search(rf"Page\s+{turned[0]} size:\s+792 x 612 pts", info), info
    assert office[turned[0] - 1].split()[-1] == f"CRS-{turned[0] - front}"
