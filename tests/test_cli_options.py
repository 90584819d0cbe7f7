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
