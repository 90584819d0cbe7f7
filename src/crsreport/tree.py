"""The format-neutral document tree: the contract between resolving and every writer.

One class per node type, each declaring its fields; the tree holds plain data only (no
models, no callables), so it pickles, compares and serialises as it is. Everything a
product prints is decided before a writer runs and is carried here as fields: a writer
walks the tree with a ``Visitor`` and only renders. ``kind`` (the class's snake-case
name) names a type in the JSON form and in messages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, Generic, TypeVar


@dataclass(frozen=True)
class Source:
    """The file and line a node came from."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"


NODE_CLASSES: dict[str, type[Node]] = {}
"""Every node class by kind, in declaration order (blocks, inlines, furniture)."""


@dataclass(eq=False, kw_only=True)
class Node:
    """What every node has: where it came from. Leaves have no children."""

    kind: ClassVar[str] = "node"
    inline: ClassVar[bool] = False
    furniture: ClassVar[bool] = False  # page furniture, placed by the product's layout
    children: ClassVar[list[Node]] = []
    src: Source | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            NODE_CLASSES[cls.kind] = cls

    def walk(self) -> Iterator[Node]:
        """This node and all below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def plain(self) -> str:
        """The node's text with all markup (and any footnote it calls) dropped."""
        return "".join(c.plain() for c in self.children)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form of the subtree (see ``to_dict``)."""
        return to_dict(self)


@dataclass(eq=False, kw_only=True)
class Element(Node):
    """A node that holds other nodes."""

    children: list[Node] = field(default_factory=list)  # type: ignore[misc]


@dataclass(eq=False, kw_only=True)
class Leaf(Node):
    """A node that holds text."""

    text: str = ""

    def plain(self) -> str:
        return self.text


# ---- blocks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    """An author line of the report."""

    name: str
    title: str = ""
    coordinator: bool = False


@dataclass(eq=False, kw_only=True)
class Document(Element):
    """The whole product: its facts, then its furniture and body in reading order."""

    kind: ClassVar[str] = "document"
    id: str
    product: str
    title: str
    date: str
    date_line: str
    version: int
    status: str  # new or updated
    version_footer: str
    lang: str = "en-US"
    authors: list[Author] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class Summary(Element):
    """A Report's summary text (printed on its own page)."""

    kind: ClassVar[str] = "summary"


@dataclass(eq=False, kw_only=True)
class Section(Element):
    """A section of report.yaml: heading facts and its body (subsections included)."""

    kind: ClassVar[str] = "section"
    id: str
    title: str | None  # None: untitled lead text, printed without a heading
    level: int
    section_kind: str = "section"
    label: str | None = None  # "Appendix A." before the title
    letter: str | None = None  # an appendix's letter, prefixed to its figure numbers


@dataclass(eq=False, kw_only=True)
class Heading(Element):
    """A heading written in prose, at its level in the whole report."""

    kind: ClassVar[str] = "heading"
    id: str
    level: int


@dataclass(eq=False, kw_only=True)
class Paragraph(Element):
    """A paragraph of prose."""

    kind: ClassVar[str] = "paragraph"


@dataclass(eq=False, kw_only=True)
class BulletList(Element):
    """A bulleted list of ``ListItem``."""

    kind: ClassVar[str] = "bullet_list"


@dataclass(eq=False, kw_only=True)
class OrderedList(Element):
    """A numbered list; ``start`` is the first item's number."""

    kind: ClassVar[str] = "ordered_list"
    start: int = 1


@dataclass(eq=False, kw_only=True)
class ListItem(Element):
    """One item of a list: its blocks."""

    kind: ClassVar[str] = "list_item"


@dataclass(eq=False, kw_only=True)
class BlockQuote(Element):
    """A block quotation."""

    kind: ClassVar[str] = "blockquote"


@dataclass(eq=False, kw_only=True)
class Table(Element):
    """Rows of cells; header rows first."""

    kind: ClassVar[str] = "table"


@dataclass(eq=False, kw_only=True)
class TableRow(Element):
    """A row; ``header`` rows repeat on each page, a ``total`` row is set bold."""

    kind: ClassVar[str] = "table_row"
    header: bool = False
    total: bool = False
    bold: bool = False  # a subtotal or other row set bold
    indent: int = 0  # levels its first cell is indented (a sub-row)


@dataclass(eq=False, kw_only=True)
class TableCell(Element):
    """A cell; ``align`` is decided in resolve (by the writer's choice or by content)."""

    kind: ClassVar[str] = "table_cell"
    header: bool = False
    align: str | None = None  # left, right, center
    colspan: int = 1


@dataclass(eq=False, kw_only=True)
class CodeBlock(Leaf):
    """Preformatted text."""

    kind: ClassVar[str] = "code_block"


