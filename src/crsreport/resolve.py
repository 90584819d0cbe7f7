"""Resolve stage: a validated Report → the one document tree all renderers walk.

Prose is expanded and parsed once here; ids, appendix letters and note numbers
are fixed here, once.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import citations, dates, house, numbering
from .errors import Collector, Location, Problem, ReportError, Warnings
from .figdata import (
    check_columns,
    check_numbers,
    check_one_kind,
    check_rows,
    nothing_left,
    range_column,
    select,
    unmatched_where,
)
from .figures import FigureData, FigureSpec
from .figures.table import MAX_TABLE_ROWS
from .fingerprint import drawing_key
from .model import LOOKS_LIKE_A_FILE, Report, Section, slugify
from .numbering import unknown_reference
from .products import product_for
from .prose import (
    MAX_EXPANDED_CHARS,
    MAX_TOTAL_CHARS,
    NoteDef,
    expand,
    parse,
    parse_inline,
    too_long,
)
from .sources import check_image, is_prose_file, load_data, read_text, safe_path
from .tree import (
    Acknowledgments,
    Author,
    Document,
    Drawing,
    Element,
    Figure,
    Heading,
    Inlines,
    LetteredNote,
    Link,
    Node,
    NoteRef,
    Paragraph,
    SoftBreak,
    Source,
    Summary,
    Table,
    TableCell,
    Text,
)
from .tree import Section as SectionNode
from .typeset import align_by_content, mark_leads, punctuate_tree
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
    suffixes: dict[str, int] = field(default_factory=dict)  # last ``-n`` tried per heading id
    notes: dict[tuple[str, str], NoteDef] = field(default_factory=dict)
    placed: dict[str, Location] = field(default_factory=dict)  # figures placed in prose
    figure_sections: dict[str, str] = field(default_factory=dict)  # fig:id -> its section
    chars: int = 0  # prose characters so far, against MAX_TOTAL_CHARS

    def spend(self, chars: int, where: Location, what: str = "") -> None:
        """Count prose characters; past MAX_TOTAL_CHARS, a located error."""
        self.chars += chars
        if self.chars > MAX_TOTAL_CHARS:
            raise ReportError(Problem(where, what + too_long(MAX_TOTAL_CHARS)))

    def data(self, name: str, where: Location) -> Any:
        """A data file's parsed content, read once per build."""
        if name not in self.files:
            self.files[name] = load_data(self.report.roots, name, where)
        return self.files[name]

    def where(self, *path: Any) -> Location:
        """The report.yaml location of a field path."""
        return self.report.where(*path)


def resolve(report: Report, warnings: Warnings | None = None) -> Document:
    """Build the document tree of ``report``: every decision a writer would otherwise
    make (numbers, notes, citation forms, leads, alignment, drawing keys) is made here."""
    ctx = Context(report, warnings or Warnings(), reserved=_section_ids(report.sections))
    ctx.figure_sections = _figure_sections(report.sections)
    ctx.values = load_values(ctx)
    _templates_outside_prose(ctx, report.model_dump(mode="json"), ())
    doc = Document(**metadata(report))
    if report.summary:
        doc.children.append(Summary(children=prose(ctx, report.summary, ("summary",))))
    if report.acknowledgments:
        thanks = prose(ctx, report.acknowledgments, ("acknowledgments",))
        doc.children.append(Acknowledgments(children=thanks))
    appendix = 0
    for i, section in enumerate(report.sections):
        label = None
        if section.kind == "appendix":
            label, appendix = house.appendix_letter(appendix), appendix + 1
        doc.children.append(section_node(ctx, section, ("sections", i), 1, label))
    _label_single_appendix(doc)
    attach_notes(ctx, doc)
    citations.cite(ctx, doc)
    punctuate_tree(doc)
    number_notes(doc)
    numbering.link(doc, numbering.number(doc))
    _caption_alts(doc)
    mark_leads(doc)
    align_by_content(doc)
    strip_invalid(doc, ctx.warnings, ctx.where)
    _key_drawings(doc)
    doc.children = product_for(doc.product).layout(doc)
    check_anchors(ctx, doc)
    return doc


