"""crsreport against pandoc, side by side: wall time and peak memory of whole processes.

    .venv/bin/python bench/run.py            # every case, 5 runs each; writes docs/benchmarks.md
    .venv/bin/python bench/run.py --runs 3 --pages 10,50 --no-write

Each build is a fresh process (``python -m crsreport``, or pandoc's bundled binary
from pypandoc-binary, with ``--pdf-engine=weasyprint`` for PDF); the table shows
the median of the timed runs. Peak memory comes from one more run: the largest sum
over the process tree of each process's proportional set size (PSS: pages shared
after fork count once), sampled every 10 ms, and never less than the largest single
process's peak RSS. (Sampling slows a busy tree down, so timed runs do not sample.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import catalogue
import machine  # bench/ is on sys.path: this script's own folder
import report
import synth
from proctree import Sample, run_measured

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = Path(sys.executable)
DOC = ROOT / "docs" / "benchmarks.md"
WATCH_MARKER = "<!-- bench/watch.py writes from here on -->"
"""The live preview's section (bench/watch.py) starts here; this script keeps it."""
FORMATS = ("html", "docx", "pdf")
IMAGES = ("svg", "png")


@dataclass
class Case:
    """One measured command: its timed runs, and one more run that sampled its memory."""

    name: str
    samples: list[Sample] = field(default_factory=list)
    memory: Sample | None = None

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        """Median CPU seconds (user + system) of the whole process tree."""
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss_mb(self) -> float:
        assert self.memory is not None
        return self.memory.tree_memory / 2**20


Plan = list[tuple[str, list[str], Callable[[], None], "dict | None"]]
"""Cases to measure side by side: name, command, preparation (untimed), environment."""


def measure_all(plan: Plan, runs: int) -> dict[str, Case]:
    """Each case of ``plan`` ``runs`` times, taking turns (one run of each, then the next
    round), so that a change in the machine's speed falls on every case alike; then one
    more run each for memory. Each timed run follows an untimed run of the same case:
    a process runs ~10% slower after a different one than after itself (measured on
    this machine), and which case follows which would otherwise decide that."""
    cases = {name: Case(name) for name, *_ in plan}
    for _ in range(runs):
        for name, cmd, prepare, env in plan:
            prepare()
            _checked(name, cmd, run_measured(cmd, env=env))
            prepare()
            cases[name].samples.append(_checked(name, cmd, run_measured(cmd, env=env)))
    for name, cmd, prepare, env in plan:
        prepare()
        cases[name].memory = _checked(name, cmd, run_measured(cmd, env=env, sample=True))
        case = cases[name]
        print(
            f"  {name:<34} {case.wall:7.2f} s {case.cpu:7.2f} s CPU {case.rss_mb:7.0f} MB",
            flush=True,
        )
    return cases


def _checked(name: str, cmd: list[str], sample: Sample) -> Sample:
    if sample.returncode != 0:
        raise SystemExit(f"bench: {name} failed ({sample.returncode}): {' '.join(cmd)}")
    return sample


def crsreport_cmd(project: Path, out: Path) -> list[str]:
    return [str(PYTHON), "-m", "crsreport", str(project), "--out", str(out), "--quiet"]


def pandoc_plan(name: str, work: Path, markdown: dict[str, str]) -> Plan:
    """pandoc's three runs over the same content: HTML, DOCX and PDF through WeasyPrint."""
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    env = {**os.environ, "PATH": f"{PYTHON.parent}{os.pathsep}{os.environ['PATH']}"}
    (work / "svg.md").write_text(markdown["svg"], encoding="utf-8")
    (work / "png.md").write_text(markdown["png"], encoding="utf-8")
    args = {
        "html": ["svg.md", "-s", "--embed-resources", "-o", "out.html"],
        "docx": ["png.md", "-o", "out.docx"],
        "pdf": ["svg.md", "-o", "out.pdf", "--pdf-engine=weasyprint"],
    }
    plan: Plan = []
    for fmt in FORMATS:
        cmd = [pandoc, "--resource-path", str(work), *args[fmt]]
        cmd = [str(work / a) if a.endswith((".md", ".html", ".docx", ".pdf")) else a for a in cmd]
        plan.append((f"{name} pandoc {fmt}", cmd, lambda: None, env))
    return plan


