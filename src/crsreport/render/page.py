"""The HTML page for a product layout, used as is (HTML) or printed (PDF)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .. import house
from ..resources import templates_dir
from ..tree import Document, Figure, Heading, Section, Summary
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


def css(*names: str) -> str:
    """House stylesheets joined in order."""
    folder = templates_dir() / "css"
    return "\n".join((folder / name).read_text(encoding="utf-8") for name in names)


def toc(doc: Document, depth: int = 3) -> list[dict[str, Any]]:
    """Contents entries: sections and prose headings down to ``depth``."""
    entries = []
    for node in doc.walk():
        if isinstance(node, Section) and node.level <= depth:
            title = f"{node.label} {node.title}" if node.label else node.title
            kind = node.section_kind if node.level == 1 else "section"
            entries.append({"id": node.id, "title": title, "level": node.level, "kind": kind})
        elif isinstance(node, Heading) and node.level <= depth:
            entries.append(
                {"id": node.id, "title": node.plain(), "level": node.level, "kind": "heading"}
            )
    return entries


def page(
    doc: Document,
    print_mode: bool,
    stylesheet: str,
    figures: dict[str, dict[str, bytes]],
    epoch: int,
) -> str:
    """The whole page for ``doc`` in its product's layout."""
    writer = (PrintWriter if print_mode else HtmlWriter)(figures)
    summary = [n for n in doc.children if isinstance(n, Summary)]
    body_nodes = [n for n in doc.children if not isinstance(n, Summary)]
    summary_markup = writer.render(summary) if summary else ""
    body = writer.render(body_nodes)
    template = environment().get_template(f"{doc.product}.html.j2")
    return template.render(
        doc=doc,
        body=body,
        summary=summary_markup,
        notes=writer.notes_block() if not print_mode else "",
        toc=toc(doc),
        figures_list=[n for n in doc.walk() if isinstance(n, Figure)],
        css=Markup(stylesheet),
        stamp=dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        house=house,
        product_name=house.PRODUCT_NAMES[doc.product],
    )
