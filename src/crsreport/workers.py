"""Worker processes: run a function over items in forked processes when that pays."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # imported when a pool is needed: a build with nothing to do needs none
    from concurrent.futures import Executor, ProcessPoolExecutor

T = TypeVar("T")


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


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` forked processes."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def run(
    func: Callable[[Any], T],
    items: Iterable[Any],
    jobs: int,
    cost: Callable[[Any], float] | None = None,
    executor: Executor | None = None,
) -> list[T]:
    """``func`` over ``items``, results in order: in ``executor``, in up to ``jobs`` forked
    workers, or here when one process is enough.

    Items with the highest ``cost`` start first. A worker's exception is raised
    here, as if the call had been made in this process.
    """
    items = list(items)
    order = sorted(range(len(items)), key=lambda i: -cost(items[i]) if cost else i)
    if executor is not None:
        return _gather(executor, func, items, order)
    workers = min(jobs, len(items))
    if workers <= 1 or not can_fork():
        return [func(item) for item in items]
    with pool(workers) as own:
        return _gather(own, func, items, order)


def _gather(executor: Executor, func: Callable[[Any], T], items: list, order: list[int]) -> list[T]:
    futures = {i: executor.submit(func, items[i]) for i in order}
    return [futures[i].result() for i in range(len(items))]
