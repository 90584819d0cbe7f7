"""crsreport.render.docxml and templates/docx/reference.docx, read back by real clients.

pandoc, LibreOffice (soffice) and pdftotext read what the helpers write; a missing client
skips its tests locally and fails them under CI=true.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.document import Document
from docx.enum.section import WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Inches
from lxml import etree

from crsreport.render import docxml

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "templates" / "docx" / "reference.docx"
WHEN = datetime(2025, 3, 1, 12, 30, 0, tzinfo=UTC)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {
    "w": W[1:-1],
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "dcterms": "http://purl.org/dc/terms/",
}
NOTE_1 = "First note says alpha."
NOTE_2 = "Second note cites"
CRS_URL = "https://crsreports.congress.gov"


def require(*tools: str) -> str:
    """Path of the first of `tools` installed; fail under CI=true, else skip, if none is."""
    for tool in tools:
        path = shutil.which(tool)
        if path:
            return path
    message = f"{' / '.join(tools)} not installed"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def tiny_png() -> bytes:
    """A valid 1x1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x80\x00"))
        + chunk(b"IEND", b"")
    )


def build_sample() -> Document:
    """One document exercising every helper, built on the reference.docx."""
    d = docx.Document(str(REFERENCE))
    d.add_paragraph("Tests of the Helper Layer", style="Title")
    d.add_paragraph("Contents", style="TOC Heading")
    docxml.add_toc(d, [(1, "Introduction", "sec_intro", "1"), (2, "Background Detail", None, "2")])
    docxml.add_bookmark(d.add_paragraph("Introduction", style="Heading 1"), "sec_intro")
    p = d.add_paragraph("Body text with a note.")
    docxml.add_footnote(d, p, NOTE_1)
    p.add_run(" More text and another note.")
    note = docxml.add_footnote(d, p, NOTE_2 + " ")
    docxml.add_hyperlink(note, "the CRS site", url=CRS_URL)
    note.add_run(".")
    d.add_paragraph("Background Detail", style="Heading 2")
    caption = d.add_paragraph(style="Caption")
    mark = docxml.bookmark_start(caption, "fig_tests")
    caption.add_run("Figure ")
    docxml.add_field(caption, r"SEQ Figure \* ARABIC", "1")
    docxml.bookmark_end(caption, mark)
    caption.add_run(". Tests Over Time")
    picture = d.add_paragraph().add_run().add_picture(io.BytesIO(tiny_png()), width=Inches(1))
    docxml.set_alt_text(picture, "A single green pixel", "Pixel")
    d.add_paragraph("Source: CRS.", style="Source Note")
    ref = d.add_paragraph("As ")
    docxml.add_field(ref, r"REF fig_tests \h", "Figure 1")
    ref.add_run(" shows; see also ")
    docxml.add_hyperlink(ref, "the introduction", anchor="sec_intro")
    table = d.add_table(rows=3, cols=2)
    table.style = "CRS Table"
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row.cells):
            cell.text = f"r{i}c{j}"
    docxml.repeat_header_rows(table)
    docxml.cant_split(table.rows[1])
    d.add_paragraph("one", style="List Number")
    docxml.set_numbering(d.add_paragraph("uno", style="List Number"), docxml.restart_numbering(
        d.add_paragraph("first of a new list", style="List Number")
    ))  # fmt: skip
    docxml.set_columns(d.add_section(WD_SECTION.CONTINUOUS), 2)
    d.add_paragraph("Two-column text. " * 40)
    footer = d.sections[0].footer.paragraphs[0]
    footer.text = "Congressional Research Service\t\t"
    docxml.add_field(footer, "PAGE", "1")
    docxml.set_language(d, "en-US")
    d.core_properties.created = d.core_properties.modified = WHEN.replace(tzinfo=None)
    return d


def save(d: Document) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return docxml.normalize_package(buf.getvalue(), WHEN)


def part(data: bytes, name: str) -> Any:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read(name))


def inline_text(node: Any) -> str:
    """Plain text of a pandoc JSON fragment."""
    if isinstance(node, list):
        return "".join(inline_text(n) for n in node)
    if isinstance(node, dict):
        kind = node.get("t")
        if kind == "Str":
            return node["c"]
        if kind in ("Space", "SoftBreak", "LineBreak"):
            return " "
        return inline_text(node.get("c", []))
    return ""


