"""Raw WordprocessingML helpers for the DOCX renderer.

The walker builds the document with python-docx and calls these functions for what
python-docx has no API for; it never touches XML itself. Style arguments named
``style`` are python-docx style *names* (resolved like ``paragraph.add_run(style=...)``);
the fixed styles written here use the reference.docx style ids below.

Fields and cross-references
    ``add_field(paragraph, instruction, cached, style=None)`` complex field (PAGE, NUMPAGES,
    ``SEQ Figure \\* ARABIC``, ``REF fig_tests \\h``) whose cached result shows as is.
    ``bookmark_name(key) -> str`` turns any key into a legal bookmark name.
    ``add_bookmark(paragraph, name) -> int`` wraps the paragraph's current content;
    ``bookmark_names(document) -> set[str]`` those a document already holds;
    ``bookmark_start(paragraph, name) -> int`` / ``bookmark_end(paragraph, id)`` wrap a part.
    ``add_hyperlink(paragraph, text, *, url=None, anchor=None, style="Hyperlink") -> Run``.
    ``add_toc(container, entries, *, instruction=TOC_INSTRUCTION) -> list[Paragraph]``
    TOC field whose cached result is already the entries (level, text, anchor, page).
Notes
    ``add_footnote(document, paragraph, text="") -> Paragraph`` native footnote; returns
    the note's paragraph to add runs / hyperlinks to.
    ``add_note_paragraph(note_paragraph, text="") -> Paragraph`` a further note paragraph.
Layout
    ``set_columns(section, count, space_twips=360)``; ``column_count(section)``,
    ``text_width(section)`` and ``column_width(section)`` (the room a picture has);
    ``repeat_header_rows(table, n=1)``, ``repeat_header_row(row)``;
    ``set_column_widths(table, widths)`` (fixed, before rows are added);
    ``add_row(table, widths) -> _Row`` (in constant time);
    ``cant_split(row)``; ``set_alt_text(inline_shape, description, title=None)``;
    ``restart_numbering(paragraph) -> int`` / ``set_numbering(paragraph, num_id)`` start a
    fresh "List Number" count; ``different_first_page(section)`` (``w:titlePg``). Page size
    and margins need no helper: ``section.page_width`` etc.
Tracked changes
    ``Revisions(author, date)`` numbers the marks of one document;
    ``block_container(into)`` the element a document, cell or note adds blocks to;
    ``track(elements, change, revisions, paragraph_marks=True)`` marks every run (and
    paragraph mark) in `elements` inserted or deleted (``w:ins``/``w:del``).
Styles
    ``copy_styles(source, target, names) -> list[str]`` copies the named styles `target`
    lacks (with their base, linked and list-numbering definitions); never changes its own.
Package
    ``set_language(document, tag="en-US")`` on the styles' docDefaults.
    ``normalize_package(data, when) -> bytes`` deterministic zip (set created/modified with
    ``document.core_properties`` too; this also stamps docProps/core.xml).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import PartFactory, XmlPart
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import OxmlElement, parse_xml
from docx.parts.numbering import NumberingPart
from docx.parts.story import StoryPart
from docx.shared import Length, Twips
from docx.table import _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

if TYPE_CHECKING:
    from docx.document import Document
    from docx.package import Package
    from docx.section import Section
    from docx.shape import InlineShape
    from docx.table import Table

__all__ = [
    "FOOTNOTE_REFERENCE",
    "FOOTNOTE_TEXT",
    "SQUARE_BULLET",
    "TOC_INSTRUCTION",
    "FootnotesPart",
    "add_bookmark",
    "add_field",
    "add_footnote",
    "add_hyperlink",
    "add_note_paragraph",
    "add_row",
    "add_run",
    "add_toc",
    "block_mark",
    "bookmark_end",
    "bookmark_name",
    "bookmark_names",
    "bookmark_start",
    "cant_split",
    "column_count",
    "column_width",
    "copy_styles",
    "different_first_page",
    "keep_together",
    "normalize_package",
    "repeat_header_row",
    "repeat_header_rows",
    "restart_numbering",
    "set_alt_text",
    "set_bullet",
    "set_column_widths",
    "set_columns",
    "set_language",
    "set_numbering",
    "set_paragraph_style",
    "set_rule_weight",
    "text_width",
]

FOOTNOTE_TEXT = "FootnoteText"
"""Style id of the footnote paragraph style (Word name "footnote text")."""
FOOTNOTE_REFERENCE = "FootnoteReference"
"""Style id of the footnote mark character style (Word name "footnote reference")."""
TOC_INSTRUCTION = r'TOC \o "1-3" \h \z \u'
"""Default TOC field instruction."""

# ---------------------------------------------------------------------------------------
# runs and fields


def _char_style_id(paragraph: Paragraph, style: str | None) -> str | None:
    """Style id for character style name `style` (None: no rStyle)."""
    if style is None:
        return None
    return paragraph.part.get_style_id(style, WD_STYLE_TYPE.CHARACTER)


def _run(text: str = "", style_id: str | None = None) -> Any:
    """A new ``w:r`` holding `text` (tabs and newlines become w:tab / w:br)."""
    r = OxmlElement("w:r")
    if style_id:
        r.get_or_add_rPr().style = style_id
    if text:
        r.text = text
    return r


def set_paragraph_style(paragraph: Paragraph, style_id: str | None) -> None:
    """Style `paragraph` by style id (None: the default style). python-docx's setter
    searches every style for the default on each call, about 10 ms: minutes in a
    2,000-row table."""
    if style_id:
        paragraph._p.get_or_add_pPr().style = style_id


def add_run(paragraph: Paragraph, text: str, style_id: str | None = None) -> Run:
    """A run of `text` with character style id `style_id` (as ``set_paragraph_style``)."""
    run = paragraph.add_run(text)
    if style_id:
        run._r.get_or_add_rPr().style = style_id
    return run


def _fld_char(kind: str, style_id: str | None) -> Any:
    r = _run(style_id=style_id)
    r.append(OxmlElement("w:fldChar", {qn("w:fldCharType"): kind}))
    return r


def _instr(instruction: str, style_id: str | None) -> Any:
    r = _run(style_id=style_id)
    instr = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
    instr.text = f" {instruction.strip()} "
    r.append(instr)
    return r


def _field_runs(instruction: str, cached: str, style_id: str | None = None) -> list[Any]:
    """begin / instrText / separate / cached result / end runs of one complex field."""
    return [
        _fld_char("begin", style_id),
        _instr(instruction, style_id),
        _fld_char("separate", style_id),
        _run(cached, style_id),
        _fld_char("end", style_id),
    ]


def add_field(
    paragraph: Paragraph, instruction: str, cached: str, style: str | None = None
) -> None:
    """Append complex field `instruction` to `paragraph`, showing `cached` until updated.

    `style` is a character style name applied to every run of the field.
    """
    for r in _field_runs(instruction, cached, _char_style_id(paragraph, style)):
        paragraph._p.append(r)


# ---------------------------------------------------------------------------------------
# bookmarks


@dataclass
class _Bookmarks:
    next_id: int
    names: set[str] = field(default_factory=set)


_BOOKMARKS: WeakKeyDictionary[Any, _Bookmarks] = WeakKeyDictionary()
_BOOKMARK_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


def bookmark_name(anchor: str) -> str:
    """A Word bookmark name for `anchor`: hidden (``_Ref_…``, as Word names cross-reference
    targets), letters, digits and _, at most 40 characters, one per anchor — where the
    plain form would drop characters or length, a short hash keeps it apart (two long
    headings often share their first 35 characters)."""
    name = "_Ref_" + anchor.replace("-", "_")
    if len(name) <= 40 and re.fullmatch(r"[A-Za-z0-9-]*", anchor):
        return name
    digest = hashlib.sha1(anchor.encode()).hexdigest()[:8]
    return ("_Ref_" + re.sub(r"[^A-Za-z0-9]", "_", anchor))[:31] + "_" + digest


def _bookmark_state(package: Package) -> _Bookmarks:
    state = _BOOKMARKS.get(package)
    if state is None:
        ids, names = [-1], set()
        for part in package.iter_parts():
            if isinstance(part, XmlPart):
                for el in part.element.iter(qn("w:bookmarkStart")):
                    ids.append(int(el.get(qn("w:id"), "-1")))
                    names.add(el.get(qn("w:name")))
        state = _BOOKMARKS[package] = _Bookmarks(max(ids) + 1, names)
    return state


def bookmark_names(document: Document) -> set[str]:
    """The names of the bookmarks `document` holds (in any part)."""
    return set(_bookmark_state(document.part.package).names)


def bookmark_start(paragraph: Paragraph, name: str) -> int:
    """Append a ``w:bookmarkStart`` named `name`; return its document-unique id."""
    if not _BOOKMARK_NAME.fullmatch(name):
        raise ValueError(f"illegal bookmark name {name!r}; use bookmark_name()")
    state = _bookmark_state(paragraph.part.package)
    if name in state.names:
        raise ValueError(f"duplicate bookmark name {name!r}")
    bookmark_id, state.next_id = state.next_id, state.next_id + 1
    state.names.add(name)
    attrs = {qn("w:id"): str(bookmark_id), qn("w:name"): name}
    paragraph._p.append(OxmlElement("w:bookmarkStart", attrs))
    return bookmark_id


def bookmark_end(paragraph: Paragraph, bookmark_id: int) -> None:
    """Append the ``w:bookmarkEnd`` closing bookmark `bookmark_id`."""
    paragraph._p.append(OxmlElement("w:bookmarkEnd", {qn("w:id"): str(bookmark_id)}))


def add_bookmark(paragraph: Paragraph, name: str) -> int:
    """Bookmark everything now in `paragraph` as `name`; return the bookmark id."""
    bookmark_id = open_range(paragraph, name)
    bookmark_end(paragraph, bookmark_id)
    return bookmark_id


def open_range(paragraph: Paragraph, name: str) -> int:
    """Start bookmark ``name`` at the start of ``paragraph`` (a range ``close_range``
    ends); return its id."""
    bookmark_id = bookmark_start(paragraph, name)
    start = paragraph._p[-1]
    paragraph._p.remove(start)
    ppr = paragraph._p.pPr
    paragraph._p.insert(0 if ppr is None else 1, start)
    return bookmark_id


def close_range(document: Document, bookmark_id: int, before: Paragraph | None = None) -> None:
    """End bookmark ``bookmark_id`` with the body's last paragraph so far, or with the
    last one before paragraph ``before``."""
    if before is None:
        last = document.element.body.findall(qn("w:p"))[-1]
    else:
        last = next(before._p.itersiblings(qn("w:p"), preceding=True))
    last.append(OxmlElement("w:bookmarkEnd", {qn("w:id"): str(bookmark_id)}))


# ---------------------------------------------------------------------------------------
# hyperlinks


def add_hyperlink(
    paragraph: Paragraph,
    text: str,
    *,
    url: str | None = None,
    anchor: str | None = None,
    style: str | None = "Hyperlink",
) -> Run:
    """Append a link to external `url` or to bookmark `anchor`; return its run.

    Works in body, header, footer and footnote paragraphs (the relationship goes on the
    paragraph's own part).
    """
    run = Run(_run(text, _char_style_id(paragraph, style)), paragraph)
    wrap_hyperlink(paragraph, [run], url=url, anchor=anchor)
    return run


def content_mark(paragraph: Paragraph) -> int:
    """A mark for `runs_since`: how many elements `paragraph` holds now."""
    return len(paragraph._p)


def content_since(paragraph: Paragraph, mark: int) -> list[Any]:
    """The elements (runs, links, fields) appended to `paragraph` since `mark`."""
    return list(paragraph._p)[mark:]


def runs_since(paragraph: Paragraph, mark: int) -> list[Run]:
    """The runs appended to `paragraph` since `content_mark` gave `mark`."""
    return [Run(r, paragraph) for r in list(paragraph._p)[mark:] if r.tag == qn("w:r")]


def wrap_hyperlink(
    paragraph: Paragraph, runs: list[Run], *, url: str | None = None, anchor: str | None = None
) -> None:
    """Move `runs` into a new link at the end of `paragraph`."""
    if (url is None) == (anchor is None):
        raise ValueError("give exactly one of url= or anchor=")
    link = OxmlElement("w:hyperlink")
    if url is not None:
        link.set(qn("r:id"), paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True))
    else:
        link.set(qn("w:anchor"), anchor)
    link.set(qn("w:history"), "1")
    paragraph._p.append(link)
    for run in runs:
        link.append(run._r)


# ---------------------------------------------------------------------------------------
# footnotes

_SEPARATORS = (
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    "<w:r><w:separator/></w:r></w:p></w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
    "<w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"
)
_SETTINGS_AFTER_FOOTNOTE_PR = (
    "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema",
    "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions", "w:readModeInkLockDown",
    "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
    "w:decimalSymbol", "w:listSeparator",
)  # fmt: skip


class FootnotesPart(StoryPart):
    """``/word/footnotes.xml``; a story part, so its paragraphs resolve styles and links."""

    @classmethod
    def new(cls, package: Package) -> FootnotesPart:
        """An empty footnotes part holding Word's separator (-1) and continuation (0) notes."""
        xml = f"<w:footnotes {nsdecls('w', 'r')}>{_SEPARATORS}</w:footnotes>"
        return cls(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(xml), package)


PartFactory.part_type_for[CT.WML_FOOTNOTES] = FootnotesPart


def set_separator_height(document: Document, points: float) -> None:
    """Make the footnote separators ``points`` tall (an exact line), if there are notes:
    Word reads the separator paragraph's height (LibreOffice keeps its own)."""
    try:
        part = document.part.part_related_by(RT.FOOTNOTES)
    except KeyError:
        return
    for note in part.element.findall(qn("w:footnote")):
        if note.get(qn("w:type")) in ("separator", "continuationSeparator"):
            for spacing in note.iter(qn("w:spacing")):
                spacing.set(qn("w:line"), str(round(points * 20)))
                spacing.set(qn("w:lineRule"), "exact")


def _footnotes_part(document: Document) -> FootnotesPart:
    doc_part = document.part
    try:
        part = doc_part.part_related_by(RT.FOOTNOTES)
    except KeyError:
        part = FootnotesPart.new(doc_part.package)
        doc_part.relate_to(part, RT.FOOTNOTES)
    if not isinstance(part, FootnotesPart):  # loaded before this module registered the class
        part._element = parse_xml(part.blob)
        part.__class__ = FootnotesPart
    _ensure_footnote_pr(document)
    return part


def _ensure_footnote_pr(document: Document) -> None:
    """settings.xml lists the separator notes in ``w:footnotePr``, as Word writes it."""
    settings = document.settings.element
    if settings.find(qn("w:footnotePr")) is not None:
        return
    pr = parse_xml(
        f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
    )
    settings.insert_element_before(pr, *_SETTINGS_AFTER_FOOTNOTE_PR)


def add_footnote(document: Document, paragraph: Paragraph, text: str = "") -> Paragraph:
    """Append a footnote mark to body `paragraph`; return the note's first paragraph.

    The note paragraph (style FootnoteText) starts with the FootnoteReference-styled
    ``w:footnoteRef`` and a space; `text`, if given, follows. Add further runs, fields or
    ``add_hyperlink`` to the returned paragraph.
    """
    if paragraph.part is not document.part:
        raise ValueError("footnotes can be referenced only from the document body")
    notes = _footnotes_part(document)
    root = notes.element
    note_id = 1 + max([0, *(int(n.get(qn("w:id"))) for n in root.iter(qn("w:footnote")))])
    note = parse_xml(
        f'<w:footnote {nsdecls("w")} w:id="{note_id}"><w:p>'
        f'<w:pPr><w:pStyle w:val="{FOOTNOTE_TEXT}"/></w:pPr>'
        f'<w:r><w:rPr><w:rStyle w:val="{FOOTNOTE_REFERENCE}"/></w:rPr><w:footnoteRef/></w:r>'
        '<w:r><w:t xml:space="preserve"> </w:t></w:r></w:p></w:footnote>'
    )
    root.append(note)
    mark = _run(style_id=FOOTNOTE_REFERENCE)
    mark.append(OxmlElement("w:footnoteReference", {qn("w:id"): str(note_id)}))
    paragraph._p.append(mark)
    note_paragraph = Paragraph(note[0], notes)
    if text:
        note_paragraph.add_run(text)
    return note_paragraph


def add_note_paragraph(note_paragraph: Paragraph, text: str = "") -> Paragraph:
    """Add a FootnoteText paragraph after `note_paragraph` in the same note."""
    p = OxmlElement("w:p")
    p.style = FOOTNOTE_TEXT
    note_paragraph._p.addnext(p)
    new = Paragraph(p, note_paragraph._parent)
    if text:
        new.add_run(text)
    return new


# ---------------------------------------------------------------------------------------
# table of contents


def _toc_entry(p: Paragraph, text: str, anchor: str | None, page: str | None) -> None:
    runs = [_run(text)]
    if page is not None:
        runs.append(_run("\t"))
        runs += _field_runs(f"PAGEREF {anchor} \\h", page) if anchor else [_run(page)]
    target = p._p
    if anchor:
        target = OxmlElement("w:hyperlink", {qn("w:anchor"): anchor, qn("w:history"): "1"})
        p._p.append(target)
    for r in runs:
        target.append(r)


def add_toc(
    container: Any,
    entries: Sequence[tuple[int, str, str | None, str | None]],
    *,
    instruction: str = TOC_INSTRUCTION,
    style: str | None = None,
) -> list[Paragraph]:
    """Add a TOC field to `container` (Document, cell...) with its result pre-filled.

    Each entry ``(level, text, anchor, page)`` becomes a paragraph in style ``TOC<level>``
    (Word name "toc N"), or paragraph style name `style` (a list of figures: "Table of
    Figures" with ``TOC \\h \\z \\c "Figure"``); `anchor` names the heading's bookmark
    (links + PAGEREF), `page` the cached page number shown after a tab. The field begins
    in the first paragraph and ends in the last, so Word and LibreOffice show the entries
    without updating.
    """
    paragraphs: list[Paragraph] = []
    for level, text, anchor, page in entries or [(1, "", None, None)]:
        p = container.add_paragraph(style=style)
        if style is None:
            p._p.style = f"TOC{min(max(level, 1), 9)}"
        if not paragraphs:
            p._p.extend([_fld_char("begin", None), _instr(instruction, None)])
            p._p.append(_fld_char("separate", None))
        _toc_entry(p, text, anchor, page)
        paragraphs.append(p)
    paragraphs[-1]._p.append(_fld_char("end", None))
    return paragraphs


# ---------------------------------------------------------------------------------------
# sections, tables, pictures, numbering

_SECTPR_AFTER_COLS = (
    "w:formProt", "w:vAlign", "w:noEndnote", "w:titlePg", "w:textDirection", "w:bidi",
    "w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange",
)  # fmt: skip
_SECTPR_AFTER_PGNUMTYPE = ("w:cols", *_SECTPR_AFTER_COLS)
_TRPR_AFTER_CANT_SPLIT = ("w:trHeight", "w:tblHeader", "w:tblCellSpacing", "w:jc", "w:hidden")
_TRPR_AFTER_TBL_HEADER = ("w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del")


def frame(paragraph: Paragraph, width: Length) -> None:
    """Put ``paragraph`` in a frame ``width`` wide at the left margin, the text after it
    flowing round it (neighbouring paragraphs framed alike share one frame)."""
    frame_pr = OxmlElement("w:framePr")
    for key, value in (("w", str(width.twips)), ("hSpace", "288"), ("wrap", "around"),
                       ("vAnchor", "text"), ("hAnchor", "margin"), ("xAlign", "left"),
                       ("y", "1")):  # fmt: skip
        frame_pr.set(qn(f"w:{key}"), value)
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.insert(1 if p_pr.find(qn("w:pStyle")) is not None else 0, frame_pr)


def foot_frame(paragraph: Paragraph, y: Length, align: str, width: Length) -> None:
    """Put ``paragraph`` in a frame at ``y`` from the page's top, ``align``-ed across the
    text width: a line set in the footer band of the page it ends up on (the last page's
    version line, which neither Word nor LibreOffice can give a last-page-only footer)."""
    frame_pr = OxmlElement("w:framePr")
    for key, value in (("w", str(width.twips)), ("wrap", "notBeside"), ("vAnchor", "page"),
                       ("hAnchor", "margin"), ("xAlign", align), ("y", str(y.twips))):  # fmt: skip
        frame_pr.set(qn(f"w:{key}"), value)
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.insert(1 if p_pr.find(qn("w:pStyle")) is not None else 0, frame_pr)


def heading_not_listed(style: Any, heading: Any) -> None:
    """Make ``style`` a heading (based on ``heading``, as Word's TOC Heading is) at outline
    level 10, body text: readers and converters see a heading, the TOC field does not."""
    style.base_style = heading
    p_pr = style.element.get_or_add_pPr()
    for old in p_pr.findall(qn("w:outlineLvl")):
        p_pr.remove(old)
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "9")
    p_pr.append(level)


