"""Citations: bibliographies in three formats, CRS note and in-text forms, located errors,
and footnotes read back from every output by the clients a reader would use."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata
import warnings
from pathlib import Path

import lxml.html
import pytest

import crsreport
from crsreport.citations import syntax
from crsreport.errors import ReportError, Warnings
from crsreport.tree import Node

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "report"

# ---------------------------------------------------------------- helpers


def marked(node: Node) -> str:
    """Plain text of a node with italics written *like this*."""
    if node.kind in ("softbreak", "hardbreak"):
        return " "
    inner = getattr(node, "text", "") + "".join(marked(c) for c in node.children)
    return f"*{inner}*" if node.kind == "emph" else inner


def notes(doc: Node) -> list[tuple[str, str]]:
    """(label, text with *italics*) of every footnote, in number order."""
    refs = [n for n in doc.walk() if n.kind == "note_ref"]
    assert [r.n for r in refs] == list(range(1, len(refs) + 1)), "notes out of order"
    return [(r.label, " ".join(marked(p) for p in r.children)) for r in refs]


def squash(text: str) -> str:
    """Text without whitespace, compatibility forms folded (for PDF text, where lines break)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def calls(doc: Node) -> list[tuple[int, str, str]]:
    """(number, body text just before the call, note text) of every footnote call."""
    found: list[tuple[int, str, str]] = []

    def inline(nodes: list[Node], before: list[str]) -> None:
        for node in nodes:
            if node.kind == "note_ref":
                text = "".join(c.plain() for c in node.children)
                found.append((node.n, squash("".join(before))[-20:], text))
            elif node.kind in ("softbreak", "hardbreak"):
                before.append(" ")
            elif getattr(node, "text", ""):
                before.append(node.text)
            else:
                inline(node.children, before)

    for block in doc.walk():
        if block.kind in ("paragraph", "heading", "table_cell"):
            inline(block.children, [])
    return sorted(found)


def run(*cmd: str, timeout: float = 120) -> str:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd[0]} failed: {result.stderr}"
    return result.stdout


def page_texts(pdf: Path) -> list[str]:
    pages = int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(pdf)), re.M).group(1))
    return [
        run("pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-") for n in range(1, pages + 1)
    ]


def assert_notes_at_foot_of_calling_page(pdf: Path, doc: Node) -> None:
    """Each note starts on the page of its call, after (below) the body text of the call."""
    pages = [squash(text) for text in page_texts(pdf)]
    for n, before, text in calls(doc):
        call = f"{before}{n}"
        where = [i for i, page in enumerate(pages) if call in page]
        assert where, f"{pdf.name}: the call of note {n} ('…{call}') is on no page"
        page = pages[where[0]]
        start = squash(text)[:40]
        below = page.find(start, page.index(call) + len(call))
        assert below > 0, f"{pdf.name}: note {n} ({start}…) is not below its call on its page"


@pytest.fixture(scope="module")
def example_doc() -> Node:
    return crsreport.resolve(crsreport.load_report(EXAMPLE))


@pytest.fixture(scope="module")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("citations-report")
    paths = crsreport.build(crsreport.load_report(EXAMPLE), ["html", "pdf", "docx"], out_dir=out)
    return {path.suffix: path for path in paths}


# ---------------------------------------------------------------- the Report example