EXPANDED = frozenset({"text", "prose", "summary", "acknowledgments"})
"""Fields whose Markdown gets ``{{ }}`` values; anywhere else braces print as written."""


def _templates_outside_prose(ctx: Context, value: Any, path: tuple[Any, ...]) -> None:
    """Warn of ``{{``/``{%`` in a title, caption, source or note: printed as written."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in EXPANDED:
                _templates_outside_prose(ctx, item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _templates_outside_prose(ctx, item, (*path, i))
    elif isinstance(value, str) and ("{{" in value or "{%" in value):
        ctx.warnings.warn(
            ctx.where(*path),
            "'{{ }}' here is printed as written: values from data are filled in only in "
            "prose (text: and .md files); write the value itself",
        )


def check_anchors(ctx: Context, doc: Document) -> None:
    """A link to ``#id`` that names no section, heading, figure, table or note is warned
    of at the link (it would be dead in HTML and missing in DOCX)."""
    anchors: set[str] = set()
    for node in doc.walk():
        if isinstance(node, SectionNode | Heading) and node.id:
            anchors.add(node.id)
        elif isinstance(node, Figure):
            anchors.add(node.anchor)
        elif isinstance(node, NoteRef) and node.n:
            anchors |= {f"note-{node.n}", f"noteref-{node.n}"}
    for node in doc.walk():
        if isinstance(node, Link) and node.href.startswith("#"):
            target = node.href[1:]
            if target and target not in anchors:
                ctx.warnings.warn(_where_of(node), _dead_link(target, anchors))


def _dead_link(target: str, anchors: set[str]) -> str:
    close = difflib.get_close_matches(target, sorted(anchors), n=1)
    hint = f"; did you mean '#{close[0]}'?" if close else ""
    return (
        f"link to '#{target}' goes nowhere: no section, heading, figure, table or note "
        f"has that id{hint}"
    )


def metadata(report: Report) -> dict[str, Any]:
    """Report facts the layouts print."""
    status = house.status_of(report.version, report.status)
    return {
        "id": report.id,
        "product": report.product,
        "title": report.title,
        "date": report.date.isoformat(),
        "date_line": house.date_line(report.date, status),
        "version": report.version,
        "status": status,
        "version_footer": house.version_footer(report.id, report.version, status),
        "lang": report.lang,
        "authors": [Author(**author.model_dump()) for author in report.authors],
    }


def load_values(ctx: Context) -> dict[str, Any]:
    """Declared data files, by name, plus the report's own facts."""
    facts = metadata(ctx.report)
    facts["authors"] = [author.model_dump() for author in ctx.report.authors]
    values: dict[str, Any] = {"report": facts}
    for name, path in ctx.report.data.items():
        values[name] = ctx.data(path, ctx.where("data", name))
    return values


def section_node(
    ctx: Context, section: Section, path: tuple[Any, ...], level: int, label: str | None
) -> SectionNode:
    """One section and its subsections, with headings shifted to its level."""
    ident = section.id or _fresh_id(ctx, "lead", _src(ctx.where(*path)))
    if section.id:
        _claim(ctx, section.id, ctx.where(*path, "id"))
    inline = [(item, (*path, "text", i), False) for i, item in enumerate(section.text)]
    files = [(item, (*path, "prose", i), True) for i, item in enumerate(section.prose)]
    body = prose_blocks(ctx, [*inline, *files], level)
    figures = {
        f"{numbering.PREFIX[spec.caption_label]}:{spec.id}": figure_node(
            ctx, spec, (*path, "figures", i)
        )
        for i, spec in enumerate(section.figures)
    }
    body = place_figures(ctx, body, figures, section.title or section.id or "")
    body.extend(figures.values())  # figures not placed follow the prose
    for i, sub in enumerate(section.subsections):
        body.append(section_node(ctx, sub, (*path, "subsections", i), level + 1, None))
    if not body:
        name = f"section '{section.title}'" if section.title else "untitled section"
        ctx.warnings.warn(ctx.where(*path), f"{name} is empty")
    return SectionNode(
        id=ident,
        title=section.title,
        level=level,
        section_kind=section.kind,
        label=None if label is None else f"Appendix {label}.",
        letter=label,
        children=body,
        src=_src(ctx.where(*path)),
    )


