"""Shared helpers for the crsreport tests.

Plain helpers (``require``, ``run_cli``, ``REPO_ROOT``) are also offered as fixtures of
the same name, so test modules need not import this file (several conftest.py files
in folders without ``__init__.py`` would shadow each other as the module ``conftest``).

Tests are in two layers: ``pytest -m "not e2e"`` is the fast one (under a minute), and
a test that runs a subprocess, reads an output with an external client or renders a real
PDF is marked ``e2e``. ``require`` and ``run_cli`` fail a test that is not so marked.
"""

from __future__ import annotations

import importlib.util
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# The test being run (setup, call and teardown), for the e2e guard of require/run_cli.
_current_item: pytest.Item | None = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    global _current_item
    _current_item = item
    try:
        return (yield)
    finally:
        _current_item = None


def _only_end_to_end(what: str) -> None:
    """Fail the current test loudly if it calls ``what`` but is not marked e2e."""
    item = _current_item
    if item is not None and item.get_closest_marker("e2e") is None:
        pytest.fail(
            f"{item.nodeid} calls {what} but is not marked e2e: add @pytest.mark.e2e "
            "(or pytestmark = pytest.mark.e2e for the module), or test it in process; "
            'the fast layer (pytest -m "not e2e") runs no subprocess or external client',
            pytrace=False,
        )


# Other names the same client goes by on Debian and elsewhere.
_ALIASES: dict[str, tuple[str, ...]] = {
    "soffice": ("soffice", "libreoffice"),
    "libreoffice": ("libreoffice", "soffice"),
    "chromium": ("chromium", "chromium-browser"),
}


def require(tool: str) -> str:
    """The path of an external client; fail under CI=true, else skip, when it is missing.

    Only for tests marked e2e.
    """
    _only_end_to_end(f"require({tool!r})")
    for name in _ALIASES.get(tool, (tool,)):
        path = shutil.which(name)
        if path:
            return path
    missing(f"'{tool}' is not installed (scripts/setup installs it)")


def missing(message: str) -> NoReturn:
    """A checker a test needs is not installed: fail under CI=true (CI installs every
    one, so its absence there is a failure), else skip with ``message``."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def run_cli(
    *args: str | os.PathLike[str],
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
    max_memory: int | None = None,
    max_cpu: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m crsreport ARGS`` (make-report) and capture stdout, stderr, returncode.

    ``max_memory`` (bytes) caps the process's address space (RLIMIT_AS): a run that would
    grow past it fails with MemoryError instead of taking the machine's memory.
    ``max_cpu`` (seconds) caps its CPU time (RLIMIT_CPU): a bound that holds on a busy
    machine, where a wall-clock one would not.
    Only for tests marked e2e.
    """
    _only_end_to_end("run_cli()")
    environ = {**os.environ, **(env or {})}

    def limit() -> None:
        if max_memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
        if max_cpu is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (max_cpu, max_cpu))

    return subprocess.run(
        [sys.executable, "-m", "crsreport", *map(str, args)],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit if max_memory or max_cpu else None,
    )


def write_project(folder: Path, files: Mapping[str, str | bytes | Path]) -> Path:
    """Write ``files`` (relative path -> content) under ``folder``.

    A ``str`` is written as UTF-8 text, ``bytes`` as is, and a ``Path`` makes a symlink
    to that target. Keys may climb out with ``..`` to put files beside the project.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            path.symlink_to(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def buildable_formats() -> list[str]:
    """Every registered output format whose renderer module exists."""
    from crsreport.render import FORMATS

    names = []
    for name, fmt in FORMATS.items():
        module = fmt.target.partition(":")[0]
        if importlib.util.find_spec(module) is not None:
            names.append(name)
    return names


@pytest.fixture(name="require", scope="session")
def _require_fixture() -> Callable[[str], str]:
    return require


@pytest.fixture(name="run_cli", scope="session")
def _run_cli_fixture() -> Callable[..., subprocess.CompletedProcess[str]]:
    return run_cli


@pytest.fixture(name="repo_root")
def _repo_root_fixture() -> Path:
    return REPO_ROOT


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[[Mapping[str, str | bytes | Path]], Path]:
    """``make(files) -> folder``: a throwaway project (report.yaml, sections/, data/)."""
    count = 0

    def make(files: Mapping[str, str | bytes | Path]) -> Path:
        nonlocal count
        count += 1
        return write_project(tmp_path / f"project{count}", files)

    return make


@pytest.fixture
def layouts(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """``layouts() -> n``: how many times WeasyPrint has laid a document out so far in
    this test (in this process), to check that work is not done twice."""
    from weasyprint import HTML

    count = 0
    render = HTML.render

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += 1
        return render(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", counting)
    return lambda: count


@pytest.fixture(scope="session")
def flagship_build(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The repo-root report built once, in every format that has a renderer: suffix -> path."""
    import crsreport
    from crsreport.render import FORMATS

    out = tmp_path_factory.mktemp("flagship")
    names = buildable_formats()
    paths = crsreport.build(crsreport.load_report(REPO_ROOT), names, out_dir=out)
    built = {path.suffix: path for path in paths}
    assert set(built) == {FORMATS[name].suffix for name in names}
    return built