@dataclass(eq=False, kw_only=True)
class Rule(Node):
    """A horizontal rule."""

    kind: ClassVar[str] = "rule"


@dataclass(frozen=True)
class Drawing:
    """What a drawn figure needs: its kind, spec and rows as plain data, and the cache key
    (everything that shapes the picture); the assets stage maps the key to files."""

    figure_kind: str
    spec: dict[str, Any]
    data: dict[str, Any]
    key: str = ""


@dataclass(eq=False, kw_only=True)
class Inlines(Element):
    """A text field written in Markdown (a caption title, unit line, source or note line):
    its inline nodes, parsed once like prose (emphasis, links, cross-references; no notes)."""

    kind: ClassVar[str] = "inlines"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class LetteredNote(Element):
    """A table note keyed by a letter (``a``) placed in a cell; its text as inline nodes."""

    kind: ClassVar[str] = "lettered_note"
    letter: str


@dataclass(eq=False, kw_only=True)
class Figure(Element):
    """A numbered figure or table: caption parts, a picture (drawn or an image file) and/or
    content nodes (a table, or what a figure kind's ``content()`` gives), then notes.
    The caption parts are nodes held in fields; ``walk`` visits them in reading order."""

    kind: ClassVar[str] = "figure"
    id: str
    figure_kind: str
    label: str  # Figure or Table
    anchor: str
    title: Inlines
    number: str = ""
    unit: Inlines | None = None
    source: Inlines = field(default_factory=Inlines)
    source_label: str = "Source:"
    notes: list[Inlines] = field(default_factory=list)
    notes_label: str = "Note:"
    lettered: list[LetteredNote] = field(default_factory=list)
    alt: str = ""
    width: str = "column"
    scale: float = 1.0  # the picture's share of its width (drawn smaller, same type size)
    landscape: bool = False  # on its own landscape page
    file: str | None = None  # an image file (figure kind ``image``)
    drawing: Drawing | None = None

    def walk(self) -> Iterator[Node]:
        """The figure, its caption parts, its content, then its source and notes."""
        yield self
        for part in (self.title, self.unit, *self.children, self.source, *self.notes):
            if part is not None:
                yield from part.walk()
        for note in self.lettered:
            yield from note.walk()


# ---- inlines ---------------------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class Text(Leaf):
    """Text."""

    kind: ClassVar[str] = "text"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Emph(Element):
    """Italics."""

    kind: ClassVar[str] = "emph"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Strong(Element):
    """Bold."""

    kind: ClassVar[str] = "strong"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Lead(Element):
    """A run-in lead: bold words opening a body paragraph (``**China.** During…``)."""

    kind: ClassVar[str] = "lead"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Code(Leaf):
    """Inline code (monospace)."""

    kind: ClassVar[str] = "code"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Link(Element):
    """A link; ``href`` is safe (http, https, mailto or ``#anchor``) or the empty string."""

    kind: ClassVar[str] = "link"
    inline: ClassVar[bool] = True
    href: str = ""


@dataclass(eq=False, kw_only=True)
class SoftBreak(Node):
    """A line break in the source: a space when printed."""

    kind: ClassVar[str] = "softbreak"
    inline: ClassVar[bool] = True

    def plain(self) -> str:
        return " "


@dataclass(eq=False, kw_only=True)
class HardBreak(Node):
    """A forced line break."""

    kind: ClassVar[str] = "hardbreak"
    inline: ClassVar[bool] = True

    def plain(self) -> str:
        return " "


@dataclass(eq=False, kw_only=True)
class NoteRef(Element):
    """A footnote call; its children are the note's blocks, ``n`` its number."""

    kind: ClassVar[str] = "note_ref"
    inline: ClassVar[bool] = True
    label: str
    n: int = 0
    citation: bool = False

    def plain(self) -> str:
        return ""


@dataclass(eq=False, kw_only=True)
class XRef(Leaf):
    """A cross-reference: its printed text (``Figure 2``) and the anchor it links to."""

    kind: ClassVar[str] = "xref"
    inline: ClassVar[bool] = True
    target: str
    anchor: str


@dataclass(eq=False, kw_only=True)
class Superscript(Element):
    """Raised text written ``^th^`` in prose (ordinals, units: ``m^2^``)."""

    kind: ClassVar[str] = "superscript"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Subscript(Element):
    """Lowered text written ``~2~`` in prose (``CO~2~``)."""

    kind: ClassVar[str] = "subscript"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Sup(Leaf):
    """A table-note letter set as a superscript."""

    kind: ClassVar[str] = "sup"
    inline: ClassVar[bool] = True


# ---- page furniture --------------------------------------------------------------------
# Chosen and ordered by the product's layout (products.py), so no writer re-encodes one.


