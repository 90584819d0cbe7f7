"""DOCX renderer: a walker over the tree that writes named styles from the reference .docx.

It never formats run by run and never touches XML: fields, bookmarks, footnotes,
columns and the TOC go through ``docxml``, the one module that builds raw XML.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from itertools import zip_longest
from typing import Any

from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import (
    WD_ALIGN_PARAGRAPH,
    WD_BREAK,
    WD_LINE_SPACING,
    WD_TAB_ALIGNMENT,
    WD_TAB_LEADER,
)
from docx.shared import Inches, Length, Pt, RGBColor, Twips

from .. import house
from ..errors import Location
from ..products import PageModel, product_for
from ..resources import templates_dir
from ..tree import (
    Acknowledgments,
    AuthorInformation,
    BlockQuote,
    BulletList,
    Byline,
    Change,
    ChangeSummary,
    Code,
    CodeBlock,
    Columns,
    Contents,
    Cover,
    DateLine,
    Deleted,
    Disclaimer,
    Document,
    Emph,
    Endnotes,
    Figure,
    FirstPageFooter,
    HardBreak,
    Heading,
    Inlines,
    Inserted,
    Lead,
    LetteredNote,
    Link,
    ListItem,
    Main,
    Masthead,
    Node,
    NoteRef,
    OrderedList,
    Paragraph,
    Rule,
    RunningHeads,
    RunningTitle,
    Section,
    SiteFooter,
    SoftBreak,
    Strong,
    Subscript,
    Summary,
    SummaryPage,
    Sup,
    Superscript,
    Table,
    TableCell,
    TableRow,
    Text,
    TitleBlock,
    VersionFooter,
    Visitor,
    XRef,
)
from . import RenderContext, docxml
from .docxml import bookmark_name
from .htmlwalk import safe_href
from .page import (
    CAPTION_SPACE,
    CELL_PADDING,
    HEADING_LINE_HEIGHT,
    ITEM_SPACE,
    LINE_HEIGHT,
    NOTE_LINE_HEIGHT,
    NOTE_RULE,
    NOTE_TEXT_SIZE,
    NOTE_TEXT_SPACE,
    PARA_SPACE,
    TABLE_SIZE,
    TABLE_SPACE_AFTER,
    TOC_ENTRY_SPACE,
    UNIT_SIZE,
)
from .tablewidths import column_widths

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
HEADING_STYLES = tuple(f"Heading {n}" for n in range(1, 7))  # h2..h6 and deeper in HTML
INDENT = Inches(0.15)
"""How far each level of a sub-row's first cell is indented."""
ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
}
LINK = "Hyperlink"
CODE = "Code"
BOLD = ("Strong", "Run-in Lead")
BODY_STYLES = (
    *HEADING_STYLES, "Normal", "List Bullet", "List Bullet 2", "List Bullet 3", "List Number",
    "List Number 2", "List Number 3", "Quote", "CRS Table", "Table Text", "Caption", "Figure",
    "Figure Unit", "Source Note", "Strong", "Emphasis", "Run-in Lead", "Hyperlink",
    "Note Letter", "footnote text", "footnote reference", "Code", "Source Label",
)  # fmt: skip
"""The styles the walker uses for sections (the layouts add mastheads, TOC and the rest)."""


def ensure_styles(document: Any) -> list[str]:
    """Copy the body styles a caller's ``document`` lacks from the reference .docx, leaving
    its own styles as they are, so a ``DocxWriter`` can write into it; return names added."""
    reference = DocxDocument(str(templates_dir() / "docx" / "reference.docx"))
    return docxml.copy_styles(reference, document, BODY_STYLES)


SINGLE_LINE = 1.15
"""Word's and LibreOffice's "single" line of Liberation Serif and Sans (and of Times New
Roman and Arial), in ems: the font's hhea ascent + descent + line gap (Serif 1825 + 443 +
87, Sans 1854 + 434 + 67, of 2048), not its Windows ascent + descent (Serif 1.107), which
made every DOCX body line 4% taller than the PDF's."""


def render(doc: Document, ctx: RenderContext) -> bytes:
    """The whole report as a DOCX package with deterministic bytes."""
    document = DocxDocument(str(templates_dir() / "docx" / "reference.docx"))
    _clear_body(document)
    page = product_for(doc.product).page
    apply_page(document, page)
    DocxWriter(document, ctx, page).visit(doc, document, 0)
    docxml.set_separator_height(document, sum(NOTE_RULE))
    when = dt.datetime.fromtimestamp(ctx.epoch, dt.UTC).replace(tzinfo=None)
    _properties(document, doc, when, ctx)
    out = io.BytesIO()
    document.save(out)
    return docxml.normalize_package(out.getvalue(), when)


def apply_page(document: Any, page: PageModel) -> None:
    """The product's page model, which the print stylesheet is generated from, on the
    first section (later sections copy it) and on the styles, so the DOCX lays out as the
    PDF does."""
    section = document.sections[0]
    section.page_width, section.page_height = Inches(page.width), Inches(page.height)
    top, right, bottom, left = (Inches(m) for m in page.margins)
    section.top_margin, section.right_margin = top, right
    section.bottom_margin, section.left_margin = bottom, left
    section.header_distance = section.footer_distance = Inches(page.furniture_inset)
    _type_sizes(document.styles, page)
    docxml.set_rule_weight(document.styles["Masthead Label"], page.rule_weight)
    _spacing(document.styles, page)
    _tabs(document.styles, page)
    if page.bullet == "square":
        for name in ("List Bullet", "List Bullet 2", "List Bullet 3"):
            docxml.set_bullet(document, name, docxml.SQUARE_BULLET)


