"""Drawn chart kinds (bar, line, timeline): valid, deterministic, house-styled images."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from crsreport.figdata import select
from crsreport.figures import FigureData, FigureSpec
from crsreport.figures.bar import BarSpec
from crsreport.figures.line import LineSpec
from crsreport.figures.style import PNG_DPI, SIZES, render
from crsreport.figures.timeline import TimelineSpec
from crsreport.resources import fonts_dir
from crsreport.sources import parse_csv

ROOT = Path(__file__).resolve().parents[2]
END = dt.date(2022, 2, 3)
SVG = "{http://www.w3.org/2000/svg}"
BASE = {"id": "fig", "title": "A Title", "source": "CRS.", "alt": "A chart."}

FLAGSHIP = {
    **BASE,
    "kind": "timeline",
    "data": "data/nk_missile_tests.csv",
    "date": "date",
    "category": "missile_type",
    "bin": "year",
    "overlays": [{"data": "data/nk_nuclear_tests.csv", "date": "date", "label": "Nuclear test"}],
}
YEARS = [
    {"year": 2019, "a": 3, "b": 1.5, "kind": "x"},
    {"year": 2020, "a": 5, "b": "", "kind": "y"},
    {"year": 2021, "a": 2, "b": 4.0, "kind": "x"},
]
EVENTS = [
    {"when": "2019-03-02", "type": "A"},
    {"when": "2019-07", "type": "B"},
    {"when": "2021", "type": "A"},
]


def load(name: str, column: str) -> list[dict[str, Any]]:
    """A repo data file, filtered to the report date as the build does."""
    rows = parse_csv((ROOT / "data" / name).read_text(encoding="utf-8"), name)
    return select(rows, date=column, start=None, end=END, where={}, file=name)


@pytest.fixture(scope="module")
def flagship() -> tuple[TimelineSpec, FigureData]:
    data = FigureData(
        rows=load("nk_missile_tests.csv", "date"),
        overlays=[load("nk_nuclear_tests.csv", "date")],
        end=END,
    )
    return TimelineSpec.model_validate(FLAGSHIP), data


def small_cases() -> list[tuple[FigureSpec, FigureData]]:
    """One spec per kind and option, over small rows."""
    years = FigureData(rows=YEARS, end=END)
    events = FigureData(rows=EVENTS, overlays=[[{"d": "2020-05-01"}]], end=END)
    overlay = [{"data": "n.csv", "date": "d", "label": "Test", "marker": "diamond"}]
    bar = {**BASE, "kind": "bar", "x": "year"}
    timeline = {**BASE, "kind": "timeline", "date": "when", "category": "type"}
    return [
        (BarSpec.model_validate({**bar, "y": ["a", "b"], "labels": {"a": "Alpha"}}), years),
        (BarSpec.model_validate({**bar, "y": ["a", "b"], "stacked": True}), years),
        (BarSpec.model_validate({**bar, "x": "kind", "y": ["a"], "horizontal": True}), years),
        (BarSpec.model_validate({**bar, "group": "kind", "width": "full"}), years),
        (LineSpec.model_validate({**BASE, "kind": "line", "x": "year", "y": ["a", "b"]}), years),
        (TimelineSpec.model_validate({**timeline, "overlays": overlay}), events),
        (TimelineSpec.model_validate({**timeline, "bin": None, "overlays": overlay}), events),
    ]


CASES = small_cases()
IDS = [f"{spec.kind}-{i}" for i, (spec, _) in enumerate(CASES)]


def png_width(png: bytes) -> int:
    """Pixel width from the IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">I", png[16:20])[0]


def check_svg(svg: bytes) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.findall(f".//{SVG}path"), "no paths drawn"
    assert not root.findall(f".//{SVG}text"), "text must be drawn as paths"
    return root


@pytest.mark.parametrize(("spec", "data"), CASES, ids=IDS)
def test_draws_valid_svg_and_png_at_print_resolution(spec: FigureSpec, data: FigureData):
    check_svg(spec.draw(data, "svg"))
    inches = SIZES[spec.width][0]
    width = png_width(spec.draw(data, "png"))
    assert width >= 200 * inches
    assert width == round(PNG_DPI * inches)


@pytest.mark.parametrize(("spec", "data"), CASES, ids=IDS)
def test_the_svg_is_the_size_its_spec_says_before_drawing(spec: FigureSpec, data: FigureData):
    """A PDF is laid out around ``svg_size`` while the chart is drawn (pdf.PendingFigure)."""
    scaled = spec.model_copy(update={"scale": 0.35})  # at 1.0: test_flagship_is_valid_at_…
    root = ET.fromstring(scaled.draw(data, "svg"))
    assert (root.get("width"), root.get("height")) == scaled.svg_size()


@pytest.mark.parametrize(("spec", "data"), CASES, ids=IDS)
def test_same_spec_and_data_give_identical_bytes(spec: FigureSpec, data: FigureData):
    for fmt in ("svg", "png"):
        assert spec.draw(data, fmt) == spec.draw(data, fmt)


