"""Cold builds of two or more revisions of crsreport, alternated, side by side.

    .venv/bin/python bench/ab.py main HEAD --runs 11             # the flagship
    .venv/bin/python bench/ab.py main HEAD --project examples/report

Each revision is checked out into a temporary worktree, its bytecode compiled (as
installing it would), and ``python -m crsreport PROJECT --out DIR --quiet`` run cold
(no output folder) with that worktree's ``src`` first on the path: one run of each
revision in turn, ``--runs`` times, so that a change in the machine's load falls on
every revision alike. Prints each revision's median wall time and CPU (user + system
of the whole process tree, workers included) with the fastest run in brackets.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from proctree import run_measured  # bench/ is on sys.path: this script's own folder
from run import ROOT, crsreport_cmd


def checkout(revision: str, folder: Path) -> Path:
    """``revision`` as a detached worktree in ``folder``, bytecode compiled."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(folder), revision],
        check=True,
    )
    compileall.compile_dir(folder / "src" / "crsreport", quiet=1)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revisions", nargs="+", help="git revisions (two or more)")
    parser.add_argument("--runs", type=int, default=11, help="cold builds per revision")
    parser.add_argument("--project", type=Path, default=ROOT, help="default: the flagship")
    args = parser.parse_args()
    times: dict[str, list[tuple[float, float]]] = {rev: [] for rev in args.revisions}
    with tempfile.TemporaryDirectory(prefix="crsreport-ab-") as tmp:
        trees = {rev: checkout(rev, Path(tmp) / f"tree{i}") for i, rev in enumerate(times)}
        out = Path(tmp) / "out"
        try:
            for _ in range(args.runs):
                for rev, tree in trees.items():
                    shutil.rmtree(out, ignore_errors=True)
                    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
                    sample = run_measured(crsreport_cmd(args.project, out), env=env)
                    if sample.returncode != 0:
                        raise SystemExit(f"ab: {rev}: the build failed ({sample.returncode})")
                    times[rev].append((sample.wall, sample.cpu))
        finally:
            for tree in trees.values():
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)])
    print(f"{args.runs} alternated cold builds of {args.project}, load {os.getloadavg()[0]:.2f}")
    for rev, samples in times.items():
        wall, cpu = [s[0] for s in samples], [s[1] for s in samples]
        print(
            f"{rev:>20}  wall {statistics.median(wall):.2f} s ({min(wall):.2f})"
            f"  CPU {statistics.median(cpu):.2f} s ({min(cpu):.2f})"
        )


if __name__ == "__main__":
    main()
