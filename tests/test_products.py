"""Products and figure kinds added by an installed package, with no edit to crsreport.

The package (tests/fixtures/memo_plugin) is installed for the test the way pip leaves one:
the package folder beside a ``*.dist-info`` holding its entry points, on ``sys.path``.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "memo_plugin"
ENTRY_POINTS = """\
[crsreport.products]
memo = crsreport_memo:MEMO

[crsreport.figures]
keyfacts = crsreport_memo:KeyFacts
dots = crsreport_memo:Dots
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A folder holding the installed memo plugin (package and dist-info)."""
    folder = tmp_path / "site"
    shutil.copytree(FIXTURE, folder)
    info = folder / "crsreport_memo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crsreport-memo\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return folder


@pytest.fixture
def memo(site: Path, tmp_path: Path, run_cli) -> Path:
    """A new memo project made by --init from the plugin's scaffold."""
    project = tmp_path / "memo"
    result = run_cli("--init", project, "--product", "memo", env=_path(site))
    assert result.returncode == 0, result.stderr
    shutil.copy(project.parent / "site" / "crsreport_memo" / "init" / "data" / "facts.csv",
                project / "data" / "facts.csv")  # fmt: skip
    return project


pytestmark = pytest.mark.e2e


def _path(site: Path) -> dict[str, str]:
    """The environment that puts the plugin on sys.path (before any path already set)."""
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}


def _build(project: Path, site: Path, run_cli, out: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(project, "--format", "html,pdf,docx", "--out", out, "--jobs", "1",
                   env=_path(site))  # fmt: skip


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as package:
        xml = " ".join(package.read(n).decode() for n in package.namelist() if n.endswith(".xml"))
    return re.sub(r"<[^>]+>", "", xml)


def test_a_product_from_a_package_builds_in_every_format(memo, site, run_cli, tmp_path, require):
    result = _build(memo, site, run_cli, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    html = (out / "MM10001.html").read_text(encoding="utf-8")
    assert '<p class="masthead-label">MEMO</p>' in html
    pdf = subprocess.run([require("pdftotext"), out / "MM10001.pdf", "-"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    docx_text = _docx_text(out / "MM10001.docx")
    for text in (html, pdf, docx_text):
        assert "Title of the Memo" in text
        # the keyfacts kind's content() shows in every format
        assert all(f in text for f in ("Factone holds.", "Facttwo holds.", "Factthree holds."))
    assert "CRS Memo" in docx_text  # the record's running footer


def test_editing_a_plugin_kinds_drawing_code_redraws_it(memo, site, run_cli, tmp_path):
    out = tmp_path / "out"
    first = _build(memo, site, run_cli, out)
    assert "figure dots: drawn" in first.stderr, first.stderr
    (memo / "sections" / "facts.md").write_text("Edited. @fig:facts and @fig:dots.\n")
    again = _build(memo, site, run_cli, out)
    assert "figure dots: unchanged, not redrawn" in again.stderr, again.stderr
    code = site / "crsreport_memo" / "__init__.py"
    code.write_text(code.read_text().replace('COLOR = "#1f4e79"', 'COLOR = "#7a1f1f"'))
    edited = _build(memo, site, run_cli, out)
    assert edited.returncode == 0, edited.stderr
    assert "figure dots: drawn" in edited.stderr, edited.stderr


def test_an_unknown_product_is_refused_with_the_choices(run_cli, tmp_path):
    result = run_cli("--init", tmp_path / "x", "--product", "memoir")
    assert result.returncode == 2
    assert "unknown product 'memoir'; choose from in_focus, insight, report" in result.stderr
