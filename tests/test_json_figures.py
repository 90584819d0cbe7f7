"""``--format json``: a drawn figure's node carries the rows it draws and its drawn files."""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest
from lxml import etree
from PIL import Image

REPORT = """\
id: IN10001
title: "Launches"
date: 2022-02-03
sections:
  - kind: overview
    text: "See @fig:launches and @tbl:counts."
    figures:
      - {id: launches, kind: bar, title: Launches, data: data/l.csv, x: year, y: [n],
         where: {type: ICBM}, start: "2019", source: CRS., alt: Launches by year.}
      - {id: counts, kind: table, title: Counts, data: data/l.csv, source: CRS., alt: Counts.,
         columns: [{column: year, header: Year}, {column: n, header: Launches}]}
"""
CSV = "year,type,n\n2018,ICBM,1\n2019,ICBM,3\n2020,SRBM,7\n2021,ICBM,4\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from conftest import run_cli  # the plain helper: the fixture is per test

    project = tmp_path_factory.mktemp("json")
    (project / "data").mkdir()
    (project / "report.yaml").write_text(REPORT, encoding="utf-8")
    (project / "data" / "l.csv").write_text(CSV, encoding="utf-8")
    result = run_cli(project, "-f", "json", "--strict", timeout=120)
    assert result.returncode == 0, result.stderr
    schema = run_cli("--schema", "document", timeout=60)
    assert schema.returncode == 0, schema.stderr
    out = project / "build"
    return out, json.loads((out / "IN10001.json").read_text(encoding="utf-8")), schema.stdout


def _figures(node: dict) -> dict[str, dict]:
    found = {node["id"]: node} if node.get("kind") == "figure" else {}
    for child in node.get("children", []):
        found |= _figures(child)
    return found


@pytest.mark.e2e
def test_a_drawn_figure_carries_the_rows_its_where_and_start_selected(built):
    _, data, _ = built
    drawing = _figures(data["document"])["launches"]["drawing"]
    selected = [r for r in csv.DictReader(io.StringIO(CSV)) if r["type"] == "ICBM"]
    expected = [int(r["year"]) for r in selected if int(r["year"]) >= 2019]
    assert [row["year"] for row in drawing["rows"]] == expected == [2019, 2021]
    assert [row["n"] for row in drawing["rows"]] == [3, 4]


@pytest.mark.e2e
def test_a_drawn_figure_names_its_svg_and_png_and_they_are_there(built):
    out, data, _ = built
    files = _figures(data["document"])["launches"]["drawing"]["files"]
    svg = etree.parse(str(out / files["svg"]))
    assert svg.getroot().tag == "{http://www.w3.org/2000/svg}svg"
    with Image.open(out / files["png"]) as png:
        assert png.format == "PNG" and png.width > 100
    assert _figures(data["document"])["counts"]["drawing"] is None  # a table is its rows


@pytest.mark.e2e
def test_the_json_is_valid_under_the_printed_schema(built):
    _, data, schema = built
    validator = jsonschema.Draft202012Validator(json.loads(schema))
    assert [e.message for e in validator.iter_errors(data)] == []
