"""The Python API: a Report built in code resolves and builds like report.yaml."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import crsreport
from crsreport.model import Appendix, Background, KeyDevelopments, Overview, Report, Section

REPO_ROOT = Path(__file__).resolve().parents[1]


def figures_of(section: dict[str, Any]) -> list[dict[str, Any]]:
    """A section's figure specs as report.yaml writes them (they are data, not structure)."""
    return section.get("figures", [])


def python_flagship() -> Report:
    """The flagship as a program would write it, without report.yaml."""
    raw = yaml.safe_load((REPO_ROOT / "report.yaml").read_text(encoding="utf-8"))
    subs = raw["sections"][2]["subsections"]
    assert [s["title"] for s in subs] == [
        "North Korea's Nuclear and Missile Programs",
        "Other Military Developments",
        "Diplomatic Developments",
        "Economic Developments",
    ], "report.yaml changed shape: update python_flagship() to match it"
    assert [s["kind"] for s in raw["sections"]] == ["overview", "background", "key_developments"]

    def sub(i: int, title: str, **extra: Any) -> Section:
        prose = subs[i].get("prose", [])
        return Section(title=title, prose=prose, figures=figures_of(subs[i]), **extra)

    report = Report(
        id="IF11415",
        title="Diplomacy with North Korea: A Status Report",
        date=dt.date(2022, 2, 3),
        version=2,
        authors=[],
        data={
            "tests_by_year": "data/nk_tests_by_year.csv",
            "missile_tests": "data/nk_missile_tests.csv",
            "nuclear_tests": "data/nk_nuclear_tests.csv",
        },
        sections=[
            Overview(prose=["sections/overview.md"], figures=figures_of(raw["sections"][0])),
            Background(prose=["sections/background.md"], figures=figures_of(raw["sections"][1])),
            KeyDevelopments(
                prose=raw["sections"][2].get("prose", []),
                subsections=[
                    sub(0, "North Korea's Nuclear and Missile Programs", id="programs"),
                    sub(1, "Other Military Developments"),
                    sub(2, "Diplomatic Developments"),
                    sub(3, "Economic Developments"),
                ],
            ),
        ],
    )
    return report.located(REPO_ROOT, "<python>", {})


def comparable(tree: dict[str, Any]) -> dict[str, Any]:
    """A tree dict without the report-file locations (YAML has lines, Python has none)."""
    src = tree["src"]
    if src and src["file"] in ("report.yaml", "<python>"):
        src = None
    out = {**tree, "src": src}
    for key, value in tree.items():  # children, and nodes held in fields (captions)
        if isinstance(value, dict) and "kind" in value:
            out[key] = comparable(value)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out[key] = [comparable(c) if "kind" in c else c for c in value]
    return out


@pytest.fixture(scope="module")
def loaded() -> Report:
    return crsreport.load_report(REPO_ROOT)


def test_python_report_equals_the_loaded_one(loaded):
    built = python_flagship()
    assert built.model_dump() == loaded.model_dump()
    assert built.root == loaded.root == REPO_ROOT


def _sections(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """The section nodes of a tree dict, in reading order."""
    found = [tree] if tree["kind"] == "section" else []
    return found + [s for c in tree.get("children", []) for s in _sections(c)]


def test_python_report_resolves_to_the_same_tree(loaded):
    from_yaml = crsreport.resolve(loaded).to_dict()
    from_python = crsreport.resolve(python_flagship()).to_dict()

    assert comparable(from_python) == comparable(from_yaml)
    # Prose nodes keep their Markdown file and line either way.
    first_section = _sections(from_python)[0]
    first = first_section["children"][0]
    assert first["kind"] == "paragraph"
    assert first["src"] == {"file": "sections/overview.md", "line": 1}
    # Section locations point into report.yaml only when loaded from it.
    yaml_lines = (REPO_ROOT / "report.yaml").read_text(encoding="utf-8").splitlines()
    overview_line = yaml_lines.index("  - kind: overview") + 1
    assert _sections(from_yaml)[0]["src"] == {"file": "report.yaml", "line": overview_line}
    assert first_section["src"] == {"file": "<python>", "line": None}


@pytest.mark.e2e
def test_build_returns_the_paths_it_wrote(tmp_path):
    out = tmp_path / "out"
    paths = crsreport.build(python_flagship(), "html,pdf", out_dir=out)

    assert list(paths) == [out / "IF11415.html", out / "IF11415.pdf"]
    visible = sorted(p for p in out.iterdir() if not p.name.startswith("."))
    assert visible == sorted(paths)
    assert paths[1].read_bytes().startswith(b"%PDF-")
    html = paths[0].read_text(encoding="utf-8")
    assert "<title>Diplomacy with North Korea: A Status Report</title>" in html


def test_python_and_yaml_reports_give_the_same_html(loaded, tmp_path):
    a = crsreport.build(loaded, ["html"], out_dir=tmp_path / "yaml")[0]
    b = crsreport.build(python_flagship(), ["html"], out_dir=tmp_path / "python")[0]
    assert a.read_bytes() == b.read_bytes()


def test_python_report_is_validated_like_yaml():
    with pytest.raises(ValueError, match="not a CRS product number"):
        Report(id="X1", title="T", date=dt.date(2022, 1, 1), sections=[Overview()])
    with pytest.raises(ValueError, match="needs a title"):
        Appendix(prose=["x.md"])  # a generic section may be untitled lead text
    with pytest.raises(ValueError, match="title is blank"):
        Section(title="  ", prose=["x.md"])


def test_bad_prose_path_from_python_is_a_report_error(tmp_path):
    report = Report(
        id="IF10001",
        title="T",
        date=dt.date(2022, 1, 1),
        sections=[Overview(prose=["../outside.md"])],
    ).located(tmp_path, "<python>", {})
    (tmp_path.parent / "outside.md").write_text("no\n", encoding="utf-8")
    with pytest.raises(crsreport.ReportError, match="points outside the project"):
        crsreport.resolve(report)


def _make_report_command() -> list[str]:
    script = Path(sys.executable).parent / "make-report"
    if script.exists():
        return [str(script)]
    found = shutil.which("make-report")
    if found is None:
        pytest.fail("the make-report console script is not installed (pip install -e .)")
    return [found]


@pytest.mark.e2e
def test_schema_lists_the_report_fields(tmp_path):
    import subprocess

    result = subprocess.run(
        [*_make_report_command(), "--schema"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)

    assert {"id", "title", "date", "sections"} <= set(schema["properties"])
    assert {"id", "title", "date", "sections"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
    # Every key of the flagship's report.yaml is a documented property.
    raw = yaml.safe_load((REPO_ROOT / "report.yaml").read_text(encoding="utf-8"))
    assert set(raw) <= set(schema["properties"])
    # Every $ref resolves, and every section kind is offered.
    refs = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.add(node["$ref"].removeprefix("#/$defs/"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert refs <= set(schema["$defs"])
    section_refs = {
        item["$ref"].removeprefix("#/$defs/")
        for item in schema["properties"]["sections"]["items"]["anyOf"]
    }
    assert {"Overview", "Background", "KeyDevelopments", "Section", "Appendix"} <= section_refs


@pytest.mark.e2e
@pytest.mark.parametrize("project", [".", "examples/insight", "examples/report"])
def test_schema_accepts_the_shipped_report_files(project, run_cli):
    import jsonschema

    schema = json.loads(run_cli("--schema").stdout)
    data = yaml.safe_load((REPO_ROOT / project / "report.yaml").read_text())
    data["date"] = str(data["date"])  # YAML reads a date; the schema describes the text
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(data)]
    assert not errors, errors[:3]