def _type_sizes(styles: Any, page: PageModel) -> None:
    sizes = {
        "Normal": page.font_size,
        "Title": page.title_size,
        "Masthead Label": page.label_size,
        "Header": page.header_size,
        "Footer": page.footer_size,
        "footnote text": page.note_size,
    }
    for name, size in sizes.items():
        styles[name].font.size = Pt(size)


def _spacing(styles: Any, page: PageModel) -> None:
    """The print stylesheet's line heights, sizes and margins (render/page.py) in Word's
    terms. Word and LibreOffice take the larger of a paragraph's space after and the next
    one's space before, as CSS collapses margins, so each style gets the CSS margins as
    they are; LibreOffice drops a space before at the top of a page, as CSS does."""
    em = page.font_size
    _lines(styles["Normal"], em, after=PARA_SPACE * em)
    for style in styles:  # the sans styles not set below get the body's line height
        sans = style.type == WD_STYLE_TYPE.PARAGRAPH and style.font.name == "Arial"
        if sans and style.paragraph_format.line_spacing is None:
            style.paragraph_format.line_spacing = LINE_HEIGHT / SINGLE_LINE
    for level in range(1, len(page.heading_sizes) + 1):
        size, before, after = page.heading(level)
        heading = styles[HEADING_STYLES[level - 1]]
        heading.font.size = Pt(size)
        _lines(heading, size, before=before, after=after, height=HEADING_LINE_HEIGHT)
    _lines(styles["Caption"], em, before=PARA_SPACE * em, after=CAPTION_SPACE * em)
    _lines(styles["Figure Unit"], UNIT_SIZE * em, after=CAPTION_SPACE * em)
    size = NOTE_TEXT_SIZE * em
    _lines(styles["Source Note"], size, before=NOTE_TEXT_SPACE * size)
    styles["Source Note"].paragraph_format.space_after = Pt(NOTE_TEXT_SPACE * size)
    styles["Figure"].paragraph_format.line_spacing = 1.0  # a picture's line adds no lead
    styles["Figure"].paragraph_format.space_after = Pt(0)
    _lines(styles["Table Text"], TABLE_SIZE * em, before=0, after=0)
    pad_y, pad_x = (Pt(p * TABLE_SIZE * em) for p in CELL_PADDING)
    docxml.set_cell_margins(styles["CRS Table"], pad_y, pad_x)
    for name in ("List Bullet", "List Number", "List Bullet 2", "List Number 2"):
        if name in styles:  # li > p { margin-bottom }; the list's own space is its last's
            _lines(styles[name], em, after=ITEM_SPACE * em)
            docxml.contextual_spacing(styles[name], False)
    _lines(styles["Quote"], em, before=PARA_SPACE * em, after=PARA_SPACE * em)
    _lines(styles["footnote text"], page.note_size, after=0, height=NOTE_LINE_HEIGHT)
    for name in ("Header", "Footer"):  # the footer's lines fit the margin, as in the PDF
        styles[name].paragraph_format.space_after = Pt(0)
        styles[name].paragraph_format.line_spacing = 1.0


def _lines(
    style: Any,
    size: float,
    *,
    before: float | None = None,
    after: float | None = None,
    height: float | None = LINE_HEIGHT,
) -> None:
    """A style's type size, spacing (points) and line height (ems), as the CSS sets them."""
    style.font.size = Pt(round(size * 2) / 2)  # Word keeps half points
    form = style.paragraph_format
    if before is not None:
        form.space_before = Pt(round(before, 2))
    if after is not None:
        form.space_after = Pt(round(after, 2))
    if height is not None:  # a line of at least the CSS height: exact in Word and LibreOffice
        form.line_spacing = Pt(round(height * size, 2))  # both, not a multiple of a font's
        form.line_spacing_rule = WD_LINE_SPACING.AT_LEAST  # own "single" line


def _tabs(styles: Any, page: PageModel) -> None:
    """Right tabs at the text width: the Contents' page numbers, the masthead's label."""
    width = Inches(page.text_width())
    for name in ("toc 1", "toc 2", "toc 3", "Table of Figures"):
        form = styles[name].paragraph_format  # .toc li { margin: 2pt 0 }
        form.space_before = form.space_after = Pt(TOC_ENTRY_SPACE)
        stops = form.tab_stops
        stops.clear_all()
        stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    for name in ("Header", "Footer"):  # the text's centre and right edge
        stops = styles[name].paragraph_format.tab_stops
        stops.clear_all()
        stops.add_tab_stop(Inches(page.text_width() / 2), WD_TAB_ALIGNMENT.CENTER)
        stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    label = styles["Masthead Label"].paragraph_format  # org left, label at the right margin
    label.alignment = WD_ALIGN_PARAGRAPH.LEFT
    label.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def _clear_body(document: Any) -> None:
    for paragraph in list(document.paragraphs):
        paragraph._element.getparent().remove(paragraph._element)


TOC_RANGES = {
    "body": "_CrsContentsBody",
    "appendix": "_CrsContentsAppendixes",
    "contacts": "_CrsContentsContacts",
}
"""The bookmarks around the parts of the body the Contents lists apart (``TOC \\b``)."""


MAX_PROPERTY = 255
"""Word's limit on a text document property (python-docx refuses longer ones)."""


