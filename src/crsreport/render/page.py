"""The HTML page for a product layout, used as is (HTML) or printed (PDF)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from ..products import product_for
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


def css(*names: str) -> str:
    """House stylesheets joined in order."""
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