# One expected CRS string per source type: (note label, occurrence) -> note text.
EXPECTED = {
    ("@RL34256", 0): "CRS Report RL34256, *North Korea's Nuclear Weapons Development and "
    "Diplomacy*, by Larry A. Niksch.",
    ("@IF10472;R41259", 0): "See CRS In Focus IF10472, *North Korea's Nuclear Weapons and "
    "Missile Programs*, by Mary Beth D. Nikitin; CRS Report R41259, *North Korea: U.S. "
    "Relations, Nuclear Diplomacy, and Internal Situation*, by Emma Chanlett-Avery, Ian E. "
    "Rinehart, and Mary Beth D. Nikitin.",
    ("@dibmac-2017", 0): "Defense Intelligence Ballistic Missile Analysis Committee (DIBMAC), "
    "*Ballistic and Cruise Missile Threat*, NASIC-1031-0985-17, June 2017 (hereinafter, "
    "DIBMAC, *Missile Threat*).",
    ("@unsc-poe-2022", 0): "United Nations Security Council (UNSC), *Final Report of the Panel "
    "of Experts Submitted Pursuant to Resolution 2569 (2021)*, S/2022/132, March 1, 2022, "
    "https://undocs.org/S/2022/132 (hereinafter, UNSC, *Panel of Experts Final Report*).",
    ("@unsc-poe-2022", 1): "UNSC, *Panel of Experts Final Report*.",
    ("@csis-missile-threat;dibmac-2017", 0): "Missile Defense Project, Center for Strategic "
    "and International Studies, Missile Threat, “Missiles of North Korea,” updated March 24, "
    "2023, https://missilethreat.csis.org/country/dprk/; DIBMAC, *Missile Threat*.",
    ("@ofac-nk", 0): "U.S. Department of the Treasury, Office of Foreign Assets Control (OFAC), "
    "Sanctions Programs and Country Information, “North Korea Sanctions,” https://home.treasury"
    ".gov/policy-issues/financial-sanctions/sanctions-programs-and-country-information/north-"
    "korea-sanctions.",
    ("@warrick-2017", 0): "Joby Warrick, Ellen Nakashima, and Anna Fifield, “North Korea Now "
    "Making Missile-Ready Nuclear Weapons, U.S. Analysts Say,” Washington Post, August 8, 2017.",
    ("@sanger-broad-2017", 0): "David E. Sanger and William J. Broad, “Trump Inherits a Secret "
    "Cyberwar Against North Korean Missiles,” New York Times, March 4, 2017.",
    ("@csis-provocations", 0): "CSIS, “Database of North Korean Provocations.”",
    ("@schiller-2012", 0): "Markus Schiller, *Characterizing the North Korean Nuclear Missile "
    "Threat*, RAND Corporation, Technical Report TR-1268-TSF, 2012, pp. 1-2, "
    "https://www.rand.org/pubs/technical_reports/TR1268.html.",
    ("@hfac-print", 0): "U.S. Congress, House Committee on Foreign Affairs, *Legislation on "
    "Foreign Relations Through 2008*, committee print, 111th Cong., 1st sess., 2009, "
    "H.Prt. 111-27, p. 1201.",
    ("@gpo-style", 0): "U.S. Government Printing Office (GPO), *Style Manual*, 30th ed., 2008, "
    "p. 171.",
    ("@IF10472", 0): "CRS In Focus IF10472, *North Korea's Nuclear Weapons and Missile Programs*.",
    ("@nkspea", 0): "North Korea Sanctions and Policy Enhancement Act of 2016 (NKSPEA; "
    "P.L. 114-122).",
    ("@nkspea", 1): "P.L. 114-122.",
    ("@usc22-9201", 0): "22 U.S.C. §9201 et seq.",
    ("@eo13722", 0): "Executive Order 13722, “Blocking Property of the Government of North "
    "Korea and the Workers' Party of Korea, and Prohibiting Certain Transactions With Respect "
    "to North Korea,” 81 Federal Register 14943, March 18, 2016.",
}


def test_report_example_notes_are_the_crs_forms(example_doc):
    found = notes(example_doc)
    for (label, occurrence), expected in EXPECTED.items():
        texts = [text for lab, text in found if lab == label]
        assert len(texts) > occurrence, f"no note {occurrence + 1} for {label}"
        assert texts[occurrence] == expected


def test_report_example_numbers_citations_with_markdown_footnotes(example_doc):
    labels = [label for label, _ in notes(example_doc)]
    assert len(labels) >= 15
    markdown = [i for i, label in enumerate(labels) if not label.startswith("@")]
    assert markdown and markdown != list(range(len(markdown))), "not interleaved"


def test_citation_in_a_markdown_footnote_is_written_in_place(example_doc):
    text = dict(notes(example_doc))["data"]
    assert text.endswith(
        "See James Martin Center for Nonproliferation Studies (CNS), Nuclear Threat Initiative, "
        "“The CNS North Korea Missile Test Database,” accessed February 1, 2025, "
        "https://www.nti.org/analysis/articles/cns-north-korea-missile-test-database/ and "
        "Center for Strategic and International Studies (CSIS), Beyond Parallel, “Database of "
        "North Korean Provocations,” "
        "https://beyondparallel.csis.org/database-north-korean-provocations/."
    )


def test_report_example_cites_every_kind_of_source():
    import yaml

    refs = yaml.safe_load((EXAMPLE / "refs.yaml").read_text(encoding="utf-8"))["references"]
    assert {r["type"] for r in refs} >= {
        "report", "book", "hearing", "document", "article-newspaper", "webpage",
        "legislation", "regulation",
    }  # fmt: skip
    fields = {key for r in refs for key in r}
    assert fields >= {"genre", "publisher", "edition", "updated", "accessed", "chapter-number"}
    seen = Warnings()
    crsreport.resolve(crsreport.load_report(EXAMPLE), seen)
    assert not [str(p) for p in seen.seen if "never cited" in p.message]