PLACEMENT = re.compile(r"^\s*@((?:fig|tbl):[A-Za-z][\w-]*(?:\.[\w-]+)*)\s*$")
"""A paragraph holding only a figure or table reference places that figure there."""


def place_figures(
    ctx: Context, body: list[Node], figures: dict[str, Figure], here: str
) -> list[Node]:
    """``body`` with each placing paragraph replaced by its figure (taken from ``figures``).
    A figure placed twice, or declared in another section, is a located error."""
    out: list[Node] = []
    for block in body:
        match = PLACEMENT.match(block.plain()) if isinstance(block, Paragraph) else None
        key = match.group(1) if match else None
        if key is None:
            out.append(block)
        elif key in figures:
            ctx.placed[key] = _where_of(block)
            out.append(figures.pop(key))
        else:
            raise ReportError(Problem(_where_of(block), _misplaced(ctx, key, here)))
    return out


def _misplaced(ctx: Context, key: str, here: str) -> str:
    owner = ctx.figure_sections.get(key)
    if owner is not None and owner != here:
        return (
            f"'@{key}' is declared in section '{owner}'; place it in that section's prose "
            "or declare it in this section"
        )
    if key in ctx.placed:
        return f"'@{key}' is already placed at {ctx.placed[key]}; place a figure once"
    return f"{unknown_reference(key, ctx.figure_sections)} (to place here)"


def _where_of(node: Node) -> Location:
    return Location(node.src.file, node.src.line) if node.src else Location("<prose>")


def figure_node(ctx: Context, spec: FigureSpec, path: tuple[Any, ...]) -> Figure:
    """A figure or table: caption parts, what is drawn, and its content nodes."""
    where = ctx.where(*path)
    prefix = numbering.PREFIX[spec.caption_label]
    _claim(ctx, f"{prefix}:{spec.id}", ctx.where(*path, "id"))
    data = figure_data(ctx, spec, path)
    content, lettered = spec.content(data)
    _inline_cells(content, where)

    def text(value: str, *key: Any) -> Inlines:
        return inline_field(value, ctx.where(*path, *key), key[0])

    figure = Figure(
        id=spec.id,
        figure_kind=spec.kind,
        label=spec.caption_label,
        anchor=f"{prefix}-{spec.id}",
        title=text(spec.title, "title"),
        unit=text(spec.unit, "unit") if spec.unit else None,
        source=text(spec.source, "source"),
        source_label="Sources:" if ";" in spec.source else "Source:",
        notes=[text(note, "notes", i) for i, note in enumerate(spec.notes)],
        notes_label="Notes:" if len(spec.notes) + len(lettered) > 1 else "Note:",
        lettered=[
            LetteredNote(
                letter=letter,
                children=inline_field(note, where, "a table note").children,
                src=_src(where),
            )
            for letter, note in lettered
        ],
        alt=spec.alt,
        width=spec.width,
        scale=spec.scale,
        landscape=spec.landscape,
        children=list(content),
    )
    if spec.kind == "image":
        where = ctx.where(*path, "file")
        figure.file = check_image(safe_path(ctx.report.roots, spec.file, where), where).as_posix()
    if spec.drawn:
        figure.drawing = Drawing(
            spec.kind, spec.model_dump(mode="json"), data.model_dump(mode="json")
        )
    figure.src = _src(where)
    return figure


def inline_field(value: str, where: Location, what: str = "this text") -> Inlines:
    """A text field of report.yaml as inline nodes (Markdown, as prose is)."""
    src = _src(where)
    return Inlines(children=parse_inline(value, src, f"'{what}'"), src=src)