def drawn_once(cmd: list[str], out: Path, work: Path) -> Path:
    """Build once (untimed) and keep a copy of the drawn figures for pandoc: the timed
    cold runs delete and redraw the cache."""
    shutil.rmtree(out, ignore_errors=True)
    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
    return Path(shutil.copytree(out / ".cache" / "figures", work / "figures"))


def flagship_markdown(project: Path, figures: Path) -> dict[str, str]:
    """The flagship's prose (values filled in) and Figure 1 as one Markdown file."""
    import crsreport
    from crsreport.errors import Warnings
    from crsreport.prose import expand
    from crsreport.resolve import Context, load_values
    from crsreport.tree import Source

    report = crsreport.load_report(project)
    values = load_values(Context(report, Warnings()))

    def prose(items: list[str]) -> list[str]:
        texts = [(project / p).read_text(encoding="utf-8") for p in items]
        return [
            expand(t, values, Source(p, 1)).replace("@fig:tests", "Figure 1")
            for t, p in zip(texts, items, strict=True)
        ]

    parts = [f"---\ntitle: '{report.title}'\n---\n"]
    for section in report.sections:
        parts += [f"# {section.title}\n", *prose(section.prose)]
        for sub in section.subsections:
            parts += [f"## {sub.title}\n", *prose(sub.prose)]
            parts += [f"![Figure 1. {f.title}]({{{f.id}}})\n" for f in sub.figures]
    text = "\n".join(parts)
    return {kind: text.replace("{tests}", str(_figure(figures, "tests", kind))) for kind in IMAGES}


