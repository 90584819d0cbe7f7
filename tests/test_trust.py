"""Nothing silently wrong (issue 17): mistakes that used to print wrong output quietly are
located warnings (fatal under --strict) or located errors. In process; the exit codes are
checked by the bad-input corpus (tests/corpus/warn-*, figure-*, prose-*)."""

from __future__ import annotations

import pytest

import crsreport
from crsreport.errors import Warnings
from crsreport.resolve import resolve
from crsreport.tree import Link, NoteRef, Paragraph

IN_FOCUS = """\
id: IF10001
title: "Test Report"
date: 2022-02-03
sections:
  - kind: overview
    prose: sections/a.md
"""
REPORT = IN_FOCUS.replace("IF10001", "R10001")


def _resolve(make_project, prose: str, yaml: str = IN_FOCUS):
    project = make_project({"report.yaml": yaml, "sections/a.md": prose})
    warnings = Warnings()
    doc = resolve(crsreport.load_report(project), warnings)
    return doc, [str(p) for p in warnings.seen]


def test_raw_html_is_warned_of_once_per_block_at_its_line(make_project):
    prose = "Intro.\n\nOne <b>bold</b>\nand <i>two</i> <b>more</b>.\n\n<!-- a comment -->\n"
    _, seen = _resolve(make_project, prose)
    assert seen == [
        "sections/a.md:3: raw HTML '<b>', '</b>', '<i>', '</i>' is printed as text, "
        "not as HTML; write it in Markdown",
        "sections/a.md:6: raw HTML '<!--' is printed as text, not as HTML; write it in Markdown",
    ]


@pytest.mark.parametrize(
    "prose",
    [
        "An autolink <https://example.com> and <someone@example.com>.\n",
        "Escaped \\<b> and code `<b>` and x < y > z.\n",
        "```\n<div>in a fence</div>\n```\n",
    ],
)
def test_autolinks_code_and_escapes_are_not_raw_html(make_project, prose):
    assert _resolve(make_project, prose)[1] == []


def test_a_link_to_a_missing_anchor_is_warned_of_at_the_link(make_project):
    prose = "# Top\n\nSee [ok](#top), [section](#overview) and\n[bad](#nowhere).\n"
    doc, seen = _resolve(make_project, prose)
    assert seen == [
        "sections/a.md:3: link to '#nowhere' goes nowhere: no section, heading, figure, "
        "table or note has that id"
    ]
    assert [n.href for n in doc.walk() if isinstance(n, Link)] == ["#top", "#overview", "#nowhere"]


def test_links_to_figures_and_notes_are_not_dead(make_project):
    prose = "Call.[^a] See [the note](#note-1).\n\n[^a]: A note.\n"
    assert _resolve(make_project, prose, REPORT)[1] == []


def test_a_footnote_in_an_in_focus_is_printed_in_parentheses_at_its_call(make_project):
    prose = "A claim.[^n] More.\n\n[^n]: The *note*.\n\n    second para\n"
    doc, seen = _resolve(make_project, prose)
    assert seen == [
        "sections/a.md:1: footnote [^n]: an In Focus carries no footnotes, so its text is "
        "printed in parentheses here; write it into the sentence, or drop it"
    ]
    assert not any(isinstance(n, NoteRef) for n in doc.walk())
    first = next(n for n in doc.walk() if isinstance(n, Paragraph))
    assert first.plain() == "A claim. (The note. second para) More."


def test_a_footnote_in_a_report_stays_a_footnote(make_project):
    doc, seen = _resolve(make_project, "A claim.[^n]\n\n[^n]: The note.\n", REPORT)
    assert seen == []
    assert [n.n for n in doc.walk() if isinstance(n, NoteRef)] == [1]


CHART = """\
id: IF10001
title: "Test Report"
date: 2022-02-03
sections:
  - kind: overview
    prose: sections/a.md
    figures:
      - id: f
        kind: {kind}
        title: A Figure
        data: data/d.csv
        source: Somewhere.
        alt: A figure.
        x: {x}
        y: [n]
        start: "2002"
        end: "2003"
"""
ROWS = "year,day,n\n2001,2001-05-01,1\n2002,2002-05-01,2\n2003,2003-05-01,3\n2004,2004-05-01,4\n"


@pytest.mark.parametrize("kind", ["bar", "line"])
@pytest.mark.parametrize("x", ["year", "day"])
def test_start_and_end_select_by_a_charts_year_or_date_axis(make_project, kind, x):
    project = make_project(
        {
            "report.yaml": CHART.format(kind=kind, x=x),
            "sections/a.md": "Words.\n",
            "data/d.csv": ROWS,
        }
    )
    doc = resolve(crsreport.load_report(project), Warnings())
    drawing = next(n.drawing for n in doc.walk() if getattr(n, "drawing", None))
    assert [row["n"] for row in drawing.data["rows"]] == [2, 3]


def test_did_you_mean_offers_only_keys_valid_at_that_place():
    from crsreport.model import Report
    from crsreport.validation import fields_at

    section = fields_at(Report, ("sections", 0, "overview"))
    figure = fields_at(Report, ("sections", 0, "overview", "figures", 0, "bar"))
    assert section is not None and figure is not None
    assert "prose" in section and "start" not in section and "status" not in section
    assert {"x", "start", "where"} <= figure and "prose" not in figure
    assert "status" in (fields_at(Report, ()) or set())
