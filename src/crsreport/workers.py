"""Worker processes: forked, one job each, gone (with their memory) as soon as it is done.

A worker inherits the parent's state by fork, so its function and arguments are
never pickled; only its result comes back, through a pipe. An exception in a
worker is raised again in the parent, with the worker's traceback as its cause.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when a worker is needed: a build with nothing to do needs none
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")
NICE = 5
"""Niceness of work off a build's critical path (see ``lower_priority``)."""


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


class RemoteTraceback(Exception):
    """A worker's traceback, as text (the cause of the exception raised again here)."""

    def __str__(self) -> str:
        return f"\n\n(in a worker process)\n{self.args[0]}"


@dataclass
class Worker:
    """A forked process computing one result."""

    process: BaseProcess
    conn: Connection

    def result(self) -> Any:
        """Wait for the result; raise the worker's exception if it had one."""
        try:
            ok, value, trace = self.conn.recv()
        except EOFError:
            self.process.join()
            raise RuntimeError(
                f"worker process {self.process.pid} died (exit code {self.process.exitcode})"
            ) from None
        finally:
            self.conn.close()
        self.process.join()
        if ok:
            return value
        raise value from RemoteTraceback(trace)


def start(func: Callable[..., Any], *args: Any, nice: int = 0) -> Worker:
    """Fork a worker computing ``func(*args)``, ``nice`` steps below normal priority."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_serve, args=(sender, func, args, nice))
    process.start()
    sender.close()
    return Worker(process, receiver)


@dataclass
class Standby:
    """A worker forked before its work is known: it imports modules while the parent
    prepares the work, then computes ``func(shared, *args)`` sent over a pipe. ``shared``
    (an Event) is inherited at the fork, since it cannot travel through a pipe."""

    process: BaseProcess
    jobs: Connection
    results: Connection
    shared: Any

    def submit(self, func: Callable[..., Any], *args: Any) -> Worker:
        """Hand over the work (pickled); the Worker gives its result."""
        self.jobs.send((func, args))
        self.jobs.close()
        return Worker(self.process, self.results)

    def cancel(self) -> None:
        """Stop the worker: its work will not come."""
        self.jobs.close()
        self.results.close()
        self.process.kill()
        self.process.join()


def standby(modules: Iterable[str]) -> Standby:
    """Fork a worker that imports ``modules`` and waits for ``Standby.submit``."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    shared = context.Event()
    job_out, job_in = context.Pipe(duplex=False)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_wait, args=(job_out, sender, tuple(modules), shared))
    process.start()
    job_out.close()
    sender.close()
    return Standby(process, job_in, receiver, shared)


def _wait(jobs: Connection, conn: Connection, modules: tuple[str, ...], shared: Any) -> None:
    import importlib

    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # the parent meets the same error and reports it
            break
    try:
        func, args = jobs.recv()
    except EOFError:  # cancelled
        return
    except Exception as exc:  # the work did not unpickle here: say so, not just die
        conn.send((False, RuntimeError(f"standby worker: {exc!r}"), traceback.format_exc()))
        return
    _serve(conn, func, (shared, *args), 0)


def _serve(conn: Connection, func: Callable[..., Any], args: tuple, nice: int) -> None:
    if nice:
        os.nice(nice)
    try:
        reply = (True, func(*args), "")
    except BaseException as exc:
        reply = (False, exc, traceback.format_exc())
    try:
        conn.send(reply)
    except Exception:  # the exception would not pickle: send what it said
        conn.send((False, RuntimeError(repr(reply[1])), reply[2]))
    conn.close()


def gather(workers: Iterable[Worker]) -> list[Any]:
    """Every worker's result, in order, received as each finishes (so each can exit)."""
    from multiprocessing.connection import wait

    listed = list(workers)
    pending = {w.conn: i for i, w in enumerate(listed)}
    results: dict[int, Any] = {}
    errors: list[BaseException] = []
    while pending:
        for conn in wait(list(pending)):
            index = pending.pop(conn)  # type: ignore[call-overload]
            try:
                results[index] = listed[index].result()
            except BaseException as exc:
                errors.append(exc)
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(listed))]


def run(func: Callable[[Any], T], items: Iterable[Any], jobs: int, fork: bool = False) -> list[T]:
    """``func`` over ``items``, results in order: shared among up to ``jobs`` workers,
    or computed here when one process is enough and ``fork`` does not ask for one."""
    items = list(items)
    count = max(1, min(jobs, len(items)))
    if not items or not can_fork() or (count == 1 and not fork):
        return [func(item) for item in items]
    chunks = [items[i::count] for i in range(count)]
    done = gather([start(_each, func, chunk) for chunk in chunks])
    results: list[Any] = [None] * len(items)
    for i, chunk_results in enumerate(done):
        results[i::count] = chunk_results
    return results


def lower_priority(steps: int = NICE) -> None:
    """Run this (worker) process ``steps`` below normal priority: work off the critical
    path then yields the cores to the work on it."""
    os.nice(max(0, steps - os.nice(0)))


def _each(func: Callable[[Any], T], items: list[Any]) -> list[T]:
    return [func(item) for item in items]


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` forked processes, for jobs of very different sizes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
