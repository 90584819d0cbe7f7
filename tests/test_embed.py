"""The embedding API: a section as an HTML fragment, appended to a caller's .docx, and the
whole tree as JSON that validates against its published schema."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

import crsreport
from crsreport.embed import FRAGMENT_CLASS, scope_css

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = REPO_ROOT / "examples" / "report"
SCOPE = f".{FRAGMENT_CLASS}"


@pytest.fixture(scope="module")
def report() -> crsreport.Report:
    return crsreport.load_report(EXAMPLE)


@pytest.fixture(scope="module")
def tree(report) -> crsreport.tree.Node:
    return crsreport.resolve(report)


@pytest.fixture(scope="module")
def fragment(report, tmp_path_factory) -> str:
    return crsreport.render_section(report, "trends", cache_dir=tmp_path_factory.mktemp("c"))


def section(tree, section_id: str):
    return next(n for n in tree.walk() if n.kind == "section" and n.id == section_id)


# ---------------------------------------------------------------- HTML fragment


def test_fragment_is_one_wrapper_element_without_page_markup(fragment):
    from lxml import html

    root = html.fragment_fromstring(fragment)
    assert root.tag == "div"
    assert root.get("class") == FRAGMENT_CLASS
    assert root.get("data-section") == "trends"
    assert not re.search(r"<(html|head|body|!DOCTYPE)\b", fragment, re.I)
    assert root[0].tag == "style"
    assert all(el.getparent().tag == "div" or _in_svg(el) for el in root.iter("style"))


def _in_svg(el) -> bool:
    return any(parent.tag == "svg" for parent in el.iterancestors())


def test_fragment_styles_have_no_global_selector(fragment):
    import tinycss2
    from lxml import html

    styles = [el.text for el in html.fragment_fromstring(fragment).iter("style")]
    assert len(styles) == 2  # the house styles, and the drawn figure's own
    css = "\n".join(styles)
    selectors = list(_selectors(tinycss2.parse_stylesheet(css, True, True)))
    assert len(selectors) > 20
    for selector in selectors:
        assert re.match(rf"{re.escape(SCOPE)}(\[data-section\])?( |$)", selector), selector
        assert not re.search(r"(^|\s)(:root|html|body)(\s|$|[.:#\[])", selector), selector
    assert "@font-face" not in css and "@page" not in css and "@import" not in css


def _selectors(rules):
    import tinycss2

    for rule in rules:
        if rule.type == "qualified-rule":
            yield from (s.strip() for s in tinycss2.serialize(rule.prelude).split(","))
        elif rule.type == "at-rule" and rule.content is not None:
            yield from _selectors(tinycss2.parse_blocks_contents(rule.content, True, True))


def test_scope_css_maps_page_selectors_to_the_wrapper():
    css = ":root { --x: 1 } body, h2 a { color: red } @media (min-width: 5em) { p { margin: 0 } }"
    css += " @font-face { font-family: X; src: url(x.ttf) } @page { size: letter }"
    scoped = scope_css(css, ".w")
    assert ".w {--x: 1}" in scoped
    assert ".w, .w h2 a {color: red}" in scoped
    assert "@media (min-width: 5em) {\n.w p {margin: 0}\n}" in scoped
    assert "font-face" not in scoped and "@page" not in scoped


def test_fragment_has_inline_figures_and_the_reports_numbers(fragment, tree):
    trends = section(tree, "trends")
    figures = [n for n in trends.walk() if n.kind == "figure"]
    notes = [n for n in trends.walk() if n.kind == "note_ref"]
    assert figures and notes
    for figure in figures:
        label = f"{figure.label} {figure.number}."
        assert label in fragment
    assert "<svg" in fragment and 'role="img"' in fragment
    assert "<img" not in fragment  # data figures are inline SVG, not files
    for note in notes:  # numbered as in the whole report, text included
        n = note.n
        assert f'<li id="R99001-note-{n}" value="{n}">' in fragment  # ids carry the report's
        assert note.children[0].plain().split()[0] in fragment.split(f'id="R99001-note-{n}"')[1]
    assert any(n.n > 1 for n in notes), "the example should have notes before trends"


def test_fragment_links_only_to_targets_inside_it(report, tree, tmp_path):
    text = crsreport.render_section(report, "introduction", cache_dir=tmp_path)
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    targets = set(re.findall(r'href="#([^"]+)"', text))
    assert targets <= ids, targets - ids
    # references to other sections keep the full report's text
    xrefs = [n.text for n in section(tree, "introduction").walk() if n.kind == "xref"]
    assert xrefs
    for label in xrefs:
        assert f'<span class="xref xref-outside">{label}</span>' in text


def test_unknown_section_names_the_known_ones(report):
    with pytest.raises(crsreport.ReportError, match=r"no section with id 'nope'.*trends"):
        crsreport.render_section(report, "nope")
    with pytest.raises(crsreport.ReportError, match="choose html"):
        crsreport.render_section(report, "trends", fmt="pdf")


HOST_PROBE = """<script>
const h2 = document.querySelector("body > h2");
const inner = document.querySelector(".crsreport-fragment h2");
document.body.dataset.hostH2 = getComputedStyle(h2).color;
document.body.dataset.hostFont = getComputedStyle(document.querySelector(".host")).fontFamily;
document.body.dataset.innerFont = getComputedStyle(inner).fontFamily;
document.body.dataset.svgs = document.querySelectorAll(".crsreport-fragment svg").length;
</script>
</body>"""


@pytest.mark.e2e
def test_section_in_a_host_page_leaves_the_hosts_styles_alone(require, tmp_path, run_cli):
    page = tmp_path / "page.html"
    script = REPO_ROOT / "examples" / "section_in_page.py"
    done = subprocess.run(
        [_python(), str(script), str(page)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", HOST_PROBE, 1))
    dom = _dump_dom(require("chromium"), page, tmp_path / "profile")
    body = re.search(r"<body([^>]*)>", dom).group(1)
    facts = dict(re.findall(r'data-([a-z0-9-]+)="([^"]*)"', body))
    assert facts["host-h2"] == "rgb(0, 100, 0)"  # the host's own h2 colour still wins
    assert "system-ui" in facts["host-font"]
    assert "Liberation Sans" in facts["inner-font"]  # the house font inside the fragment
    assert facts["svgs"] == "1"


HOSTILE = """
p { color: red; font-size: 40px }
table { display: none }
h2 { text-transform: uppercase }
.note, .notes, .caption { float: left }
div, section, figure { padding: 30px; border: 3px solid red; background: yellow }
a, sup, span { color: lime; font-weight: 100; text-decoration: overline }
li, ol { list-style: square inside; margin: 50px }
td, th, caption { border: 5px solid red; text-align: center; letter-spacing: 4px }
"""
PROBE = """<script>
const inside = [...document.querySelectorAll(".crsreport-fragment, .crsreport-fragment *")];
const seen = inside.map((el) => {
  const style = getComputedStyle(el);
  return [el.tagName, Object.fromEntries([...style].map((name) => [name, style[name]]))];
});
document.body.dataset.probe = JSON.stringify(seen);
document.body.dataset.hostP = getComputedStyle(document.querySelector("p.host")).color;
</script>"""


@pytest.mark.e2e
def test_a_hostile_host_stylesheet_changes_no_computed_style_inside_the_fragment(
    fragment, require, tmp_path
):
    chromium = require("chromium")
    seen = {}
    for name, host in (("bare", ""), ("hostile", HOSTILE)):
        page = tmp_path / f"{name}.html"
        styles = f"<style>{host}</style>"  # before the fragment and after it
        page.write_text(
            f"<!DOCTYPE html><html><head><meta charset=utf-8>{styles}</head><body>"
            f'<p class="host">Ours.</p>{fragment}{styles}{PROBE}</body></html>',
            encoding="utf-8",
        )
        seen[name] = _probe(_dump_dom(chromium, page, tmp_path / f"profile-{name}"))
    bare, hostile = seen["bare"], seen["hostile"]
    assert hostile["host-p"] == "rgb(255, 0, 0)" != bare["host-p"]  # the host rules apply
    tags = {tag for tag, _ in bare["probe"]}
    assert {"P", "TABLE", "H2", "TD", "LI", "A", "SUP"} <= tags
    assert len(bare["probe"]) == len(hostile["probe"]) > 100
    changed = [
        f"{tag} {prop}: {props[prop]} -> {other[prop]}"
        for (tag, props), (_, other) in zip(bare["probe"], hostile["probe"], strict=True)
        for prop in props
        if props[prop] != other.get(prop)
    ]
    assert changed == [], "\n".join(changed[:20])


def _probe(dom: str) -> dict:
    from lxml import html

    body = html.document_fromstring(dom).body
    return {"probe": json.loads(body.get("data-probe")), "host-p": body.get("data-host-p")}


def _python() -> str:
    import sys

    return sys.executable


def _dump_dom(chromium: str, page: Path, profile: Path) -> str:
    result = subprocess.run(
        [
            chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri(),
        ],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


# ---------------------------------------------------------------- DOCX append

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def caller_document():
    """A caller's document with house-independent styles of its own."""
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.name = "Courier New"
    document.styles["Normal"].font.size = Pt(13)
    mine = document.styles.add_style("Caller Note", WD_STYLE_TYPE.PARAGRAPH)
    mine.font.italic = True
    document.styles["Heading 1"].font.size = Pt(20)
    document.add_heading("Briefing Memo", level=1)
    document.add_paragraph("Our own words come first.", style="Caller Note")
    return document