def set_columns(section: Section, count: int, space_twips: int = 360) -> None:
    """Lay `section` out in `count` equal columns `space_twips` apart."""
    sect_pr = section._sectPr
    cols = sect_pr.find(qn("w:cols"))
    if cols is None:
        cols = OxmlElement("w:cols")
        sect_pr.insert_element_before(cols, *_SECTPR_AFTER_COLS)
    for child in list(cols):
        cols.remove(child)
    for attr in (qn("w:equalWidth"), qn("w:sep")):
        cols.attrib.pop(attr, None)
    cols.set(qn("w:num"), str(count))
    cols.set(qn("w:space"), str(space_twips))


SQUARE_BULLET = ("\u25aa", "Arial")
"""A small filled square (U+25AA) in a font every Word and LibreOffice has."""


def set_bullet(document: Document, style: str, glyph: tuple[str, str]) -> None:
    """Draw the bullets of list paragraph style `style` as `glyph` (text, font): the first
    level of the list definition its numbering uses."""
    numbering = document.part.numbering_part.element
    num_id = document.styles[style].element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(num_id).abstractNumId.val
    lvl = numbering.xpath(f'./w:abstractNum[@w:abstractNumId="{abstract_id}"]/w:lvl[@w:ilvl="0"]')[
        0
    ]
    text, font = glyph
    lvl.find(qn("w:lvlText")).set(qn("w:val"), text)
    rpr = lvl.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        lvl.append(rpr)
    for child in list(rpr):
        if child.tag == qn("w:rFonts"):
            rpr.remove(child)
    attrs = {qn(f"w:{a}"): font for a in ("ascii", "hAnsi", "cs")}
    rpr.insert(0, OxmlElement("w:rFonts", {**attrs, qn("w:hint"): "default"}))