def find(node: Any, kind: str) -> list[Any]:
    """Every pandoc JSON element of type `kind`."""
    found = []
    if isinstance(node, list):
        for n in node:
            found += find(n, kind)
    elif isinstance(node, dict):
        if node.get("t") == kind:
            found.append(node)
        for value in node.values():
            found += find(value, kind)
    return found


def pandoc(path: Path, to: str) -> str:
    exe = require("pandoc")
    run = subprocess.run([exe, "-f", "docx", "-t", to, str(path)], capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    return run.stdout.decode()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    data = save(build_sample())
    path = tmp_path_factory.mktemp("docxml") / "sample.docx"
    path.write_bytes(data)
    return path, data


@pytest.fixture(scope="module")
def pandoc_json(sample: tuple[Path, bytes]) -> dict:
    return json.loads(pandoc(sample[0], "json"))


@pytest.fixture(scope="module")
def pandoc_plain(sample: tuple[Path, bytes]) -> str:
    return pandoc(sample[0], "plain")


@pytest.fixture(scope="module")
def pdf_text(sample: tuple[Path, bytes], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample converted by LibreOffice, as pdftotext reads it."""
    soffice = require("soffice", "libreoffice")
    pdftotext = require("pdftotext")
    work = tmp_path_factory.mktemp("lo")
    profile = (work / "profile").as_uri()
    cmd = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf"]
    run = subprocess.run(
        [*cmd, "--outdir", str(work), str(sample[0])], capture_output=True, timeout=120
    )
    pdf = work / "sample.pdf"
    assert pdf.exists(), run.stderr.decode()
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, timeout=60)
    return text.stdout.decode()


# ---------------------------------------------------------------------------------------
# footnotes


def test_footnotes_part_is_wired_as_word_writes_it(sample: tuple[Path, bytes]) -> None:
    _, data = sample
    types = part(data, "[Content_Types].xml")
    override = types.find("{*}Override[@PartName='/word/footnotes.xml']")
    assert override.get("ContentType") == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    )
    rels = part(data, "word/_rels/document.xml.rels")
    assert (
        rels.find(f"rel:Relationship[@Type='{RT.FOOTNOTES}']", NS)
        .get("Target")
        .endswith("footnotes.xml")
    )
    notes = part(data, "word/footnotes.xml").findall("w:footnote", NS)
    assert [(n.get(W + "id"), n.get(W + "type")) for n in notes] == [
        ("-1", "separator"),
        ("0", "continuationSeparator"),
        ("1", None),
        ("2", None),
    ]
    first = notes[2].find("w:p", NS)
    assert first.find("w:pPr/w:pStyle", NS).get(W + "val") == "FootnoteText"
    mark = first.find("w:r", NS)
    assert mark.find("w:rPr/w:rStyle", NS).get(W + "val") == "FootnoteReference"
    assert mark.find("w:footnoteRef", NS) is not None
    body = part(data, "word/document.xml")
    refs = body.findall(".//w:r[w:footnoteReference]", NS)
    assert [r.find("w:footnoteReference", NS).get(W + "id") for r in refs] == ["1", "2"]
    assert all(r.find("w:rPr/w:rStyle", NS).get(W + "val") == "FootnoteReference" for r in refs)
    settings = part(data, "word/settings.xml")
    ids = [n.get(W + "id") for n in settings.findall("w:footnotePr/w:footnote", NS)]
    assert ids == ["-1", "0"]


def test_footnote_hyperlink_lives_in_footnotes_rels(sample: tuple[Path, bytes]) -> None:
    _, data = sample
    link = part(data, "word/footnotes.xml").find(".//w:hyperlink", NS)
    rid = link.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    rel = part(data, "word/_rels/footnotes.xml.rels").find(f"rel:Relationship[@Id='{rid}']", NS)
    assert rel.get("Target") == CRS_URL
    assert rel.get("TargetMode") == "External"
    assert link.find("w:r/w:rPr/w:rStyle", NS).get(W + "val") == "Hyperlink"


@pytest.mark.e2e
def test_pandoc_reads_both_notes(pandoc_json: dict) -> None:
    notes = find(pandoc_json["blocks"], "Note")
    assert len(notes) == 2
    assert inline_text(notes[0]).strip() == NOTE_1
    assert NOTE_2 in inline_text(notes[1])
    links = find(notes[1], "Link")
    assert links[0]["c"][2][0] == CRS_URL


@pytest.mark.e2e
def test_libreoffice_renders_notes_toc_fields_and_footer(pdf_text: str) -> None:
    assert NOTE_1 in pdf_text
    assert "Second note cites the CRS site." in pdf_text
    assert re.search(r"Introduction\.{5,}\s*1", pdf_text)
    assert re.search(r"Background Detail\.{5,}\s*2", pdf_text)
    assert "Figure 1. Tests Over Time" in pdf_text
    assert "As Figure 1 shows" in pdf_text
    assert re.search(r"Congressional Research Service\s+1", pdf_text)


def test_add_footnote_only_from_the_body() -> None:
    d = docx.Document(str(REFERENCE))
    with pytest.raises(ValueError, match="body"):
        docxml.add_footnote(d, d.sections[0].footer.paragraphs[0], "x")


def test_footnotes_survive_a_reload() -> None:
    d = docx.Document(io.BytesIO(save(build_sample())))
    note = docxml.add_footnote(d, d.add_paragraph("Again."), "Third note.")
    docxml.add_note_paragraph(note, "Its second paragraph.")
    data = save(d)
    notes = part(data, "word/footnotes.xml").findall("w:footnote", NS)
    assert notes[-1].get(W + "id") == "3"
    assert ["".join(p.itertext()) for p in notes[-1]] == [" Third note.", "Its second paragraph."]
    assert len(part(data, "word/settings.xml").findall("w:footnotePr", NS)) == 1


# ---------------------------------------------------------------------------------------
# fields, bookmarks, links, TOC


def test_fields_hold_instructions_and_cached_results(
    sample: tuple[Path, bytes], pandoc_plain: str
) -> None:
    _, data = sample
    instructions = [t.text for t in part(data, "word/document.xml").iter(W + "instrText")]
    assert r" SEQ Figure \* ARABIC " in instructions
    assert r" REF fig_tests \h " in instructions
    footer_names = [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if "footer" in n]
    footer = part(data, next(n for n in footer_names if n.endswith(".xml")))
    assert [t.text for t in footer.iter(W + "instrText")] == [" PAGE "]
    assert "Figure 1. Tests Over Time" in pandoc_plain
    assert "As Figure 1 shows" in pandoc_plain
    assert "[1]" in pandoc_plain


def test_bookmarks_are_unique_and_wrap_content(sample: tuple[Path, bytes]) -> None:
    body = part(sample[1], "word/document.xml")
    starts = body.findall(".//w:bookmarkStart", NS)
    assert sorted(s.get(W + "name") for s in starts) == ["fig_tests", "sec_intro"]
    ids = [s.get(W + "id") for s in starts]
    assert len(set(ids)) == 2
    assert sorted(e.get(W + "id") for e in body.findall(".//w:bookmarkEnd", NS)) == sorted(ids)
    heading = next(s for s in starts if s.get(W + "name") == "sec_intro").getparent()
    assert [c.tag for c in heading][-1] == W + "bookmarkEnd"
    assert heading.index(heading.find("w:bookmarkStart", NS)) == 1  # right after pPr


def test_bookmark_names_are_checked() -> None:
    assert docxml.bookmark_name("fig-tests") == "_Ref_fig_tests"
    long = [docxml.bookmark_name("x" * 60 + tail) for tail in ("a", "b", "a b", "a_b")]
    assert len(set(long)) == 4 and all(len(name) <= 40 for name in long)
    assert all(re.fullmatch(r"_Ref_\w+", name) for name in long)
    d = docx.Document(str(REFERENCE))
    p = d.add_paragraph("x")
    docxml.add_bookmark(p, "once")
    with pytest.raises(ValueError, match="duplicate"):
        docxml.add_bookmark(p, "once")
    with pytest.raises(ValueError, match="illegal"):
        docxml.add_bookmark(p, "has space")


@pytest.mark.e2e
def test_internal_hyperlink_uses_anchor(pandoc_json: dict) -> None:
    links = [link for link in find(pandoc_json["blocks"], "Link") if link["c"][2][0] != CRS_URL]
    assert any(inline_text(link["c"][1]) == "the introduction" for link in links)


@pytest.mark.e2e
def test_toc_result_is_prefilled(sample: tuple[Path, bytes], pandoc_plain: str) -> None:
    body = part(sample[1], "word/document.xml")
    toc = [p for p in body.iter(W + "p") if p.find("w:pPr/w:pStyle[@w:val='TOC1']", NS) is not None]
    toc += [
        p for p in body.iter(W + "p") if p.find("w:pPr/w:pStyle[@w:val='TOC2']", NS) is not None
    ]
    assert len(toc) == 2
    first, last = toc
    assert first.find("w:r/w:fldChar", NS).get(W + "fldCharType") == "begin"
    assert first.find("w:r/w:instrText", NS).text.strip() == r'TOC \o "1-3" \h \z \u'
    assert first.find("w:hyperlink", NS).get(W + "anchor") == "sec_intro"
    assert "PAGEREF sec_intro" in "".join(first.find("w:hyperlink", NS).itertext())
    assert last.findall("w:r/w:fldChar", NS)[-1].get(W + "fldCharType") == "end"
    assert re.search(r"Introduction\s+1", pandoc_plain)
    assert re.search(r"Background Detail\s+2", pandoc_plain)


# ---------------------------------------------------------------------------------------
# layout


def test_set_columns_writes_cols(sample: tuple[Path, bytes]) -> None:
    cols = part(sample[1], "word/document.xml").findall(".//w:sectPr/w:cols", NS)
    assert (cols[-1].get(W + "num"), cols[-1].get(W + "space")) == ("2", "360")
    sect_pr = cols[-1].getparent()
    tags = [etree.QName(c).localname for c in sect_pr]
    assert tags.index("cols") < tags.index("docGrid")


@pytest.mark.e2e
def test_alt_text_on_doc_pr(sample: tuple[Path, bytes], pandoc_json: dict) -> None:
    doc_pr = part(sample[1], "word/document.xml").find(".//wp:docPr", NS)
    assert (doc_pr.get("descr"), doc_pr.get("title")) == ("A single green pixel", "Pixel")
    image = find(pandoc_json["blocks"], "Image")[0]
    assert inline_text(image["c"][1]) == "A single green pixel"


def test_different_first_page() -> None:
    d = docx.Document(str(REFERENCE))
    docxml.different_first_page(d.sections[0])
    assert d.sections[0]._sectPr.find("w:titlePg", NS) is not None


def test_table_header_rows(sample: tuple[Path, bytes]) -> None:
    rows = part(sample[1], "word/document.xml").findall(".//w:tbl/w:tr", NS)
    assert [r.find("w:trPr/w:tblHeader", NS) is not None for r in rows] == [True, False, False]
    assert [r.find("w:trPr/w:cantSplit", NS) is not None for r in rows] == [False, True, False]


@pytest.mark.e2e
def test_restart_numbering(pandoc_json: dict) -> None:
    lists = find(pandoc_json["blocks"], "OrderedList")
    assert [(lst["c"][0][0], len(lst["c"][1])) for lst in lists] == [(1, 1), (1, 2)]


# ---------------------------------------------------------------------------------------
# package


def test_normalize_package_is_deterministic(sample: tuple[Path, bytes]) -> None:
    again = save(build_sample())
    assert again == sample[1]
    with zipfile.ZipFile(io.BytesIO(again)) as z:
        infos = z.infolist()
        settings = z.read("word/settings.xml")
    names = [i.filename for i in infos]
    assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
    assert names[2:] == sorted(names[2:])
    assert {i.date_time for i in infos} == {(2025, 3, 1, 12, 30, 0)}
    fixed = {(zipfile.ZIP_DEFLATED, 3, 0o100644 << 16)}
    assert {(i.compress_type, i.create_system, i.external_attr) for i in infos} == fixed
    assert b"updateFields" not in settings
    core = part(again, "docProps/core.xml")
    for name in ("created", "modified"):
        assert core.find(f"dcterms:{name}", NS).text == "2025-03-01T12:30:00Z"


def test_normalize_package_clamps_zip_dates(sample: tuple[Path, bytes]) -> None:
    old = docxml.normalize_package(sample[1], datetime(1970, 1, 1))
    with zipfile.ZipFile(io.BytesIO(old)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert part(old, "docProps/core.xml").find("dcterms:created", NS).text.startswith("1970")


def test_set_language() -> None:
    d = docx.Document()
    docxml.set_language(d, "en-GB")
    lang = d.styles.element.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert lang.get(W + "val") == "en-GB"


# ---------------------------------------------------------------------------------------
# reference.docx

PARAGRAPH_STYLES = [
    "Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "List Bullet",
    "List Bullet 2", "List Bullet 3", "List Number", "List Number 2", "List Number 3", "Quote",
    "Caption", "Figure Unit", "Source Note", "Table Text", "TOC Heading", "Header", "Footer",
    "Masthead Label", "Masthead Org", "Date Line", "Author Line", "Product Number",
    "Disclaimer Heading", "Disclaimer", "Summary Label", "Sidebar", "Figure", "Cover Line",
    "Summary Title", "Table of Figures", "Version Footer",
]  # fmt: skip
CHARACTER_STYLES = ["Strong", "Emphasis", "Hyperlink", "Run-in Lead", "Note Letter"]
# Word's built-in names (lower case in the XML) with the ids the helpers write
BY_ID = {
    "FootnoteText": ("footnote text", "paragraph"),
    "FootnoteReference": ("footnote reference", "character"),
    "TOC1": ("toc 1", "paragraph"),
    "TOC2": ("toc 2", "paragraph"),
    "TOC3": ("toc 3", "paragraph"),
    "CRSTable": ("CRS Table", "table"),
    "SummaryLayout": ("Summary Layout", "table"),
}


@pytest.fixture(scope="module")
def reference() -> Document:
    assert REFERENCE.exists(), "run tools/make_reference_docx.py"
    return docx.Document(str(REFERENCE))


def test_reference_defines_every_style(reference: Document) -> None:
    styles = {s.name: s for s in reference.styles}
    for name in PARAGRAPH_STYLES:
        assert styles[name].type == 1, name
    for name in CHARACTER_STYLES:
        assert styles[name].type == 2, name
    by_id = {s.style_id: s for s in reference.styles}
    for style_id, (name, kind) in BY_ID.items():
        element = by_id[style_id].element
        assert (by_id[style_id].name, element.get(W + "type")) == (name, kind)
    for style_id in ("FootnoteText", "TOC1", "Hyperlink"):  # built-ins are not "custom"
        assert by_id[style_id].element.get(W + "customStyle") is None


def test_reference_looks_crs(reference: Document) -> None:
    styles = reference.styles
    rpr = styles.element.find("w:docDefaults/w:rPrDefault/w:rPr", NS)
    assert rpr.find("w:rFonts", NS).get(W + "ascii") == "Times New Roman"
    assert rpr.find("w:sz", NS).get(W + "val") == "22"
    assert rpr.find("w:lang", NS).get(W + "val") == "en-US"
    h1, h2, h3 = (styles[f"Heading {n}"].font for n in (1, 2, 3))
    assert (h1.name, h1.bold, h1.size.pt) == ("Arial", True, 13)
    assert (h2.size.pt, h3.italic) == (11.5, True)
    assert (styles["Title"].font.name, styles["Title"].font.size.pt) == ("Arial", 20)
    assert styles["Caption"].paragraph_format.keep_with_next
    assert styles["Run-in Lead"].font.bold
    assert styles["footnote reference"].font.superscript
    for style in styles.element.findall("w:style", NS):
        if style.get(W + "type") in ("paragraph", "character"):
            assert style.find("w:rPr/w:color[@w:themeColor]", NS) is None, style.get(W + "styleId")
            assert style.find("w:rPr/w:rFonts[@w:asciiTheme]", NS) is None
    tab = styles["toc 2"].paragraph_format.tab_stops[0]
    assert (tab.position, str(tab.leader), str(tab.alignment)) == (
        Inches(6.5),
        "DOTS (1)",
        "RIGHT (2)",
    )
    assert styles["toc 2"].paragraph_format.left_indent > 0
    assert styles["Disclaimer"].element.find("w:pPr/w:pBdr/w:left", NS) is not None
    first_row = styles["CRS Table"].element.find("w:tblStylePr[@w:type='firstRow']", NS)
    assert first_row.find("w:rPr/w:b", NS) is not None
    section = reference.sections[0]
    assert (section.page_width, section.page_height) == (Inches(8.5), Inches(11))
    margins = {section.left_margin, section.right_margin, section.top_margin}
    assert margins | {section.bottom_margin} == {Inches(1)}


def test_reference_is_current_and_reproducible() -> None:
    spec = importlib.util.spec_from_file_location("make_ref", ROOT / "tools/make_reference_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert built == module.build()
    with zipfile.ZipFile(io.BytesIO(built)) as new, zipfile.ZipFile(REFERENCE) as old:
        assert new.namelist() == old.namelist()
        for name in new.namelist():
            assert new.read(name) == old.read(name), f"{name} stale: rerun the tool"
