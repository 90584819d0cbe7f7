"""The tree contract: a hand-built tree holding every node class, rendered by every writer.

A writer that lacks a method for a node class fails when it is made (naming itself and the
class); here every writer renders the same every-class tree and keeps its words.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import docx
import pytest

from crsreport import tree as t
from crsreport.assets import Assets
from crsreport.errors import Warnings
from crsreport.render import RenderContext
from crsreport.render.docx import DocxWriter, ensure_styles
from crsreport.render.htmlwalk import HtmlWriter, PrintWriter
from crsreport.render.jsontree import envelope, schema

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
}


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
        t.Link(href="https://example.gov/", children=[t.Text(text=w["link"])]),
        t.NoteRef(label="n", n=1, children=[_p(t.Text(text=w["note"]))]),
        t.Text(text=" see "),
        t.XRef(text="Table 1", target="tbl:x", anchor="tbl-x"),
    ]
    cell = t.TableCell(children=[t.Text(text=w["cell"]), t.Sup(text="a")], align="right")
    table = t.Table(
        children=[
            t.TableRow(header=True, children=[t.TableCell(header=True, children=[t.Text(text="H")])]),
            t.TableRow(children=[cell]),
            t.TableRow(total=True, children=[t.TableCell(children=[t.Text(text="9")])]),
        ]
    )
    figure = t.Figure(
        id="x", figure_kind="table", label="Table", anchor="tbl-x", number="1",
        title=w["figure"], source=w["source"], lettered=[t.LetteredNote("a", "A note.")],
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
    ]
    section = t.Section(id="s", title=w["section"], level=1, children=body)
    return t.Document(
        id="R99999", product="report", title="Every node", date="2024-01-02",
        date_line="January 2, 2024", version=1, version_footer="R99999 · VERSION 1 · NEW",
        authors=[t.Author("A. Writer", "Analyst")],
        children=[t.Summary(children=[_p(t.Text(text=WORDS["summary"]))]), section],
    )  # fmt: skip


def test_the_sample_tree_holds_every_node_class():
    kinds = {node.kind for node in every_class_tree().walk()}
    assert set(t.NODE_CLASSES) - kinds == set()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Z][a-z]+words|[A-Z][a-z]+title", text))


@pytest.mark.parametrize("writer", [HtmlWriter, PrintWriter])
def test_html_writers_render_every_node_class(writer):
    html = writer({})
    markup = html.render([every_class_tree()]) + html.notes_block()
    assert _words(markup) == set(WORDS.values())
    assert '<ol start="5">' in markup
    assert '<td class="align-right">' in markup


def _context(tmp_path: Path) -> RenderContext:
    return RenderContext(tmp_path, Warnings(), 0, Assets())


def test_docx_writer_renders_every_node_class(tmp_path):
    document = docx.Document()
    ensure_styles(document)
    DocxWriter(document, _context(tmp_path)).visit(every_class_tree(), document, 0)
    out = io.BytesIO()
    document.save(out)
    reread = docx.Document(io.BytesIO(out.getvalue()))
    text = " ".join(p.text for p in reread.paragraphs)
    cells = " ".join(c.text for table in reread.tables for row in table.rows for c in row.cells)
    notes = reread.part.package.part_related_by  # footnotes live in their own part
    assert notes is not None
    xml = out.getvalue()
    assert _words(text + " " + cells) | {WORDS["note"]} >= set(WORDS.values()) - {WORDS["note"]}
    assert b"Notewords" in _part(xml, "word/footnotes.xml")


def _part(package: bytes, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(package)) as z:
        return z.read(name)


def test_json_writes_every_node_class_valid_and_round_trips():
    jsonschema = pytest.importorskip("jsonschema")
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