@dataclass(frozen=True)
class ContentsEntry:
    """A line of the Contents or of a list of figures or tables: text and target anchor."""

    id: str
    title: str
    level: int = 1
    appendix: bool = False  # in an appendix: listed apart, under Appendixes


@dataclass(eq=False, kw_only=True)
class RunningHeads(Node):
    """Page header and footer text (``number``: the page number follows); the first page
    shows only the footer ("footer") or nothing ("blank") of these."""

    kind: ClassVar[str] = "running_heads"
    furniture: ClassVar[bool] = True
    header: str = ""
    header_number: bool = False
    footer: str = ""
    footer_number: bool = False
    first_page: str = "blank"


@dataclass(eq=False, kw_only=True)
class Masthead(Node):
    """The organisation's name and tagline over the product label (``IN FOCUS``)."""

    kind: ClassVar[str] = "masthead"
    furniture: ClassVar[bool] = True
    org: str
    tagline: str
    label: str


@dataclass(eq=False, kw_only=True)
class TitleBlock(Leaf):
    """The product's title (the page's one top-level heading)."""

    kind: ClassVar[str] = "title_block"
    furniture: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class DateLine(Leaf):
    """``February 3, 2022`` or ``Updated February 3, 2022``."""

    kind: ClassVar[str] = "date_line"
    furniture: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Cover(Node):
    """A Report's cover page: title, date line, organisation, site and number."""

    kind: ClassVar[str] = "cover"
    furniture: ClassVar[bool] = True
    title: str
    date_line: str
    org: str
    url: str
    id: str


@dataclass(eq=False, kw_only=True)
class FirstPageFooter(Node):
    """The first page's footer (Insight): lines at the left and at the right."""

    kind: ClassVar[str] = "first_page_footer"
    furniture: ClassVar[bool] = True
    left: list[str] = field(default_factory=list)
    right: list[str] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class SummaryPage(Element):
    """A Report's summary page: the side column (number, date, authors) and the summary."""

    kind: ClassVar[str] = "summary_page"
    furniture: ClassVar[bool] = True
    id: str
    date_line: str
    title: str
    label: str = "SUMMARY"
    authors: list[Author] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class Contents(Node):
    """A Report's Contents, then its lists of figures, tables, appendixes and contacts."""

    kind: ClassVar[str] = "contents"
    furniture: ClassVar[bool] = True
    entries: list[ContentsEntry] = field(default_factory=list)
    figures: list[ContentsEntry] = field(default_factory=list)
    tables: list[ContentsEntry] = field(default_factory=list)
    contacts: list[ContentsEntry] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class Main(Element):
    """The main content (the page's main landmark)."""

    kind: ClassVar[str] = "main"
    furniture: ClassVar[bool] = True
    number_from_1: bool = False  # front matter unnumbered, the body's pages from 1 (Report)


@dataclass(eq=False, kw_only=True)
class RunningTitle(Leaf):
    """The title the running header repeats (print only)."""

    kind: ClassVar[str] = "running_title"
    furniture: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Columns(Element):
    """Body text set in ``count`` columns (In Focus)."""

    kind: ClassVar[str] = "columns"
    furniture: ClassVar[bool] = True
    count: int = 2


@dataclass(eq=False, kw_only=True)
class Byline(Node):
    """Authors at the end of the text, then the product number (In Focus)."""

    kind: ClassVar[str] = "byline"
    furniture: ClassVar[bool] = True
    authors: list[Author] = field(default_factory=list)
    id: str


@dataclass(eq=False, kw_only=True)
class Endnotes(Node):
    """Where a web page lists the notes (print and DOCX set them at the page foot)."""

    kind: ClassVar[str] = "endnotes"
    furniture: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Acknowledgments(Element):
    """The writer's acknowledgment, a plain sentence after the text ("X contributed to an
    earlier version of this report.")."""

    kind: ClassVar[str] = "acknowledgments"
    furniture: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class AuthorInformation(Node):
    """The Author Information section (Insight, Report)."""

    kind: ClassVar[str] = "author_information"
    furniture: ClassVar[bool] = True
    id: str = "author-information"
    title: str = "Author Information"
    authors: list[Author] = field(default_factory=list)


@dataclass(eq=False, kw_only=True)
class Disclaimer(Leaf):
    """The CRS disclaimer."""

    kind: ClassVar[str] = "disclaimer"
    furniture: ClassVar[bool] = True
    title: str = "Disclaimer"


@dataclass(eq=False, kw_only=True)
class SiteFooter(Node):
    """The web page's footer: organisation, site and product number."""

    kind: ClassVar[str] = "site_footer"
    furniture: ClassVar[bool] = True
    org: str
    url: str
    id: str


@dataclass(eq=False, kw_only=True)
class VersionFooter(Leaf):
    """``IF11415 · VERSION 7 · UPDATED``, in the last page's footer."""

    kind: ClassVar[str] = "version_footer"
    furniture: ClassVar[bool] = True


