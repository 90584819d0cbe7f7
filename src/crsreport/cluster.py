"""Catalogue builds on a Dask cluster: ``make-report P1 P2 … --cluster tcp://HOST:8786``.

Each project is one task. Its workers need not share this machine's filesystem: the
task carries the project's files (those a ``--check`` reads, packed here) and gives
back the outputs as bytes, which this process writes atomically where a local build
would. A task whose worker dies is run again by Dask and leaves nothing behind; a
project that fails gives the located messages of a local build, and the exit code
follows the batch rules (``batch.exit_code``). Needs ``distributed``
(``pip install 'crsreport[cluster]'``); workers should run one thread each
(``dask worker ADDRESS --nthreads 1``), since a task sets its logging for its run.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .batch import Outcome, Task, build_one, exit_code
from .errors import ReportError
from .output import write_atomic

log = logging.getLogger("crsreport")
_ENV_LOCK = threading.Lock()


@dataclass(frozen=True)
class Parcel:
    """A project packed for a worker: its files by path under a common folder."""

    label: str
    """The project as given on the command line (messages name it so)."""
    entry: str
    """The report file (report.yaml or the YAML file given), relative to the folder."""
    files: dict[str, bytes]
    formats: tuple[str, ...]
    strict: bool
    epoch: str | None
    """``SOURCE_DATE_EPOCH`` here, for the worker's build."""
    dest: str
    """Where the client writes the outputs (``--out``, else the project's ``build/``)."""
    level: int = logging.INFO


@dataclass
class Delivery:
    """What a task gives back: how it went, what it printed, and the output files."""

    outcome: Outcome
    text: str = ""
    outputs: dict[str, bytes] = field(default_factory=dict)


def pack(project: str, formats: list[str], out: Path | None, strict: bool) -> Parcel:
    """The files the project's build reads (found as ``--check`` finds them), packed."""
    from .check import check
    from .load import load_report, project_file
    from .sources import recording

    level, saved = log.getEffectiveLevel(), log.level
    log.setLevel(logging.ERROR)  # its warnings are given by the task's build, once
    try:
        with recording() as read:
            report = load_report(project)
            check(report, strict=strict)
    finally:
        log.setLevel(saved)
    entry = project_file(project).resolve()
    base = Path(os.path.commonpath([report.root.resolve(), *read]))
    files = {str(path.relative_to(base)): path.read_bytes() for path in sorted(read)}
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    entry_name = str(entry.relative_to(base))
    dest = str(out if out is not None else report.root / "build")
    return Parcel(project, entry_name, files, tuple(formats), strict, epoch, dest, level)


def run_parcel(parcel: Parcel) -> Delivery:
    """On a worker: unpack, build (serially: a worker is one core), give back the bytes."""
    from .render import FORMATS

    with tempfile.TemporaryDirectory(prefix="crsreport-task-") as tmp:
        root = Path(tmp) / "project"
        for name, data in parcel.files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        out = Path(tmp) / "out"
        task = Task(str(root / parcel.entry), parcel.formats, out, parcel.strict, 1, parcel.label)
        with _epoch(parcel.epoch), _captured(parcel.level) as text:
            outcome = build_one(task)
        outputs = {}
        if outcome.status == "built":
            for name in parcel.formats:
                file = f"{outcome.report_id}{FORMATS[name].suffix}"
                outputs[file] = (out / file).read_bytes()
    said = text.getvalue().replace(str(out), parcel.dest)  # "wrote" names the real file
    return Delivery(outcome, said, outputs)


@contextlib.contextmanager
def _epoch(value: str | None) -> Iterator[None]:
    """The client's SOURCE_DATE_EPOCH for the build (dates in the outputs depend on it)."""
    with _ENV_LOCK:
        saved = os.environ.get("SOURCE_DATE_EPOCH")
        _set_env("SOURCE_DATE_EPOCH", value)
        try:
            yield
        finally:
            _set_env("SOURCE_DATE_EPOCH", saved)


def _set_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@contextlib.contextmanager
def _captured(level: int) -> Iterator[io.StringIO]:
    """What the build prints and logs, as text to hand back to the client."""
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    handler.setFormatter(logging.Formatter("%(message)s"))
    saved = (log.level, log.propagate, log.handlers[:])
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False
    try:
        with contextlib.redirect_stderr(text):
            yield text
    finally:
        log.level, log.propagate, log.handlers[:] = saved


def catalogue(
    projects: list[str], formats: list[str], out: Path | None, *, strict: bool, cluster: str
) -> int:
    """Build every project as a task on the Dask cluster at ``cluster``; print progress,
    each project's messages and one summary line each; return the exit code."""
    client = _client(cluster)
    try:
        outcomes = _run(client, projects, formats, out, strict)
    finally:
        client.close()
    for outcome in outcomes:
        print(outcome.summary(), file=sys.stderr)
    return exit_code(outcomes)


def _client(cluster: str) -> object:
    try:
        from distributed import Client
    except ImportError:
        raise ReportError(
            "--cluster needs Dask's 'distributed'; install it with pip install 'crsreport[cluster]'"
        ) from None
    try:
        return Client(cluster, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise ReportError(f"--cluster: cannot reach the scheduler at {cluster}: {exc}") from None


def _run(
    client: object, projects: list[str], formats: list[str], out: Path | None, strict: bool
) -> list[Outcome]:
    from distributed import as_completed

    outcomes: dict[int, Outcome] = {}
    futures = {}
    dests: dict[int, Path] = {}
    for index, project in enumerate(projects):
        try:
            parcel = pack(project, formats, out, strict)
        except ReportError as exc:  # found here, before any task: the same message
            print(f"make-report: error: {project}: {exc}", file=sys.stderr)
            outcomes[index] = Outcome(project, "input", str(exc))
            continue
        submit = client.submit  # type: ignore[attr-defined]
        futures[submit(run_parcel, parcel, key=f"crsreport-{index}", pure=False)] = index
        dests[index] = Path(parcel.dest)
    done = failed = len(outcomes)
    for future in as_completed(futures):
        index = futures[future]
        outcomes[index] = _deliver(future, projects[index], dests[index])
        done += 1
        failed += outcomes[index].status != "built"
        log.info("cluster: %d of %d done, %d failed", done, len(projects), failed)
    return [outcomes[i] for i in range(len(projects))]


def _deliver(future: object, project: str, folder: Path) -> Outcome:
    """Print a task's messages and write its outputs (atomically) where a local build would."""
    try:
        delivery: Delivery = future.result()  # type: ignore[attr-defined]
    except Exception as exc:  # the task itself failed (workers died again and again)
        print(f"make-report: internal error in {project}: {exc!r}", file=sys.stderr)
        return Outcome(project, "bug", repr(exc))
    sys.stderr.write(delivery.text)
    if delivery.outcome.status == "built":
        for name, data in delivery.outputs.items():
            write_atomic(folder / name, data)
    return delivery.outcome