def set_rule_weight(style: Any, points: float) -> None:
    """Make the rule under paragraph style `style` (its ``w:pBdr/w:bottom``) `points` thick
    (the schema's sizes are eighths of a point, 2 to 96)."""
    rule = style.element.find(f"{qn('w:pPr')}/{qn('w:pBdr')}/{qn('w:bottom')}")
    if rule is not None:
        rule.set(qn("w:sz"), str(min(max(round(points * 8), 2), 96)))


def set_cell_margins(style: Any, vertical: Length, horizontal: Length) -> None:
    """The cell margins of table style ``style`` (``w:tblCellMar``, in twips): a CSS cell's
    padding."""
    margins = style.element.find(f"{qn('w:tblPr')}/{qn('w:tblCellMar')}")
    if margins is None:
        return
    for side, value in (("top", vertical), ("bottom", vertical), ("left", horizontal),
                        ("right", horizontal)):  # fmt: skip
        cell = margins.find(qn(f"w:{side}"))
        if cell is not None:
            cell.set(qn("w:w"), str(round(Length(value).pt * 20)))


def contextual_spacing(style: Any, on: bool) -> None:
    """Whether paragraphs of ``style`` drop their spacing next to one another."""
    ppr = style.element.find(qn("w:pPr"))
    found = ppr.find(qn("w:contextualSpacing")) if ppr is not None else None
    if found is not None and not on:
        ppr.remove(found)


