"""Shared sections: files and whole sections from folders the project declares in include_roots."""

from __future__ import annotations

from pathlib import Path

import pytest

import crsreport
from crsreport.errors import Location, ReportError
from crsreport.sources import safe_path
from crsreport.tree import Section

REPORT = """\
id: IN10078
title: Shared Sections
date: 2023-01-05
include_roots: [../shared]
sections:
  - title: Local
    text: "Local text; the shared one is @sec:sanctions."
  - include: ../shared/sanctions/section.yaml
  - title: Direct
    prose: ../shared/sanctions/extra.md
"""

SHARED = {
    "sanctions/section.yaml": """\
title: Sanctions
id: sanctions
prose: body.md
figures:
  - {id: counts, kind: bar, title: Counts, data: ../data/counts.csv, x: year, y: [n],
     source: CRS., alt: Bars.}
subsections:
  - include: sub.yaml
""",
    "sanctions/body.md": "Shared sanctions text, see @fig:counts.\n",
    "sanctions/extra.md": "Extra shared text.\n",
    "sanctions/sub.yaml": "title: Sub Part\nprose: [sub.md]\n",
    "sanctions/sub.md": "Nested shared text.\n",
    "data/counts.csv": "year,n\n2020,3\n2021,4\n",
}


@pytest.fixture
def project(make_project) -> Path:
    shared = {f"../shared/{name}": text for name, text in SHARED.items()}
    return make_project({"report.yaml": REPORT, "../secret.md": "secret\n", **shared})


@pytest.mark.e2e
def test_included_sections_and_shared_files_build(project, run_cli):
    result = run_cli(project, "--format", "html", "--strict")
    assert result.returncode == 0, result.stderr
    html = (project / "build" / "IN10078.html").read_text(encoding="utf-8")
    for text in ("Shared sanctions text", "Nested shared text", "Extra shared text"):
        assert text in html
    assert '<a class="xref" href="#sanctions">Sanctions</a>' in html
    assert "Figure 1" in html and "<svg" in html


@pytest.mark.e2e
def test_an_error_in_an_included_file_is_located_there(project, run_cli):
    sub = project.parent / "shared" / "sanctions" / "sub.yaml"
    sub.write_text("title: Sub Part\nprose: [sub.md]\ncolour: red\n")
    result = run_cli(project, "--check")
    assert result.returncode == 2
    assert "../shared/sanctions/sub.yaml:3: colour: unknown key 'colour'" in result.stderr


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        ("prose: [sub.md, gone.md]", "../shared/sanctions/sub.yaml:2: prose[1]: file not found"),
        ("text: 'A {{ nope }} value.'", "sub.yaml:2: 'nope' in {{ }} is not declared"),
    ],
    ids=["missing prose file", "inline text"],
)
def test_what_resolve_finds_in_a_nested_include_is_located_in_its_file(project, edit, where):
    """Not at the include line of report.yaml: in the included file, at the field."""
    sub = project.parent / "shared" / "sanctions" / "sub.yaml"
    sub.write_text(f"title: Sub Part\n{edit}\n")
    with pytest.raises(ReportError) as caught:
        crsreport.resolve(crsreport.load_report(project))
    assert where in str(caught.value), str(caught.value)


@pytest.mark.e2e
def test_an_include_cycle_is_refused(project, run_cli):
    sub = project.parent / "shared" / "sanctions" / "sub.yaml"
    sub.write_text("title: Sub Part\nsubsections:\n  - include: sub.yaml\n")
    result = run_cli(project, "--check")
    assert result.returncode == 2
    assert "sub.yaml:3: subsections[0].include: '../shared/sanctions/sub.yaml' includes itself" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("prose: [sub.md]", "prose: [../../secret.md]"),
        ("prose: [sub.md]", "prose: [/etc/hostname.md]"),
    ],
)
@pytest.mark.e2e
def test_files_outside_the_roots_are_refused(project, run_cli, edit, message):
    sub = project.parent / "shared" / "sanctions" / "sub.yaml"
    sub.write_text(sub.read_text().replace(*(edit, message)))
    result = run_cli(project, "--check")
    assert result.returncode == 2
    assert "points outside the project folder or its include_roots" in result.stderr or (
        "is an absolute path" in result.stderr
    )


@pytest.mark.e2e
def test_without_include_roots_shared_files_are_outside(project, run_cli):
    report = project / "report.yaml"
    report.write_text(REPORT.replace("include_roots: [../shared]\n", ""))
    result = run_cli(project, "--check")
    assert result.returncode == 2
    assert "report.yaml:7: sections[1].include: '../shared/sanctions/section.yaml' points " in (
        result.stderr
    )


@pytest.mark.e2e
def test_a_missing_include_root_is_located(project, run_cli):
    (project / "report.yaml").write_text(REPORT.replace("[../shared]", "[../shared, ../gone]"))
    result = run_cli(project, "--check")
    assert result.returncode == 2
    assert "report.yaml:4: include_roots[1]: folder not found: '../gone'" in result.stderr


def test_safe_path_accepts_include_roots_and_refuses_everything_else(tmp_path):
    root, shared, other = tmp_path / "proj", tmp_path / "shared", tmp_path / "other"
    for folder in (root, shared, other):
        folder.mkdir()
        (folder / "a.md").write_text("x")
    (shared / "out.md").symlink_to(other / "a.md")
    roots = (root, shared)
    where = Location("report.yaml", 3)
    assert safe_path(roots, "../shared/a.md", where) == (shared / "a.md").resolve()
    assert safe_path(roots, "a.md", where) == (root / "a.md").resolve()
    for name, message in [
        ("../other/a.md", "points outside the project folder or its include_roots"),
        ("../shared/out.md", "points outside"),  # a symlink leading out of a root
        (str(shared / "a.md"), "is an absolute path"),
        ("../shared/../other/a.md", "points outside"),
    ]:
        with pytest.raises(ReportError, match=message):
            safe_path(roots, name, where)
    with pytest.raises(ReportError, match="points outside the project folder; keep"):
        safe_path(root, "../shared/a.md", where)


def test_a_report_built_in_python_may_declare_include_roots(project):
    report = crsreport.load_report(project)
    assert report.roots[1] == (project.parent / "shared").resolve()
    tree = crsreport.resolve(report)
    top = [n.id for n in tree.walk() if isinstance(n, Section) and n.level == 1]
    assert top == ["local", "sanctions", "direct"]


def test_a_bibliography_may_come_from_an_include_root(make_project, tmp_path):
    refs = (
        "references:\n  - id: IF10472\n    type: report\n"
        "    publisher: Congressional Research Service\n    number: IF10472\n"
        "    title: North Korea's Nuclear Weapons and Missile Programs\n"
        '    author: ["Nikitin, Mary Beth D."]\n    issued: 2023-01-05\n'
    )
    report = REPORT.replace("include_roots:", "bibliography: ../shared/refs.yaml\ninclude_roots:")
    report = report.replace("Local text;", "Local text.[@IF10472]")
    shared = {f"../shared/{name}": text for name, text in SHARED.items()}
    project = make_project({"report.yaml": report, "../shared/refs.yaml": refs, **shared})
    doc = crsreport.resolve(crsreport.load_report(project))
    assert "North Korea's Nuclear Weapons and Missile Programs" in str(doc.to_dict())