def test_flagship_is_valid_at_both_widths(flagship):
    spec, data = flagship
    for width in ("column", "full"):
        wide = spec.model_copy(update={"width": width})
        root = check_svg(wide.draw(data, "svg"))
        assert root.get("width") == f"{SIZES[width][0] * 72:g}pt"
        assert (root.get("width"), root.get("height")) == wide.svg_size()
        assert png_width(wide.draw(data, "png")) == round(PNG_DPI * SIZES[width][0])


def test_images_carry_no_dates_or_software_stamps(flagship):
    spec, data = flagship
    svg, png = spec.draw(data, "svg"), spec.draw(data, "png")
    assert b"<dc:date>" not in svg and b"Matplotlib" not in svg
    assert b"tEXtSoftware" not in png and b"matplotlib" not in png.lower()


DRAW_IN_CHILD = """
import hashlib, json, sys
{first}
sys.path.insert(0, {tests!r})
from test_drawing import FLAGSHIP, flagship_data, small_cases
from crsreport.figures.timeline import TimelineSpec
cases = [(TimelineSpec.model_validate(FLAGSHIP), flagship_data()), *small_cases()]
draws = [spec.draw(data, fmt) for spec, data in cases for fmt in ("svg", "png")]
print(json.dumps([hashlib.sha256(image).hexdigest() for image in draws]))
"""


def flagship_data() -> FigureData:
    """The flagship rows (for the subprocess check)."""
    return FigureData(
        rows=load("nk_missile_tests.csv", "date"),
        overlays=[load("nk_nuclear_tests.csv", "date")],
        end=END,
    )


DRAWER_FIRST = """
import crsreport.figures.drawer
from matplotlib.lines import Line2D
assert "dash_capstyle" not in Line2D.set.__doc__, "the drawing worker's import keeps tables"
"""


@pytest.mark.e2e
def test_bytes_are_identical_across_processes(flagship):
    """Also in a process that imported matplotlib as the drawing worker does."""
    tests = str(Path(__file__).parent)
    digests = []
    for seed, first in (("1", ""), ("2", DRAWER_FIRST)):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        code = DRAW_IN_CHILD.format(tests=tests, first=first)
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
        )
        assert done.returncode == 0, done.stderr
        digests.append(json.loads(done.stdout))
    assert digests[0] == digests[1]
    spec, data = flagship
    here = [hashlib.sha256(spec.draw(data, f)).hexdigest() for f in ("svg", "png")]
    assert here == digests[0][:2]
    from matplotlib.lines import Line2D

    assert "dash_capstyle" in Line2D.set.__doc__, "a library user's process keeps matplotlib's"


def test_flagship_has_a_bar_series_per_missile_type_and_the_overlay(flagship):
    spec, data = flagship
    ax = spec.figure(data).axes[0]
    types = Counter(r["missile_type"] for r in data.rows)
    series = [c.get_label() for c in ax.containers]
    assert sorted(series) == sorted(types)
    assert series[0] == "SRBM"  # the largest series sits at the bottom
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [*series, "Nuclear test"]


def test_flagship_counts_per_year_and_covers_1984_to_2022(flagship):
    spec, data = flagship
    ax = spec.figure(data).axes[0]
    totals: Counter[int] = Counter()
    for container in ax.containers:
        for bar in container.patches:
            totals[round(bar.get_x() + bar.get_width() / 2)] += bar.get_height()
    by_year = Counter(int(str(r["date"])[:4]) for r in data.rows)
    assert totals == by_year
    assert totals[2017] == sum(1 for r in data.rows if str(r["date"]).startswith("2017"))
    assert totals[2017] > 0 and totals[2018] == 0
    low, high = ax.get_xlim()
    assert 1983 < low < 1984 and 2022 < high < 2023


def test_flagship_overlay_marks_each_nuclear_test_above_its_bar(flagship):
    spec, data = flagship
    ax = spec.figure(data).axes[0]
    (stars,) = ax.lines
    assert list(stars.get_xdata()) == [2006, 2009, 2013, 2016, 2016, 2017]
    assert stars.get_marker() == "*"
    heights: Counter[int] = Counter()
    for container in ax.containers:
        for bar in container.patches:
            heights[round(bar.get_x() + bar.get_width() / 2)] += bar.get_height()
    ys = list(stars.get_ydata())
    assert all(y > heights[x] for x, y in zip(stars.get_xdata(), ys, strict=True))
    assert ys[3] < ys[4]  # two 2016 tests stack
    assert ax.get_ylim()[1] > max(ys)


def test_order_and_labels_name_the_categories():
    spec = TimelineSpec.model_validate(
        {**BASE, "kind": "timeline", "date": "when", "category": "type", "order": ["B"]}
        | {"labels": {"A": "Alpha"}}
    )
    ax = spec.figure(FigureData(rows=EVENTS, end=END)).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["B", "Alpha"]
    assert ax.get_xlim()[0] < 2019 and ax.get_xlim()[1] > 2022