def column_count(section: Section) -> int:
    """How many text columns `section` has (``w:cols``; one when it says nothing)."""
    cols = section._sectPr.find(qn("w:cols"))
    if cols is None:
        return 1
    explicit = cols.findall(qn("w:col"))
    if explicit and cols.get(qn("w:equalWidth")) in ("0", "false", "off"):
        return len(explicit)
    return max(1, int(cols.get(qn("w:num"), "1")))


def text_width(section: Section) -> Length:
    """The width between `section`'s left and right margins (and gutter); a section
    that says nothing of them is taken as Letter with 1 in margins, as Word does."""
    page = section.page_width if section.page_width is not None else Twips(12240)
    left, right = (
        Twips(1440) if m is None else m for m in (section.left_margin, section.right_margin)
    )
    return Length(page - left - right - (section.gutter or 0))


def column_width(section: Section) -> Length:
    """The width of `section`'s narrowest text column: its text width less the gaps
    between the columns, shared equally, or the narrowest of unequal ``w:col`` widths."""
    cols = section._sectPr.find(qn("w:cols"))
    count = column_count(section)
    if count == 1 or cols is None:
        return text_width(section)
    explicit = cols.findall(qn("w:col"))
    if explicit and cols.get(qn("w:equalWidth")) in ("0", "false", "off"):
        return Length(min(Twips(int(c.get(qn("w:w"), "0"))) for c in explicit))
    space = Twips(int(cols.get(qn("w:space"), "720")))  # the schema's default: 0.5 in
    return Length((text_width(section) - (count - 1) * space) // count)


def restart_page_numbers(section: Section, start: int = 1) -> None:
    """Number `section`'s pages from `start` (``w:pgNumType w:start``)."""
    num = section._sectPr.find(qn("w:pgNumType"))
    if num is None:
        num = OxmlElement("w:pgNumType")
        section._sectPr.insert_element_before(num, *_SECTPR_AFTER_PGNUMTYPE)
    num.set(qn("w:start"), str(start))


def continue_page_numbers(section: Section) -> None:
    """Let `section` count pages on from the one before (no ``w:start``)."""
    num = section._sectPr.find(qn("w:pgNumType"))
    if num is not None:
        num.attrib.pop(qn("w:start"), None)


def drop_trailing_page_break(document: Document) -> None:
    """Remove the body's last paragraph when it holds only a page break (a section break
    that starts a new page takes its place)."""
    body = document.element.body
    last = [p for p in body.iterchildren(qn("w:p"))]
    if last and not "".join(last[-1].itertext()).strip() and last[-1].findall(f".//{qn('w:br')}"):
        body.remove(last[-1])


def clear(paragraph: Paragraph) -> None:
    """Remove `paragraph`'s runs and fields, keeping its properties."""
    for child in list(paragraph._p):
        if child.tag != qn("w:pPr"):
            paragraph._p.remove(child)


def different_first_page(section: Section, on: bool = True) -> None:
    """Give `section` its own first-page header and footer (``w:titlePg``)."""
    section.different_first_page_header_footer = on


def _tr_flag(row: _Row, tag: str, successors: Iterable[str]) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(tag)) is None:
        tr_pr.insert_element_before(OxmlElement(tag), *successors)


