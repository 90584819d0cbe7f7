"""Batch builds: ``make-report P1 P2 … --jobs N`` builds many projects side by side.

Each project builds in its own worker process; one that fails does not stop the
others. Its problems are printed as they come, then one summary line per project,
in the order given. The exit code is 0 when every project built, 2 when every
failure was bad input, else 1.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Location, Problem, ReportError
from .sourcemap import parse_yaml
from .stamp import project_file
from .workers import cpu_count, executor

log = logging.getLogger("crsreport")


@dataclass(frozen=True)
class Task:
    """One project to build, and how."""

    project: str
    formats: tuple[str, ...]
    out: Path | None
    strict: bool
    jobs: int
    label: str = ""
    """How messages name the project (default: ``project``)."""
    include_roots: tuple[Path, ...] = ()


@dataclass
class Outcome:
    """How one project's build went."""

    project: str
    status: str  # "built", "input" (bad input) or "bug"
    message: str = ""
    report_id: str = ""
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """The project's one summary line."""
        if self.status != "built":
            what = "bad input" if self.status == "input" else "internal error"
            return f"failed  {self.project}: {what} (see above)"
        parts = [f"{', '.join(self.rendered)} built"] if self.rendered else ["up to date"]
        if self.skipped:
            parts.append(f"{', '.join(self.skipped)} unchanged")
        return f"ok      {self.project}: {self.report_id} {'; '.join(parts)} ({self.seconds:.1f} s)"


def batch(
    projects: list[str],
    formats: list[str],
    out: Path | None = None,
    *,
    strict: bool = False,
    jobs: int | None = None,
    include_roots: tuple[Path, ...] = (),
) -> int:
    """Build every project, ``jobs`` at a time; print a summary line each; return the exit code."""
    check_distinct(projects, out)
    workers = max(1, min(jobs or cpu_count(), len(projects)))
    per_build = max(1, cpu_count() // workers)
    tasks = [Task(p, tuple(formats), out, strict, per_build, include_roots) for p in projects]
    if workers == 1:
        outcomes = [build_one(task) for task in tasks]
    else:
        with executor(workers) as pool:
            outcomes = list(pool.map(build_one, tasks))
    for outcome in outcomes:
        print(outcome.summary(), file=sys.stderr)
    return exit_code(outcomes)


def check_distinct(projects: list[str], out: Path | None) -> None:
    """Refuse, before anything is built, two projects that would write the same files
    (the same id into one output folder): the second would silently replace the first."""
    seen: dict[tuple[Path, str], str] = {}
    problems: list[Problem | str] = []
    for project in projects:
        file = project_file(project)
        report_id = _report_id(file)
        if report_id is None:
            continue  # unreadable: its own build reports why
        folder = (out or file.parent / "build").resolve()
        first = seen.setdefault((folder, report_id), str(file))
        if first != str(file):
            where = Location(str(file), None, "id")
            problems.append(
                Problem(
                    where,
                    f"'{report_id}' is also the id of {first}; both would write "
                    f"{report_id}.* into {folder}: give each project its own --out",
                )
            )
    if problems:
        raise ReportError(problems)


def _report_id(file: Path) -> str | None:
    """The ``id`` a report file declares, or None when it cannot be read here."""
    try:
        data, _ = parse_yaml(file.read_text(encoding="utf-8"), file.name)
    except (OSError, ValueError, ReportError):
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def exit_code(outcomes: list[Outcome]) -> int:
    """0 when all built, 2 when every failure was bad input, else 1."""
    failed = [o for o in outcomes if o.status != "built"]
    if not failed:
        return 0
    return 2 if all(o.status == "input" for o in failed) else 1


def build_one(task: Task) -> Outcome:
    """Load and build one project; its problems are printed here, never raised."""
    from .build import build
    from .load import load_report

    started = time.monotonic()
    label = task.label or task.project
    with _prefixed(label):
        try:
            report = load_report(task.project, include_roots=task.include_roots)
            result = build(report, task.formats, task.out, strict=task.strict, jobs=task.jobs)
        except ReportError as exc:
            print(f"make-report: error: {label}: {exc}", file=sys.stderr)
            return Outcome(label, "input", str(exc))
        except Exception:
            traceback.print_exc()
            print(f"make-report: internal error in {label}", file=sys.stderr)
            return Outcome(label, "bug", traceback.format_exc())
    seconds = time.monotonic() - started
    return Outcome(label, "built", "", report.id, result.rendered, result.skipped, seconds)


@contextmanager
def _prefixed(label: str) -> Iterator[None]:
    """Progress and warnings lines start with the project while it builds."""
    saved = [(h, h.formatter) for h in log.handlers]
    for handler, _ in saved:
        handler.setFormatter(logging.Formatter(f"{label}: %(message)s"))
    try:
        yield
    finally:
        for handler, formatter in saved:
            handler.setFormatter(formatter)
