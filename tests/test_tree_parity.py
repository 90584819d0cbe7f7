"""The tree contract: a hand-built tree holding every node class, rendered by every writer.

A writer that lacks a method for a node class fails when it is made (naming itself and the
class); here every writer renders the same every-class tree and keeps its words.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import docx
import jsonschema
import pytest

from crsreport import tree as t
from crsreport.assets import Assets
from crsreport.errors import Warnings
from crsreport.render import RenderContext
from crsreport.render.docx import DocxWriter
from crsreport.render.htmlwalk import HtmlWriter, PrintWriter
from crsreport.render.jsontree import envelope, schema
from crsreport.resources import templates_dir

WORDS = {
    "summary": "Summarywords",
    "section": "Sectiontitle",
    "heading": "Headingwords",
    "lead": "Leadwords",
    "text": "Plainwords",
    "emph": "Emphwords",
    "strong": "Strongwords",
    "code": "Codewords",
    "link": "Linkwords",
    "note": "Notewords",
    "bullet": "Bulletwords",
    "ordered": "Orderedwords",
    "quote": "Quotewords",
    "code_block": "Blockcodewords",
    "cell": "Cellwords",
    "figure": "Figuretitle",
    "source": "Sourcewords",
    "masthead": "Mastheadwords",
    "date_line": "Datewords",
    "title": "Titlewords",
    "cover": "Coverwords",
    "summary_page": "Sidewords",
    "contents": "Contentswords",
    "first_footer": "Footerwords",
    "byline": "Bylinewords",
    "author": "Authorwords",
    "disclaimer": "Disclaimerwords",
    "version": "Versionwords",
    "header": "Headerwords",
    "running_title": "Runningwords",
    "site": "Sitewords",
    "thanks": "Thankswords",
    "superscript": "Superwords",
    "subscript": "Subwords",
    "inserted": "Insertedwords",
    "deleted": "Deletedwords",
    "changed": "Changedwords",
    "changes": "Changeswords",
}
WEB_ONLY = {WORDS["site"], WORDS["running_title"], WORDS["changes"]}
"""Furniture a DOCX leaves out: the web page's footer, the print-only running title, a
redline's change summary (Word lists tracked changes itself)."""
PAGE_HEADS = {WORDS["header"]}
"""Words only in page headers (print CSS and DOCX header parts, not the HTML body)."""


def _p(*children: t.Node) -> t.Paragraph:
    return t.Paragraph(children=list(children))


