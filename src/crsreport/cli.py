"""The ``make-report`` command."""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from .errors import ReportError

log = logging.getLogger("crsreport")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="make-report",
        description="Build a CRS-style report (In Focus, Insight or Report) as HTML, PDF and DOCX.",
    )
    p.add_argument(
        "projects",
        nargs="*",
        default=["."],
        metavar="PROJECT",
        help="folder holding report.yaml, or a YAML file (default: .); "
        "several are built side by side",
    )
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        metavar="N",
        help="processes at once: projects built side by side, or a project's formats "
        "(default: one per core)",
    )
    p.add_argument(
        "--format",
        "-f",
        default="html,pdf,docx",
        help="comma list of html, pdf, docx, json or a plugin's format (default: html,pdf,docx)",
    )
    p.add_argument(
        "--out", "-o", type=Path, help="output folder (default: build/ inside the project)"
    )
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="build each project as a task on the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://HOST:8786; default: $CRSREPORT_CLUSTER, else this machine); needs "
        "crsreport[cluster]",
    )
    p.add_argument(
        "--include-root",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="let the report's include_roots reach PATH (repeatable); without it they must "
        "lie within the project's parent folder, and never at /, a system or the home folder",
    )
    task = p.add_mutually_exclusive_group()
    task.add_argument(
        "--schema",
        nargs="?",
        const="report",
        choices=("report", "document"),
        help="print a JSON Schema and exit: report (report.yaml; the default) "
        "or document (what --format json writes)",
    )
    task.add_argument(
        "--check",
        action="store_true",
        help="check everything a build would (model, prose, data, references, figures) "
        "without rendering",
    )
    task.add_argument(
        "--watch", action="store_true", help="rebuild on every change; errors do not stop it"
    )
    task.add_argument("--init", metavar="DIR", type=Path, help="create a new project in DIR")
    task.add_argument(
        "--compare",
        metavar="BASE",
        help="write a redline against an earlier version: a folder holding it, a tree written "
        "by --format json, or a git revision (HEAD~1); outputs are named ID-changes.*",
    )
    p.add_argument(
        "--serve",
        nargs="?",
        const=0,
        type=_port,
        metavar="PORT",
        help="with --watch: serve the build folder on 127.0.0.1 (PORT, default a free one); "
        "the page reloads after each rebuild and shows the errors of a broken edit",
    )
    p.add_argument(
        "--open", action="store_true", help="with --serve: open the page in the web browser"
    )
    p.add_argument(
        "--product",
        default="in_focus",
        help="the product --init creates: in_focus (default), insight, report, or one an "
        "installed package adds",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    p.add_argument("--debug", action="store_true", help="show tracebacks for every error")
    p.add_argument(
        "--version",
        action=_Version,
        nargs=0,
        help="print the versions of crsreport and its main libraries and exit",
    )
    return p


class _Version(argparse.Action):
    """``--version``: the lines of version_text() as written (argparse's own action
    would rewrap them into one paragraph), then exit 0."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        print(version_text())
        parser.exit()


LIBRARIES = ("weasyprint", "python-docx", "matplotlib", "pydantic", "jinja2", "markdown-it-py")
"""The libraries whose versions ``--version`` prints after crsreport's own."""


def version_text() -> str:
    """``make-report 0.1.0`` then one line per main library (``name version``)."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    lines = [f"make-report (crsreport) {__version__}"]
    for name in LIBRARIES:
        try:
            lines.append(f"  {name} {version(name)}")
        except PackageNotFoundError:
            lines.append(f"  {name} not installed")
    return "\n".join(lines)


def entry() -> NoReturn:
    """``make-report`` (and ``python -m crsreport``): ``main``, then ``leave``."""
    leave(main())


def leave(code: int) -> NoReturn:
    """Exit with ``code`` once the exit handlers have run and the output is flushed, but
    without tearing the interpreter down: freeing every module's objects one by one
    takes ~0.15 s of CPU after a build, and the system frees them at once. With another
    thread still running (it would be joined), the usual exit."""
    handlers = getattr(atexit, "_run_exitfuncs", None)
    if handlers is None or threading.active_count() > 1:
        sys.exit(code)
    handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: as Python itself exits then
        code = code or 120
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    from .workers import fewer_collections

    args = parser().parse_args(argv)
    _logging(args.quiet, args.debug)
    try:
        with fewer_collections():
            return run(args)
    except ReportError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"make-report: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:
        traceback.print_exc()
        print("make-report: internal error (a bug in crsreport); please report it", file=sys.stderr)
        return 1


def run(args: argparse.Namespace) -> int:
    args.project = args.projects[0]
    other_task = args.watch or args.check or args.init or args.schema
    if args.cluster and other_task:
        raise ReportError("--cluster builds: it goes with no --watch, --check, --init, --schema")
    if len(args.projects) > 1 or (not other_task and _cluster(args)):
        return _batch(args)
    if args.init:
        from .scaffold import init_project

        init_project(args.init, args.product)
        return 0
    if args.schema:
        print(schema(args.schema))
        return 0
    if args.serve is not None and not args.watch:
        raise ReportError("--serve goes with --watch: make-report PROJECT --watch --serve")
    if args.open and args.serve is None:
        raise ReportError("--open goes with --serve: make-report PROJECT --watch --serve --open")
    if args.watch:
        return _watch(args)
    if args.compare:
        return _compare(args)
    if args.check:
        from .check import check, summary
        from .load import load_report

        report = load_report(args.project, include_roots=args.include_root)
        log.info("check: %s; ready to build", summary(check(report, strict=args.strict)))
        return 0
    return _build_once(args)


def _watch(args: argparse.Namespace) -> int:
    """``--watch`` (and ``--serve``): warm rebuilds in this process, HTML first."""
    from .build import parse_formats
    from .watch import Session, preview, session_formats, watch

    serving = args.serve is not None
    formats = session_formats(parse_formats(args.format), serving)
    roots = tuple(args.include_root)
    session = Session(formats, args.out, strict=args.strict, include_roots=roots)
    if serving:
        return preview(args.project, session, port=args.serve, open_browser=args.open)
    return watch(args.project, session, summary=session.summary)


def _port(text: str) -> int:
    """A TCP port number for --serve (0: a free one)."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a port number (0-65535); put PROJECT before --serve"
        )
    return int(text)