def test_event_strip_puts_one_row_per_category_and_overlay():
    spec = TimelineSpec.model_validate(
        {**BASE, "kind": "timeline", "date": "when", "category": "type", "bin": None}
        | {"overlays": [{"data": "n.csv", "date": "d", "label": "Test"}]}
    )
    data = FigureData(rows=EVENTS, overlays=[[{"d": "2020-05-01"}]], end=END)
    ax = spec.figure(data).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "Test"]
    first = ax.lines[0].get_xdata()
    assert first[0] == pytest.approx(2019 + 60 / 365)
    assert ax.lines[2].get_xdata()[0] == pytest.approx(2020 + 121 / 366)


def test_timeline_requires_its_date_column():
    with pytest.raises(ValidationError, match="date"):
        TimelineSpec.model_validate({**BASE, "kind": "timeline"})


def test_columns_used_name_every_column_the_fields_name():
    bar = BarSpec.model_validate(
        {**BASE, "kind": "bar", "x": "year", "y": ["a"], "group": "g", "where": {"w": 1}}
    )
    line = LineSpec.model_validate({**BASE, "kind": "line", "x": "year", "y": ["a", "b"]})
    timeline = TimelineSpec.model_validate(FLAGSHIP)
    assert sorted(bar.columns_used()) == ["a", "g", "w", "year"]
    assert sorted(line.columns_used()) == ["a", "b", "year"]
    assert sorted(timeline.columns_used()) == ["date", "missile_type"]


def test_bar_sums_or_counts_a_grouped_column():
    rows = [{"x": 1, "g": "p", "v": 2}, {"x": 1, "g": "p", "v": 3}, {"x": 2, "g": "q", "v": 4}]
    summed = BarSpec.model_validate({**BASE, "kind": "bar", "x": "x", "y": ["v"], "group": "g"})
    counted = BarSpec.model_validate({**BASE, "kind": "bar", "x": "x", "group": "g"})
    nan = float("nan")
    assert _same(summed.table(rows), ([1, 2], {"p": [5.0, nan], "q": [nan, 4.0]}))
    assert _same(counted.table(rows), ([1, 2], {"p": [2.0, nan], "q": [nan, 1.0]}))
    with pytest.raises(ValidationError, match="at most one column"):
        BarSpec.model_validate({**BASE, "kind": "bar", "x": "x", "y": ["v", "w"], "group": "g"})


def _same(got: tuple[list[Any], dict[str, list[float]]], want: Any) -> bool:
    """Equal tables, NaN matching NaN."""

    def text(table: dict[str, list[float]]) -> dict[str, list[str]]:
        return {k: [str(v) for v in vs] for k, vs in table.items()}

    return got[0] == want[0] and text(got[1]) == text(want[1])


def test_stacked_and_horizontal_bars_draw_as_asked():
    years = FigureData(rows=YEARS, end=END)
    stacked = BarSpec.model_validate(
        {**BASE, "kind": "bar", "x": "year", "y": ["a", "b"]} | {"stacked": True}
    )
    ax = stacked.figure(years).axes[0]
    tops = sorted(p.get_y() + p.get_height() for p in ax.patches)
    assert tops[-1] == 6.0 and [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    across = BarSpec.model_validate(
        {**BASE, "kind": "bar", "x": "kind", "y": ["a"]} | {"horizontal": True}
    )
    ax = across.figure(years).axes[0]
    assert sorted(p.get_width() for p in ax.patches) == [5.0, 5.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x", "y"]
    assert ax.get_legend() is None
    assert [t.get_text() for t in ax.texts] == ["5", "5"]  # few bars: values printed


def test_line_leaves_gaps_for_blanks_and_uses_a_year_axis():
    spec = LineSpec.model_validate({**BASE, "kind": "line", "x": "year", "y": ["a", "b"]})
    ax = spec.figure(FigureData(rows=YEARS, end=END)).axes[0]
    a, b = ax.lines
    assert list(a.get_xdata()) == [2019, 2020, 2021]
    assert str(b.get_ydata()[1]) == "nan"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert all("," not in t.get_text() for t in ax.get_xticklabels())


def test_render_refuses_other_formats_and_leaves_global_style_alone():
    import matplotlib as mpl

    before = dict(mpl.rcParams)
    spec, data = CASES[0]
    with pytest.raises(ValueError, match="svg or png"):
        render(spec.figure(data), "gif")
    spec.draw(data, "png")
    assert dict(mpl.rcParams) == before


def test_text_uses_the_bundled_liberation_sans():
    from matplotlib import font_manager

    spec, data = CASES[0]
    assert b"LiberationSans" in spec.draw(data, "svg")
    found = font_manager.fontManager.findfont("Liberation Sans")
    assert Path(found).parent == fonts_dir()


@pytest.mark.e2e
def test_chart_modules_do_not_import_matplotlib():
    code = (
        "import sys\n"
        "import crsreport.figures.bar, crsreport.figures.line, crsreport.figures.timeline\n"
        "import crsreport.figures.style\n"
        "print(any(m.split('.')[0] == 'matplotlib' for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
