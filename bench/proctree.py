"""Run a command and measure it whole: wall time, CPU time and peak memory of its process tree."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
INTERVAL = 0.01


@dataclass(frozen=True)
class Sample:
    """One run: wall seconds, peak memory of the tree (summed PSS), largest single RSS
    (bytes), and CPU seconds (user + system) of the process and every child it waited for."""

    wall: float
    tree_memory: int
    max_rss: int
    returncode: int
    cpu: float = 0.0


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's list)."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def memory(pid: int) -> int:
    """Proportional set size of ``pid`` in bytes (pages shared after fork count once in
    total), or its resident set size where PSS cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_memory(pid: int) -> int:
    """Summed memory (PSS) of ``pid`` and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += memory(current)
        stack += children(current)
    return total


def run_measured(
    cmd: list[str], env: dict[str, str] | None = None, *, sample: bool = False
) -> Sample:
    """Run ``cmd`` (output discarded). With ``sample``, read its tree's memory every 10 ms
    until it exits — which slows a busy tree down, so timed runs do not sample."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(INTERVAL):
            peak[0] = max(peak[0], tree_memory(proc.pid))

    sampler = threading.Thread(target=watch, daemon=True)
    if sample:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if sample:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    max_rss = usage.ru_maxrss * 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(wall, max(peak[0], max_rss), max_rss, proc.returncode, cpu)
