"""Figures and tables: drawn once and reproducibly, captioned, numbered, cross-referenced.

Figures are read back from every output (pdftotext, python-docx's XML via lxml, the
HTML via lxml), and bad figure specs are fed to ``make-report`` in throwaway projects.
"""

from __future__ import annotations

import csv
import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

import crsreport

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
PROJECTS = {
    "in_focus": REPO,
    "insight": REPO / "examples" / "insight",
    "report": REPO / "examples" / "report",
}
CHART_KINDS = {"bar", "line", "timeline"}  # drawn from data (tables are real tables)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {
    "w": W[1:-1],
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------- helpers


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def w(name: str) -> str:
    return W + name


def pdftotext(pdf: Path, *options: str) -> str:
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *options, str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def figures_of(sections: list) -> list:
    out = []
    for section in sections:
        out += list(section.figures)
        out += figures_of(section.subsections)
    return out


def spec(product: str, figure_id: str):
    report = crsreport.load_report(PROJECTS[product])
    return next(f for f in figures_of(report.sections) if f.id == figure_id)


def chart_ids(product: str) -> list[str]:
    report = crsreport.load_report(PROJECTS[product])
    return [f.id for f in figures_of(report.sections) if f.kind in CHART_KINDS]


def document_xml(docx: Path) -> etree._Element:
    with zipfile.ZipFile(docx) as package:
        return etree.fromstring(package.read("word/document.xml"))


def styles_xml(docx: Path) -> etree._Element:
    with zipfile.ZipFile(docx) as package:
        return etree.fromstring(package.read("word/styles.xml"))


def style_of(paragraph: etree._Element) -> str | None:
    style = paragraph.find("w:pPr/w:pStyle", NS)
    return None if style is None else style.get(w("val"))


def text_of(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(w("t")))


def fields(root: etree._Element) -> list[dict]:
    """Complex fields in document order: instruction, cached result, begin/end elements."""
    done: list[dict] = []
    stack: list[dict] = []
    for el in root.iter(w("fldChar"), w("instrText"), w("t")):
        if el.tag == w("fldChar"):
            kind = el.get(w("fldCharType"))
            if kind == "begin":
                stack.append({"instr": "", "result": "", "state": "instr", "begin": el})
            elif kind == "separate" and stack:
                stack[-1]["state"] = "result"
            elif kind == "end" and stack:
                field = stack.pop()
                field["end"], field["instr"] = el, field["instr"].strip()
                done.append(field)
        elif el.tag == w("instrText") and stack:
            stack[-1]["instr"] += el.text or ""
        else:
            for field in stack:
                if field["state"] == "result":
                    field["result"] += el.text or ""
    assert not stack, "a field is never closed"
    return done


