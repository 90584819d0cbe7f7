"""Write templates/docx/reference.docx, the style sheet every crsreport DOCX starts from.

Starts from python-docx's default template and defines (or adjusts) every style the DOCX
renderer uses, so colleagues restyle a report in Word by editing styles. Body text is
Times New Roman 11 pt; headings, captions and page furniture Arial; US Letter, 1 in margins.
Output is deterministic (re-running gives identical bytes).

    .venv/bin/python tools/make_reference_docx.py [OUT.docx]
"""

from __future__ import annotations

import copy
import io
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import OxmlElement, parse_xml
from docx.shared import Inches, Pt, RGBColor, Twips

from crsreport.render.docxml import (
    FOOTNOTE_REFERENCE,
    FOOTNOTE_TEXT,
    normalize_package,
    set_language,
)

OUT = Path(__file__).resolve().parents[1] / "templates" / "docx" / "reference.docx"
WHEN = datetime(2025, 1, 1, tzinfo=UTC)
SERIF, SANS, MONO = "Times New Roman", "Arial", "Courier New"
EM = 11 / 72  # one em of body text, in inches (the CSS sizes blocks in em)
TEXT_WIDTH = Twips(9360)  # 6.5 in between 1 in margins
BLACK = RGBColor(0, 0, 0)
RULE, MUTED = RGBColor(0x1F, 0x38, 0x64), RGBColor(0x4A, 0x4A, 0x4A)  # base.css --rule, --muted

