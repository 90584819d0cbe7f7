"""A cold parallel build forks the worker that draws its figures and the one that renders
its costliest format before it resolves the report (``parallel.early_workers``), so
their libraries are imported meanwhile; a build whose figures are all in the cache, or
whose output is there, starts none."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import crsreport
from crsreport.assets import undrawn
from crsreport.render.parallel import early_workers

REPORT = """\
id: R10003
title: Early
date: 2024-01-02
sections:
  - title: Counts
    text: ["Counts by year."]
    subsections:
      - title: Deeper
        figures:
          - {id: counts, kind: bar, title: Counts, data: data/n.csv, x: year, y: [n],
             source: CRS., alt: Bars.}
"""
TABLE_ONLY = REPORT.replace("kind: bar", "kind: table").replace(
    "x: year, y: [n]", "columns: [{column: year}, {column: n}]"
)
DATA = "year,n\n2019,3\n2020,5\n"


def test_a_figure_with_no_file_of_a_kind_in_the_cache_is_undrawn(make_project, tmp_path):
    report = crsreport.load_report(make_project({"report.yaml": REPORT, "data/n.csv": DATA}))
    cache = tmp_path / "figures"
    cache.mkdir()
    assert undrawn(report, ["svg"], cache), "a subsection's chart, never drawn"
    (cache / "counts-0a1b2c.svg").write_text("<svg/>")  # any key: drawn before
    assert not undrawn(report, ["svg"], cache)
    assert undrawn(report, ["png", "svg"], cache), "no PNG yet"


def test_tables_are_never_drawn(make_project, tmp_path):
    project = make_project({"report.yaml": TABLE_ONLY, "data/n.csv": DATA})
    assert not undrawn(crsreport.load_report(project), ["png", "svg"], tmp_path)


def test_no_early_worker_for_one_process_or_a_built_project(make_project, tmp_path):
    report = crsreport.load_report(make_project({"report.yaml": REPORT, "data/n.csv": DATA}))
    cache = tmp_path / ".cache" / "figures"
    cache.mkdir(parents=True)
    with early_workers(report, ["html", "pdf"], tmp_path, 1) as early:
        assert early is None, "one process: it does it all itself"
    (cache / "counts-0a1b2c.svg").write_text("<svg/>")
    (tmp_path / "R10003.pdf").write_bytes(b"%PDF-")
    with early_workers(report, ["html", "pdf"], tmp_path, 2) as early:
        assert early is None, "drawn and built before: nothing to import for"


@pytest.mark.e2e
def test_the_early_workers_are_those_a_cold_build_needs(make_project, tmp_path):
    report = crsreport.load_report(make_project({"report.yaml": REPORT, "data/n.csv": DATA}))
    with early_workers(report, ["html", "pdf"], tmp_path, 2) as early:
        assert early is not None and early.drawing and early.lead and early.lead_name == "pdf"
    with early_workers(report, ["pdf"], tmp_path, 2) as early:
        assert early is not None and early.drawing and not early.lead, "one format: no lead"
    (tmp_path / ".cache" / "figures").mkdir(parents=True)
    (tmp_path / ".cache" / "figures" / "counts-0a1b2c.svg").write_text("<svg/>")
    with early_workers(report, ["html", "pdf"], tmp_path, 2) as early:
        assert early is not None and early.lead and not early.drawing, "drawn before"


@pytest.mark.e2e
def test_a_cold_parallel_build_draws_in_the_early_worker_only(make_project, tmp_path):
    """The build's own process never imports matplotlib: the early worker draws."""
    project = make_project({"report.yaml": REPORT, "data/n.csv": DATA})
    code = (
        "import sys, crsreport\n"
        f"r = crsreport.build(crsreport.load_report({str(project)!r}), ['html', 'pdf'],"
        f" {str(tmp_path / 'out')!r}, jobs=2)\n"
        "print(r.drawn, 'matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['counts']", "False"]
    assert list(Path(tmp_path / "out" / ".cache" / "figures").glob("counts-*.svg"))
