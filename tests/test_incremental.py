"""Incremental and parallel builds: an unchanged format is skipped, workers change no byte."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

import crsreport
from crsreport import codebase
from crsreport.build import BuildResult
from crsreport.errors import Location, ReportError
from crsreport.render import FORMATS, Format, RenderContext
from crsreport.tree import Node

pytestmark = pytest.mark.e2e

ALL = ["html", "pdf", "docx"]
REPORT = """\
id: IN10077
title: Incremental Builds
date: 2022-02-10
data:
  years: data/years.csv
sections:
  - title: What Happened
    prose: sections/what.md
    figures:
      - id: launches
        kind: bar
        title: Launches per Year
        data: data/years.csv
        x: year
        y: [launches]
        source: CRS.
        alt: Bar chart of launches per year.
  - title: Issues for Congress
    prose: sections/issues.md
"""
FILES = {
    "report.yaml": REPORT,
    "sections/what.md": "Launches in {{ years | length }} years (@fig:launches).\n",
    "sections/issues.md": "Congress may consider sanctions.\n",
    "data/years.csv": "year,launches\n2019,25\n2020,8\n2021,6\n",
}
SVG_FIGURE = """\
    figures:
      - id: map
        kind: image
        title: A Map
        file: data/map.svg
        source: CRS.
        alt: A map of the peninsula.
