"""The HTML of the flagship, both examples and the three ``--init`` products is valid HTML
as the Nu Html Checker (the W3C validator's engine, vnu.jar) reads it: no errors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

import crsreport
from conftest import missing
from crsreport.products import PRODUCTS
from crsreport.scaffold import init_project

REPO = Path(__file__).resolve().parents[1]
VNU_JAR = REPO / ".venv" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def vnu_jar() -> Path:
    """The checker's jar; fails under CI=true, else skips, when it is not installed."""
    path = Path(os.environ.get("CRSREPORT_VNU", VNU_JAR))
    if path.is_file():
        return path
    missing(f"the Nu Html Checker is not installed at {path} (scripts/setup installs it)")


@pytest.mark.e2e
def test_every_product_page_has_no_nu_html_checker_errors(tmp_path: Path, require) -> None:
    java = require("java")
    jar = vnu_jar()
    projects = [REPO, REPO / "examples" / "insight", REPO / "examples" / "report"]
    for product in ("in_focus", "insight", "report"):
        assert product in PRODUCTS
        made = init_project(tmp_path / product, product, today=dt.date(2024, 3, 1))
        projects.append(made.parent)
    pages = []
    for project in projects:
        (path,) = crsreport.build(
            crsreport.load_report(project), ["html"], out_dir=tmp_path / "out"
        )
        pages.append(str(path))
    assert len(set(pages)) == 6
    done = subprocess.run(
        [java, "-jar", str(jar), "--errors-only", *pages],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr[:3000]
