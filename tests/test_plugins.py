"""Extension points: third-party section kinds, figure kinds and formats through entry points.

The example plugin (examples/plugin, installed by scripts/setup) adds the ``waffle`` figure
kind; throwaway distributions on PYTHONPATH exercise the other groups and the failures.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

WAFFLE_PROJECT = {
    "report.yaml": """\
id: IN10077
title: Spending Shares
date: 2023-01-05
sections:
  - title: Spending
    text: "Shares are in @fig:budget."
    figures:
      - id: budget
        kind: waffle
        title: Spending by Category
        data: data/spend.csv
        category: category
        value: amount
        source: CRS.
        alt: Waffle chart of spending shares; defense is about half.
""",
    "data/spend.csv": "category,amount\nDefense,52\nHealth,27\nOther,21\n",
}


@pytest.fixture(scope="module", autouse=True)
def waffle_installed() -> None:
    names = {ep.name for ep in entry_points(group="crsreport.figures")}
    if "waffle" not in names:
        pytest.fail("the example plugin is not installed: pip install -e examples/plugin")


def test_plugin_kind_appears_in_the_schema(run_cli, tmp_path):
    result = run_cli("--schema", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert "WaffleSpec" in schema["$defs"]
    figures = schema["$defs"]["Section"]["properties"]["figures"]["items"]["anyOf"]
    assert {"$ref": "#/$defs/WaffleSpec"} in figures
    assert "category" in schema["$defs"]["WaffleSpec"]["required"]


def test_plugin_figure_renders_in_all_three_formats(make_project, run_cli, require):
    project = make_project(WAFFLE_PROJECT)
    result = run_cli(project, "--format", "html,pdf,docx", "--strict")
    assert result.returncode == 0, result.stderr
    build = project / "build"
    html = (build / "IN10077.html").read_text(encoding="utf-8")
    figure = re.search(
        r'<figure id="fig-budget" class="[^"]*kind-waffle[^"]*">.*?</figure>', html, re.S
    )
    assert figure and "<svg" in figure.group(0) and "Spending by Category" in figure.group(0)
    assert 'Shares are in <a class="xref" href="#fig-budget">Figure 1</a>' in html
    pdf = subprocess.run(
        [require("pdftotext"), str(build / "IN10077.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Figure 1. Spending by Category" in pdf and "Source: CRS." in pdf
    _assert_docx_picture(build / "IN10077.docx")


def _assert_docx_picture(path: Path) -> None:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(path)
    texts = [p.text for p in document.paragraphs]
    assert "Figure 1. Spending by Category" in texts
    assert len(document.inline_shapes) == 1
    blip = document.inline_shapes[0]._inline.xpath(".//a:blip")[0]
    image = document.part.related_parts[blip.get(qn("r:embed"))]
    assert image.blob.startswith(b"\x89PNG")
    assert "Waffle chart" in document.inline_shapes[0]._inline.docPr.get("descr")


def test_plugin_kind_errors_are_located_like_built_in_ones(make_project, run_cli):
    files = dict(WAFFLE_PROJECT)
    files["report.yaml"] = files["report.yaml"].replace("        category: category\n", "")
    files["report.yaml"] = files["report.yaml"].replace("value: amount", "valeu: amount")
    result = run_cli(make_project(files), "--check")
    assert result.returncode == 2
    assert "report.yaml:8: sections[0].figures[0].category: required key is missing" in (
        result.stderr
    )
    assert (
        "report.yaml:12: sections[0].figures[0].valeu: unknown key 'valeu'; did you mean 'value'?"
        in result.stderr
    )


def test_unknown_kind_lists_the_plugin_kind(make_project, run_cli):
    files = dict(WAFFLE_PROJECT)
    files["report.yaml"] = files["report.yaml"].replace("kind: waffle", "kind: wafle")
    result = run_cli(make_project(files), "--check")
    assert result.returncode == 2
    assert re.search(r"unknown figure kind 'wafle'; expected one of: .*waffle", result.stderr)


def test_plugin_column_is_checked_against_the_data(make_project, run_cli):
    files = dict(WAFFLE_PROJECT)
    files["data/spend.csv"] = "kind,amount\nDefense,52\n"
    result = run_cli(make_project(files), "--check")
    assert result.returncode == 2
    assert "column 'category' is not in 'data/spend.csv'" in result.stderr


# ---------------------------------------------------------------- throwaway plugins

FAKE_MODULE = """\
from typing import Literal

from crsreport.figures import FigureSpec, figure_kind
from crsreport.model import Section, section_kind


@section_kind
class Sidebar(Section):
    kind: Literal["sidebar"] = "sidebar"


