"""The wheel ships the house templates, fonts and reference .docx inside the package."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]


def test_wheel_holds_templates_fonts_and_reference_docx(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("crsreport-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"crsreport/templates/{path.relative_to(REPO / 'templates').as_posix()}"
        for path in (REPO / "templates").rglob("*")
        if path.is_file()
    }
    assert "crsreport/templates/docx/reference.docx" in shipped
    assert "crsreport/templates/fonts/LICENSE-OFL.txt" in shipped
    assert shipped <= names, sorted(shipped - names)
    assert "crsreport/cli.py" in names
