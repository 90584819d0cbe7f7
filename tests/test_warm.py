"""``--watch``'s warm rebuild: what an edit changes is picked up, and only that is redone.

The session is driven in this process, as ``make-report --watch`` drives it; each output is
read with lxml (HTML) or compared byte for byte with a cold ``make-report`` of the edited
project (end-to-end).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest
from lxml import html as lxml_html

import crsreport
from crsreport.errors import ReportError
from crsreport.serve import Channel
from crsreport.watch import Session, named_files, watched_files

PROJECT = {
    "report.yaml": """\
id: IN10077
title: A Warm Insight
date: 2023-05-01
data:
  counts: data/counts.csv
bibliography: refs.yaml
sections:
  - title: What Happened
    id: what
    prose: sections/what.md
    figures:
      - {id: counts, kind: bar, title: Counts per Year, data: data/counts.csv, x: year,
         y: [n], source: CRS., alt: Bars of counts per year.}
  - include: shared/part.yaml
""",
    "sections/what.md": "Counts were kept for {{ counts | length }} years.[@smith-2020]\n",
    "shared/part.yaml": "title: Shared Part\nid: shared\nprose: part.md\n",
    "shared/part.md": "Shared words.\n",
    "data/counts.csv": "year,n\n2020,3\n2021,4\n",
    "refs.yaml": """\
references:
  - id: smith-2020
    type: report
    title: The First Title
    author: ["Smith, Ann"]
    issued: {date-parts: [[2020]]}
""",
}

EDITS = {
    "prose": ("sections/what.md", "Counts were kept", "Tallies were kept"),
    "data": ("data/counts.csv", "2021,4\n", "2021,4\n2022,5\n"),
    "bibliography": ("refs.yaml", "The First Title", "A Second Title"),
    "report.yaml": ("report.yaml", "A Warm Insight", "A Retitled Insight"),
    "include": ("shared/part.yaml", "Shared Part", "Borrowed Part"),
    "included prose": ("shared/part.md", "Shared words.", "Borrowed words."),
}
"""An edit of each kind of file a report reads: file, text before, text after."""
SEEN = {
    "prose": "Tallies were kept",
    "data": "for 3 years",
    "bibliography": "A Second Title",
    "report.yaml": "A Retitled Insight",
    "include": "Borrowed Part",
    "included prose": "Borrowed words.",
}
"""What the page says once the edit of that kind is picked up."""


def edit(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def page_text(out: Path) -> str:
    """The HTML page's text, as a browser would show it (read with lxml)."""
    tree = lxml_html.fromstring((out / "IN10077.html").read_bytes())
    return " ".join(tree.text_content().split())


@pytest.mark.parametrize("kind", list(EDITS))
def test_a_warm_rebuild_picks_up_an_edit_of_each_kind_of_file(make_project, tmp_path, kind):
    project = make_project(PROJECT)
    out = tmp_path / "out"
    session = Session(["html"], out)
    session(project / "report.yaml")
    assert SEEN[kind] not in page_text(out)
    edit(project, *EDITS[kind])
    session(project / "report.yaml")
    assert SEEN[kind] in page_text(out)
    assert "html unchanged" not in session.summary()


def test_every_file_the_report_reads_is_watched(make_project):
    project = make_project(PROJECT)
    report = Session(["json"], project / "build")(project / "report.yaml")
    watched = {p.resolve() for p in watched_files(project / "report.yaml", report)}
    for name, _, _ in EDITS.values():
        assert (project / name).resolve() in watched, name
    assert (project / "shared" / "part.md").resolve() in named_files(report)


def test_a_figure_is_redrawn_only_when_its_data_changes(make_project, tmp_path):
    project = make_project(PROJECT)
    out = tmp_path / "out"
    session = Session(["html"], out)
    session(project / "report.yaml")
    cache = out / ".cache" / "figures"
    drawn = {p.name: p.stat().st_mtime_ns for p in cache.glob("counts-*.svg")}
    assert len(drawn) == 1
    edit(project, *EDITS["prose"])
    session(project / "report.yaml")
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("counts-*.svg")} == drawn
    edit(project, *EDITS["data"])
    session(project / "report.yaml")
    now = {p.name for p in cache.glob("counts-*.svg")}
    assert len(now - set(drawn)) == 1, "the chart of the new data was not drawn"
    svg = (out / "IN10077.html").read_text(encoding="utf-8")
    assert "2022" in svg  # the new row's tick label, in the inlined chart


def test_a_deleted_then_restored_file_is_an_error_then_builds(make_project, tmp_path):
    project = make_project(PROJECT)
    out = tmp_path / "out"
    session = Session(["html"], out)
    session(project / "report.yaml")
    prose = project / "shared" / "part.md"
    prose.unlink()
    with pytest.raises(ReportError) as caught:
        session(project / "report.yaml")
    assert str(caught.value).startswith("shared/part.yaml:3: prose[0]: file not found")
    assert "Shared words." in page_text(out)  # the last good page stays
    prose.write_text("Restored words.\n", encoding="utf-8")
    session(project / "report.yaml")
    assert "Restored words." in page_text(out)


