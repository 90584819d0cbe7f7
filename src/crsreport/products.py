"""Products: one record per CRS product, and the registry the CLI, the schema and every
writer read.

A product says which report numbers it takes, what it is called, whether its citations
become footnotes, its page budget, its print stylesheet and ``--init`` scaffold, and its
layout: the furniture (masthead, date line, contents, disclaimer…) placed around the
resolved body as tree nodes, so writers render a layout and never re-encode one. An
installed package adds a product through the ``crsreport.products`` entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import house
from .resources import templates_dir
from .tree import (
    Acknowledgments,
    AuthorInformation,
    Byline,
    Columns,
    Contents,
    ContentsEntry,
    Cover,
    DateLine,
    Disclaimer,
    Document,
    Endnotes,
    Figure,
    FirstPageFooter,
    Heading,
    Main,
    Masthead,
    Node,
    RunningHeads,
    RunningTitle,
    Section,
    SiteFooter,
    Summary,
    SummaryPage,
    TitleBlock,
    VersionFooter,
)

Layout = Callable[[Document], list[Node]]
"""The product's page: furniture and the body (``doc.children``), in reading order."""

TITLE = "{title}"
"""A page header that is the report's title (set per report)."""


@dataclass(frozen=True)
class PageModel:
    """A product's printed page: read by the print stylesheet (its ``@page`` rules are
    generated from it) and by the DOCX writer (section, columns, style sizes), so the PDF
    and the DOCX cannot disagree. Lengths in inches, type sizes in points."""

    width: float = 8.5  # US Letter
    height: float = 11.0
    margins: tuple[float, float, float, float] = (0.8, 0.75, 0.8, 0.75)  # top right bottom left
    furniture_inset: float = 0.35  # page edge to the header's and the footer's text
    columns: int = 1  # body text columns
    column_gap: float = 0.3
    font_size: float = 10.5  # body text
    heading_sizes: tuple[float, ...] = (11.5, 10.5, 10.5)  # section levels 1, 2, 3 and deeper
    heading_space: tuple[tuple[float, float], ...] = ((0.9, 0.3), (0.8, 0.25), (0.7, 0.2))
    """Space before and after a heading of each level, in ems of its own size."""
    title_size: float = 18.0
    label_size: float = 20.0  # the masthead's product label
    rule_weight: float = 2.0  # the rule under the masthead, in points
    header_size: float = 8.5  # running header text
    footer_size: float = 8.0  # footer text
    note_size: float = 8.0  # footnotes at the page foot
    header: str | None = TITLE  # running header: text, TITLE, or none
    header_align: str = "center"  # "left", "center" or "right" (the number goes right)
    header_number: bool = False  # the page number in the header
    footer: str | None = house.URL  # footer text, at the left
    footer_number: bool = False  # the page number in the footer, at the right
    first_page: str = "footer"  # page 1 shows: "same", "footer" (no header), "blank"
    version_at: str | None = "right"  # the last page's footer adds the version line here
    bullet: str = "disc"  # "disc" or "square" (In Focus)
    appendix_new_page: bool = False  # each appendix starts a page

    def text_width(self) -> float:
        return self.width - self.margins[1] - self.margins[3]

    def column_width(self) -> float:
        return (self.text_width() - (self.columns - 1) * self.column_gap) / self.columns

    def heading(self, level: int) -> tuple[float, float, float]:
        """Size, space before and space after (points) of a level-``level`` heading."""
        size = self.heading_sizes[min(level, len(self.heading_sizes)) - 1]
        before, after = self.heading_space[min(level, len(self.heading_space)) - 1]
        return size, round(before * size, 2), round(after * size, 2)

    def running_heads(self, title: str) -> RunningHeads:
        """The page heads of a report called ``title`` (the tree carries them to writers)."""

        def text(value: str | None) -> str:
            return title if value == TITLE else (value or "")

        return RunningHeads(
            header=text(self.header),
            header_number=self.header_number,
            footer=text(self.footer),
            footer_number=self.footer_number,
            first_page=self.first_page,
        )


@dataclass(frozen=True)
class Product:
    """Everything that makes one CRS product what it is."""

    name: str  # report.yaml's ``product`` value and --init's choice
    title: str  # "In Focus"
    label: str  # "IN FOCUS"
    prefixes: tuple[str, ...]  # report numbers it takes: IF11415
    layout: Layout
    footnotes: bool = False  # citations become footnotes; Markdown footnotes are printed
    page_budget: int | None = None  # pages the PDF may take (a warning past it)
    stylesheet: Path | None = None  # print stylesheet (default: templates/css/print-NAME.css)
    scaffold: Path | None = None  # --init folder (default: templates/init/NAME)
    page: PageModel = PageModel()  # page size, margins, columns, type sizes, heads

    def print_css(self) -> Path:
        return self.stylesheet or templates_dir() / "css" / f"print-{self.name}.css"

    def init_folder(self) -> Path:
        return self.scaffold or templates_dir() / "init" / self.name


PRODUCTS: dict[str, Product] = {}


def register_product(product: Product) -> Product:
    """Add a product; a name or a number prefix already taken is refused, owner named."""
    if product.name in PRODUCTS:
        raise ValueError(f"product '{product.name}' is already registered")
    for other in PRODUCTS.values():
        shared = set(product.prefixes) & set(other.prefixes)
        if shared:
            raise ValueError(
                f"product '{product.name}': prefix {', '.join(sorted(shared))} is already "
                f"taken by '{other.name}'"
            )
    PRODUCTS[product.name] = product
    return product


def product_for(name: str) -> Product:
    """The registered product called ``name``."""
    return PRODUCTS[name]


