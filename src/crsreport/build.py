"""The pipeline: load → validate → resolve → assets → render, then write atomically."""

from __future__ import annotations

import calendar
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .assets import Assets, draw_figures, figure_nodes
from .errors import ReportError, Warnings
from .incremental import Manifest, format_inputs, tree_inputs
from .model import Report
from .output import clean_stale, write_atomic
from .render import FORMATS, RenderContext, images_for
from .render.parallel import Early, Rendered, collect, early_workers, render_formats
from .tree import Node
from .workers import cpu_count, fewer_collections

if TYPE_CHECKING:
    from concurrent.futures import Executor

log = logging.getLogger("crsreport")
DEFAULT_FORMATS = ("html", "pdf", "docx")


MAX_EPOCH = 253_402_300_799
"""The last second of the year 9999: dates past it cannot be printed."""


def source_epoch(report: Report) -> int:
    """SOURCE_DATE_EPOCH if set, else noon UTC on the report date."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return check_epoch(env)
    return calendar.timegm(report.date.timetuple()) + 12 * 3600


def check_epoch(text: str) -> int:
    """SOURCE_DATE_EPOCH as seconds since 1970, or a clean error: a value that is not
    ASCII digits or lies past the year 9999 is refused, not ignored."""
    value = text.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_EPOCH:
        raise ReportError(
            f"SOURCE_DATE_EPOCH: '{text[:40]}' is not a time; give whole seconds since "
            f"1970-01-01 UTC, from 0 to {MAX_EPOCH} (the year 9999), or unset it"
        )
    return int(value)


def parse_formats(formats: str | Iterable[str]) -> list[str]:
    """Validate requested format names (a comma list or an iterable); plugins count."""
    from .plugins import load_plugins

    load_plugins()
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
    """The output paths, the figures drawn or reused, and the formats rendered or skipped."""

    def __init__(
        self,
        paths: list[Path],
        assets: Assets,
        rendered: list[str] | None = None,
        skipped: list[str] | None = None,
    ) -> None:
        super().__init__(paths)
        self.drawn, self.reused = assets.drawn, assets.reused
        self.rendered = rendered if rendered is not None else []
        self.skipped = skipped if skipped is not None else []


def build(
    report: Report,
    formats: str | Iterable[str] = DEFAULT_FORMATS,
    out_dir: str | Path | None = None,
    *,
    strict: bool = False,
    jobs: int | None = None,
) -> BuildResult:
    """Build ``report`` into ``out_dir`` (default ``build/`` in the project); return the paths.

    A format whose inputs and output are unchanged since the last build into the
    same folder is skipped. Figures and formats are drawn and rendered in up to
    ``jobs`` processes (default: one per core; 1 renders in this process).
    """
    names = parse_formats(formats)
    jobs = max(1, jobs) if jobs else cpu_count()
    warnings = Warnings(strict=strict)
    log.info("resolve: %s", report.id)
    with fewer_collections(), early_workers(report, names, _out(report, out_dir), jobs) as early:
        from .resolve import resolve  # imported while the early workers import theirs

        doc = resolve(report, warnings)
        warnings.check()
        return build_resolved(doc, report, names, out_dir, warnings, jobs=jobs, early=early)


def build_resolved(
    doc: Node,
    report: Report,
    names: list[str],
    out_dir: str | Path | None,
    warnings: Warnings,
    *,
    jobs: int = 1,
    base: str | None = None,
    printed: Callable[[], bytes | None] | None = None,
    early: Early | None = None,
) -> BuildResult:
    """The rest of ``build`` once ``report`` is resolved to ``doc``: a ``--watch`` session
    resolves once per rebuild and writes each format in turn (HTML first). ``base``:
    the tree's input hash (``tree_inputs``) when the caller has it already; ``printed``:
    the output of the format a format ``follows``, written earlier from this tree;
    ``early``: workers forked before the report was resolved."""
    out = _out(report, out_dir)
    with _writing(out):
        (out / ".cache" / "figures").mkdir(parents=True, exist_ok=True)
        for folder in (out, out / ".cache" / "figures"):
            clean_stale(folder)  # temporary files of killed builds
    epoch = source_epoch(report)
    paths = {name: out / f"{report.id}{FORMATS[name].suffix}" for name in names}
    manifest = Manifest.load(out, report.id)
    inputs = _inputs(base or tree_inputs(doc, report.root, epoch), names)
    todo = [n for n in names if not manifest.fresh(n, inputs[n], paths[n])]
    skipped = _skip([n for n in names if n not in todo], paths, manifest, warnings)
    for name in todo:
        log.info("render: %s", name)
    ctx = RenderContext(report.root, warnings, epoch, Assets(), printed)
    results, assets = _render(doc, ctx, todo, out, jobs, early)
    collect(results, warnings)
    warnings.check()
    with _writing(out):
        for name in todo:
            write_atomic(paths[name], results[name].data)
            manifest.record(name, inputs[name], results[name].data, results[name].warnings)
            log.info("wrote %s", paths[name])
        if todo:
            manifest.save()
    return BuildResult([paths[n] for n in names], assets, todo, skipped)


def render_tree(
    doc: Node, report: Report, names: list[str], out: Path, warnings: Warnings, jobs: int = 1
) -> dict[str, bytes]:
    """Render a resolved tree (a redline, say) to ``names``; the bytes by format name."""
    ctx = RenderContext(report.root, warnings, source_epoch(report), Assets())
    results, _ = _render(doc, ctx, names, out, max(1, jobs))
    collect(results, warnings)
    warnings.check()
    return {name: results[name].data for name in names}


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """A file system error on the output folder (a file in its way, read-only, full) as
    one line; outputs already there stay whole (each is replaced atomically)."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise ReportError(
            f"--out {out}: cannot write there{where}: {exc.strerror or exc}; "
            "choose a writable folder"
        ) from None


def _inputs(base: str, names: list[str]) -> dict[str, str]:
    return {name: format_inputs(base, name, FORMATS[name].target) for name in names}


def _skip(
    names: list[str], paths: dict[str, Path], manifest: Manifest, warnings: Warnings
) -> list[str]:
    """Give the skipped formats' warnings again and say what was skipped."""
    for name in names:
        for problem in manifest.warnings(name):
            warnings.warn(problem.where, problem.message)
        log.info("skip %s: unchanged since the last build (%s)", name, paths[name])
    return names


def _out(report: Report, out_dir: str | Path | None) -> Path:
    return Path(out_dir) if out_dir is not None else report.root / "build"


def _render(
    doc: Node,
    ctx: RenderContext,
    todo: list[str],
    out: Path,
    jobs: int,
    early: Early | None = None,
) -> tuple[dict[str, Rendered], Assets]:
    """Draw the figures and render the formats in ``todo``; no figure is read for none."""
    cache = out / ".cache" / "figures"
    if not todo:
        return {}, Assets(reused=[node.id for node in figure_nodes(doc)])

    def draw(formats: list[str], pool: Executor | None, drawn_one: Callable | None) -> Assets:
        return draw_figures(doc, images_for(formats), cache, pool, drawn_one)

    return render_formats(doc, ctx, todo, cache, draw, jobs, early)
