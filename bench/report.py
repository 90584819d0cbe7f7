"""docs/benchmarks.md from the measured cases: machine, tables, targets, profile."""

from __future__ import annotations

import datetime as dt
from typing import Any

FORMATS = ("html", "docx", "pdf")
HEADER = """\
# Benchmarks: crsreport and pandoc, side by side

Written by `{command}` on {date}; rerun it to refresh this page (do not edit by hand).
"""
METHOD = """\
Every time is a whole process, started fresh, timed from start to exit; the median of
{runs} runs, not sampled for memory (that slows a busy process tree by 20-30%). The
cases of a table take turns (one run of each, then the next round), pandoc's with
crsreport's, so that a change in this shared machine's speed falls on all alike; each
timed run follows an untimed run of the same case (a process runs ~10% slower after a
different one than after itself).
**crsreport** is `python -m crsreport PROJECT --out DIR --quiet` (all three formats
in one command, rendered side by side in worker processes). **pandoc**
is the binary bundled with pypandoc-binary, run three times over the same content:
`-s --embed-resources` to HTML, to DOCX, and to PDF with `--pdf-engine=weasyprint`
(the same WeasyPrint). pandoc gets the prose after `{{{{ … }}}}` values are filled in,
and the figures as the SVG (HTML, PDF) and PNG (DOCX) files crsreport drew, so it
never draws a chart. Memory comes from one more run: the peak of the summed
proportional set size (PSS) of the process and its children, read every 10 ms, so
pages that forked workers share count once; it is never less than the largest
single process's peak RSS. crsreport's bytecode is compiled before the runs, as
installing a package compiles it.

- *cold*: no output folder (figures drawn, every format rendered);
- *figures kept*: outputs and manifest deleted, figure cache kept (every format
  rendered, no figure drawn), as after a prose edit;
- *unchanged*: nothing changed since the last build (every format skipped).
"""
NOTES = """\
## What was done, and what holds the rest back

Measured first (`bench/profile.py`, pyinstrument, cProfile, `python -X importtime`),
then changed:

- **One executor for all parallel work** (`workers.executor`: a
  `concurrent.futures.ProcessPoolExecutor`, fork context, whose initializer ties each
  worker's life to its parent's with `PR_SET_PDEATHSIG`, keeps the build's shared state
  inherited at the fork and imports the job's libraries). The hand-written pool
  (forked one-job workers, pipes, gather, chunked maps, remote tracebacks, a standby
  worker: ~200 lines) is gone. Formats, figures and projects are jobs of an executor;
  a catalogue can run on a Dask cluster through the same interface (`--cluster`).
- **Two processes for two cores, each library imported once.** Right after the report
  is resolved, the costliest format (the PDF) renders in a worker of its own, which
  starts at once (parsing and styling the page) and fetches each chart from the
  figure cache when it lays it out; with `--jobs 2` (the default on two cores) the
  figures (each its SVG, then its PNG), and then HTML and DOCX are done in the parent
  meanwhile. Before, every format and the figures each had their own forked worker
  (five processes on two cores), and each paid its own imports. With `--jobs 3` or
  more the other formats and the figures go to a pool of `jobs - 1` niced workers.
  The parent tells the PDF worker as each figure file lands (a shared condition)
  instead of the worker polling the cache every 20 ms. The bytes are those of a
  serial build (`--jobs 1`, tested); warnings and bad-input errors come back from
  the workers and are reported (and exit 2) as in a serial build.
- **Incremental builds.** `<out>/.cache/manifest-<ID>.json` keeps, per format, a
  hash of the resolved tree (`Node.to_dict`), the figure cache keys, image files,
  the house templates, crsreport's code and the renderers' versions and the date
  stamp, with a hash of the output written and the warnings its renderer gave. A
  format whose inputs and output are unchanged is skipped — the progress lines say
  so — and its warnings are given again, so `--strict` still fails.
- **Figures in the PDF as SVG images, not inline SVG markup.** WeasyPrint styled
  every element of every inline chart (hundreds of `<g>`, `<use>` and `<path>`
  nodes per chart) as part of the HTML document and kept their styles in memory; as
  an `<img>` it lays out one box. At 100 pages this cut the PDF render by about a
  third and its peak memory by a fifth (and at 200 pages the memory from ~640 to
  ~460 MB); the pages are pixel-identical (pdftoppm, 150 dpi) and the figure keeps
  its `/Alt` text in the tagged PDF.
- **One WeasyPrint font configuration and image cache per process**
  (`font_config=`, `cache=`): each `@font-face` is loaded once per process, which
  helps batch builds and `--watch`; a single build sees no difference.
- **HarfBuzz subsetting.** WeasyPrint 70 subsets embedded fonts with
  libharfbuzz-subset when it finds it (≥ 4.1), and otherwise falls back to fontTools
  with a warning; `scripts/setup` installs `libharfbuzz-subset0`, and the machine
  table above says whether it was found.
- **Imports only when needed.** WeasyPrint, python-docx, matplotlib and fontTools
  are imported only by the workers that use them, `multiprocessing` only when a build
  renders something, and `import crsreport` imports nothing until a name of its API
  is first used (module `__getattr__`): the command loads what its task needs.
- **A build stamp, checked before anything heavy is imported.** After a command-line
  build, `<out>/.cache/stamp-<key>.json` (key: the command's arguments and
  `SOURCE_DATE_EPOCH`) lists every file the build read — report.yaml, includes,
  prose, data, bibliographies, images — and crsreport's code, house templates and
  loaded plugins' modules, each with size, mtime and SHA-256, plus the library
  versions, the installed plugins, the outputs' hashes and the warnings given. The
  next run with the same arguments checks the list with the standard library only
  (a file is hashed when its mtime moved or is too recent to trust), gives the
  warnings again and stops; any doubt falls through to the per-format manifest.
- **Early workers, for cold builds only** (`parallel.early_workers`). `make-report` once
  forked the PDF's worker before loading the report, to import WeasyPrint meanwhile;
  measured at a load of 12-53 it cost up to half a second of CPU and saved no time
  (every build paid it, and the worker imported crsreport again), so it went. What
  forks early now is decided after the report is loaded, from what the build will
  surely do: one worker to draw the figures when a figure of the report has no file in
  the cache (it imports matplotlib, which no other process then imports), and one for
  the costliest format (the PDF) when its output is missing (it imports WeasyPrint and
  is sent the resolved tree, ~40 KB pickled for the flagship). Both inherit crsreport
  from the parent, so nothing is imported twice; a warm build starts neither. Before
  and after: see "Measured changes" below.
- **Web fonts shipped pre-subset.** Each bundled face ships as WOFF2 subset to
  Latin (ASCII, Latin-1, Latin Extended-A), punctuation and common signs
  (`tools/make_webfonts.py`, tested to match); a page that uses only those characters
  inlines them as they are, instead of subsetting eight faces at Brotli's highest
  level on every build (~0.45 s of CPU). A page with other characters is subset to
  its own text as before. The page grows by ~150 KB. Until this change every page with
  notes was subset anyway, for the notes' back-link arrow (↩), which no bundled face
  has: a character no face has now asks for no subset (`web/coverage.txt` lists what
  the faces have), ~1 s of CPU off a 10-page Report.
- **A cheaper hatch.** The seventh series' dotted hatch drew ~600 circles per bar in
  every chart using it (the flagship's HGV bars), which WeasyPrint then parsed and
  painted (~0.3 s); it is striped now. The figure cache key now includes the drawing
  code, so a change of style redraws the cached charts.
- **Batch and catalogues.** `make-report P1 P2 … --jobs N` builds N projects at a
  time in a pool of N workers, one summary line each; each worker builds its projects
  one after another in one process, so its imports are paid once for all of them.
  `--cluster ADDRESS` sends each project, with the files it reads, as a task to a Dask
  cluster and writes the outputs it brings back (see the catalogue table).
- **WeasyPrint imported without a library search.** WeasyPrint tries several names
  for each C library it opens (Windows', macOS', then Linux'), and cffi answers each
  that does not open with `ctypes.util.find_library`, which on Linux runs `ldconfig`,
  `gcc` and `ld`: 54 processes and 0.1-0.2 s of CPU per PDF build (about
  a fifth of the whole import, measured under load). `render/weasy.py` imports it with that
  search answering "not found"; the Linux names that follow open directly.
  (pandoc's `--pdf-engine=weasyprint` run still pays it.)
- **Balanced columns found by a search** (`render/balance.py`). To balance an In
  Focus page's two columns, WeasyPrint lays them out at growing heights; when a
  column's first box (the flagship's figure, opening page 2) fits at none of them, it
  grows by one pixel: 146 layouts of page 2 and 1,159 line boxes for a 2-page PDF,
  about half its CPU. Fitting is monotonic, so after 8 such failures the height where
  the column starts to fit is found by doubling steps and halving, and lower tries are
  answered without a layout: 422 line boxes, the PDF's layout 0.8 s → 0.35 s of CPU,
  and the same bytes (tested on four variants of the flagship, line boxes counted).
- **A chart laid out once for its SVG and PNG.** A chart kind (`ChartSpec`) builds its
  matplotlib figure once, fixes the constrained layout, and draws both files from it
  (the same bytes in either order); before, each file was a new figure and layout.
- **Each library imported by one process.** fontTools' subsetter is the PDF worker's
  (WeasyPrint subsets with it); the HTML's web fonts ship pre-subset, so the HTML
  imports it only for characters they lack, and no longer has it imported before the
  fork for every build (~0.15 s earlier fork of the PDF's worker).
- **The PDF laid out while its charts are drawn** (`pdf.PendingFigure`). Layout asks
  an image only its size, and a chart's size is known before it is drawn (its spec's
  width and scale, written as matplotlib writes them; tested for every chart kind).
  The PDF's worker lays its pages out around a stand-in of that size and reads the
  SVG, waiting for it, only to paint it; a chart that comes out another size makes it
  lay the pages out again, so the bytes are always those of a serial build.
- **Fewer garbage collections.** A build allocates millions of short-lived objects
  (imports, WeasyPrint's boxes), and Python's collector ran every 700 allocations:
  about a tenth of a cold build's CPU. A build now raises that threshold to 50,000
  (restored after it), and each fork freezes the parent's objects first
  (`gc.freeze`), so a worker's collections neither walk nor copy the pages it
  inherited.
- **The DOCX reads the PDF's page numbers.** A Report's DOCX Contents carry the PDF's
  page numbers; they came from a second WeasyPrint layout in the DOCX's process (1.3 s
  of its 1.7 s of CPU for examples/report). A format record may name the format it
  `follows`; the DOCX gets the PDF of the same build (`ctx.printed()`, waited for only
  when the writer asks, so an In Focus never waits) and reads each anchor's page from
  its named destinations. A DOCX built alone lays the pages out as before; same bytes.
- **Plugin models rebuilt only for plugins.** Every build rebuilt the report models
  after looking for plugins, even with none installed.
- **Workers die with their parent.** A killed `make-report` (SIGTERM or SIGKILL)
  leaves no worker behind: the kernel kills each one when its parent dies
  (`tests/test_workers.py`).
- **No interpreter teardown at exit** (`cli.leave`). After a cold build, 0.13-0.19 s
  passed between the last exit handler and the process's end (no system call in the
  gap: Python freeing every module's objects one by one). `make-report` and
  `python -m crsreport` run the exit handlers, flush their output and end there;
  with another thread still running they exit the usual way.
- **The drawing worker imports matplotlib lighter, and yields.** matplotlib writes a
  table of every artist's properties into its docstrings as it imports
  (`matplotlib.artist.kwdoc`, a fifth of its import's CPU); the drawing worker
  (`figures/drawer.py`) leaves them empty, the drawn bytes unchanged (tested). It
  also runs niced: the PDF's worker is a cold build's longest path.
- **WeasyPrint's arrays without a C parse each** (`render/weasy.py`). The first PDF a
  process renders parsed 18 cffi type texts for the flagship (29 for the example
  Report), 6-10 ms each, most of them `hb_codepoint_t[N]` with each font subset's glyph
  count as N; such arrays are now made as open arrays of length N (one parse per
  type), the same memory and values, the same PDF bytes (tested).
- **Entry points read once.** Plugins and the fingerprint each read every installed
  distribution's entry points once per group (eight passes); now one pass is shared.
- **Contents leaders drawn as one tiled image.** WeasyPrint draws a dotted border one
  circle at a time: the example Report's 14 Contents entries drew 3,984 dots, 2/3 of
  its PDF's bytes and ~0.6 s of the 10-page Report's PDF CPU. The leader is now a row
  of the same 1 pt dots every 2 pt, tiled from one dot (`print-report.css`); the PDF
  shrank from 287 to 94 KB. `bench/ab.py HEAD~1 HEAD --project` (the 10-page Report,
  9 builds): 3.53 → 3.06 s, CPU 4.88 → 4.39 s.

## Measured changes

`.venv/bin/python bench/ab.py REV1 REV2 … --runs N` (N cold flagship builds of each
revision, taking turns, each from its own worktree with compiled bytecode; median,
fastest in brackets). Third session (`--runs 11`, load ~1.7): `main` is its start;
`c68f4d8` adds fewer garbage collections, the PDF laid out while its chart is drawn,
and the drawing worker forked once the report is loaded; `7a1871a` forks the PDF's
worker then too.

| revision | wall (s) | CPU (s) |
|---|--:|--:|
| `main` | 3.13 (2.77) | 3.83 (3.55) |
| `c68f4d8` | 2.37 (1.84) | 3.75 (3.07) |
| `7a1871a` | 2.28 (1.78) | 3.70 (2.91) |

Fourth session (`--runs 21`, load ~1.7): `ea52596` is its start; `speed4` adds the
lighter, niced drawing worker, no teardown at exit, WeasyPrint's arrays without a C
parse each, and entry points read once.

| revision | wall (s) | CPU (s) |
|---|--:|--:|
| `ea52596` | 2.10 (1.79) | 3.41 (2.84) |
| `speed4` | 1.77 (1.42) | 2.99 (2.37) |

Each step was measured the same way as it landed (its commit message has the figures):
fewer collections, 15 alternated builds: 3.48 → 3.01 s, CPU 4.44 → 3.92 s; the PDF laid
out while its chart is drawn, 11 builds: 3.26 → 2.73 s; matplotlib's import without
the property tables, 15 fresh processes: 0.92 → 0.73 s of CPU; the first PDF render
with WeasyPrint's arrays made open, 3 alternated: 0.96-1.13 → 0.73-0.90 s of CPU.

## What holds the rest back

A caution first: this machine is shared with other work, and its speed drifts over
minutes (within one session the same cold flagship build took 1.8 to 2.6 s, and
pandoc's PDF run 1.36 to 1.75 s); the tables above are taken in turns for that reason,
and the ratios are the figures to read.

- **Flagship CPU.** Now under the 2.0× pandoc's three runs that #20 asked for (see
  the flagship table; 3.04× three changes ago). pandoc's three runs are mostly its
  PDF run: WeasyPrint's import, one single-column untagged layout and the painting of
  the chart it is handed. crsreport does that WeasyPrint work too (tagged PDF/UA, two
  balanced columns, the same chart painted: about a third of the PDF's CPU, its glyphs
  drawn as paths) and besides imports and runs its own pipeline (crsreport and its
  pydantic models ~0.35 s, resolve ~0.15 s), draws the chart (matplotlib's import
  ~0.5 s, one layout and two files ~0.45 s) and writes the HTML and a DOCX (~0.25 s).
  Each process imports only its own libraries. Drawing the chart's text as text
  instead of paths would take ~0.2 s off the PDF's painting, but puts the chart's
  words into the PDF's text and makes the picture depend on the reader's fonts, so it
  was measured and not done.
- **Flagship wall time.** From the moment the report is loaded a cold build is three
  processes: the parent resolves the report and then writes HTML and DOCX; one worker
  imports matplotlib and draws the chart; one imports WeasyPrint, lays the PDF out as
  soon as it has the tree and paints the chart once it is drawn. The PDF's path is the
  floor: crsreport's import and the load (~0.4 s), then WeasyPrint's import, layout,
  painting and writing, which is pandoc's PDF run. Forking the PDF's worker before
  crsreport is imported would overlap the first part too, but the worker would import
  the parts of crsreport it needs again (~0.2 s of CPU); not done.
- **A rebuild with the figures kept (0.8× pandoc wanted, an older target).** Without
  drawing, a build is the parent's import, load and resolve (~0.6 s), then the PDF's
  worker: WeasyPrint's import, layout, the chart's painting and the tagging pass. That
  path is pandoc's PDF run plus crsreport's import and load, so it cannot come in at
  0.8× of pandoc's three runs unless the PDF itself is laid out and painted faster than
  WeasyPrint does for pandoc's simpler page; it is at 1.0-1.1×.
- **The cluster's overhead.** Each task costs more CPU than the same project in a
  local batch: the client loads and resolves every project to find the files it
  reads (as `--check` does), and the files and outputs travel through the scheduler.
  On a real cluster the client's share runs on the client machine, beside the
  workers' cores; the per-worker rate in the catalogue table is the one to scale.
"""