def test_narrative_citations_name_the_source_and_call_its_note(example_doc):
    para = next(n for n in example_doc.walk() if n.kind == "paragraph" and "Schiller" in n.plain())
    kids = para.children
    calls = [(kids[i - 1].plain(), k.label) for i, k in enumerate(kids) if k.kind == "note_ref"]
    assert ("Markus Schiller", "@schiller-2012") in calls
    assert ("CSIS", "@csis-provocations") in calls, "named again: the short author"
    assert "An outside study by Markus Schiller judged" in para.plain()
    assert "@" not in para.plain()
    assert dict(notes(example_doc))["counts"] == (
        "The database’s categories follow its own definitions; see CSIS, “Database of North "
        "Korean Provocations.” The U.S. intelligence community’s view is in U.S. Congress, "
        "Senate Committee on Armed Services, *Worldwide Threats*, hearing, 115th Cong., 1st "
        "sess., May 23, 2017, S.Hrg. 115-321, p. 4."
    )


def test_urls_in_notes_are_links(example_doc):
    ref = next(n for n in example_doc.walk() if getattr(n, "label", None) == "@ofac-nk")
    links = [n for n in ref.walk() if n.kind == "link"]
    assert [link.href for link in links] == [links[0].plain()]
    assert links[0].plain().startswith("https://home.treasury.gov/")


def test_a_crs_product_note_links_its_series_and_number_to_its_url(example_doc):
    ref = next(n for n in example_doc.walk() if getattr(n, "label", None) == "@IF10472;R41259")
    links = {n.plain(): n.href for n in ref.walk() if n.kind == "link"}
    assert links == {
        "CRS In Focus IF10472": "https://crsreports.congress.gov/product/pdf/IF/IF10472",
        "CRS Report R41259": "https://crsreports.congress.gov/product/pdf/R/R41259",
    }


def test_note_call_follows_the_punctuation_of_cited_words(example_doc):
    para = next(
        n for n in example_doc.walk() if n.kind == "paragraph" and "administers" in n.plain()
    )
    i = next(i for i, c in enumerate(para.children) if getattr(c, "label", None) == "@ofac-nk")
    assert para.children[i - 2].plain() == "Treasury Department administers"
    assert para.children[i - 1].text == "."


# ---------------------------------------------------------------- a throwaway project

REFS_YAML = """\
- id: R41746
  type: report
  publisher: Congressional Research Service
  number: R41746
  title: "Earthquake Risk and U.S. Highway Infrastructure: Frequently Asked Questions"
  author: ["Mallett, William J.", "Carter, Nicole T.", "Folger, Peter"]
  URL: https://crsreports.congress.gov/product/pdf/R/R41746
- id: ntsb
  type: report
  author: [{literal: National Transportation Safety Board (NTSB)}]
  title: Safeguarding Bridges from Vessel Strikes
  title-short: Safeguarding Bridges
  number: SIR-25-02
  issued: 2025-03
- id: fhwa
  type: document
  author: [{literal: Federal Highway Administration (FHWA)}]
  container-title: National Bridge Inventory
  title: Bridge Condition by Owner, 2025
  URL: https://www.fhwa.dot.gov/bridge/
- id: iija
  type: legislation
  title: Infrastructure Investment and Jobs Act
  title-short: IIJA
  number: P.L. 117-58
- id: usc23
  type: legislation
  volume: "23"
  container-title: U.S.C.
  section: "202"
- id: fr
  type: regulation
  volume: "82"
  container-title: Federal Register
  page: "5886"
- id: in1
  type: report
  publisher: Congressional Research Service
  number: IN99998
  title: An Example Insight
  author: ["Example, Alex"]
- id: lsb1
  type: report
  publisher: Congressional Research Service
  number: LSB99997
  title: An Example Legal Sidebar
"""
PROSE = """\
Quakes.[@R41746] Bridges [@fhwa]. Strikes.[@ntsb, p. 5] Again.[@ntsb, pp. 1-2]
Law.[@iija] Section.[@iija, sec. 11101] Code.[@usc23, §202(d)] Rule.[@fr]
Both.[@in1; see also @lsb1, emphasis added] Mail [me@example.com] and `[@R41746]` stay.
No comma.[@ntsb p. 7] Words.[@iija at 5]
"""
NOTES = [
    "CRS Report R41746, *Earthquake Risk and U.S. Highway Infrastructure: Frequently Asked "
    "Questions*, by William J. Mallett, Nicole T. Carter, and Peter Folger.",
    "Federal Highway Administration (FHWA), National Bridge Inventory, “Bridge Condition by "
    "Owner, 2025,” https://www.fhwa.dot.gov/bridge/.",
    "National Transportation Safety Board (NTSB), *Safeguarding Bridges from Vessel Strikes*, "
    "SIR-25-02, March 2025, p. 5 (hereinafter, NTSB, *Safeguarding Bridges*).",
    "NTSB, *Safeguarding Bridges*, pp. 1-2.",
    "Infrastructure Investment and Jobs Act (IIJA; P.L. 117-58).",
    "P.L. 117-58, §11101.",
    "23 U.S.C. §202(d).",
    "82 Federal Register 5886.",
    "CRS Insight IN99998, *An Example Insight*, by Alex Example; see also CRS Legal Sidebar "
    "LSB99997, *An Example Legal Sidebar*, emphasis added.",
    "NTSB, *Safeguarding Bridges*, p. 7.",
    "P.L. 117-58 at 5.",
]