"""
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="9"/></svg>'


def build(project: Path, out: Path, **options: Any) -> BuildResult:
    return crsreport.build(crsreport.load_report(project), ALL, out, **options)


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every output's bytes and modification time."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.glob("IN10077.*")}


@pytest.fixture
def project(make_project) -> Path:
    return make_project(FILES)


def test_second_build_with_nothing_changed_renders_nothing(project, tmp_path):
    out = tmp_path / "out"
    first = build(project, out)
    assert first.rendered == ALL and first.skipped == []
    before = snapshot(out)
    again = build(project, out)
    assert again.rendered == [] and again.skipped == ALL
    assert list(again) == list(first)  # still every output path, in format order
    assert again.drawn == [] and again.reused == ["launches"]
    assert snapshot(out) == before  # byte-identical, not even rewritten


def test_changing_one_prose_file_renders_again(project, tmp_path):
    out = tmp_path / "out"
    build(project, out)
    (project / "sections" / "issues.md").write_text("Congress may consider talks.\n")
    again = build(project, out)
    assert again.rendered == ALL
    assert again.drawn == [] and again.reused == ["launches"]  # the figure is unchanged
    assert b"consider talks" in (out / "IN10077.html").read_bytes()


def test_changing_a_template_file_renders_again(project, tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    shutil.copytree(codebase.templates_dir(), templates)
    monkeypatch.setattr(codebase, "templates_dir", lambda: templates)
    try:
        out = tmp_path / "out"
        build(project, out)
        assert build(project, out).rendered == []
        with (templates / "css" / "print.css").open("a") as css:
            css.write("\n/* a house style change */\n")
        codebase.forget()
        assert build(project, out).rendered == ALL
    finally:
        codebase.forget()


def test_a_changed_or_missing_output_is_rendered_again(project, tmp_path):
    out = tmp_path / "out"
    build(project, out)
    (out / "IN10077.pdf").write_bytes(b"%PDF- edited by hand")
    (out / "IN10077.docx").unlink()
    again = build(project, out)
    assert again.rendered == ["pdf", "docx"] and again.skipped == ["html"]
    assert (out / "IN10077.pdf").read_bytes() != b"%PDF- edited by hand"


def test_a_format_not_built_before_is_rendered_alone(project, tmp_path):
    out = tmp_path / "out"
    assert crsreport.build(crsreport.load_report(project), ["html"], out).rendered == ["html"]
    both = crsreport.build(crsreport.load_report(project), ["html", "pdf"], out)
    assert both.rendered == ["pdf"] and both.skipped == ["html"]


def test_parallel_and_serial_builds_give_identical_bytes(project, tmp_path):
    serial = build(project, tmp_path / "serial", jobs=1)
    parallel = build(project, tmp_path / "parallel", jobs=3)
    assert serial.rendered == parallel.rendered == ALL
    assert serial.drawn == parallel.drawn == ["launches"]
    for one, other in zip(serial, parallel, strict=True):
        assert one.read_bytes() == other.read_bytes(), f"{one.name} differs"


@pytest.mark.parametrize("jobs", [1, 3])
def test_renderer_warnings_come_back_and_are_given_again_when_skipped(make_project, tmp_path, jobs):
    project = make_project({**FILES, "report.yaml": REPORT + SVG_FIGURE, "data/map.svg": SVG})
    out = tmp_path / "out"
    with pytest.raises(ReportError, match="an SVG image shows as its alt text in DOCX"):
        build(project, out, strict=True, jobs=jobs)
    assert not list(out.glob("IN10077.*")), "a failed build wrote outputs"
    build(project, out, jobs=jobs)  # not strict: warns, builds
    with pytest.raises(ReportError, match=r"map\.svg: an SVG image shows as its alt text"):
        build(project, out, strict=True, jobs=jobs)  # skipped, yet its warning counts


def _bad_input(doc: Node, ctx: RenderContext) -> bytes:
    raise ReportError(f"{Location('sections/what.md', 1)}: this renderer refuses the prose")


@pytest.mark.parametrize("jobs", [1, 3])
def test_bad_input_found_by_a_renderer_is_located_in_parallel_too(
    project, tmp_path, jobs, monkeypatch
):
    monkeypatch.setitem(FORMATS, "html", Format("html", ".html", f"{__name__}:_bad_input"))
    with pytest.raises(ReportError, match=r"sections/what\.md:1: this renderer refuses"):
        build(project, tmp_path / "out", jobs=jobs)
    assert not (tmp_path / "out" / "IN10077.pdf").exists()


def _bug(doc: Node, ctx: RenderContext) -> bytes:
    raise ZeroDivisionError("a bug in a renderer")


def test_a_bug_in_a_worker_is_raised_with_its_traceback(project, tmp_path, monkeypatch):
    monkeypatch.setitem(FORMATS, "docx", Format("docx", ".docx", f"{__name__}:_bug"))
    with pytest.raises(ZeroDivisionError, match="a bug in a renderer") as caught:
        build(project, tmp_path / "out", jobs=3)
    assert "_bug" in str(caught.value.__cause__)  # the worker's traceback, as text
    assert not (tmp_path / "out" / "IN10077.pdf").exists()


def test_cli_says_what_was_skipped(project, run_cli):
    first = run_cli(project, "--jobs", "2")
    assert first.returncode == 0, first.stderr
    again = run_cli(project, "--jobs", "2")
    assert again.returncode == 0, again.stderr
    for name in ALL:
        assert f"skip {name}: unchanged since the last build" in again.stderr
    assert "render:" not in again.stderr and "wrote" not in again.stderr


def test_cli_strict_warning_from_a_worker_exits_2_located(make_project, run_cli):
    project = make_project({**FILES, "report.yaml": REPORT + SVG_FIGURE, "data/map.svg": SVG})
    result = run_cli(project, "--strict", "--jobs", "3")
    assert result.returncode == 2, result.stderr
    assert "map.svg: an SVG image shows as its alt text in DOCX" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "build" / "IN10077.pdf").exists()


def _html(run_cli, project: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = run_cli(project, "--format", "html", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_cli_nothing_changed_stops_at_the_stamp_and_repeats_warnings(make_project, run_cli):
    project = make_project({**FILES, "report.yaml": REPORT + SVG_FIGURE, "data/map.svg": SVG})
    first = _html(run_cli, project, "--format", "html,docx")
    warning = "map.svg: an SVG image shows as its alt text in DOCX"
    assert warning in first
    before = {p: p.stat().st_mtime_ns for p in (project / "build").glob("IN10077.*")}
    again = _html(run_cli, project, "--format", "html,docx")
    assert "nothing changed" in again and "resolve:" not in again
    assert warning in again
    assert again.index("skip html") < again.index("skip docx")
    assert {p: p.stat().st_mtime_ns for p in before} == before


@pytest.mark.parametrize("name", ["report.yaml", "sections/issues.md", "data/years.csv"])
def test_cli_any_file_read_changed_builds_again(project, run_cli, name):
    _html(run_cli, project)
    file = project / name
    file.write_text(file.read_text().replace("2021,6", "2021,7").replace("sanctions", "talks"))
    if name == "report.yaml":
        file.write_text(file.read_text().replace("What Happened", "What Changed"))
    again = _html(run_cli, project)
    assert "nothing changed" not in again and "render: html" in again


def test_cli_touched_file_or_other_format_or_epoch(project, run_cli):
    _html(run_cli, project)
    (project / "sections" / "what.md").touch()
    assert "nothing changed" in _html(run_cli, project)  # same bytes: still up to date
    assert "nothing changed" not in _html(run_cli, project, env={"SOURCE_DATE_EPOCH": "86400"})
    html = project / "build" / "IN10077.html"
    html.write_text("edited by hand")
    assert "render: html" in _html(run_cli, project)
    assert "IN10077" in html.read_text()


def test_cli_build_with_the_pdf_worker_forked_early_equals_a_serial_one(project, run_cli):
    """make-report forks the PDF worker before loading the report; no byte may differ."""
    outs = {}
    for jobs in ("1", "2"):
        out = project / f"out-{jobs}"
        result = run_cli(project, "--out", out, "--jobs", jobs)
        assert result.returncode == 0, result.stderr
        outs[jobs] = {p.name: p.read_bytes() for p in out.glob("IN10077.*")}
    assert sorted(outs["2"]) == ["IN10077.docx", "IN10077.html", "IN10077.pdf"]
    assert outs["1"] == outs["2"]


def test_stamp_is_not_written_when_a_file_changed_during_the_build_or_vanished(tmp_path):
    from crsreport import stamp

    source, output = tmp_path / "a.md", tmp_path / "IN10077.html"
    source.write_text("text\n")
    output.write_text("<p>text</p>\n")
    where = tmp_path / ".cache" / "stamp.json"
    later = source.stat().st_mtime_ns + 1
    stamp.write(where, later - 2, [source], {"html": output}, "IN10077", [])
    assert not where.exists(), "a file newer than the build's start was trusted"
    stamp.write(where, later, [tmp_path / "gone.md"], {"html": output}, "IN10077", [])
    assert not where.exists()
    stamp.write(where, later, [source], {"html": output}, "IN10077", ["warning: x"])
    assert stamp.fresh(where)["warnings"] == ["warning: x"]
    source.write_text("texts\n")
    assert stamp.fresh(where) is None


def test_figure_cache_keeps_one_version_of_each_figure(make_project, tmp_path):
    other = """\
      - id: launches-all
        kind: bar
        title: All Launches
        data: data/years.csv
        x: year
        y: [launches]
        source: CRS.
        alt: Bar chart of all launches.
