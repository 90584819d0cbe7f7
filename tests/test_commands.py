"""The writer's everyday commands (--init, --check, --watch) and the runnable examples."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = {"in_focus": "IF10001", "insight": "IN10001", "report": "R10001"}

# ---------------------------------------------------------------- --init


@pytest.mark.parametrize("product", list(PRODUCTS))
def test_init_makes_a_project_that_builds_at_once(product, tmp_path, run_cli):
    folder = tmp_path / "new-report"
    result = run_cli("--init", folder, "--product", product)
    assert result.returncode == 0, result.stderr
    assert (folder / "report.yaml").is_file()
    assert list((folder / "sections").glob("*.md")) and list((folder / "data").glob("*.csv"))
    built = run_cli(folder, "--strict", "--format", "html,pdf,docx,json")  # not one warning
    assert built.returncode == 0, built.stderr
    outputs = {p.name for p in (folder / "build").iterdir() if not p.name.startswith(".")}
    ident = PRODUCTS[product]
    assert outputs == {f"{ident}.html", f"{ident}.pdf", f"{ident}.docx", f"{ident}.json"}
    html = (folder / "build" / f"{ident}.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Figure 1" in html


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, run_cli):
    (tmp_path / "keep.txt").write_text("mine")
    result = run_cli("--init", tmp_path)
    assert result.returncode == 2
    assert "already exists and is not empty" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


# ---------------------------------------------------------------- --check

GOOD = {
    "report.yaml": """\
id: IN10042
title: "A Small Insight"
date: 2023-05-01
data:
  counts: data/counts.csv
sections:
  - title: Summary of Events
    id: events
    prose: sections/events.md
    figures:
      - {id: counts, kind: bar, title: Counts, data: data/counts.csv, x: year, y: [n],
         source: CRS., alt: Bars of counts.}
  - title: Issues for Congress
    text: "Congress may consider {{ counts | length }} options."
