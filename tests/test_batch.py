"""``make-report P1 P2 … --jobs N``: many projects side by side, one summary line each."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def insight(number: int) -> dict[str, str]:
    return {
        "report.yaml": (
            f"id: IN1{number:04d}\ntitle: Batch Insight {number}\ndate: 2022-02-10\n"
            "sections:\n  - title: What Happened\n    prose: sections/what.md\n"
        ),
        "sections/what.md": f"Insight number {number} says little.\n",
    }


BAD = {"report.yaml": "id: IN10003\ntitle: Bad\ndate: 2022-22-03\nsections: []\n"}


def summary_lines(stderr: str, project: Path) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if line.startswith(("ok ", "failed ")) and f" {project}: " in line
    ]


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_batch_builds_the_good_projects_and_fails_for_the_bad_one(make_project, run_cli, jobs):
    good = [make_project(insight(1)), make_project(insight(2))]
    bad = make_project(BAD)
    result = run_cli(good[0], bad, good[1], "--format", "html,docx", "--jobs", jobs)
    assert result.returncode == 2, result.stderr  # every failure is bad input
    for number, project in enumerate(good, start=1):
        assert (project / "build" / f"IN1{number:04d}.html").is_file()
        assert (project / "build" / f"IN1{number:04d}.docx").is_file()
        (line,) = summary_lines(result.stderr, project)
        assert line.startswith("ok ") and f"IN1{number:04d} html, docx built" in line
    (line,) = summary_lines(result.stderr, bad)
    assert line.startswith("failed ") and "bad input" in line
    assert "is not a valid date" in result.stderr  # the problem itself is shown, located
    assert not (bad / "build").exists()
    assert "Traceback" not in result.stderr


def test_batch_of_good_projects_exits_0_and_rebuilds_nothing_unchanged(make_project, run_cli):
    projects = [make_project(insight(n)) for n in (4, 5)]
    first = run_cli(*projects, "--format", "html", "--quiet")
    assert first.returncode == 0, first.stderr
    again = run_cli(*projects, "--format", "html", "--quiet")
    assert again.returncode == 0, again.stderr
    for project in projects:
        (line,) = summary_lines(again.stderr, project)
        assert "up to date; html unchanged" in line


def test_a_task_flag_takes_one_project(make_project, run_cli):
    projects = [make_project(insight(n)) for n in (6, 7)]
    result = run_cli(*projects, "--check")
    assert result.returncode == 2
    assert "take one project" in result.stderr


def test_exit_code_is_2_only_when_every_failure_is_bad_input():
    from crsreport.batch import Outcome, exit_code

    built, bad, bug = Outcome("a", "built"), Outcome("b", "input"), Outcome("c", "bug")
    assert exit_code([built, built]) == 0
    assert exit_code([built, bad, bad]) == 2
    assert exit_code([bad, bug]) == 1
    assert bug.summary() == "failed  c: internal error (see above)"
