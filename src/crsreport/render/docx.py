"""DOCX renderer: a walker over the tree that writes named styles from the reference .docx.

It never formats run by run and never touches XML: fields, bookmarks, footnotes,
columns and the TOC go through ``docxml``, the one module that builds raw XML.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_BREAK
from docx.shared import Inches

from .. import house
from ..errors import Location
from ..resources import templates_dir
from ..tree import Node
from . import RenderContext, docxml
from .docxml import bookmark_name

WIDTHS = {"column": Inches(3.35), "full": Inches(6.5)}
HEADING_STYLES = ("Heading 1", "Heading 2", "Heading 3")
LINK = "Hyperlink"
BODY_STYLES = (
    *HEADING_STYLES, "Normal", "List Bullet", "List Bullet 2", "List Bullet 3", "List Number",
    "List Number 2", "List Number 3", "Quote", "CRS Table", "Table Text", "Caption", "Figure",
    "Figure Unit", "Source Note", "Strong", "Emphasis", "Run-in Lead", "Hyperlink",
    "Note Letter", "footnote text", "footnote reference",
)  # fmt: skip
"""The styles the walker uses for sections (the layouts add mastheads, TOC and the rest)."""


def ensure_styles(document: Any) -> list[str]:
    """Copy the body styles a caller's ``document`` lacks from the reference .docx, leaving
    its own styles as they are, so a ``DocxWriter`` can write into it; return names added."""
    reference = Document(str(templates_dir() / "docx" / "reference.docx"))
    return docxml.copy_styles(reference, document, BODY_STYLES)


def render(doc: Node, ctx: RenderContext) -> bytes:
    """The whole report as a DOCX package with deterministic bytes."""
    document = Document(str(templates_dir() / "docx" / "reference.docx"))
    _clear_body(document)
    writer = DocxWriter(document, ctx)
    LAYOUTS[doc.attrs["product"]](writer, doc)
    when = dt.datetime.fromtimestamp(ctx.epoch, dt.UTC).replace(tzinfo=None)
    _properties(document, doc, when)
    out = io.BytesIO()
    document.save(out)
    return docxml.normalize_package(out.getvalue(), when)


def _clear_body(document: Any) -> None:
    for paragraph in list(document.paragraphs):
        paragraph._element.getparent().remove(paragraph._element)


def _properties(document: Any, doc: Node, when: dt.datetime) -> None:
    props = document.core_properties
    a = doc.attrs
    props.title = a["title"]
    props.author = "; ".join(x["name"] for x in a["authors"]) or house.CRS
    props.subject = f"CRS {house.PRODUCT_NAMES[a['product']]} {a['id']}"
    props.identifier = a["id"]
    props.keywords = a["id"]
    props.language = a["lang"]
    props.last_modified_by = "crsreport"
    props.comments = a["date_line"]
    props.revision = a["version"]
    props.created = props.modified = when


class DocxWriter:
    """Walks tree nodes into a python-docx document (or a cell or footnote)."""

    def __init__(self, document: Any, ctx: RenderContext) -> None:
        self.document, self.ctx = document, ctx
        self.blocks: dict[str, Callable[[Node, Any, int], None]] = {
            n[2:]: getattr(self, n) for n in dir(self) if n.startswith("b_")
        }
        self.inlines: dict[str, Callable[[Node, Any, str | None], None]] = {
            n[2:]: getattr(self, n) for n in dir(self) if n.startswith("i_")
        }

    # walking
    def block(self, node: Node, into: Any, depth: int = 0) -> None:
        handler = self.blocks.get(node.kind)
        if handler is None:
            raise ValueError(f"{node.src}: the DOCX renderer has no handler for '{node.kind}'")
        handler(node, into, depth)

    def blocks_of(self, nodes: list[Node], into: Any, depth: int = 0) -> None:
        for node in nodes:
            self.block(node, into, depth)

    def inline(self, nodes: list[Node], paragraph: Any, style: str | None = None) -> None:
        for node in nodes:
            handler = self.inlines.get(node.kind)
            if handler is None:
                raise ValueError(f"{node.src}: the DOCX renderer has no inline '{node.kind}'")
            handler(node, paragraph, style)

    def para(self, into: Any, style: str, text: str = "") -> Any:
        return into.add_paragraph(text, style=style)

    # blocks
    def b_section(self, node: Node, into: Any, depth: int) -> None:
        a = node.attrs
        level = min(a["level"], 3)
        title = f"{a['label']} {a['title']}" if a.get("label") else a["title"]
        heading = self.para(into, HEADING_STYLES[level - 1], title)
        docxml.add_bookmark(heading, bookmark_name(a["id"]))
        self.blocks_of(node.children, into)

    def b_summary(self, node: Node, into: Any, depth: int) -> None:
        self.blocks_of(node.children, into)

    def b_heading(self, node: Node, into: Any, depth: int) -> None:
        level = min(node.attrs["level"], 3)
        paragraph = self.para(into, HEADING_STYLES[level - 1])
        self.inline(node.children, paragraph)
        docxml.add_bookmark(paragraph, bookmark_name(node.attrs["id"]))

    def b_paragraph(self, node: Node, into: Any, depth: int) -> None:
        self.inline(node.children, self.para(into, "Normal"))

    def _list(self, node: Node, into: Any, depth: int, base: str) -> None:
        style = base if depth == 0 else f"{base} {min(depth + 1, 3)}"
        for item in node.children:
            first = True
            for child in item.children:
                if child.kind == "paragraph" and first:
                    self.inline(child.children, self.para(into, style))
                    first = False
                elif child.kind in ("bullet_list", "ordered_list"):
                    self.block(child, into, depth + 1)
                else:
                    self.block(child, into, depth)

    def b_bullet_list(self, node: Node, into: Any, depth: int) -> None:
        self._list(node, into, depth, "List Bullet")

    def b_ordered_list(self, node: Node, into: Any, depth: int) -> None:
        self._list(node, into, depth, "List Number")

    def b_blockquote(self, node: Node, into: Any, depth: int) -> None:
        for child in node.children:
            if child.kind == "paragraph":
                self.inline(child.children, self.para(into, "Quote"))
            else:
                self.block(child, into, depth)

    def b_code_block(self, node: Node, into: Any, depth: int) -> None:
        self.para(into, "Normal", node.text.rstrip("\n"))

    def b_rule(self, node: Node, into: Any, depth: int) -> None:
        self.para(into, "Normal")

    def b_table(self, node: Node, into: Any, depth: int) -> None:
        rows = node.children
        width = max(
            (sum(int(c.attrs.get("colspan", 1)) for c in r.children) for r in rows), default=1
        )
        table = into.add_table(rows=len(rows), cols=width)
        table.style = self.document.styles["CRS Table"]
        for r, row in enumerate(rows):
            col = 0
            for cell_node in row.children:
                span = int(cell_node.attrs.get("colspan", 1))
                cell = table.cell(r, col)
                if span > 1:
                    cell = cell.merge(table.cell(r, col + span - 1))
                paragraph = cell.paragraphs[0]
                paragraph.style = self.document.styles["Table Text"]
                style = (
                    "Strong" if cell_node.attrs.get("header") or row.attrs.get("total") else None
                )
                self.inline(cell_node.children, paragraph, style)
                col += span
        headers = sum(1 for r in rows if r.attrs.get("header"))
        if headers:
            docxml.repeat_header_rows(table, headers)

    def b_figure(self, node: Node, into: Any, depth: int) -> None:
        a = node.attrs
        caption = self.para(into, "Caption")
        number = a["number"]
        prefix, _, count = number.rpartition("-")
        label_run_start = f"{a['label']} {prefix + '-' if prefix else ''}"
        caption.add_run(label_run_start)
        seq = f"{a['label']}{prefix}"
        docxml.add_field(caption, f"SEQ {seq} \\* ARABIC", count)
        docxml.add_bookmark(caption, bookmark_name(a["anchor"]))
        caption.add_run(f". {a['title']}")
        if a.get("unit"):
            self.para(into, "Figure Unit", a["unit"])
        if a["label"] == "Table":
            self.blocks_of(node.children, into)
        else:
            self.picture(node, into)
        self.figure_notes(a, into)

    def picture(self, node: Node, into: Any) -> None:
        a = node.attrs
        data = self._image_bytes(a)
        paragraph = self.para(into, "Figure")
        if data is None:
            paragraph.add_run(a["alt"])
            return
        shape = paragraph.add_run().add_picture(io.BytesIO(data), width=WIDTHS[a["width"]])
        docxml.set_alt_text(shape, a["alt"], a["title"])

    def _image_bytes(self, a: dict[str, Any]) -> bytes | None:
        if a["kind"] == "image":
            if a["file"].lower().endswith(".svg"):
                where = Location(a["file"])
                self.ctx.warnings.warn(where, "an SVG image shows as its alt text in DOCX")
                return None
            with open(a["file"], "rb") as handle:
                return handle.read()
        return self.ctx.assets.files.get(a["id"], {}).get("png")

    def figure_notes(self, a: dict[str, Any], into: Any) -> None:
        source = self.para(into, "Source Note")
        source.add_run(a["source_label"], style="Strong")
        source.add_run(f" {a['source']}")
        if a.get("notes"):
            notes = self.para(into, "Source Note")
            notes.add_run(a["notes_label"], style="Strong")
            notes.add_run(" " + " ".join(a["notes"]))
        for letter, text in a.get("lettered", []):
            self.para(into, "Source Note", f"{letter}. {text}")

    # inlines
    def i_text(self, node: Node, paragraph: Any, style: str | None) -> None:
        paragraph.add_run(node.text, style=style)

    def i_softbreak(self, node: Node, paragraph: Any, style: str | None) -> None:
        paragraph.add_run(" ", style=style)

    def i_hardbreak(self, node: Node, paragraph: Any, style: str | None) -> None:
        paragraph.add_run(style=style).add_break(WD_BREAK.LINE)

    def i_emph(self, node: Node, paragraph: Any, style: str | None) -> None:
        if style == LINK:  # a run has one character style: the link's, set in italics
            for run in self.runs_of(node.children, paragraph, LINK):
                run.italic = True
        else:
            self.inline(node.children, paragraph, "Emphasis")

    def i_strong(self, node: Node, paragraph: Any, style: str | None) -> None:
        if style == LINK:
            for run in self.runs_of(node.children, paragraph, LINK):
                run.bold = True
            return
        lead = not paragraph.runs and paragraph.style.name == "Normal"
        self.inline(node.children, paragraph, "Run-in Lead" if lead else "Strong")

    def runs_of(self, nodes: list[Node], paragraph: Any, style: str | None) -> list[Any]:
        """Render ``nodes`` into ``paragraph``; return the runs added."""
        mark = docxml.content_mark(paragraph)
        self.inline(nodes, paragraph, style)
        return docxml.runs_since(paragraph, mark)

    def i_code(self, node: Node, paragraph: Any, style: str | None) -> None:
        paragraph.add_run(node.text, style=style)

    def i_link(self, node: Node, paragraph: Any, style: str | None) -> None:
        from .htmlwalk import safe_href

        href = safe_href(node.attrs.get("href", ""))
        if href is None or href.startswith("#"):
            self.inline(node.children, paragraph, style)
            return
        runs = self.runs_of(node.children, paragraph, LINK)
        docxml.wrap_hyperlink(paragraph, runs, url=href)

    def i_xref(self, node: Node, paragraph: Any, style: str | None) -> None:
        name = bookmark_name(node.attrs["anchor"])
        docxml.add_field(paragraph, f"REF {name} \\h", node.text)

    def i_sup(self, node: Node, paragraph: Any, style: str | None) -> None:
        paragraph.add_run(node.text, style="Note Letter")

    def i_note_ref(self, node: Node, paragraph: Any, style: str | None) -> None:
        note = docxml.add_footnote(self.document, paragraph)
        first = True
        for child in node.children:
            if not first:
                note.add_run(" ")
            if child.kind == "paragraph":
                self.inline(child.children, note)
            else:  # a list, quote or code in a note: its words, run in (never dropped)
                note.add_run(" ".join(child.plain().split()))
            first = False


# ---- product layouts -------------------------------------------------------------------------


def _masthead(w: DocxWriter, label: str) -> None:
    d = w.document
    w.para(d, "Masthead Org", house.CRS)
    w.para(d, "Masthead Label", label)


def _disclaimer(w: DocxWriter, doc: Node) -> None:
    d = w.document
    w.para(d, "Disclaimer Heading", "Disclaimer")
    w.para(d, "Disclaimer", house.DISCLAIMER)


def _author_information(w: DocxWriter, doc: Node) -> None:
    authors = doc.attrs["authors"]
    if not authors:
        return
    d = w.document
    heading = w.para(d, "Heading 1", "Author Information")
    docxml.add_bookmark(heading, bookmark_name("author-information"))
    for author in authors:
        line = w.para(d, "Author Line", author["name"])
        if author["title"]:
            line.add_run().add_break(WD_BREAK.LINE)
            line.add_run(author["title"])


def _footer(section: Any, w: DocxWriter, left: str, first_page: bool = False) -> None:
    footer = (section.first_page_footer if first_page else section.footer).paragraphs[0]
    footer.style = w.document.styles["Footer"]
    footer.add_run(f"{left}\t\t")
    docxml.add_field(footer, "PAGE", "1")


def _header(section: Any, w: DocxWriter, text: str) -> None:
    header = section.header.paragraphs[0]
    header.style = w.document.styles["Header"]
    header.add_run(text)


def _version_line(w: DocxWriter, doc: Node) -> None:
    w.para(w.document, "Version Footer", doc.attrs["version_footer"])


def _body(w: DocxWriter, doc: Node) -> None:
    w.blocks_of([n for n in doc.children if n.kind != "summary"], w.document)


def in_focus(w: DocxWriter, doc: Node) -> None:
    """Masthead and title full width, body in two columns, Disclaimer full width."""
    d, a = w.document, doc.attrs
    first = d.sections[0]
    docxml.different_first_page(first)
    _header(first, w, a["title"])
    _footer(first, w, house.URL)
    _footer(first, w, house.URL, first_page=True)
    _masthead(w, "IN FOCUS")
    w.para(d, "Date Line", a["date_line"])
    w.para(d, "Title", a["title"])
    body = d.add_section(WD_SECTION.CONTINUOUS)
    docxml.set_columns(body, 2)
    _body(w, doc)
    for author in a["authors"]:
        line = w.para(d, "Author Line")
        line.add_run(author["name"], style="Strong")
        if author["title"]:
            line.add_run(f", {author['title']}")
    w.para(d, "Product Number", a["id"])
    end = d.add_section(WD_SECTION.CONTINUOUS)
    docxml.set_columns(end, 1)
    _disclaimer(w, doc)
    _version_line(w, doc)


def insight(w: DocxWriter, doc: Node) -> None:
    """One column; header with page number from page 2; Author Information, Disclaimer."""
    d, a = w.document, doc.attrs
    first = d.sections[0]
    docxml.different_first_page(first)
    _header(first, w, house.CRS + "\t\t")
    docxml.add_field(first.header.paragraphs[0], "PAGE", "2")
    _first_footer(first, w, doc, "CRS INSIGHT")
    _masthead(w, "INSIGHT")
    w.para(d, "Title", a["title"])
    w.para(d, "Date Line", a["date_line"])
    _body(w, doc)
    _author_information(w, doc)
    _disclaimer(w, doc)
    _version_line(w, doc)


def _first_footer(section: Any, w: DocxWriter, doc: Node, tag: str) -> None:
    footer = section.first_page_footer.paragraphs[0]
    footer.style = w.document.styles["Footer"]
    footer.add_run(f"{house.CRS}\t\t{tag}")
    footer.add_run().add_break(WD_BREAK.LINE)
    footer.add_run(f"{house.URL}\t\t{house.PREPARED_FOR}")
    footer.add_run().add_break(WD_BREAK.LINE)
    footer.add_run(doc.attrs["id"])


def report(w: DocxWriter, doc: Node) -> None:
    """Cover, SUMMARY page, Contents (TOC field with its result filled in), body, end matter."""
    d, a = w.document, doc.attrs
    first = d.sections[0]
    docxml.different_first_page(first)
    _header(first, w, a["title"])
    _footer(first, w, house.CRS)
    w.para(d, "Title", a["title"])
    w.para(d, "Date Line", a["date_line"])
    for text in (house.CRS, house.URL, a["id"]):
        w.para(d, "Cover Line", text)
    _page_break(w)
    _summary_page(w, doc)
    _contents(w, doc)
    _body(w, doc)
    _author_information(w, doc)
    _disclaimer(w, doc)
    _version_line(w, doc)


def _page_break(w: DocxWriter) -> None:
    w.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _summary_page(w: DocxWriter, doc: Node) -> None:
    summary = [n for n in doc.children if n.kind == "summary"]
    if not summary:
        return
    d, a = w.document, doc.attrs
    table = d.add_table(rows=1, cols=2)
    table.style = d.styles["Summary Layout"]
    side, main = table.cell(0, 0), table.cell(0, 1)
    side.width, main.width = Inches(1.8), Inches(4.7)
    side.paragraphs[0].style = d.styles["Sidebar"]
    side.paragraphs[0].add_run(a["id"], style="Strong")
    w.para(side, "Sidebar", a["date_line"])
    for author in a["authors"]:
        line = w.para(side, "Sidebar")
        line.add_run(author["name"], style="Strong")
        if author.get("coordinator"):
            line.add_run(", Coordinator")
        if author["title"]:
            line.add_run().add_break(WD_BREAK.LINE)
            line.add_run(author["title"])
    main.paragraphs[0].style = d.styles["Summary Label"]
    main.paragraphs[0].add_run("SUMMARY")
    w.para(main, "Summary Title", a["title"])
    w.blocks_of(summary, main)
    _page_break(w)


def _contents(w: DocxWriter, doc: Node) -> None:
    from .page import toc

    d = w.document
    w.para(d, "TOC Heading", "Contents")
    entries = [
        (e["level"], e["title"], bookmark_name(e["id"]), None) for e in toc(doc) if e["level"] <= 3
    ]
    if doc.attrs["authors"]:
        entries.append((1, "Author Information", bookmark_name("author-information"), None))
    docxml.add_toc(d, entries)
    figures = [n for n in doc.walk() if n.kind == "figure"]
    for label, title in (("Figure", "Figures"), ("Table", "Tables")):
        listed = [f for f in figures if f.attrs["label"] == label]
        if listed:
            w.para(d, "TOC Heading", title)
            for f in listed:
                text = f"{label} {f.attrs['number']}. {f.attrs['title']}"
                w.para(d, "Table of Figures", text)
    _page_break(w)


LAYOUTS: dict[str, Callable[[DocxWriter, Node], None]] = {
    "in_focus": in_focus,
    "insight": insight,
    "report": report,
}
