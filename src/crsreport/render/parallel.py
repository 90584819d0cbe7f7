"""Rendering formats side by side in forked worker processes, started before the figures.

Each format's worker forks as soon as the tree is resolved and imports its
renderer's libraries (its record's ``preload``: WeasyPrint for PDF…) while the figures
are drawn; ``make-report`` forks the costliest format's even earlier (``warm_up``, its
record's ``warm``), before the report is loaded. A format renders once the figure files
it needs (``images``) are in the cache, unless its record says ``late`` (the PDF): then
it starts at once and fetches each figure when it lays it out. The costliest format
(``cost``) keeps normal priority; the others, and PNG drawing, run niced so that on few
cores they do not slow it down. Everything here reads the format records, never names.

Each renderer runs with its own warning recorder; the warnings come back with
the bytes and are given by the parent in format order, so a parallel build
prints and returns exactly what a serial one does. Bad input found by any
renderer is raised once, as in a serial build.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from ..assets import (
    Assets,
    figure_nodes,
    read_figures,
    read_when_drawn,
    wait_for_figures,
)
from ..errors import Location, Problem, ReportError, Warnings
from ..tree import Node
from ..workers import NICE, Standby, Worker, can_fork, cpu_count, gather, standby, start
from . import FORMATS, RenderContext, by_cost

_standby: dict[str, Standby] = {}
Draw = Callable[[list[str], bool], Assets]
"""Draws the figures the formats need (in the background, while they render, if True)."""


class Recorder(Warnings):
    """Warnings kept, not logged: the parent gives them."""

    def warn(self, where: Location, message: str) -> None:
        problem = Problem(where, message)
        if problem not in self.seen:
            self.seen.append(problem)


@dataclass
class Rendered:
    """One format's bytes and warnings, or the problems that stopped it."""

    data: bytes = b""
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem | str] = field(default_factory=list)


@dataclass
class Job:
    """What the workers inherit: the tree, the context, the figure cache, and a flag
    set when drawing the figures failed."""

    doc: Node
    ctx: RenderContext
    cache: Path
    abort: Any  # an Event


def render_one(name: str, job: Job) -> Rendered:
    """Render format ``name`` of ``job`` once the figures it needs are drawn."""
    record = FORMATS[name]
    for module in record.preload:
        importlib.import_module(module)
    if record.late:
        ids = {node.id: {} for node in figure_nodes(job.doc)}
        assets = Assets(files=ids, late=partial(read_when_drawn, job.cache, job.abort))
    elif wait_for_figures(job.doc, record.images, job.cache, job.abort):
        assets = Assets(files=read_figures(job.doc, record.images, job.cache))
    else:
        return Rendered()  # drawing the figures failed: the parent reports it
    recorder = Recorder()
    ctx = replace(job.ctx, warnings=recorder, assets=assets)
    try:
        data = record.renderer()(job.doc, ctx)
    except ReportError as exc:
        return Rendered(problems=exc.problems)
    return Rendered(data, recorder.seen)


def render_formats(
    doc: Node, ctx: RenderContext, names: list[str], cache: Path, draw: Draw, jobs: int
) -> tuple[dict[str, Rendered], Assets]:
    """Draw the figures with ``draw`` and render ``names``; return the renders and figures.

    With ``jobs`` > 1 and more than one format (or a standby worker from ``warm_up``),
    each format has its own worker, the slowest at normal priority, and figures are
    drawn meanwhile in up to ``jobs`` more.
    """
    first, *rest = by_cost(names)
    warm = _standby.pop(first, None) if jobs > 1 else None
    if not warm and (jobs <= 1 or len(names) <= 1 or not can_fork()):
        job = Job(doc, ctx, cache, threading.Event())
        assets = draw(names, False)
        return {name: render_one(name, job) for name in names}, assets
    job = Job(doc, ctx, cache, warm.shared if warm else _fork_event())
    workers = [_start_first(warm, first, job)]
    workers += [start(render_one, name, job, nice=NICE) for name in rest]
    try:
        assets = draw(names, True)
    except BaseException:
        job.abort.set()
        raise
    finally:
        results = gather(workers)  # after a failed drawing too: the workers stop and exit
    return dict(zip([first, *rest], results, strict=True)), assets


def warm_up(names: list[str], jobs: int | None) -> None:
    """Fork the costliest format's worker now, to import its record's ``warm`` modules
    while the report is loaded and resolved; ``render_formats`` hands it the work
    (``cool_down`` stops it if none comes). Names not (yet) registered are passed over."""
    known = [name for name in names if name in FORMATS]
    first = by_cost(known)[0] if known else ""
    warm = FORMATS[first].warm if first else ()
    if warm and (jobs or cpu_count()) > 1 and can_fork():
        _standby[first] = standby(warm)


def cool_down() -> None:
    """Stop standby workers that were given no work."""
    while _standby:
        _standby.popitem()[1].cancel()


def _start_first(warm: Standby | None, name: str, job: Job) -> Worker:
    if warm is not None:
        try:
            return warm.submit(_render_warm, name, replace(job, abort=None))
        except Exception:  # the work would not pickle: start a worker the usual way
            warm.cancel()
    return start(render_one, name, job)


def _render_warm(abort: Any, name: str, job: Job) -> Rendered:
    return render_one(name, replace(job, abort=abort))


def _fork_event() -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork").Event()


def collect(results: dict[str, Rendered], warnings: Warnings) -> None:
    """Give every format's warnings, then raise all their problems at once."""
    problems: list[Problem | str] = []
    for rendered in results.values():
        for problem in rendered.warnings:
            warnings.warn(problem.where, problem.message)
        problems += rendered.problems
    if problems:
        raise ReportError(list(dict.fromkeys(problems)))  # type: ignore[arg-type]
