"""Garbage collection during a build: less often, and never through a worker's
inherited pages (``workers.fewer_collections`` and the freeze at each fork)."""

from __future__ import annotations

import gc
import os

from crsreport import workers


def test_a_build_collects_less_often_and_restores_the_thresholds():
    before = gc.get_threshold()
    with workers.fewer_collections():
        assert gc.get_threshold()[0] == max(workers.GC_YOUNG, before[0])
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def _frozen_in_a_child() -> int:
    """How many objects a process forked now finds frozen."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, str(gc.get_freeze_count()).encode())
        os._exit(0)
    os.close(write)
    frozen = int(os.read(read, 32) or b"0")
    os.close(read)
    os.waitpid(pid, 0)
    return frozen


def test_a_worker_forked_by_a_build_leaves_inherited_objects_alone_and_the_parent_thaws():
    assert gc.get_freeze_count() == 0
    with workers.fewer_collections():
        assert _frozen_in_a_child() > 1000
        assert gc.get_freeze_count() == 0
    assert _frozen_in_a_child() == 0, "a fork outside a build is the program's own"


def test_a_program_that_froze_objects_itself_keeps_them_frozen():
    gc.freeze()
    try:
        kept = gc.get_freeze_count()
        with workers.fewer_collections():
            _frozen_in_a_child()
        assert abs(gc.get_freeze_count() - kept) < 100, "thawed by the fork"
    finally:
        gc.unfreeze()
