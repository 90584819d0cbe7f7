"""Document tree → HTML markup, shared by the HTML page and the PDF (print) renderer.

Every node kind has one handler; an unknown kind is a named error, never
silently dropped. Text is always escaped; links keep only safe schemes.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from markupsafe import Markup, escape

from ..assets import figure_url
from ..tree import Node

SAFE_SCHEMES = ("http://", "https://", "mailto:", "#")


def safe_href(href: str) -> str | None:
    """The link target if it is safe to print, else None."""
    value = href.strip()
    return value if value.lower().startswith(SAFE_SCHEMES) else None


class HtmlWriter:
    """Walks the tree and returns markup; subclasses change single handlers."""

    print_mode: ClassVar[bool] = False

    def __init__(self, figures: dict[str, dict[str, bytes]] | None = None) -> None:
        self.figures = figures or {}
        self.notes: list[Node] = []
        self.in_link = False  # inside <a>: nested links, xrefs and note calls stay plain
        self.handlers: dict[str, Callable[[Node], str]] = {
            name.removeprefix("h_"): getattr(self, name)
            for name in dir(self)
            if name.startswith("h_")
        }

    def render(self, nodes: list[Node]) -> Markup:
        """Markup for a list of nodes."""
        return Markup("".join(self.node(n) for n in nodes))

    def node(self, node: Node) -> str:
        handler = self.handlers.get(node.kind)
        if handler is None:
            raise ValueError(f"{node.src}: the HTML renderer has no handler for '{node.kind}'")
        return handler(node)

    def inner(self, node: Node) -> str:
        return "".join(self.node(c) for c in node.children)

    # blocks
    def h_section(self, node: Node) -> str:
        a = node.attrs
        level = min(a["level"] + 1, 6)
        label = f'<span class="label">{escape(a["label"])}</span> ' if a.get("label") else ""
        heading = f'<h{level} id="{escape(a["id"])}">{label}{escape(a["title"])}</h{level}>'
        kind = escape(a["kind"].replace("_", "-"))
        return (
            f'<section class="section kind-{kind} level-{a["level"]}" '
            f'aria-labelledby="{escape(a["id"])}">{heading}{self.inner(node)}</section>'
        )

    def h_summary(self, node: Node) -> str:
        return f'<div class="summary-text">{self.inner(node)}</div>'

    def h_heading(self, node: Node) -> str:
        level = min(node.attrs["level"] + 1, 6)
        return f'<h{level} id="{escape(node.attrs["id"])}">{self.inner(node)}</h{level}>'

    def h_paragraph(self, node: Node) -> str:
        return f"<p>{self.inner(node)}</p>"

    def h_bullet_list(self, node: Node) -> str:
        return f"<ul>{self.inner(node)}</ul>"

    def h_ordered_list(self, node: Node) -> str:
        start = node.attrs.get("start", 1)
        attr = f' start="{int(start)}"' if start != 1 else ""
        return f"<ol{attr}>{self.inner(node)}</ol>"

    def h_list_item(self, node: Node) -> str:
        return f"<li>{self.inner(node)}</li>"

    def h_blockquote(self, node: Node) -> str:
        return f"<blockquote>{self.inner(node)}</blockquote>"

    def h_table(self, node: Node) -> str:
        head = [r for r in node.children if r.attrs.get("header")]
        body = [r for r in node.children if not r.attrs.get("header")]
        thead = f"<thead>{''.join(self.node(r) for r in head)}</thead>" if head else ""
        rows = "".join(self.node(r) for r in body)
        return f'<table class="prose-table">{thead}<tbody>{rows}</tbody></table>'

    def h_table_row(self, node: Node) -> str:
        cls = ' class="total"' if node.attrs.get("total") else ""
        return f"<tr{cls}>{self.inner(node)}</tr>"

    def h_table_cell(self, node: Node) -> str:
        tag = "th" if node.attrs.get("header") else "td"
        span = int(node.attrs.get("colspan", 1))
        scope = (' scope="colgroup"' if span > 1 else ' scope="col"') if tag == "th" else ""
        colspan = f' colspan="{span}"' if span > 1 else ""
        align = node.attrs.get("align")
        cls = f' class="align-{escape(align)}"' if align else ""
        return f"<{tag}{scope}{colspan}{cls}>{self.inner(node)}</{tag}>"

    def h_code_block(self, node: Node) -> str:
        return f"<pre><code>{escape(node.text)}</code></pre>"

    def h_rule(self, node: Node) -> str:
        return "<hr>"

    def h_figure(self, node: Node) -> str:
        a = node.attrs
        caption = (
            f'<span class="caption-label">{escape(a["label"])} {escape(a["number"])}.</span> '
            f"{escape(a['title'])}"
        )
        unit = f'<span class="figure-unit">{escape(a["unit"])}</span>' if a.get("unit") else ""
        after = self.figure_notes(a)
        cls = f"figure width-{escape(a['width'])} kind-{escape(a['kind'])}"
        if a["label"] == "Table":
            table = self.inner(node).replace(
                '<table class="prose-table">',
                f'<table class="data-table"><caption>{caption}{unit}</caption>',
                1,
            )
            return f'<figure id="{escape(a["anchor"])}" class="{cls}">{table}{after}</figure>'
        return (
            f'<figure id="{escape(a["anchor"])}" class="{cls}">'
            f'<figcaption class="caption">{caption}{unit}</figcaption>'
            f'<div class="figure-body">{self.picture(node)}</div>{after}</figure>'
        )

    def figure_notes(self, a: dict) -> str:
        out = (
            f'<p class="figure-source"><span class="source-label">{escape(a["source_label"])}'
            f"</span> {escape(a['source'])}</p>"
        )
        if a.get("notes"):
            notes = " ".join(str(escape(n)) for n in a["notes"])
            out += (
                f'<p class="figure-notes"><span class="notes-label">{escape(a["notes_label"])}'
                f"</span> {notes}</p>"
            )
        for letter, text in a.get("lettered", []):
            letter_span = f'<span class="letter">{escape(letter)}.</span>'
            out += f'<p class="figure-lettered">{letter_span} {escape(text)}</p>'
        return out

    def picture(self, node: Node) -> str:
        a = node.attrs
        if a["kind"] == "image":
            path = Path(a["file"])
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return f'<img src="data:{mime};base64,{data}" alt="{escape(a["alt"])}">'
        svg = self.figures.get(a["id"], {}).get("svg")
        if svg is None:
            return f'<p class="figure-missing">{escape(a["alt"])}</p>'
        return inline_svg(svg.decode("utf-8"), a["alt"], a["anchor"])

    # inlines
    def h_xref(self, node: Node) -> str:
        if self.in_link:  # an <a> cannot hold another
            return str(escape(node.text))
        return f'<a class="xref" href="#{escape(node.attrs["anchor"])}">{escape(node.text)}</a>'

    def h_sup(self, node: Node) -> str:
        return f'<sup class="note-letter">{escape(node.text)}</sup>'

    def h_text(self, node: Node) -> str:
        return str(escape(node.text))

    def h_emph(self, node: Node) -> str:
        return f"<em>{self.inner(node)}</em>"

    def h_strong(self, node: Node) -> str:
        return f"<strong>{self.inner(node)}</strong>"

    def h_code(self, node: Node) -> str:
        return f"<code>{escape(node.text)}</code>"

    def h_softbreak(self, node: Node) -> str:
        return "\n"

    def h_hardbreak(self, node: Node) -> str:
        return "<br>"

    def h_link(self, node: Node) -> str:
        href = safe_href(node.attrs.get("href", ""))
        if href is None or self.in_link:
            return self.inner(node)
        self.in_link = True
        try:
            return f'<a href="{escape(href)}">{self.inner(node)}</a>'
        finally:
            self.in_link = False

    def h_note_ref(self, node: Node) -> str:
        n = node.attrs["n"]
        self.notes.append(node)
        if self.in_link:
            return f'<sup id="noteref-{n}">{n}</sup>'
        return (
            f'<a class="note-ref" id="noteref-{n}" href="#note-{n}" role="doc-noteref">'
            f"<sup>{n}</sup></a>"
        )

    def notes_block(self) -> Markup:
        """The numbered notes collected so far, each linked back to its call."""
        if not self.notes:
            return Markup("")
        items = "".join(
            f'<li id="note-{n.attrs["n"]}" value="{n.attrs["n"]}">{self.inner(n)} '
            f'<a class="note-back" href="#noteref-{n.attrs["n"]}" role="doc-backlink" '
            f'aria-label="Back to note call {n.attrs["n"]}">↩</a></li>'
            for n in self.notes
        )
        return Markup(
            '<section class="notes" role="doc-endnotes" aria-labelledby="notes-title">'
            f'<h2 id="notes-title">Notes</h2><ol>{items}</ol></section>'
        )


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def inline_svg(svg: str, alt: str, anchor: str) -> str:
    """An SVG document as inline markup, titled with the alt text for screen readers."""
    start = svg.find("<svg")
    svg = svg[start:]
    opening = _SVG_OPEN.match(svg)
    assert opening, "drawn figure is not SVG"
    tag = opening.group(0)[:-1].rstrip("/")
    title_id = f"{anchor}-alt"
    title = f'<title id="{title_id}">{escape(alt)}</title>'
    head = f'{tag} role="img" aria-labelledby="{title_id}">{title}'
    # matplotlib numbers every figure's ids alike, and one page holds several figures
    return head + prefix_ids(svg[opening.end() :], f"{anchor}-")


_ID_REF = re.compile(r'(\bid="|href="#|url\(#|aria-labelledby=")([^")]+)')


def prefix_ids(markup: str, prefix: str) -> str:
    """Every id defined in ``markup``, and each reference to one, prefixed with ``prefix``."""
    ids = set(re.findall(r'\bid="([^"]+)"', markup))
    return _ID_REF.sub(lambda m: m[1] + (prefix + m[2] if m[2] in ids else m[2]), markup)


class PrintWriter(HtmlWriter):
    """For WeasyPrint: notes float to the foot of the page where they are called."""

    print_mode = True

    def picture(self, node: Node) -> str:
        """A drawn figure as an SVG image named by its cache file, not inline markup:
        WeasyPrint then styles and lays out one box instead of every element of the
        drawing (much faster), tags it as a figure with its alt text, and fetches it
        only when it lays it out (so it may start before the figure is drawn)."""
        if node.attrs["kind"] == "image" or node.attrs["id"] not in self.figures:
            return super().picture(node)
        return f'<img src="{figure_url(node)}" alt="{escape(node.attrs["alt"])}">'

    def h_note_ref(self, node: Node) -> str:
        parts = [self.inner(c) if c.kind == "paragraph" else self.node(c) for c in node.children]
        return f'<span class="footnote">{" ".join(parts)}</span>'
