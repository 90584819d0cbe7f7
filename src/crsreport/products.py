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
    for node in doc.walk():
        if isinstance(node, Section) and node.title and node.level <= depth:
            title = f"{node.label} {node.title}" if node.label else node.title
            appendix = node.level == 1 and node.section_kind == "appendix"
            out.entries.append(ContentsEntry(node.id, title, node.level, appendix))
        elif isinstance(node, Heading) and node.level <= depth:
            out.entries.append(ContentsEntry(node.id, node.plain(), node.level))
        elif isinstance(node, Figure):
            entry = ContentsEntry(node.anchor, f"{node.label} {node.number}. {node.title.plain()}")
            (out.tables if node.label == "Table" else out.figures).append(entry)
    if doc.authors:
        out.contacts.append(ContentsEntry("author-information", "Author Information"))
    return out


# ---- the three CRS products --------------------------------------------------------------


def in_focus_layout(doc: Document) -> list[Node]:
    """Masthead and title full width, the body in two columns ending with the byline."""
    return [
        RunningHeads(header=doc.title, footer=house.URL, footer_number=True, first_page="footer"),
        masthead("IN FOCUS"),
        Main(
            children=[
                DateLine(text=doc.date_line),
                TitleBlock(text=doc.title),
                Columns(children=[*body(doc), Byline(authors=doc.authors, id=doc.id)]),
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
        RunningHeads(header=house.CRS, header_number=True),
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
        RunningHeads(header=doc.title, footer=house.CRS, footer_number=True),
        *front,
        Main(children=main, number_from_1=True),
        *closing(doc),
    ]


register_product(
    Product("in_focus", "In Focus", "IN FOCUS", ("IF",), in_focus_layout, page_budget=2)
)
register_product(Product("insight", "Insight", "INSIGHT", ("IN", "LSB"), insight_layout))
register_product(
    Product("report", "Report", "REPORT", ("R", "RL", "RS"), report_layout, footnotes=True)
)