class Dots(FigureSpec):
    kind: Literal["dots"] = "dots"
    glyph: str
    drawn = False


def render(doc, ctx):
    return "\\n".join(n.plain() for n in doc.walk() if n.kind == "paragraph").encode()


render.suffix = ".txt"
"""

CLASH_MODULE = """\
from typing import Literal

from crsreport.figures import FigureSpec, figure_kind


@figure_kind
class Bar(FigureSpec):
    kind: Literal["bar"] = "bar"
"""


def fake_distribution(folder: Path, entry_points_txt: str, modules: dict[str, str]) -> Path:
    """A distribution (dist-info + modules) importable from ``folder`` via PYTHONPATH."""
    info = folder / "fake_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points_txt)
    for name, code in modules.items():
        (folder / f"{name}.py").write_text(code)
    return folder


def run_with(run_cli, site: Path, *args: str | Path, cwd: Path | None = None):
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return run_cli(*args, cwd=cwd, env={"PYTHONPATH": path})


SIDEBAR_PROJECT = {
    "report.yaml": """\
id: IN10078
title: Plugin Kinds
date: 2023-01-05
sections:
  - kind: sidebar
    title: Aside
    text: "A sidebar paragraph."
    figures:
      - {id: d, kind: dots, title: Dots, source: CRS., alt: Dots., glyph: o}
""",
}


def test_section_kind_figure_kind_and_format_from_a_plugin(tmp_path, make_project, run_cli):
    site = fake_distribution(
        tmp_path / "site",
        "[crsreport.sections]\nsidebar = fakeplug:Sidebar\n"
        "[crsreport.figures]\ndots = fakeplug:Dots\n"
        "[crsreport.renderers]\ntxt = fakeplug:render\n",
        {"fakeplug": FAKE_MODULE},
    )
    project = make_project(SIDEBAR_PROJECT)
    result = run_with(run_cli, site, project, "--format", "txt,html")
    assert result.returncode == 0, result.stderr
    assert (project / "build" / "IN10078.txt").read_text() == "A sidebar paragraph."
    assert "kind-sidebar" in (project / "build" / "IN10078.html").read_text(encoding="utf-8")
    schema = json.loads(run_with(run_cli, site, "--schema", cwd=tmp_path).stdout)
    assert {"Sidebar", "Dots"} <= set(schema["$defs"])


def test_plugin_fields_are_located_even_outside_crsreport_modules(tmp_path, make_project, run_cli):
    site = fake_distribution(
        tmp_path / "site",
        "[crsreport.sections]\nsidebar = fakeplug:Sidebar\n"
        "[crsreport.figures]\ndots = fakeplug:Dots\n",
        {"fakeplug": FAKE_MODULE},
    )
    files = {"report.yaml": SIDEBAR_PROJECT["report.yaml"].replace(", glyph: o", "")}
    result = run_with(run_cli, site, make_project(files), "--check")
    assert result.returncode == 2
    assert "report.yaml:9: sections[0].figures[0].glyph: required key is missing" in result.stderr


def test_a_plugin_that_fails_to_import_is_named(tmp_path, run_cli):
    site = fake_distribution(
        tmp_path / "site", "[crsreport.figures]\nbroken = no_such_module:Spec\n", {}
    )
    result = run_with(run_cli, site, "--schema", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    message = result.stderr
    assert "plugin crsreport.figures 'broken = no_such_module:Spec'" in message
    assert "(distribution fake-plugin 0.1)" in message
    assert "ModuleNotFoundError" in message and "Traceback" not in message


def test_a_plugin_claiming_a_taken_name_is_named(tmp_path, make_project, run_cli):
    site = fake_distribution(
        tmp_path / "site", "[crsreport.figures]\nbar = clash:Bar\n", {"clash": CLASH_MODULE}
    )
    result = run_with(run_cli, site, make_project(WAFFLE_PROJECT))
    assert result.returncode == 2
    assert "plugin crsreport.figures 'bar = clash:Bar' (distribution fake-plugin 0.1)" in (
        result.stderr
    )
    assert "figure kind 'bar' is already registered by crsreport.figures.bar" in result.stderr


def test_a_format_name_clash_is_named(tmp_path, run_cli):
    site = fake_distribution(
        tmp_path / "site",
        "[crsreport.renderers]\npdf = fakeplug:render\n",
        {"fakeplug": FAKE_MODULE},
    )
    result = run_with(run_cli, site, "--check", cwd=tmp_path)
    assert result.returncode == 2
    assert "'pdf = fakeplug:render'" in result.stderr
    assert "output format 'pdf' is already registered" in result.stderr