def project_files(product_id: str = "R99002", refs: str = "refs.yaml", **files: str) -> dict:
    report = (
        f"id: {product_id}\ntitle: Citations\ndate: 2025-04-01\nbibliography: {refs}\n"
        "sections:\n  - title: Body\n    prose: sections/a.md\n"
    )
    return {"report.yaml": report, "refs.yaml": REFS_YAML, "sections/a.md": PROSE, **files}


def resolve(folder: Path, warnings_: Warnings | None = None) -> Node:
    return crsreport.resolve(crsreport.load_report(folder), warnings_ or Warnings())


def test_crs_anatomy_forms_with_pinpoints(make_project):
    doc = resolve(make_project(project_files()))
    assert [text for _, text in notes(doc)] == NOTES
    body = next(n for n in doc.walk() if n.kind == "paragraph").plain()
    assert "Bridges." in body, "the call moved after the period"
    assert "Mail [me@example.com] and [@R41746] stay." in body


def test_csl_json_and_bibtex_give_the_same_notes_as_yaml(make_project):
    import yaml

    entries = yaml.safe_load(REFS_YAML)
    for entry in entries:
        if "issued" in entry:
            entry["issued"] = {"date-parts": [[int(p) for p in entry["issued"].split("-")]]}
    as_json = make_project(project_files(refs="refs.json", **{"refs.json": json.dumps(entries)}))
    assert [t for _, t in notes(resolve(as_json))] == NOTES
    bib = r"""
@techreport{R41746,
  author = {Mallett, William J. and Carter, Nicole T. and Folger, Peter},
  title = {Earthquake Risk and {U.S.} Highway Infrastructure: Frequently Asked Questions},
  institution = {Congressional Research Service}, number = {R41746},
  url = {https://crsreports.congress.gov/product/pdf/R/R41746}}
@techreport{ntsb,
  author = {{National Transportation Safety Board (NTSB)}},
  title = {Safeguarding Bridges from Vessel Strikes}, shorttitle = {Safeguarding Bridges},
  number = {SIR-25-02}, year = 2025, month = mar}
@article{news, author = {Doe, Jane}, title = {A Headline}, journal = {The Paper},
  entrysubtype = {newspaper}, date = {2024-05-06}}
"""
    prose = "One.[@R41746] Two.[@ntsb, p. 5] Three.[@news]\n"
    folder = make_project(
        project_files(refs="refs.bib", **{"refs.bib": bib, "sections/a.md": prose})
    )
    assert [t for _, t in notes(resolve(folder))] == [
        *NOTES[0:1],
        NOTES[2],
        "Jane Doe, “A Headline,” The Paper, May 6, 2024.",
    ]


def test_in_focus_prints_citations_in_the_text(make_project):
    prose = (
        "For more, see @R41746. The [inventory counts bridges](@fhwa). "
        "Congress acted [@iija]. Text [@ntsb, p. 5]. [The law](@iija) says so.\n"
    )
    doc = resolve(make_project(project_files("IF99001", **{"sections/a.md": prose})))
    assert not [n for n in doc.walk() if n.kind == "note_ref"], "an In Focus has no footnotes"
    para = next(n for n in doc.walk() if n.kind == "paragraph")
    assert marked(para) == (
        "For more, see CRS Report R41746, *Earthquake Risk and U.S. Highway Infrastructure: "
        "Frequently Asked Questions*. The inventory counts bridges. Congress acted "
        "(Infrastructure Investment and Jobs Act (IIJA; P.L. 117-58)). Text (National "
        "Transportation Safety Board (NTSB), *Safeguarding Bridges from Vessel Strikes*, p. 5). "
        "The law says so."
    )
    links = {n.plain(): n.href for n in para.walk() if n.kind == "link"}
    assert links == {
        "CRS Report R41746": "https://crsreports.congress.gov/product/pdf/R/R41746",
        "inventory counts bridges": "https://www.fhwa.dot.gov/bridge/",
    }


