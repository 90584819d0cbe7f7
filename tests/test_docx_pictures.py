"""No DOCX picture is wider than the text column it sits in (as the PDF's
``figure img { width: 100% }``), and a full-width figure spans the page as in the PDF.

The column is read from the section properties (``w:sectPr``) that govern the paragraph:
page width less the margins and gutter, less the gaps between the columns, shared equally.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

import crsreport

REPO_ROOT = Path(__file__).resolve().parents[1]
NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
}
W = f"{{{NS['w']}}}"
EMU_PER_TWIP = 635


def _twips(el: etree._Element | None, attr: str, default: int = 0) -> int:
    value = None if el is None else el.get(W + attr)
    return default if value is None else int(value)


def section_widths(sect_pr: etree._Element) -> tuple[int, int, int]:
    """(column count, column width, text width) in EMU for one ``w:sectPr``."""
    size, margins = sect_pr.find("w:pgSz", NS), sect_pr.find("w:pgMar", NS)
    text = _twips(size, "w") - sum(_twips(margins, a) for a in ("left", "right", "gutter"))
    cols = sect_pr.find("w:cols", NS)
    count = _twips(cols, "num", 1) or 1
    column = (text - (count - 1) * _twips(cols, "space", 720)) // count
    return count, column * EMU_PER_TWIP, text * EMU_PER_TWIP


def pictures_by_section(data: bytes) -> list[tuple[int, int, int, int]]:
    """(picture width, column count, column width, text width) of every body picture, EMU."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = etree.fromstring(package.read("word/document.xml")).find("w:body", NS)
    found, pending = [], []
    for block in body:
        pending += [int(e.get("cx")) for e in block.iterfind(".//wp:extent", NS)]
        sect_pr = block if block.tag == W + "sectPr" else block.find("w:pPr/w:sectPr", NS)
        if sect_pr is not None:  # the properties of every block since the last break
            found += [(cx, *section_widths(sect_pr)) for cx in pending]
            pending = []
    assert not pending, "pictures after the last section's properties"
    return found


def _build(project: Path, out: Path) -> bytes:
    (path,) = crsreport.build(crsreport.load_report(project), ["docx"], out_dir=out)
    return path.read_bytes()


@pytest.mark.e2e  # builds each product's DOCX (the Report's lays out its PDF for the Contents)
@pytest.mark.parametrize("name", ["flagship", "insight", "report"])
def test_no_picture_is_wider_than_its_column(name: str, tmp_path: Path) -> None:
    project = REPO_ROOT if name == "flagship" else REPO_ROOT / "examples" / name
    pictures = pictures_by_section(_build(project, tmp_path))
    assert pictures
    for cx, _count, column, _text in pictures:
        assert cx <= column
    if name == "flagship":  # the In Focus's figure sits in one of two columns
        assert any(count == 2 and cx == column for cx, count, column, _ in pictures)


def test_a_full_width_figure_in_two_columns_spans_the_page(built) -> None:
    """The styles project's In Focus: one figure column-wide, one page-wide."""
    pictures = pictures_by_section(built[".docx"].read_bytes())
    assert [(count, cx == column) for cx, count, column, _ in pictures] == [
        (2, True),
        (1, True),
    ]
    (_, _, _, text) = pictures[1]
    assert pictures[1][0] == text


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from test_docx_styles import build_styles_project

    return build_styles_project(tmp_path_factory.mktemp("pictures"))
