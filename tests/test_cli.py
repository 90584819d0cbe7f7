"""The make-report command: default project, --format, --out, and atomic outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crsreport.build import DEFAULT_FORMATS
from crsreport.render import FORMATS

pytestmark = pytest.mark.e2e

SMALL = {
    "report.yaml": """\
id: IN10042
title: "A Small Insight"
date: 2023-05-01
data:
  counts: data/counts.csv
sections:
  - title: Summary of Events
    prose: sections/events.md
  - title: Issues for Congress
    text: "Congress may consider {{ counts | length }} options."
""",
    "sections/events.md": "# Details\n\nThe first paragraph of events.\n\n- one point\n- another\n",
    "data/counts.csv": "year,n\n2021,3\n2022,5\n",
}


def files_in(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too), by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def outputs(folder: Path) -> set[str]:
    """The visible files directly in ``folder``."""
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp")]


@pytest.fixture
def small(make_project) -> Path:
    return make_project(SMALL)


def test_no_arguments_builds_the_project_in_the_current_folder(small, run_cli):
    result = run_cli(cwd=small)
    assert result.returncode == 0, result.stderr
    build = small / "build"
    assert outputs(build) == {f"IN10042{FORMATS[name].suffix}" for name in DEFAULT_FORMATS}
    html = (build / "IN10042.html").read_text(encoding="utf-8")
    assert "A Small Insight" in html
    assert "Congress may consider 2 options." in html
    assert (build / "IN10042.pdf").read_bytes().startswith(b"%PDF-")
    if "docx" in FORMATS:
        assert (build / "IN10042.docx").read_bytes().startswith(b"PK\x03\x04")
    assert "wrote" in result.stderr  # progress goes to stderr ...
    assert result.stdout == ""  # ... never to stdout
    assert temp_files(build) == []


def test_format_html_writes_only_html(small, run_cli):
    result = run_cli(small, "--format", "html")
    assert result.returncode == 0, result.stderr
    assert outputs(small / "build") == {"IN10042.html"}


def test_format_list_and_out_folder(small, run_cli, tmp_path):
    out = tmp_path / "elsewhere" / "dist"
    result = run_cli(small, "--format", " PDF , html,pdf", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert outputs(out) == {"IN10042.html", "IN10042.pdf"}
    assert not (small / "build").exists()
    assert "wrote" not in result.stderr  # --quiet drops progress


def test_project_may_be_named_by_its_yaml_file(small, run_cli, tmp_path):
    result = run_cli(small / "report.yaml", "--format", "html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert outputs(small / "build") == {"IN10042.html"}


@pytest.mark.parametrize("value", ["rtf", "html,epub", "", ","])
def test_unknown_format_exits_2(small, run_cli, value):
    result = run_cli(small, "--format", value)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "make-report: error: --format: unknown format" in result.stderr
    assert "choose from html, pdf" in result.stderr
    assert not (small / "build").exists()


def test_failed_build_keeps_earlier_outputs(small, run_cli):
    first = run_cli(small, "--format", "html,pdf")
    assert first.returncode == 0, first.stderr
    build = small / "build"
    before = files_in(build)
    assert {"IN10042.html", "IN10042.pdf"} <= set(before)

    (small / "sections" / "events.md").unlink()
    second = run_cli(small, "--format", "html,pdf")

    assert second.returncode == 2
    assert "report.yaml:8: sections[0].prose[0]: file not found" in second.stderr
    assert files_in(build) == before
    assert temp_files(build) == []


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temp_file(
    small, monkeypatch, tmp_path
):
    import crsreport
    from crsreport import output

    out = tmp_path / "out"
    crsreport.build(crsreport.load_report(small), ["html", "pdf"], out)
    old_pdf = (out / "IN10042.pdf").read_bytes()
    (small / "sections" / "events.md").write_text("Changed prose.\n", encoding="utf-8")

    real_replace = os.replace

    def failing_replace(src, dst):
        if str(dst).endswith(".pdf"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", failing_replace)
    with pytest.raises(crsreport.ReportError, match="cannot write there: No space left"):
        crsreport.build(crsreport.load_report(small), ["html", "pdf"], out)

    assert (out / "IN10042.pdf").read_bytes() == old_pdf
    assert "Changed prose." in (out / "IN10042.html").read_text(encoding="utf-8")
    assert temp_files(out) == []


def test_schema_prints_json_and_exits_0(run_cli, tmp_path):
    result = run_cli("--schema", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["type"] == "object"
    assert not list(tmp_path.iterdir())


def test_short_options_build_like_the_long_ones(small, run_cli, tmp_path):
    out = tmp_path / "short"
    result = run_cli(small, "-f", "html", "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    assert outputs(out) == {"IN10042.html"}
    assert "wrote" not in result.stderr
