"""CRS house layouts: In Focus, Insight and Report, read back from real outputs.

Each product is built once per session (the flagship by ``flagship_build``, the two
examples here) and every DOCX is converted by LibreOffice once. Outputs are read with
the clients a reader would use: poppler (pdftotext, pdfinfo, pdffonts), LibreOffice,
pandoc, and lxml over the DOCX XML and the HTML.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
import shutil
import subprocess
import unicodedata
import zipfile
import zlib
from pathlib import Path

import lxml.html
import pytest
import yaml
from lxml import etree

import crsreport
from crsreport import house
from crsreport.products import product_for
from crsreport.typeset import punctuate

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
PROJECTS = {
    "in_focus": REPO,
    "insight": REPO / "examples" / "insight",
    "report": REPO / "examples" / "report",
}
PRODUCTS = tuple(PROJECTS)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
LETTER = ("12240", "15840")  # twips
PAGE_W, PAGE_H = 612, 792  # points
HEADER_BAND = (0, 0, PAGE_W, 40)  # top margin box area
FOOTER_BAND = (0, PAGE_H - 40, PAGE_W, 40)  # bottom margin box area
DIRECT_FORMATTING = ("b", "bCs", "i", "iCs", "color", "sz", "szCs", "rFonts", "u", "highlight")
HOUSE_FONTS = {"Times New Roman", "Arial", "Courier New"}  # serif, sans, and code


# ---------------------------------------------------------------- helpers


def norm(text: str) -> str:
    """Whitespace collapsed to single spaces (page breaks included), compatibility forms."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def run(*cmd: str, timeout: float = 120) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd[0]} failed ({result.returncode}): {result.stderr}"
    return result.stdout


def pdftotext(pdf: Path, page: int | None = None, *, layout=False, crop=None) -> str:
    """pdftotext of the whole file or one page, optionally of one area (x, y, w, h in pt)."""
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if layout:
        args.append("-layout")
    if crop is not None:
        for flag, value in zip(("-x", "-y", "-W", "-H"), crop, strict=True):
            args += [flag, str(value)]
    return run(*args, str(pdf), "-")


def pdfinfo(pdf: Path, *options: str) -> str:
    return run("pdfinfo", *options, str(pdf))


def page_count(pdf: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)$", pdfinfo(pdf), re.M)
    assert match, f"pdfinfo gives no page count for {pdf.name}"
    return int(match.group(1))


def page_texts(pdf: Path) -> list[str]:
    """pdftotext of each page, in order (index 0 is page 1)."""
    return [pdftotext(pdf, n) for n in range(1, page_count(pdf) + 1)]


def layout_texts(pdf: Path) -> list[str]:
    """pdftotext -layout of each page: a Contents line keeps its page number."""
    return [pdftotext(pdf, n, layout=True) for n in range(1, page_count(pdf) + 1)]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _pdf_string(token: bytes) -> str:
    """A PDF literal ``(...)`` or hex ``<...>`` string as text."""
    if token.startswith(b"<"):
        raw = bytes.fromhex(re.sub(rb"\s", b"", token[1:-1]).decode("ascii"))
    else:
        escapes = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}

        def unescape(match: re.Match[bytes]) -> bytes:
            code = match.group(1)
            if code[:1].isdigit():
                return bytes([int(code, 8) & 0xFF])
            return escapes.get(code, code)

        raw = re.sub(rb"\\([0-7]{1,3}|.)", unescape, token[1:-1], flags=re.S)
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be")
    return raw.decode("latin-1")


def _enclosing_dict(blob: bytes, pattern: bytes) -> bytes:
    """The innermost ``<< … >>`` dictionary around the first match of ``pattern``."""
    match = re.search(pattern, blob)
    assert match, f"no {pattern!r} in the PDF"
    start = blob.rfind(b"<<", 0, match.start())
    while start >= 0:
        depth, i = 0, start
        while i < len(blob) - 1:
            pair = blob[i : i + 2]
            if pair in (b"<<", b">>"):
                depth += 1 if pair == b"<<" else -1
                i += 2
                if depth == 0:
                    break
            else:
                i += 1
        if i > match.start():
            return blob[start:i]
        start = blob.rfind(b"<<", 0, start)
    raise AssertionError(f"{pattern!r} is in no dictionary")


def pdf_outline(pdf: Path) -> list[str]:
    """Titles of the PDF's outline (bookmark) items, from the raw file.

    WeasyPrint puts objects in Flate-compressed object streams, so every stream that
    inflates is searched too. The catalog must point at an /Outlines dictionary.
    """
    data = pdf.read_bytes()
    blobs = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            blobs.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    blob = b"\n".join(blobs)
    catalog = _enclosing_dict(blob, rb"/Type\s*/Catalog\b")
    assert re.search(rb"/Outlines\s+\d+\s+\d+\s+R", catalog), f"{pdf.name}: no /Outlines"
    string = rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>"
    titles = []
    for item in re.finditer(rb"<<((?:(?!<<|>>).)*?)>>", blob, re.S):
        body = item.group(1)
        if b"/Parent" not in body:
            continue
        title = re.search(rb"/Title\s*(" + string + rb")", body, re.S)
        if title:
            titles.append(_pdf_string(title.group(1)))
    return titles


def section_titles(sections: list) -> list[str]:
    """Every section and subsection title of a loaded report, in order."""
    out = []
    for section in sections:
        out.append(section.title)
        out += section_titles(section.subsections)
    return out


def docx_xml(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read(name))


def docx_parts(path: Path, pattern: str) -> dict[str, etree._Element]:
    with zipfile.ZipFile(path) as package:
        names = [n for n in package.namelist() if re.fullmatch(pattern, n)]
        return {n: etree.fromstring(package.read(n)) for n in names}


def w(name: str) -> str:
    return W + name


def style_of(paragraph: etree._Element) -> str | None:
    style = paragraph.find("w:pPr/w:pStyle", NS)
    return None if style is None else style.get(w("val"))


