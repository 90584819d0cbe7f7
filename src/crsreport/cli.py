"""The ``make-report`` command."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from pathlib import Path

from .errors import ReportError

log = logging.getLogger("crsreport")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="make-report",
        description="Build a CRS-style report (In Focus, Insight or Report) as HTML, PDF and DOCX.",
    )
    p.add_argument(
        "project",
        nargs="?",
        default=".",
        help="folder holding report.yaml, or a YAML file (default: .)",
    )
    p.add_argument(
        "--format", default="html,pdf,docx", help="comma list of html, pdf, docx (default: all)"
    )
    p.add_argument("--out", type=Path, help="output folder (default: build/ inside the project)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument(
        "--schema", action="store_true", help="print the JSON Schema of report.yaml and exit"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--debug", action="store_true", help="show tracebacks for every error")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _logging(args.quiet, args.debug)
    try:
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
    if args.schema:
        from .model import Report

        print(json.dumps(Report.model_json_schema(), indent=2))
        return 0
    from .build import build, parse_formats
    from .load import load_report

    formats = parse_formats(args.format)
    report = load_report(args.project)
    build(report, formats, args.out, strict=args.strict)
    return 0


def _logging(quiet: bool, debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)
    log.propagate = False


if __name__ == "__main__":
    sys.exit(main())