def block_mark(document: Document) -> int:
    """A mark for `keep_together`: how many blocks the document's body holds now."""
    return sum(1 for block in document.element.body if block.tag != qn("w:sectPr"))


def keep_together(document: Document, mark: int) -> None:
    """Keep the paragraphs and table rows added to the body since `mark` on one page:
    each is kept with the next (``w:keepNext``), all but the last paragraph."""
    blocks = list(document.element.body)[mark:]
    paragraphs = [
        p
        for block in blocks
        if block.tag in (qn("w:p"), qn("w:tbl"))
        for p in ([block] if block.tag == qn("w:p") else block.iter(qn("w:p")))
        if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is None
    ]
    for p in paragraphs[:-1]:
        p.get_or_add_pPr().keepNext_val = True


def repeat_header_rows(table: Table, n: int = 1) -> None:
    """Repeat the first `n` rows at the top of every page the table spans."""
    for row in list(table.rows)[:n]:
        repeat_header_row(row)


def repeat_header_row(row: _Row) -> None:
    """Repeat `row` (one of the table's first rows) at the top of every page it spans."""
    _tr_flag(row, "w:tblHeader", _TRPR_AFTER_TBL_HEADER)


def add_row(table: Table, widths: Sequence[Length | None]) -> _Row:
    """A new last row of one cell per column, each `widths[i]` wide. python-docx's
    ``add_row`` looks up the grid among all the rows first: slow for a long table."""
    tr = table._tbl._add_tr()
    for width in widths:
        tc = tr.add_tc()
        if width is not None:
            tc.width = width
    return _Row(tr, table)


