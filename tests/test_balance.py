"""Balanced In Focus columns found by bisection (render/balance.py): the same PDF bytes as
WeasyPrint's pixel-by-pixel search, from far fewer line layouts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import crsreport
from crsreport.render.weasy import weasyprint  # noqa: F401  (installs the bisection)

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
FILLER = (
    "North Korea has continued to develop its military capabilities in many ways, analysts "
    "say, and the Administration has responded with several measures over the past year."
)
EMPTY = ("Other Military Developments", "Diplomatic Developments", "Economic Developments")


def _variant(folder: Path, sentences: int, fill_empty: bool) -> Path:
    """The flagship with ``sentences`` more in its overview (moving the figure and the
    columns' break) and, if asked, text in its three empty sections."""
    shutil.copytree(REPO, folder, ignore=shutil.ignore_patterns("build", ".*", "tests", "src"))
    overview = folder / "sections" / "overview.md"
    overview.write_text(overview.read_text() + "\n" + " ".join([FILLER] * sentences) + "\n")
    if fill_empty:
        yaml = folder / "report.yaml"
        text = yaml.read_text()
        for title in EMPTY:
            text = text.replace(
                f"- title: {title}\n", f"- title: {title}\n        text: {FILLER}\n"
            )
        yaml.write_text(text)
    return folder


def _pdf(project: Path, out: Path) -> tuple[bytes, int]:
    """The PDF's bytes and how many line boxes WeasyPrint laid out to make it."""
    from weasyprint.layout import inline

    counted = inline.get_next_linebox
    calls = 0

    def counting(*args, **kwargs):
        nonlocal calls
        calls += 1
        return counted(*args, **kwargs)

    inline.get_next_linebox = counting
    try:
        report = crsreport.load_report(project)
        (path,) = crsreport.build(report, ["pdf"], out_dir=out, jobs=1)
    finally:
        inline.get_next_linebox = counted
    return path.read_bytes(), calls


@pytest.mark.parametrize(
    ("sentences", "fill_empty"), [(0, False), (0, True), (2, True), (5, False)]
)
def test_bisection_gives_weasyprints_own_pages(tmp_path, sentences, fill_empty):
    from crsreport.render import balance

    project = _variant(tmp_path / "project", sentences, fill_empty)
    quick, quick_lines = _pdf(project, tmp_path / "quick")
    balance.uninstall()
    try:
        slow, slow_lines = _pdf(project, tmp_path / "slow")
    finally:
        assert balance.install()
    assert quick == slow, "the bisection changed the pages"
    assert quick_lines <= slow_lines, (quick_lines, slow_lines)
    if (sentences, fill_empty) == (0, False):  # the flagship: a figure opens page 2
        assert quick_lines * 2 < slow_lines, (quick_lines, slow_lines)
