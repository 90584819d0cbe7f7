"""Bad input: the real CLI exits 2 with a located one-paragraph message and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

# Line numbers below count from this text: 1 id, 2 title, 3 date, 4 sections,
# 5 "- kind: overview", 6 "prose: sections/a.md", 7 whatever a case appends.
BASE = """\
id: IF10001
title: "Test Report"
date: 2022-02-03
sections:
  - kind: overview
    prose: sections/a.md
"""
PROSE = {"sections/a.md": "A paragraph of prose.\n"}
# Each case runs with ../outside.md written beside the project; "@OUTSIDE@" is its absolute path.


def base(**replace: str) -> str:
    text = BASE
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def with_data(name: str) -> str:
    return BASE + f"data:\n  facts: {name}\n"


CASES = {
    "untitled appendix": (
        {"report.yaml": BASE + "  - kind: appendix\n    prose: sections/a.md\n", **PROSE},
        ["report.yaml:7: sections[1]:", "'Appendix. Title'", "add 'title'"],
    ),
    "unknown key": (
        {"report.yaml": BASE + "colour: red\n", **PROSE},
        ["report.yaml:7: colour:", "unknown key 'colour'"],
    ),
    "wrong type": (
        {"report.yaml": BASE + "version: two\n", **PROSE},
        ["report.yaml:7: version:", "integer", "'two'"],
    ),
    "missing required key": (
        {"report.yaml": base(**{'title: "Test Report"\n': ""}), **PROSE},
        ["report.yaml:1: title:", "required key is missing"],
    ),
    "missing prose file": (
        {"report.yaml": base(**{"sections/a.md": "sections/gone.md"}), **PROSE},
        ["report.yaml:6: sections[0].prose[0]:", "file not found", "sections/gone.md"],
    ),
    "prose outside the project (..)": (
        {"report.yaml": base(**{"sections/a.md": "../outside.md"}), **PROSE},
        ["report.yaml:6: sections[0].prose[0]:", "'../outside.md' points outside the project"],
    ),
    "prose at an absolute path": (
        {"report.yaml": base(**{"sections/a.md": "@OUTSIDE@"}), **PROSE},
        ["report.yaml:6: sections[0].prose[0]:", "is an absolute path"],
    ),
    "symlink in sections/ pointing outside": (
        {
            "report.yaml": base(**{"sections/a.md": "sections/link.md"}),
            "sections/link.md": Path("../../outside.md"),
        },
        ["report.yaml:6: sections[0].prose[0]:", "'sections/link.md' points outside the project"],
    ),
    "malformed YAML (indentation)": (
        {"report.yaml": base(**{"    prose:": "   prose:"}), **PROSE},
        ["report.yaml:6:", "malformed YAML"],
    ),
    "malformed YAML (tab)": (
        {"report.yaml": base(**{"title:": "\ttitle:"}), **PROSE},
        ["report.yaml:2:", "malformed YAML"],
    ),
    "unknown section kind": (
        {"report.yaml": BASE + "  - kind: chapter\n    title: Chapter One\n", **PROSE},
        ["report.yaml:7: sections[1]:", "unknown section kind 'chapter'", "background"],
    ),
    "bad report id": (
        {"report.yaml": base(IF10001="XX123"), **PROSE},
        ["report.yaml:1: id:", "'XX123' is not a CRS product number"],
    ),
    "bad section id": (
        {"report.yaml": BASE + "    id: 9lives\n", **PROSE},
        ["report.yaml:7: sections[0].id:", "'9lives'"],
    ),
    "impossible date": (
        {"report.yaml": base(**{"2022-02-03": "2022-02-30"}), **PROSE},
        ["report.yaml:3: date:", "'2022-02-30' is not a valid date", "YYYY-MM-DD"],
    ),
    "duplicate key": (
        {"report.yaml": BASE + 'title: "Another Title"\n', **PROSE},
        ["report.yaml:7: title:", "duplicate key"],
    ),
    "undefined value in prose": (
        {
            "report.yaml": BASE,
            "sections/a.md": "First paragraph.\n\nSecond paragraph,\nstill second,\n"
            "and here {{ nope }} is unknown.\n",
        },
        ["sections/a.md:5:", "'nope' in {{ }} is not declared data; declared: report"],
    ),
    "prose that is not UTF-8": (
        {"report.yaml": BASE, "sections/a.md": b"caf\xe9 au lait\n"},
        ["report.yaml:6: sections[0].prose[0]:", "not UTF-8"],
    ),
    "ragged CSV row": (
        {
            "report.yaml": with_data("data/facts.csv"),
            **PROSE,
            "data/facts.csv": "a,b\n1,2\n3,4,5\n",
        },
        ["data/facts.csv:3:", "3 fields", "header has 2"],
    ),
    "JSON syntax error": (
        {
            "report.yaml": with_data("data/facts.json"),
            **PROSE,
            "data/facts.json": '{\n  "a": 1,\n  "b": 2,\n}\n',
        },
        ["data/facts.json:4:", "JSON cannot be parsed"],
    ),
    "data file of an unknown type": (
        {"report.yaml": with_data("data/facts.txt"), **PROSE, "data/facts.txt": "1 2 3\n"},
        ["report.yaml:8: data.facts:", "CSV, JSON or YAML"],
    ),
    "data symlink pointing outside": (
        {
            "report.yaml": with_data("data/facts.csv"),
            **PROSE,
            "data/facts.csv": Path("../../outside.csv"),
            "../outside.csv": "a,b\n1,2\n",
        },
        ["report.yaml:8: data.facts:", "points outside the project"],
    ),
}


def _listing(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b""
        for p in sorted(folder.rglob("*"))
    }


def assert_user_error(result, expected: list[str]) -> str:
    """Exit 2, one located message on stderr, no traceback, nothing on stdout."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("make-report: error: ")]
    assert len(errors) == 1, result.stderr
    message = "\n".join(lines[errors[0] :])
    for text in expected:
        assert text in message, f"{text!r} not in:\n{message}"
    return message