def synth_markdown(project: Path, pages: int, figures: Path) -> dict[str, str]:
    """The synthetic report as one Markdown file, per image format."""
    ids = [f"fig{n}" for n in range(1, pages // synth.FIGURE_EVERY + 1)]
    return {
        kind: synth.pandoc_markdown(project, pages, {i: _figure(figures, i, kind) for i in ids})
        for kind in IMAGES
    }


def _figure(figures: Path, figure_id: str, kind: str) -> Path:
    found = sorted(figures.glob(f"{figure_id}-*.{kind}"))
    if not found:
        raise SystemExit(f"bench: figure {figure_id}.{kind} was not drawn")
    return found[0]


def copy_flagship(work: Path) -> Path:
    """The repository-root project copied (report.yaml, sections/, data/)."""
    project = work / "flagship"
    project.mkdir()
    shutil.copy2(ROOT / "report.yaml", project)
    shutil.copytree(ROOT / "sections", project / "sections")
    shutil.copytree(ROOT / "data", project / "data")
    return project


def clean(out: Path, *, figures: bool) -> Callable[[], None]:
    """Remove the outputs and manifest (and the figure cache when ``figures``)."""

    def prepare() -> None:
        if figures:
            shutil.rmtree(out, ignore_errors=True)
            return
        for path in out.iterdir():
            if path.is_file():
                path.unlink()
        for path in (out / ".cache").glob("manifest-*.json"):
            path.unlink()

    return prepare


def bench_flagship(work: Path, runs: int) -> dict[str, Case]:
    """The flagship's cases and pandoc's, taking turns: cold, figures kept, unchanged
    (each left ready by the one before), one process, then pandoc's three runs."""
    print("flagship (repository root, In Focus IF11415)", flush=True)
    project, out = copy_flagship(work), work / "flagship-out"
    cmd = crsreport_cmd(project, out)
    pandoc_work = work / "flagship-pandoc"
    pandoc_work.mkdir()
    markdown = flagship_markdown(project, drawn_once(cmd, out, pandoc_work))
    plan: Plan = [
        ("flagship cold", cmd, clean(out, figures=True), None),
        ("flagship figures", cmd, clean(out, figures=False), None),
        ("flagship unchanged", cmd, lambda: None, None),
        ("flagship cold, --jobs 1", [*cmd, "--jobs", "1"], clean(out, figures=True), None),
        *pandoc_plan("flagship", pandoc_work, markdown),
    ]
    return _keyed(measure_all(plan, runs), "flagship ")


def bench_synth(work: Path, pages: int, runs: int) -> dict[str, Case]:
    """A synthetic report's cold build and pandoc's three runs, taking turns."""
    print(f"synthetic Report, {pages} pages", flush=True)
    project, out = synth.write_project(work / f"synth{pages}", pages), work / f"synth{pages}-out"
    cmd = crsreport_cmd(project, out)
    pandoc_work = work / f"synth{pages}-pandoc"
    pandoc_work.mkdir()
    markdown = synth_markdown(project, pages, drawn_once(cmd, out, pandoc_work))
    plan: Plan = [(f"{pages}p cold", cmd, clean(out, figures=True), None)]
    plan += pandoc_plan(f"{pages}p", pandoc_work, markdown)
    cases: dict[str, Any] = _keyed(measure_all(plan, runs), f"{pages}p ")
    cases["pdf_pages"] = machine.pdf_pages(next(out.glob("*.pdf")))
    return cases


def _keyed(cases: dict[str, Case], prefix: str) -> dict[str, Case]:
    """Cases by the report's keys: "cold", "figures"…, and pandoc's "html", "docx", "pdf"."""
    return {name.removeprefix(prefix).removeprefix("pandoc "): c for name, c in cases.items()}


def profile_all(work: Path, flagship: bool, sizes: list[int]) -> dict[str, dict]:
    """Stage timings (bench/profile.py) of the flagship and the largest synthetic report."""
    projects = {}
    if flagship:
        projects["flagship"] = work / "flagship"
    if sizes:
        projects[f"{max(sizes)} pages"] = work / f"synth{max(sizes)}"
    found = {}
    for name, project in projects.items():
        print(f"profile {name}", flush=True)
        result = subprocess.run(
            [str(PYTHON), str(HERE / "profile.py"), str(project)],
            capture_output=True,
            text=True,
            check=True,
        )
        found[name] = json.loads(result.stdout)
    return found


def compile_crsreport() -> None:
    """Compile crsreport's bytecode, as installing a package does: an editable install
    compiles it on first import, unless PYTHONDONTWRITEBYTECODE is set (as on this
    machine), and then every timed run would compile it again."""
    import compileall

    import crsreport

    compileall.compile_dir(Path(crsreport.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description="crsreport vs pandoc benchmark")
    parser.add_argument("--runs", type=int, default=5, help="runs per case (median shown)")
    parser.add_argument("--pages", default="10,50,200", help="synthetic sizes (comma list)")
    parser.add_argument("--no-flagship", action="store_true", help="skip the flagship cases")
    parser.add_argument("--no-write", action="store_true", help="print only; keep the doc")
    parser.add_argument(
        "--catalogue",
        type=int,
        default=24,
        metavar="N",
        help="projects in the catalogue benchmark (bench/catalogue.py; 0: none)",
    )
    args = parser.parse_args()
    sizes = [int(p) for p in args.pages.split(",") if p]
    try:
        import pypandoc  # noqa: F401
    except ImportError:
        raise SystemExit(
            "bench: pandoc is missing; run .venv/bin/pip install -e '.[bench]'"
        ) from None
    compile_crsreport()
    info = machine.describe()
    print(machine.summary(info), flush=True)
    with tempfile.TemporaryDirectory(prefix="crsreport-bench-") as tmp:
        work = Path(tmp)
        flagship = None if args.no_flagship else bench_flagship(work, args.runs)
        synths = {n: bench_synth(work, n, args.runs) for n in sizes}
        profiles = profile_all(work, flagship is not None, sizes)
    print(f"catalogue of {args.catalogue} projects", flush=True)
    shelf = catalogue.measure(args.catalogue) if args.catalogue else None
    info["load_after"] = machine.load_average()
    command = " ".join(sys.argv[1:])
    text = report.render(info, flagship, synths, args.runs, command, profiles, shelf)
    print(text)
    if not args.no_write:
        old = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
        kept = WATCH_MARKER + old.split(WATCH_MARKER, 1)[1] if WATCH_MARKER in old else ""
        DOC.write_text(text.rstrip("\n") + "\n\n" + kept if kept else text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"bench: {time.perf_counter() - start:.0f} s, {platform.node()}", file=sys.stderr)
