"""A pipe table written in prose, with a caption line, is a numbered table like a data one."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import crsreport
from crsreport.errors import ReportError, Warnings
from crsreport.render.htmlwalk import HtmlWriter
from crsreport.tree import Contents, Figure, Table, XRef

REPO = Path(__file__).resolve().parents[1]
REPORT = """\
id: R10001
title: Tables
date: 2024-01-02
sections:
  - {title: Counts, id: counts, prose: [sections/counts.md]}
"""
PROSE = """\
As @tbl:small shows, counts rose.

| Year | Count |
|---|---|
| 2020 | 1,150 |
| 2021 | (12) |

Table: Small "Counts" Table {#tbl:small}

Source: CRS, from agency data.

Notes: Counts are rounded.

After the table.
"""


def _doc(make_project, prose: str = PROSE, warnings: Warnings | None = None):
    project = make_project({"report.yaml": REPORT, "sections/counts.md": prose})
    return crsreport.resolve(crsreport.load_report(project), warnings)


def test_a_captioned_pipe_table_is_numbered_captioned_and_referenced(make_project):
    doc = _doc(make_project)
    (figure,) = [n for n in doc.walk() if isinstance(n, Figure)]
    assert (figure.label, figure.number) == ("Table", "1")
    assert figure.title.plain() == "Small “Counts” Table"
    assert (figure.source_label, figure.source.plain()) == ("Source:", "CRS, from agency data.")
    notes = [n.plain() for n in figure.notes]
    assert (figure.notes_label, notes) == ("Notes:", ["Counts are rounded."])
    assert isinstance(figure.children[0], Table)
    (xref,) = [n for n in doc.walk() if isinstance(n, XRef)]
    assert (xref.text, xref.anchor) == ("Table 1", "tbl-small")
    contents = next(n for n in doc.walk() if isinstance(n, Contents))
    assert [e.title for e in contents.tables] == ["Table 1. Small “Counts” Table"]
    texts = [n.plain() for n in doc.walk() if n.kind == "paragraph"]
    assert "After the table." in texts and not any("Source:" in t for t in texts)
    cells = [c for c in figure.walk() if c.kind == "table_cell" and not c.header]
    assert [c.align for c in cells] == ["right"] * 4  # years and counts as written


def test_a_table_without_a_source_line_is_a_warning(make_project):
    warnings = Warnings()
    _doc(make_project, PROSE.replace("Source: CRS, from agency data.\n\n", ""), warnings)
    assert any("has no 'Source:' line" in str(p) for p in warnings.seen)


def test_a_caption_id_used_twice_is_a_located_error(make_project):
    twice = PROSE + PROSE.split("\n\n", 1)[1]
    with pytest.raises(ReportError, match=r"counts\.md:\d+: id 'tbl:small' is already used"):
        _doc(make_project, twice)


@pytest.mark.e2e
def test_the_example_pipe_table_is_numbered_listed_and_linked_in_every_format(tmp_path, require):
    report = crsreport.load_report(REPO / "examples" / "report")
    paths = {p.suffix: p for p in crsreport.build(report, ["html", "pdf", "docx"], tmp_path)}
    html = paths[".html"].read_text(encoding="utf-8")
    assert '<a class="xref" href="#tbl-measures">Table 3</a>' in html
    assert '<figure id="tbl-measures"' in html
    pdf = subprocess.run([require("pdftotext"), paths[".pdf"], "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    docx = subprocess.run([require("pandoc"), "-f", "docx", "-t", "plain", paths[".docx"]],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    for name, text in (("pdf", pdf), ("docx", docx)):
        flat = " ".join(text.split())
        assert flat.count("Table 3. Sanctions Laws That Address Testing") >= 2, name  # list too
        assert "testing (Table 3)" in flat, name


STYLED = """\
id: R10001
title: Tables
date: 2024-01-02
sections:
  - title: Counts
    prose: [sections/counts.md]
    figures:
      - {id: t, kind: table, title: Styled, data: data/rows.csv, row_style: style,
         columns: @COLUMNS@, source: S., alt: A table.}
"""


def test_row_style_words_set_bold_indented_and_total_rows(make_project):
    rows = "type,n,style\nAll,5,bold\nPart A,2,indent\nPart B,3,indent 2\nTotal,5,total\n"
    report = STYLED.replace("@COLUMNS@", "[{column: type}, {column: n}]")
    project = make_project({"report.yaml": report, "sections/counts.md": "Text.\n",
                            "data/rows.csv": rows})  # fmt: skip
    doc = crsreport.resolve(crsreport.load_report(project))
    body = [r for r in doc.walk() if r.kind == "table_row" and not r.header]
    assert [(r.bold, r.indent, r.total) for r in body] == [
        (True, 0, False), (False, 1, False), (False, 2, False), (False, 0, True)
    ]  # fmt: skip
    html = HtmlWriter({}).render([doc])
    assert '<tr class="bold">' in html and '<tr class="indent-2">' in html


def test_an_unknown_row_style_is_a_located_error(make_project):
    report = STYLED.replace("@COLUMNS@", "[{column: type}]")
    project = make_project({"report.yaml": report, "sections/counts.md": "Text.\n",
                            "data/rows.csv": "type,style\nA,italic\n"})  # fmt: skip
    with pytest.raises(
        ReportError, match=r"report\.yaml:\d+: .*row 2 of 'data/rows.csv': row style 'italic'"
    ):
        crsreport.resolve(crsreport.load_report(project))


@pytest.mark.e2e
def test_styled_rows_are_bold_and_indented_in_the_docx(tmp_path):
    import docx

    report = crsreport.load_report(REPO / "examples" / "report")
    (path,) = crsreport.build(report, ["docx"], tmp_path)
    table = next(t for t in docx.Document(path).tables if t.cell(0, 0).text == "Type")
    first = [row.cells[0].paragraphs[0] for row in table.rows]
    bold = [any(r.style.name == "Strong" for r in p.runs) for p in first]
    indented = [p.paragraph_format.left_indent is not None for p in first]
    assert bold == [True, True, False, False, False, False, False, False, False, True]
    assert indented == [False, False, True, True, True, True, True, True, False, False]


def test_lettered_notes_follow_a_bare_notes_label(make_project):
    rows = "type,n\nA,1\n"
    report = STYLED.replace("row_style: style,", "").replace(
        "@COLUMNS@", "[{column: type}, {column: n, note: Counted twice.}]"
    )
    project = make_project({"report.yaml": report, "sections/counts.md": "Text.\n",
                            "data/rows.csv": rows})  # fmt: skip
    doc = crsreport.resolve(crsreport.load_report(project))
    html = HtmlWriter({}).render([doc])
    assert '<p class="figure-notes"><span class="notes-label">Note:</span></p>' in html
    assert '<p class="figure-lettered"><span class="letter">a.</span> Counted twice.</p>' in html


@pytest.mark.e2e
def test_no_data_table_row_may_split_across_pages_in_the_docx(tmp_path):
    import zipfile

    report = crsreport.load_report(REPO / "examples" / "report")
    (path,) = crsreport.build(report, ["docx"], tmp_path)
    with zipfile.ZipFile(path) as package:
        xml = package.read("word/document.xml").decode()
    tables = re.findall(r"<w:tbl>.*?</w:tbl>", xml, flags=re.S)
    data = [t for t in tables if 'w:val="CRSTable"' in t]
    assert len(data) >= 5
    for table in data:
        assert table.count("<w:tr>") + table.count("<w:tr ") == table.count("<w:cantSplit/>")