def paragraph_text(paragraph: etree._Element, *, stop_at_tab: bool = False) -> str:
    """The visible text of a paragraph (w:t only, never field instructions)."""
    out = []
    for el in paragraph.iter(w("t"), w("tab")):
        if el.tag == w("tab"):
            if stop_at_tab:
                break
            out.append("\t")
        else:
            out.append(el.text or "")
    return "".join(out)


def docx_fields(root: etree._Element) -> list[dict]:
    """Complex fields in document order: instruction, cached result and the paragraphs."""
    fields: list[dict] = []
    stack: list[dict] = []
    for el in root.iter(w("fldChar"), w("instrText"), w("t"), w("bookmarkStart")):
        if el.tag == w("fldChar"):
            kind = el.get(w("fldCharType"))
            paragraph = next(el.iterancestors(w("p")), None)
            if kind == "begin":
                stack.append({"instr": "", "result": "", "state": "instr", "begin": paragraph})
            elif kind == "separate" and stack:
                stack[-1]["state"] = "result"
            elif kind == "end" and stack:
                field = stack.pop()
                field["end"] = paragraph
                field["instr"] = field["instr"].strip()
                fields.append(field)
        elif el.tag == w("instrText") and stack:
            stack[-1]["instr"] += el.text or ""
        elif el.tag == w("t"):
            for field in stack:
                if field["state"] == "result":
                    field["result"] += el.text or ""
    assert not stack, "a field is never closed (fldChar begin without end)"
    return fields