def render(
    info: dict[str, Any],
    flagship: dict[str, Any] | None,
    synths: dict[int, dict[str, Any]],
    runs: int,
    args: str,
    profiles: dict[str, dict[str, Any]],
    shelf: dict[str, float] | None = None,
) -> str:
    """The whole page."""
    command = f".venv/bin/python bench/run.py {args}".rstrip()
    parts = [
        HEADER.format(command=command, date=dt.date.today().isoformat()),
        machine_table(info),
        METHOD.format(runs=runs),
    ]
    checks: list[tuple[str, str, bool]] = []
    if flagship:
        parts.append(flagship_section(flagship, checks))
    if synths:
        parts.append(synth_section(synths, checks))
    if shelf:
        parts.append(catalogue_section(shelf, checks))
    parts.append(targets_table(checks))
    parts.append(profile_section(profiles))
    parts.append(NOTES)
    return "\n".join(parts)


def machine_table(info: dict[str, Any]) -> str:
    rows = [
        ("CPU", info["cpu"]),
        ("cores", info["cores"]),
        ("memory", info["memory"]),
        ("OS", info["os"]),
        ("Python", info["python"]),
        ("crsreport", info["crsreport"]),
        ("WeasyPrint", info["weasyprint"]),
        ("HarfBuzz subsetting found by WeasyPrint", "yes" if info["harfbuzz_subset"] else "no"),
        ("matplotlib / python-docx", f"{info['matplotlib']} / {info['python-docx']}"),
        ("pandoc", info["pandoc"]),
        ("load average (1, 5, 15 min) before", info["load_before"]),
        ("load average after", info.get("load_after", "")),
    ]
    lines = ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines) + "\n"


