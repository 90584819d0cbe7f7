"""The HTML page for a product layout, used as is (HTML) or printed (PDF)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..products import TITLE, PageModel, product_for
from ..resources import templates_dir
from ..tree import Document
from .htmlwalk import HtmlWriter, PrintWriter


@cache
def environment() -> Environment:
    """The house template environment (trusted templates, autoescaped)."""
    return Environment(
        loader=FileSystemLoader(templates_dir() / "html"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def css(*names: str) -> str:
    """House stylesheets joined in order (read once per process, as the code fingerprint
    that decides whether a format renders again is)."""
    folder = templates_dir() / "css"
    return "\n".join((folder / name).read_text(encoding="utf-8") for name in names)


def page(
    doc: Document,
    print_mode: bool,
    stylesheet: str,
    figures: dict[str, dict[str, bytes]],
    epoch: int,
    fonts: Callable[[str], str] | None = None,
) -> str:
    """The whole page for ``doc``: the product's layout is in the tree, this adds the head.
    ``fonts`` makes CSS for the characters of the page it is given; its result is put
    before ``stylesheet`` by the template, never by replacing a placeholder (user text
    may hold one)."""
    writer = (PrintWriter if print_mode else HtmlWriter)(figures)
    facts = {
        "doc": doc,
        "document": writer.render([doc]),
        "stamp": dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "product_name": product_for(doc.product).title,
    }
    template = environment().get_template("page.html.j2")
    text = template.render(css=Markup(stylesheet), **facts)
    if fonts is None:
        return text
    return template.render(css=Markup(fonts(text) + stylesheet), **facts)


def page_css(model: PageModel) -> str:
    """The ``@page`` rules and the sizes the product's page model sets: generated, so the
    PDF reads the same record as the DOCX writer and no house string lives in a
    stylesheet's page boxes."""
    top, right, bottom, left = model.margins
    rules = [
        "/* generated from the product's page model (products.PageModel) */",
        "@page {",
        f"  size: {model.width:g}in {model.height:g}in;",
        f"  margin: {top:g}in {right:g}in {bottom:g}in {left:g}in;",
        *(f"  @{box} {{ content: {text}; font: {font}; }}" for box, (text, font) in _boxes(model)),
        "  @footnote {{ margin-top: {:g}pt; border-top: {:g}pt solid #000; "
        "padding-top: {:g}pt; }}".format(*NOTE_RULE),
        "}",
        f"@page landscape {{ size: {model.height:g}in {model.width:g}in; }}",  # a turned page
    ]
    blank = {"same": [], "footer": _TOP, "blank": _TOP + _BOTTOM}[model.first_page]
    if blank:
        rules.append(
            "@page :first { " + " ".join(f"@{b} {{ content: none; }}" for b in blank) + " }"
        )
    rules.append(f"html {{ font-size: {model.font_size:g}pt; }}")
    rules.append(f"body {{ margin: 0; line-height: {LINE_HEIGHT:g}; }}")  # the page's text box
    for level in range(1, len(model.heading_sizes) + 1):
        size, before, after = model.heading(level)
        rules.append(
            f"h{level + 1} {{ font-size: {size:g}pt; margin: {before:g}pt 0 {after:g}pt; }}"
        )
    rules += [
        f"h1.title {{ font-size: {model.title_size:g}pt; }}",
        f".footnote {{ font-size: {model.note_size:g}pt; line-height: {NOTE_LINE_HEIGHT:g}; }}",
        f".masthead-label {{ font-size: {model.label_size:g}pt; }}",
        f".masthead {{ border-bottom-width: {model.rule_weight:g}pt; }}",
        f".columns {{ column-count: {model.columns}; column-gap: {model.column_gap:g}in; }}",
    ]
    rules += [f"{selector} {{ {rule} }}" for selector, rule in _spaces()]
    if model.bullet != "disc":
        rules.append(f"ul {{ list-style-type: {model.bullet}; }}")
    if model.appendix_new_page:
        rules.append(".section.kind-appendix.level-1 { break-before: page; }")
    return "\n".join(rules) + "\n"


