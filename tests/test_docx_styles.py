"""The DOCX carries in its styles what the PDF and HTML show: read back with python-docx.

One small In Focus holds what the examples lack (bold call-outs, headings four levels
down, code, a block quote, figure notes); it is also checked against the OOXML schemas.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pytest
from docx.shared import Pt
from lxml import etree

import crsreport
from crsreport.products import PRODUCTS
from test_docx_schema import require_schemas, schema_errors

REPO_ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

REPORT = """\
id: IF10002
title: "Every Kind of Text"
date: 2024-03-01
version: 1
authors:
  - {name: Pat Writer, title: Analyst}
data:
  events: data/events.csv
sections:
  - title: Body
    id: body
    prose: sections/body.md
    figures:
      - id: events
        kind: bar
        title: Events per Year
        unit: (number of events)
        data: data/events.csv
        x: year
        y: [events]
        source: CRS, example data.
        notes: [A note on the data.]
        alt: Bar chart of events per year.
      - id: wide
        kind: bar
        title: Events per Year, Wide
        data: data/events.csv
        x: year
        y: [events]
        source: CRS.
        alt: Bar chart of events per year, the page wide.
        width: full
"""
BODY = """\
As **@fig:events** shows, and as *@fig:wide* repeats, run `make-report --check` first.

#### Fourth Level

Text under four, with **bold `code`**.

##### Fifth Level

Text under five.

###### Sixth Level

Text under six.

> A quoted paragraph that runs long enough to wrap across more than one line of text.

```
print("a code block")
```

1. one[^n]
2. two

