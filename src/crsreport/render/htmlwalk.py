"""Document tree → HTML markup, shared by the HTML page and the PDF (print) renderer.

Every node kind has one handler; an unknown kind is a named error, never
silently dropped. Text is always escaped; links keep only safe schemes.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from markupsafe import Markup, escape

from ..assets import figure_url
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
    ContentsEntry,
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

SAFE_SCHEMES = ("http://", "https://", "mailto:", "#")


def safe_href(href: str) -> str | None:
    """The link target if it is safe to print, else None."""
    value = href.strip()
    return value if value.lower().startswith(SAFE_SCHEMES) else None


class HtmlWriter(Visitor[str]):
    """Walks the tree and returns markup; subclasses change single methods."""

    print_mode: ClassVar[bool] = False

    def __init__(self, figures: dict[str, dict[str, bytes]] | None = None) -> None:
        super().__init__()
        self.figures = figures or {}
        self.notes: list[NoteRef] = []
        self.in_link = False  # inside <a>: nested links, xrefs and note calls stay plain

    def render(self, nodes: list[Node]) -> Markup:
        """Markup for a list of nodes."""
        return Markup("".join(self.visit(n) for n in nodes))

    def inner(self, node: Node) -> str:
        return "".join(self.visit(c) for c in node.children)

    # blocks
    def visit_document(self, node: Document) -> str:
        return self.inner(node)

    def visit_section(self, node: Section) -> str:
        kind = escape(node.section_kind.replace("_", "-"))
        opening = f'<section class="section kind-{kind} level-{node.level}"'
        if node.title is None:  # lead text: no heading
            return f"{opening}>{self.inner(node)}</section>"
        level = min(node.level + 1, 6)
        label = f'<span class="label">{escape(node.label)}</span> ' if node.label else ""
        ident = escape(node.id)
        heading = f'<h{level} id="{ident}">{label}{escape(node.title)}</h{level}>'
        return f'{opening} aria-labelledby="{ident}">{heading}{self.inner(node)}</section>'

    def visit_summary(self, node: Summary) -> str:
        return f'<div class="summary-text">{self.inner(node)}</div>'

    def visit_heading(self, node: Heading) -> str:
        level = min(node.level + 1, 6)
        return f'<h{level} id="{escape(node.id)}">{self.inner(node)}</h{level}>'

    def visit_paragraph(self, node: Paragraph) -> str:
        return f"<p>{self.inner(node)}</p>"

    def visit_bullet_list(self, node: BulletList) -> str:
        return f"<ul>{self.inner(node)}</ul>"

    def visit_ordered_list(self, node: OrderedList) -> str:
        attr = f' start="{int(node.start)}"' if node.start != 1 else ""
        return f"<ol{attr}>{self.inner(node)}</ol>"

    def visit_list_item(self, node: ListItem) -> str:
        return f"<li>{self.inner(node)}</li>"

    def visit_blockquote(self, node: BlockQuote) -> str:
        return f"<blockquote>{self.inner(node)}</blockquote>"

    def visit_table(self, node: Table, caption: str = "", caption_id: str = "") -> str:
        head = [r for r in node.children if getattr(r, "header", False)]
        body = [r for r in node.children if not getattr(r, "header", False)]
        thead = f"<thead>{''.join(self.visit(r) for r in head)}</thead>" if head else ""
        rows = "".join(self.visit(r) for r in body)
        if caption:
            table = f'<table class="data-table">{caption}{thead}<tbody>{rows}</tbody></table>'
            return self.scroll_region(table, caption_id)
        return self.scroll_region(
            f'<table class="prose-table">{thead}<tbody>{rows}</tbody></table>'
        )

    def scroll_region(self, table: str, labelled_by: str = "") -> str:
        """A table in a region that scrolls sideways on a narrow screen: focusable, so a
        keyboard can scroll it, and named by the table's caption."""
        name = f'aria-labelledby="{labelled_by}"' if labelled_by else 'aria-label="Table"'
        return f'<div class="table-scroll" role="region" tabindex="0" {name}>{table}</div>'

    def visit_table_row(self, node: TableRow) -> str:
        names = (
            ["total"] * node.total
            + ["bold"] * node.bold
            + [f"indent-{node.indent}"] * (node.indent > 0)
        )
        cls = f' class="{" ".join(names)}"' if names else ""
        return f"<tr{cls}>{self.inner(node)}</tr>"

    def visit_table_cell(self, node: TableCell) -> str:
        tag = "th" if node.header and node.plain().strip() else "td"  # no empty header
        span = int(node.colspan)
        scope = (' scope="colgroup"' if span > 1 else ' scope="col"') if tag == "th" else ""
        colspan = f' colspan="{span}"' if span > 1 else ""
        cls = f' class="align-{escape(node.align)}"' if node.align else ""
        return f"<{tag}{scope}{colspan}{cls}>{self.inner(node)}</{tag}>"

    def visit_code_block(self, node: CodeBlock) -> str:
        return f"<pre><code>{escape(node.text)}</code></pre>"

    def visit_rule(self, node: Rule) -> str:
        return "<hr>"

    def visit_figure(self, node: Figure) -> str:
        caption = (
            f'<span class="caption-label">{escape(node.label)} {escape(node.number)}.</span> '
            f"{self.visit(node.title)}"
        )
        unit = f'<span class="figure-unit">{self.visit(node.unit)}</span>' if node.unit else ""
        after = self.figure_notes(node)
        cls = f"figure width-{escape(node.width)} kind-{escape(node.figure_kind)}"
        cls += " landscape" if node.landscape else ""
        opening = f'<figure id="{escape(node.anchor)}" class="{cls}">'
        drawn = node.drawing is not None or node.file is not None
        if not drawn and len(node.children) == 1 and isinstance(node.children[0], Table):
            caption_id = f"{escape(node.anchor)}-caption"
            table = self.visit_table(
                node.children[0],
                f'<caption id="{caption_id}">{caption}{unit}</caption>',
                caption_id,
            )
            return f"{opening}{table}{after}</figure>"
        picture = self.picture(node) if drawn else ""
        body = (  # a scaled picture: that share of the width, centred as in the DOCX
            f'class="figure-body scaled" style="width: {node.scale * 100:g}%"'
            if node.scale != 1
            else 'class="figure-body"'
        )
        return (
            f'{opening}<figcaption class="caption">{caption}{unit}</figcaption>'
            f"<div {body}>{picture}{self.inner(node)}</div>{after}</figure>"
        )

    def figure_notes(self, node: Figure) -> str:
        out = (
            f'<p class="figure-source"><span class="source-label">{escape(node.source_label)}'
            f"</span> {self.visit(node.source)}</p>"
        )
        if node.notes or node.lettered:  # lettered notes follow a bare label, as CRS prints
            notes = " ".join(self.visit(n) for n in node.notes)
            out += (
                f'<p class="figure-notes"><span class="notes-label">{escape(node.notes_label)}'
                f"</span>{' ' + notes if notes else ''}</p>"
            )
        return out + "".join(self.visit(note) for note in node.lettered)

    def visit_lettered_note(self, node: LetteredNote) -> str:
        letter = f'<span class="letter">{escape(node.letter)}.</span>'
        return f'<p class="figure-lettered">{letter} {self.inner(node)}</p>'

    def visit_inlines(self, node: Inlines) -> str:
        return self.inner(node)

    def picture(self, node: Figure) -> str:
        if node.file is not None:
            path = Path(node.file)
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            return f'<img src="data:{mime};base64,{data}" alt="{escape(node.alt)}">'
        svg = self.figures.get(node.id, {}).get("svg")
        if svg is None:
            return f'<p class="figure-missing">{escape(node.alt)}</p>'
        return inline_svg(svg.decode("utf-8"), node.alt, node.anchor)

    # inlines
    def visit_xref(self, node: XRef) -> str:
        if self.in_link:  # an <a> cannot hold another
            return str(escape(node.text))
        return f'<a class="xref" href="#{escape(node.anchor)}">{escape(node.text)}</a>'

    def visit_superscript(self, node: Superscript) -> str:
        return f"<sup>{self.inner(node)}</sup>"

    def visit_subscript(self, node: Subscript) -> str:
        return f"<sub>{self.inner(node)}</sub>"

    def visit_sup(self, node: Sup) -> str:
        return f'<sup class="note-letter">{escape(node.text)}</sup>'

    def visit_text(self, node: Text) -> str:
        return str(escape(node.text))

    def visit_emph(self, node: Emph) -> str:
        return f"<em>{self.inner(node)}</em>"

    def visit_strong(self, node: Strong) -> str:
        return f"<strong>{self.inner(node)}</strong>"

    def visit_lead(self, node: Lead) -> str:
        return f"<strong>{self.inner(node)}</strong>"

    def visit_code(self, node: Code) -> str:
        return f"<code>{escape(node.text)}</code>"

    def visit_softbreak(self, node: SoftBreak) -> str:
        return "\n"

    def visit_hardbreak(self, node: HardBreak) -> str:
        return "<br>"

    def visit_link(self, node: Link) -> str:
        href = safe_href(node.href)
        if href is None or self.in_link:
            return self.inner(node)
        self.in_link = True
        try:
            return f'<a href="{escape(href)}">{self.inner(node)}</a>'
        finally:
            self.in_link = False

    def visit_note_ref(self, node: NoteRef) -> str:
        n = node.n
        self.notes.append(node)
        if self.in_link:
            return f'<sup id="noteref-{n}">{n}</sup>'
        return (
            f'<a class="note-ref" id="noteref-{n}" href="#note-{n}" role="doc-noteref" '
            f'aria-label="Note {n}">'
            f"<sup>{n}</sup></a>"
        )

    def notes_block(self) -> Markup:
        """The numbered notes collected so far, each linked back to its call."""
        if not self.notes:
            return Markup("")
        items = "".join(
            f'<li id="note-{n.n}" value="{n.n}">{self.inner(n)} '
            f'<a class="note-back" href="#noteref-{n.n}" role="doc-backlink" '
            f'aria-label="Back to note call {n.n}">↩</a></li>'
            for n in self.notes
        )
        return Markup(
            '<section class="notes" role="doc-endnotes" aria-labelledby="notes-title">'
            f'<h2 id="notes-title">Notes</h2><ol>{items}</ol></section>'
        )

    # page furniture
    def visit_running_heads(self, node: RunningHeads) -> str:
        return ""  # pages have headers in print only: the print stylesheet sets them

    def visit_masthead(self, node: Masthead) -> str:
        org = (
            f'<span class="org-name">{escape(node.org)}</span>'
            f'<span class="org-tagline">{escape(node.tagline)}</span>'
        )
        return (
            f'<header class="masthead">\n  <p class="masthead-org">{org}</p>\n'
            f'  <p class="masthead-label">{escape(node.label)}</p>\n</header>\n'
        )

    def visit_main(self, node: Main) -> str:
        return f'<main id="content">\n{self.inner(node)}</main>\n'

    def visit_title_block(self, node: TitleBlock) -> str:
        return f'<h1 class="title">{escape(node.text)}</h1>\n'

    def visit_date_line(self, node: DateLine) -> str:
        return f'<p class="date-line">{escape(node.text)}</p>\n'

    def visit_columns(self, node: Columns) -> str:
        return f'<div class="columns">\n{self.inner(node)}</div>\n'

    def visit_byline(self, node: Byline) -> str:
        lines = "".join(
            f'<p class="author-line"><strong>{escape(a.name)}</strong>'
            f"{', ' + escape(a.title) if a.title else ''}</p>\n"
            for a in node.authors
        )
        ident = f"<strong>{escape(node.id)}</strong>"
        number = f'<p class="product-number" id="end-of-text">{ident}</p>'
        return f'<div class="byline">\n{lines}{number}\n</div>\n'

    def visit_acknowledgments(self, node: Acknowledgments) -> str:
        return f'<div class="acknowledgments">{self.inner(node)}</div>\n'

    def visit_endnotes(self, node: Endnotes) -> str:
        return self.notes_block()

    def visit_author_information(self, node: AuthorInformation) -> str:
        people = "".join(
            f'<p class="author"><span class="author-name">{escape(a.name)}</span>'
            + (f'<br><span class="author-title">{escape(a.title)}</span>' if a.title else "")
            + "</p>\n"
            for a in node.authors
        )
        ident = escape(node.id)
        return (
            f'<section class="author-information" aria-labelledby="{ident}">\n'
            f'<h2 id="{ident}">{escape(node.title)}</h2>\n{people}</section>\n'
        )

    def visit_disclaimer(self, node: Disclaimer) -> str:
        return (
            '<aside class="disclaimer" aria-labelledby="disclaimer-title">\n'
            f'<h2 id="disclaimer-title">{escape(node.title)}</h2>\n'
            f"<p>{escape(node.text)}</p>\n</aside>\n"
        )

    def visit_site_footer(self, node: SiteFooter) -> str:
        url = escape(node.url)
        return (
            f'<footer class="site-footer">\n<p class="footer-org">{escape(node.org)}</p>\n'
            f'<p class="footer-url"><a href="{url}">{url}</a></p>\n'
            f'<p class="footer-id">{escape(node.id)}</p>\n</footer>\n'
        )

    def visit_version_footer(self, node: VersionFooter) -> str:
        """In a landmark of its own (screen readers list landmarks; text outside is missed)."""
        line = f'<p class="version-footer">{escape(node.text)}</p>'
        return f'<aside class="version" aria-label="Version">{line}</aside>\n'

    def visit_first_page_footer(self, node: FirstPageFooter) -> str:
        head, *rest = node.left or [""]
        left = "<br>".join([f'<span class="org">{escape(head)}</span>', *map(escape, rest)])
        right = "<br>".join(map(escape, node.right))
        return (
            f'<div class="first-page-footer" aria-hidden="true">\n<p>{left}</p>\n'
            f'<p class="product-tag">{right}</p>\n</div>\n'
        )

    def visit_running_title(self, node: RunningTitle) -> str:
        return f'<p class="running-title" aria-hidden="true">{escape(node.text)}</p>\n'

    def visit_cover(self, node: Cover) -> str:
        return (
            f'<header class="cover">\n<h1 class="title">{escape(node.title)}</h1>\n'
            f'<p class="date-line">{escape(node.date_line)}</p>\n'
            f'<p class="cover-org">{escape(node.org)}</p>\n'
            f'<p class="cover-url">{escape(node.url)}</p>\n'
            f'<p class="cover-id">{escape(node.id)}</p>\n</header>\n'
        )

    def visit_summary_page(self, node: SummaryPage) -> str:
        people = "".join(
            f'<p class="side-author"><span class="author-name">{escape(a.name)}</span>'
            f"{', Coordinator' if a.coordinator else ''}<br>"
            f'<span class="author-title">{escape(a.title)}</span></p>\n'
            for a in node.authors
        )
        side = (
            f'<aside class="summary-side">\n<p class="side-id">{escape(node.id)}</p>\n'
            f'<p class="side-date">{escape(node.date_line)}</p>\n{people}</aside>\n'
        )
        main = (
            f'<div class="summary-main">\n'
            f'<h2 class="summary-label" id="summary-title">{escape(node.label)}</h2>\n'
            f'<p class="summary-title">{escape(node.title)}</p>\n{self.inner(node)}\n</div>\n'
        )
        return (
            '<section class="summary-page" aria-labelledby="summary-title">\n'
            f"{side}{main}</section>\n"
        )

    def visit_contents(self, node: Contents) -> str:
        parts = [
            '<nav class="contents" aria-labelledby="contents-title">\n'
            '<h2 id="contents-title">Contents</h2>\n'
        ]
        parts.append(_toc_list([e for e in node.entries if not e.appendix]))
        for title, entries in (
            ("Figures", node.figures),
            ("Tables", node.tables),
            ("Appendixes", [e for e in node.entries if e.appendix]),
            ("Contacts", node.contacts),
        ):
            if entries:
                parts.append(f'<h3 class="toc-list-title">{title}</h3>\n{_toc_list(entries)}')
        return "".join(parts) + "</nav>\n"

    # changes since an earlier version (--compare)
    _CHANGES: ClassVar[dict[str, tuple[str, str]]] = {
        "insert": ("ins", "Added"),
        "delete": ("del", "Removed"),
        "move_from": ("del", "Moved from here"),
        "move_to": ("ins", "Moved here"),
        "modify": ("div", "Changed"),
    }

    def visit_change(self, node: Change) -> str:
        tag, said = self._CHANGES[node.change]
        kind = escape(node.change.replace("_", "-"))
        return (
            f'<{tag} class="change change-{kind}" id="{escape(node.id)}">'
            f'<span class="change-said">{said}: </span>{self.inner(node)}</{tag}>'
        )

    def visit_inserted(self, node: Inserted) -> str:
        return f'<ins><span class="change-said">added: </span>{self.inner(node)}</ins>'

    def visit_deleted(self, node: Deleted) -> str:
        return f'<del><span class="change-said">removed: </span>{self.inner(node)}</del>'

    def visit_change_summary(self, node: ChangeSummary) -> str:
        since = f" since {escape(node.base)}" if node.base else ""
        items = "".join(
            f'<li><a href="#{escape(c.anchor)}">{escape(c.text)}</a></li>' for c in node.changes
        )
        listing = f"<ol>{items}</ol>" if items else ""
        return (
            '<section class="change-summary" aria-labelledby="change-summary-title">'
            f'<h2 id="change-summary-title">Changes{since}</h2>'
            f"<p>{escape(node.text)}</p>{listing}</section>"
        )


