"""Build a CRS Insight entirely in Python from a data file: no report.yaml, no prose files.

    .venv/bin/python examples/build_in_python.py [OUT_DIR]     # default: build/python-example

The numbers in the text are computed here from the CSV; the figure is drawn from it too.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import crsreport
from crsreport.model import Report, Section

PROJECT = Path(__file__).resolve().parent / "report"  # holds data/nk_tests_by_year.csv
DATA = "data/nk_tests_by_year.csv"


def yearly_launches() -> dict[int, int]:
    """Ballistic missiles launched per year (space launches excluded)."""
    with open(PROJECT / DATA, newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return {int(r["year"]): int(r["cns_missile_launches_excl_slv"] or 0) for r in rows}


def make_report() -> Report:
    """The report, written as data structures."""
    launches = {y: n for y, n in yearly_launches().items() if y <= 2021}
    peak = max(launches, key=launches.__getitem__)
    total = sum(launches.values())
    text = (
        f"North Korea launched {total:,} ballistic missiles from {min(launches)} to "
        f"{max(launches)}, with the most in {peak} ({launches[peak]}). @fig:launches shows "
        "each year."
    )
    figure = {
        "id": "launches",
        "kind": "bar",
        "title": f"Ballistic Missile Launches per Year, {min(launches)}-{max(launches)}",
        "data": DATA,
        "date": "year",
        "end": "2021",
        "x": "year",
        "y": ["cns_missile_launches_excl_slv"],
        "labels": {"cns_missile_launches_excl_slv": "Ballistic missiles"},
        "source": "CRS, using data from the CNS North Korea Missile Test Database (NTI).",
        "alt": f"Bar chart of missiles launched per year, peaking in {peak}.",
        "width": "full",
    }
    report = Report(
        id="IN99002",
        title="North Korean Missile Launches in Numbers",
        date=dt.date(2022, 3, 1),
        authors=[crsreport.Author(name="Alex Example", title="Specialist in Asian Affairs")],
        sections=[
            Section(title="The Record", id="record", text=[text], figures=[figure]),
            Section(title="Issues for Congress", text=["Congress may track the trend."]),
        ],
    )
    return report.located(PROJECT, "<python>", {})


def main(out: str = "build/python-example") -> None:
    paths = crsreport.build(make_report(), ["html", "pdf", "docx"], out_dir=out)
    for path in paths:
        print(path)


if __name__ == "__main__":
    main(*sys.argv[1:2])
