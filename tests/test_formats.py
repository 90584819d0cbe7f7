"""A format's record carries what it needs, and one definition of the code that shapes
outputs serves the figure keys, the manifest and the stamp (fast layer, in process)."""

from __future__ import annotations

import sys
import time
from concurrent.futures import Future
from dataclasses import replace
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

import crsreport
from crsreport import codebase, stamp
from crsreport.assets import Assets
from crsreport.figures import FIGURE_KINDS
from crsreport.fingerprint import drawing_code, drawing_part
from crsreport.incremental import tree_inputs
from crsreport.plugins import REGISTER
from crsreport.render import (
    FORMATS,
    by_cost,
    images_for,
    parallel,
    register_format,
    unregister_format,
)
from crsreport.tree import Paragraph, Text

REPO = Path(__file__).resolve().parents[1]
REPORT = """\
id: IN10078
title: Format Records
date: 2022-02-10
sections:
  - title: What Happened
    prose: sections/what.md
    figures:
      - id: launches
        kind: bar
        title: Launches per Year
        data: data/years.csv
        x: year
        y: [launches]
        source: CRS.
        alt: Bar chart of launches per year.
"""
FILES = {
    "report.yaml": REPORT,
    "sections/what.md": "Launches rose (@fig:launches).\n",
    "data/years.csv": "year,launches\n2019,25\n2020,8\n2021,6\n",
}
SEEN: dict[str, Any] = {}


def probe_render(doc: Any, ctx: Any) -> bytes:
    """A fourth format's renderer: notes the figure files it was given."""
    SEEN["assets"] = ctx.assets.files
    return b"probe\n"


@pytest.fixture
def fourth():
    """A fourth format, needing PNG figures, registered for one test."""
    record = register_format("probe", ".probe", f"{__name__}:probe_render", images=("png",))
    SEEN.clear()
    yield record
    unregister_format("probe")


def test_a_registered_fourth_format_gets_its_figures(fourth, make_project, tmp_path):
    project = make_project(FILES)
    result = crsreport.build(crsreport.load_report(project), ["probe"], tmp_path / "out", jobs=1)
    assert result.rendered == ["probe"] and result.drawn == ["launches"]
    assert (tmp_path / "out" / "IN10078.probe").read_bytes() == b"probe\n"
    files = SEEN["assets"]
    assert list(files) == ["launches"] and list(files["launches"]) == ["png"]
    assert files["launches"]["png"].startswith(b"\x89PNG")


def test_the_built_in_records_say_what_each_format_needs():
    assert images_for(["html"]) == images_for(["pdf"]) == ["svg"]
    # the DOCX's pictures are PNGs; its Contents' page numbers come from the PDF's layout
    assert images_for(["docx"]) == ["png", "svg"] and images_for(["json"]) == ["png", "svg"]
    assert images_for(["html", "docx", "json"]) == ["png", "svg"]
    assert FORMATS["pdf"].late and not FORMATS["html"].late
    assert "crsreport.render.weasy" in FORMATS["pdf"].preload


def test_an_unknown_figure_file_kind_is_refused():
    with pytest.raises(ValueError, match="unknown figure file kind 'gif'"):
        register_format("probe", ".probe", f"{__name__}:probe_render", images=("gif",))
    assert "probe" not in FORMATS


def test_scheduling_follows_cost(fourth, monkeypatch):
    assert by_cost(["docx", "json", "html", "pdf"]) == ["pdf", "html", "docx", "json"]
    monkeypatch.setitem(FORMATS, "probe", replace(fourth, cost=9.0))
    assert by_cost(["docx", "pdf", "probe"]) == ["probe", "pdf", "docx"]

    pools: list[FakePool] = []

    class FakePool:
        """Records what is submitted to it; every job gives an empty render at once."""

        def __init__(self, workers: int, preload: Any = (), shared: Any = None) -> None:
            self.workers, self.preload, self.jobs = workers, tuple(preload), []
            pools.append(self)

        def submit(self, func: Any, name: str, *args: Any) -> Future:
            self.jobs.append((func.__name__, name))
            future: Future = Future()
            future.set_result(parallel.Rendered())
            return future

        def __enter__(self) -> FakePool:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(parallel, "executor", FakePool)
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    results, _ = parallel.render_formats(
        Paragraph(children=[]), None, ["docx", "pdf", "probe"], Path(), lambda *a: Assets(), 3
    )
    lead, others = pools
    assert (lead.workers, lead.jobs) == (1, [("_render_lead", "probe")])  # its own worker
    assert others.jobs == [("_render_other", "pdf"), ("_render_other", "docx")]  # niced
    assert list(results) == ["probe", "pdf", "docx"]


def attributed_render(doc: Any, ctx: Any) -> bytes:
    return b""


attributed_render.suffix = ".txt"  # type: ignore[attr-defined]
attributed_render.images = ("png", "svg")  # type: ignore[attr-defined]
attributed_render.cost = 5  # type: ignore[attr-defined]
attributed_render.late = True  # type: ignore[attr-defined]


def test_a_plugin_renderer_declares_its_needs_as_attributes():
    ep = EntryPoint("probetxt", f"{__name__}:attributed_render", "crsreport.renderers")
    REGISTER["crsreport.renderers"](ep)
    try:
        record = FORMATS["probetxt"]
        assert (record.suffix, record.images, record.cost, record.late) == (
            ".txt",
            ("png", "svg"),
            5.0,
            True,
        )
        assert record.preload == () and record.warm == ()
    finally:
        unregister_format("probetxt")


# ---- one fingerprint ------------------------------------------------------------------

