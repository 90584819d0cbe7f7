"""Rendering formats side by side in forked worker processes, started before the figures.

Each format's worker forks as soon as the tree is resolved and imports its
renderer's libraries (WeasyPrint for PDF…) while the figures are drawn; it
renders once the figure files it needs are in the cache. Each renderer runs with
its own warning recorder; the warnings come back with the bytes and are given by
the parent in format order, so a parallel build prints and returns exactly what
a serial one does. Bad input found by any renderer is raised once, as in a
serial build.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from ..assets import FORMATS_NEEDED, Assets, read_figures
from ..errors import Location, Problem, ReportError, Warnings
from ..tree import Node
from ..workers import can_fork, pool
from . import FORMATS, RenderContext

COST = {"pdf": 3.0, "html": 2.0, "docx": 1.0}
"""Rough relative render times: the slowest format starts first."""
NICE = 10
"""Niceness of work off the critical path (formats other than the slowest, PNG figures)."""
PRELOAD = {"pdf": ("weasyprint",), "html": ("fontTools.subset",), "docx": ("docx",)}
"""Libraries a format's worker imports while the figures are being drawn."""
Draw = Callable[[list[str], Executor | None], Assets]
"""Draws the figures some formats need (in the executor, if one is given)."""


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
    """What the workers inherit: the tree, the context, and when figures are ready."""

    doc: Node
    ctx: RenderContext
    cache: Path
    ready: dict[str, Any]  # figure file type -> event set once drawn
    abort: Any  # event set when drawing failed


_JOB: Job | None = None
"""Set before the workers fork, so the tree is inherited, never pickled."""


def render_one(name: str) -> Rendered:
    """Render format ``name`` of the current job once its figures are drawn."""
    job = _JOB
    assert job is not None
    for module in PRELOAD.get(name, ()):
        importlib.import_module(module)
    kind = FORMATS_NEEDED.get(name)
    if kind:
        job.ready[kind].wait()
    if job.abort.is_set():
        return Rendered()
    figures = read_figures(job.doc, [name], job.cache)
    recorder = Recorder()
    ctx = replace(job.ctx, warnings=recorder, assets=Assets(files=figures))
    try:
        data = FORMATS[name].renderer()(job.doc, ctx)
    except ReportError as exc:
        return Rendered(problems=exc.problems)
    return Rendered(data, recorder.seen)


def render_formats(
    doc: Node, ctx: RenderContext, names: list[str], cache: Path, draw: Draw, jobs: int
) -> tuple[dict[str, Rendered], Assets]:
    """Draw the figures with ``draw`` and render ``names``; return the renders and figures.

    With ``jobs`` > 1 and more than one format, each format has its own worker and
    figures are drawn by up to ``jobs`` more.
    """
    global _JOB
    parallel = jobs > 1 and len(names) > 1 and can_fork()
    event = _fork_event if parallel else threading.Event
    _JOB = Job(doc, ctx, cache, {"svg": event(), "png": event()}, event())
    try:
        if not parallel:
            assets = _draw(draw, names, None)
            return {name: render_one(name) for name in names}, assets
        with pool(len(names) + jobs) as executor:
            first, *rest = sorted(names, key=_cost)
            futures = {first: executor.submit(render_one, first)}
            futures.update({n: executor.submit(_niced, render_one, n) for n in rest})
            assets = _draw(draw, names, executor)
            return {name: futures[name].result() for name in names}, assets
    finally:
        _JOB = None


def _fork_event() -> Any:
    import multiprocessing

    return multiprocessing.get_context("fork").Event()


def _cost(name: str) -> float:
    return -COST.get(name, 0.0)


def _niced(func: Callable[[Any], Any], arg: Any) -> Any:
    """``func(arg)`` at a lower CPU priority: off the critical path, it yields the cores."""
    os.nice(max(0, NICE - os.nice(0)))
    return func(arg)


class _Niced(Executor):
    """Submits to ``inner`` at a lower CPU priority."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        return self.inner.submit(_niced, partial(fn, **kwargs), *args)


def _draw(draw: Draw, names: list[str], executor: Executor | None) -> Assets:
    """SVG first (PDF and HTML wait for it), then PNG; each file type's event set when done.

    In workers, PNG (for DOCX, the quickest format) is drawn at a lower priority.
    """
    assert _JOB is not None
    merged = Assets()
    try:
        for kind, event in _JOB.ready.items():
            wanted = [n for n in names if FORMATS_NEEDED.get(n) == kind]
            if wanted:
                niced = _Niced(executor) if executor and kind == "png" else executor
                _merge(merged, draw(wanted, niced))
            event.set()
    except BaseException:
        _JOB.abort.set()
        for event in _JOB.ready.values():
            event.set()
        raise
    return merged


def _merge(into: Assets, more: Assets) -> None:
    into.files.update(more.files)
    into.drawn += [i for i in more.drawn if i not in into.drawn]
    into.reused = [i for i in dict.fromkeys(into.reused + more.reused) if i not in into.drawn]


def collect(results: dict[str, Rendered], warnings: Warnings) -> None:
    """Give every format's warnings, then raise all their problems at once."""
    problems: list[Problem | str] = []
    for rendered in results.values():
        for problem in rendered.warnings:
            warnings.warn(problem.where, problem.message)
        problems += rendered.problems
    if problems:
        raise ReportError(list(dict.fromkeys(problems)))  # type: ignore[arg-type]
