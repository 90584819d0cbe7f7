"""A PDF laid out while its figures are still being drawn (``pdf.PendingFigure``): the
page is laid out around each figure's size from its spec, and the bytes are those of a
PDF laid out around the drawn figures; a figure drawn at another size is laid out again."""

from __future__ import annotations

from pathlib import Path

import pytest

import crsreport
from crsreport.assets import Assets, draw_figures, figure_nodes
from crsreport.errors import Warnings
from crsreport.figures.bar import BarSpec
from crsreport.render import RenderContext, pdf
from crsreport.resolve import resolve

pytestmark = pytest.mark.e2e

REPORT = """\
id: R10002
title: Pending
date: 2024-01-02
sections:
  - title: Counts
    text: ["Counts by year, before and after the chart."]
    figures:
      - {id: counts, kind: bar, title: Counts, data: data/n.csv, x: year, y: [n],
         source: CRS., alt: Bars., scale: 0.75}
"""
DATA = "year,n\n2019,3\n2020,5\n2021,4\n2022,6\n"


@pytest.fixture
def drawn(make_project, tmp_path):
    """The resolved report and its figures drawn into a cache folder."""
    project = make_project({"report.yaml": REPORT, "data/n.csv": DATA})
    report = crsreport.load_report(project)
    doc = resolve(report, Warnings())
    cache = tmp_path / "figures"
    cache.mkdir()
    return report, doc, draw_figures(doc, ["svg"], cache), cache


def _pdf(report, doc, assets: Assets) -> bytes:
    return pdf.render(doc, RenderContext(report.root, Warnings(), 0, assets))


def _late(doc, cache: Path) -> Assets:
    """Figures fetched by name as a parallel build's PDF fetches them."""
    ids = {node.id: {} for node in figure_nodes(doc)}
    return Assets(files=ids, late=lambda name: (cache / name).read_bytes())


def test_laid_out_before_the_figure_is_drawn_the_pdf_is_the_same(drawn, layouts):
    report, doc, assets, cache = drawn
    expected = _pdf(report, doc, assets)
    assert layouts() == 1
    assert _pdf(report, doc, _late(doc, cache)) == expected
    assert layouts() == 2, "laid out once, around the figure's size from its spec"


def test_a_figure_drawn_at_another_size_is_laid_out_again(drawn, layouts, monkeypatch):
    report, doc, assets, cache = drawn
    expected = _pdf(report, doc, assets)
    monkeypatch.setattr(BarSpec, "svg_size", lambda self: ("100pt", "50pt"))
    assert _pdf(report, doc, _late(doc, cache)) == expected
    assert layouts() == 3, "the page laid out around the wrong size, then the drawn one"