def every_class_tree() -> t.Document:
    """A small document that holds one node of every class."""
    w = WORDS
    inlines = [
        t.Lead(children=[t.Text(text=w["lead"])]),
        t.Text(text=f" {w['text']} "),
        t.Emph(children=[t.Text(text=w["emph"])]),
        t.SoftBreak(),
        t.Strong(children=[t.Text(text=w["strong"])]),
        t.HardBreak(),
        t.Code(text=w["code"]),
        t.Superscript(children=[t.Text(text=f" {w['superscript']}")]),
        t.Subscript(children=[t.Text(text=f" {w['subscript']}")]),
        t.Link(href="https://example.gov/", children=[t.Text(text=w["link"])]),
        t.NoteRef(label="n", n=1, children=[_p(t.Text(text=w["note"]))]),
        t.Text(text=" see "),
        t.XRef(text="Table 1", target="tbl:x", anchor="tbl-x"),
        t.Inserted(children=[t.Text(text=f" {w['inserted']}")]),
        t.Deleted(children=[t.Text(text=f" {w['deleted']}")]),
    ]
    cell = t.TableCell(children=[t.Text(text=w["cell"]), t.Sup(text="a")], align="right")
    table = t.Table(
        children=[
            t.TableRow(
                header=True, children=[t.TableCell(header=True, children=[t.Text(text="H")])]
            ),
            t.TableRow(children=[cell]),
            t.TableRow(total=True, children=[t.TableCell(children=[t.Text(text="9")])]),
        ]
    )
    figure = t.Figure(
        id="x", figure_kind="table", label="Table", anchor="tbl-x", number="1",
        title=t.Inlines(children=[t.Text(text=w["figure"])]),
        source=t.Inlines(children=[t.Text(text=w["source"])]),
        lettered=[t.LetteredNote(letter="a", children=[t.Text(text="A note.")])],
        alt="A table.", children=[table],
    )  # fmt: skip
    body = [
        t.Heading(id="h", level=2, children=[t.Text(text=w["heading"])]),
        _p(*inlines),
        t.BulletList(children=[t.ListItem(children=[_p(t.Text(text=w["bullet"]))])]),
        t.OrderedList(start=5, children=[t.ListItem(children=[_p(t.Text(text=w["ordered"]))])]),
        t.BlockQuote(children=[_p(t.Text(text=w["quote"]))]),
        t.CodeBlock(text=w["code_block"]),
        t.Rule(),
        figure,
        t.Change(change="insert", id="change-1", children=[_p(t.Text(text=w["changed"]))]),
    ]
    section = t.Section(id="s", title=w["section"], level=1, children=body)
    authors = [t.Author(w["author"], "Analyst", coordinator=True)]
    byline = t.Byline(authors=[t.Author(w["byline"], "Analyst")], id="R99999")
    main = t.Main(
        children=[
            t.RunningTitle(text=w["running_title"]),
            t.DateLine(text=w["date_line"]),
            t.TitleBlock(text=w["title"]),
            t.FirstPageFooter(left=[w["first_footer"], "x"], right=["CRS INSIGHT"]),
            t.Columns(children=[section, byline]),
            t.Acknowledgments(children=[_p(t.Text(text=w["thanks"]))]),
            t.Endnotes(),
            t.AuthorInformation(authors=authors),
        ]
    )
    summary = t.Summary(children=[_p(t.Text(text=WORDS["summary"]))])
    front = [
        t.ChangeSummary(text=w["changes"], changes=[t.ChangeEntry("Changed", "change-1")]),
        t.RunningHeads(header=w["header"], footer="Footer", footer_number=True),
        t.Masthead(org="Org", tagline="Tagline", label=w["masthead"]),
        t.Cover(title=w["cover"], date_line="Date", org="Org", url="https://x.gov", id="R99999"),
        t.SummaryPage(
            id="R99999", date_line="Date", title=w["summary_page"], authors=authors,
            children=[summary],
        ),
        t.Contents(
            entries=[t.ContentsEntry("s", w["contents"]), t.ContentsEntry("s", "A", 1, True)],
            tables=[t.ContentsEntry("tbl-x", "Table 1. T")],
            contacts=[t.ContentsEntry("author-information", "Author Information")],
        ),
    ]  # fmt: skip
    closing = [
        t.Disclaimer(text=w["disclaimer"]),
        t.SiteFooter(org=w["site"], url="https://x.gov", id="R99999"),
        t.VersionFooter(text=w["version"]),
    ]
    return t.Document(
        id="R99999", product="report", title="Every node", date="2024-01-02",
        date_line="January 2, 2024", version=1, status="new",
        version_footer="R99999 · VERSION 1 · NEW",
        authors=authors, children=[*front, main, *closing],
    )  # fmt: skip


def test_the_sample_tree_holds_every_node_class():
    kinds = {node.kind for node in every_class_tree().walk()}
    assert set(t.NODE_CLASSES) - kinds == set()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Z][a-z]+words|[A-Z][a-z]+title", text))


@pytest.mark.parametrize("writer", [HtmlWriter, PrintWriter])
def test_html_writers_render_every_node_class(writer):
    html = writer({})
    markup = html.render([every_class_tree()])
    assert _words(markup) == set(WORDS.values()) - PAGE_HEADS
    assert '<ol start="5"' in markup
    assert '<td class="align-right">' in markup


def _context(tmp_path: Path) -> RenderContext:
    return RenderContext(tmp_path, Warnings(), 0, Assets())


def test_docx_writer_renders_every_node_class(tmp_path):
    document = docx.Document(str(templates_dir() / "docx" / "reference.docx"))
    DocxWriter(document, _context(tmp_path)).visit(every_class_tree(), document, 0)
    out = io.BytesIO()
    document.save(out)
    with zipfile.ZipFile(out) as package:
        parts = [package.read(n).decode() for n in package.namelist() if n.startswith("word/")]
    text = re.sub(r"<[^>]+>", " ", " ".join(parts))
    assert _words(text) == set(WORDS.values()) - WEB_ONLY


def test_json_writes_every_node_class_valid_and_round_trips():
    doc = every_class_tree()
    data = json.loads(json.dumps(envelope(doc)))
    validator = jsonschema.Draft202012Validator(schema())
    assert [e.message for e in validator.iter_errors(data)] == []
    assert t.to_dict(t.from_dict(data["document"])) == data["document"]


def test_schema_names_every_node_class_and_field():
    defs = schema()["$defs"]
    for kind, cls in t.NODE_CLASSES.items():
        assert set(defs[kind]["properties"]) >= {f.name for f in t.node_fields(cls)}


def test_a_writer_missing_a_node_class_fails_at_once_naming_both():
    class Partial(HtmlWriter):
        visit_sup = None  # type: ignore[assignment]

    with pytest.raises(t.UnhandledNode, match=r"Partial has no visit_ method for Sup"):
        Partial({})


def test_every_registered_format_renders_the_every_class_tree(tmp_path):
    from crsreport.render import FORMATS

    for name in ("html", "docx", "json"):
        data = FORMATS[name].renderer()(every_class_tree(), _context(tmp_path))
        assert data, name