@pytest.mark.e2e
def test_citeproc_is_imported_only_for_a_report_that_cites():
    code = (
        "import sys, crsreport\n"
        f"crsreport.resolve(crsreport.load_report({str(REPO)!r}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('citeproc', 'bibtexparser', 'pylatexenc')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_crs_style_is_valid_csl():
    from citeproc import CitationStylesStyle

    from crsreport.citations.style import style_path

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CitationStylesStyle(str(style_path()), validate=True)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@a", [("a", "", None, None, "")]),
        ("see @a, pp. 1-2", [("a", "see", "page", "1-2", "")]),
        ("@a, 12; @b, §202(d)", [("a", "", "page", "12", ""), ("b", "", "section", "202(d)", "")]),
        ("@a, p. 5, emphasis added", [("a", "", "page", "5", ", emphasis added")]),
        ("@a p. 5; @b sec. 2", [("a", "", "page", "5", ""), ("b", "", "section", "2", "")]),
        ("@a at 5", [("a", "", None, None, " at 5")]),
        ("see -@a, p. 2", [("a", "see", "page", "2", "")]),
        ("me@example.com", []),
        ("@fig:tests", []),
    ],
)
def test_citation_syntax(body, expected):
    items = syntax.parse(body)
    assert [(i.key, i.prefix, i.label, i.locator, i.suffix) for i in items] == expected


# ---------------------------------------------------------------- errors and warnings


@pytest.mark.e2e
def test_unknown_key_exits_2_naming_file_line_and_closest_keys(make_project, run_cli):
    prose = "First line.\n\nSecond paragraph\ncites [@nstb, p. 5] here.\n"
    folder = make_project(project_files(**{"sections/a.md": prose}))
    result = run_cli(folder, "--format", "html")
    assert result.returncode == 2
    assert "sections/a.md:4: unknown citation key '@nstb'" in result.stderr
    assert "did you mean '@ntsb'" in result.stderr


def test_citation_without_a_bibliography_says_how_to_add_one(make_project):
    files = project_files()
    files["report.yaml"] = files["report.yaml"].replace("bibliography: refs.yaml\n", "")
    with pytest.raises(ReportError, match=r"sections/a.md:1: .*declares no bibliography"):
        resolve(make_project(files))


def test_entry_missing_what_its_type_needs_is_named(make_project):
    refs = REFS_YAML + "- id: paper\n  type: article-newspaper\n  title: A Headline\n"
    line = REFS_YAML.count("\n") + 1
    with pytest.raises(ReportError) as error:
        resolve(make_project(project_files(**{"refs.yaml": refs})))
    message = str(error.value)
    assert f"refs.yaml:{line}: entry 'paper' (article-newspaper): needs container-title" in message
    assert f"refs.yaml:{line}: entry 'paper' (article-newspaper): needs issued" in message


def test_unknown_fields_are_named_where_they_are_written(make_project):
    """A misspelt field is left out of the citation: said at its line, with the spelling
    meant; fields CSL knows but CRS does not print (DOI, ISBN) pass quietly."""
    refs = REFS_YAML.replace(
        "  title: An Example Insight\n",
        "  title: An Example Insight\n  publsher: Typo Press\n  DOI: 10.1/x\n  date: 2020\n",
    )
    warnings_ = Warnings()
    resolve(make_project(project_files(**{"refs.yaml": refs})), warnings_)
    line = refs.split("\n").index("  publsher: Typo Press") + 1
    said = {(p.where.line, p.message) for p in warnings_.seen}
    assert (
        line,
        "entry 'in1': unknown field 'publsher' is left out; did you mean publisher?",
    ) in said
    assert (line + 2, "entry 'in1': unknown field 'date' is left out; write issued") in said
    assert not any("DOI" in m for _, m in said)


def test_unknown_bibtex_fields_are_named_with_bibtex_spellings(make_project):
    bib = "@report{fhwa,\n  title = {Bridges},\n  institution = {FHWA},\n  jounral = {X},\n"
    bib += "  doi = {10.1/y},\n}\n"
    files = project_files(refs="refs.bib", **{"refs.bib": bib})
    files["sections/a.md"] = "Bridges.[@fhwa]\n"
    warnings_ = Warnings()
    resolve(make_project(files), warnings_)
    said = [(p.where.file, p.where.line, p.message) for p in warnings_.seen]
    assert (
        "refs.bib",
        4,
        "entry 'fhwa': unknown BibTeX field 'jounral' is left out; did you mean journal?",
    ) in said, said
    assert len(said) == 1, said


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("refs.yaml", "- id: a\n  type: [report\n", "refs.yaml:2: malformed YAML"),
        ("refs.json", '[{"id": "a",\n  "type": }]', "refs.json:2: JSON cannot be parsed"),
        ("refs.bib", "@book{a, title={x}}\n\n@misc{b,\n  title = {open\n", "refs.bib:3: BibTeX"),
    ],
)
@pytest.mark.e2e
def test_bibliography_that_does_not_parse_exits_2(make_project, run_cli, name, text, where):
    folder = make_project(project_files(refs=name, **{name: text}))
    result = run_cli(folder, "--format", "html")
    assert result.returncode == 2
    assert where in result.stderr


