"""The HTML page for a product layout, used as is (HTML) or printed (PDF)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .. import house
from ..resources import templates_dir
from ..tree import Node
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


def toc(doc: Node, depth: int = 3) -> list[dict[str, Any]]:
    """Contents entries: sections and prose headings down to ``depth``."""
    entries = []
    for node in doc.walk():
        level = node.attrs.get("level", 99)
        if node.kind == "section" and level <= depth:
            label = node.attrs.get("label")
            title = f"{label} {node.attrs['title']}" if label else node.attrs["title"]
            entries.append(
                {
                    "id": node.attrs["id"],
                    "title": title,
                    "level": level,
                    "kind": node.attrs["kind"] if level == 1 else "section",
                }
            )
        elif node.kind == "heading" and level <= depth:
            entries.append(
                {"id": node.attrs["id"], "title": node.plain(), "level": level, "kind": "heading"}
            )
    return entries


def page(
    doc: Node,
    print_mode: bool,
    stylesheet: str,
    figures: dict[str, dict[str, bytes]],
    epoch: int,
) -> str:
    """The whole page for ``doc`` in its product's layout."""
    writer = (PrintWriter if print_mode else HtmlWriter)(figures)
    summary = [n for n in doc.children if n.kind == "summary"]
    body_nodes = [n for n in doc.children if n.kind != "summary"]
    summary_markup = writer.render(summary) if summary else ""
    body = writer.render(body_nodes)
    template = environment().get_template(f"{doc.attrs['product']}.html.j2")
    return template.render(
        doc=doc.attrs,
        body=body,
        summary=summary_markup,
        notes=writer.notes_block() if not print_mode else "",
        toc=toc(doc),
        figures_list=[n.attrs for n in doc.walk() if n.kind == "figure"],
        css=Markup(stylesheet),
        stamp=dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        house=house,
        product_name=house.PRODUCT_NAMES[doc.attrs["product"]],
    )