def set_column_widths(table: Table, widths: Sequence[Length]) -> None:
    """Fixed column widths (grid, table width and fixed layout), set before rows are
    added so each new cell takes its column's width: Word and LibreOffice then keep
    them instead of sharing the width equally."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Length(int(width))
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is not None:
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(Length(int(w)).twips for w in widths)))


def cant_split(row: _Row) -> None:
    """Keep `row` from breaking across pages."""
    _tr_flag(row, "w:cantSplit", _TRPR_AFTER_CANT_SPLIT)


def set_alt_text(inline_shape: InlineShape, description: str, title: str | None = None) -> None:
    """Set the picture's alt text (``wp:docPr/@descr``) and optional title."""
    inline = inline_shape._inline
    inline.docPr.set("descr", description)
    if title is not None:
        inline.docPr.set("title", title)
    for c_nv_pr in inline.xpath(".//pic:cNvPr"):
        c_nv_pr.set("descr", description)


def _style_num_id(paragraph: Paragraph) -> int:
    style = paragraph.style
    while style is not None:
        ppr = style.element.pPr
        if ppr is not None and ppr.numPr is not None and ppr.numPr.numId is not None:
            return ppr.numPr.numId.val
        style = style.base_style
    raise ValueError(f"paragraph style {paragraph.style.name!r} has no numbering")


def restart_numbering(paragraph: Paragraph, start: int = 1) -> int:
    """Start a new count at `start` for `paragraph`'s list style; return the new numId.

    Give the list's later items the same count with ``set_numbering(p, num_id)``.
    """
    numbering = paragraph.part.package.main_document_part.numbering_part.element
    abstract_id = numbering.num_having_numId(_style_num_id(paragraph)).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(start)
    set_numbering(paragraph, num.numId)
    return num.numId


