"""One page model per product (products.PageModel), read by both the print stylesheet and
the DOCX writer, so the PDF and the DOCX cannot disagree on the page (#15).

In process: the stylesheet the PDF renderer joins, and a DOCX document set up by the
writer; what LibreOffice makes of the DOCX is tested in test_layouts.py.
"""

from __future__ import annotations

import re

import docx
import pytest
from docx.enum.text import WD_LINE_SPACING
from docx.shared import Inches, Pt

from crsreport import house
from crsreport.products import PRODUCTS, PageModel
from crsreport.render import page
from crsreport.render.docx import HEADING_STYLES, apply_page
from crsreport.render.page import page_css
from crsreport.resources import templates_dir

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BUILT_IN = ("in_focus", "insight", "report")


def _page_rule(css: str) -> str:
    match = re.search(r"@page \{\n(.*?)\n\}", css, re.S)
    assert match, css
    return match.group(1)


def test_no_stylesheet_hard_codes_a_house_string_in_a_page_box() -> None:
    """The page boxes' texts come from the page model, not the stylesheets."""
    for sheet in sorted((templates_dir() / "css").glob("print*.css")):
        text = sheet.read_text(encoding="utf-8")
        for string in (house.CRS, house.URL):
            assert string not in text, f"{sheet.name} hard-codes {string!r}"
        assert not re.search(r"@page[^{]*\{\s*(size|margin):", text), sheet.name


@pytest.mark.parametrize("name", BUILT_IN)
def test_the_print_stylesheet_is_generated_from_the_page_model(name: str) -> None:
    model = PRODUCTS[name].page
    css = page_css(model)
    rule = _page_rule(css)
    top, right, bottom, left = model.margins
    assert f"size: {model.width:g}in {model.height:g}in;" in rule
    assert f"margin: {top:g}in {right:g}in {bottom:g}in {left:g}in;" in rule
    assert f"html {{ font-size: {model.font_size:g}pt; }}" in css
    assert f"column-count: {model.columns}; column-gap: {model.column_gap:g}in;" in css
    if model.footer:
        assert f'@bottom-left {{ content: "{model.footer}";' in rule
    assert ("counter(page)" in rule) == (model.header_number or model.footer_number)


def test_the_products_pages_are_the_crs_anatomy() -> None:
    """In Focus: two columns, the URL in every footer, no page numbers, square bullets;
    Insight: CRS and the number at the head of pages 2+; Report: CRS and the number at
    the foot, the version line between them on the last page."""
    focus, insight, report = (PRODUCTS[n].page for n in BUILT_IN)
    assert (focus.columns, focus.footer, focus.bullet) == (2, house.URL, "square")
    assert not (focus.header_number or focus.footer_number)
    assert (insight.header, insight.header_number, insight.footer) == (house.CRS, True, None)
    assert (report.footer, report.footer_number, report.version_at) == (house.CRS, True, "center")
    assert "ul { list-style-type: square; }" in page_css(focus)
    assert "list-style-type" not in page_css(insight)


@pytest.mark.parametrize("name", BUILT_IN)
def test_the_docx_section_and_styles_follow_the_page_model(name: str) -> None:
    model = PRODUCTS[name].page
    document = docx.Document(str(templates_dir() / "docx" / "reference.docx"))
    apply_page(document, model)
    section = document.sections[0]
    assert (section.page_width, section.page_height) == (Inches(8.5), Inches(11))
    margins = (section.top_margin, section.right_margin, section.bottom_margin)
    assert (*margins, section.left_margin) == tuple(Inches(m) for m in model.margins)
    styles = document.styles
    assert styles["Normal"].font.size == Pt(model.font_size)
    for level in range(1, len(model.heading_sizes) + 1):
        assert styles[HEADING_STYLES[level - 1]].font.size == Pt(model.heading(level)[0])
    assert styles["footnote text"].font.size == Pt(model.note_size)
    width = section.page_width - section.left_margin - section.right_margin
    for toc in ("toc 1", "Table of Figures"):
        (stop,) = styles[toc].paragraph_format.tab_stops
        assert abs(stop.position - width) < Pt(0.05), toc  # page numbers at the margin


@pytest.mark.parametrize("name", BUILT_IN)
def test_the_docx_spacing_is_the_print_stylesheets(name: str) -> None:
    """The line heights and block spacing the PDF's stylesheet sets are the DOCX styles':
    the DOCX/PDF parity of #15 rested on them (Word and LibreOffice take the larger of a
    space after and the next space before, as CSS collapses margins)."""
    model, em = PRODUCTS[name].page, PRODUCTS[name].page.font_size
    css = page_css(model)
    assert f"body {{ margin: 0; line-height: {page.LINE_HEIGHT:g}; }}" in css
    assert f"figure {{ margin: {page.PARA_SPACE:g}em 0; }}" in css
    assert f"p {{ margin: 0 0 {page.PARA_SPACE:g}em; }}" in css
    document = docx.Document(str(templates_dir() / "docx" / "reference.docx"))
    apply_page(document, model)
    styles = document.styles

    def close(length, points: float) -> bool:  # Word keeps twentieths of a point
        return abs(length.pt - points) <= 0.05

    normal = styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.AT_LEAST
    assert close(normal.line_spacing, page.LINE_HEIGHT * em)
    assert close(normal.space_after, page.PARA_SPACE * em)
    for level in range(1, len(model.heading_sizes) + 1):
        size, before, after = model.heading(level)
        form = styles[HEADING_STYLES[level - 1]].paragraph_format
        assert close(form.space_before, before) and close(form.space_after, after), level
        assert close(form.line_spacing, page.HEADING_LINE_HEIGHT * size), level
    caption = styles["Caption"].paragraph_format
    assert close(caption.space_before, page.PARA_SPACE * em)
    assert close(caption.space_after, page.CAPTION_SPACE * em)
    notes = styles["footnote text"].paragraph_format
    assert close(notes.line_spacing, page.NOTE_LINE_HEIGHT * model.note_size)
    margins = styles["CRS Table"].element.find(f"{W}tblPr/{W}tblCellMar")
    top, side = (round(p * page.TABLE_SIZE * em * 20) for p in page.CELL_PADDING)
    assert margins.find(f"{W}top").get(f"{W}w") == str(top)
    assert margins.find(f"{W}left").get(f"{W}w") == str(side)


def test_in_focus_docx_bullets_are_small_squares() -> None:
    document = docx.Document(str(templates_dir() / "docx" / "reference.docx"))
    apply_page(document, PRODUCTS["in_focus"].page)
    numbering = document.part.numbering_part.element
    num_id = document.styles["List Bullet"].element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(num_id).abstractNumId.val
    lvl = numbering.find(f"{W}abstractNum[@{W}abstractNumId='{abstract_id}']/{W}lvl")
    assert lvl.find(f"{W}lvlText").get(f"{W}val") == "\u25aa"
    assert lvl.find(f"{W}rPr/{W}rFonts").get(f"{W}ascii") == "Arial"


def test_a_default_page_is_letter_with_the_house_margins() -> None:
    model = PageModel()
    assert (model.width, model.height, model.columns) == (8.5, 11.0, 1)
    assert model.text_width() == pytest.approx(7.0)
    assert PageModel(columns=2, margins=(0.6, 0.6, 0.7, 0.6)).column_width() == pytest.approx(3.5)
