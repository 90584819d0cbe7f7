"""Resolve stage: a validated Report → the one document tree all renderers walk.

Prose is expanded and parsed once here; ids, appendix letters and note numbers
are fixed here, once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from . import citations, house, numbering
from .errors import Collector, Location, Problem, ReportError, Warnings
from .figdata import check_columns, check_rows, select
from .figures import FigureData, FigureSpec
from .model import Report, Section, slugify
from .prose import expand, parse
from .sources import check_image, load_data, read_text, safe_path
from .tree import Node, Source
from .xmlchars import strip_invalid


@dataclass
class Context:
    """What resolving one report needs and learns."""

    report: Report
    warnings: Warnings
    values: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, Location] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)
    reserved: set[str] = field(default_factory=set)  # section ids, never given to headings

    def data(self, name: str, where: Location) -> Any:
        """A data file's parsed content, read once per build."""
        if name not in self.files:
            self.files[name] = load_data(self.report.roots, name, where)
        return self.files[name]

    def where(self, *path: Any) -> Location:
        """The report.yaml location of a field path."""
        lines = self.report._lines
        key = tuple(path)
        while key and key not in lines:
            key = key[:-1]
        return Location(self.report._source, lines.get(key), _dotted(path))


def _dotted(path: tuple[Any, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def resolve(report: Report, warnings: Warnings | None = None) -> Node:
    """Build the document tree of ``report``."""
    ctx = Context(report, warnings or Warnings(), reserved=_section_ids(report.sections))
    ctx.values = load_values(ctx)
    doc = Node("document", attrs=metadata(report))
    if report.summary:
        doc.children.append(Node("summary", prose(ctx, report.summary, ("summary",))))
    appendix = 0
    for i, section in enumerate(report.sections):
        label = None
        if section.kind == "appendix":
            label, appendix = house.appendix_letter(appendix), appendix + 1
        doc.children.append(section_node(ctx, section, ("sections", i), 1, label))
    _label_single_appendix(doc)
    number_notes(ctx, doc)
    citations.cite(ctx, doc)
    numbering.link(doc, numbering.number(doc))
    strip_invalid(doc, ctx.warnings, ctx.where)
    return doc


def metadata(report: Report) -> dict[str, Any]:
    """Report facts the layouts print."""
    return {
        "id": report.id,
        "product": report.product,
        "title": report.title,
        "date": report.date.isoformat(),
        "date_line": house.date_line(report.date, report.version),
        "version": report.version,
        "version_footer": house.version_footer(report.id, report.version),
        "lang": report.lang,
        "authors": [author.model_dump() for author in report.authors],
    }


def load_values(ctx: Context) -> dict[str, Any]:
    """Declared data files, by name, plus the report's own facts."""
    values: dict[str, Any] = {"report": metadata(ctx.report)}
    for name, path in ctx.report.data.items():
        values[name] = ctx.data(path, ctx.where("data", name))
    return values


def section_node(
    ctx: Context, section: Section, path: tuple[Any, ...], level: int, label: str | None
) -> Node:
    """One section and its subsections, with headings shifted to its level."""
    assert section.id and section.title
    _claim(ctx, section.id, ctx.where(*path, "id"))
    attrs = {"id": section.id, "title": section.title, "level": level, "kind": section.kind}
    if label is not None:
        attrs["letter"] = label
        attrs["label"] = f"Appendix {label}."
    body = prose(ctx, section.prose, (*path, "prose"), level)
    for i, spec in enumerate(section.figures):
        body.append(figure_node(ctx, spec, (*path, "figures", i)))
    for i, sub in enumerate(section.subsections):
        body.append(section_node(ctx, sub, (*path, "subsections", i), level + 1, None))
    if not body:
        ctx.warnings.warn(ctx.where(*path), f"section '{section.title}' is empty")
    return Node("section", body, attrs=attrs, src=_src(ctx.where(*path)))


def figure_node(ctx: Context, spec: FigureSpec, path: tuple[Any, ...]) -> Node:
    """A figure or table: caption parts, its rows, and (for tables) its cells."""
    where = ctx.where(*path)
    prefix = numbering.PREFIX[spec.caption_label]
    _claim(ctx, f"{prefix}:{spec.id}", ctx.where(*path, "id"))
    data = figure_data(ctx, spec, path)
    content, lettered = spec.content(data)
    attrs: dict[str, Any] = {
        "id": spec.id,
        "kind": spec.kind,
        "label": spec.caption_label,
        "anchor": f"{prefix}-{spec.id}",
        "title": spec.title,
        "unit": spec.unit,
        "source": spec.source,
        "source_label": "Sources:" if ";" in spec.source else "Source:",
        "notes": spec.notes,
        "notes_label": "Notes:" if len(spec.notes) > 1 else "Note:",
        "lettered": lettered,
        "alt": spec.alt,
        "width": spec.width,
    }
    if spec.kind == "image":
        where = ctx.where(*path, "file")
        attrs["file"] = check_image(safe_path(ctx.report.roots, spec.file, where), where).as_posix()
    if spec.drawn:
        attrs["_draw"] = (spec, data)
    return Node("figure", content, attrs=attrs, src=_src(where))


def figure_data(ctx: Context, spec: FigureSpec, path: tuple[Any, ...]) -> FigureData:
    """The spec's rows (checked and filtered) and its overlays' rows."""
    end = house.parse_day(spec.end) if spec.end else ctx.report.date
    rows: list[dict[str, Any]] = []
    if spec.data:
        where = ctx.where(*path, "data")
        rows = ctx.data(spec.data, where)
        check_columns(rows, spec.columns_used(), ctx.where(*path), spec.data)
        rows = select(
            rows, date=spec.date, start=spec.start, end=end, where=spec.where, file=spec.data
        )
        check_rows(rows, ctx.where(*path), spec.data)
    overlays = []
    for i, overlay in enumerate(getattr(spec, "overlays", [])):
        where = ctx.where(*path, "overlays", i)
        extra = ctx.data(overlay.data, where)
        check_columns(extra, [overlay.date], where, overlay.data)
        overlays.append(
            select(extra, date=overlay.date, start=spec.start, end=end, where={}, file=overlay.data)
        )
        check_rows(overlays[-1], where, overlay.data)
    data = FigureData(rows=rows, overlays=overlays, end=end)
    problem = spec.check(data)
    if problem:
        raise ReportError(Problem(ctx.where(*path), problem))
    return data


def _label_single_appendix(doc: Node) -> None:
    appendixes = [n for n in doc.children if n.attrs.get("kind") == "appendix"]
    if len(appendixes) == 1:
        appendixes[0].attrs["label"] = "Appendix."


def _claim(ctx: Context, ident: str, where: Location) -> None:
    if ident in ctx.ids:
        raise ReportError(Problem(where, f"id '{ident}' is already used at {ctx.ids[ident]}"))
    ctx.ids[ident] = where


def _src(where: Location) -> Source:
    return Source(where.file, where.line)


def prose(ctx: Context, items: list[str], path: tuple[Any, ...], level: int = 0) -> list[Node]:
    """Expand and parse each prose item (a .md file or inline text)."""
    blocks: list[Node] = []
    for i, item in enumerate(items):
        where = ctx.where(*path, i)
        if _is_file(item):
            src = Source(item, 1)
            text = read_text(ctx.report.roots, item, where)
        else:
            src = Source(where.file, where.line)
            text = item
        blocks.extend(parse(expand(text, ctx.values, src), src))
    headings = [node for block in blocks for node in block.walk() if node.kind == "heading"]
    top = min((h.attrs["level"] for h in headings), default=1)
    for node in headings:  # the fragment's top heading sits one level below its section
        node.attrs["level"] += level + 1 - top
        node.attrs["id"] = _fresh_id(ctx, slugify(node.plain()), node)
    return blocks


def _fresh_id(ctx: Context, base: str, node: Node) -> str:
    """An unused id for a prose heading: ``base``, else ``base-2``, ``base-3``…"""
    taken = ctx.ids.keys() | ctx.reserved
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}-{n}"
    src = node.src or Source("")
    ctx.ids[ident] = Location(src.file, src.line)
    return ident


def _section_ids(sections: list[Section]) -> set[str]:
    return {s.id for s in sections if s.id} | {
        i for s in sections for i in _section_ids(s.subsections)
    }


def _is_file(item: str) -> bool:
    return "\n" not in item and item.strip().endswith(".md")


def _no_nested_notes(defs: dict[tuple[str, str], Node], problems: Collector) -> None:
    """A footnote calling a footnote (itself, even) would never end; it is refused. A heading
    in a note is kept as a paragraph: it belongs in no contents list and has no anchor."""
    for (file, label), note in defs.items():
        for inner in note.walk():
            if inner.kind == "heading":
                inner.kind, inner.attrs = "paragraph", {}
            if inner.kind == "note_ref":
                where = Location(file, inner.src.line if inner.src else None)
                called = inner.attrs["label"]
                problems.add(where, f"footnote [^{label}] calls [^{called}]; notes cannot nest")


def number_notes(ctx: Context, doc: Node) -> None:
    """Number footnote calls through the document and attach each note's text."""
    defs: dict[tuple[str, str], Node] = {}
    for parent in list(doc.walk()):
        for block in [c for c in parent.children if c.kind == "note_block"]:
            parent.children.remove(block)
            for note in block.children:
                defs[(note.src.file if note.src else "", note.attrs["label"])] = note
    problems = Collector()
    _no_nested_notes(defs, problems)
    problems.check()
    used: set[tuple[str, str]] = set()
    count = 0
    for node in doc.walk():
        if node.kind != "note_ref":
            continue
        key = (node.src.file if node.src else "", node.attrs["label"])
        if key not in defs:
            where = Location(key[0], node.src.line if node.src else None)
            problems.add(where, f"footnote [^{key[1]}] has no definition '[^{key[1]}]: …'")
            continue
        count += 1
        used.add(key)
        node.attrs["n"] = count
        node.children = copy.deepcopy(defs[key].children)  # a note called twice: two bodies
    problems.check()
    if count and doc.attrs["product"] != "report":
        where = Location(ctx.report._source)
        ctx.warnings.warn(where, f"{count} footnote(s) in a product that carries no footnotes")
    for key, note in defs.items():
        if key not in used:
            line = note.src.line if note.src else None
            ctx.warnings.warn(Location(key[0], line), f"footnote [^{key[1]}] is never called")