def pandoc_sum(cases: dict[str, Any]) -> float:
    return sum(cases[f].wall for f in FORMATS)


def pandoc_cpu(cases: dict[str, Any]) -> float:
    return sum(cases[f].cpu for f in FORMATS)


def pandoc_memory(cases: dict[str, Any]) -> float:
    return max(cases[f].rss_mb for f in FORMATS)


def flagship_section(cases: dict[str, Any], checks: list[tuple[str, str, bool]]) -> str:
    pandoc, pandoc_cpus = pandoc_sum(cases), pandoc_cpu(cases)
    lines = [
        "## Flagship: In Focus IF11415 (repository root), three formats",
        "",
        "CPU is user + system time of the whole process tree (every worker included).",
        "",
        "| build | time (s) | × pandoc (3 runs) | CPU (s) | CPU × pandoc | peak memory (MB) |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for key, label in (
        ("cold", "crsreport, cold"),
        ("cold, --jobs 1", "crsreport, cold, `--jobs 1` (one process)"),
        ("figures", "crsreport, figures kept"),
        ("unchanged", "crsreport, nothing changed"),
    ):
        if key not in cases:
            continue
        case = cases[key]
        lines.append(
            f"| {label} | {case.wall:.2f} | {case.wall / pandoc:.2f} | {case.cpu:.2f} "
            f"| {case.cpu / pandoc_cpus:.2f} | {case.rss_mb:.0f} |"
        )
    for fmt in FORMATS:
        case = cases[fmt]
        lines.append(
            f"| pandoc → {fmt} | {case.wall:.2f} | | {case.cpu:.2f} | | {case.rss_mb:.0f} |"
        )
    lines.append(
        f"| pandoc, three runs | {pandoc:.2f} | 1.00 | {pandoc_cpus:.2f} | 1.00 "
        f"| {pandoc_memory(cases):.0f} |"
    )
    cold, figures, unchanged = (cases[k].wall for k in ("cold", "figures", "unchanged"))
    cpu = cases["cold"].cpu
    checks += [
        ("flagship cold ≤ 1.2× pandoc", f"{cold / pandoc:.2f}×", cold <= 1.2 * pandoc),
        (
            "flagship cold CPU ≤ 2.0× pandoc's three runs",
            f"{cpu / pandoc_cpus:.2f}×",
            cpu <= 2.0 * pandoc_cpus,
        ),
        (
            "flagship rebuild, figures unchanged ≤ 0.8× pandoc",
            f"{figures / pandoc:.2f}× ({figures / cold:.2f}× cold)",
            figures <= 0.8 * pandoc,
        ),
        (
            "flagship rebuild, nothing changed ≤ 0.1× cold",
            f"{unchanged / cold:.2f}×",
            unchanged <= 0.1 * cold,
        ),
    ]
    return "\n".join(lines) + "\n"


