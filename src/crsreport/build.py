"""The pipeline: load → validate → resolve → assets → render, then write atomically."""

from __future__ import annotations

import calendar
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from .assets import Assets, draw_figures
from .errors import ReportError, Warnings
from .model import Report
from .output import write_atomic
from .render import FORMATS, RenderContext
from .resolve import resolve

log = logging.getLogger("crsreport")
DEFAULT_FORMATS = ("html", "pdf", "docx")


def source_epoch(report: Report) -> int:
    """SOURCE_DATE_EPOCH if set, else noon UTC on the report date."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env and env.isdigit():
        return int(env)
    return calendar.timegm(report.date.timetuple()) + 12 * 3600


def parse_formats(formats: str | Iterable[str]) -> list[str]:
    """Validate requested format names (a comma list or an iterable)."""
    names = formats.split(",") if isinstance(formats, str) else list(formats)
    names = [n.strip().lower() for n in names if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise ReportError(
            f"--format: unknown format '{', '.join(unknown) or '(none)'}'; "
            f"choose from {', '.join(FORMATS)}"
        )
    return list(dict.fromkeys(names))


class BuildResult(list[Path]):
    """The paths written, plus what the assets stage drew or reused."""

    def __init__(self, paths: list[Path], assets: Assets) -> None:
        super().__init__(paths)
        self.drawn, self.reused = assets.drawn, assets.reused


def build(
    report: Report,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    out_dir: str | Path | None = None,
    *,
    strict: bool = False,
) -> BuildResult:
    """Build ``report`` into ``out_dir`` (default ``build/`` in the project); return the paths."""
    names = parse_formats(formats)
    warnings = Warnings(strict=strict)
    log.info("resolve: %s", report.id)
    doc = resolve(report, warnings)
    warnings.check()
    out = Path(out_dir) if out_dir is not None else report.root / "build"
    assets = draw_figures(doc, names, out / ".cache" / "figures")
    ctx = RenderContext(report.root, warnings, source_epoch(report), assets)
    rendered = {}
    for name in names:
        fmt = FORMATS[name]
        log.info("render: %s", name)
        rendered[out / f"{report.id}{fmt.suffix}"] = fmt.renderer()(doc, ctx)
    warnings.check()
    for path, data in rendered.items():
        write_atomic(path, data)
        log.info("wrote %s", path)
    return BuildResult(list(rendered), assets)
