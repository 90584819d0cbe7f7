"""Accessibility, judged by checkers that do not share the writers' code: axe-core in
Chromium for the HTML (WCAG 2.1 A/AA and best practice, at 1280 and 320 px), a PDF/UA-1
structure checker on pikepdf for the PDF (tests/pdfua.py), and python-docx and pandoc for
the DOCX. Every product the project ships is built: the flagship, both examples and the
three --init projects. docs/accessibility.md lists what each checks and the results.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from lxml import html as lxml_html

import crsreport
import crsreport.tree as t
from axe import run_axe, summary
from crsreport.scaffold import init_project
from pdfua import check, structure

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
PROJECTS = {
    "flagship": REPO,
    "insight": REPO / "examples" / "insight",
    "report": REPO / "examples" / "report",
    "init-in_focus": "in_focus",
    "init-insight": "insight",
    "init-report": "report",
}


@pytest.fixture(scope="module", params=list(PROJECTS))
def built(request, tmp_path_factory) -> dict[str, Any]:
    """One product in HTML, PDF and DOCX: suffix → path; "product" → its kind; "name"."""
    where = PROJECTS[request.param]
    out = tmp_path_factory.mktemp(request.param)
    if isinstance(where, str):  # an --init project, made as a writer would start one
        init_project(out / "project", where, today=dt.date(2026, 1, 15))
        where = out / "project"
    report = crsreport.load_report(where)
    paths = crsreport.build(report, ["html", "pdf", "docx"], out_dir=out / "build")
    found: dict[str, Path] = {p.suffix: p for p in paths}
    doc = crsreport.resolve(report)
    return {**found, "product": doc.product, "name": request.param, "doc": doc}


def _is_report(built: dict[str, Any]) -> bool:
    return built["product"] == "report"


# ---------------------------------------------------------------- PDF


def test_pdf_passes_the_pdfua_checker(built):
    assert check(built[".pdf"]) == []


def test_pdf_has_one_element_per_section_not_one_per_page(built):
    """WeasyPrint tags each page (and column) apart; a section that a break cuts is still
    one Sect, and the main text one Part: as many as the print page has elements."""
    from crsreport.render.page import page

    printed = page(built["doc"], print_mode=True, stylesheet="", figures={}, epoch=0)
    tags = [tag for _, tag in structure(built[".pdf"])]
    assert tags.count("Sect") == printed.count("<section"), tags
    assert tags.count("Part") == printed.count("<main"), tags


def test_pdf_footnotes_are_notes_linked_from_their_calls(built):
    """Each note is a Note with its number as Lbl and an /ID, and some link points at it."""
    with pikepdf.open(built[".pdf"]) as pdf:
        elems = _elements(pdf.Root.StructTreeRoot)
        notes = [e for e in elems if e.S == "/Note"]
        dests = {
            str(a.get("/Dest", "")).lstrip("/")
            for page in pdf.pages
            for a in page.obj.get("/Annots", [])
        }
    calls = built[".html"].read_text(encoding="utf-8").count('role="doc-noteref"')
    assert len(notes) == calls
    for note in notes:
        assert str(note.K[0].S) == "/Lbl"
        assert str(note.ID) in dests


def test_pdf_contents_is_a_nested_toc_with_one_link_per_entry(built):
    if not _is_report(built):
        pytest.skip("only a Report prints Contents")
    tree = structure(built[".pdf"])
    tags = [tag for _, tag in tree]
    assert "TOC" in tags and "TOCI" in tags
    before = tags[: tags.index("TOC")]
    assert before.count("H1") == 1 and before.count("H2") == 2, "title, Summary, Contents"
    nested = [d for d, tag in tree if tag == "TOC"]
    if _has_subentries(built["doc"]):
        assert max(nested) > min(nested), "the Contents hierarchy is flat"
    with pikepdf.open(built[".pdf"]) as pdf:
        items = [e for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/TOCI"]
        links = [[x for x in _elements(i) if x.S == "/Link" and x.P.P.objgen == i.objgen]
                 for i in items]  # fmt: skip
        assert all(len(found) == 1 for found in links)
        annots = [o for found in links for o in found[0].K if _is_objr(o)]
        assert len(annots) == len(items), "an entry is more than one link annotation"
    text = subprocess.run(["pdftotext", "-f", "3", "-l", "3", built[".pdf"], "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "Contents" in text and ".." not in text, "dot leaders are printed as text"


def test_in_focus_page_one_reads_masthead_date_title_then_section(built):
    """A screen reader's order on page 1: the masthead as a group without a heading, the
    date line, the title as H1, then the first section's heading."""
    if built["product"] != "in_focus":
        pytest.skip("the In Focus layout")
    with pikepdf.open(built[".pdf"]) as pdf:
        document = pdf.Root.StructTreeRoot.K[0]
        masthead, body = document.K[0], document.K[1]
        assert not [e for e in _elements(masthead) if re.fullmatch(r"/H\d?", str(e.S))]
        assert [str(k.S) for k in masthead.K] == ["/P", "/P"]
        assert [str(k.S) for k in body.K[:2]] == ["/P", "/H1"]
        after = [str(e.S) for e in _elements(body.K[2])]
        assert after[: after.index("/H2") + 1][-2:] == ["/Sect", "/H2"]
    text = subprocess.run(["pdftotext", "-raw", "-l", "1", built[".pdf"], "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    doc, flat = built["doc"], " ".join(text.split())
    first = next(s for s in doc.walk() if isinstance(s, t.Section) and s.title)
    order = [flat.find(x) for x in ("IN FOCUS", doc.date_line, doc.title, first.title)]
    assert -1 not in order and order == sorted(order)


def test_pdf_checker_fails_the_defects_it_names(built, tmp_path):
    """The checker can fail: break a finished PDF in four named ways and see each found."""
    if built["name"] != "report":
        pytest.skip("one product is enough")
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(built[".pdf"]) as pdf:
        del pdf.Root.Lang
        elems = _elements(pdf.Root.StructTreeRoot)
        next(e for e in elems if e.S == "/LBody").S = pikepdf.Name.P
        next(e for e in elems if e.S == "/Figure").Alt = pikepdf.String("")
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                annot.Contents = pikepdf.String("fig-launches")
        pdf.save(broken)
    failures = " | ".join(check(broken))
    for rule in ("7.2 language", "7.2 lists", "7.3 figures", "7.18.5 links"):
        assert rule in failures


# ---------------------------------------------------------------- HTML


@pytest.mark.parametrize("width", [1280, 320])
def test_html_has_no_axe_violations(built, width, require):
    violations = run_axe(require("chromium"), built[".html"], width)
    assert summary(violations) == []


def test_html_contents_is_nested_and_summary_has_a_heading(built):
    if not _is_report(built):
        pytest.skip("only a Report has a summary page and Contents")
    page = lxml_html.parse(str(built[".html"])).getroot()
    assert page.xpath("//section[@class='summary-page']//h2[@id='summary-title']")
    if _has_subentries(built["doc"]):
        assert page.xpath("//nav[@class='contents']//li/ul[@class='toc']/li/a")


def test_html_wide_tables_scroll_in_a_named_keyboard_region(built):
    page = lxml_html.parse(str(built[".html"])).getroot()
    tables = page.xpath("//table")
    if not tables:
        pytest.skip("no table")
    for table in tables:
        region = table.getparent()
        assert region.get("class") == "table-scroll" and region.get("tabindex") == "0"
        named = region.get("aria-labelledby")
        assert region.get("aria-label") or page.xpath(f"//caption[@id='{named}']")


# ---------------------------------------------------------------- DOCX


def test_docx_has_language_title_alt_text_and_header_rows(built):
    doc = open_docx(str(built[".docx"]))
    assert doc.core_properties.title.strip()
    assert doc.core_properties.language.startswith("en")
    pictures = doc.element.body.xpath(".//wp:docPr")
    for picture in pictures:
        assert picture.get("descr", "").strip(), f"picture {picture.get('name')} has no alt"
    for table in doc.tables:
        first = table.rows[0]._tr
        assert first.find(qn("w:trPr")) is not None and first.xpath("./w:trPr/w:tblHeader")


def test_docx_summary_is_a_heading_not_a_layout_table(built, require):
    if not _is_report(built):
        pytest.skip("only a Report has a summary page")
    doc = open_docx(str(built[".docx"]))
    assert doc.element.body.xpath("./w:tbl[.//w:pStyle[@w:val='SummaryLabel']]") == []
    read = subprocess.run([require("pandoc"), "-f", "docx", "-t", "html", built[".docx"]],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", read, flags=re.S)
    assert headings[0].strip().lower() == "summary"
    assert read.index("<h1") < read.index("<table") if "<table" in read else True


# ---------------------------------------------------------------- helpers


def _is_objr(obj: object) -> bool:
    return isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/OBJR"


def _has_subentries(doc: t.Document) -> bool:
    contents = [n for n in doc.walk() if isinstance(n, t.Contents)]
    return any(e.level > 1 for c in contents for e in c.entries)


def _elements(node: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found = []
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found.append(kid)
            found += _elements(kid)
    return found