def _properties(document: Any, doc: Document, when: dt.datetime, ctx: RenderContext) -> None:
    props = document.core_properties
    props.title = _property(doc, "title", doc.title, ctx)
    names = "; ".join(x.name for x in doc.authors)
    props.author = _property(doc, "authors", names, ctx) or house.CRS
    props.subject = f"CRS {product_for(doc.product).title} {doc.id}"
    props.identifier = doc.id
    props.keywords = doc.id
    props.language = doc.lang
    props.last_modified_by = "crsreport"
    props.comments = doc.date_line
    props.revision = doc.version
    props.created = props.modified = when


def _property(doc: Document, key: str, text: str, ctx: RenderContext) -> str:
    """``text`` cut to MAX_PROPERTY characters at a word, with a warning when it is cut:
    the page prints it whole, only the file's properties hold the shorter form."""
    if len(text) <= MAX_PROPERTY:
        return text
    cut = text[: MAX_PROPERTY - 1].rsplit(" ", 1)[0].rstrip(" ;,") + "…"
    where = Location(doc.src.file if doc.src else "report.yaml", doc.src and doc.src.line, key)
    ctx.warnings.warn(
        where,
        f"{len(text)} characters are too long for the DOCX file's {key} property "
        f"(at most {MAX_PROPERTY}); it holds the first {len(cut)}, the page prints all",
    )
    return cut


