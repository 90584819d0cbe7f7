"""Single sections for other tools: an HTML fragment for a web page, or native content
appended to a caller's python-docx ``Document``.

The whole report is resolved first, so numbers, cross-reference texts and notes are the
ones the full report prints; then the section is picked out of the tree. A reference to
something outside the section keeps its text but links nowhere.
"""

from __future__ import annotations

import re
from functools import cache
from html import unescape
from pathlib import Path
from typing import Any

from markupsafe import escape

from .assets import draw_figures
from .build import source_epoch
from .errors import ReportError, Warnings
from .model import Report
from .render import RenderContext, images_for
from .render.htmlwalk import HtmlWriter, prefix_ids
from .resolve import resolve
from .tree import Document, Figure, Heading, Node, Section, XRef

FRAGMENT_CLASS = "crsreport-fragment"
FRAGMENT_SCOPE = f".{FRAGMENT_CLASS}[data-section]"
"""The house rules' scope: two classes' weight, so they outrank the reset below, which
outranks a host's element and class selectors (``p``, ``.note``)."""
RESET = f"{FRAGMENT_SCOPE}, {FRAGMENT_SCOPE} :where(:not(svg):not(svg *)) {{all: revert}}"
"""Every element of the fragment back to the browser's defaults before the house rules,
so a host rule for a property the house leaves alone (``float``, ``text-transform``)
cannot reach in. Drawn SVG is left out: its presentation attributes are author styles
that ``revert`` would drop, and its own stylesheet is scoped by id."""
_SVG_STYLE = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", re.S)
GLOBAL_SELECTORS = (":root", "html", "body")
"""Selectors that mean the fragment's wrapper once scoped."""


def find_section(doc: Document, section_id: str) -> Section:
    """The section node with id ``section_id`` (at any level)."""
    sections = [n for n in doc.walk() if isinstance(n, Section)]
    for node in sections:
        if node.id == section_id:
            return node
    known = ", ".join(n.id for n in sections) or "none"
    raise ReportError(f"{doc.id}: no section with id '{section_id}'; sections: {known}")


def section_context(
    report: Report, section_id: str, formats: list[str], cache_dir: Path | None = None
) -> tuple[Section, RenderContext]:
    """Resolve the whole report, pick the section, draw its figures for ``formats``."""
    warnings = Warnings()
    section = find_section(resolve(report, warnings), section_id)
    folder = cache_dir if cache_dir is not None else report.root / "build" / ".cache" / "figures"
    assets = draw_figures(section, images_for(formats), Path(folder))
    return section, RenderContext(report.root, warnings, source_epoch(report), assets)


def anchors_in(node: Node) -> set[str]:
    """Every link target defined inside ``node``."""
    found = set()
    for n in node.walk():
        if isinstance(n, Section | Heading):
            found.add(n.id)
        elif isinstance(n, Figure):
            found.add(n.anchor)
    return found


# ---- HTML -------------------------------------------------------------------------------


class FragmentWriter(HtmlWriter):
    """The page's writer, but references outside the section are plain text."""

    def __init__(
        self, figures: dict[str, dict[str, bytes]], anchors: set[str], prefix: str
    ) -> None:
        super().__init__(figures)
        self.anchors = anchors
        self.prefix = prefix

    def visit_xref(self, node: XRef) -> str:
        if node.anchor in self.anchors:
            return super().visit_xref(node)
        return f'<span class="xref xref-outside">{escape(node.text)}</span>'

    def picture(self, node: Figure) -> str:
        """Inline SVG whose own stylesheet (matplotlib's ``*{…}``) is scoped too."""
        scope = f".{FRAGMENT_CLASS} #{self.prefix}{node.anchor}"
        return _SVG_STYLE.sub(
            lambda m: m.group(1) + scope_css(unescape(m.group(2)), scope) + m.group(3),
            super().picture(node),
        )