def set_numbering(paragraph: Paragraph, num_id: int) -> None:
    """Number `paragraph` (level 0) with list instance `num_id`."""
    num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
    num_pr.get_or_add_ilvl().val = 0
    num_pr.get_or_add_numId().val = num_id


# ---------------------------------------------------------------------------------------
# styles copied from another document


class _StyleCopier:
    """Copies styles by name from `source` into `target`; target's own styles are kept."""

    def __init__(self, source: Document, target: Document) -> None:
        self.source, self.target = source.styles.element, target.styles.element
        self.source_doc, self.target_doc = source, target
        self.ids: dict[str, str | None] = {}  # source style id -> target style id
        self.nums: dict[int, int] = {}  # source numId -> target numId
        self.added: list[str] = []

    def by_name(self, name: str) -> None:
        if name in self.target_doc.styles:
            return
        try:
            style_id = self.source_doc.styles[name].style_id
        except KeyError:
            raise ValueError(f"style {name!r} is not in the source document") from None
        self.by_id(style_id)

    def by_id(self, style_id: str) -> str | None:
        """The target's id for source style `style_id`, copying the style if it lacks it."""
        if style_id in self.ids:
            return self.ids[style_id]
        element = self.source.get_by_id(style_id)
        if element is None:
            self.ids[style_id] = None
            return None
        existing = self.target.get_by_name(element.name_val)
        if existing is not None:
            self.ids[style_id] = existing.styleId
            return existing.styleId
        return self._copy(element)

    def _copy(self, element: Any) -> str:
        copy = deepcopy(element)
        copy.styleId = new_id = self._free_id(element.styleId)
        self.ids[element.styleId] = new_id
        for tag in ("w:basedOn", "w:next", "w:link"):
            self._relink(copy, tag)
        num_id = copy.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
        if num_id is not None:
            num_id.set(qn("w:val"), str(self._num(int(num_id.get(qn("w:val"))))))
        self.target.append(copy)
        self.added.append(element.name_val)
        return new_id

    def _free_id(self, style_id: str) -> str:
        candidate, n = style_id, 1
        while self.target.get_by_id(candidate) is not None:
            candidate, n = f"{style_id}CRS{n if n > 1 else ''}", n + 1
        return candidate

    def _relink(self, copy: Any, tag: str) -> None:
        ref = copy.find(qn(tag))
        if ref is None:
            return
        target_id = self.by_id(ref.get(qn("w:val")))
        if target_id is None:
            copy.remove(ref)
        else:
            ref.set(qn("w:val"), target_id)

    def _num(self, num_id: int) -> int:
        """The target numId of a copy of source list `num_id` and its abstract definition."""
        if num_id not in self.nums:
            source = self.source_doc.part.numbering_part.element
            num = source.num_having_numId(num_id)
            abstract_id = num.abstractNumId.val
            abstract = source.xpath(f'./w:abstractNum[@w:abstractNumId="{abstract_id}"]')[0]
            self.nums[num_id] = _add_list(_numbering(self.target_doc), abstract, num)
        return self.nums[num_id]


def _numbering(document: Document) -> Any:
    """The document's ``w:numbering`` element, adding an empty numbering part if none."""
    doc_part = document.part
    try:
        return doc_part.part_related_by(RT.NUMBERING).element
    except KeyError:
        xml = f"<w:numbering {nsdecls('w')}/>"
        uri = PackURI("/word/numbering.xml")
        part = NumberingPart(uri, CT.WML_NUMBERING, parse_xml(xml), doc_part.package)
        doc_part.relate_to(part, RT.NUMBERING)
        return part.element


def _add_list(numbering: Any, abstract: Any, num: Any) -> int:
    """Copy `abstract` and its `num` into `numbering` under fresh ids; return the numId."""
    taken = [int(x) for x in numbering.xpath("./w:abstractNum/@w:abstractNumId")]
    abstract_id = 1 + max([-1, *taken])
    new_abstract = deepcopy(abstract)
    new_abstract.set(qn("w:abstractNumId"), str(abstract_id))
    nsid = new_abstract.find(qn("w:nsid"))
    if nsid is not None:  # a list identity of its own, stable across runs
        nsid.set(qn("w:val"), f"{0x43525300 + abstract_id:08X}")
    last = numbering.findall(qn("w:abstractNum"))
    first_num = numbering.find(qn("w:num"))
    if last:
        last[-1].addnext(new_abstract)
    elif first_num is not None:
        first_num.addprevious(new_abstract)
    else:
        numbering.append(new_abstract)
    new_num = deepcopy(num)
    num_id = numbering._next_numId
    new_num.set(qn("w:numId"), str(num_id))
    new_num.abstractNumId.val = abstract_id
    numbering._insert_num(new_num)
    return num_id


def copy_styles(source: Document, target: Document, names: Iterable[str]) -> list[str]:
    """Copy the styles named `names` that `target` lacks from `source`; return their names.

    The styles a copy is based on, linked to or followed by come along when `target`
    lacks them too, and so does the list numbering a copied list style uses (under fresh
    ids). Styles `target` already has, by name, are used as they are and never changed.
    """
    copier = _StyleCopier(source, target)
    for name in names:
        copier.by_name(name)
    return copier.added


# ---------------------------------------------------------------------------------------
# tracked changes