LINE_HEIGHT = 1.25
"""The body's line height, in ems (the DOCX's styles read it)."""
HEADING_LINE_HEIGHT = 1.2
NOTE_LINE_HEIGHT = 1.2
"""A footnote's line height, in ems of its size (the DOCX's footnote text reads it)."""
PARA_SPACE = 0.6
"""Space after a paragraph and around a figure, in ems of the body text."""
ITEM_SPACE = 0.25
"""Space after a list item's paragraph, in ems."""
CAPTION_SPACE = 0.2
"""Space between a caption and what it captions, in ems of the caption (body size)."""
UNIT_SIZE = 0.9
"""A figure's unit line, in ems of the caption."""
NOTE_TEXT_SIZE, NOTE_TEXT_SPACE = 0.8, 0.15
"""A figure's source and notes lines: size in ems of the body, space in their own ems."""
TABLE_SIZE = 0.85
"""A data table's cell text, in ems of the body."""
CELL_PADDING = (0.2, 0.4)
"""A table cell's padding (top and bottom, sides), in ems of its text."""
TABLE_SPACE_AFTER = 0.68
"""Space between a data table and its source line, in ems of the body."""
TOC_ENTRY_SPACE = 2.0
"""Points above and below each Contents entry."""
NOTE_RULE = (3.0, 0.5, 3.0)
"""Points above the rule over the footnotes, its weight, and below it: 6.5 pt from the
text to the notes, as LibreOffice lays out a DOCX's footnote separator (measured between
6 and 7 pt; it ignores the separator paragraph's height, which Word reads, so the DOCX
writer gives that paragraph this height too)."""


def _spaces() -> list[tuple[str, str]]:
    """The vertical spacing of blocks, generated so the PDF reads the numbers the DOCX's
    styles are set from (Word and LibreOffice collapse a paragraph's space after with the
    next one's space before, taking the larger, as CSS collapses margins)."""
    pad_y, pad_x = CELL_PADDING
    return [
        ("h2, h3, h4", f"line-height: {HEADING_LINE_HEIGHT:g};"),
        ("p", f"margin: 0 0 {PARA_SPACE:g}em;"),
        ("ul, ol", f"margin: 0 0 {PARA_SPACE:g}em;"),
        ("li > p", f"margin-bottom: {ITEM_SPACE:g}em;"),
        ("figure", f"margin: {PARA_SPACE:g}em 0;"),
        (".caption, table.data-table caption", f"padding-bottom: {CAPTION_SPACE:g}em;"),
        (".figure-unit", f"font-size: {UNIT_SIZE:g}em;"),
        (
            ".figure-source, .figure-notes, .figure-lettered",
            f"font-size: {NOTE_TEXT_SIZE:g}em; margin: {NOTE_TEXT_SPACE:g}em 0;",
        ),
        ("table.data-table", f"margin: 0 0 {TABLE_SPACE_AFTER:g}em;"),
        (".toc li", f"margin: {TOC_ENTRY_SPACE:g}pt 0;"),
        (
            "table.data-table th, table.data-table td",
            f"font-size: {TABLE_SIZE:g}em; padding: {pad_y:g}em {pad_x:g}em;",
        ),
    ]


_TOP = ["top-left", "top-center", "top-right"]
_BOTTOM = ["bottom-left", "bottom-center", "bottom-right"]


def _boxes(model: PageModel) -> list[tuple[str, tuple[str, str]]]:
    """Margin box -> (content, font) for the header, footer, page number and version."""
    header_font = f'{model.header_size:g}pt "Liberation Sans"'
    footer_font = f'{model.footer_size:g}pt "Liberation Sans"'
    boxes: dict[str, tuple[str, str]] = {}
    if model.header:
        text = "string(running-title)" if model.header == TITLE else _quoted(model.header)
        boxes[f"top-{model.header_align}"] = (text, header_font)
    if model.header_number:
        boxes["top-right"] = ("counter(page)", header_font)
    if model.footer:
        boxes["bottom-left"] = (_quoted(model.footer), footer_font)
    if model.version_at:
        boxes[f"bottom-{model.version_at}"] = ("string(version-footer)", footer_font)
    if model.footer_number:
        boxes["bottom-right"] = ("counter(page)", footer_font)
    return list(boxes.items())


def _quoted(text: str) -> str:
    """``text`` as a CSS string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