SERIAL, LOCAL, CLUSTER = (
    "one by one, --jobs 1",
    "make-report P1..PN --jobs 2",
    "--cluster (LocalCluster, 2 workers x 1 thread)",
)


def catalogue_section(shelf: dict[str, float], checks: list[tuple[str, str, bool]]) -> str:
    """Products per minute three ways, and what they imply for large catalogues."""
    count = int(shelf["projects"])
    lines = [
        f"## Catalogue: {count} generated projects (`bench/catalogue.py`), three formats each",
        "",
        "Mixed In Focus, Insight and Report, each with a drawn chart, a table and notes.",
        "",
        "| how | wall (s) | products / min | CPU / product (s) |",
        "|---|--:|--:|--:|",
    ]
    for name in (SERIAL, LOCAL, CLUSTER):
        lines.append(
            f"| `{name}` | {shelf[f'{name}: wall (s)']:.1f} "
            f"| {shelf[f'{name}: products/min']:.1f} | {shelf[f'{name}: CPU/product (s)']:.3f} |"
        )
    rate = shelf[f"{CLUSTER}: products/min"] / 2  # per one-thread worker
    local = shelf[f"{LOCAL}: products/min"]
    speedup = shelf["speed-up of --jobs 2 over one by one"]
    overhead = shelf["cluster overhead CPU/task vs --jobs 2 (s)"]
    lines += [
        "",
        f"The local cluster itself (starting its scheduler and two worker processes, and "
        f"the scheduler's work during the run) cost {shelf['cluster CPU (s)']:.2f} s of "
        f"CPU; a task on it costs {overhead:+.3f} s of CPU more than the same project in a "
        "`--jobs 2` batch (packing the files, which loads and resolves the project in the "
        "client, and moving them and the outputs).",
        "",
        f"What it implies: one single-thread worker builds ~{rate:.1f} products a minute "
        f"(the cluster's {shelf[f'{CLUSTER}: products/min']:.1f} / 2 workers), so K such "
        "workers (one per core) build 1,000 products in about 1000 / "
        f"({rate:.1f} × K) minutes — {1000 / rate / 8:.1f} min on K = 8, "
        f"{1000 / rate / 32:.1f} min on K = 32 — and 10,000 in {10000 / rate / 8:.0f} and "
        f"{10000 / rate / 32:.0f} min, as long as the client packs and writes faster than "
        "that (it does both for every project in one process). On this machine's two cores "
        f"locally, `--jobs 2` builds {local:.1f} a minute: 1,000 products in "
        f"{1000 / local:.0f} min.",
        "",
    ]
    checks.append(
        ("catalogue, --jobs 2 ≥ 1.5× one by one (--jobs 1)", f"{speedup:.2f}×", speedup >= 1.5)
    )
    return "\n".join(lines) + "\n"


