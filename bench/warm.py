"""Where a warm rebuild's CPU goes: one-word edits rebuilt by a ``--watch`` session in
this process, each stage's CPU time (``time.process_time``) kept apart.

    .venv/bin/python bench/warm.py PROJECT PROSE_FILE          # 7 edits, a table
    .venv/bin/python bench/warm.py PROJECT PROSE_FILE --edits 3 --json

The session is the one ``make-report --watch`` runs (``crsreport.watch.Session``), given
a first (cold) build; the stages are timed by wrapping the pipeline's functions, so the
figures are CPU seconds of this process whatever the machine's load. PROSE_FILE is
edited one word at a time and restored at the end.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

STAGES = {
    "watch": ("Session._load", "load (report.yaml parsed again only if it changed)"),
    "resolve": ("resolve", "resolve (prose, data, notes, numbers)"),
    "incremental": ("tree_inputs", "hash the tree (manifest)"),
    "build": ("draw_figures", "figures (cache files checked, none redrawn)"),
}
"""Module (under crsreport) → the function wrapped and the stage it is."""


def _wrap(owner: Any, name: str, label: str, spent: dict[str, float]) -> None:
    """Replace ``owner.name`` by a function adding its CPU time to ``spent[label]``."""
    inner = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start

    setattr(owner, name, timed)


def stages(project: Path, prose: Path, edits: int, formats: list[str]) -> dict[str, float]:
    """Median CPU seconds per stage over ``edits`` warm rebuilds of ``project``."""
    from crsreport.serve import Channel
    from crsreport.watch import Session

    spent: dict[str, float] = defaultdict(float)
    for module, (attr, label) in STAGES.items():
        owner = importlib.import_module(f"crsreport.{module}")
        if "." in attr:
            cls, attr = attr.split(".")
            owner = getattr(owner, cls)
        _wrap(owner, attr, label, spent)
    parallel = importlib.import_module("crsreport.render.parallel")
    render_one: Callable[..., Any] = parallel.render_one

    def timed_render(name: str, *args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return render_one(name, *args, **kwargs)
        finally:
            spent[f"render {name}"] += time.process_time() - start

    parallel.render_one = timed_render
    started = [0.0]

    class Clock(Channel):
        def reloaded(self, page: str, new: bool = True) -> None:
            spent["total to the HTML on disk"] = time.process_time() - started[0]
            super().reloaded(page, new)

    logging.disable(logging.WARNING)
    original = prose.read_text(encoding="utf-8")
    word = re.search(r"\b([a-z]{5,})\b", original)
    assert word, f"no word to edit in {prose}"
    rows = []
    with tempfile.TemporaryDirectory(prefix="crsreport-warm-") as out:
        session = Session(formats, Path(out), channel=Clock())
        try:
            session(project / "report.yaml")
            for i in range(edits):
                spent.clear()
                text = f"{original[: word.start()]}{word.group(1)}w{i}{original[word.end() :]}"
                prose.write_text(text, encoding="utf-8")
                started[0] = time.process_time()
                session(project / "report.yaml")
                spent["total"] = time.process_time() - started[0]
                named = sum(v for k, v in spent.items() if not k.startswith("total"))
                spent["rest (write, manifest, checks)"] = spent["total"] - named
                rows.append(dict(spent))
        finally:
            prose.write_text(original, encoding="utf-8")
    return {k: statistics.median(r.get(k, 0.0) for r in rows) for k in rows[0]}


ORDER = [label for _, label in STAGES.values()]


def table(results: dict[str, dict[str, float]]) -> str:
    """A Markdown table: one row per stage, one column per project."""
    names = list(results)
    keys = [*ORDER, "render html", "total to the HTML on disk", "render pdf", "render docx"]
    keys += ["rest (write, manifest, checks)", "total"]
    lines = ["| stage | " + " | ".join(names) + " |", "|---|" + "--:|" * len(names)]
    for key in keys:
        if any(key in r for r in results.values()):
            cells = [f"{results[n].get(key, 0.0):.3f}" for n in names]
            shown = f"**{key}**" if key.startswith("total") else key
            lines.append(f"| {shown} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="CPU per stage of warm --watch rebuilds")
    parser.add_argument("project", type=Path)
    parser.add_argument("prose", type=Path, help="the prose file to edit")
    parser.add_argument("--edits", type=int, default=7)
    parser.add_argument("--formats", default="html,pdf,docx")
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    args = parser.parse_args()
    result = stages(args.project, args.prose, args.edits, args.formats.split(","))
    if args.json:
        json.dump(result, sys.stdout)
    else:
        print(table({args.project.name: result}))


if __name__ == "__main__":
    main()