def _inline_cells(content: list[Node], where: Location) -> None:
    """Each data table cell's text parsed as inline Markdown, as a pipe table's is."""
    src = _src(where)
    for node in (n for block in content for n in block.walk()):
        if isinstance(node, TableCell):
            node.children = [
                part
                for child in node.children
                for part in (
                    parse_inline(child.text, src, "a table cell")
                    if isinstance(child, Text)
                    else [child]
                )
            ]


def _caption_alts(doc: Document) -> None:
    """A pipe table's alt text: its caption's words, references already printed."""
    for node in doc.walk():
        if isinstance(node, Figure) and not node.alt:
            node.alt = " ".join(node.title.plain().split())


def _key_drawings(doc: Document) -> None:
    """Give each drawing its cache key, from the (cleaned) spec and data it draws."""
    for node in doc.walk():
        if isinstance(node, Figure) and node.drawing is not None:
            node.drawing = replace(node.drawing, key=drawing_key(node.drawing))


def figure_data(ctx: Context, spec: FigureSpec, path: tuple[Any, ...]) -> FigureData:
    """The spec's rows (checked and filtered) and its overlays' rows."""
    end = (dates.last_day(spec.end) if spec.end else None) or ctx.report.date
    rows: list[dict[str, Any]] = []
    every: list[dict[str, Any]] = []
    if spec.data:
        where = ctx.where(*path, "data")
        every = ctx.data(spec.data, where)
        check_columns(every, spec.columns_used(), ctx.where(*path), spec.data)
        ranged = ctx.where(*path, "start" if spec.start else "end")
        column = range_column(every, spec, ranged, spec.data)
        unmatched = unmatched_where(every, spec, ctx.where(*path), spec.data)
        if unmatched is not None:
            raise unmatched
        rows = select(
            every, date=column, start=spec.start, end=end, where=spec.where, file=spec.data
        )
        if not rows:
            raise nothing_left(every, spec, column, ctx.where(*path), spec.data)
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
    if spec.data:
        check_numbers(every, rows, spec.number_columns(), spec.data)
        check_one_kind(every, rows, spec.axis_column(), spec.data)
    return data


def _label_single_appendix(doc: Document) -> None:
    appendixes = [n for n in doc.children if getattr(n, "section_kind", "") == "appendix"]
    if len(appendixes) == 1:
        appendixes[0].label = "Appendix."


def _claim(ctx: Context, ident: str, where: Location) -> None:
    if ident in ctx.ids:
        raise ReportError(Problem(where, f"id '{ident}' is already used at {ctx.ids[ident]}"))
    ctx.ids[ident] = where


def _src(where: Location) -> Source:
    return Source(where.file, where.line)


def prose(ctx: Context, items: list[str], path: tuple[Any, ...], level: int = 0) -> list[Node]:
    """Expand and parse each item of a field that takes .md files or inline text."""
    fragments = [(item, (*path, i), is_prose_file(item)) for i, item in enumerate(items)]
    return prose_blocks(ctx, fragments, level)


def prose_blocks(ctx: Context, fragments: list[Fragment], level: int = 0) -> list[Node]:
    """Expand and parse each fragment (a .md file, or inline text), headings shifted to
    sit below the section at ``level``."""
    blocks: list[Node] = []
    for item, path, is_file in fragments:
        where = ctx.where(*path)
        if is_file and is_prose_file(item):
            src = Source(item, 1)
            _exists(ctx, item, where)
            text = read_text(ctx.report.roots, item, where)
        elif LOOKS_LIKE_A_FILE.match(item.strip()):
            raise ReportError(Problem(where, _not_markdown(ctx, item.strip())))
        else:
            src = Source(where.file, ctx.report.text_line(*path) or where.line)
            text = item
        limit = min(MAX_EXPANDED_CHARS, MAX_TOTAL_CHARS - ctx.chars)
        expanded = expand(text, ctx.values, src, limit)
        ctx.spend(len(expanded), Location(src.file, src.line))
        parsed, notes = parse(expanded, src, ctx.warnings.warn)
        _limit_table_rows(parsed)
        blocks.extend(caption_tables(ctx, parsed))
        ctx.notes.update(((src.file, label), note) for label, note in notes.items())
    headings = [node for block in blocks for node in block.walk() if isinstance(node, Heading)]
    top = min((h.level for h in headings), default=1)
    for node in headings:  # the fragment's top heading sits one level below its section
        node.level += level + 1 - top
        node.id = _fresh_id(ctx, slugify(node.plain()), node.src)
    return blocks