def test_a_renamed_file_is_an_error_until_report_yaml_follows(make_project, tmp_path):
    project = make_project(PROJECT)
    out = tmp_path / "out"
    session = Session(["html"], out)
    session(project / "report.yaml")
    os.replace(project / "sections" / "what.md", project / "sections" / "happened.md")
    with pytest.raises(ReportError) as caught:
        session(project / "report.yaml")
    assert "report.yaml:" in str(caught.value) and "sections/what.md" in str(caught.value)
    edit(project, "report.yaml", "sections/what.md", "sections/happened.md")
    edit(project, "sections/happened.md", "Counts were kept", "Renamed counts were kept")
    session(project / "report.yaml")
    assert "Renamed counts were kept" in page_text(out)


class EditingChannel(Channel):
    """A page that is told of the new HTML while the writer saves again."""

    def __init__(self, project: Path) -> None:
        super().__init__()
        self.project = project

    def reloaded(self, page: str, new: bool = True) -> None:
        super().reloaded(page, new)
        if self.state.version == 2:  # the first rebuild's HTML is out: save again now
            edit(self.project, "sections/what.md", "Counts were kept", "Counts were saved")


def test_an_edit_during_a_rebuild_leaves_the_later_formats_to_the_next(make_project, tmp_path):
    """The formats after the HTML are left when a file the build read changed: the next
    build (the watch starts it at once) writes the new HTML first, then all of them."""
    project = make_project(PROJECT)
    out = tmp_path / "out"
    session = Session(["html", "json"], out, channel=EditingChannel(project))
    session(project / "report.yaml")
    first_json = (out / "IN10077.json").read_bytes()
    edit(project, "sections/what.md", "were kept for", "were kept, it seems, for")
    session(project / "report.yaml")
    assert session.superseded == ["json"] and "json after the next edit" in session.summary()
    assert (out / "IN10077.json").read_bytes() == first_json
    session(project / "report.yaml")
    assert session.superseded == []
    assert "Counts were saved" in page_text(out)
    assert b"Counts were saved" in (out / "IN10077.json").read_bytes()


@pytest.mark.e2e  # renders the PDF and runs make-report for the cold build
def test_warm_outputs_after_edits_equal_a_cold_build(make_project, tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = make_project(PROJECT)
    warm = tmp_path / "warm"
    session = Session(["html", "pdf", "docx"], warm)
    session(project / "report.yaml")
    for kind in ("prose", "data", "bibliography", "report.yaml", "include", "included prose"):
        edit(project, *EDITS[kind])
        session(project / "report.yaml")
        assert session.superseded == [] and "unchanged" not in session.summary(), kind
    cold = tmp_path / "cold"
    result = run_cli(project, "--out", cold, env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    for suffix in ("html", "pdf", "docx"):
        warm_bytes = (warm / f"IN10077.{suffix}").read_bytes()
        assert warm_bytes == (cold / f"IN10077.{suffix}").read_bytes(), suffix
    assert "Borrowed words." in page_text(warm)


class GcChannel(Channel):
    """Notes whether the garbage collector could run while the HTML was built."""

    def __init__(self) -> None:
        super().__init__()
        self.collecting: list[bool] = []

    def reloaded(self, page: str, new: bool = True) -> None:
        self.collecting.append(gc.isenabled())
        super().reloaded(page, new)


def test_no_garbage_collection_holds_up_the_html(make_project, tmp_path):
    """A full collection (0.3-0.5 s once a PDF was rendered in the process) waits until
    the HTML is out; it is on again for the other formats and after the build."""
    project = make_project(PROJECT)
    channel = GcChannel()
    session = Session(["html", "json"], tmp_path / "out", channel=channel)
    assert gc.isenabled()
    session(project / "report.yaml")
    edit(project, *EDITS["prose"])
    session(project / "report.yaml")
    assert channel.collecting == [False, False]
    assert gc.isenabled()


@pytest.mark.e2e  # renders the example Report's PDF
def test_a_warm_docx_reads_its_page_numbers_from_the_pdf_just_written(
    tmp_path, monkeypatch, layouts
):
    """A Report's DOCX Contents take the page numbers of the PDF the same rebuild wrote:
    one WeasyPrint layout per rebuild, and the DOCX of a cold build."""
    import shutil

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    project = tmp_path / "report"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "report", project)
    session = Session(["html", "pdf", "docx"], tmp_path / "warm")
    session(project / "report.yaml")
    assert layouts() == 1, "the DOCX laid the pages out again"
    cold = crsreport.build(crsreport.load_report(project), ["docx"], tmp_path / "cold", jobs=1)
    assert (tmp_path / "warm" / cold[0].name).read_bytes() == cold[0].read_bytes()


def test_a_same_size_save_within_the_clocks_resolution_is_a_change(tmp_path):
    """An in-place save of as many bytes, its modification time as before (a coarse
    clock, or an editor restoring it), still counts: its change time moved."""
    import os

    from crsreport.watch import changed, snapshot

    prose = tmp_path / "a.md"
    prose.write_text("North Korea tested.\n", encoding="utf-8")
    before = snapshot([prose])
    stat = prose.stat()
    with prose.open("r+", encoding="utf-8") as handle:  # same inode, same size
        handle.write("South Korea tested.\n")
    os.utime(prose, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert prose.stat().st_mtime_ns == stat.st_mtime_ns
    assert changed(before, snapshot([prose])) == [prose]