class DocxWriter(Visitor[None]):
    """Walks tree nodes into a python-docx document (or a cell or footnote): blocks are
    visited with ``(into, depth)``, inlines with ``(paragraph, style)``."""

    def __init__(self, document: Any, ctx: RenderContext, page: PageModel | None = None) -> None:
        super().__init__()
        self.document, self.ctx = document, ctx
        self.page = page or PageModel()
        self.doc: Document | None = None  # the report being written, once visited
        self.gap = round(self.page.column_gap * 1440)  # twips between text columns
        self.heads: RunningHeads | None = None  # the page heads, for sections added later
        self.author = house.CRS  # who a --compare redline's tracked changes are by
        self.last_paragraph: Any = None  # the paragraph ``para`` added last
        self.page_top = False  # the next body paragraph starts a page (after a forced break)
        self.counts: dict[str, int] = {}  # label -> the last caption number (SEQ fields)
        self.grouped = False  # the Contents lists Appendixes and Contacts apart
        self.part: tuple[str, int] | None = None  # the body's part being written, its range
        self.table_room: tuple[int, bool] | None = None  # a figure's width, and fill it
        self.style_ids: dict[tuple[str, Any], str | None] = {}

    @functools.cached_property
    def revisions(self) -> docxml.Revisions:
        """The marks of a redline's tracked changes, dated by the build (made when needed)."""
        when = dt.datetime.fromtimestamp(self.ctx.epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return docxml.Revisions(self.author, when)

    # walking
    def block(self, node: Node, into: Any, depth: int = 0) -> None:
        if node.inline:
            raise ValueError(f"{node.src}: inline '{node.kind}' where a block belongs")
        self.visit(node, into, depth)

    def blocks_of(self, nodes: list[Node], into: Any, depth: int = 0) -> None:
        for node in nodes:
            self.block(node, into, depth)

    def inline(self, nodes: list[Node], paragraph: Any, style: str | None = None) -> None:
        for node in nodes:
            if not node.inline:
                raise ValueError(f"{node.src}: block '{node.kind}' inside a paragraph")
            self.visit(node, paragraph, style)

    def para(self, into: Any, style: str, text: str = "") -> Any:
        paragraph = into.add_paragraph(text)
        docxml.set_paragraph_style(paragraph, self.style_id(style, WD_STYLE_TYPE.PARAGRAPH))
        self.last_paragraph = paragraph
        if self.page_top and into is self.document:  # as the PDF: no space at a page's top
            paragraph.paragraph_format.space_before = Pt(0)
            self.page_top = False
        return paragraph

    def run(self, paragraph: Any, text: str, style: str | None = None) -> Any:
        sid = self.style_id(style, WD_STYLE_TYPE.CHARACTER) if style else None
        return docxml.add_run(paragraph, text, sid)

    def style_id(self, name: str, kind: Any) -> str | None:
        """A style's id, looked up once per name (python-docx looks it up on every use)."""
        key = (name, kind)
        if key not in self.style_ids:
            self.style_ids[key] = self.document.part.get_style_id(name, kind)
        return self.style_ids[key]

    # blocks
    def visit_document(self, node: Document, into: Any, depth: int) -> None:
        self.doc = node
        if node.authors:
            self.author = node.authors[0].name
        self.blocks_of(node.children, into)

    def visit_section(self, node: Section, into: Any, depth: int) -> None:
        if node.title is None:  # lead text: no heading
            self.blocks_of(node.children, into)
            return
        level = min(node.level, len(HEADING_STYLES))
        title = f"{node.label} {node.title}" if node.label else node.title
        heading = self.para(into, HEADING_STYLES[level - 1], title)
        if node.level == 1 and node.section_kind == "appendix" and self.page.appendix_new_page:
            heading.paragraph_format.page_break_before = True
            heading.paragraph_format.space_before = Pt(0)  # as the PDF: none at a page's top
        docxml.add_bookmark(heading, bookmark_name(node.id))
        if node.level == 1 and into is self.document:
            self.enter_range("appendix" if node.section_kind == "appendix" else "body", heading)
        self.blocks_of(node.children, into)

    def visit_summary(self, node: Summary, into: Any, depth: int) -> None:
        self.blocks_of(node.children, into)

    def visit_heading(self, node: Heading, into: Any, depth: int) -> None:
        level = min(node.level, len(HEADING_STYLES))
        paragraph = self.para(into, HEADING_STYLES[level - 1])
        self.inline(node.children, paragraph)
        docxml.add_bookmark(paragraph, bookmark_name(node.id))

    def visit_paragraph(self, node: Paragraph, into: Any, depth: int) -> None:
        self.inline(node.children, self.para(into, "Normal"))

    def _list(self, node: Node, into: Any, depth: int, base: str, start: int | None) -> None:
        style = base if depth == 0 else f"{base} {min(depth + 1, 3)}"
        num_id = None
        for item in node.children:
            first = True
            for child in item.children:
                if isinstance(child, Paragraph) and first:
                    paragraph = self.para(into, style)
                    if start is not None:  # each numbered list counts from its own start
                        if num_id is None:
                            num_id = docxml.restart_numbering(paragraph, start)
                        else:
                            docxml.set_numbering(paragraph, num_id)
                    self.inline(child.children, paragraph)
                    first = False
                elif isinstance(child, BulletList | OrderedList):
                    self.block(child, into, depth + 1)
                else:
                    self.block(child, into, depth)
        if depth == 0 and self.last_paragraph is not None:  # ul, ol { margin-bottom }
            space = Pt(round(PARA_SPACE * self.page.font_size, 2))
            self.last_paragraph.paragraph_format.space_after = space

    def visit_bullet_list(self, node: BulletList, into: Any, depth: int) -> None:
        self._list(node, into, depth, "List Bullet", None)

    def visit_ordered_list(self, node: OrderedList, into: Any, depth: int) -> None:
        self._list(node, into, depth, "List Number", node.start)

    def visit_list_item(self, node: ListItem, into: Any, depth: int) -> None:
        self.blocks_of(node.children, into, depth)  # items are laid out by their list

    def visit_blockquote(self, node: BlockQuote, into: Any, depth: int) -> None:
        for child in node.children:
            if isinstance(child, Paragraph):
                self.inline(child.children, self.para(into, "Quote"))
            else:
                self.block(child, into, depth)

    def visit_code_block(self, node: CodeBlock, into: Any, depth: int) -> None:
        self.para(into, "Normal").add_run(node.text.rstrip("\n"), style=CODE)

    def visit_rule(self, node: Rule, into: Any, depth: int) -> None:
        self.para(into, "Normal")

    def visit_table(self, node: Table, into: Any, depth: int) -> None:
        """Row by row, each row's cells read once (``table.cell(r, c)`` rebuilds the
        whole grid per call: a 2,000-row table took minutes); columns as wide as their
        content wants, within the room the table has."""
        rows = node.children
        width = max((sum(c.colspan for c in r.children) for r in rows), default=1)
        table = into.add_table(rows=0, cols=width)
        table.style = self.document.styles["CRS Table"]
        room, fill = self.table_room or (docxml.column_width(self.document.sections[-1]), False)
        cell_width = getattr(into, "width", None)  # a table in a table cell (the summary)
        room = min(room, cell_width) if cell_width else room
        widths = [Twips(int(w * 20)) for w in column_widths(node, Length(room).pt, fill)]
        if widths:
            docxml.set_column_widths(table, widths)
        grid = widths or [None] * width
        for row in rows:
            tr = docxml.add_row(table, grid)
            self._row(tr, row)
            docxml.cant_split(tr)  # a row never breaks across pages
            if row.header:
                docxml.repeat_header_row(tr)

    def _row(self, tr: Any, row: TableRow) -> None:
        cells = tr.cells  # one cell per grid column, read once
        col = 0
        for cell_node in row.children:
            cell = cells[col]
            if cell_node.colspan > 1:
                cell = cell.merge(cells[col + cell_node.colspan - 1])
            self.visit(cell_node, cell, row)
            col += cell_node.colspan

    def visit_table_row(self, node: TableRow, into: Any, depth: int) -> None:
        raise ValueError(f"{node.src}: a table row outside a table")  # rows go through _row

    def visit_table_cell(self, node: TableCell, cell: Any, row: TableRow) -> None:
        paragraph = cell.paragraphs[0]
        docxml.set_paragraph_style(paragraph, self.style_id("Table Text", WD_STYLE_TYPE.PARAGRAPH))
        if node.align:
            paragraph.alignment = ALIGN[node.align]
        if row.indent and node is row.children[0]:
            paragraph.paragraph_format.left_indent = INDENT * row.indent
        bold = node.header or row.total or row.bold
        self.inline(node.children, paragraph, "Strong" if bold else None)

    def visit_figure(self, node: Figure, into: Any, depth: int) -> None:
        if node.landscape and into is self.document:
            self.landscape(node, into)
            return
        columns = docxml.column_count(self.document.sections[-1])
        if node.width == "full" and columns > 1 and into is self.document:
            # as figure.width-full { column-span: all }: a one-column stretch of the page
            docxml.set_columns(self.document.add_section(WD_SECTION.CONTINUOUS), 1)
            self.figure(node, into)
            docxml.set_columns(self.document.add_section(WD_SECTION.CONTINUOUS), columns, self.gap)
        elif columns == 1 and into is self.document:
            # figure { break-inside: avoid }: the caption, table or picture and notes go to
            # the next page together, as in the PDF (LibreOffice balances no last page of
            # columns opening with such a block, so In Focus keeps the caption only)
            mark = docxml.block_mark(into)
            self.figure(node, into)
            docxml.keep_together(into, mark)
        else:
            self.figure(node, into)

    def landscape(self, node: Figure, into: Any) -> None:
        """The figure on a landscape page of its own, footed ``CRS-n`` as CRS prints one;
        then the pages turn back, with the footer they had."""
        columns = docxml.column_count(self.document.sections[-1])
        turned = self.new_page_section()
        _orient(turned, WD_ORIENT.LANDSCAPE)
        docxml.set_columns(turned, 1)
        self._footers(turned, "CRS-")
        self.figure(node, into)
        back = self.new_page_section()
        _orient(back, WD_ORIENT.PORTRAIT)
        docxml.set_columns(back, columns, self.gap)
        self._footers(back, "")

    def new_page_section(self) -> Any:
        """A section from a new page on, counting pages on (python-docx copies the last
        section's properties: a restart of the numbering is not carried over)."""
        section = self.document.add_section(WD_SECTION.NEW_PAGE)
        self.page_top = True
        docxml.continue_page_numbers(section)
        docxml.different_first_page(section, False)
        return section

    def _footers(self, section: Any, prefix: str) -> None:
        """The running footer on every page of ``section``, its number after ``prefix``."""
        heads = self.heads
        section.footer.is_linked_to_previous = True  # drop the copied footer
        section.footer.is_linked_to_previous = False  # and start one of its own
        if heads is not None and heads.footer:
            _footer(section, self, heads.footer, heads.footer_number, prefix=prefix)

    def figure(self, node: Figure, into: Any) -> None:
        caption = self.para(into, "Caption")
        prefix, _, count = node.number.rpartition("-")
        caption.add_run(f"{node.label} {prefix + '-' if prefix else ''}")
        # one sequence per label, so the Tables list (TOC \c "Table") finds an appendix's
        # tables too (a sequence of their own, TableA, was left out on a field update);
        # the count is reset (\r) wherever it does not follow on, as at A-1
        follows = count.isdigit() and int(count) == self.counts.get(node.label, 0) + 1
        restart = "" if follows or not count.isdigit() else f" \\r {count}"
        self.counts[node.label] = int(count) if count.isdigit() else 0
        docxml.add_field(caption, f"SEQ {node.label}{restart} \\* ARABIC", count)
        docxml.add_bookmark(caption, bookmark_name(node.anchor))
        caption.add_run(". ")
        self.visit(node.title, caption, None)
        if node.unit:
            self.visit(node.unit, self.para(into, "Figure Unit"), None)
        if node.drawing is not None or node.file is not None:
            self.picture(node, into)
        self.table_room = (self.room(node, into), True)  # a data table fills its figure
        try:
            self.blocks_of(node.children, into)
        finally:
            self.table_room = None
        first = self.figure_notes(node, into)
        em = self.page.font_size
        if node.unit:  # the caption's space goes under its unit line, as in the PDF
            caption.paragraph_format.space_after = Pt(0)
        if any(isinstance(child, Table) for child in node.children):
            first.paragraph_format.space_before = Pt(round(TABLE_SPACE_AFTER * em, 2))
        last = self.last_paragraph.paragraph_format  # figure { margin-bottom }
        last.space_after = Pt(round(PARA_SPACE * em, 2))

    def picture(self, node: Figure, into: Any) -> None:
        data = self._image_bytes(node)
        paragraph = self.para(into, "Figure")
        if data is None:
            paragraph.add_run(node.alt)
            return
        width = int(self.room(node, into) * node.scale)
        if self.page.columns > 1 and node.width != "full":
            # the source may go to the next column: LibreOffice balances no last page whose
            # columns open with a caption, picture and source held together
            paragraph.paragraph_format.keep_with_next = False
        shape = paragraph.add_run().add_picture(io.BytesIO(data), width=width)
        docxml.set_alt_text(shape, node.alt, node.title.plain())

    def room(self, node: Figure, into: Any) -> int:
        """The width a picture fills, as in the PDF (``figure img { width: 100% }``): its
        column, or the page's text width for a full-width figure; a table cell's width
        at most."""
        section = self.document.sections[-1]  # the one the body is being written into
        full = node.width == "full"
        width = docxml.text_width(section) if full else docxml.column_width(section)
        cell_width = getattr(into, "width", None)  # a table cell (the summary page)
        return min(width, cell_width) if cell_width else width

    def _image_bytes(self, node: Figure) -> bytes | None:
        if node.file is not None:
            if node.file.lower().endswith(".svg"):
                where = Location(node.file)
                self.ctx.warnings.warn(where, "an SVG image shows as its alt text in DOCX")
                return None
            with open(node.file, "rb") as handle:
                return handle.read()
        return self.ctx.assets.files.get(node.id, {}).get("png")

    def figure_notes(self, node: Figure, into: Any) -> Any:
        """The source line, notes and lettered notes; returns the source line."""
        source = self.para(into, "Source Note")
        self.run(source, node.source_label, "Source Label")
        source.add_run(" ")
        self.visit(node.source, source, None)
        if node.notes or node.lettered:  # lettered notes follow a bare label, as CRS prints
            notes = self.para(into, "Source Note")
            self.run(notes, node.notes_label, "Source Label")
            for note in node.notes:
                notes.add_run(" ")
                self.visit(note, notes, None)
        self.blocks_of(list(node.lettered), into)
        return source

    def visit_lettered_note(self, node: LetteredNote, into: Any, depth: int) -> None:
        self.inline(node.children, self.para(into, "Source Note", f"{node.letter}. "))

    def visit_inlines(self, node: Inlines, paragraph: Any, style: str | None) -> None:
        self.inline(node.children, paragraph, style)

    # inlines
    def visit_text(self, node: Text, paragraph: Any, style: str | None) -> None:
        self.run(paragraph, node.text, style)

    def visit_softbreak(self, node: SoftBreak, paragraph: Any, style: str | None) -> None:
        paragraph.add_run(" ", style=style)

    def visit_hardbreak(self, node: HardBreak, paragraph: Any, style: str | None) -> None:
        paragraph.add_run(style=style).add_break(WD_BREAK.LINE)

    def visit_emph(self, node: Emph, paragraph: Any, style: str | None) -> None:
        if style == LINK:  # a run has one character style: the link's, set in italics
            for run in self.runs_of(node.children, paragraph, LINK):
                run.italic = True
        else:
            self.inline(node.children, paragraph, "Emphasis")

    def visit_strong(self, node: Strong, paragraph: Any, style: str | None) -> None:
        if style == LINK:
            for run in self.runs_of(node.children, paragraph, LINK):
                run.bold = True
            return
        self.inline(node.children, paragraph, "Strong")

    def visit_lead(self, node: Lead, paragraph: Any, style: str | None) -> None:
        self.inline(node.children, paragraph, "Run-in Lead")

    def runs_of(self, nodes: list[Node], paragraph: Any, style: str | None) -> list[Any]:
        """Render ``nodes`` into ``paragraph``; return the runs added."""
        mark = docxml.content_mark(paragraph)
        self.inline(nodes, paragraph, style)
        return docxml.runs_since(paragraph, mark)

    def visit_code(self, node: Code, paragraph: Any, style: str | None) -> None:
        if style == LINK:  # a run has one character style: a link's look wins
            paragraph.add_run(node.text, style=style)
            return
        run = paragraph.add_run(node.text, style=CODE)
        if style in BOLD:
            run.bold = True
        elif style == "Emphasis":
            run.italic = True

    def visit_link(self, node: Link, paragraph: Any, style: str | None) -> None:
        href = safe_href(node.href)
        if href is None or href.startswith("#"):
            self.inline(node.children, paragraph, style)
            return
        runs = self.runs_of(node.children, paragraph, LINK)
        docxml.wrap_hyperlink(paragraph, runs, url=href)

    def visit_xref(self, node: XRef, paragraph: Any, style: str | None) -> None:
        name = bookmark_name(node.anchor)
        docxml.add_field(paragraph, f"REF {name} \\h", node.text, style)

    def visit_superscript(self, node: Superscript, paragraph: Any, style: str | None) -> None:
        for run in self.runs_of(node.children, paragraph, style):
            run.font.superscript = True

    def visit_subscript(self, node: Subscript, paragraph: Any, style: str | None) -> None:
        for run in self.runs_of(node.children, paragraph, style):
            run.font.subscript = True

    def visit_sup(self, node: Sup, paragraph: Any, style: str | None) -> None:
        self.run(paragraph, node.text, "Note Letter")

    def visit_note_ref(self, node: NoteRef, paragraph: Any, style: str | None) -> None:
        note = docxml.add_footnote(self.document, paragraph)
        first = True
        for child in node.children:
            if not first:
                note.add_run(" ")
            self.note_block(child, note)
            first = False

    def note_block(self, node: Node, note: Any) -> None:
        """A block of a note, run into the note's paragraph (a note is one paragraph)."""
        if isinstance(node, Paragraph):
            self.inline(node.children, note)
        elif isinstance(node, Change):
            mark = docxml.content_mark(note)
            for child in node.children:
                self.note_block(child, note)
            if node.change != "modify":
                added = docxml.content_since(note, mark)
                docxml.track(added, node.change, self.revisions, paragraph_marks=False)
        else:  # a list, quote or code in a note: its words, run in (never dropped)
            note.add_run(" ".join(node.plain().split()))

    # changes since an earlier version (--compare): Word's tracked changes
    def visit_change(self, node: Change, into: Any, depth: int) -> None:
        container = docxml.block_container(into)
        before = set(container)
        self.blocks_of(node.children, into, depth)
        if node.change != "modify":  # a modified block's changes are marked inside it
            added = docxml.elements_since(container, before)
            docxml.track(added, node.change, self.revisions, move=node.move)

    def visit_inserted(self, node: Inserted, paragraph: Any, style: str | None) -> None:
        self._tracked(node, paragraph, style, "insert")

    def visit_deleted(self, node: Deleted, paragraph: Any, style: str | None) -> None:
        self._tracked(node, paragraph, style, "delete")

    def _tracked(self, node: Node, paragraph: Any, style: str | None, change: str) -> None:
        mark = docxml.content_mark(paragraph)
        self.inline(node.children, paragraph, style)
        added = docxml.content_since(paragraph, mark)
        docxml.track(added, change, self.revisions, paragraph_marks=False)

    def visit_change_summary(self, node: ChangeSummary, into: Any, depth: int) -> None:
        pass  # Word lists tracked changes in its review pane; the summary is for readers

    # page furniture
    def visit_running_heads(self, node: RunningHeads, into: Any, depth: int) -> None:
        self.heads = node
        section = self.document.sections[0]
        docxml.different_first_page(section)
        if node.header:
            header = section.header.paragraphs[0]
            header.style = self.document.styles["Header"]
            header.add_run(
                self.header_text(header, node.header) + ("\t\t" if node.header_number else "")
            )
            if node.header_number:
                docxml.add_field(header, "PAGE", "2")
        if node.footer:
            _footer(section, self, node.footer, node.footer_number)
            if node.first_page == "footer":
                _footer(section, self, node.footer, node.footer_number, first_page=True)

    def header_text(self, paragraph: Any, text: str) -> str:
        """``text`` at the page model's place in ``paragraph``, the header: its centre
        tab, or set flush right as the PDF's top-right box (by two tabs, a title wider
        than half the line could not pass the centre stop and wrapped)."""
        if self.page.header_align == "right" and not self.page.header_number:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            return text
        return {"left": "", "center": "\t", "right": "\t\t"}[self.page.header_align] + text

    def visit_masthead(self, node: Masthead, into: Any, depth: int) -> None:
        """One paragraph over the rule, as the PDF's masthead row: the organisation and
        its tagline at the left, the label at the right tab on the tagline's line."""
        line = self.para(into, "Masthead Label")
        line.add_run(node.org, style=_org_style(self.document))
        if node.tagline:
            line.add_run().add_break(WD_BREAK.LINE)
            line.add_run(node.tagline, style="Masthead Tagline")
        line.add_run("\t" + node.label)

    def visit_main(self, node: Main, into: Any, depth: int) -> None:
        if node.number_from_1 and into is self.document:
            self.number_body_from_1()
        self.blocks_of(node.children, into)
        self.close_range()

    def number_body_from_1(self) -> None:
        """The body in a section of its own, numbered from 1 with the running heads; the
        front matter before it keeps its footer text but no number and no header."""
        docxml.drop_trailing_page_break(self.document)
        body = self.new_page_section()
        front = self.document.sections[-2]
        docxml.restart_page_numbers(body, 1)
        self._footers(body, "")
        heads = self.heads
        if heads is not None and heads.header:
            body.header.is_linked_to_previous = True
            body.header.is_linked_to_previous = False
            header = body.header.paragraphs[0]
            header.style = self.document.styles["Header"]
            header.add_run(self.header_text(header, heads.header))
            docxml.clear(front.header.paragraphs[0])
            if heads.footer:
                footer = front.footer.paragraphs[0]
                docxml.clear(footer)
                footer.add_run(heads.footer)

    def visit_title_block(self, node: TitleBlock, into: Any, depth: int) -> None:
        self.para(into, "Title", node.text)

    def visit_date_line(self, node: DateLine, into: Any, depth: int) -> None:
        self.para(into, "Date Line", node.text)

    def visit_columns(self, node: Columns, into: Any, depth: int) -> None:
        docxml.set_columns(self.document.add_section(WD_SECTION.CONTINUOUS), node.count, self.gap)
        self.blocks_of(node.children, into)
        docxml.set_columns(self.document.add_section(WD_SECTION.CONTINUOUS), 1)

    def visit_byline(self, node: Byline, into: Any, depth: int) -> None:
        for author in node.authors:
            line = self.para(into, "Author Line")
            line.add_run(author.name, style="Strong")
            if author.title:
                line.add_run(f", {author.title}")
        self.para(into, "Product Number", node.id)

    def visit_acknowledgments(self, node: Acknowledgments, into: Any, depth: int) -> None:
        self.blocks_of(node.children, into)

    def visit_endnotes(self, node: Endnotes, into: Any, depth: int) -> None:
        pass  # notes are native footnotes at the page foot

    def visit_author_information(self, node: AuthorInformation, into: Any, depth: int) -> None:
        heading = self.para(into, "Heading 1", node.title)
        docxml.add_bookmark(heading, bookmark_name(node.id))
        if into is self.document:
            self.enter_range("contacts", heading)
        for author in node.authors:
            line = self.para(into, "Author Line", author.name)
            if author.title:
                line.add_run().add_break(WD_BREAK.LINE)
                line.add_run(author.title)

    def visit_disclaimer(self, node: Disclaimer, into: Any, depth: int) -> None:
        self.para(into, "Disclaimer Heading", node.title)
        self.para(into, "Disclaimer", node.text)

    def visit_site_footer(self, node: SiteFooter, into: Any, depth: int) -> None:
        pass  # the web page's footer; the document has its page footers

    def visit_version_footer(self, node: VersionFooter, into: Any, depth: int) -> None:
        paragraph = self.para(into, "Version Footer", node.text)
        if self.page.version_at:  # in the last page's footer line, as the PDF prints it
            # the footer's first line: its top, a line above where the footer band starts
            line = Pt(self.page.footer_size * 1.35)
            y = Length(Inches(self.page.height - self.page.furniture_inset) - line)
            width = Inches(self.page.text_width())
            docxml.foot_frame(paragraph, y, self.page.version_at, width)
            paragraph.alignment = _ALIGN[self.page.version_at]
            paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = 0

    def visit_first_page_footer(self, node: FirstPageFooter, into: Any, depth: int) -> None:
        footer = self.document.sections[0].first_page_footer.paragraphs[0]
        footer.style = self.document.styles["Footer"]
        rows = list(zip_longest(node.left, node.right, fillvalue=""))
        for i, (left, right) in enumerate(rows):
            if i:
                footer.add_run().add_break(WD_BREAK.LINE)
            footer.add_run(f"{left}\t\t{right}" if right else left)

    def visit_running_title(self, node: RunningTitle, into: Any, depth: int) -> None:
        pass  # the running header carries the title

    def visit_cover(self, node: Cover, into: Any, depth: int) -> None:
        self.para(into, "Title", node.title)
        self.para(into, "Date Line", node.date_line)
        for text in (node.org, node.url, node.id):
            self.para(into, "Cover Line", text)
        self.page_break(into)

    def page_break(self, into: Any) -> None:
        into.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def visit_summary_page(self, node: SummaryPage, into: Any, depth: int) -> None:
        """The side panel as a frame the summary flows beside, not a layout table: a reader
        (and pandoc) meets panel, heading and text in order, and no data table in between."""
        d = self.document
        side = [self.para(into, "Sidebar")]
        side[0].add_run(node.id, style="Strong")
        side.append(self.para(into, "Sidebar", node.date_line))
        for author in node.authors:
            line = self.para(into, "Sidebar")
            line.add_run(author.name, style="Strong")
            if author.coordinator:
                line.add_run(", Coordinator")
            if author.title:
                line.add_run().add_break(WD_BREAK.LINE)
                line.add_run(author.title)
            side.append(line)
        for paragraph in side:
            docxml.frame(paragraph, Inches(1.8))
        label = d.styles["Summary Label"]
        docxml.heading_not_listed(label, d.styles["Heading 1"])
        self.para(into, "Summary Label", node.label)
        self.para(into, "Summary Title", node.title)
        self.blocks_of(node.children, into)
        self.page_break(into)

    def visit_contents(self, node: Contents, into: Any, depth: int) -> None:
        """Contents, Figures, Tables, Appendixes and Contacts, as the PDF groups them: TOC
        fields whose results already hold the entries, with the page numbers the PDF
        prints (same page model), so Word and LibreOffice show whole lists without
        updating fields; each heading list is scoped (``\\b``) to its part of the body,
        so an update keeps the groups."""
        entries = [e for e in node.entries if e.level <= 3]
        appendixes = [e for e in entries if e.appendix]
        contacts = [e for e in node.contacts if e.level <= 3]
        listed = [*entries, *contacts, *node.figures, *node.tables]
        pages = self.pages_of([e.id for e in listed])
        self.grouped = bool(appendixes or contacts)
        groups = [
            ("Contents", [e for e in entries if not e.appendix], "body", None),
            ("Figures", node.figures, None, "Figure"),
            ("Tables", node.tables, None, "Table"),
            ("Appendixes", appendixes, "appendix", None),
            ("Contacts", contacts, "contacts", None),
        ]
        for title, group, part, label in groups:
            if not group and title != "Contents":
                continue
            self.para(into, "TOC Heading", title)
            if label:
                instruction, style = f'TOC \\h \\z \\c "{label}"', "Table of Figures"
            else:
                scope = f" \\b {TOC_RANGES[part]}" if self.grouped else ""
                instruction, style = docxml.TOC_INSTRUCTION + scope, None
            rows = [(e.level, e.title, bookmark_name(e.id), pages.get(e.id)) for e in group]
            docxml.add_toc(self.document, rows, instruction=instruction, style=style)
        self.page_break(into)

    def enter_range(self, part: str, heading: Any) -> None:
        """The body's part (``TOC_RANGES``) from ``heading`` on, for the scoped lists."""
        if not self.grouped or (self.part is not None and self.part[0] == part):
            return
        self.close_range(heading)
        self.part = (part, docxml.open_range(heading, TOC_RANGES[part]))

    def close_range(self, before: Any = None) -> None:
        """End the open part with the paragraph before ``before`` (or the last one)."""
        if self.part is not None:
            docxml.close_range(self.document, self.part[1], before)
            self.part = None

    def pages_of(self, anchors: list[str]) -> dict[str, str]:
        """The page the PDF prints each anchor on: laid out once, and only when this
        writer's page model is the product's (so the DOCX paginates as the PDF)."""
        doc = self.doc
        if doc is None or product_for(doc.product).page != self.page:
            return {}
        from .pdf import printed_pages

        return printed_pages(doc, self.ctx, set(anchors))


def _org_style(document: Any) -> str:
    """The character style of the masthead's organisation name: Masthead Org's type (the
    paragraph it shares is in the label's), added once from the reference style."""
    name = "Masthead Org Name"
    if name not in document.styles:
        org = document.styles["Masthead Org"].font
        style = document.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        style.font.name, style.font.size, style.font.bold = org.name, org.size, org.bold
        style.font.color.rgb = RGBColor(0, 0, 0)
    return name


def _footer(
    section: Any, w: DocxWriter, text: str, number: bool, first_page: bool = False, prefix: str = ""
) -> None:
    footer = (section.first_page_footer if first_page else section.footer).paragraphs[0]
    footer.style = w.document.styles["Footer"]
    footer.add_run(f"{text}\t\t{prefix}" if number else text)
    if number:
        docxml.add_field(footer, "PAGE", "1")


def _orient(section: Any, orientation: Any) -> None:
    """Turn ``section``'s pages: the orientation, and width and height to match."""
    width, height = section.page_width, section.page_height
    if (orientation == WD_ORIENT.LANDSCAPE) == (width < height):
        section.page_width, section.page_height = height, width
    section.orientation = orientation