def render_section(
    report: Report, section_id: str, fmt: str = "html", *, cache_dir: Path | None = None
) -> str:
    """One section as an HTML fragment for a host page: a ``<div class="crsreport-fragment">``
    holding a scoped ``<style>``, the section (figures as inline SVG) and its notes."""
    if fmt != "html":
        raise ReportError(f"render_section: unknown format '{fmt}'; choose html")
    section, ctx = section_context(report, section_id, ["html"], cache_dir)
    prefix = f"{report.id}-"  # fragments of several reports share a page: note-1, overview…
    writer = FragmentWriter(ctx.assets.files, anchors_in(section), prefix)
    body = prefix_ids(writer.render([section]) + writer.notes_block(), prefix)
    attrs = (
        f'class="{FRAGMENT_CLASS}" lang="{escape(report.lang)}" '
        f'data-report="{escape(report.id)}" data-section="{escape(section_id)}"'
    )
    return f"<div {attrs}><style>{fragment_css()}</style>{body}</div>"


@cache
def fragment_css() -> str:
    """The house styles for a fragment, every selector scoped to its wrapper, after a
    reset that keeps the host page's styles out."""
    from .render.page import css

    return RESET + "\n" + scope_css(css("base.css", "fragment.css"), FRAGMENT_SCOPE)


def scope_css(stylesheet: str, scope: str) -> str:
    """``stylesheet`` with each selector prefixed by ``scope`` (``:root``, ``html`` and
    ``body`` become ``scope`` itself); rules that are global by nature (@font-face,
    @page, @import) are dropped."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(stylesheet, skip_comments=True, skip_whitespace=True)
    return "\n".join(filter(None, (_scope_rule(rule, scope) for rule in rules)))


def _scope_rule(rule: Any, scope: str) -> str:
    import tinycss2

    if rule.type == "qualified-rule":
        selectors = ", ".join(_scope_selector(s, scope) for s in _split_selectors(rule.prelude))
        return f"{selectors} {{{tinycss2.serialize(rule.content).strip()}}}"
    if rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports"):
        inner = tinycss2.parse_blocks_contents(rule.content or [], skip_whitespace=True)
        body = "\n".join(filter(None, (_scope_rule(r, scope) for r in inner)))
        return f"@{rule.at_keyword} {tinycss2.serialize(rule.prelude).strip()} {{\n{body}\n}}"
    return ""


def _split_selectors(prelude: list[Any]) -> list[str]:
    import tinycss2

    parts: list[list[Any]] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [tinycss2.serialize(p).strip() for p in parts if tinycss2.serialize(p).strip()]


def _scope_selector(selector: str, scope: str) -> str:
    first, _, rest = selector.partition(" ")
    if first in GLOBAL_SELECTORS:
        return f"{scope} {rest.strip()}".strip()
    return f"{scope} {selector}"


# ---- DOCX -------------------------------------------------------------------------------


def append_section(
    report: Report, section_id: str, document: Any, *, cache_dir: Path | None = None
) -> list[str]:
    """Append a section to a caller's python-docx ``Document``: headings, paragraphs,
    lists, figures, tables and native footnotes in the house styles. Styles the document
    lacks are copied from the reference .docx; its own styles are never changed.
    Return the names of the styles added."""
    from .render.docx import ensure_styles
    from .render.docxml import bookmark_name, bookmark_names

    section, ctx = section_context(report, section_id, ["docx"], cache_dir)
    taken = {bookmark_name(a) for a in anchors_in(section)} & bookmark_names(document)
    if taken:
        raise ReportError(
            f"{report.id}: the document already holds section '{section_id}' "
            f"(bookmark {', '.join(sorted(taken))}); append a section once"
        )
    added = ensure_styles(document)
    writer = _section_docx_writer(document, ctx, anchors_in(section))
    writer.blocks_of([section], document)
    return added


def _section_docx_writer(document: Any, ctx: RenderContext, anchors: set[str]) -> Any:
    from .render.docx import DocxWriter

    class SectionDocxWriter(DocxWriter):
        """References outside the section are plain text (no dangling REF fields)."""

        def visit_xref(self, node: XRef, paragraph: Any, style: str | None) -> None:
            if node.anchor in anchors:
                super().visit_xref(node, paragraph, style)
            else:
                paragraph.add_run(node.text, style=style)

    return SectionDocxWriter(document, ctx)