@pytest.mark.parametrize("files, expected", list(CASES.values()), ids=list(CASES))
def test_bad_input_exits_2_with_a_located_message(tmp_path, make_project, run_cli, files, expected):
    outside = tmp_path / "outside.md"  # beside every project make_project writes
    outside.write_text("Secret prose from outside.\n", encoding="utf-8")
    files = {
        name: text.replace("@OUTSIDE@", str(outside.resolve())) if isinstance(text, str) else text
        for name, text in files.items()
    }
    project = make_project(files)
    before = _listing(project)

    result = run_cli(project)

    message = assert_user_error(result, expected)
    assert "Secret prose" not in message
    assert _listing(project) == before, "a failed build must not write into the project"
    assert not (project / "build").exists()


def test_every_problem_is_reported_at_once(make_project, run_cli):
    yaml = base(**{"2022-02-03": "2022-13-01"}) + "colour: red\nversion: 0\n"
    project = make_project({"report.yaml": yaml, **PROSE})

    message = assert_user_error(
        run_cli(project),
        [
            "3 problems",
            "report.yaml:3: date: '2022-13-01' is not a valid date",
            "report.yaml:7: colour: unknown key 'colour'",
            "report.yaml:8: version:",
        ],
    )
    assert message.index("report.yaml:3") < message.index("report.yaml:7")
    assert message.index("report.yaml:7") < message.index("report.yaml:8")
    assert not (project / "build").exists()


def test_strict_turns_the_empty_section_warning_into_exit_2(make_project, run_cli):
    files = {"report.yaml": BASE + "  - kind: background\n", **PROSE}

    lenient = run_cli(make_project(files), "--format", "html")
    assert lenient.returncode == 0, lenient.stderr
    assert "report.yaml:7: sections[1]: section 'Background' is empty" in lenient.stderr

    project = make_project(files)
    strict = run_cli(project, "--format", "html", "--strict")
    assert_user_error(strict, ["report.yaml:7: sections[1]:", "section 'Background' is empty"])
    assert not (project / "build").exists()


def test_a_clean_project_has_no_warning_under_strict(make_project, run_cli):
    project = make_project({"report.yaml": BASE, **PROSE})
    result = run_cli(project, "--format", "html", "--strict")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr
    assert (project / "build" / "IF10001.html").is_file()


def test_debug_shows_a_traceback_for_a_user_error(make_project, run_cli):
    files = {"report.yaml": base(**{"sections/a.md": "sections/gone.md"}), **PROSE}

    quiet = run_cli(make_project(files))
    assert "Traceback" not in quiet.stderr

    result = run_cli(make_project(files), "--debug")
    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert "ReportError" in result.stderr
    assert "make-report: error: report.yaml:6: sections[0].prose[0]: file not found" in (
        result.stderr
    )


def test_a_missing_project_is_a_clean_error(tmp_path, run_cli):
    result = assert_user_error(run_cli(tmp_path / "nowhere"), ["no report file here"])
    assert "nowhere" in result
