"""Worker processes behind one interface: a ``concurrent.futures.Executor``.

Everything parallel (figures, formats, projects) is submitted to an executor; locally
that is a ``ProcessPoolExecutor`` of forked workers whose initializer ties each worker's
life to its parent's, keeps what the jobs share (``state``: inherited at the fork, so
never pickled) and imports the libraries they need. A catalogue can run on a Dask
cluster instead (``cluster.py``), through the same interface.
"""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a worker is needed: a build with nothing to do needs none
    from concurrent.futures import ProcessPoolExecutor

NICE = 5
"""Niceness of work off a build's critical path (see ``lower_priority``)."""
PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process gets when the thread that forked it ends."""

GC_YOUNG = 50_000
"""Objects allocated before a young-generation collection while building (Python's
default is 700): a build allocates millions of short-lived objects (imports, layout
boxes) and the default spends a tenth of its CPU collecting them; measured in
docs/benchmarks.md."""

state: Any = None
"""What a worker's jobs share (the resolved tree…): set by the initializer."""


def cpu_count() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether workers can inherit the parent's state (the fork start method)."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def executor(workers: int, preload: Iterable[str] = (), shared: Any = None) -> ProcessPoolExecutor:
    """A pool of ``workers`` forked processes that die with this one, each holding
    ``shared`` (as ``workers.state``) and having imported ``preload``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=max(1, workers),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_initialize,
        initargs=(os.getpid(), tuple(preload), shared),
    )


def stop(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down at once, its workers killed rather than waited for: after bad
    input a cold build's early workers are still importing their libraries (up to a
    second), and nothing they hold is wanted. A file a killed worker was writing stays
    a ``.tmp`` of a dead process, which ``output`` sweeps. Python 3.14 has
    ``kill_workers``; before it, the pool's own table of processes is read."""
    kill = getattr(pool, "kill_workers", None)
    if callable(kill):
        kill()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.kill()
    # Waiting is quick with the workers dead, and needed: the pool's thread closes its
    # wake-up pipe as it ends, which Python 3.11's exit hook may write to meanwhile.
    pool.shutdown(cancel_futures=True)


def tell() -> None:
    """Wake what waits on this worker's shared state (its ``tell``), if anything does: a
    figure drawn in a worker wakes the PDF's worker waiting to paint it."""
    getattr(state, "tell", lambda: None)()


def _initialize(parent: int, modules: tuple[str, ...], shared: Any) -> None:
    global state
    die_with_parent(parent)
    state = shared
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # the job meets the same error and reports it
            break


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies (SIGTERM, SIGKILL or a
    crash), so no worker outlives a killed ``make-report``; exit now if it already has."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # died before the signal was asked for
        os._exit(1)


def _prctl(option: int, value: int) -> int:
    """prctl(2) from the C library already loaded (no search for it); -1 where there is
    none (not Linux)."""
    import ctypes

    try:
        return int(ctypes.CDLL(None).prctl(option, value, 0, 0, 0))
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return -1


def lower_priority(steps: int = NICE) -> None:
    """Run this (worker) process ``steps`` below normal priority: work off the critical
    path then yields the cores to the work on it."""
    os.nice(max(0, steps - os.nice(0)))


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within the block (a build), collect garbage less often (``GC_YOUNG``), and freeze
    this process's objects at each fork (see ``_freeze``); both come back after it.
    Workers forked inside the block inherit the setting."""
    global _building
    before = gc.get_threshold()
    gc.set_threshold(max(GC_YOUNG, before[0]), *before[1:])
    _building += 1
    try:
        yield
    finally:
        _building -= 1
        gc.set_threshold(*before)


_building = 0
"""How many builds this process is inside (``fewer_collections``)."""
_frozen = False


def _freeze() -> None:
    """Before a fork during a build: freeze this process's objects, so that the worker's
    collections neither walk nor copy (copy on write) the pages it inherited; thawed in
    this process after the fork. Other forks, and a program that froze objects itself,
    are left alone."""
    global _frozen
    _frozen = _building > 0 and gc.get_freeze_count() == 0
    if _frozen:
        gc.freeze()


def _thaw() -> None:
    if _frozen:
        gc.unfreeze()


os.register_at_fork(before=_freeze, after_in_parent=_thaw)
