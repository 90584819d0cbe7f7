"""make-report's options as other CLIs spell them: --version, and -o, -f, -q (in process)."""

from __future__ import annotations

import pytest

from crsreport import __version__
from crsreport.cli import LIBRARIES, main, parser


def test_version_prints_crsreport_and_its_main_libraries(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"make-report (crsreport) {__version__}"
    names = [line.split()[0] for line in lines[1:]]
    assert names == list(LIBRARIES)
    assert names == [
        "weasyprint",
        "python-docx",
        "matplotlib",
        "pydantic",
        "jinja2",
        "markdown-it-py",
    ]
    assert all(line.startswith("  ") and len(line.split()) >= 2 for line in lines[1:])


def test_short_options_mean_the_long_ones(tmp_path):
    short = parser().parse_args(["-o", str(tmp_path), "-f", "html", "-q"])
    long = parser().parse_args(["--out", str(tmp_path), "--format", "html", "--quiet"])
    assert vars(short) == vars(long)
    assert (short.out, short.format, short.quiet) == (tmp_path, "html", True)


def test_help_lists_version_and_the_short_options():
    text = parser().format_help()
    for option in ("--version", "--out OUT, -o OUT", "--format FORMAT, -f FORMAT", "--quiet, -q"):
        assert option in text


def test_strict_prints_each_warning_once_as_the_error(make_project, capsys):
    project = make_project(
        {
            "report.yaml": "id: IF10001\ntitle: T\ndate: 2022-02-03\nsections:\n"
            "  - kind: overview\n    prose: sections/a.md\n",
            "sections/a.md": "Some <b>bold</b> words.\n",
        }
    )
    assert main([str(project), "--check", "--strict"]) == 2
    err = capsys.readouterr().err
    message = "sections/a.md:1: raw HTML '<b>', '</b>' is printed as text"
    assert err.count(message) == 1, err
    assert f"make-report: error: {message}" in err
