"""Messages built from parts: each file and suggestion named once, in the writer's terms."""

from __future__ import annotations

import os

from crsreport.numbering import unknown_reference
from crsreport.watch import changed, snapshot


def test_watch_names_a_changed_file_once_though_watched_by_two_paths(tmp_path, monkeypatch):
    from crsreport import watch

    (tmp_path / "sections").mkdir()
    prose = tmp_path / "sections" / "a.md"
    prose.write_text("One.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    relative = prose.relative_to(tmp_path)  # found by walking sections/
    files = {relative, prose.resolve()}  # and named by report.yaml
    before = snapshot(files)
    os.utime(prose, ns=(1, 1))
    moved = changed(before, snapshot(files))
    assert len(moved) == 2
    assert watch._names(moved, relative.parent.parent) == "sections/a.md"


def test_a_reference_of_the_wrong_kind_names_the_right_one():
    known = {"tbl:launches": 1, "fig:trend": 2, "sec:overview": 3}
    assert unknown_reference("fig:launches", known) == (
        "'@fig:launches': 'launches' is a table; write @tbl:launches"
    )
    assert unknown_reference("sec:trend", known).endswith("is a figure; write @fig:trend")
    assert "did you mean '@fig:trend'" in unknown_reference("fig:trnd", known)
    assert unknown_reference("fig:zzz", known) == "unknown reference '@fig:zzz'; known: fig:trend"


def test_the_readme_shows_corpus_messages_as_they_are():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("Mistakes inside prose", 1)[1].split("```")[1]
    shown = [line.removeprefix("make-report: error: ") for line in block.strip().splitlines()]
    expected = {
        line
        for case in (root / "tests" / "corpus").glob("*/expected.txt")
        for line in case.read_text(encoding="utf-8").splitlines()
    }
    assert len(shown) == 3
    assert [line for line in shown if line not in expected] == []