""",
    "sections/events.md": "The events are in @fig:counts.\n",
    "data/counts.csv": "year,n\n2021,3\n2022,5\n",
}


def edit(files: dict[str, str], name: str, old: str, new: str) -> dict[str, str]:
    """``files`` with ``old`` replaced by ``new`` in file ``name``."""
    assert old in files[name], old
    return {**files, name: files[name].replace(old, new)}


R, E, D = "report.yaml", "sections/events.md", "data/counts.csv"
BROKEN = {
    "malformed YAML": edit(GOOD, R, "  - title: Issues", "   - title: Issues"),
    "unknown key": edit(GOOD, R, "    id: events\n", "    id: events\n    colour: red\n"),
    "bad date": edit(GOOD, R, "2023-05-01", "2023-13-01"),
    "missing prose file": edit(GOOD, R, "sections/events.md", "sections/gone.md"),
    "prose outside the project": edit(GOOD, R, "sections/events.md", "../events.md"),
    "unknown cross-reference": edit(GOOD, E, "@fig:counts", "@fig:nope"),
    "unknown citation": edit(GOOD, E, "counts.", "counts [@nokey]."),
    "undefined data value": edit(GOOD, R, "counts | length", "nope | length"),
    "figure column missing": edit(GOOD, R, "y: [n]", "y: [total]"),
    "ragged CSV row": edit(GOOD, D, "2022,5\n", "2022,5,7\n"),
    "duplicate id": edit(GOOD, R, "Issues for Congress\n", "Issues for Congress\n    id: events\n"),
    "unknown figure kind": edit(GOOD, R, "kind: bar", "kind: pie"),
    "include outside roots": edit(GOOD, R, "  - title: I", "  - include: ../x.yml\n  - title: I"),
    "missing include root": edit(GOOD, R, "data:\n", "include_roots: [../shared]\ndata:\n"),
}  # fmt: skip


def error_text(stderr: str) -> str:
    """The error report, without the progress lines before it."""
    assert "make-report: error:" in stderr, stderr
    return stderr[stderr.index("make-report: error:") :]


@pytest.mark.parametrize("case", list(BROKEN))
def test_check_reports_exactly_what_the_build_reports(case, make_project, run_cli):
    project = make_project(BROKEN[case])
    checked = run_cli(project, "--check")
    built = run_cli(project)
    assert (checked.returncode, built.returncode) == (2, 2), built.stderr
    assert error_text(checked.stderr) == error_text(built.stderr)
    assert not (project / "build").exists() or not any((project / "build").glob("IN*"))


def test_check_under_strict_fails_on_warnings_like_the_build(make_project, run_cli):
    project = make_project(
        edit(GOOD, R, "  - title: Issues", "  - title: Empty\n  - title: Issues")
    )
    checked = run_cli(project, "--check", "--strict")
    built = run_cli(project, "--strict")
    assert (checked.returncode, built.returncode) == (2, 2)
    assert "section 'Empty' is empty" in checked.stderr
    assert error_text(checked.stderr) == error_text(built.stderr)
    assert run_cli(project, "--check").returncode == 0  # a warning alone passes


def test_check_passes_a_good_project_without_writing_anything(make_project, run_cli):
    project = make_project(GOOD)
    result = run_cli(project, "--check")
    assert result.returncode == 0, result.stderr
    assert "IN10042: 2 sections, 1 figure, 0 tables, 0 notes; ready to build" in result.stderr
    assert result.stdout == ""
    assert not (project / "build").exists()  # resolves only: nothing drawn or rendered


# ---------------------------------------------------------------- --watch


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def test_watch_rebuilds_on_change_and_survives_a_broken_edit(make_project, tmp_path):
    project = make_project(GOOD)
    html = project / "build" / "IN10042.html"
    log = tmp_path / "watch.log"
    with open(log, "w", encoding="utf-8") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crsreport", str(project), "--watch", "--format", "html"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        text = lambda: html.read_text(encoding="utf-8") if html.is_file() else ""  # noqa: E731
        messages = lambda: log.read_text(encoding="utf-8")  # noqa: E731
        wait_for(lambda: "The events are in" in text(), "the first build")
        (project / "sections" / "events.md").write_text("Edited once, see @fig:counts.\n")
        wait_for(lambda: "Edited once" in text(), "a rebuild after a prose edit")

        good = (project / "report.yaml").read_text(encoding="utf-8")
        (project / "report.yaml").write_text(
            good.replace("    id: events\n", "    id: events\n    colour: red\n")
        )
        wait_for(lambda: "unknown key 'colour'" in messages(), "the error of a broken edit")
        assert proc.poll() is None, "the watch stopped on a user error"
        assert "Edited once" in text()  # the last good output is kept

        (project / "report.yaml").write_text(good)
        (project / "data" / "counts.csv").write_text("year,n\n2021,3\n2022,5\n2023,8\n")
        wait_for(lambda: "consider 3 options" in text(), "a rebuild after the fix")
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert "watch:" in messages()


def test_watch_sees_an_edit_made_while_a_build_runs(make_project):
    from crsreport import build
    from crsreport.load import load_report
    from crsreport.watch import watch

    project = make_project(GOOD)
    prose = project / "sections" / "events.md"
    texts = []

    def once(file: Path):
        report = load_report(file)
        (html,) = build(report, "html")
        texts.append(html.read_text(encoding="utf-8"))
        if len(texts) == 1:
            prose.write_text("Edited during the first build.\n")  # after its prose was read
        return report

    watch(project, once, interval=0.05, rounds=3)
    assert len(texts) == 2
    assert "The events are in" in texts[0] and "Edited during the first build" in texts[1]


# ---------------------------------------------------------------- examples


def run_example(name: str, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    script = REPO_ROOT / "examples" / name
    return subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_example_builds_a_report_in_python(tmp_path, require):
    result = run_example("build_in_python.py", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert {p.name for p in out.iterdir() if p.is_file()} == {
        "IN99002.html", "IN99002.pdf", "IN99002.docx",
    }  # fmt: skip
    pdf = subprocess.run(
        [require("pdftotext"), str(out / "IN99002.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "North Korean Missile Launches in Numbers" in pdf
    assert "Figure 1. Ballistic Missile Launches per Year" in pdf


def test_example_appends_a_section_to_a_docx(tmp_path):
    import docx

    result = run_example("append_to_docx.py", tmp_path / "memo.docx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = docx.Document(tmp_path / "memo.docx")
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Briefing Memo" and "Trends in Testing" in texts
    assert "styles added: CRS Table" in result.stdout


def test_example_puts_a_section_in_a_web_page(tmp_path):
    result = run_example("section_in_page.py", tmp_path / "page.html", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert page.count("<html") == 1 and page.count("<body") == 1
    assert '<div class="crsreport-fragment"' in page and "<svg" in page
