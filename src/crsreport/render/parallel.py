"""Rendering formats side by side in worker processes, started before the figures.

The costliest format (``cost``: the PDF) gets a worker of its own, forked with its
record's ``preload`` libraries: once the tree is resolved, or, in a cold build, as soon
as the report is loaded (``early_workers``, with a worker that draws the figures).
Meanwhile the figures are drawn (each its SVG, then its PNG), in that worker or in this
process, and then the other formats render: in this process
when ``jobs`` is 2 (two processes for two cores: no library imported twice), else in
a pool of ``jobs - 1`` more workers, niced so that on few cores they do not slow the
costliest one. A format whose record says ``late`` starts at once and
fetches each figure when it needs it (the PDF: when it paints it, having laid the page
out around the size the figure's spec gives): this process tells it (a shared
condition) as each figure file lands in the cache. Everything here reads the format
records, never names; every pool is a ``concurrent.futures`` executor.

Each renderer runs with its own warning recorder; the warnings come back with
the bytes and are given by the parent in format order, so a parallel build
prints and returns exactly what a serial one does. Bad input found by any
renderer is raised once, as in a serial build.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import workers
from ..assets import Assets, checked, figure_files, figure_nodes, read_figures, ready, undrawn
from ..errors import Location, Problem, ReportError, Warnings
from ..tree import Node
from ..workers import NICE, can_fork, executor, lower_priority
from . import FORMATS, RenderContext, by_cost, images_for

DRAWER = "crsreport.figures.drawer"
"""What a drawing worker imports first (matplotlib, without its docstring tables)."""

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from ..model import Report

Printed = Callable[[], "bytes | None"]
"""Gives the output of the format a format ``follows`` (waiting for it), or None."""
Draw = Callable[[list[str], "Executor | None", "Callable[[], None] | None"], Assets]
"""Draws the figures the formats need: here, or as jobs of an executor, telling a
callback as each file is drawn."""
WAIT = 1.0
"""Seconds a late format waits for word of a drawn figure before it looks again."""


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
    """What a format needs besides its name: the tree, the context, the figure cache."""

    doc: Node
    ctx: RenderContext
    cache: Path


@dataclass
class Signals:
    """How this process tells a late format's worker that a figure file was drawn, or
    that drawing failed: inherited at the fork (they cannot be pickled)."""

    abort: Any  # an Event
    drawn: Any  # a Condition

    def tell(self) -> None:
        """A figure file is in the cache: wake the waiting worker."""
        with self.drawn:
            self.drawn.notify_all()

    def stop(self) -> None:
        """Drawing failed: the waiting worker gives up (the parent reports the error)."""
        self.abort.set()
        self.tell()


@dataclass
class Shared:
    """What the workers of a build inherit at the fork: the signals and the job."""

    signals: Signals
    job: Job

    def tell(self) -> None:
        """A figure file is in the cache (drawn in this worker): see ``workers.tell``."""
        self.signals.tell()


@dataclass
class Early:
    """Workers forked as soon as the report is loaded, before it is resolved, so that
    their libraries are imported meanwhile: one to draw the figures (``drawing``: it
    imports matplotlib, which no other process then does) and one to render the
    costliest format (``lead``, given the resolved tree when there is one). They share
    the build's ``signals``."""

    signals: Signals
    drawing: Executor | None = None
    lead: Executor | None = None
    lead_name: str = ""


@contextmanager
def early_workers(report: Report, names: list[str], out: Path, jobs: int) -> Iterator[Early | None]:
    """``Early`` workers for a cold build into ``out`` in workers (``jobs`` > 1): a
    drawing worker when the formats ``names`` need figure files and a figure of the
    loaded ``report`` has none in the cache, and the costliest format's worker when
    there is another format and its output is missing. None when neither is (a warm
    build imports nothing in vain)."""
    kinds = images_for(names)
    first = by_cost(names)[0] if names else ""
    draw = bool(kinds) and undrawn(report, kinds, out / ".cache" / "figures")
    lead = len(names) > 1 and not (out / f"{report.id}{FORMATS[first].suffix}").exists()
    if jobs < 2 or not can_fork() or not (draw or lead):
        yield None
        return
    early = Early(_signals())
    if draw:  # each forks now (its first job): its imports overlap the resolve
        early.drawing = executor(1, (DRAWER,), early.signals)
        early.drawing.submit(int)
    if lead:
        early.lead, early.lead_name = executor(1, FORMATS[first].preload, early.signals), first
        early.lead.submit(int)
    pools = [pool for pool in (early.drawing, early.lead) if pool is not None]
    try:
        yield early
    except BaseException:
        for pool in pools:
            workers.stop(pool)
        raise
    for pool in pools:
        pool.shutdown()


def render_one(
    name: str, job: Job, signals: Signals | None = None, printed: Printed | None = None
) -> Rendered:
    """Render format ``name`` of ``job``; with ``signals``, a late format fetches each
    figure once it is drawn, else every figure it needs is in the cache already.
    ``printed`` gives the output of the format it ``follows``, when the build has it."""
    record = FORMATS[name]
    _import_renderer(name)
    if record.late and signals is not None:
        ids = {node.id: {} for node in figure_nodes(job.doc)}
        assets = Assets(files=ids, late=partial(_when_drawn, job.cache, signals))
    elif signals is not None and not _drawn(job, record.images, signals):
        return Rendered()  # drawing the figures failed: the parent reports it
    else:
        assets = Assets(files=read_figures(job.doc, record.images, job.cache))
    recorder = Recorder()
    ctx = replace(job.ctx, warnings=recorder, assets=assets, printed=printed)
    try:
        data = record.renderer()(job.doc, ctx)
    except ReportError as exc:
        return Rendered(problems=exc.problems)
    return Rendered(data, recorder.seen)