Fragment = tuple[str, tuple[Any, ...], bool]
"""A prose item, its field path, and whether it names a file (``prose:``) or is text."""


def _exists(ctx: Context, item: str, where: Location) -> None:
    """A prose file that is not there: the project's .md file it may have meant."""
    outside = os.path.isabs(item) or os.path.normpath(item).startswith("..")
    if outside or os.path.lexists(ctx.report.root / item):
        return  # read_text explains a path outside the project
    close = difflib.get_close_matches(item, _markdown_files(ctx.report.root), n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise ReportError(
        Problem(where, f"file not found: '{item}' (relative to {ctx.report.root}){hint}")
    )


def _limit_table_rows(blocks: list[Node]) -> None:
    """A pipe table holds at most as many rows as a data table (the same pages to print)."""
    for block in blocks:
        for node in block.walk():
            rows = sum(1 for r in node.children if not getattr(r, "header", False))
            if isinstance(node, Table) and rows > MAX_TABLE_ROWS:
                raise ReportError(
                    Problem(
                        _where_of(node),
                        f"{rows:,} table rows; at most {MAX_TABLE_ROWS:,} are "
                        "printed: split the table, or keep the rows in a data file",
                    )
                )


def _not_markdown(ctx: Context, item: str) -> str:
    """Why ``item`` is refused, and the project's .md files it may have meant."""
    found = _markdown_files(ctx.report.root)
    close = difflib.get_close_matches(item, found, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"'{item}' looks like a file name, but prose files are Markdown ending in '.md'{hint}"


def _markdown_files(root: Path, limit: int = 5_000) -> list[str]:
    """The project's .md files (hidden folders, build/ and environments skipped)."""
    found: list[str] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [
            d for d in subfolders if not d.startswith(".") and d not in SKIPPED_FOLDERS
        ]
        here = Path(folder).relative_to(root)
        found += [(here / name).as_posix() for name in files if name.endswith(".md")]
        if len(found) > limit:
            break
    return sorted(found)


SKIPPED_FOLDERS = {"build", "node_modules", "venv", "__pycache__"}


TABLE_CAPTION = re.compile(r"^(?:Table)?:\s*(?P<text>.+?)\s*\{#tbl:(?P<id>[A-Za-z][\w.-]*)\}$")
"""``Table: Title {#tbl:id}`` (or ``: Title {#tbl:id}``), the paragraph after a pipe table."""
TABLE_LINES = re.compile(r"^(?P<label>Sources?|Notes?):\s*(?P<text>.+)$", re.S)


def caption_tables(ctx: Context, blocks: list[Node]) -> list[Node]:
    """A pipe table followed by a caption paragraph becomes a numbered table, with the
    ``Source:`` and ``Note:`` paragraphs that follow the caption."""
    out: list[Node] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        caption = _matched(after, TABLE_CAPTION) if isinstance(block, Table) else None
        if not (isinstance(block, Table) and caption):
            out.append(block)
            i += 1
            continue
        figure, used = _table_figure(ctx, block, caption, blocks[i + 2 : i + 4])
        out.append(figure)
        i += 2 + used
    return out


Matched = tuple[re.Match[str], Inlines]


def _matched(block: Node | None, pattern: re.Pattern[str]) -> Matched | None:
    """``pattern`` matched on a paragraph's text, and the paragraph's inline nodes of the
    match's ``text`` group, markup kept (plain text when the label is inside markup)."""
    if not isinstance(block, Paragraph):
        return None
    plain = block.plain()
    stripped = plain.strip()
    match = pattern.match(stripped)
    if match is None:
        return None
    head = len(plain) - len(plain.lstrip()) + match.start("text")
    tail = len(plain) - len(plain.rstrip()) + len(stripped) - match.end("text")
    nodes = _trim(list(block.children), head, tail)
    if nodes is None:
        nodes = [Text(text=" ".join(match["text"].split()), src=block.src)]
    return match, Inlines(children=nodes, src=block.src)


def _trim(nodes: list[Node], head: int, tail: int) -> list[Node] | None:
    """``nodes`` less ``head`` characters at the start and ``tail`` at the end, or None
    when those fall inside markup."""
    for count, end in ((head, 0), (tail, -1)):
        while count:
            node = nodes[end] if nodes else None
            if isinstance(node, SoftBreak):
                nodes.pop(end)
                count -= 1
                continue
            if not isinstance(node, Text):
                return None
            take = min(count, len(node.text))
            node.text = node.text[take:] if end == 0 else node.text[: len(node.text) - take]
            count -= take
            if not node.text:
                nodes.pop(end)
    return nodes


def _table_figure(
    ctx: Context, table: Table, caption: Matched, following: list[Node]
) -> tuple[Figure, int]:
    """The numbered table, and how many Source/Note paragraphs it took."""
    where = _where_of(table)
    match, title = caption
    ident = match["id"]
    _claim(ctx, f"tbl:{ident}", where)
    lines: dict[str, Inlines] = {}
    for block in following:
        found = _matched(block, TABLE_LINES)
        if not found or found[0]["label"].rstrip("s") in {k.rstrip("s") for k in lines}:
            break
        lines[found[0]["label"]] = found[1]
    source_label = next((k for k in lines if k.startswith("Source")), None)
    notes_label = next((k for k in lines if k.startswith("Note")), None)
    if source_label is None:
        ctx.warnings.warn(where, f"table '{ident}' has no 'Source:' line after its caption")
    figure = Figure(
        id=ident,
        figure_kind="table",
        label="Table",
        anchor=f"tbl-{ident}",
        title=title,
        source=lines[source_label] if source_label else Inlines(src=table.src),
        source_label=f"{source_label}:" if source_label else "Source:",
        notes=[lines[notes_label]] if notes_label else [],
        notes_label=f"{notes_label}:" if notes_label else "Note:",
        alt="",  # the caption's words, once its references read "Table 2" (resolve)
        children=[table],
        src=table.src,
    )
    return figure, len(lines)


def _fresh_id(ctx: Context, base: str, src: Source | None) -> str:
    """An unused id for a prose heading: ``base``, else ``base-2``, ``base-3``… (counting
    on from the last suffix given, so 30 000 equal headings take linear time)."""
    ident, n = base, ctx.suffixes.get(base, 1)
    while ident in ctx.ids or ident in ctx.reserved:
        n += 1
        ident = f"{base}-{n}"
    ctx.suffixes[base] = n
    src = src or Source("")
    ctx.ids[ident] = Location(src.file, src.line)
    return ident


def _figure_sections(sections: list[Section]) -> dict[str, str]:
    """Every declared figure's reference key and the section (title or id) declaring it."""
    found: dict[str, str] = {}
    for s in sections:
        for spec in s.figures:
            found[f"{numbering.PREFIX[spec.caption_label]}:{spec.id}"] = s.title or s.id or ""
        found.update(_figure_sections(s.subsections))
    return found


def _section_ids(sections: list[Section]) -> set[str]:
    return {s.id for s in sections if s.id} | {
        i for s in sections for i in _section_ids(s.subsections)
    }


def _no_nested_notes(defs: dict[tuple[str, str], NoteDef], problems: Collector) -> None:
    """A footnote calling a footnote (itself, even) would never end; it is refused. A heading
    in a note is kept as a paragraph: it belongs in no contents list and has no anchor."""
    for (file, label), note in defs.items():
        for block in note.blocks:
            _headings_to_paragraphs(block)
        for inner in (n for block in note.blocks for n in block.walk()):
            if isinstance(inner, NoteRef):
                where = Location(file, inner.src.line if inner.src else None)
                called = inner.label
                problems.add(where, f"footnote [^{label}] calls [^{called}]; notes cannot nest")


def _headings_to_paragraphs(node: Node) -> None:
    for i, child in enumerate(node.children):
        if isinstance(child, Heading):
            node.children[i] = child = Paragraph(children=child.children, src=child.src)
        _headings_to_paragraphs(child)


def attach_notes(ctx: Context, doc: Document) -> None:
    """Attach each Markdown footnote's text to its calls (a note called twice: two bodies).
    They are numbered with the citation notes afterwards, once."""
    defs = ctx.notes
    problems = Collector()
    _no_nested_notes(defs, problems)
    problems.check()
    used: set[tuple[str, str]] = set()
    for node in doc.walk():
        if not isinstance(node, NoteRef):
            continue
        key = (node.src.file if node.src else "", node.label)
        if key not in defs:
            where = Location(key[0], node.src.line if node.src else None)
            problems.add(where, f"footnote [^{key[1]}] has no definition '[^{key[1]}]: …'")
            continue
        if key in used:  # a second copy counts against the report's prose total
            at = Location(key[0], node.src.line if node.src else None)
            ctx.spend(_size(defs[key]), at, f"footnote [^{key[1]}] is copied at each call: ")
        used.add(key)
        node.children = copy.deepcopy(defs[key].blocks)
    problems.check()
    if not product_for(doc.product).footnotes:
        notes_in_text(ctx, doc)
    for key, note in defs.items():
        if key not in used:
            where = Location(key[0], note.src.line)
            ctx.warnings.warn(where, f"footnote [^{key[1]}] is never called")


def _size(note: NoteDef) -> int:
    """The characters a footnote's text holds (counted once per extra call)."""
    if note.size is None:
        note.size = sum(len(block.plain()) for block in note.blocks)
    return note.size


def notes_in_text(ctx: Context, doc: Node) -> None:
    """In a product that carries no footnotes (In Focus, Insight) each Markdown footnote is
    printed in parentheses where it is called, in every format, with a warning there."""
    title = product_for(doc.product).title  # type: ignore[attr-defined]
    title = f"{'an' if title[:1].lower() in 'aeiou' else 'a'} {title}"
    for node in list(doc.walk()):
        if not isinstance(node, Element):
            continue
        out: list[Node] = []
        for child in node.children:
            if not isinstance(child, NoteRef) or child.citation:
                out.append(child)
                continue
            where = Location(child.src.file, child.src.line) if child.src else Location("<prose>")
            ctx.warnings.warn(
                where,
                f"footnote [^{child.label}]: {title} carries no footnotes, so its text is "
                "printed in parentheses here; write it into the sentence, or drop it",
            )
            out.extend(_parenthetical(child))
        node.children = out


def _parenthetical(note: NoteRef) -> list[Node]:
    """A note's blocks as inline nodes: `` (words; more words)``."""
    inline: list[Node] = []
    for i, block in enumerate(note.children):
        if inline:  # blocks are run together: sentences by a space, others by a semicolon
            ended = note.children[i - 1].plain().rstrip().endswith((".", "?", "!"))
            inline.append(Text(text=" " if ended else "; ", src=note.src))
        if isinstance(block, Paragraph):
            inline.extend(block.children)
        else:
            inline.append(Text(text=" ".join(block.plain().split()), src=note.src))
    return [Text(text=" (", src=note.src), *inline, Text(text=")", src=note.src)]


def number_notes(doc: Document) -> None:
    """Footnote numbers in reading order: Markdown notes and citation notes together."""
    count = 0
    for node in doc.walk():
        if isinstance(node, NoteRef):
            count += 1
            node.n = count
