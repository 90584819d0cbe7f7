"""What a writer says about the product: its status, untitled lead text, and punctuation
set as CRS prints it (curly quotes, real dashes), in every format."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import lxml.html
import pytest

import crsreport
from crsreport.errors import ReportError
from crsreport.tree import Heading, Section, Text
from crsreport.typeset import dashes, punctuate

INSIGHT = """\
id: IN10001
title: "A \\"Quoted\\" Title"
date: 2024-01-02
version: 3
status: new
authors: [{name: Ann Writer, title: Analyst}]
sections:
  - prose: sections/lead.md
  - title: What Happened
    prose: sections/body.md
"""
LEAD = 'The lead says "hello" -- twice... and it\'s fine.\n'
BODY = 'Code keeps `"straight"` quotes; a \\"literal\\" stays straight --- so.\n'


@pytest.fixture
def insight(make_project) -> Path:
    return make_project(
        {"report.yaml": INSIGHT, "sections/lead.md": LEAD, "sections/body.md": BODY}
    )


def test_plain_fields_get_curly_quotes_and_dashes():
    assert punctuate('North Korea\'s "calibrated" approach') == (
        "North Korea’s “calibrated” approach"
    )
    assert punctuate("2016--2021 --- then...") == "2016–2021 — then…"
    assert dashes("see https://a--b.gov/x...y -- ok") == "see https://a--b.gov/x...y – ok"


def test_prose_is_punctuated_but_code_and_escaped_quotes_are_not(insight):
    doc = crsreport.resolve(crsreport.load_report(insight))
    texts = " ".join(n.text for n in doc.walk() if isinstance(n, Text))
    assert "“hello” – twice… and it’s fine." in texts
    assert 'a "literal" stays straight — so.' in texts
    codes = [n.text for n in doc.walk() if n.kind == "code"]
    assert codes == ['"straight"']
    assert doc.title == "A “Quoted” Title"


def test_status_new_at_version_3_gives_a_bare_date_and_new(insight):
    doc = crsreport.resolve(crsreport.load_report(insight))
    assert (doc.date_line, doc.version_footer) == ("January 2, 2024", "IN10001 · VERSION 3 · NEW")


def test_untitled_lead_text_has_no_heading_and_no_contents_line(insight):
    doc = crsreport.resolve(crsreport.load_report(insight))
    sections = [n for n in doc.walk() if isinstance(n, Section)]
    assert [s.title for s in sections] == [None, "What Happened"]
    assert not any(isinstance(n, Heading) for n in sections[0].walk())


def test_a_blank_title_is_refused_with_what_to_do(make_project):
    blank = INSIGHT.replace("  - prose: sections/lead.md", '  - {title: " ", prose: x.md}')
    project = make_project({"report.yaml": blank, "sections/body.md": BODY})
    with pytest.raises(ReportError, match="title is blank; write one, or leave 'title' out"):
        crsreport.load_report(project)


@pytest.mark.e2e
def test_every_format_prints_the_status_the_lead_and_curly_quotes(insight, require):
    out = insight / "out"
    paths = {p.suffix: p for p in crsreport.build(
        crsreport.load_report(insight), ["html", "pdf", "docx"], out_dir=out)}  # fmt: skip
    page = lxml.html.fromstring(paths[".html"].read_bytes())
    headings = page.xpath("//h1|//h2|//h3|//h4|//h5|//h6")
    assert all(h.text_content().strip() for h in headings), "an empty heading"
    html = page.text_content()
    pdf = subprocess.run([require("pdftotext"), paths[".pdf"], "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    with zipfile.ZipFile(paths[".docx"]) as package:
        xml = package.read("word/document.xml").decode()
    docx = re.sub(r"<[^>]+>", "", xml)
    for name, text in (("html", html), ("pdf", pdf), ("docx", docx)):
        flat = " ".join(text.split())
        assert "“hello”" in flat and "it’s" in flat, name
        assert '"straight"' in flat, name
        assert "IN10001 · VERSION 3 · NEW" in flat, name
        assert "Updated January" not in flat, name
    assert not re.search(r'<w:pStyle w:val="Heading\d"/></w:pPr></w:p>', xml), "empty heading"


@pytest.mark.e2e
def test_an_in_focus_past_two_pages_is_told_how_many_lines_to_cut(make_project, caplog):
    words = " ".join(["Wordy sentence that fills the column."] * 12)
    prose = "\n\n".join([words] * 30)  # about three pages of two columns
    report = "id: IF10001\ntitle: Long\ndate: 2024-01-02\nsections:\n"
    report += "  - {kind: overview, prose: [o.md]}\n"
    project = make_project({"report.yaml": report, "o.md": prose})
    crsreport.build(crsreport.load_report(project), ["pdf"], out_dir=project / "out")
    found = [r.getMessage() for r in caplog.records if "page budget" in r.getMessage()]
    assert len(found) == 1
    match = re.search(
        r"past the 2-page budget by about (\d+) lines \((\d+\.\d) in of column\)", found[0]
    )
    assert match, found[0]
    lines, inches = int(match[1]), float(match[2])
    assert lines > 40 and abs(lines * 12.5 / 72 - inches) < 0.2
    # the pages past the budget hold that much text: two columns of 9.7 in each, at most
    assert inches < 2 * 9.7 * 2


def test_superscript_and_subscript_in_prose_reach_html_and_docx(make_project, tmp_path):
    import docx

    from crsreport.assets import Assets
    from crsreport.errors import Warnings as W
    from crsreport.render import RenderContext
    from crsreport.render.docx import render as render_docx
    from crsreport.render.htmlwalk import HtmlWriter

    report = INSIGHT.replace("prose: sections/body.md", 'text: ["The 11^th^ test; CO~2~ rose."]')
    project = make_project({"report.yaml": report, "sections/lead.md": LEAD})
    doc = crsreport.resolve(crsreport.load_report(project))
    html = HtmlWriter({}).render([doc])
    assert "11<sup>th</sup> test; CO<sub>2</sub> rose." in html
    data = render_docx(doc, RenderContext(project, W(), 0, Assets()))
    (tmp_path / "x.docx").write_bytes(data)
    runs = [r for p in docx.Document(tmp_path / "x.docx").paragraphs for r in p.runs]
    assert [r.text for r in runs if r.font.superscript] == ["th"]
    assert [r.text for r in runs if r.font.subscript] == ["2"]


@pytest.mark.e2e
def test_acknowledgments_follow_the_text_in_every_format(make_project, require):
    thanks = "acknowledgments: Pat Former contributed to an earlier version of this Insight.\n"
    report = INSIGHT.replace("sections:\n", thanks + "sections:\n", 1)
    project = make_project(
        {"report.yaml": report, "sections/lead.md": LEAD, "sections/body.md": BODY}
    )
    built = crsreport.build(crsreport.load_report(project), ["html", "pdf", "docx"], project / "o")
    paths = {p.suffix: p for p in built}
    html = " ".join(lxml.html.fromstring(paths[".html"].read_bytes()).text_content().split())
    pdf = subprocess.run([require("pdftotext"), paths[".pdf"], "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    docx = subprocess.run([require("pandoc"), "-f", "docx", "-t", "plain", paths[".docx"]],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    for name, text in (("html", html), ("pdf", pdf), ("docx", docx)):
        flat = " ".join(text.split())
        at = flat.index("Pat Former contributed to an earlier version of this Insight.")
        assert flat.index("so.") < at < flat.index("Author Information"), name
