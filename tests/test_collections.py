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


def test_a_forked_worker_leaves_inherited_objects_alone_and_the_parent_thaws():
    assert gc.get_freeze_count() == 0
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: everything it inherited is frozen
        os.write(write, str(gc.get_freeze_count()).encode())
        os._exit(0)
    os.close(write)
    frozen_in_child = int(os.read(read, 32) or b"0")
    os.close(read)
    os.waitpid(pid, 0)
    assert frozen_in_child > 1000
    assert gc.get_freeze_count() == 0


def test_a_program_that_froze_objects_itself_keeps_them_frozen():
    gc.freeze()
    try:
        kept = gc.get_freeze_count()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        assert gc.get_freeze_count() == kept
    finally:
        gc.unfreeze()