def style_xml(document) -> dict[str, bytes]:
    from lxml import etree

    styles = document.styles.element
    found = {s.get(f"{W}styleId"): etree.tostring(s) for s in styles.iter(f"{W}style")}
    found["(docDefaults)"] = etree.tostring(styles.find(f"{W}docDefaults"))
    return found


@pytest.fixture(scope="module")
def appended(report, tmp_path_factory) -> tuple[Path, dict[str, bytes], dict[str, bytes], list]:
    import docx

    document = caller_document()
    before = style_xml(document)
    folder = tmp_path_factory.mktemp("append")
    added = crsreport.append_section(report, "trends", document, cache_dir=folder / "cache")
    path = folder / "memo.docx"
    document.save(path)
    return path, before, style_xml(docx.Document(path)), added


def test_append_section_leaves_the_callers_styles_unchanged(appended):
    _path, before, after, added = appended
    for style_id, xml in before.items():
        assert after[style_id] == xml, f"style {style_id} changed"
    assert {"CRS Table", "Source Note", "footnote text", "footnote reference"} <= set(added)
    assert "Normal" not in added and "heading 1" not in added


def test_appended_section_uses_only_styles_the_document_defines(appended):
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    path = appended[0]
    document = docx.Document(path)
    defined = set(style_xml(document))
    parts = [document.element, document.part.part_related_by(RT.FOOTNOTES).element]
    for part in parts:
        for tag in ("pStyle", "rStyle", "tblStyle"):
            used = {el.get(f"{W}val") for el in part.iter(f"{W}{tag}")}
            assert used <= defined, (tag, used - defined)


