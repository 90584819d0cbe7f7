"""``make-report`` leaves by ``cli.leave``: exit handlers run and output flushed, then the
process ends without the interpreter's teardown, unless another thread still runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LEAVE = """
import atexit, sys, threading, time
from pathlib import Path
from crsreport.cli import leave
done = Path(sys.argv[1])
atexit.register(lambda: (done / "handler").write_text("ran"))
if sys.argv[2] == "thread":
    def late():
        time.sleep(0.3)
        (done / "thread").write_text("finished")
    threading.Thread(target=late).start()
sys.stdout.write("no newline, still buffered")
leave(3)
"""


def run(tmp_path: Path, mode: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered
    return subprocess.run(
        [sys.executable, "-c", LEAVE, str(tmp_path), mode],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip


def test_leave_runs_the_exit_handlers_and_flushes_the_output(tmp_path):
    done = run(tmp_path, "alone")
    assert done.returncode == 3, done.stderr
    assert done.stdout == "no newline, still buffered"
    assert (tmp_path / "handler").read_text() == "ran"


def test_leave_waits_for_a_running_thread_as_python_does(tmp_path):
    done = run(tmp_path, "thread")
    assert done.returncode == 3, done.stderr
    assert (tmp_path / "thread").read_text() == "finished"
    assert (tmp_path / "handler").read_text() == "ran"