@pytest.mark.e2e
def test_unused_entry_warns_and_strict_makes_it_fatal(make_project, run_cli):
    refs = REFS_YAML + "- id: spare\n  type: webpage\n  title: Spare\n  URL: https://x.org/\n"
    folder = make_project(project_files(**{"refs.yaml": refs}))
    seen = Warnings()
    resolve(folder, seen)
    line = REFS_YAML.count("\n") + 1
    assert [str(p) for p in seen.seen] == [
        f"refs.yaml:{line}: bibliography entry 'spare' is never cited"
    ]
    result = run_cli(folder, "--format", "html", "--strict")
    assert result.returncode == 2
    assert "'spare' is never cited" in result.stderr


# ---------------------------------------------------------------- the outputs, read back


def pandoc_text(inlines: list) -> str:
    out = []
    for item in inlines:
        kind, content = item["t"], item.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in ("Emph", "Strong", "Underline", "SmallCaps"):
            out.append(pandoc_text(content))
        elif kind in ("Link", "Span"):
            out.append(pandoc_text(content[1]))
        elif kind == "Quoted":
            out.append(f"“{pandoc_text(content[1])}”")
        elif kind in ("Para", "Plain"):
            out.append(pandoc_text(content))
    return "".join(out)


def pandoc_notes(docx: Path) -> list[dict]:
    found: list[dict] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            if value.get("t") == "Note":
                found.append(value)
                return
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(json.loads(run("pandoc", "-f", "docx", "-t", "json", str(docx))))
    return found


def pandoc_emphs(value) -> list[dict]:
    """Every Emph element under a pandoc JSON value, in order."""
    if isinstance(value, dict):
        if value.get("t") == "Emph":
            return [value]
        return [e for v in value.values() for e in pandoc_emphs(v)]
    if isinstance(value, list):
        return [e for v in value for e in pandoc_emphs(v)]
    return []


def fold(text: str) -> str:
    text = text.replace("“", '"').replace("”", '"').replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.e2e
def test_pandoc_reads_every_docx_footnote_with_its_text(example_doc, example_build, require):
    require("pandoc")
    found = pandoc_notes(example_build[".docx"])
    expected = [n for n in example_doc.walk() if n.kind == "note_ref"]
    assert len(found) == len(expected)
    for note, ref in zip(found, expected, strict=True):
        assert fold(pandoc_text(note["c"])) == fold("".join(c.plain() for c in ref.children))
        italics = [fold(n.plain()) for n in ref.walk() if n.kind == "emph"]
        assert [fold(pandoc_text(e["c"])) for e in pandoc_emphs(note)] == italics


@pytest.mark.e2e
def test_libreoffice_puts_docx_notes_at_the_foot_of_the_calling_page(
    example_doc, example_build, require, tmp_path
):
    soffice = require("soffice")
    require("pdftotext")
    profile = tmp_path / "profile"
    run(
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(tmp_path),
        str(example_build[".docx"]),
        timeout=120,
    )
    assert_notes_at_foot_of_calling_page(tmp_path / "R99001.pdf", example_doc)


@pytest.mark.e2e
def test_pdf_prints_each_note_on_the_page_of_its_call(example_doc, example_build, require):
    require("pdftotext")
    assert_notes_at_foot_of_calling_page(example_build[".pdf"], example_doc)


@pytest.mark.e2e
def test_html_note_links_resolve_both_ways(example_doc, example_build):
    page = lxml.html.fromstring(example_build[".html"].read_bytes())
    refs = page.xpath('//a[@class="note-ref"]')
    count = sum(1 for n in example_doc.walk() if n.kind == "note_ref")
    assert len(refs) == count
    for ref in refs:
        note = page.get_element_by_id(ref.get("href")[1:])
        assert note.tag == "li"
        back = note.xpath('.//a[@class="note-back"]')
        assert len(back) == 1
        assert page.get_element_by_id(back[0].get("href")[1:]) is ref


# ---------------------------------------------------------------- the citation corpus

CORPUS_FILE = REPO / "tests" / "fixtures" / "citations.yaml"


def corpus() -> tuple[list[dict], list[tuple[str, str]]]:
    """The corpus sources and, in reading order, (citation as written, note CRS prints)."""
    import yaml

    entries = yaml.safe_load(CORPUS_FILE.read_text(encoding="utf-8"))
    return entries, [tuple(cite) for entry in entries for cite in entry["cites"]]


def corpus_files() -> dict[str, str]:
    import yaml

    entries, cites = corpus()
    refs = yaml.safe_dump([e["source"] for e in entries], allow_unicode=True, sort_keys=False)
    prose = "\n\n".join(f"Sentence {i}.{cite}" for i, (cite, _) in enumerate(cites, 1))
    return project_files("R99003", **{"refs.yaml": refs, "sections/a.md": prose + "\n"})


def plain_note(expected: str) -> str:
    return re.sub(r"\s+", " ", expected.replace("*", "")).strip()