def test_appended_section_keeps_content_after_the_callers(appended, tree):
    import docx

    document = docx.Document(appended[0])
    texts = [p.text for p in document.paragraphs]
    assert texts[:2] == ["Briefing Memo", "Our own words come first."]
    assert "Trends in Testing" in texts
    assert any(t.startswith("Figure 1. North Korean Ballistic Missile") for t in texts)
    assert len(document.inline_shapes) == 1
    assert len(document.tables) == 2  # the Kim-era subsection's data tables


@pytest.mark.e2e
def test_appended_section_opens_in_libreoffice_with_its_footnotes(appended, tree, require):
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    path = appended[0]
    notes = docx.Document(path).part.part_related_by(RT.FOOTNOTES).element
    note = next(n for n in section(tree, "trends").walk() if n.kind == "note_ref")
    note_text = "".join(c.plain() for c in note.children)
    assert note_text
    assert note_text in "".join(t.text or "" for t in notes.iter(f"{W}t"))
    pdf = _to_pdf(require("soffice"), path)
    text = " ".join(_pdftotext(require("pdftotext"), pdf).split())
    for expected in ("Briefing Memo", "Trends in Testing", "Figure 1.", "Table 1.", note_text):
        assert " ".join(expected.split()) in text, expected


def _to_pdf(soffice: str, path: Path) -> Path:
    out = path.parent / "pdf"
    profile = (path.parent / "lo-profile").resolve().as_uri()
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    pdf = out / f"{path.stem}.pdf"
    assert pdf.is_file(), result.stderr + result.stdout
    return pdf