"""
    project = make_project(
        {**FILES, "report.yaml": REPORT.replace("  - title: Issues", other + "  - title: Issues")}
    )
    out, cache = tmp_path / "out", tmp_path / "out" / ".cache" / "figures"
    build(project, out)
    before = {p.name for p in cache.iterdir()}
    assert len(before) == 4, before  # two figures, SVG and PNG each
    for path in cache.iterdir():  # drawn two hours ago, by the look of them
        os.utime(path, (path.stat().st_atime - 7200, path.stat().st_mtime - 7200))
    report = project / "report.yaml"
    report.write_text(report.read_text().replace("Launches per Year", "Launches by Year"))
    assert build(project, out).drawn == ["launches"]
    after = {p.name for p in cache.iterdir()}
    assert len(after) == 4, after

    def versions(names: set[str], figure_id: str) -> set[str]:
        return {n for n in names if re.fullmatch(figure_id + r"-[0-9a-f]{24}\.(svg|png)", n)}

    assert versions(after, "launches-all") == versions(before, "launches-all")
    assert len(versions(after, "launches")) == 2
    assert not versions(after, "launches") & versions(before, "launches")
    report.write_text(report.read_text().replace("Launches by Year", "Launches, by Year"))
    build(project, out)  # the version drawn a moment ago may still be read by another build
    assert versions(after, "launches") < versions({p.name for p in cache.iterdir()}, "launches")