def italics(expected: str) -> list[str]:
    return re.findall(r"\*([^*]+)\*", expected)


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from conftest import write_project

    folder = write_project(tmp_path_factory.mktemp("corpus") / "project", corpus_files())
    out = folder / "build"
    paths = crsreport.build(crsreport.load_report(folder), ["html", "pdf", "docx"], out_dir=out)
    return {path.suffix: path for path in paths}


def test_corpus_covers_every_kind_of_source():
    entries, cites = corpus()
    kinds = {e["source"]["type"] for e in entries}
    assert len(entries) >= 40 and len(cites) > len(entries), "sources, some cited again"
    assert kinds >= {
        "report", "book", "hearing", "document", "dataset", "article-newspaper",
        "article-magazine", "webpage", "post-weblog", "legislation", "regulation",
    }  # fmt: skip
    fields = {key for e in entries for key in e["source"]}
    assert fields >= {"genre", "publisher", "edition", "updated", "accessed", "chapter-number"}


def test_corpus_notes_are_the_crs_forms(make_project):
    doc = resolve(make_project(corpus_files()))
    _, cites = corpus()
    found = [text for _, text in notes(doc)]
    assert len(found) == len(cites)
    for (cite, expected), text in zip(cites, found, strict=True):
        assert text == expected, cite


@pytest.mark.e2e
def test_corpus_notes_in_the_html(corpus_build):
    page = lxml.html.fromstring(corpus_build[".html"].read_bytes())
    items = page.xpath('//section[@id="notes"]//li') or page.xpath(
        '//li[starts-with(@id, "note-")]'
    )
    _, cites = corpus()
    assert len(items) == len(cites)
    for (cite, expected), item in zip(cites, items, strict=True):
        (para,) = item.xpath("./p")
        assert re.sub(r"\s+", " ", para.text_content()).strip() == plain_note(expected), cite
        assert [e.text_content() for e in para.xpath(".//em")] == italics(expected), cite


@pytest.mark.e2e
def test_corpus_notes_in_the_docx_as_pandoc_reads_them(corpus_build, require):
    require("pandoc")
    found = pandoc_notes(corpus_build[".docx"])
    _, cites = corpus()
    assert len(found) == len(cites)
    for (cite, expected), note in zip(cites, found, strict=True):
        assert fold(pandoc_text(note["c"])) == fold(plain_note(expected)), cite
        assert [fold(pandoc_text(e["c"])) for e in pandoc_emphs(note)] == italics(expected), cite


@pytest.mark.e2e
def test_corpus_notes_in_the_pdf(corpus_build, require):
    require("pdftotext")
    # pdftotext joins a word hyphenated at a line's end (a URL's "all-|actions"), so the
    # hyphens are left out here; HTML and DOCX compare them exactly
    text = squash("".join(page_texts(corpus_build[".pdf"]))).replace("-", "")
    _, cites = corpus()
    at = 0
    for n, (cite, expected) in enumerate(cites, 1):
        found = text.find(squash(f"{n}. {plain_note(expected)}").replace("-", ""), at)
        assert found >= 0, f"note {n} ({cite}) is not printed as CRS prints it"
        at = found


# ---------------------------------------------------------------- narrative citations

