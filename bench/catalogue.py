"""A catalogue benchmark: N synthetic projects built one after another, with --jobs 2, and
on a Dask ``LocalCluster`` of 2 single-thread workers on this machine.

    .venv/bin/python bench/catalogue.py 24                # prints rates as JSON
    .venv/bin/python bench/catalogue.py 24 --write DIR    # only writes the projects

The projects mix In Focus, Insight and Report (every third of each), each with a drawn
figure, a pipe table and notes; the text is pseudo-random but fixed by the seed.
``tests/test_cluster.py`` builds the same projects. CPU is the user + system time of
every process of a run (the command and all its children; for the cluster, its workers,
read from the worker processes before and after the run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import synth  # bench/ is on sys.path: this script's own folder

PYTHON = Path(sys.executable)
KINDS = (("IF1", "In Focus"), ("IN1", "Insight"), ("R4", "Report"))


def project_files(n: int, seed: int = 7) -> dict[str, str]:
    """Project ``n`` (0-based) of the catalogue, as file name -> text."""
    rng = random.Random(seed * 1000 + n)
    prefix, _ = KINDS[n % len(KINDS)]
    number = f"{prefix}{n:04d}" if prefix != "R4" else f"R4{n:04d}"
    paragraphs = 2 if prefix == "IN1" else 4 if prefix == "IF1" else 8
    prose = [synth.paragraph(rng, 90) for _ in range(paragraphs)]
    if prefix == "R4":  # a Report carries footnotes; the others print notes inline
        prose[0] += "[^a]"
        prose.append(f"[^a]: {synth.sentence(rng)}")
    prose.insert(1, synth.table(rng, n))
    yaml = "\n".join(
        [
            f"id: {number}",
            f'title: "Catalogue Product {n}: {synth.sentence(rng)[:60].rstrip(".")}"',
            "date: 2022-03-15",
            "authors:",
            "  - {name: Cat Alogue, title: Analyst in Catalogues}",
            "sections:",
            f"  - title: Section of Product {n}",
            "    id: body",
            "    prose: sections/body.md",
            "    figures:",
            synth.figure_spec(1 + n % 2).rstrip("\n").replace("data/fig2", "data/fig1"),
            "",
        ]
    )
    return {
        "report.yaml": yaml,
        "sections/body.md": "\n\n".join(prose) + "\n",
        "data/fig1.csv": synth.figure_csv(rng),
    }


def write_catalogue(folder: Path, count: int) -> list[Path]:
    """Write ``count`` projects under ``folder``; return their folders."""
    projects = []
    for n in range(count):
        project = folder / f"p{n:03d}"
        for name, text in project_files(n).items():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            (project / name).write_text(text, encoding="utf-8")
        projects.append(project)
    return projects


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (this command and its children) of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def make_report(*args: str | Path) -> list[str]:
    return [str(PYTHON), "-m", "crsreport", *map(str, args), "--quiet"]


def one_by_one(projects: list[Path], out: Path) -> tuple[float, float]:
    """Each project its own ``make-report --jobs 1`` command, one after another."""
    wall = cpu = 0.0
    for project in projects:
        w, c = timed(make_report(project, "--out", out, "--jobs", "1"))
        wall, cpu = wall + w, cpu + c
    return wall, cpu


def local_cluster() -> Any:
    """A Dask LocalCluster of 2 one-thread worker processes, on loopback only (the bench
    and tests/test_cluster.py run the same one)."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # any free port
    )


def on_cluster(projects: list[Path], out: Path) -> tuple[float, float, float]:
    """Wall and CPU of the catalogue on a LocalCluster of 2 one-thread workers (CPU of
    the command plus the workers'), and the CPU of the cluster's own start."""
    from distributed import Client

    start = time.process_time()
    with local_cluster() as cluster, Client(cluster) as client:
        idle = sum(client.run(_cpu).values())
        wall, cpu = timed(
            make_report(*projects, "--out", out, "--cluster", cluster.scheduler_address)
        )
        workers = sum(client.run(_cpu).values()) - idle
    return wall, cpu + workers, idle + time.process_time() - start


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime


def measure(count: int) -> dict[str, float]:
    """Products per minute and CPU per product, three ways, and the cluster's overhead."""
    with tempfile.TemporaryDirectory(prefix="crsreport-catalogue-") as tmp:
        work = Path(tmp)
        projects = write_catalogue(work / "projects", count)
        runs = {}
        runs["one by one, --jobs 1"] = one_by_one(projects, work / "serial")
        shutil.rmtree(work / "serial")
        runs["make-report P1..PN --jobs 2"] = timed(
            make_report(*projects, "--out", work / "local", "--jobs", "2")
        )
        wall, cpu, start = on_cluster(projects, work / "cluster")
        runs["--cluster (LocalCluster, 2 workers x 1 thread)"] = (wall, cpu)
        for name in ("serial", "local", "cluster"):
            shutil.rmtree(work / name, ignore_errors=True)
    result: dict[str, float] = {"projects": count, "cluster CPU (s)": round(start, 2)}
    for name, (wall, cpu) in runs.items():
        result[f"{name}: products/min"] = round(60 * count / wall, 1)
        result[f"{name}: wall (s)"] = round(wall, 1)
        result[f"{name}: CPU/product (s)"] = round(cpu / count, 3)
    serial = runs["one by one, --jobs 1"][0]
    cluster_cpu = runs["--cluster (LocalCluster, 2 workers x 1 thread)"][1]
    local_cpu = runs["make-report P1..PN --jobs 2"][1]
    result["speed-up of --jobs 2 over one by one"] = round(
        serial / runs["make-report P1..PN --jobs 2"][0], 2
    )
    result["cluster overhead CPU/task vs --jobs 2 (s)"] = round(
        (cluster_cpu - local_cpu) / count, 3
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=24)
    parser.add_argument("--write", type=Path, help="only write the projects into this folder")
    args = parser.parse_args()
    if args.write:
        for project in write_catalogue(args.write, args.count):
            print(project)
        return
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    print(json.dumps(measure(args.count), indent=1))


if __name__ == "__main__":
    main()
