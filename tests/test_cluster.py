"""``make-report P1 P2 … --cluster ADDRESS``: a catalogue built on a Dask cluster.

One run on a ``distributed.LocalCluster`` (worker processes, loopback only) builds every
example, 20 generated projects (bench/catalogue.py) and one broken project; one worker
is killed while it runs. Its outputs are compared byte for byte with a local batch build
of the same projects, both with SOURCE_DATE_EPOCH set.
"""

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
sys.path.append(str(REPO / "bench"))  # last: bench/profile.py must not hide the stdlib's
import catalogue  # noqa: E402  (bench/catalogue.py: the generated projects)

EXAMPLES = sorted(p.parent for p in (REPO / "examples").glob("*/report.yaml"))
SUFFIXES = (".html", ".pdf", ".docx")
BROKEN = "id: IN19999\ntitle: Broken\ndate: 2022-22-03\nsections: []\n"


def _command(projects: list[Path], out: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crsreport", *map(str, projects), "--out", str(out), *args]


def _env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in SUFFIXES}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The local build and the cluster build (a worker killed midway) of one catalogue."""
    from distributed import Client

    root = tmp_path_factory.mktemp("cluster")
    broken = root / "broken"
    broken.mkdir()
    (broken / "report.yaml").write_text(BROKEN, encoding="utf-8")
    projects = [*EXAMPLES, *catalogue.write_catalogue(root / "generated", 20), broken]
    local = subprocess.run(
        _command(projects, root / "local", "--jobs", "2", "--quiet"),
        env=_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    with catalogue.local_cluster() as cluster, Client(cluster) as client:
        out = root / "cluster"
        process = subprocess.Popen(
            _command(projects, out, "--cluster", cluster.scheduler_address),
            env=_env(),
            stderr=subprocess.PIPE,
            text=True,
        )
        killed = _kill_a_worker_midway(client, process, out)
        _, stderr = process.communicate(timeout=900)
    return {
        "local": local,
        "cluster": process,
        "stderr": stderr,
        "killed": killed,
        "projects": projects,
        "outs": {name: _outputs(root / name) for name in ("local", "cluster")},
    }


def _kill_a_worker_midway(client: object, process: subprocess.Popen, out: Path) -> bool:
    """SIGKILL one worker once the first project's outputs are written; True if the run
    was still going then."""
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline:
        if out.is_dir() and any(p.suffix == ".pdf" for p in out.iterdir()):
            pid = sorted(client.run(os.getpid).values())[0]  # type: ignore[attr-defined]
            os.kill(pid, signal.SIGKILL)
            return process.poll() is None
        time.sleep(0.05)
    return False


def test_a_worker_killed_midway_loses_no_project(runs):
    assert runs["killed"], "the run ended before a worker could be killed"
    good = [p for p in runs["projects"] if p.name != "broken"]
    assert len(good) == len(EXAMPLES) + 20
    for project in good:
        line = next(
            (x for x in runs["stderr"].splitlines() if x.endswith(")") and f" {project}: " in x),
            "",
        )
        assert line.startswith("ok "), f"{project}: {line or 'no summary line'}"
    assert len(runs["outs"]["cluster"]) == 3 * len(good)


def test_the_cluster_gives_the_bytes_of_a_local_build(runs):
    local, cluster = runs["outs"]["local"], runs["outs"]["cluster"]
    assert len(local) == 3 * (len(EXAMPLES) + 20)
    assert sorted(cluster) == sorted(local)
    differ = [name for name in local if cluster[name] != local[name]]
    assert not differ


def test_a_broken_project_fails_with_its_located_message_and_exit_2(runs):
    assert runs["local"].returncode == 2, runs["local"].stderr
    assert runs["cluster"].returncode == 2, runs["stderr"][-2000:]
    located = [x for x in runs["stderr"].splitlines() if "report.yaml:3" in x]
    assert located and "is not a valid date" in located[0]
    assert located[0] in runs["local"].stderr  # the same message as a local build
    assert "Traceback" not in runs["stderr"]
    assert "cluster: " in runs["stderr"]  # progress: tasks done and failed