NARRATIVE = """\
As @ntsb [p. 5] found, strikes recur. @R41746 answers questions; @ntsb [pp. 1-2] adds more.
Write to me@example.com, follow @CRSgov, see https://x.org/@user or `@R41746`.[^n]

[^n]: For the code, see @usc23 [§202(d)].
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("As @a says", [("a", None, None, "")]),
        ("@a [p. 5] and @b [sec. 2(a)].", [("a", "page", "5", ""), ("b", "section", "2(a)", "")]),
        ("@a [emphasis added]", [("a", None, None, ", emphasis added")]),
        ("mail me@example.com, x.@a, https://x.org/@a, 5\\@a", []),
        ("see @fig:tests and @tbl:a", []),
        ("[see @a] and @b", [("a", None, None, ""), ("b", None, None, "")]),
    ],
)
def test_narrative_syntax(text, expected):
    found = [i for m in syntax.find(text) for i in m.items]
    assert [(i.key, i.label, i.locator, i.suffix) for i in found] == expected


def test_narrative_citation_in_a_report_names_the_author_and_calls_the_note(make_project):
    doc = resolve(make_project(project_files(**{"sections/a.md": NARRATIVE})))
    body = next(n for n in doc.walk() if n.kind == "paragraph")
    assert body.plain() == (
        "As National Transportation Safety Board (NTSB) found, strikes recur. CRS Report "
        "R41746 answers questions; NTSB adds more. Write to me@example.com, follow @CRSgov, "
        "see https://x.org/@user or @R41746."
    )
    assert [text for _, text in notes(doc)] == [
        "National Transportation Safety Board (NTSB), *Safeguarding Bridges from Vessel "
        "Strikes*, SIR-25-02, March 2025, p. 5 (hereinafter, NTSB, *Safeguarding Bridges*).",
        NOTES[0],
        "NTSB, *Safeguarding Bridges*, pp. 1-2.",
        "For the code, see 23 U.S.C. §202(d).",
    ]
    named = [
        body.children[i - 1].plain() for i, n in enumerate(body.children) if n.kind == "note_ref"
    ]
    assert named[:3] == ["National Transportation Safety Board (NTSB)", "CRS Report R41746", "NTSB"]


def test_narrative_citation_in_an_insight_is_the_in_text_form(make_project):
    prose = "As @R41746 [p. 2] explains, bridges age. @iija funds them; @CRSgov posts.\n"
    doc = resolve(make_project(project_files("IN99001", **{"sections/a.md": prose})))
    para = next(n for n in doc.walk() if n.kind == "paragraph")
    assert marked(para) == (
        "As CRS Report R41746, *Earthquake Risk and U.S. Highway Infrastructure: Frequently "
        "Asked Questions*, p. 2 explains, bridges age. Infrastructure Investment and Jobs Act "
        "(IIJA; P.L. 117-58) funds them; @CRSgov posts."
    )
    links = {n.plain(): n.href for n in para.walk() if n.kind == "link"}
    assert links == {"CRS Report R41746": "https://crsreports.congress.gov/product/pdf/R/R41746"}


def test_misspelled_narrative_citation_is_located_with_a_suggestion(make_project):
    prose = "Fine @CRSgov.\n\nAs @nstb found,\nand @R41764 [p. 2] too.\n"
    with pytest.raises(ReportError) as error:
        resolve(make_project(project_files(**{"sections/a.md": prose})))
    assert [str(p) for p in error.value.problems] == [
        "sections/a.md:3: unknown citation key '@nstb' (not in refs.yaml); "
        "did you mean '@ntsb' or '@lsb1'?",
        "sections/a.md:4: unknown citation key '@R41764' (not in refs.yaml); "
        "did you mean '@R41746'?",
    ]


# ---------------------------------------------------------------- BibTeX, read by bibtexparser

BIBTEX_NAMES = r"""@book{lvb,
  author = {Ludwig van Beethoven and Doe, Jr., John and M{\"u}ller, J{\"o}rg and
            {National Transportation Safety Board (NTSB)}},
  title = {Symphonies}, publisher = {Breitkopf}, edition = {2}, year = 1826, month = may}
"""


def test_bibtex_names_and_months_come_from_bibtexparser(make_project):
    files = project_files(refs="refs.bib", **{"refs.bib": BIBTEX_NAMES})
    files["sections/a.md"] = "As @lvb showed. One.[@lvb] As @lvb showed.\n"
    doc = resolve(make_project(files))
    assert [text for _, text in notes(doc)] == [
        "Ludwig van Beethoven, John Doe Jr., Jörg Müller, and National Transportation Safety "
        "Board (NTSB), *Symphonies*, Breitkopf, 2nd ed., May 1826.",
        "Van Beethoven, Doe, Müller, and National Transportation Safety Board (NTSB), "
        "*Symphonies*.",  # a particle opening a sentence is capitalised
        "Van Beethoven, Doe, Müller, and National Transportation Safety Board (NTSB), "
        "*Symphonies*.",
    ]
    body = next(n for n in doc.walk() if n.kind == "paragraph").plain()
    assert body == (
        "As Ludwig van Beethoven, John Doe Jr., Jörg Müller, and National Transportation Safety "
        "Board (NTSB) showed. One. As van Beethoven, Doe, Müller, and National Transportation "
        "Safety Board (NTSB) showed."
    )


@pytest.mark.e2e
def test_in_focus_html_sets_citations_off_and_links_them(make_project, tmp_path):
    prose = "Bridges age (see @R41746). Congress acted [@iija]. [The law](@iija) says so.\n"
    folder = make_project(project_files("IF99001", **{"sections/a.md": prose}))
    (html,) = crsreport.build(crsreport.load_report(folder), ["html"], out_dir=tmp_path)
    page = lxml.html.fromstring(html.read_bytes())
    (para,) = [p for p in page.xpath("//p") if "Bridges age" in p.text_content()]
    assert re.sub(r"\s+", " ", para.text_content()).strip() == (
        "Bridges age (see CRS Report R41746, Earthquake Risk and U.S. Highway Infrastructure: "
        "Frequently Asked Questions). Congress acted (Infrastructure Investment and Jobs Act "
        "(IIJA; P.L. 117-58)). The law says so."
    )
    assert [(a.text_content(), a.get("href")) for a in para.xpath(".//a")] == [
        ("CRS Report R41746", "https://crsreports.congress.gov/product/pdf/R/R41746")
    ]
    assert [e.text_content() for e in para.xpath(".//em")] == [
        "Earthquake Risk and U.S. Highway Infrastructure: Frequently Asked Questions"
    ]
