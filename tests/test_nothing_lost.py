"""Nothing lost: killed, failed and concurrent builds never leave a damaged or partial output."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from crsreport.output import STALE_SECONDS, clean_stale, write_atomic

REPO = Path(__file__).resolve().parents[1]
SUFFIXES = (".html", ".pdf", ".docx")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example Report (figures, tables, notes: every stage has work)."""
    copy = tmp_path / "report"
    shutil.copytree(REPO / "examples" / "report", copy, ignore=shutil.ignore_patterns("build"))
    return copy


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*")) if p.suffix in SUFFIXES}


def _temps(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.tmp"))


def _forget(out: Path) -> None:
    """Drop the manifest and figure cache so the next build renders and writes everything."""
    shutil.rmtree(out / ".cache", ignore_errors=True)


def _start(project: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crsreport", str(project), "--out", str(out), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill reaches its workers too
    )


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):  # it may have finished already
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _valid(path: Path) -> None:
    data = path.read_bytes()
    if path.suffix == ".pdf":
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    elif path.suffix == ".docx":
        with zipfile.ZipFile(path) as package:
            assert package.testzip() is None
            for name in package.namelist():
                if name.endswith((".xml", ".rels")):
                    etree.fromstring(package.read(name))
    else:
        assert data.rstrip().endswith(b"</html>")


@pytest.mark.e2e
def test_a_killed_build_keeps_the_previous_outputs(project, run_cli):
    out = project / "build"
    started = time.monotonic()
    first = _start(project, out)
    assert first.wait(timeout=300) == 0
    duration = time.monotonic() - started
    before = _outputs(out)
    assert len(before) == len(SUFFIXES)
    for delay in (0.2, 0.5, 1.0, 2.0, 3.0, 0.9 * duration, 0.97 * duration):
        _forget(out)
        process = _start(project, out)
        time.sleep(delay)
        _kill(process)
        assert _outputs(out) == before, f"outputs changed by a build killed after {delay} s"
    again = run_cli(project, "--out", out, timeout=300)
    assert again.returncode == 0, again.stderr
    assert _outputs(out) == before
    assert _temps(out) == [], "the next build removes temporary files of killed builds"


@pytest.mark.e2e
def test_a_writer_killed_before_its_rename_leaves_the_old_file(tmp_path):
    target = tmp_path / "R1.pdf"
    target.write_bytes(b"old bytes")
    code = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from crsreport.output import write_atomic\n"
        "os.replace = lambda *a: (print('written', flush=True), time.sleep(60))\n"
        f"write_atomic(Path({str(target)!r}), b'new bytes' * 100000)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert writer.stdout and writer.stdout.readline().strip() == "written"
    writer.kill()
    writer.wait(timeout=30)
    assert target.read_bytes() == b"old bytes"
    [temp] = _temps(tmp_path)
    assert temp.name.startswith(f".R1.pdf.crsreport-{writer.pid}.")
    assert clean_stale(tmp_path) == [temp]
    assert _temps(tmp_path) == []


@pytest.mark.e2e
def test_only_temporary_files_of_dead_or_old_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], stdout=-1)
    dead_pid = int(dead.stdout)
    gone = tmp_path / f".R1.pdf.crsreport-{dead_pid}.abc123.tmp"
    live = tmp_path / f".R1.docx.crsreport-{os.getpid()}.def456.tmp"
    old = tmp_path / f".R1.html.crsreport-{os.getpid()}.ghi789.tmp"
    # the writer's own files: never crsreport's, however old or whatever pid they name
    keep = [tmp_path / name for name in ("notes.tmp", ".notes.tmp", f".draft.{dead_pid}.swap.tmp")]
    for path in (gone, live, old, *keep):
        path.write_bytes(b"partial")
    stale = time.time() - STALE_SECONDS - 60
    for path in (old, *keep):
        os.utime(path, (stale, stale))
    assert sorted(clean_stale(tmp_path)) == sorted([gone, old])
    assert live.exists() and all(path.exists() for path in keep)


@pytest.mark.e2e
def test_concurrent_builds_into_one_folder_leave_complete_outputs(project, run_cli, tmp_path):
    reference = tmp_path / "reference"
    result = run_cli(project, "--out", reference, timeout=300)
    assert result.returncode == 0, result.stderr
    expected = _outputs(reference)
    out = project / "build"
    for _round in range(2):
        _forget(out)
        builds = [_start(project, out) for _ in range(3)]
        for process in builds:
            _, stderr = process.communicate(timeout=300)
            assert process.returncode == 0, stderr
        assert _outputs(out) == expected
        for path in out.iterdir():
            if path.suffix in SUFFIXES:
                _valid(path)
        assert _temps(out) == []
        for figure in (out / ".cache" / "figures").iterdir():
            data = figure.read_bytes()
            assert data.startswith(b"\x89PNG") or b"</svg>" in data[-100:], figure.name


@pytest.mark.e2e
def test_a_failed_build_leaves_the_previous_outputs_untouched(project, run_cli):
    out = project / "build"
    assert run_cli(project, "--out", out, timeout=300).returncode == 0
    before = _outputs(out)
    intro = project / "sections" / "introduction.md"
    intro.write_text(intro.read_text(encoding="utf-8") + "\n{{ no_such_value }}\n")
    _forget(out)
    failed = run_cli(project, "--out", out, timeout=300)
    assert failed.returncode == 2
    assert _outputs(out) == before
    assert _temps(out) == []


def test_write_atomic_never_shows_a_partial_file(tmp_path):
    target = tmp_path / "out.bin"
    write_atomic(target, b"a" * 1000)
    write_atomic(target, b"b" * 2000)
    assert target.read_bytes() == b"b" * 2000
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    assert _temps(tmp_path) == []
