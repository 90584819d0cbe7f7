"""Byte-identical outputs: two builds in separate processes give the same HTML, PDF and DOCX.

The flagship and every example project are built four times, each in its own process:
twice with the default epoch (noon UTC on the report date), once of them from a copy
of the project in another folder under another time zone, locale and --jobs; and twice
with SOURCE_DATE_EPOCH set.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
PROJECTS = [REPO, *sorted(p.parent for p in (REPO / "examples").glob("*/report.yaml"))]
EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC
SUFFIXES = (".html", ".pdf", ".docx")


def _ids(project: Path) -> str:
    return "flagship" if project == REPO else project.name


def _copy(project: Path, to: Path) -> Path:
    """The project's inputs (not its build/ or any other output) in another folder."""
    skip = shutil.ignore_patterns("build", ".cache", "tests", "src", "docs", ".*", "bench")
    shutil.copytree(project, to, ignore=skip, symlinks=True)
    return to


def _start(project: Path, out: Path, env: dict[str, str], *args: str) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | env
    command = [sys.executable, "-m", "crsreport", str(project), "--out", str(out), "--quiet"]
    return subprocess.Popen(
        [*command, *args], env=environ, stderr=subprocess.PIPE, text=True, cwd=out.parent
    )


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.suffix in SUFFIXES}


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, dict[str, bytes]]]:
    """project id -> run name -> output file name -> bytes; all runs started at once."""
    root = tmp_path_factory.mktemp("determinism")
    runs: dict[tuple[str, str], tuple[subprocess.Popen, Path]] = {}
    for project in PROJECTS:
        name = _ids(project)
        moved = _copy(project, root / name / "elsewhere" / "moved-project")
        plans = {
            "default-1": (project, {}, ()),
            "default-2": (moved, {"TZ": "Asia/Tokyo", "LC_ALL": "C", "LANG": "C"}, ("-j", "1")),
            "epoch-1": (project, {"SOURCE_DATE_EPOCH": EPOCH}, ()),
            "epoch-2": (moved, {"SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": "123"}, ()),
        }
        for run, (source, env, args) in plans.items():
            out = root / name / run
            out.mkdir(parents=True)
            runs[(name, run)] = (_start(source, out, env, *args), out)
    results: dict[str, dict[str, dict[str, bytes]]] = {}
    for (name, run), (process, out) in runs.items():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{name} {run}: {stderr}"
        results.setdefault(name, {})[run] = _outputs(out)
    return results


@pytest.mark.parametrize("project", PROJECTS, ids=_ids)
def test_two_builds_are_byte_identical(builds, project):
    runs = builds[_ids(project)]
    assert len(runs["default-1"]) == len(SUFFIXES)
    for first, second in (("default-1", "default-2"), ("epoch-1", "epoch-2")):
        for name, data in runs[first].items():
            assert data == runs[second][name], f"{name} differs between {first} and {second}"


@pytest.mark.parametrize("project", PROJECTS, ids=_ids)
def test_source_date_epoch_sets_the_dates(builds, project):
    runs = builds[_ids(project)]
    report = yaml.safe_load((project / "report.yaml").read_text(encoding="utf-8"))
    docx = next(name for name in runs["default-1"] if name.endswith(".docx"))
    default = dt.datetime.combine(report["date"], dt.time(12))
    assert _zip_times(runs["default-1"][docx]) == {default.timetuple()[:6]}
    epoch = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC)
    assert _zip_times(runs["epoch-1"][docx]) == {epoch.timetuple()[:6]}
    pdf = docx.replace(".docx", ".pdf")
    assert runs["default-1"][pdf] != runs["epoch-1"][pdf], "the PDF must carry the epoch"


def _zip_times(data: bytes) -> set[tuple[int, ...]]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        infos = package.infolist()
        names = [info.filename for info in infos]
        assert names[:2] == ["[Content_Types].xml", "_rels/.rels"]
        assert names[2:] == sorted(names[2:]), "entries in a stable order"
        return {info.date_time for info in infos}
