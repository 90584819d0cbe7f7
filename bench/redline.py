"""A redline against a normal build of the same project, whole processes side by side.

    .venv/bin/python bench/redline.py            # 5 runs each; writes docs/benchmarks-redline.md
    .venv/bin/python bench/redline.py --runs 3 --no-write

The flagship is copied and one of its paragraphs edited. Each run is a fresh process
into an empty output folder (figures drawn too): ``make-report COPY`` against
``make-report COPY --compare FLAGSHIP`` (both versions loaded and resolved, the
redline rendered to HTML, PDF and DOCX). The table shows the medians and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks-redline.md"
EDIT = ("periodically has engaged", "has engaged at intervals")


def _copy(to: Path) -> Path:
    project = to / "edited"
    project.mkdir()
    shutil.copy(ROOT / "report.yaml", project)
    for folder in ("sections", "data"):
        shutil.copytree(ROOT / folder, project / folder)
    for prose in sorted((project / "sections").glob("*.md")):
        text = prose.read_text("utf-8")
        if EDIT[0] in text:
            prose.write_text(text.replace(EDIT[0], EDIT[1], 1), "utf-8")
            return project
    raise SystemExit(f"no paragraph holds {EDIT[0]!r}: update EDIT in {__file__}")


def _time(args: list[str], out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crsreport", *args, "-o", str(out), "-q"],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        project = _copy(tmp)
        normal, redline = [], []
        for _ in range(args.runs):  # interleaved, so a busy moment hits both alike
            normal.append(_time([str(project)], tmp / "normal"))
            redline.append(_time([str(project), "--compare", str(ROOT)], tmp / "redline"))
    a, b = statistics.median(normal), statistics.median(redline)
    table = (
        "| build | median wall time (s) |\n|---|---|\n"
        f"| `make-report edited` (HTML, PDF, DOCX) | {a:.2f} |\n"
        f"| `make-report edited --compare FLAGSHIP` (the redline's HTML, PDF, DOCX) | {b:.2f} |\n"
        f"| ratio | {b / a:.2f}× |\n"
    )
    print(table)
    if args.no_write:
        return
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    DOC.write_text(
        "# Benchmark: a redline against a normal build\n\n"
        f"Written by `.venv/bin/python bench/redline.py --runs {args.runs}` on "
        f"{dt.date.today()} ({os.cpu_count()} cores, load average {load} after); rerun it "
        "to refresh this page.\n\n"
        "The flagship copied with one paragraph edited, each build a fresh process into an "
        "empty folder (figures drawn too), runs interleaved.\n\n" + table,
        "utf-8",
    )


if __name__ == "__main__":
    main()
