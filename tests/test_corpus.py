"""Broken and hostile input from tests/corpus: a clean, located exit 2, and nothing written.

Each case is a folder holding a project (report.yaml, sections/, data/…) and
``expected.txt``, one message fragment per line, all of which the error must contain.
Files under ``_beside/`` are placed next to the project (targets of ``..`` and
symlinks). Inputs too big or too special to keep in git are made by GENERATED.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "expected.txt").is_file())
BIG = 21 * 1024 * 1024  # past sources.MAX_FILE_BYTES
MEMORY = 2**30
"""Every case runs with its address space capped at 1 GB (RLIMIT_AS) and 30 s of CPU
(RLIMIT_CPU: a bound that holds on a busy machine); the wall clock only stops a hang."""
CPU_SECONDS = 30
LOCATED = re.compile(r"[\w./-]+\.(yaml|yml|md|csv|json|bib|png|svg|gif)(:\d+)?: ")


def _pad(path: Path, head: bytes, filler: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:
        handle.write(head)
        handle.write(filler * (BIG // len(filler)))


def _rows(path: Path, count: int, row: Callable[[int], str], header: str, tail: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "".join(row(i) for i in range(count)) + tail, encoding="utf-8")


GENERATED: dict[str, Callable[[Path], None]] = {
    "yaml-huge-report-file": lambda p: _pad(p / "report.yaml", b"# padding\n", b"#" * 79 + b"\n"),
    "prose-huge-file": lambda p: _pad(p / "sections/a.md", b"", b"Words and more words.\n"),
    "data-huge-file": lambda p: _pad(p / "data/facts.csv", b"a,b\n", b"1,2\n"),
    "prose-named-pipe": lambda p: os.mkfifo(p / "pipe.md"),
    "figure-rows-limit": lambda p: _rows(
        p / "data/d.csv", 150_000, lambda i: f"{1990 + i % 30}\n", "year\n"
    ),
    "figure-too-many-bars": lambda p: _rows(
        p / "data/d.csv", 5_000, lambda i: f"label{i},{i}\n", "label,n\n"
    ),
    "figure-table-too-many-rows": lambda p: _rows(
        p / "data/d.csv", 3_000, lambda i: f"label{i},{i}\n", "label,n\n"
    ),
    "prose-pipe-table-too-many-rows": lambda p: _rows(
        p / "sections/a.md", 2_001, lambda i: f"| r{i} | {i} |\n", "Rows.\n\n| a | n |\n|---|---|\n"
    ),
    "figure-timeline-1000-categories": lambda p: _rows(
        p / "data/d.csv", 1_000, lambda i: f"20{i % 20:02d}-01-01,cat{i}\n", "date,c\n"
    ),
    "prose-footnote-copied-4000-times": lambda p: _rows(
        p / "sections/a.md",
        4_000,
        lambda i: f"Call {i}[^n].\n",
        "",
        tail="\n[^n]: " + "long note text " * 7_000 + "\n",
    ),
    "prose-inline-fragments-total": lambda p: _rows(
        p / "report.yaml",
        1_000,
        lambda i: f'    - "x {{% for i in range(1000) %}}{"y" * 1000}{{% endfor %}}"\n',
        'id: IF10001\ntitle: "Test Report"\ndate: 2022-02-03\n'
        "sections:\n  - kind: overview\n    text:\n",
    ),
}


def _png(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims ``width`` x ``height`` (its pixel data is one row)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return len(data).to_bytes(4, "big") + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + chunk(b"IEND", b"")
    )


GENERATED |= {
    "figure-image-png-0x0": lambda p: _png(p / "images/chart.png", 0, 0),
    "figure-image-png-50000-square": lambda p: _png(p / "images/chart.png", 50_000, 50_000),
    "figure-image-png-claims-2-billion-wide": lambda p: _png(
        p / "images/chart.png", 2**31 - 1, 2**31 - 1
    ),
}


def _link(path: Path, target: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target)


def _loop(project: Path) -> None:
    _link(project / "sections/x.md", "y.md")
    _link(project / "sections/y.md", "x.md")


GENERATED |= {  # symlinks are made here, not kept in git (an sdist would follow them)
    "prose-symlink-to-etc-passwd": lambda p: _link(p / "sections/passwd.md", "/etc/passwd"),
    "data-symlink-to-etc-passwd": lambda p: _link(p / "data/facts.csv", "/etc/passwd"),
    "figure-image-symlink-outside": lambda p: _link(p / "images/chart.png", "../../chart.png"),
    "prose-symlink-loop": _loop,
    "prose-hard-link-outside": lambda p: _hard_link(p / "sections/a.md", p.parent / "secret.md"),
}


def _hard_link(path: Path, outside: Path) -> None:
    outside.write_text("A secret outside the project.\n", encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    os.link(outside, path)


def _copy(case: Path, tmp_path: Path) -> Path:
    """The case's project under tmp_path/project, its _beside/ files beside it."""
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns("expected.txt", "args.txt", "_beside")
    shutil.copytree(case, project, symlinks=True, ignore=ignore)
    if (case / "_beside").is_dir():
        shutil.copytree(case / "_beside", tmp_path, symlinks=True, dirs_exist_ok=True)
    if case.name in GENERATED:
        GENERATED[case.name](project)
    return project


def _listing(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.lstat().st_size for p in folder.rglob("*")}


def test_the_corpus_has_at_least_forty_cases():
    assert len(CASES) >= 40
    assert set(GENERATED) <= {case.name for case in CASES}


@pytest.mark.e2e
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_exits_2_with_a_located_message(case, tmp_path, run_cli):
    project = _copy(case, tmp_path)
    before = _listing(project)

    args = (case / "args.txt").read_text().split() if (case / "args.txt").is_file() else []
    result = run_cli(project, *args, timeout=120, max_memory=MEMORY, max_cpu=CPU_SECONDS)

    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "internal error" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "make-report: error:" in line]
    assert len(errors) == 1, result.stderr[-3000:]
    message = result.stderr[result.stderr.index("make-report: error:") :]
    assert LOCATED.search(message), f"no file named in: {message}"
    for fragment in (case / "expected.txt").read_text(encoding="utf-8").splitlines():
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    assert not (project / "build").exists(), "a failed build must write nothing"
    assert _listing(project) == before
    assert not Path("/tmp/crsreport-pwned").exists()


BASE = """\
id: IF10001
title: "Test Report"
date: 2022-02-03
data:
  facts: data/facts.csv
sections:
  - kind: overview
    prose: sections/a.md
"""


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: ("\ufeff" + text).encode(), id="bom"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode(), id="crlf"),
        pytest.param(lambda text: ("\ufeff" + text.replace("\n", "\r")).encode(), id="bom-cr"),
    ],
)
@pytest.mark.e2e
def test_byte_order_marks_and_line_ends_are_read_as_text(make_project, run_cli, encode):
    project = make_project(
        {
            "report.yaml": encode(BASE),
            "sections/a.md": encode("# Heading\n\nThere are {{ facts | length }} rows.\n"),
            "data/facts.csv": encode("year,count\n2001,3\n2002,4\n"),
        }
    )
    result = run_cli(project, "--format", "html", "--strict", timeout=60)
    assert result.returncode == 0, result.stderr
    html = (project / "build" / "IF10001.html").read_text(encoding="utf-8")
    assert "There are 2 rows." in html
    assert "\ufeff" not in html
    assert re.search(r"<h\d[^>]*>Heading</h\d>", html)