PLUGIN = '''\
"""A plugin package installed for one test."""

COLOR = "#1f4e79"


class Kind:
    """Stands for a figure kind the package defines."""


def render(doc, ctx):
    return b""
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A loaded plugin package (and a stylesheet it ships) with an installed entry point."""
    site = tmp_path / "site"
    package = site / "crsreport_probe_plugin"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN)
    (package / "print-probe.css").write_text("body { color: black; }\n")
    info = site / "crsreport_probe_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: crsreport-probe-plugin\n")
    (info / "entry_points.txt").write_text(
        "[crsreport.renderers]\nprobeplug = crsreport_probe_plugin:render\n"
    )
    monkeypatch.syspath_prepend(str(site))
    import crsreport_probe_plugin

    monkeypatch.setitem(FIGURE_KINDS, "probekind", crsreport_probe_plugin.Kind)
    codebase.forget()
    yield package
    sys.modules.pop("crsreport_probe_plugin", None)
    codebase.forget()


def _edit(path: Path) -> None:
    path.write_text(path.read_text().replace("#1f4e79", "#7a1f1f"))
    codebase.forget()


def test_a_plugin_module_change_changes_the_manifest_inputs(plugin):
    doc = Paragraph(children=[Text(text="x")])
    assert "crsreport_probe_plugin" in codebase.plugin_packages()
    before = codebase.fingerprint(), tree_inputs(doc, Path(), 0)
    _edit(plugin / "__init__.py")
    after = codebase.fingerprint(), tree_inputs(doc, Path(), 0)
    assert before[0] != after[0] and before[1] != after[1]


def test_a_plugin_stylesheet_change_changes_the_manifest_inputs(plugin):
    before = codebase.fingerprint()
    (plugin / "print-probe.css").write_text("body { color: navy; }\n")
    codebase.forget()
    assert codebase.fingerprint() != before


def test_a_plugin_kind_is_keyed_by_its_own_package_and_a_builtin_by_figures(plugin):
    part = drawing_part("probekind")
    assert part is not None and part.base == plugin
    builtin = drawing_part("bar")
    assert builtin == codebase.figures_code()
    assert all(p.is_relative_to(codebase.PACKAGE / "figures") for p in builtin.files)
    assert not any(p.name == "html.py" for p in builtin.files)  # the HTML writer redraws nothing
    bar, kind = drawing_code("bar"), drawing_code("probekind")
    _edit(plugin / "__init__.py")
    assert drawing_code("probekind") != kind
    assert drawing_code("bar") == bar  # another package's change redraws no built-in kind


def test_the_stamp_lists_the_same_files_and_notices_a_plugin_change(plugin, tmp_path):
    files = set(stamp.own_files())
    assert files == set(codebase.files())
    assert {plugin / "__init__.py", plugin / "print-probe.css"} <= files
    assert set(codebase.own_code().files) <= files and set(codebase.templates().files) <= files
    output = tmp_path / "IN10078.html"
    output.write_text("<p>x</p>\n")
    where = tmp_path / ".cache" / "stamp.json"
    time.sleep(0.01)
    stamp.write(where, time.time_ns(), [], {"html": output}, "IN10078", [])
    assert stamp.fresh(where) is not None
    _edit(plugin / "__init__.py")
    assert stamp.fresh(where) is None


def test_each_figure_is_one_task_drawing_its_svg_before_its_png(make_project, tmp_path):
    """The SVG the PDF waits for comes first, and both files come from one layout."""
    from crsreport import assets

    files = {**FILES, "report.yaml": REPORT.replace("      - id: launches", TWO_FIGURES)}
    doc = crsreport.resolve(crsreport.load_report(make_project(files)))
    seen: list[list[str]] = []

    class Recording:
        def submit(self, func: Any, task: Any) -> Future:
            seen.append([path.suffix for path in task[1].values()])
            future: Future = Future()
            future.set_result(func(task))
            return future

    cache = tmp_path / "cache"
    cache.mkdir()
    assets.draw_figures(doc, ["png", "svg"], cache, Recording())  # type: ignore[arg-type]
    assert sorted(seen) == [[".png", ".svg"], [".png", ".svg"]]
    order = sorted(cache.iterdir(), key=lambda path: path.stat().st_mtime_ns)
    for figure_id in ("first", "launches"):
        drawn = [path.suffix for path in order if path.name.startswith(figure_id + "-")]
        assert drawn == [".svg", ".png"], order


TWO_FIGURES = """\
      - id: first
        kind: bar
        title: Launches, Again
        data: data/years.csv
        x: year
        y: [launches]
        source: CRS.
        alt: Bar chart of launches per year.
      - id: launches"""


@pytest.mark.e2e
def test_the_docx_reads_its_page_numbers_from_the_pdf_built_beside_it(tmp_path, layouts):
    """The Report's DOCX Contents take the PDF's page numbers: from the PDF of the same
    build (one layout, not two), or laid out for a DOCX built alone; the same bytes."""
    report = crsreport.load_report(REPO / "examples" / "report")
    both = crsreport.build(report, ["pdf", "docx"], out_dir=tmp_path / "both", jobs=1)
    assert layouts() == 1, "the DOCX laid the pages out again"
    alone = crsreport.build(report, ["docx"], out_dir=tmp_path / "alone", jobs=1)
    assert layouts() == 2
    assert both[1].read_bytes() == alone[0].read_bytes()
    side = crsreport.build(report, ["pdf", "docx"], out_dir=tmp_path / "side", jobs=2)
    assert side[1].read_bytes() == alone[0].read_bytes()
    html = crsreport.build(report, ["html", "docx"], out_dir=tmp_path / "html", jobs=2)
    assert html[1].read_bytes() == alone[0].read_bytes()  # the HTML is not a PDF to read