_TRACKED = {
    "insert": "w:ins",
    "delete": "w:del",
    "move_from": "w:moveFrom",
    "move_to": "w:moveTo",
}
_DELETED_TEXT = {qn("w:t"): qn("w:delText"), qn("w:instrText"): qn("w:delInstrText")}


@dataclass
class Revisions:
    """Who made the changes and when, and the next mark id (unique in the document)."""

    author: str
    date: str  # ISO 8601, UTC
    next_id: int = 1

    def mark(self, tag: str) -> Any:
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(self.next_id))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        self.next_id += 1
        return element


def block_container(into: Any) -> Any:
    """The XML element blocks are added to: a document's body, a cell, a note."""
    document_element = getattr(into, "element", None)
    body = getattr(document_element, "body", None)
    return body if body is not None else into._element


def elements_since(parent: Any, before: set[Any]) -> list[Any]:
    """The children of `parent` that are not in `before` (added since it was taken)."""
    return [el for el in parent if el not in before]


def track(
    elements: Iterable[Any],
    change: str,
    revisions: Revisions,
    paragraph_marks: bool = True,
    move: str = "",
) -> None:
    """Mark every run in `elements` as inserted, deleted or moved, so Word's Accept and
    Reject give one version or the other; with `paragraph_marks`, whole paragraphs too.
    A move (`move` names it, the same at both ends) is also wrapped in a named range."""
    elements = list(elements)
    tag = _TRACKED[change]
    tracked = tuple(qn(t) for t in _TRACKED.values())
    for element in elements:
        for run in list(element.iter(qn("w:r"))):
            if run.getparent().tag in tracked:
                continue
            wrapper = revisions.mark(tag)
            run.addprevious(wrapper)
            wrapper.append(run)
            if tag == "w:del":  # moved-from text stays w:t: it is still in the document
                for text in run.iter(*_DELETED_TEXT):
                    text.tag = _DELETED_TEXT[text.tag]
        if paragraph_marks:
            for p in element.iter(qn("w:p")):
                _mark_paragraph(p, tag, revisions)
    if move:
        _move_range(elements, tag, move, revisions)


def _move_range(elements: list[Any], tag: str, name: str, revisions: Revisions) -> None:
    """``w:moveFromRangeStart``/``End`` (or ``moveTo…``) around the moved paragraphs."""
    paragraphs = [p for el in elements for p in el.iter(qn("w:p"))]
    if not paragraphs:
        return
    start = revisions.mark(f"{tag}RangeStart")
    start.set(qn("w:name"), name)
    end = OxmlElement(f"{tag}RangeEnd")
    end.set(qn("w:id"), start.get(qn("w:id")))
    first, last = paragraphs[0], paragraphs[-1]
    ppr = first.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        first.insert(0, start)
    last.append(end)


def _mark_paragraph(p: Any, tag: str, revisions: Revisions) -> None:
    ppr = p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.insert_element_before(rpr, "w:sectPr", "w:pPrChange")
    if not any(rpr.find(qn(t)) is not None for t in _TRACKED.values()):
        rpr.insert(0, revisions.mark(tag))


# package level


def _child(parent: Any, tag: str, *successors: str) -> Any:
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        if successors:
            parent.insert_element_before(el, *successors)
        else:
            parent.insert(0, el)
    return el


def set_language(document: Document, tag: str = "en-US") -> None:
    """Make `tag` the default proofing language (``w:docDefaults`` ``w:lang``)."""
    styles = document.styles.element
    defaults = _child(styles, "w:docDefaults")
    rpr = _child(_child(defaults, "w:rPrDefault"), "w:rPr")
    lang = _child(rpr, "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), tag)


_CORE = "docProps/core.xml"
_ENTRY_MODE = 0o100644 << 16  # regular file, rw-r--r--
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
_DCTERMS = "{http://purl.org/dc/terms/}"


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    if when.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    if when.year > 2107:
        return (2107, 12, 31, 23, 59, 58)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def _stamp_core(xml: bytes, when: datetime) -> bytes:
    root = etree.fromstring(xml)
    for name in ("created", "modified"):
        el = root.find(_DCTERMS + name)
        if el is None:
            el = etree.SubElement(root, _DCTERMS + name)
        el.set(_XSI_TYPE, "dcterms:W3CDTF")
        el.text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _entry_order(name: str) -> tuple[int, str]:
    return ({"[Content_Types].xml": 0, "_rels/.rels": 1}.get(name, 2), name)


def normalize_package(data: bytes, when: datetime) -> bytes:
    """Rewrite DOCX `data` deterministically: fixed entry order, times, compression.

    Every entry gets `when` (UTC; clamped to 1980..2107) and docProps/core.xml gets
    dcterms:created/modified = `when`. Same input document → byte-identical output.
    """
    when = _utc(when)
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        entries = {info.filename: src.read(info) for info in src.infolist()}
    if _CORE in entries:
        entries[_CORE] = _stamp_core(entries[_CORE], when)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in sorted(entries, key=_entry_order):
            info = zipfile.ZipInfo(name, date_time=_zip_time(when))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the fixed mode below is meaningful
            info.external_attr = _ENTRY_MODE
            dst.writestr(info, entries[name], compresslevel=6)
    return out.getvalue()