def _build_once(args: argparse.Namespace) -> int:
    """One project: skipped at once when its stamp says nothing changed, else built."""
    from . import stamp

    where = stamp.stamp_path(
        args.project, args.out, args.format, args.strict, [str(r) for r in args.include_root]
    )
    if (last := stamp.fresh(where)) is not None:
        for message in last["warnings"]:
            log.warning("%s", message)
        for name, path in last["formats"]:
            log.info("skip %s: unchanged since the last build (%s)", name, path)
        log.info("done: %s, nothing changed", last["id"])
        return 0
    from .build import parse_formats
    from .load import load_report
    from .sources import recording

    started = time.time_ns()
    formats = parse_formats(args.format)
    with recording() as read, _warnings() as warned:
        report = load_report(args.project, include_roots=args.include_root)
        paths = _build(report, formats, args)
    outputs = dict(zip(formats, paths, strict=True))
    stamp.write(where, started, read, outputs, report.id, warned)
    return 0


def _compare(args: argparse.Namespace) -> int:
    """``--compare BASE``: the redline outputs, and one line saying what changed."""
    from .compare import compare
    from .load import load_report

    with _warnings():
        report = load_report(args.project, include_roots=args.include_root)
        paths, red = compare(
            report, args.compare, args.format, args.out, strict=args.strict, jobs=args.jobs or 1
        )
    for path in paths:
        log.info("wrote %s", path)
    print(f"{report.id}: {red.summary}")
    return 0


def _build(report: Any, formats: list[str], args: argparse.Namespace) -> list[Path]:
    from .build import build

    started = time.monotonic()
    paths = build(report, formats, args.out, strict=args.strict, jobs=args.jobs)
    log.info("done: %s in %.1f s", report.id, time.monotonic() - started)
    return paths


@contextmanager
def _warnings() -> Iterator[list[str]]:
    """Collect the warnings logged inside the block, as printed."""
    seen: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    log.addHandler(handler)
    try:
        yield seen
    finally:
        log.removeHandler(handler)


def _batch(args: argparse.Namespace) -> int:
    """Several projects: built side by side, one summary line each."""
    if args.watch or args.check or args.init or args.schema or args.serve is not None:
        raise ReportError("--watch, --serve, --check, --init and --schema take one project")
    from .batch import batch
    from .build import parse_formats

    formats = parse_formats(args.format)
    if cluster := _cluster(args):
        from .cluster import catalogue

        return catalogue(args.projects, formats, args.out, strict=args.strict, cluster=cluster)
    return batch(
        args.projects,
        formats,
        args.out,
        strict=args.strict,
        jobs=args.jobs,
        include_roots=tuple(args.include_root),
    )


def _cluster(args: argparse.Namespace) -> str | None:
    """The Dask scheduler to build on: --cluster, else $CRSREPORT_CLUSTER, else none."""
    import os

    return args.cluster or os.environ.get("CRSREPORT_CLUSTER") or None


def schema(name: str) -> str:
    """The JSON Schema of report.yaml (with plugin kinds) or of the JSON document output."""
    if name == "document":
        from .render.jsontree import schema_text

        return schema_text().rstrip("\n")
    from .include import report_schema
    from .plugins import load_plugins

    load_plugins()
    return json.dumps(report_schema(), indent=2)


def _logging(quiet: bool, debug: bool) -> None:
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)
    log.propagate = False


if __name__ == "__main__":
    sys.exit(main())
