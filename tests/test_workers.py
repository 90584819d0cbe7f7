"""Worker processes die with ``make-report``: none keeps running after it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
GRACE = 2.0
"""Seconds after the kill by which every worker must be gone (issue 18, item 13)."""


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, read from /proc."""
    found: set[int] = set()
    stack = [pid]
    while stack:
        for task in _tasks(stack.pop()):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            found.update(children)
            stack += children
    return found


def _tasks(pid: int) -> list[Path]:
    try:
        return list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []


def alive(pid: int) -> bool:
    """Running (a zombie waiting for init to reap it runs no more)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_no_worker_outlives_a_killed_build(tmp_path, sig):
    command = [sys.executable, "-m", "crsreport", str(REPO), "--out", str(tmp_path), "-q"]
    process = subprocess.Popen(
        [*command, "--jobs", "3"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    try:  # kill it once it has forked its workers: the PDF's, then the pool's
        while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
            workers |= descendants(process.pid)
            time.sleep(0.01)
        assert len(workers) >= 2, "the build never forked its workers"
        os.kill(process.pid, sig)  # the parent alone, not its process group
        process.wait(timeout=30)
        time.sleep(GRACE)
        assert not [pid for pid in workers if alive(pid)]
    finally:
        for pid in workers | descendants(process.pid):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.kill()
        process.wait()


def test_stop_kills_a_pool_s_workers_instead_of_waiting_for_them(tmp_path, monkeypatch):
    """``workers.stop`` (after bad input in a cold build): a worker still importing its
    libraries is killed, not waited for."""
    from crsreport.workers import executor, stop

    (tmp_path / "slow_library.py").write_text("import time\ntime.sleep(60)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    pool = executor(1, ("slow_library",))
    pool.submit(int)  # forks the worker, which starts importing
    processes = list(pool._processes.values())
    assert len(processes) == 1
    stop(pool)
    processes[0].join(10)
    assert processes[0].exitcode == -signal.SIGKILL, "the worker was not killed"
    with pytest.raises(RuntimeError):
        pool.submit(int)  # shut down
