"""CRS forms of sources, formatted by citeproc-py with ``templates/csl/crs.csl``.

citeproc-py writes small HTML (``<i>``, ``<b>``); it is read back here into tree nodes,
so italics reach every renderer as ``emph`` and a source's URL becomes a ``link``.
Two things citeproc-py does not do are done here: American punctuation inside closing
quotes (its punctuation-in-quote option is not implemented) and hyphens kept in
pinpoints (it always turns a locator's "-" into an en dash; CRS writes "pp. 1-2").
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..resources import templates_dir
from ..tree import Element, Emph, Link, Node, Strong, Text
from .bibliography import Entry
from .syntax import Item

HYPHEN = "\ue000"  # stands for "-" in locators while citeproc-py formats them
QUOTE_PUNCTUATION = re.compile(r"”([.,])")
MARKUP: dict[str, type[Element]] = {"i": Emph, "em": Emph, "b": Strong, "strong": Strong}


def style_path() -> Path:
    """The CRS citation style shipped with crsreport."""
    return templates_dir() / "csl" / "crs.csl"


class Formatter:
    """Formats one report's citations in reading order (first and later citations differ)."""

    def __init__(self, entries: dict[str, Entry]) -> None:
        from citeproc import CitationStylesBibliography, CitationStylesStyle, formatter
        from citeproc.source.json import CiteProcJSON

        self.entries = entries
        style = CitationStylesStyle(str(style_path()), locale="en-US", validate=False)
        source = CiteProcJSON([entry.csl for entry in entries.values()])
        self.bibliography = CitationStylesBibliography(style, source, formatter.html)

    def note(self, item: Item) -> list[Node]:
        """The footnote form: full on first citation, short (hereinafter) later.

        A CRS product's or a law's note never prints its URL, so its first words link to it.
        """
        cited = self._register(item)
        nodes = self._nodes(item, self.bibliography.cite(cited.citation, _unknown))
        entry = self.entries[item.key]
        return _link_head(nodes, entry.url) if entry.form in ("crs", "law") else nodes

    def in_text(self, item: Item) -> list[Node]:
        """The in-text form used by products without footnotes (In Focus, Insight), its
        leading words linked to the source's URL."""
        cited = self._register(item)
        rendered = self.bibliography.style.render_bibliography([cited])
        return _link_head(self._nodes(item, _flatten(rendered)), self.entries[item.key].url)

    def _register(self, item: Item) -> Any:
        from citeproc import Citation, CitationItem, Locator

        extra = {}
        if item.locator:
            extra["locator"] = Locator(item.label or "page", item.locator.replace("-", HYPHEN))
        cited = CitationItem(item.key, **extra)
        self.bibliography.register(Citation([cited]))
        return cited

    def _nodes(self, item: Item, html: str) -> list[Node]:
        html = QUOTE_PUNCTUATION.sub(r"\1”", str(html).replace(HYPHEN, "-"))
        nodes = _HtmlToNodes.parse(html)
        url = self.entries[item.key].url
        return _link_url(nodes, url) if url else nodes


def _unknown(item: Any) -> str:
    raise KeyError(item.key)  # keys are checked before formatting; this is a bug


def _flatten(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "".join(_flatten(v) for v in value)
    return "" if value is None else str(value)


class _HtmlToNodes(HTMLParser):
    """citeproc-py's HTML output → inline nodes (italic → emph, bold → strong)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[Element] = [Element()]

    @classmethod
    def parse(cls, html: str) -> list[Node]:
        parser = cls()
        parser.feed(html)
        parser.close()
        return parser.stack[0].children

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = MARKUP.get(tag, Element)()
        self.stack[-1].children.append(node)
        self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if len(self.stack) > 1:
            node = self.stack.pop()
            if type(node) is Element:  # markup no renderer needs: keep its text only
                parent = self.stack[-1].children
                parent[parent.index(node) : parent.index(node) + 1] = node.children

    def handle_data(self, data: str) -> None:
        siblings = self.stack[-1].children
        last = siblings[-1] if siblings else None
        if isinstance(last, Text):
            last.text += data
        else:
            siblings.append(Text(text=data))


def _link_url(nodes: list[Node], url: str) -> list[Node]:
    """Each occurrence of ``url`` in top-level text becomes a link to it."""
    out: list[Node] = []
    for node in nodes:
        if not isinstance(node, Text) or url not in node.text:
            out.append(node)
            continue
        parts = node.text.split(url)
        for i, part in enumerate(parts):
            if i:
                out.append(Link(children=[Text(text=url)], href=url))
            if part:
                out.append(Text(text=part))
    return out


def _link_head(nodes: list[Node], url: str | None) -> list[Node]:
    """The words before the first italic title linked to ``url`` (when no link is there yet).

    The link stops before an italic title ("CRS Report R41609, *Title*"), so the title
    stays italic in DOCX, where a hyperlink run carries only the Hyperlink style.
    """
    if not url or any(isinstance(node, Link) for node in nodes):
        return nodes
    cut = next((i for i, n in enumerate(nodes) if not isinstance(n, Text)), 0) or len(nodes)
    head, tail = nodes[:cut], nodes[cut:]
    last = head[-1]
    if tail and isinstance(last, Text) and last.text.endswith(", "):
        last.text = last.text[:-2]
        tail.insert(0, Text(text=", "))
    return [Link(children=head, href=url), *tail]