def _toc_list(entries: list[ContentsEntry]) -> str:
    """The entries as nested lists, a subsection's inside its section's item, so a screen
    reader announces the Contents' hierarchy (levels that skip one nest one deeper)."""
    if not entries:
        return ""
    items, i = [], 0
    while i < len(entries):
        entry, j = entries[i], i + 1
        while j < len(entries) and entries[j].level > entry.level:
            j += 1
        title = f'<span class="toc-title">{escape(entry.title)}</span>'
        link = f'<a href="#{escape(entry.id)}">{title}</a>'
        inner = _toc_list(entries[i + 1 : j])
        items.append(f'<li class="toc-level-{entry.level}">{link}{inner}</li>\n')
        i = j
    return f'<ul class="toc">\n{"".join(items)}</ul>\n'


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


@lru_cache(maxsize=64)
def inline_svg(svg: str, alt: str, anchor: str) -> str:
    """An SVG document as inline markup, titled with the alt text for screen readers
    (kept: a ``--watch`` rebuild of a long report would prefix every chart's ids again)."""
    start = svg.find("<svg")
    svg = _METADATA.sub("", svg[start:])  # the drawing tool's RDF: not HTML's SVG vocabulary
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
    """For WeasyPrint: notes float to the foot of the page where they are called, each
    call a real link to its note (a ``::footnote-call`` cannot be one) so the PDF's tags
    can join the two."""

    print_mode = True

    def picture(self, node: Figure) -> str:
        """A drawn figure as an SVG image named by its cache file, not inline markup:
        WeasyPrint then styles and lays out one box instead of every element of the
        drawing (much faster), tags it as a figure with its alt text, and fetches it
        only when it lays it out (so it may start before the figure is drawn)."""
        if node.file is not None or node.id not in self.figures:
            return super().picture(node)
        return f'<img src="{figure_url(node)}" alt="{escape(node.alt)}">'

    def scroll_region(self, table: str, labelled_by: str = "") -> str:
        return table  # paper does not scroll

    def visit_version_footer(self, node: VersionFooter) -> str:
        return f'<p class="version-footer">{escape(node.text)}</p>\n'

    def visit_ordered_list(self, node: OrderedList) -> str:
        """WeasyPrint ignores ``start``: the list's counter is set where it begins."""
        if node.start == 1:
            return super().visit_ordered_list(node)
        reset = f' style="counter-reset: list-item {int(node.start) - 1}"'
        return f'<ol start="{int(node.start)}"{reset}>{self.inner(node)}</ol>'

    def visit_note_ref(self, node: NoteRef) -> str:
        parts = [self.note_part(c) for c in node.children]
        n = node.n
        note = f'<span class="footnote" id="note-{n}" data-n="{n}">{" ".join(parts)}</span>'
        if self.in_link:  # an <a> cannot hold another: the call is printed, not linked
            return f'<sup class="note-call">{n}</sup>{note}'
        return f'<a class="note-call" href="#note-{n}">{n}</a>{note}'

    def note_part(self, node: Node) -> str:
        """A block of a note as inline markup (a footnote is one box at the page foot)."""
        if isinstance(node, Paragraph):
            return self.inner(node)
        if isinstance(node, Change):
            kind = escape(node.change.replace("_", "-"))
            inner = " ".join(self.note_part(c) for c in node.children)
            return f'<span class="change change-{kind}">{inner}</span>'
        return self.visit(node)