[^n]: A note with `code` and **@fig:events**.
"""


def build_styles_project(project: Path) -> dict[str, Path]:
    """Write the project above into `project` and build its DOCX and HTML: suffix -> path."""
    (project / "sections").mkdir(parents=True)
    (project / "data").mkdir()
    (project / "report.yaml").write_text(REPORT, encoding="utf-8")
    (project / "sections" / "body.md").write_text(BODY, encoding="utf-8")
    shutil.copy(REPO_ROOT / "templates/init/common/data/events.csv", project / "data")
    paths = crsreport.build(crsreport.load_report(project), ["docx", "html"], project / "out")
    return {p.suffix: p for p in paths}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_styles_project(tmp_path_factory.mktemp("styles"))


@pytest.fixture(scope="module")
def document(built: dict[str, Path]) -> docx.document.Document:
    return docx.Document(str(built[".docx"]))


def _paragraph(document, start: str):
    return next(p for p in document.paragraphs if p.text.startswith(start))


def _field_runs(paragraph, instruction: str) -> list:
    """The runs of the complex field whose instruction starts with `instruction`."""
    runs, inside, found = [], False, []
    for r in paragraph._p.iter(f"{W}r"):
        char = r.find(f"{W}fldChar")
        if char is not None and char.get(f"{W}fldCharType") == "begin":
            runs, inside = [r], True
        elif inside:
            runs.append(r)
            if char is not None and char.get(f"{W}fldCharType") == "end":
                inside = False
                text = "".join(r.findtext(f"{W}instrText") or "" for r in runs)
                if text.strip().startswith(instruction):
                    found.append(runs)
    assert found, f"no {instruction} field in {paragraph.text!r}"
    return found


def _run_style(r) -> str | None:
    style = r.find(f"{W}rPr/{W}rStyle")
    return None if style is None else style.get(f"{W}val")


def test_a_bold_call_out_is_bold_in_every_run_of_its_field(document) -> None:
    first = _paragraph(document, "As ")
    bold, italic = _field_runs(first, "REF")
    assert {_run_style(r) for r in bold} == {"Strong"}
    assert {_run_style(r) for r in italic} == {"Emphasis"}
    assert document.styles["Strong"].font.bold


def test_a_bold_call_out_in_a_note_is_bold(built) -> None:
    # an In Focus prints a note in parentheses where it is called
    root = etree.fromstring(docx.Document(str(built[".docx"])).part.blob)
    note = next(p for p in root.iter(f"{W}p") if "A note with" in "".join(p.itertext()))
    fields = [r for r in note.iter(f"{W}r") if r.find(f"{W}instrText") is not None]
    assert fields and {_run_style(r) for r in fields} == {"Strong"}
    code = [r for r in note.iter(f"{W}r") if r.findtext(f"{W}t") == "code"]
    assert [_run_style(r) for r in code] == ["Code"]


def test_headings_keep_their_level_as_in_the_html(built, document) -> None:
    """Each HTML h<n> (n >= 2) of the body is a DOCX "Heading <n-1>", down to h6."""
    html = built[".html"].read_text(encoding="utf-8")
    levels = {i: int(n) for n, i in re.findall(r'<h([2-6]) id="([^"]+)">', html)}
    styles = {}  # bookmarked heading -> its style
    for p in document.paragraphs:
        for mark in p._p.iter(f"{W}bookmarkStart"):
            styles[mark.get(f"{W}name")] = p.style.name
    compared = 0
    for ident, n in levels.items():
        name = f"_Ref_{ident.replace('-', '_')}"
        if name in styles:
            assert styles[name] == f"Heading {n - 1}", ident
            compared += 1
    assert compared == 4 and levels["sixth-level"] == 5  # four levels below the section
    for n in (4, 5, 6):
        style = document.styles[f"Heading {n}"]
        assert style.font.name == "Arial" and style.font.bold, style.name
        assert style.paragraph_format.keep_with_next
        outline = style.element.find(f"{W}pPr/{W}outlineLvl")
        assert outline is not None and outline.get(f"{W}val") == str(n - 1)


def test_inline_code_and_code_blocks_are_monospace(document) -> None:
    code = document.styles["Code"]
    assert code.type == 2 and code.font.name == "Courier New"
    first = _paragraph(document, "As ")
    assert [r.style.name for r in first.runs if r.text == "make-report --check"] == ["Code"]
    bold = _paragraph(document, "Text under four")
    (run,) = [r for r in bold.runs if r.text == "code"]
    assert (run.style.name, run.bold) == ("Code", True)  # **bold `code`**: still bold
    block = _paragraph(document, 'print("a code block")')
    assert {r.style.name for r in block.runs} == {"Code"}


def test_source_and_note_labels_are_italic_as_in_the_pdf(document) -> None:
    css = (REPO_ROOT / "templates/css/base.css").read_text(encoding="utf-8")
    assert re.search(r"\.source-label, \.notes-label \{ font-style: italic; \}", css)
    for start in ("Source:", "Note:"):
        label = _paragraph(document, start).runs[0]
        assert label.text == start and label.style.name == "Source Label"
        assert label.style.font.italic and not label.style.font.bold
        assert label.bold is None and label.italic is None  # the style alone says so


def test_a_block_quote_is_indented_as_in_the_pdf(document) -> None:
    """blockquote { margin: 0.6em 1.5em }: 1.5 em either side of 11 pt body text."""
    quote = _paragraph(document, "A quoted paragraph")
    assert quote.style.name == "Quote"
    pf = quote.style.paragraph_format
    assert pf.left_indent == pf.right_indent
    assert abs(pf.left_indent.pt - 1.5 * 11) < 0.1
    assert not pf.first_line_indent
    assert not quote.style.font.italic
    # blockquote { margin: 0.6em … } of the In Focus page model's body size (10 pt)
    space = Pt(0.6 * PRODUCTS["in_focus"].page.font_size)
    assert pf.space_before == pf.space_after == space


def test_the_styles_project_is_schema_valid(built) -> None:
    require_schemas()
    assert schema_errors(built[".docx"].read_bytes()) == []


def test_the_masthead_is_set_off_from_the_date_line_as_in_the_pdf(document) -> None:
    """.masthead: one row over a 2 pt rule, the organisation and its tagline at the left
    and the label at the right margin (a right tab at the text width)."""
    masthead, date = document.paragraphs[:2]
    assert (masthead.style.name, date.style.name) == ("Masthead Label", "Date Line")
    runs = [(r.style.name, r.text) for r in masthead.runs if r.text.strip()]
    assert [name for name, _ in runs] == [
        "Masthead Org Name",
        "Masthead Tagline",
        "Default Paragraph Font",
    ]
    assert runs[-1][1] == "\tIN FOCUS"
    section = document.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    stops = masthead.style.paragraph_format.tab_stops
    assert [(s.position, s.alignment) for s in stops] == [(width, 2)]  # right, at the margin
    assert masthead.style.font.color.rgb != document.styles["Masthead Org Name"].font.color.rgb
    rule = masthead.style.element.find(f"{W}pPr/{W}pBdr/{W}bottom")
    weight = PRODUCTS["in_focus"].page.rule_weight  # the page model's, as the PDF's
    assert (rule.get(f"{W}sz"), rule.get(f"{W}color")) == (str(round(weight * 8)), "1F3864")
    assert date.style.element.find(f"{W}pPr/{W}pBdr") is None
    assert date.style.paragraph_format.space_before == Pt(6)