def _drawn(job: Job, kinds: tuple[str, ...], signals: Signals) -> bool:
    """Wait until the figure files of ``kinds`` are drawn; False if drawing failed."""
    files = figure_files(job.doc, kinds, job.cache)
    return all(_when_drawn(job.cache, signals, path.name) is not None for path in files)


def _when_drawn(cache: Path, signals: Signals, name: str) -> bytes | None:
    """The cache file ``name`` once it is drawn; None if drawing failed first."""
    path = cache / name
    with signals.drawn:
        while not ready(path):  # a cache file that fails its checks is being redrawn
            if signals.abort.is_set():
                return None
            signals.drawn.wait(WAIT)
    return None if signals.abort.is_set() else checked(path)


def render_formats(
    doc: Node,
    ctx: RenderContext,
    names: list[str],
    cache: Path,
    draw: Draw,
    jobs: int,
    early: Early | None = None,
) -> tuple[dict[str, Rendered], Assets]:
    """Draw the figures with ``draw`` and render ``names`` (in the ``early`` workers
    when there are); return the renders and figures.

    With ``jobs`` > 1 and more than one format, the costliest format renders in a
    worker of its own while the figures are drawn.
    """
    first, *rest = by_cost(names)
    job = Job(doc, ctx, cache)
    drawing = early.drawing if early is not None else None
    if jobs <= 1 or len(names) <= 1 or not can_fork():
        assets = draw(names, drawing, None)
        results: dict[str, Rendered] = {}
        for name in _followed_first(names):
            given = partial(_output, results, name, ctx.printed)
            results[name] = render_one(name, job, printed=given)
        return {name: results[name] for name in names}, assets
    _import_shared(first, rest)
    shared = Shared(early.signals if early is not None else _signals(), job)
    signals = shared.signals
    if early is not None and early.lead is not None and early.lead_name == first:
        lead = early.lead  # forked before the tree existed: it is sent the job
        leading = lead.submit(
            _render_early_lead, first, replace(job, ctx=replace(ctx, printed=None))
        )
    else:
        lead = executor(1, FORMATS[first].preload, shared)
        leading = lead.submit(_render_lead, first)
    others = executor(jobs - 1, (), shared) if jobs > 2 and rest else None
    with lead, others or nullcontext():
        if others is None and drawing is not None:  # idle till the figures are drawn
            for name in rest:
                _import_renderer(name)
        try:
            assets = draw(names, drawing or others, signals.tell)
        except BaseException:
            signals.stop()
            raise

        def printed() -> bytes | None:  # waited for only by a format that asks
            return leading.result().data or None

        later = [name for name in rest if FORMATS[name].follows == first]
        if others is None:
            results = {
                name: render_one(name, job, printed=printed if name in later else ctx.printed)
                for name in rest
            }
        else:  # a worker cannot wait on this process's future: it is given the bytes
            futures = {n: others.submit(_render_other, n) for n in rest if n not in later}
            futures.update((n, others.submit(_render_other, n, printed())) for n in later)
            results = {name: future.result() for name, future in futures.items()}
        return {first: leading.result(), **results}, assets


def _followed_first(names: list[str]) -> list[str]:
    """``names`` with each format that a later one ``follows`` moved first."""
    followed = {FORMATS[name].follows for name in names}
    return sorted(names, key=lambda name: name not in followed)


def _output(results: dict[str, Rendered], name: str, given: Printed | None) -> bytes | None:
    """The bytes of the format ``name`` follows, if this build rendered it, else those
    the caller gave (a ``--watch`` rebuild's, written by an earlier call)."""
    done = results.get(FORMATS[name].follows or "")
    if done is not None:
        return done.data or None
    return given() if given is not None else None


def _import_renderer(name: str) -> None:
    """Import format ``name``'s libraries and renderer, to render it without a pause."""
    for module in FORMATS[name].preload:
        importlib.import_module(module)
    FORMATS[name].renderer()


def _import_shared(first: str, rest: list[str]) -> None:
    """Import the libraries that the first format's worker and the other formats both
    need before the fork, so that they are imported once, not once per process."""
    needed = {module for name in rest for module in FORMATS[name].preload}
    for module in FORMATS[first].preload:
        if module in needed:
            importlib.import_module(module)


def _render_lead(name: str) -> Rendered:
    shared: Shared = workers.state
    return render_one(name, shared.job, shared.signals)


def _render_early_lead(name: str, job: Job) -> Rendered:
    return render_one(name, job, workers.state)  # the state: the build's signals


def _render_other(name: str, printed: bytes | None = None) -> Rendered:
    lower_priority(NICE)
    job = workers.state.job
    return render_one(name, job, printed=(lambda: printed) if printed else job.ctx.printed)


def _signals() -> Signals:
    import multiprocessing

    context = multiprocessing.get_context("fork")
    return Signals(context.Event(), context.Condition())


def collect(results: dict[str, Rendered], warnings: Warnings) -> None:
    """Give every format's warnings, then raise all their problems at once."""
    problems: list[Problem | str] = []
    for rendered in results.values():
        for problem in rendered.warnings:
            warnings.warn(problem.where, problem.message)
        problems += rendered.problems
    if problems:
        raise ReportError(list(dict.fromkeys(problems)))  # type: ignore[arg-type]