def synth_section(synths: dict[int, dict[str, Any]], checks: list[tuple[str, str, bool]]) -> str:
    lines = [
        "## Synthetic Report (`bench/synth.py`), three formats, cold",
        "",
        "Per page: ~480 words under a heading, 3 footnotes; a chart every 4 pages, a table "
        "every 5.",
        "",
        "| pages | PDF pages | crsreport (s) | s / page | memory (MB) "
        "| pandoc html / docx / pdf (s) | pandoc, 3 runs (s) | memory (MB) | × pandoc |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for pages, cases in sorted(synths.items()):
        cold, pandoc = cases["cold"], pandoc_sum(cases)
        walls = " / ".join(f"{cases[f].wall:.2f}" for f in FORMATS)
        lines.append(
            f"| {pages} | {cases['pdf_pages'] or '?'} | {cold.wall:.2f} | {cold.wall / pages:.3f} "
            f"| {cold.rss_mb:.0f} | {walls} | {pandoc:.2f} | {pandoc_memory(cases):.0f} "
            f"| {cold.wall / pandoc:.2f} |"
        )
    largest, smallest = max(synths), min(synths)
    big, small = synths[largest], synths[smallest]
    ratio = big["cold"].wall / pandoc_sum(big)
    per_page = (big["cold"].wall / largest) / (small["cold"].wall / smallest)
    checks += [
        (f"{largest} pages ≤ 1.0× pandoc", f"{ratio:.2f}×", ratio <= 1.0),
        (
            f"{largest} pages peak memory ≤ 600 MB",
            f"{big['cold'].rss_mb:.0f} MB",
            big["cold"].rss_mb <= 600,
        ),
        (
            f"time per page, {largest} pages ≤ 1.3× {smallest} pages",
            f"{per_page:.2f}×",
            per_page <= 1.3,
        ),
    ]
    return "\n".join(lines) + "\n"


def targets_table(checks: list[tuple[str, str, bool]]) -> str:
    lines = ["## Targets", "", "| target | measured | met |", "|---|--:|:-:|"]
    lines += [f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in checks]
    return "\n".join(lines) + "\n"


def profile_section(profiles: dict[str, dict[str, Any]]) -> str:
    if not profiles:
        return ""
    lines = [
        "## Where a cold build's time goes",
        "",
        "`bench/profile.py PROJECT`: one process, formats rendered one after another "
        "(`--jobs 1`), libraries imported first; CPU seconds (user + system).",
        "",
    ]
    names = list(profiles)
    stages = list(dict.fromkeys(k for p in profiles.values() for k in p["stages"]))
    lines.append("| stage | " + " | ".join(names) + " |")
    lines.append("|---|" + "--:|" * len(names))
    for stage in stages:
        cells = [f"{profiles[n]['stages'].get(stage, 0):.2f}" for n in names]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
