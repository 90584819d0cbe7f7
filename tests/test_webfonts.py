"""The web page's fonts: shipped subsets when they cover the page, else subset to it."""

from __future__ import annotations

import base64
import io
import re

import pytest
from fontTools.ttLib import TTFont

from crsreport.render.webfonts import (
    FACES,
    REPERTOIRE,
    _subset,
    coverage,
    coverage_ranges,
    font_faces,
    web_font,
)
from crsreport.resources import fonts_dir


def _cmaps(rules: str) -> list[set[int]]:
    fonts = re.findall(r"base64,([A-Za-z0-9+/=]+)\)", rules)
    return [set(TTFont(io.BytesIO(base64.b64decode(f))).getBestCmap()) for f in fonts]


@pytest.mark.parametrize("file", [face[3] for face in FACES])
def test_shipped_face_is_the_repertoire_subset_of_its_font(file):
    shipped = web_font(file).read_bytes()
    assert shipped == _subset(file, REPERTOIRE), "re-run tools/make_webfonts.py"
    full = set(TTFont(fonts_dir() / file).getBestCmap())
    covered = set(TTFont(io.BytesIO(shipped)).getBestCmap())
    assert covered == full & {ord(c) for c in REPERTOIRE}
    assert {ord(c) for c in "Łódź Göteborg – “Kim’s” € …"} <= covered


def test_shipped_coverage_is_every_character_of_the_fonts():
    points = set().union(*(TTFont(fonts_dir() / face[3]).getBestCmap() for face in FACES))
    assert (fonts_dir() / "web" / "coverage.txt").read_text() == coverage_ranges(points), (
        "re-run tools/make_webfonts.py"
    )
    assert {ord(c) for c in coverage()} == points


@pytest.mark.parametrize(
    "text",
    ["Pyongyang’s “calibrated” approach — Łódź, 2022 €",
     "A note’s way back ↩ (an arrow no bundled face has)"],
)  # fmt: skip
def test_a_page_in_the_repertoire_inlines_the_shipped_faces(text):
    fonts = re.findall(r"base64,([A-Za-z0-9+/=]+)\)", font_faces(f"<p>{text}</p>"))
    assert [base64.b64decode(f) for f in fonts] == [web_font(f[3]).read_bytes() for f in FACES]


def test_a_page_beyond_the_repertoire_gets_faces_covering_its_text():
    cmaps = _cmaps(font_faces("<p>Talks in Ελλάδα and Hà Nội</p>"))
    assert len(cmaps) == len(FACES)
    for cmap in cmaps:
        assert {ord(c) for c in "λάộ"} <= cmap