def product_by_prefix(prefix: str) -> str | None:
    """The product whose report numbers start with ``prefix``."""
    return next((p.name for p in PRODUCTS.values() if prefix in p.prefixes), None)


# ---- furniture shared by the CRS products ---------------------------------------------


def masthead(label: str) -> Masthead:
    return Masthead(org=house.CRS, tagline=house.TAGLINE, label=label)


def body(doc: Document) -> list[Node]:
    """The resolved sections, then the acknowledgment (the summary goes on its own page or
    nowhere)."""
    sections = [n for n in doc.children if not isinstance(n, Summary | Acknowledgments)]
    return sections + [n for n in doc.children if isinstance(n, Acknowledgments)]


def closing(doc: Document) -> list[Node]:
    """Disclaimer, the web page's footer and the version footer: every product ends so."""
    return [
        Disclaimer(text=house.DISCLAIMER),
        SiteFooter(org=house.CRS, url=house.URL, id=doc.id),
        VersionFooter(text=doc.version_footer),
    ]


def author_information(doc: Document) -> list[Node]:
    return [AuthorInformation(authors=doc.authors)] if doc.authors else []


def contents(doc: Document, depth: int = 3) -> Contents:
    """Contents entries (sections and prose headings to ``depth``) and the lists."""
    out = Contents()
    appendix = False  # in an appendix: its headings are listed under Appendixes too
    for node in doc.walk():
        if isinstance(node, Section) and node.level == 1:
            appendix = node.section_kind == "appendix"
        if isinstance(node, Section) and node.title and node.level <= depth:
            title = f"{node.label} {node.title}" if node.label else node.title
            out.entries.append(ContentsEntry(node.id, title, node.level, appendix))
        elif isinstance(node, Heading) and node.level <= depth:
            out.entries.append(ContentsEntry(node.id, node.plain(), node.level, appendix))
        elif isinstance(node, Figure):
            entry = ContentsEntry(node.anchor, f"{node.label} {node.number}. {node.title.plain()}")
            (out.tables if node.label == "Table" else out.figures).append(entry)
    if doc.authors:
        out.contacts.append(ContentsEntry("author-information", "Author Information"))
    return out


# ---- the three CRS products --------------------------------------------------------------


IN_FOCUS_PAGE = PageModel(
    margins=(0.6, 0.6, 0.7, 0.6),
    furniture_inset=0.3,
    columns=2,
    font_size=10,
    heading_sizes=(11, 10, 10),
    heading_space=((0.7, 0.25), (0.6, 0.2), (0.7, 0.2)),
    label_size=28,  # the printed In Focus: a heavy label over a heavy rule
    rule_weight=3.5,
    bullet="square",
)
INSIGHT_PAGE = PageModel(
    header=house.CRS,
    header_align="left",
    header_number=True,
    footer=None,
    first_page="blank",
    version_at=None,  # printed after the Disclaimer
)
REPORT_PAGE = PageModel(
    title_size=24,
    header_align="right",
    footer=house.CRS,
    footer_number=True,
    first_page="blank",
    version_at="center",
    appendix_new_page=True,
)


def in_focus_layout(doc: Document) -> list[Node]:
    """Masthead and title full width, the body in two columns ending with the byline."""
    return [
        IN_FOCUS_PAGE.running_heads(doc.title),
        masthead("IN FOCUS"),
        Main(
            children=[
                DateLine(text=doc.date_line),
                TitleBlock(text=doc.title),
                Columns(
                    children=[*body(doc), Byline(authors=doc.authors, id=doc.id)],
                    count=IN_FOCUS_PAGE.columns,
                ),
                Endnotes(),
            ]
        ),
        *closing(doc),
    ]


def insight_layout(doc: Document) -> list[Node]:
    """One column; the first page's footer names CRS and the product."""
    first_footer = FirstPageFooter(
        left=[house.CRS, house.URL, doc.id], right=["CRS INSIGHT", house.PREPARED_FOR]
    )
    main = [TitleBlock(text=doc.title), DateLine(text=doc.date_line), first_footer]
    return [
        INSIGHT_PAGE.running_heads(doc.title),
        masthead("INSIGHT"),
        Main(children=[*main, *body(doc), Endnotes(), *author_information(doc)]),
        *closing(doc),
    ]


def report_layout(doc: Document) -> list[Node]:
    """Cover, summary page, Contents, then the body and end matter."""
    summary = [n for n in doc.children if isinstance(n, Summary)]
    front: list[Node] = [
        Cover(title=doc.title, date_line=doc.date_line, org=house.CRS, url=house.URL, id=doc.id)
    ]
    if summary:
        front.append(
            SummaryPage(
                id=doc.id,
                date_line=doc.date_line,
                title=doc.title,
                authors=doc.authors,
                children=summary,
            )
        )
    front.append(contents(doc))
    main = [RunningTitle(text=doc.title), *body(doc), Endnotes(), *author_information(doc)]
    return [
        REPORT_PAGE.running_heads(doc.title),
        *front,
        Main(children=main, number_from_1=True),
        *closing(doc),
    ]


register_product(
    Product(
        "in_focus",
        "In Focus",
        "IN FOCUS",
        ("IF",),
        in_focus_layout,
        page_budget=2,
        page=IN_FOCUS_PAGE,
    )
)
register_product(
    Product("insight", "Insight", "INSIGHT", ("IN", "LSB"), insight_layout, page=INSIGHT_PAGE)
)
register_product(
    Product(
        "report",
        "Report",
        "REPORT",
        ("R", "RL", "RS"),
        report_layout,
        footnotes=True,
        page=REPORT_PAGE,
    )
)