def _pdftotext(pdftotext: str, pdf: Path) -> str:
    result = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_appending_the_same_section_twice_is_refused(report, tmp_path):
    document = caller_document()
    crsreport.append_section(report, "kim-era", document, cache_dir=tmp_path)
    paragraphs = len(document.paragraphs)
    with pytest.raises(crsreport.ReportError, match="already holds section 'kim-era'"):
        crsreport.append_section(report, "kim-era", document, cache_dir=tmp_path)
    assert len(document.paragraphs) == paragraphs


def test_append_adds_list_styles_and_numbering_a_document_lacks(tmp_path):
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    from crsreport.scaffold import init_project

    project = init_project(tmp_path / "p", "report").parent
    document = docx.Document()
    styles = document.styles.element
    for style in list(styles.iter(f"{W}style")):
        if style.find(f"{W}name").get(f"{W}val").startswith("List"):
            styles.remove(style)
    document.part.drop_rel(
        next(k for k, r in document.part.rels.items() if r.reltype == RT.NUMBERING)
    )
    report = crsreport.load_report(project)
    added = crsreport.append_section(report, "issues", document, cache_dir=tmp_path / "c")
    assert "List Bullet" in added
    document.save(tmp_path / "out.docx")
    reopened = docx.Document(tmp_path / "out.docx")
    bullets = [p for p in reopened.paragraphs if p.style.name == "List Bullet"]
    assert len(bullets) == 2
    num_id = reopened.styles["List Bullet"].element.pPr.numPr.numId.val
    numbering = reopened.part.numbering_part.element
    assert numbering.num_having_numId(num_id) is not None


# ---------------------------------------------------------------- JSON


@pytest.fixture(scope="module")
def validator():
    from crsreport.render.jsontree import schema_text

    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.e2e
def test_json_output_validates_against_the_published_schema(flagship_build, validator):
    data = json.loads(flagship_build[".json"].read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(data)] == []
    assert data["document"]["id"] == "IF11415"


@pytest.mark.e2e
def test_json_of_a_full_report_validates(run_cli, tmp_path, validator):
    result = run_cli(EXAMPLE, "--format", "json", "--out", tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "R99001.json").read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(data)] == []
    kinds = {node["kind"] for node in _walk(data["document"])}
    assert {"section", "figure", "table", "note_ref", "xref", "summary"} <= kinds
    from crsreport.render.jsontree import FIGURE_FOLDER, envelope

    doc = crsreport.resolve(crsreport.load_report(EXAMPLE))
    tree = envelope(doc, FIGURE_FOLDER)["document"]  # the tree, and its drawn files named
    assert json.loads(json.dumps(tree)) == data["document"]
    drawn = [n["drawing"] for n in _walk(data["document"]) if n.get("drawing")]
    assert drawn and all((tmp_path / d["files"]["svg"]).is_file() for d in drawn)


@pytest.mark.e2e
def test_schema_rejects_a_tree_missing_facts(flagship_build, validator):
    data = json.loads(flagship_build[".json"].read_text(encoding="utf-8"))
    first_section = next(n for n in _walk(data["document"]) if n["kind"] == "section")
    del first_section["title"]
    assert any("'title' is a required property" in e.message for e in validator.iter_errors(data))


@pytest.mark.e2e
def test_schema_document_prints_the_shipped_schema(run_cli, tmp_path):
    from crsreport.render.jsontree import schema_text

    result = run_cli("--schema", "document", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(schema_text())


def _walk(node: dict):
    yield node
    for child in node.get("children", []):
        yield from _walk(child)


def test_fragments_of_two_reports_share_a_page_without_clashing_ids(report, tmp_path):
    insight = crsreport.load_report(REPO_ROOT / "examples" / "insight")
    first = next(n for n in crsreport.resolve(insight).walk() if n.kind == "section")
    page = crsreport.render_section(report, "trends", cache_dir=tmp_path) + (
        crsreport.render_section(insight, first.id, cache_dir=tmp_path)
    )
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "an id appears twice on the host page"
    for fragment in page.split(f'<div class="{FRAGMENT_CLASS}"')[1:]:
        own = set(re.findall(r'\bid="([^"]+)"', fragment))
        refs = re.findall(r'(?:href="#|url\(#|aria-labelledby=")([^")]+)', fragment)
        assert refs and set(refs) <= own, "a reference leaves its fragment"