P, C = WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER
_PPR_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_RPR_AFTER_SZCS = (
    "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl",
    "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
# Word built-ins whose XML names are lower case; they must not be marked custom
BUILT_IN = {"toc 1", "toc 2", "toc 3", "footnote text", "footnote reference", "Hyperlink"}
_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_THEME_COLOR_ATTRS = ("w:themeColor", "w:themeShade", "w:themeTint")

_MINOR_HEADING = {"before": 8, "after": 2, "keep": True}
# name: (style id or None, base, font, size pt, extra settings)
PARAGRAPH_STYLES: dict[str, tuple[str | None, str | None, str | None, float | None, dict]] = {
    "Normal": (None, None, None, None, {}),
    "Title": (None, "Normal", SANS, 20, {"bold": True, "after": 6, "plain": True}),
    "Subtitle": (None, "Normal", SANS, 12, {"italic": None, "after": 6, "plain": True}),
    "Heading 1": (None, "Normal", SANS, 13, {"bold": True, "before": 18, "after": 6}),
    "Heading 2": (None, "Normal", SANS, 11.5, {"bold": True, "before": 12, "after": 4}),
    "Heading 3": (
        None,
        "Normal",
        SANS,
        11,
        {"bold": True, "italic": True, "before": 10, "after": 3},
    ),
    # h5 and h6 in the PDF and HTML: bold, 0.83 and 0.67 em (the user-agent sizes)
    "Heading 4": (None, "Normal", SANS, 9, {"bold": True, "italic": False, **_MINOR_HEADING}),
    "Heading 5": (None, "Normal", SANS, 7.5, {"bold": True, "italic": False, **_MINOR_HEADING}),
    "Heading 6": (None, "Normal", SANS, 7.5, {"bold": True, "italic": False, **_MINOR_HEADING}),
    "Heading 7": (None, "Normal", SANS, None, {}),
    "Heading 8": (None, "Normal", SANS, None, {}),
    "Heading 9": (None, "Normal", SANS, None, {}),
    "TOC Heading": (None, "Heading 1", None, None, {"before": 0, "after": 12}),
    "List Bullet": (None, "Normal", None, None, {"after": 4}),
    "List Bullet 2": (None, "Normal", None, None, {"after": 4}),
    "List Bullet 3": (None, "Normal", None, None, {"after": 4}),
    "List Number": (None, "Normal", None, None, {"after": 4}),
    "List Number 2": (None, "Normal", None, None, {"after": 4}),
    "List Number 3": (None, "Normal", None, None, {"after": 4}),
    # blockquote { margin: 0.6em 1.5em }
    "Quote": (
        None,
        "Normal",
        None,
        None,
        {"italic": None, "left": 1.5 * EM, "right": 1.5 * EM, "before": 6.6, "after": 6.6},
    ),
    "Caption": (None, "Normal", SANS, 10, {"bold": True, "keep": True, "before": 12, "after": 3}),
    "Figure Unit": (None, "Normal", SANS, 9, {"keep": True, "after": 3}),
    "Source Note": (None, "Normal", SANS, 8.5, {"before": 2, "after": 2}),
    "Table Text": (None, "Normal", SANS, 9, {"before": 1, "after": 1}),
    "footnote text": (FOOTNOTE_TEXT, "Normal", SERIF, 9, {"after": 2}),
    "toc 1": ("TOC1", "Normal", None, None, {"toc": 0, "before": 4, "after": 2}),
    "toc 2": ("TOC2", "Normal", None, None, {"toc": 0.25, "after": 2}),
    "toc 3": ("TOC3", "Normal", None, None, {"toc": 0.5, "after": 2}),
    "Header": (None, "Normal", SANS, 9, {}),
    "Footer": (None, "Normal", SANS, 9, {}),
    # .masthead: the label right, over a 2 pt rule in the house blue; the date line below
    "Masthead Label": (
        None,
        "Normal",
        SANS,
        20,
        {"bold": True, "color": RULE, "after": 0, "align": "right", "rule": (16, "1F3864")},
    ),
    "Masthead Org": (None, "Normal", SANS, 11, {"bold": True, "after": 0}),
    "Date Line": (None, "Normal", SANS, 9, {"before": 6, "after": 0}),
    "Author Line": (None, "Normal", SANS, 10, {"after": 0}),
    "Product Number": (None, "Normal", SANS, 10, {"bold": True, "after": 0}),
    "Summary Label": (None, "Normal", SANS, 13, {"bold": True, "keep": True, "after": 6}),
    # .disclaimer h2 sits inside the box: the same border joins the two paragraphs' boxes
    "Disclaimer Heading": (
        None,
        "Normal",
        SANS,
        9,
        {"bold": True, "keep": True, "before": 12, "after": 2, "box": None},
    ),
    "Disclaimer": (None, "Normal", SANS, 8, {"after": 4, "box": None}),
    "Sidebar": (None, "Normal", SANS, 9.5, {"after": 4, "box": "F2F2F2"}),
    "Figure": (None, "Normal", None, None, {"keep": True, "after": 3, "center": True}),
    "Cover Line": (None, "Normal", SANS, 10, {"after": 0}),
    "Summary Title": (None, "Normal", SANS, 12, {"bold": True, "after": 6}),
    "Table of Figures": (None, "Normal", None, None, {"toc": 0, "after": 2}),
    "Version Footer": (None, "Normal", SANS, 7, {"before": 12, "after": 0}),
}
CHARACTER_STYLES: dict[str, tuple[str | None, dict]] = {
    "Strong": (None, {"bold": True}),
    "Emphasis": (None, {"italic": True}),
    "Hyperlink": (None, {"color": RGBColor(0x05, 0x63, 0xC1), "underline": True}),
    "Run-in Lead": (None, {"bold": True}),
    "footnote reference": (FOOTNOTE_REFERENCE, {"superscript": True}),
    "Note Letter": (None, {"superscript": True}),
    "Code": (None, {"font": MONO}),  # <code>: monospace
    "Source Label": (None, {"italic": True}),  # .source-label, .notes-label
    "Masthead Tagline": (None, {"italic": True, "bold": False, "size": 8, "color": MUTED}),
}
TABLE_STYLE = f"""<w:style {nsdecls("w")} w:type="table" w:customStyle="1" w:styleId="CRSTable">
<w:name w:val="CRS Table"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>
<w:pPr><w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/></w:pPr>
<w:rPr><w:rFonts w:ascii="{SANS}" w:hAnsi="{SANS}" w:eastAsia="{SANS}" w:cs="{SANS}"/>
<w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr>
<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/>
<w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/>
<w:insideH w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/></w:tblBorders>
<w:tblCellMar><w:top w:w="29" w:type="dxa"/><w:left w:w="86" w:type="dxa"/>
<w:bottom w:w="29" w:type="dxa"/><w:right w:w="86" w:type="dxa"/></w:tblCellMar></w:tblPr>
<w:tblStylePr w:type="firstRow"><w:pPr><w:keepNext/></w:pPr><w:rPr><w:b/><w:bCs/></w:rPr>
<w:tcPr><w:tcBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="000000"/>
<w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000"/></w:tcBorders>
<w:vAlign w:val="bottom"/></w:tcPr></w:tblStylePr></w:style>""".replace("\n", "")


SUMMARY_LAYOUT = f"""<w:style {nsdecls("w")} w:type="table" w:customStyle="1"
 w:styleId="SummaryLayout"><w:name w:val="Summary Layout"/><w:basedOn w:val="TableNormal"/>
<w:uiPriority w:val="59"/><w:tblPr><w:tblCellMar><w:top w:w="0" w:type="dxa"/>
<w:left w:w="115" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="115" w:type="dxa"/>
</w:tblCellMar></w:tblPr><w:tcPr><w:vAlign w:val="top"/></w:tcPr></w:style>""".replace("\n", "")


def _set_fonts(rpr: Any, name: str) -> None:
    """Explicit `name` for every script, no theme font."""
    fonts = rpr.get_or_add_rFonts()
    for attr in _THEME_FONT_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _strip_theme(styles: Any) -> None:
    """No theme fonts or colours in paragraph/character styles: fonts explicit, text black."""
    for fonts in styles.iter(qn("w:rFonts")):
        for attr in _THEME_FONT_ATTRS:
            fonts.attrib.pop(qn(attr), None)
    for style in styles.iter(qn("w:style")):
        if style.get(qn("w:type")) in ("paragraph", "character"):
            rpr = style.find(qn("w:rPr"))
            color = None if rpr is None else rpr.find(qn("w:color"))
            if color is not None and color.get(qn("w:themeColor")):
                for attr in _THEME_COLOR_ATTRS:
                    color.attrib.pop(qn(attr), None)
                color.set(qn("w:val"), "000000")


def _house_fonts(styles: Any) -> None:
    """Only the house families: any other named font (Courier in MacroText…) becomes Arial."""
    for fonts in styles.iter(qn("w:rFonts")):
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            if fonts.get(qn(attr)) not in (None, "Times New Roman", "Arial"):
                fonts.set(qn(attr), "Arial")


def _defaults(doc: Any) -> None:
    """docDefaults: Times New Roman 11 pt, single spacing, 8 pt after, en-US."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, SERIF)
    rpr.get_or_add_sz().val = Pt(11)
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.set(qn("w:after"), "160")
    spacing.set(qn("w:line"), "240")
    set_language(doc, "en-US")


def _get_or_add(doc: Any, name: str, kind: Any, style_id: str | None) -> Any:
    try:
        style = doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, kind)
    if style_id:
        style.style_id = style_id
    if name in BUILT_IN:
        style.element.attrib.pop(qn("w:customStyle"), None)
    return style


def _rule(style: Any, eighths: int, color: str) -> None:
    """A rule under the paragraph, `eighths` of a point thick."""
    border = f'<w:bottom w:val="single" w:sz="{eighths}" w:space="4" w:color="{color}"/>'
    style.element.get_or_add_pPr().insert_element_before(
        parse_xml(f"<w:pBdr {nsdecls('w')}>{border}</w:pBdr>"), *_PPR_AFTER_PBDR
    )


def _box(style: Any, fill: str | None) -> None:
    """A thin box border (and optional shading) round the paragraph."""
    sides = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="4" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right")
    )
    ppr = style.element.get_or_add_pPr()
    ppr.insert_element_before(
        parse_xml(f"<w:pBdr {nsdecls('w')}>{sides}</w:pBdr>"), *_PPR_AFTER_PBDR
    )
    if fill:
        shd = OxmlElement(
            "w:shd", {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill}
        )
        ppr.insert_element_before(shd, *_PPR_AFTER_PBDR[1:])
    pf = style.paragraph_format
    pf.left_indent = pf.right_indent = Pt(5)


def _font(style: Any, font: str | None, size: float | None, opts: dict) -> None:
    if font:
        _set_fonts(style.element.get_or_add_rPr(), font)
    f = style.font
    if size:
        f.size = Pt(size)
        rpr = style.element.rPr
        _drop(rpr, "w:szCs")
        rpr.insert_element_before(
            OxmlElement("w:szCs", {qn("w:val"): str(round(size * 2))}), *_RPR_AFTER_SZCS
        )
    for key in ("bold", "italic", "superscript", "underline"):
        if key in opts:
            setattr(f, key, opts[key])
    if "italic" in opts and not opts["italic"]:
        _drop(style.element.rPr, "w:iCs")
    if "color" in opts:
        f.color.rgb = opts["color"]


def _paragraph(doc: Any, name: str, spec: tuple) -> None:
    style_id, base, font, size, opts = spec
    style = _get_or_add(doc, name, P, style_id)
    if base:
        style.base_style = doc.styles[base]
    _font(style, font, size, opts)
    pf = style.paragraph_format
    for key, attr in (("before", "space_before"), ("after", "space_after")):
        if key in opts:
            setattr(pf, attr, Pt(opts[key]))
    for key, attr in (("left", "left_indent"), ("right", "right_indent")):
        if key in opts:
            setattr(pf, attr, Inches(opts[key]))
    if opts.get("keep"):
        pf.keep_with_next = True
    if opts.get("center"):
        pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if opts.get("align") == "right":
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if "rule" in opts:
        _rule(style, *opts["rule"])
    if "toc" in opts:
        _toc(style, opts["toc"])
    if opts.get("plain"):  # python-docx's Title/Subtitle: rule, numbering, letter-spacing
        _drop(style.element.pPr, "w:pBdr", "w:numPr")
        _drop(style.element.rPr, "w:spacing", "w:kern")
    if "box" in opts:
        _box(style, opts["box"])
    style.hidden = False
    if name not in BUILT_IN:
        style.quick_style = True


def _toc(style: Any, indent: float) -> None:
    pf = style.paragraph_format
    pf.left_indent = Inches(indent)
    pf.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    style.priority = 39
    style.unhide_when_used = True


def _drop(parent: Any, *tags: str) -> None:
    if parent is None:
        return
    for tag in tags:
        for el in parent.findall(qn(tag)):
            parent.remove(el)


def _character(doc: Any, name: str, spec: tuple) -> None:
    style_id, opts = spec
    style = _get_or_add(doc, name, C, style_id)
    style.base_style = doc.styles["Default Paragraph Font"]
    _font(style, opts.get("font"), opts.get("size"), opts)
    style.hidden = False
    style.unhide_when_used = True


def _sync_linked(doc: Any) -> None:
    """Linked "… Char" styles take their paragraph style's run properties."""
    styles = doc.styles.element
    by_id = {s.get(qn("w:styleId")): s for s in styles.iter(qn("w:style"))}
    for style in by_id.values():
        link = style.find(qn("w:link"))
        char = by_id.get(link.get(qn("w:val"))) if link is not None else None
        if style.get(qn("w:type")) != "paragraph" or char is None:
            continue
        _drop(char, "w:rPr")
        rpr = style.find(qn("w:rPr"))
        if rpr is not None:
            char.append(copy.deepcopy(rpr))


def _drop_extras(doc: Any) -> None:
    """No thumbnail of the python-docx sample, no stale Word 2010 stylesWithEffects copy."""
    for rels, reltype in (
        (doc.part.package.rels, RT.THUMBNAIL),
        (doc.part.rels, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"),
    ):
        for rid in [rid for rid, rel in rels.items() if rel.reltype == reltype]:
            del rels[rid]


def _settings(doc: Any) -> None:
    """Word 2013+ layout (no "Compatibility Mode"); a schema-valid zoom (python-docx's
    template has ``w:zoom w:val="bestFit"`` without the required ``w:percent``)."""
    zoom = doc.settings.element.find(qn("w:zoom"))
    if zoom is not None:
        zoom.set(qn("w:percent"), "100")
    for setting in doc.settings.element.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")


def _page(doc: Any) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left", "right", "top", "bottom"):
        setattr(section, f"{side}_margin", Inches(1))
    section.header_distance = section.footer_distance = Inches(0.5)
    section.gutter = 0


def _core(doc: Any) -> None:
    core = doc.core_properties
    core.author = core.last_modified_by = "crsreport"
    core.comments = "crsreport reference document: house styles for CRS-style reports"
    core.title = ""
    core.revision = 1
    core.created = core.modified = WHEN.replace(tzinfo=None)


def build() -> bytes:
    """The reference document as deterministic DOCX bytes."""
    doc = docx.Document()
    _drop_extras(doc)
    _settings(doc)
    _page(doc)
    _defaults(doc)
    _strip_theme(doc.styles.element)
    _house_fonts(doc.styles.element)
    for name, spec in PARAGRAPH_STYLES.items():
        _paragraph(doc, name, spec)
    for name, spec in CHARACTER_STYLES.items():
        _character(doc, name, spec)
    for table_style in (TABLE_STYLE, SUMMARY_LAYOUT):
        doc.styles.element.append(parse_xml(table_style))
    _sync_linked(doc)
    _core(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_package(buf.getvalue(), WHEN)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(build())
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