# ---- changes (``--compare``) -------------------------------------------------------------


@dataclass(eq=False, kw_only=True)
class Change(Element):
    """Blocks that changed between two versions: ``insert``, ``delete``, ``move_from``,
    ``move_to`` (the same text elsewhere) or ``modify`` (changed inside); ``id`` is the
    anchor the change summary links to."""

    kind: ClassVar[str] = "change"
    change: str
    id: str
    what: str = ""
    move: str = ""  # a move's name, shared by its two ends


@dataclass(eq=False, kw_only=True)
class Inserted(Element):
    """Words added in this version."""

    kind: ClassVar[str] = "inserted"
    inline: ClassVar[bool] = True


@dataclass(eq=False, kw_only=True)
class Deleted(Element):
    """Words removed since the earlier version."""

    kind: ClassVar[str] = "deleted"
    inline: ClassVar[bool] = True


@dataclass(frozen=True)
class ChangeEntry:
    """One line of the change summary: what changed and the anchor of the change."""

    text: str
    anchor: str


@dataclass(eq=False, kw_only=True)
class ChangeSummary(Node):
    """What changed since the earlier version, in a sentence and a linked list."""

    kind: ClassVar[str] = "change_summary"
    furniture: ClassVar[bool] = True
    text: str
    base: str = ""
    changes: list[ChangeEntry] = field(default_factory=list)


# ---- walking ---------------------------------------------------------------------------

T = TypeVar("T")


class UnhandledNode(TypeError):
    """A writer lacks a method for a node class (a bug, named at once)."""


class Visitor(Generic[T]):
    """Dispatches ``visit(node, ...)`` to ``visit_<kind>``; a writer must handle every class.

    The check runs when a writer is made, so a missing method fails every build (and the
    parity test) rather than dropping content in a user's document.
    """

    def __init__(self) -> None:
        missing = [k for k in NODE_CLASSES if not callable(getattr(self, f"visit_{k}", None))]
        if missing:
            names = ", ".join(NODE_CLASSES[k].__name__ for k in missing)
            raise UnhandledNode(f"{type(self).__name__} has no visit_ method for {names}")

    def visit(self, node: Node, *args: Any) -> T:
        return getattr(self, f"visit_{node.kind}")(node, *args)


# ---- plain data ------------------------------------------------------------------------


@cache
def node_fields(cls: type[Node]) -> tuple[dataclasses.Field[Any], ...]:
    """The fields a node class declares of its own (every node's ``src`` and an element's
    ``children`` left out); kept per class, as hashing a long report's tree asks for them
    once per node."""
    return tuple(f for f in dataclasses.fields(cls) if f.name not in ("children", "src"))


def to_dict(node: Node) -> dict[str, Any]:
    """A JSON-ready form of the subtree: ``kind``, the class's fields, ``src``, children."""
    out: dict[str, Any] = {"kind": node.kind}
    for f in node_fields(type(node)):
        out[f.name] = _plain_value(getattr(node, f.name))
    out["src"] = dict(vars(node.src)) if node.src else None  # asdict: 3x slower
    if isinstance(node, Element):
        out["children"] = [to_dict(c) for c in node.children]
    return out


def _plain_value(value: Any) -> Any:
    if isinstance(value, Node):
        return to_dict(value)
    if isinstance(value, Drawing):  # the rows drawn, so a reader need not re-select them
        rows = value.data.get("rows", [])
        return {"figure_kind": value.figure_kind, "key": value.key, "rows": rows}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return value


def from_dict(value: dict[str, Any]) -> Node:
    """The node a ``to_dict`` value describes (drawings come back as their key and rows)."""
    cls = NODE_CLASSES[value["kind"]]
    hints = {f.name: f for f in node_fields(cls)}
    kwargs: dict[str, Any] = {name: _typed(name, value[name]) for name in hints if name in value}
    if value.get("src"):
        kwargs["src"] = Source(**value["src"])
    if issubclass(cls, Element):
        kwargs["children"] = [from_dict(c) for c in value.get("children", [])]
    return cls(**kwargs)


_ENTRIES = ("entries", "figures", "tables", "contacts")


def _typed(name: str, value: Any) -> Any:
    if name == "authors":
        return [Author(**a) for a in value]
    if name == "changes":
        return [ChangeEntry(**e) for e in value]
    if name in _ENTRIES:
        return [ContentsEntry(**e) for e in value]
    if isinstance(value, dict) and "kind" in value:
        return from_dict(value)
    if isinstance(value, list) and value and isinstance(value[0], dict) and "kind" in value[0]:
        return [from_dict(v) for v in value]
    if name == "drawing" and value is not None:
        return Drawing(value["figure_kind"], {}, {"rows": value["rows"]}, value["key"])
    return value