def html_doc(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def twice_built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each project built twice, in separate calls into separate folders: product -> facts.

    HTML + DOCX need both the SVG and the PNG of every chart. The Report example's first
    build also makes its PDF, and serves as the ``report_build`` of this module.
    """
    out = {}
    for product, project in PROJECTS.items():
        first_dir = tmp_path_factory.mktemp(f"figures-{product}-a")
        second_dir = tmp_path_factory.mktemp(f"figures-{product}-b")
        formats = ["html", "pdf", "docx"] if product == "report" else ["html", "docx"]
        first = crsreport.build(crsreport.load_report(project), formats, out_dir=first_dir)
        second = crsreport.build(
            crsreport.load_report(project), ["html", "docx"], out_dir=second_dir
        )
        out[product] = {"dirs": (first_dir, second_dir), "results": (first, second)}
    return out


@pytest.fixture(scope="session")
def report_build(twice_built: dict[str, dict]) -> dict[str, Path]:
    first, _ = twice_built["report"]["results"]
    return {path.suffix: path for path in first}


# ---------------------------------------------------------------- drawing and the cache


@pytest.mark.parametrize("product", list(PROJECTS))
def test_two_builds_draw_byte_identical_figures(twice_built, product):
    first_dir, second_dir = twice_built[product]["dirs"]
    first = {p.name: p.read_bytes() for p in (first_dir / ".cache" / "figures").iterdir()}
    second = {p.name: p.read_bytes() for p in (second_dir / ".cache" / "figures").iterdir()}
    ids = chart_ids(product)
    assert ids, "the project declares no chart"
    for figure_id in ids:
        for suffix in ("svg", "png"):
            assert [n for n in first if n.startswith(f"{figure_id}-") and n.endswith(suffix)], (
                f"no cached {suffix} for figure {figure_id!r}: {sorted(first)}"
            )
    assert sorted(first) == sorted(second), "the two builds cached different files"
    for name, data in first.items():
        if name.endswith(".png"):
            assert data.startswith(PNG_SIGNATURE), f"{name} is not a PNG"
        if name.endswith(".svg"):
            assert b"<svg" in data[:2000], f"{name} is not an SVG"
        assert data == second[name], f"{name} differs between two builds"


@pytest.mark.parametrize("product", list(PROJECTS))
def test_second_build_into_the_same_folder_draws_nothing(twice_built, product):
    first_dir, _ = twice_built[product]["dirs"]
    first, _ = twice_built[product]["results"]
    ids = sorted(chart_ids(product))
    assert sorted(first.drawn) == ids and first.reused == []
    again = crsreport.build(
        crsreport.load_report(PROJECTS[product]), ["html", "docx"], out_dir=first_dir
    )
    assert again.drawn == [], f"redrawn although nothing changed: {again.drawn}"
    assert sorted(again.reused) == ids
    assert {p.suffix for p in again} == {".html", ".docx"}
    assert all(p.is_file() for p in again)


# ---------------------------------------------------------------- the flagship's Figure 1


def test_flagship_pdf_caption_and_source_share_a_page(flagship_build, require):
    require("pdftotext")
    pages = pdftotext(flagship_build[".pdf"]).split("\f")
    title = spec("in_focus", "tests").title
    holding = [i for i, page in enumerate(pages) if f"Figure 1. {title}" in norm(page)]
    assert len(holding) == 1, f"caption 'Figure 1. {title}' found on pages {holding}"
    page = pages[holding[0]]
    assert re.search(r"^Figure 1\. ", page, re.M), "the caption does not start a line"
    assert re.search(r"^Sources?: ", page, re.M), "no Source: line on the figure's page"
    assert page.index("Figure 1.") < page.index("Source"), "Source: should follow the caption"


def test_flagship_docx_caption_has_seq_field_and_picture_has_alt(flagship_build):
    root = document_xml(flagship_build[".docx"])
    paragraphs = list(root.iter(w("p")))
    captions = [
        i
        for i, p in enumerate(paragraphs)
        if style_of(p) == "Caption"
        and any(re.match(r"SEQ Figure\b", f["instr"]) for f in fields(p))
    ]
    assert len(captions) == 1, "expected one Caption paragraph with a SEQ Figure field"
    caption = paragraphs[captions[0]]
    assert norm(text_of(caption)).startswith("Figure 1. "), text_of(caption)
    pictures = [
        (i, doc_pr) for i, p in enumerate(paragraphs) for doc_pr in p.iter(f"{{{NS['wp']}}}docPr")
    ]
    assert pictures, "the DOCX holds no picture"
    index, doc_pr = pictures[0]
    alt = spec("in_focus", "tests").alt
    assert (doc_pr.get("descr") or "").strip(), "the picture has no alt text (descr)"
    assert norm(doc_pr.get("descr")) == norm(alt)
    assert index > captions[0], "the caption should sit above the picture"


def test_flagship_html_figure_has_alt_text(flagship_build):
    doc = html_doc(flagship_build[".html"])
    figure = doc.get_element_by_id("fig-tests")
    assert figure.tag == "figure"
    alt = norm(spec("in_focus", "tests").alt)
    svgs = figure.xpath(".//svg[@role='img']")
    imgs = figure.xpath(".//img[@alt]")
    assert svgs or imgs, "the figure has neither <svg role='img'> nor <img alt>"
    if svgs:
        title = svgs[0].find("title")
        assert title is not None and norm(title.text_content()) == alt
        labelled = svgs[0].get("aria-labelledby")
        assert labelled is None or labelled == title.get("id")
    else:
        assert norm(imgs[0].get("alt")) == alt
    caption = figure.find(".//figcaption")
    assert caption is not None and norm(caption.text_content()).startswith("Figure 1. ")


def _words_after_reference(reference: str, count: int = 4) -> list[str]:
    text = (REPO / "sections" / "programs.md").read_text(encoding="utf-8")
    match = re.search(re.escape(reference) + r"(.*)", text)
    assert match, f"sections/programs.md no longer says {reference}"
    return match.group(1).split()[:count]


def test_flagship_cross_reference_resolves_in_every_format(flagship_build, require):
    require("pdftotext")
    words = _words_after_reference("@fig:tests")
    # HTML: a link to the figure's id, and the figure holds that id
    doc = html_doc(flagship_build[".html"])
    links = doc.xpath("//a[@class='xref'][@href='#fig-tests']")
    assert [norm(a.text_content()) for a in links] == ["Figure 1"]
    assert doc.xpath("//*[@id='fig-tests']"), "nothing has id fig-tests"
    assert "@fig:" not in doc.text_content()
    # PDF: the paragraph starts with the resolved text
    pdf = pdftotext(flagship_build[".pdf"])
    pattern = r"^Figure 1\s+" + r"\s+".join(map(re.escape, words))
    assert re.search(pattern, pdf, re.M), f"no paragraph starts 'Figure 1 {' '.join(words)}'"
    assert "@fig:" not in pdf
    # DOCX: a REF field to the bookmark around the caption number, cached "Figure 1"
    root = document_xml(flagship_build[".docx"])
    refs = [f for f in fields(root) if f["instr"].startswith("REF ")]
    to_figure = [f for f in refs if f["result"] == "Figure 1"]
    assert len(to_figure) == 1, f"no REF field cached 'Figure 1': {refs}"
    name = to_figure[0]["instr"].split()[1]
    starts = [b for b in root.iter(w("bookmarkStart")) if b.get(w("name")) == name]
    assert len(starts) == 1, f"REF names bookmark {name!r}, which is not defined once"
    paragraph = next(starts[0].iterancestors(w("p")))
    assert style_of(paragraph) == "Caption", "the bookmark is not on the caption"
    order = list(paragraph.iter())
    end = next(
        b for b in paragraph.iter(w("bookmarkEnd")) if b.get(w("id")) == starts[0].get(w("id"))
    )
    seq = next(f for f in fields(paragraph) if f["instr"].startswith("SEQ "))
    assert order.index(starts[0]) < order.index(seq["begin"]), "bookmark opens after SEQ"
    assert order.index(seq["end"]) < order.index(end), "bookmark closes inside SEQ"


# ---------------------------------------------------------------- the Report example's tables


def test_report_html_table_is_a_real_table(report_build):
    doc = html_doc(report_build[".html"])
    figure = doc.get_element_by_id("tbl-recent")
    tables = figure.findall(".//table")
    assert len(tables) == 1, "Table 1 is not one <table>"
    table = tables[0]
    caption = table.find("caption")
    assert caption is not None and norm(caption.text_content()).startswith("Table 1. ")
    headers = table.findall(".//th")
    assert headers, "no <th>"
    assert all(th.get("scope") in ("col", "colgroup", "row", "rowgroup") for th in headers), [
        (norm(th.text_content()), th.get("scope")) for th in headers
    ]
    assert [norm(s.text_content()) for s in table.iter("sup")] == ["a", "b"], "note letters"
    text = norm(figure.text_content())
    for column in spec("report", "recent").columns:
        if column.note:
            assert f"a. {norm(column.note)}" in text
    rows = [
        [norm(c.text_content()) for c in tr if c.tag in ("td", "th")] for tr in table.iter("tr")
    ]
    assert rows[-1][0] == "Total"
    appendix = doc.get_element_by_id("tbl-nuclear-tests").find(".//caption")
    assert norm(appendix.text_content()).startswith("Table A-1. ")


def test_report_docx_table_has_header_rows_and_style(report_build):
    docx = report_build[".docx"]
    root = document_xml(docx)
    defined = {s.get(w("styleId")): s for s in styles_xml(docx).iter(w("style"))}
    tables = [t for t in root.iter(w("tbl")) if "Launch days" in text_of(t)]
    assert len(tables) == 1, "no (single) DOCX table for Table 1"
    table = tables[0]
    style = table.find("w:tblPr/w:tblStyle", NS)
    assert style is not None and style.get(w("val")) in defined, "table style not set/defined"
    grouped = any(c.group for c in spec("report", "recent").columns)
    header_rows = 2 if grouped else 1
    rows = table.findall("w:tr", NS)
    flags = [r.find("w:trPr/w:tblHeader", NS) is not None for r in rows]
    assert flags[:header_rows] == [True] * header_rows, f"header rows not repeated: {flags}"
    assert not any(flags[header_rows:]), f"body rows marked as header: {flags}"
    assert "Year" in text_of(rows[header_rows - 1])
    assert text_of(rows[-1]).startswith("Total")
    previous = table.getprevious()
    while previous is not None and style_of(previous) != "Caption":
        previous = previous.getprevious()
    assert previous is not None, "no caption above the table"
    assert any(f["instr"].startswith("SEQ Table") for f in fields(previous))
    letters = [
        r
        for r in table.iter(w("r"))
        if text_of(r) in ("a", "b") and r.find("w:rPr/w:rStyle", NS) is not None
    ]
    assert len(letters) == 2, "note letters are not styled runs"
    for run in letters:
        style_id = run.find("w:rPr/w:rStyle", NS).get(w("val"))
        vert = defined[style_id].find("w:rPr/w:vertAlign", NS)
        assert vert is not None and vert.get(w("val")) == "superscript"


def test_report_pdf_numbers_tables_and_figures_separately(report_build, require):
    require("pdftotext")
    pdf = report_build[".pdf"]
    text = norm(pdftotext(pdf))
    assert f"Figure 1. {spec('report', 'launches').title}" in text
    assert f"Table 1. {spec('report', 'recent').title}" in text
    assert f"Table A-1. {spec('report', 'nuclear-tests').title}" in text
    recent = spec("report", "recent")
    with open(PROJECTS["report"] / recent.data, encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if recent.start <= r[recent.date] <= recent.end]
    sums = [sum(int(r[c.column]) for r in rows) for c in recent.columns[1:]]
    total = r"^\s*Total\s+" + r"\s+".join(str(s) for s in sums) + r"\s*$"
    assert re.search(total, pdftotext(pdf, "-layout"), re.M), f"no row 'Total {sums}'"


# ---------------------------------------------------------------- bad specs exit 2

CSV = "year,launches,tests\n2020,4,0\n2021,6,1\n"


def project_files(figure: str, prose: str = "Some prose.\n") -> dict[str, str]:
    """A small Insight whose one section carries ``figure`` (YAML list item lines)."""
    report = (
        "id: IN99002\n"
        "title: Bad Figure Specs\n"
        "date: 2022-02-10\n"
        "sections:\n"
        "  - title: One\n"
        "    prose: sections/a.md\n"
        "    figures:\n" + figure
    )
    return {"report.yaml": report, "data/t.csv": CSV, "sections/a.md": prose}


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def problem_line(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert result.returncode == 2, f"exit {result.returncode}: {result.stderr}"
    assert "Traceback" not in result.stderr
    found = [line for line in result.stderr.splitlines() if all(n in line for n in needles)]
    assert found, f"no message naming {needles}: {result.stderr}"
    return found[0]


def build_bad(make_project, run_cli, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    project = make_project(files)
    result = run_cli(project, "--out", project / "out", "--quiet")
    assert not list((project / "out").glob("IN99002.*")), "a failed build wrote outputs"
    return result


TABLE = (
    "      - id: t\n"
    "        kind: table\n"
    "        title: Launches\n"
    "        data: data/t.csv\n"
    "        columns:\n"
    "          - column: year\n"
    "          - column: {column}\n"
    "        source: Someone.\n"
    "        alt: A table of launches.\n"
)
BAR = (
    "      - id: t\n"
    "        kind: bar\n"
    "        title: Launches\n"
    "        data: data/t.csv\n"
    "        x: {column}\n"
    "        y: [launches]\n"
    "        source: Someone.\n"
    "        alt: A bar chart of launches.\n"
)


@pytest.mark.parametrize("figure", [TABLE, BAR], ids=["table", "bar"])
def test_unknown_column_names_spec_line_and_lists_columns(make_project, run_cli, figure):
    files = project_files(figure.format(column="nope"))
    yaml_text = files["report.yaml"]
    result = build_bad(make_project, run_cli, files)
    message = problem_line(result, "report.yaml:", "nope")
    lines = {line_of(yaml_text, "- id: t"), line_of(yaml_text, "nope")}
    assert any(f"report.yaml:{n}:" in message for n in lines), f"not at line {lines}: {message}"
    listed = message.split("nope", 1)[1]
    for column in CSV.splitlines()[0].split(","):
        assert column in listed, f"available column {column!r} not listed: {message}"


@pytest.mark.parametrize("field", ["alt", "source"])
def test_figure_without_alt_or_source_is_refused(make_project, run_cli, field):
    figure = "".join(
        line + "\n"
        for line in TABLE.format(column="launches").splitlines()
        if f" {field}:" not in line
    )
    files = project_files(figure)
    result = build_bad(make_project, run_cli, files)
    line = line_of(files["report.yaml"], "- id: t")
    message = problem_line(result, f"report.yaml:{line}:", f"figures[0].{field}")
    assert "missing" in message or "required" in message, message


def test_unknown_figure_reference_names_md_file_and_line(make_project, run_cli):
    prose = "A first paragraph.\n\nThe trend in @fig:nope is clear.\n"
    files = project_files(TABLE.format(column="launches"), prose)
    result = build_bad(make_project, run_cli, files)
    problem_line(result, f"sections/a.md:{line_of(prose, '@fig:nope')}:", "@fig:nope")


def test_unknown_figure_kind_is_refused(make_project, run_cli):
    figure = TABLE.format(column="launches").replace("kind: table", "kind: pie")
    files = project_files(figure)
    result = build_bad(make_project, run_cli, files)
    lines = {line_of(files["report.yaml"], "- id: t"), line_of(files["report.yaml"], "kind: pie")}
    message = problem_line(result, "report.yaml:", "pie")
    assert any(f"report.yaml:{n}:" in message for n in lines), f"not at line {lines}: {message}"
    assert "table" in message.split("pie", 1)[1], f"known kinds not listed: {message}"
