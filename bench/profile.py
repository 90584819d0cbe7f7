"""Where a cold build's CPU goes: each stage's CPU time in one process, serially.

    .venv/bin/python bench/profile.py PROJECT          # JSON of stage seconds
    .venv/bin/python bench/profile.py PROJECT --tree   # pyinstrument's call tree instead

Libraries are imported (and timed) up front, so each render is its own work only. The
times are CPU seconds (user + system, ``time.process_time``): in one serial process that
is all the CPU a build costs, whatever the machine's load.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STARTUP = time.process_time()
"""CPU of Python's own start (the interpreter, site, this script's imports)."""
START = time.process_time()
import crsreport  # noqa: E402  (timed from START)

IMPORTED = time.process_time() - START
LIBRARIES = {
    "figures": "matplotlib",
    "docx": "docx",
    "html": "fontTools.subset",
    "pdf": "weasyprint",
}


def stages(project: str) -> dict[str, Any]:
    """Seconds per stage of a cold, serial build of ``project``."""
    from crsreport.render import parallel

    times: dict[str, float] = {"Python start": STARTUP, "import crsreport": IMPORTED}
    for name, module in LIBRARIES.items():
        times[f"import {module} ({name})"] = _timed(importlib.import_module, module)[1]
    report, times["load"] = _timed(crsreport.load_report, project)
    render_one = parallel.render_one

    def timed_render(name: str, job: parallel.Job, **kwargs: Any) -> parallel.Rendered:
        result, times[f"render {name}"] = _timed(render_one, name, job, **kwargs)
        return result

    parallel.render_one = timed_render
    with tempfile.TemporaryDirectory() as out:
        start = time.process_time()
        result = crsreport.build(report, out_dir=out, jobs=1)
        total = time.process_time() - start
    renders = sum(v for k, v in times.items() if k.startswith("render "))
    times["resolve, hash, draw figures, write"] = total - renders
    times["total"] = time.process_time()
    return {"stages": times, "figures": len(result.drawn)}


def _timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.process_time()
    value = func(*args, **kwargs)
    return value, time.process_time() - start


def tree(project: str) -> str:
    """pyinstrument's call tree of a cold serial build."""
    from pyinstrument import Profiler

    report = crsreport.load_report(project)
    with tempfile.TemporaryDirectory() as out, Profiler() as profiler:
        crsreport.build(report, out_dir=out, jobs=1)
    return profiler.output_text(color=False, show_all=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--tree", action="store_true", help="print pyinstrument's call tree")
    args = parser.parse_args()
    if args.tree:
        print(tree(str(args.project)))
    else:
        json.dump(stages(str(args.project)), sys.stdout, indent=1)


if __name__ == "__main__":
    main()