def html_doc(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def html_text(doc: lxml.html.HtmlElement) -> str:
    """The page body's text, styles and scripts left out."""
    body = doc.find("body")
    assert body is not None, "no <body>"
    for el in body.xpath(".//style|.//script"):
        el.drop_tree()
    return norm(body.text_content())


def expected_furniture(product: str) -> list[str]:
    """House texts that every rendition of the product prints."""
    report = crsreport.load_report(PROJECTS[product])
    common = [
        house.date_line(report.date, house.status_of(report.version, report.status)),
        house.version_footer(
            report.id, report.version, house.status_of(report.version, report.status)
        ),
        "Disclaimer",
        house.DISCLAIMER,
    ]
    return {
        "in_focus": ["IN FOCUS", house.CRS, *common],
        "insight": ["INSIGHT", "CRS INSIGHT", house.PREPARED_FOR, "Author Information", *common],
        "report": ["SUMMARY", "Contents", house.CRS, "Author Information", *common],
    }[product]


# ---------------------------------------------------------------- fixtures


def _build(out: Path, project: Path) -> dict[str, Path]:
    paths = crsreport.build(crsreport.load_report(project), out_dir=out)
    return {path.suffix: path for path in paths}


@pytest.fixture(scope="session")
def insight_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _build(tmp_path_factory.mktemp("layout-insight"), PROJECTS["insight"])


@pytest.fixture(scope="session")
def report_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _build(tmp_path_factory.mktemp("layout-report"), PROJECTS["report"])


@pytest.fixture
def builds(request: pytest.FixtureRequest) -> dict[str, dict[str, Path]]:
    """product -> suffix -> path; builds only what the test asks for (lazily)."""

    class Lazy(dict):
        def __missing__(self, product: str) -> dict[str, Path]:
            name = {"in_focus": "flagship_build", "insight": "insight_build"}.get(
                product, "report_build"
            )
            self[product] = request.getfixturevalue(name)
            return self[product]

    return Lazy()


@pytest.fixture
def poppler(require) -> None:
    for tool in ("pdftotext", "pdfinfo", "pdffonts"):
        require(tool)


@pytest.fixture(scope="session")
def _libreoffice_pdfs(tmp_path_factory, flagship_build, insight_build, report_build):
    """Every DOCX converted by LibreOffice once, in one run: product -> PDF path."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice went missing after require() found it"
    out = tmp_path_factory.mktemp("libreoffice")
    profile = tmp_path_factory.mktemp("lo-profile")
    docs = {"in_focus": flagship_build, "insight": insight_build, "report": report_build}
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *(str(d[".docx"]) for d in docs.values()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"LibreOffice failed: {result.stderr}"
    pdfs = {product: out / (d[".docx"].stem + ".pdf") for product, d in docs.items()}
    missing = [p.name for p in pdfs.values() if not p.is_file()]
    assert not missing, f"LibreOffice wrote no {missing}: {result.stdout} {result.stderr}"
    return pdfs


@pytest.fixture
def libreoffice_pdfs(require, poppler, request) -> dict[str, Path]:
    require("soffice")
    return request.getfixturevalue("_libreoffice_pdfs")


@pytest.fixture(scope="session")
def flagship_version() -> int:
    return int(yaml.safe_load((REPO / "report.yaml").read_text(encoding="utf-8"))["version"])


# ---------------------------------------------------------------- In Focus PDF


@pytest.mark.usefixtures("poppler")
def test_in_focus_pdf_fits_two_pages(flagship_build):
    assert page_count(flagship_build[".pdf"]) <= 2


@pytest.mark.usefixtures("poppler")
def test_in_focus_pdf_page_one_has_masthead_and_date_line(flagship_build):
    first = lines(pdftotext(flagship_build[".pdf"], 1))
    for text in ("IN FOCUS", "Congressional Research Service", "Updated February 3, 2022"):
        assert text in first, f"page 1 has no line {text!r}: {first[:12]}"
    # masthead, then date line, then title (CRS anatomy)
    title = crsreport.load_report(REPO).title
    assert first.index("Updated February 3, 2022") < first.index(title)


@pytest.mark.usefixtures("poppler")
def test_in_focus_pdf_footer_url_on_every_page(flagship_build):
    pdf = flagship_build[".pdf"]
    for n in range(1, page_count(pdf) + 1):
        assert house.URL in pdftotext(pdf, n), f"page {n} has no {house.URL}"
        assert house.URL in pdftotext(pdf, n, crop=FOOTER_BAND), f"page {n}: URL not in footer"


@pytest.mark.usefixtures("poppler")
def test_in_focus_pdf_version_footer_on_last_page_only(flagship_build, flagship_version):
    pdf = flagship_build[".pdf"]
    footer = f"IF11415 · VERSION {flagship_version} · UPDATED"
    pages = page_texts(pdf)
    assert footer in pages[-1], f"last page lacks {footer!r}"
    assert footer in pdftotext(pdf, len(pages), crop=FOOTER_BAND)
    for n, text in enumerate(pages[:-1], start=1):
        assert footer not in text, f"page {n} (not the last) carries the version footer"


@pytest.mark.usefixtures("poppler")
def test_in_focus_pdf_disclaimer_word_for_word(flagship_build):
    text = norm(pdftotext(flagship_build[".pdf"]))
    assert "Disclaimer" in text
    assert norm(house.DISCLAIMER) in text


@pytest.mark.usefixtures("poppler")
def test_in_focus_pdf_running_title_from_page_two(flagship_build):
    pdf = flagship_build[".pdf"]
    title = crsreport.load_report(REPO).title
    assert page_count(pdf) >= 2, "a one-page In Focus cannot show its running header"
    assert title not in norm(pdftotext(pdf, 1, crop=HEADER_BAND)), "running title on page 1"
    for n in range(2, page_count(pdf) + 1):
        top = lines(pdftotext(pdf, n))
        assert top and top[0] == title, f"page {n} does not start with the title: {top[:3]}"
        assert title in norm(pdftotext(pdf, n, crop=HEADER_BAND))


# ---------------------------------------------------------------- every PDF


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("product", PRODUCTS)
def test_pdf_fonts_are_bundled_embedded_and_subset(builds, product):
    out = run("pdffonts", str(builds[product][".pdf"]))
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, "pdffonts lists no fonts"
    for row in rows:
        name = row[0]
        emb, sub = row[-5], row[-4]
        assert re.fullmatch(
            r"[A-Z]{6}\+Liberation-(Serif|Sans)(-(Bold|Italic|BoldItalic))?", name
        ), f"font {name} is not a subset of a bundled Liberation font"
        assert (emb, sub) == ("yes", "yes"), f"{name}: embedded={emb} subset={sub}"


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("product", PRODUCTS)
def test_pdf_is_letter_and_tagged(builds, product):
    pdf = builds[product][".pdf"]
    info = pdfinfo(pdf)
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    sizes = re.findall(
        r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts",
        pdfinfo(pdf, "-f", "1", "-l", str(page_count(pdf))),
        re.M,
    )
    assert len(sizes) == page_count(pdf)
    pages = [(float(x), float(y)) for x, y in sizes]
    assert pages[0] == (612.0, 792.0)
    assert set(pages) <= {(612.0, 792.0), (792.0, 612.0)}  # a wide table turns its page


@pytest.mark.parametrize("product", PRODUCTS)
def test_pdf_has_an_outline_of_its_sections(builds, product):
    titles = pdf_outline(builds[product][".pdf"])
    assert titles, "the PDF outline is empty"
    for title in map(punctuate, section_titles(crsreport.load_report(PROJECTS[product]).sections)):
        assert any(t == title or t.endswith(" " + title) for t in titles), (
            f"no bookmark for {title!r}; outline: {titles}"
        )


# ---------------------------------------------------------------- Report PDF

CONTENTS_ENTRY = re.compile(r"^(?P<title>\S.*?)\s{2,}(?P<page>\d+)$")
"""A Contents line as pdftotext -layout prints it: the leader is a dotted rule, not text."""


@pytest.mark.usefixtures("poppler")
def test_report_pdf_contents_page_numbers_match_headings(report_build):
    pages = [lines(text) for text in layout_texts(report_build[".pdf"])]
    contents = [i for i, page in enumerate(pages) if "Contents" in page]
    assert contents, "no page has a 'Contents' line"
    first = contents[0]
    entries = [m for line in pages[first] if (m := CONTENTS_ENTRY.match(line))]
    titles = [m["title"] for m in entries]
    for section in crsreport.load_report(PROJECTS["report"]).sections:
        assert any(t == section.title or t.endswith(" " + section.title) for t in titles), (
            f"Contents has no entry for {section.title!r}: {titles}"
        )
    assert "Author Information" in titles
    for m in entries:  # the body is numbered from 1 after the front matter
        found = [n - first for n in range(first + 1, len(pages)) if m["title"] in pages[n]]
        assert found, f"heading {m['title']!r} is on no page after the Contents"
        assert int(m["page"]) == found[0], (
            f"Contents gives page {m['page']} for {m['title']!r}; it prints on {found[0]}"
        )


def contents_lines(pdf: Path, page: int) -> list[list[lxml.html.HtmlElement]]:
    """The words of a page's Contents entries (a line ending in a page number), by line."""
    root = lxml.html.fromstring(run("pdftotext", "-bbox", "-f", str(page), "-l", str(page),
                                    str(pdf), "-").encode())  # fmt: skip
    rows: dict[int, list[lxml.html.HtmlElement]] = {}
    for word in root.iter("word"):
        rows.setdefault(round(float(word.get("ymax"))), []).append(word)
    found = [sorted(r, key=lambda w: float(w.get("xmin"))) for _, r in sorted(rows.items())]
    return [r for r in found if len(r) > 1 and r[-1].text.isdigit()]


@pytest.mark.usefixtures("poppler")
def test_report_pdf_contents_leaders_are_dots_from_title_to_page_number(
    report_build, tmp_path, require
):
    """One dot every 2 pt between an entry's title and its page number, and no ink past
    the number's box (a leader drawn as a tiled image must not show a dot beyond it; the
    digit's own ink ends within its advance)."""
    from PIL import Image

    pdf = report_build[".pdf"]
    page = next(n for n, t in enumerate(layout_texts(pdf), 1) if "Contents" in lines(t))
    run(require("pdftoppm"), "-f", str(page), "-l", str(page), "-r", "288", "-gray",
        "-singlefile", str(pdf), str(tmp_path / "contents"))  # fmt: skip
    image = Image.open(tmp_path / "contents.pgm")
    px = 4  # pixels per point at 288 dpi
    entries = contents_lines(pdf, page)
    assert len(entries) >= 5, f"too few Contents entries on page {page}"
    for words in entries:
        top, bottom = (round(float(words[-1].get(k)) * px) for k in ("ymin", "ymax"))
        title_end = round(float(words[-2].get("xmax")) * px) + 3 * px
        number = [round(float(words[-1].get(k)) * px) for k in ("xmin", "xmax")]

        def ink(x: int, top: int = top, bottom: int = bottom) -> bool:
            return any(image.getpixel((x, y)) < 128 for y in range(top, bottom))

        columns = [ink(x) for x in range(title_end, number[0] - 3 * px)]
        dots = sum(1 for a, b in itertools.pairwise([False, *columns]) if b and not a)
        expected = len(columns) / (2 * px)
        entry = " ".join(w.text for w in words)
        assert abs(dots - expected) <= 2, f"{entry!r}: {dots} dots, {expected:.0f} expected"
        past = [x for x in range(number[1], number[1] + 6 * px) if ink(x)]  # the glyph's
        assert not past, f"{entry!r}: ink past the page number at x={past[0] / px:.1f} pt"


@pytest.mark.usefixtures("poppler")
def test_report_pdf_contents_lists_figures_and_tables(report_build):
    # CRS anatomy: Contents, then separate lists Figures, Tables, Appendixes, Contacts.
    pages = [lines(text) for text in layout_texts(report_build[".pdf"])]
    page = next(p for p in pages if "Contents" in p)
    for heading in ("Figures", "Tables", "Appendixes", "Contacts"):
        assert heading in page, f"Contents page has no {heading!r} list: {page}"
    titles = [m["title"] for line in page if (m := CONTENTS_ENTRY.match(line))]
    assert any(t.startswith("Figure 1. ") for t in titles), titles
    assert any(t.startswith("Table 1. ") for t in titles), titles
    assert any(t.startswith("Table A-1. ") for t in titles), titles


@pytest.mark.usefixtures("poppler")
def test_report_pdf_summary_page_names_the_coordinator(report_build):
    report = crsreport.load_report(PROJECTS["report"])
    coordinator = next(a for a in report.authors if a.coordinator)
    pages = [lines(text) for text in page_texts(report_build[".pdf"])]
    summary = [p for p in pages if "SUMMARY" in p]
    near = [line for p in pages if any("Coordinator" in x for x in p) for line in p[:6]]
    assert summary, f"no page has the label 'SUMMARY' as a line; the Coordinator's page: {near}"
    assert f"{coordinator.name}, Coordinator" in summary[0]


@pytest.mark.usefixtures("poppler")
def test_report_pdf_appendix_label_and_end_matter(report_build):
    report = crsreport.load_report(PROJECTS["report"])
    text = pdftotext(report_build[".pdf"])
    appendix = next(s for s in report.sections if s.kind == "appendix")
    assert re.search(rf"^Appendix(?: [A-Z]+)?\. {re.escape(appendix.title)}$", text, re.M), (
        "no 'Appendix. Title' / 'Appendix A. Title' heading line"
    )
    flat = norm(text)
    assert flat.index("Author Information") < flat.rindex("Disclaimer")
    assert norm(house.DISCLAIMER) in flat
    for author in report.authors:
        assert author.name in flat and author.title in flat


@pytest.mark.usefixtures("poppler")
def test_report_pdf_running_footer_and_header_after_the_cover(report_build):
    pdf = report_build[".pdf"]
    report = crsreport.load_report(PROJECTS["report"])
    count = page_count(pdf)
    assert count >= 4, "a Report has cover, summary, contents and body pages"
    assert house.CRS not in pdftotext(pdf, 1, crop=FOOTER_BAND), "footer on the cover"
    front = 3  # cover, summary, contents: unnumbered, no running header
    title = punctuate(report.title)
    for n in range(2, count + 1):
        if n > front and f"CRS-{n - front}" in pdftotext(pdf, n):
            continue  # a landscape page: footed CRS-n (test_report_pagination), bands differ
        foot = pdftotext(pdf, n, crop=FOOTER_BAND)
        assert house.CRS in foot, f"page {n}: no '{house.CRS}' footer"
        header = norm(pdftotext(pdf, n, crop=HEADER_BAND))
        if n <= front:
            assert not re.search(r"(^|\s)\d+(\s|$)", foot), f"page {n}: numbered front matter"
            continue
        number = n - front
        assert re.search(rf"(^|\s){number}(\s|$)", foot), f"page {n}: no number in {foot!r}"
        assert title in header, f"page {n}: header"
    version = house.version_footer(
        report.id, report.version, house.status_of(report.version, report.status)
    )
    assert version in pdftotext(pdf, count, crop=FOOTER_BAND)
    assert all(version not in pdftotext(pdf, n) for n in range(1, count))


# ---------------------------------------------------------------- Insight PDF


@pytest.mark.usefixtures("poppler")
def test_insight_pdf_first_page_furniture(insight_build):
    first = norm(pdftotext(insight_build[".pdf"], 1))
    for text in ("INSIGHT", "CRS INSIGHT", house.PREPARED_FOR, house.CRS, house.URL):
        assert text in first, f"page 1 lacks {text!r}"
    assert "Author Information" in norm(pdftotext(insight_build[".pdf"]))


@pytest.mark.usefixtures("poppler")
def test_insight_pdf_version_footer_on_last_page(insight_build):
    pdf = insight_build[".pdf"]
    report = crsreport.load_report(PROJECTS["insight"])
    footer = house.version_footer(
        report.id, report.version, house.status_of(report.version, report.status)
    )
    assert footer == "IN99001 · VERSION 2 · UPDATED"
    last = page_count(pdf)
    assert footer in pdftotext(pdf, last), f"last page ({last}) lacks {footer!r}"
    for n in range(1, last):
        assert footer not in pdftotext(pdf, n), f"page {n} carries the version footer"


def _pdf_words(pdf: Path) -> list[tuple[int, str, float, float, float]]:
    """(page, text, xMax, yMin, yMax) of every word pdftotext finds."""
    root = lxml.html.fromstring(run("pdftotext", "-bbox", str(pdf), "-").encode())
    return [
        (n, w.text, float(w.get("xmax")), float(w.get("ymin")), float(w.get("ymax")))
        for n, page in enumerate(root.iter("page"), 1)
        for w in page.iter("word")
    ]


def _numeric_columns(table) -> tuple[list[list[list[str]]], set[int]]:
    """A tree table's body rows as word lists per cell (a note letter, set raised on a
    line of its own in pdftotext, left out), and its right-aligned columns."""
    rows = [r for r in table.children if not r.header]
    cells = [
        [" ".join(x.plain() for x in c.children if x.kind != "sup").split() for c in r.children]
        for r in rows
    ]
    right = {
        i
        for i in range(len(rows[0].children))
        if all(r.children[i].align == "right" for r in rows if i < len(r.children))
    }
    return cells, right


@pytest.mark.usefixtures("poppler")
def test_report_pdf_numeric_columns_share_one_right_edge(report_build):
    # Issue 14: every cell of a numeric column right-aligned: its last word ends at the same
    # x (within 1 pt) on every row, read from pdftotext -bbox.
    doc = crsreport.resolve(crsreport.load_report(PROJECTS["report"]))
    lines: dict[tuple[int, float], list[tuple[str, float]]] = {}
    for page, text, x_max, _, y_max in _pdf_words(report_build[".pdf"]):
        lines.setdefault((page, round(y_max)), []).append((text, x_max))
    lines = {key: sorted(words, key=lambda w: w[1]) for key, words in lines.items()}
    checked = 0
    for table in (n for n in doc.walk() if n.kind == "table"):
        cells, right = _numeric_columns(table)
        edges: dict[int, list[float]] = {i: [] for i in right}  # trailing numeric columns
        for row, node in zip(cells, [r for r in table.children if not r.header], strict=True):
            first = min(
                (i for i in range(len(row)) if set(range(i, len(row))) <= right), default=None
            )
            if first is None:  # no numbers end this row (a table of dates and places)
                continue
            head = next(w for cell in row for w in cell)
            tail = [w for cell in row[first:] for w in cell]  # the numbers end the line
            line = next(
                (
                    ws
                    for ws in lines.values()
                    if ws[0][0] == head and [t for t, _ in ws[-len(tail) :]] == tail
                ),
                None,
            )
            assert line is not None, f"no PDF line opens with {head!r} and ends {tail}"
            end = len(line) - len(tail)
            for i in range(first, len(row)):
                end += len(row[i])
                lettered = any(x.kind == "sup" for x in node.children[i].children)
                if row[i] and not lettered:  # a letter ends that cell's line
                    edges[i].append(line[end - 1][1])
        for i, xs in edges.items():
            assert max(xs) - min(xs) <= 1, f"column {i} of {cells[0]}: right edges {xs}"
            checked += len(xs)
    assert checked >= 60, checked


@pytest.mark.usefixtures("poppler")
def test_report_pdf_table_and_figure_captions_are_one_size(report_build):
    # Issue 14: table captions were smaller than figure captions (the table's 0.85em).
    words = _pdf_words(report_build[".pdf"])
    sizes = {  # a caption opens its line; "Figure 1." in a sentence does not
        (label, round(y_max - y_min, 1))
        for before, (page, label, *_), (_, number, _, y_min, y_max) in zip(
            words, words[1:], words[2:], strict=False
        )
        if label in ("Figure", "Table")
        and re.fullmatch(r"(A-)?\d+\.", number)
        and page > 3
        and (before[0], round(before[4])) != (page, round(y_max))
    }
    assert {label for label, _ in sizes} == {"Figure", "Table"}, sizes
    assert len({size for _, size in sizes}) == 1, sizes


CAPTION_PROBE = """<script>
const px = (el) => getComputedStyle(el).fontSize;
const right = [...document.querySelectorAll("td.align-right, th.align-right")];
document.body.dataset.rightCells = right.length;
document.body.dataset.notRight = right.filter((c) => getComputedStyle(c).textAlign !== "right")
  .map((c) => c.textContent.trim()).join("|");
document.body.dataset.figureCaptions = [...new Set([...document.querySelectorAll(
  "figure:not(.kind-table) > figcaption")].map(px))].join("|");
document.body.dataset.tableCaptions = [...new Set([...document.querySelectorAll(
  "table.data-table > caption")].map(px))].join("|");
</script>
</body>"""


def test_report_html_computed_styles_align_numbers_and_size_captions_alike(
    report_build, require, tmp_path
):
    # Issue 14, read by headless Chromium: every cell of a numeric column computes
    # text-align: right; table and figure captions compute one font size.
    page = tmp_path / "page.html"
    html = report_build[".html"].read_text(encoding="utf-8")
    page.write_text(html.replace("</body>", CAPTION_PROBE, 1), encoding="utf-8")
    result = subprocess.run(
        [require("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = re.search(r"<body([^>]*)>", result.stdout).group(1)
    facts = dict(re.findall(r'data-([a-z0-9-]+)="([^"]*)"', body))
    assert int(facts["right-cells"]) >= 30
    assert facts["not-right"] == ""
    assert facts["figure-captions"] and facts["figure-captions"] == facts["table-captions"], facts


# ---------------------------------------------------------------- DOCX


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.mark.parametrize("product", PRODUCTS)
def test_libreoffice_pages_the_docx_as_the_pdf(builds, libreoffice_pdfs, product):
    """#15: LibreOffice's PDF of the DOCX has as many pages as crsreport's PDF, and at
    least 90% of the words of each PDF page are on the same page of LibreOffice's."""
    ours = page_texts(builds[product][".pdf"])
    theirs = page_texts(libreoffice_pdfs[product])
    assert len(theirs) == len(ours), f"PDF {len(ours)} pages, DOCX in LibreOffice {len(theirs)}"
    for number, (mine, other) in enumerate(zip(ours, theirs, strict=True), start=1):
        words, present = _words(mine), set(_words(other))
        assert words, f"PDF page {number} has no words"
        share = sum(word in present for word in words) / len(words)
        missing = sorted(set(words) - present)[:15]
        assert share >= 0.9, f"page {number}: {share:.0%} of the PDF's words; lacks {missing}"


def test_report_docx_wide_table_keeps_its_label_words_whole_in_libreoffice(libreoffice_pdfs):
    # Issue 14: DOCX column widths from content. Equal widths broke "Ballis-tic" in the
    # label column of the 11-column Table A-2; LibreOffice must set each label word whole
    # and the table inside the (landscape) page.
    pdf = libreoffice_pdfs["report"]
    rows = list(csv.DictReader((PROJECTS["report"] / "data" / "nk_tests_wide.csv").open()))
    label_words = {w for row in rows for w in row["measure"].split()} | {"Measure"}
    pages = [n for n, t in enumerate(page_texts(pdf), 1) if "Table A-2." in t and "Source:" in t]
    assert pages, "no LibreOffice page holds Table A-2 and its source line"
    n = pages[0]
    words = pdftotext(pdf, n).split()
    broken = sorted(w for w in label_words if w not in words)
    assert not broken, f"label words broken across lines on page {n}: {broken}"
    boxes = run("pdftotext", "-bbox", "-f", str(n), "-l", str(n), str(pdf), "-")
    bbox = lxml.html.fromstring(boxes.encode())
    page = bbox.find(".//page")
    width = float(page.get("width"))
    right = max(float(word.get("xmax")) for word in page.iter("word"))
    assert right <= width - 36, f"Table A-2 runs to x={right:.0f} on a {width:.0f} pt wide page"


def test_in_focus_docx_body_is_a_two_column_section(flagship_build):
    body = docx_xml(flagship_build[".docx"], "word/document.xml").find("w:body", NS)
    paragraphs = list(body.iter(w("p")))
    breaks = [i for i, p in enumerate(paragraphs) if p.find("w:pPr/w:sectPr", NS) is not None]
    two = [
        i
        for i in breaks
        if paragraphs[i].find("w:pPr/w:sectPr/w:cols", NS) is not None
        and paragraphs[i].find("w:pPr/w:sectPr/w:cols", NS).get(w("num")) == "2"
    ]
    assert len(two) == 1, "no (or more than one) section with w:cols w:num='2'"
    end = two[0]
    start = max([i for i in breaks if i < end], default=-1)
    styles = [style_of(p) for p in paragraphs]
    texts = [paragraph_text(p).strip() for p in paragraphs]
    headings = [i for i, s in enumerate(styles) if s and re.fullmatch(r"Heading\d", s)]
    assert headings, "no body headings"
    assert all(start < i < end for i in headings), "a body heading lies outside the columns"
    disclaimer = texts.index("Disclaimer")
    last_body = max(i for i, t in enumerate(texts) if t and i < disclaimer)
    assert last_body < end < disclaimer, "the column section must end after the body text"
    assert not any(texts[last_body + 1 : end]), "the column section ends late"
    assert texts.index(crsreport.load_report(REPO).title) <= start, "title inside the columns"


@pytest.mark.parametrize("product", PRODUCTS)
def test_docx_headers_and_footers_carry_page_fields(builds, product):
    """A page number where the product's page model prints one (In Focus prints none)."""
    model = product_for(product).page
    parts = docx_parts(builds[product][".docx"], r"word/(header|footer)\d*\.xml")
    assert parts, "no header or footer parts"
    instructions = [f["instr"] for root in parts.values() for f in docx_fields(root)]
    instructions += [
        el.get(w("instr"), "").strip()
        for root in parts.values()
        for el in root.iter(w("fldSimple"))
    ]
    numbered = any(re.fullmatch(r"PAGE(\s.*)?", i) for i in instructions)
    assert numbered == (model.header_number or model.footer_number), instructions


@pytest.mark.parametrize("product", PRODUCTS)
def test_docx_every_section_is_letter(builds, product):
    root = docx_xml(builds[product][".docx"], "word/document.xml")
    sections = list(root.iter(w("sectPr")))
    assert sections
    for sect in sections:
        size = sect.find("w:pgSz", NS)
        assert size is not None, "a section has no w:pgSz"
        turned = size.get(w("orient")) == "landscape"  # a wide table's own page
        dims = (size.get(w("w")), size.get(w("h")))
        assert dims == (LETTER[::-1] if turned else LETTER)


def test_in_focus_docx_footer_and_header_in_libreoffice(libreoffice_pdfs):
    # CRS anatomy: every page footer carries the URL; pages 2+ the title as running header.
    pdf = libreoffice_pdfs["in_focus"]
    title = crsreport.load_report(REPO).title
    pages = page_texts(pdf)
    for n, text in enumerate(pages, start=1):
        assert house.URL in text, f"DOCX page {n} has no {house.URL} footer"
    for n, text in enumerate(pages[1:], start=2):
        assert lines(text)[0] == title, f"DOCX page {n} does not start with the running title"
    assert lines(pages[0])[0] != title


def test_report_docx_running_header_is_the_pdfs_one_line_in_libreoffice(
    report_build, libreoffice_pdfs
):
    """#15: the Report's running title sits flush right on one line on every body page
    (two tabs made a title wider than half the line wrap onto a second line), where and
    as the PDF prints it."""
    band = (0, 0, PAGE_H, 45)  # the top margin's header line, portrait or turned page
    ours, theirs = report_build[".pdf"], libreoffice_pdfs["report"]
    title = punctuate(crsreport.load_report(PROJECTS["report"]).title)
    headed = 0
    for n in range(1, page_count(ours) + 1):
        mine = lines(pdftotext(ours, n, crop=band))
        assert lines(pdftotext(theirs, n, crop=band)) == mine, f"page {n}'s header differs"
        headed += mine == [title]
    assert headed >= 5, f"only {headed} pages of the Report's PDF carry the running title"


def test_report_docx_toc_field_lists_every_heading(report_build, require):
    require("pandoc")
    docx = report_build[".docx"]
    root = docx_xml(docx, "word/document.xml")
    tocs = [f for f in docx_fields(root) if f["instr"].startswith("TOC \\o")]
    # the body, the appendixes and the contacts, each list scoped to its part (\b)
    assert len(tocs) == 3, "the Report DOCX needs a TOC \\o field per heading group"
    lists = [f["instr"] for f in docx_fields(root) if f["instr"].startswith("TOC \\h")]
    assert lists == ['TOC \\h \\z \\c "Figure"', 'TOC \\h \\z \\c "Table"']
    paragraphs = list(root.iter(w("p")))
    texts = []
    for toc in tocs:
        first, last = paragraphs.index(toc["begin"]), paragraphs.index(toc["end"])
        entries = paragraphs[first : last + 1]
        assert {style_of(p) for p in entries} <= {"TOC1", "TOC2", "TOC3"}, "not in TOCn"
        listed = [paragraph_text(p, stop_at_tab=True).strip() for p in entries]
        assert all(listed) and toc["result"].strip(), "the TOC's cached result is empty"
        # what Word lists on an update: the headings inside the field's bookmark
        scope = re.search(r"\\b (\w+)", toc["instr"])
        assert scope, f"{toc['instr']} is not scoped to a bookmark"
        assert listed == _headings_in(root, scope.group(1)), toc["instr"]
        texts += listed
    # headings kept out of the TOC by design: its own, and the summary page's
    outside = ("TOCHeading", "SummaryLabel")
    toc_headings = {paragraph_text(p).strip() for p in paragraphs if style_of(p) in outside}
    headers = run("pandoc", "-f", "docx", "-t", "json", str(docx))
    found = [h for h in _pandoc_headings(headers) if h not in toc_headings]
    assert texts == found, f"TOC lists {texts}; pandoc finds headings {found}"


def _headings_in(root: etree._Element, bookmark: str) -> list[str]:
    """The text of the Heading 1-3 paragraphs inside the body's bookmark ``bookmark``."""
    starts = root.findall(f".//w:bookmarkStart[@w:name='{bookmark}']", NS)
    assert len(starts) == 1, f"{len(starts)} bookmarks {bookmark} in the body"
    ident, inside, found = starts[0].get(w("id")), False, []
    for p in root.find("w:body", NS).iter(w("p")):
        inside = inside or starts[0] in p.iter()
        if inside and style_of(p) in ("Heading1", "Heading2", "Heading3"):
            found.append(paragraph_text(p).strip())
        if any(end.get(w("id")) == ident for end in p.iter(w("bookmarkEnd"))):
            inside = False
    return found


_ENTRY = re.compile(r"^(?P<title>\S.*?)\s*\.{2,}\s*(?P<page>\d+)$")
_PRINTED = re.compile(r"(?:CRS-)?(\d+)$")


def test_report_docx_caption_numbers_survive_a_field_update(report_build):
    """#15: every caption's number is a SEQ field of its label's one sequence (so the
    Tables list, ``TOC \\c "Table"``, finds an appendix's tables on an update), and
    counting the fields as Word and LibreOffice do (+1, or ``\\r n``) gives the number
    the caption shows: Table A-1 restarts the count."""
    root = docx_xml(report_build[".docx"], "word/document.xml")
    fields = docx_fields(root)
    counts: dict[str, int] = {}
    captions: dict[str, list[str]] = {}
    for field in (f for f in fields if f["instr"].startswith("SEQ ")):
        label = field["instr"].split()[1]
        reset = re.search(r"\\r (\d+)", field["instr"])
        counts[label] = int(reset.group(1)) if reset else counts.get(label, 0) + 1
        assert field["result"] == str(counts[label]), field["instr"]
        text = paragraph_text(field["begin"]).strip()
        assert re.match(rf"{label} (?:[A-Z]-)?{counts[label]}\.", text), text
        captions.setdefault(label, []).append(text)
    assert set(captions) == {"Figure", "Table"}, captions
    assert [c for c in captions["Table"] if "-" in c.split(".")[0]], "no appendix table"
    for label in captions:
        (toc,) = [f for f in fields if f["instr"] == f'TOC \\h \\z \\c "{label}"']
        first, last = (list(root.iter(w("p"))).index(toc[k]) for k in ("begin", "end"))
        listed = [
            paragraph_text(p, stop_at_tab=True).strip()
            for p in list(root.iter(w("p")))[first : last + 1]
        ]
        assert listed == captions[label]


_GROUPS = ("Contents", "Figures", "Tables", "Appendixes", "Contacts")


def _listed(page: str) -> dict[str, list[tuple[str, int]]]:
    """The entries of the Contents, Figures and Tables lists on a page: title, number."""
    lists: dict[str, list[tuple[str, int]]] = {}
    current = None
    for line in lines(page):
        if line in _GROUPS:
            current = lists.setdefault(line, [])
        elif current is not None and (entry := _ENTRY.match(line)):
            current.append((entry["title"], int(entry["page"])))
    return lists


def test_report_docx_lists_show_the_pages_libreoffice_prints(report_build, libreoffice_pdfs):
    """#15: opened without updating fields, the DOCX's Contents, Figures and Tables list
    every entry with a page number within one of the page LibreOffice prints it on."""
    styles = [
        style_of(p) for p in docx_xml(report_build[".docx"], "word/document.xml").iter(w("p"))
    ]
    pdf = libreoffice_pdfs["report"]
    pages = [pdftotext(pdf, n, layout=True) for n in range(1, page_count(pdf) + 1)]
    front = next(i for i, page in enumerate(pages) if "Contents" in lines(page))
    lists = _listed(pages[front])
    assert set(lists) == set(_GROUPS), lists
    headings = [len(lists[g]) for g in ("Contents", "Appendixes", "Contacts")]
    assert sum(headings) == sum(s in ("TOC1", "TOC2", "TOC3") for s in styles)
    # grouped as the PDF's Contents: each title under the same list title
    ours, group = {}, None
    for line in lines(pdftotext(report_build[".pdf"], front + 1)):
        group = line if line in _GROUPS else group
        if group and line not in (*_GROUPS, house.CRS) and not line.isdigit():
            ours.setdefault(group, []).append(line)
    assert {g: [t for t, _ in entries] for g, entries in lists.items()} == ours
    assert len(lists["Figures"]) + len(lists["Tables"]) == styles.count("TableofFigures")
    for title, listed in [entry for entries in lists.values() for entry in entries]:
        where = _first_page_with_line(pages, front + 1, title)
        assert where is not None, f"LibreOffice prints no {title!r} after the Contents"
        footer = lines(pages[where])[-1]
        printed = _PRINTED.search(footer)
        assert printed, f"page {where + 1} prints no page number: {footer!r}"
        assert abs(int(printed.group(1)) - listed) <= 1, (title, listed, footer)


def _first_page_with_line(pages: list[str], start: int, text: str) -> int | None:
    """The index of the first page from ``start`` with a line that begins with ``text``."""
    for i in range(start, len(pages)):
        if any(line.startswith(text) for line in lines(pages[i])):
            return i
    return None


def _inline_text(node: object) -> str:
    """The text of pandoc JSON inlines (notes left out)."""
    if isinstance(node, list):
        return "".join(_inline_text(n) for n in node)
    if isinstance(node, dict):
        kind = node.get("t")
        if kind == "Str":
            return node["c"]
        if kind in ("Space", "SoftBreak", "LineBreak"):
            return " "
        if kind == "Note":
            return ""
        return _inline_text(node.get("c", []))
    return ""


def _pandoc_headings(json_text: str) -> list[str]:
    blocks = json.loads(json_text)["blocks"]
    return [norm(_inline_text(b["c"][2])) for b in blocks if b["t"] == "Header"]


@pytest.mark.parametrize("product", PRODUCTS)
def test_docx_uses_named_styles_only(builds, product):
    path = builds[product][".docx"]
    styles = docx_xml(path, "word/styles.xml")
    defined = {s.get(w("styleId")) for s in styles.iter(w("style"))}
    stories = docx_parts(path, r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
    for name, root in stories.items():
        for tag in ("pStyle", "rStyle", "tblStyle"):
            used = {el.get(w("val")) for el in root.iter(w(tag))}
            assert used <= defined, f"{name}: {tag} not in styles.xml: {used - defined}"
        for rpr in root.iter(w("rPr")):
            if rpr.getparent().tag != w("r"):
                continue  # paragraph-mark properties
            direct = [
                c.tag.removeprefix(W) for c in rpr if c.tag.removeprefix(W) in DIRECT_FORMATTING
            ]
            assert not direct, f"{name}: a run is formatted directly ({direct}), not by a style"


@pytest.mark.parametrize("product", PRODUCTS)
def test_docx_styles_name_house_fonts_only(builds, product):
    styles = docx_xml(builds[product][".docx"], "word/styles.xml")
    named: dict[str, set[str]] = {}
    for fonts in styles.iter(w("rFonts")):
        owner = next(fonts.iterancestors(w("style"), w("docDefaults")), None)
        label = (
            "docDefaults"
            if owner is None or owner.tag == w("docDefaults")
            else owner.get(w("styleId"))
        )
        for attr, value in fonts.attrib.items():
            local = attr.removeprefix(W)
            if local.endswith("Theme"):
                named.setdefault(f"theme font {value}", set()).add(label)
            elif local in ("ascii", "hAnsi", "cs", "eastAsia"):
                named.setdefault(value, set()).add(label)
    assert named, "styles.xml names no fonts"
    stray = {font: sorted(owners) for font, owners in named.items() if font not in HOUSE_FONTS}
    assert not stray, f"styles.xml names fonts other than {sorted(HOUSE_FONTS)}: {stray}"


# ---------------------------------------------------------------- HTML


@pytest.mark.parametrize("product", PRODUCTS)
def test_html_lang_title_and_no_script(builds, product):
    report = crsreport.load_report(PROJECTS[product])
    doc = html_doc(builds[product][".html"])
    assert doc.get("lang") == report.lang
    assert norm(doc.findtext(".//head/title") or "") == punctuate(report.title)
    assert not doc.xpath("//script"), "the page carries a <script>"


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize("product", PRODUCTS)
def test_html_and_pdf_print_the_same_furniture(builds, product):
    html = html_text(html_doc(builds[product][".html"]))
    pdf = norm(pdftotext(builds[product][".pdf"]))
    for text in expected_furniture(product):
        short = text if len(text) < 60 else text[:57] + "..."
        assert norm(text) in html, f"HTML lacks {short!r}"
        assert norm(text) in pdf, f"PDF lacks {short!r}"


@pytest.mark.parametrize("product", PRODUCTS)
def test_html_heading_levels_never_skip(builds, product):
    doc = html_doc(builds[product][".html"])
    headings = [
        (int(h.tag[1]), norm(h.text_content()))
        for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")
    ]
    assert headings and headings[0][0] == 1, f"the page does not open with an h1: {headings[:2]}"
    for (before, a), (after, b) in itertools.pairwise(headings):
        assert after <= before + 1, f"h{before} {a!r} then h{after} {b!r}"


def test_docx_link_keeps_emphasis_inside_it(make_project, tmp_path, require):
    require("pandoc")
    project = make_project(
        {
            "report.yaml": "id: IN10078\ntitle: Links\ndate: 2022-02-10\n"
            "sections:\n  - title: Sources\n    prose: sections/a.md\n",
            "sections/a.md": "See [*Foreign Affairs* online](https://example.com/fa) "
            "and [a **strong** claim](https://example.com/s).\n",
        }
    )
    out = crsreport.build(crsreport.load_report(project), ["docx"], tmp_path / "out")
    markdown = run("pandoc", "-f", "docx", "-t", "markdown", str(out[0]))
    assert "[*Foreign Affairs* online](https://example.com/fa)" in norm(markdown)
    assert "[a **strong** claim](https://example.com/s)" in norm(markdown)
    links = docx_xml(out[0], "word/document.xml").findall(".//w:hyperlink", NS)
    styles = {r.find("w:rPr/w:rStyle", NS).get(w("val")) for a in links for r in a}
    assert styles == {"Hyperlink"}, "every run in a link keeps the Hyperlink style"
