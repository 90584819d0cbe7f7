"""Every chart series meets 3:1 against the white page (WCAG 2.1, 1.4.11 non-text contrast),
read from the fills and strokes of the SVG files the flagship and the examples draw."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import crsreport
from crsreport.figures.style import PALETTE

REPO = Path(__file__).resolve().parents[1]
PROJECTS = [REPO, REPO / "examples" / "insight", REPO / "examples" / "report"]
COLOUR = re.compile(r"(?:fill|stroke):\s*(#[0-9a-fA-F]{6})")
PAGE, GRID = "#ffffff", "#d0d0d0"  # the background and its grid lines are not series


def contrast(colour: str, against: str = PAGE) -> float:
    """The WCAG contrast ratio of two sRGB colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colour), luminance(against)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_palette_colour_meets_3_to_1_against_white():
    assert [s.color for s in PALETTE if contrast(s.color.lower()) < 3] == []


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_every_drawn_series_meets_3_to_1_against_white(project: Path, tmp_path: Path):
    report = crsreport.load_report(project)
    crsreport.build(report, ["json"], out_dir=tmp_path)
    drawings = sorted((tmp_path / ".cache" / "figures").glob("*.svg"))
    assert drawings, "the project draws no chart"
    for svg in drawings:
        colours = {c.lower() for c in COLOUR.findall(svg.read_text("utf-8"))} - {PAGE, GRID}
        weak = {c: round(contrast(c), 2) for c in colours if contrast(c) < 3}
        assert weak == {}, svg.name
