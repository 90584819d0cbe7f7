"""A synthetic CRS Report of N pages, as a crsreport project and as one pandoc Markdown file.

Per page: about ``WORDS_PER_PAGE`` words of prose under a heading and three plain
Markdown footnotes; a drawn figure every 4 pages (alternately ``line`` and ``bar``,
each from its own CSV) and a pipe table every 5. The text is pseudo-random but
fixed by the seed, so every run builds the same bytes.

    .venv/bin/python bench/synth.py 50 /tmp/synth50
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS_PER_PAGE = 480
PAGES_PER_SECTION = 4
FIGURE_EVERY = 4
TABLE_EVERY = 5
NOTES_PER_PAGE = 3
VOCABULARY = (
    "administration agreement alliance analysts appropriations authority ballistic budget "
    "capability Congress cooperation council declaration defense deterrence diplomacy "
    "economic enforcement envoy exports framework funding hearing humanitarian inspection "
    "intelligence legislation missile negotiations nuclear oversight peninsula policy "
    "program regional report sanctions security summit talks testing treaty verification "
    "the of and to in a that for on with as by from at is was were has have would could "
    "may also which its their this these after during under between including"
)
WORDS = VOCABULARY.split()


def sentence(rng: random.Random) -> str:
    """One sentence of 12-24 words."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 24))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def paragraph(rng: random.Random, words: int) -> str:
    """Sentences until ``words`` words."""
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(sentence(rng))
    return " ".join(out)


def page_text(rng: random.Random, page: int) -> str:
    """One page of prose: a heading, paragraphs, three footnotes, maybe a table."""
    parts = [f"### Topic {page}"]
    per_paragraph = WORDS_PER_PAGE // 4
    for i in range(4):
        text = paragraph(rng, per_paragraph)
        if i < NOTES_PER_PAGE:
            text += f"[^p{page}n{i}]"
        parts.append(text)
    if page % TABLE_EVERY == 0:
        parts.append(table(rng, page))
    parts += [f"[^p{page}n{i}]: {sentence(rng)}" for i in range(NOTES_PER_PAGE)]
    return "\n\n".join(parts) + "\n"


def table(rng: random.Random, page: int) -> str:
    """A five-row pipe table."""
    rows = ["| Year | Program | Launches | Funding ($ millions) |", "|---|---|--:|--:|"]
    for year in range(2016, 2021):
        rows.append(
            f"| {year} | {rng.choice(WORDS).capitalize()} | {rng.randint(0, 40)} | "
            f"{rng.randint(10, 9000):,} |"
        )
    return "\n".join(rows)


def figure_csv(rng: random.Random) -> str:
    """Thirty years of two series."""
    lines = ["year,launches,tests"]
    for year in range(1992, 2022):
        lines.append(f"{year},{rng.randint(0, 30)},{rng.randint(0, 6)}")
    return "\n".join(lines) + "\n"


def figure_spec(n: int) -> str:
    """The report.yaml entry of figure ``n`` (1-based)."""
    kind = "line" if n % 2 else "bar"
    return (
        f"      - id: fig{n}\n"
        f"        kind: {kind}\n"
        f"        title: Synthetic Series {n}, 1992-2021\n"
        f"        data: data/fig{n}.csv\n"
        f"        x: year\n"
        f"        y: [launches, tests]\n"
        f"        labels: {{launches: Launches, tests: Tests}}\n"
        f"        source: CRS, synthetic data for benchmarks.\n"
        f"        alt: A {kind} chart of two synthetic yearly series, 1992 to 2021.\n"
    )


def section_pages(pages: int) -> list[list[int]]:
    """Page numbers grouped into sections."""
    numbers = list(range(1, pages + 1))
    return [numbers[i : i + PAGES_PER_SECTION] for i in range(0, pages, PAGES_PER_SECTION)]


def report_yaml(pages: int) -> str:
    """The project's report.yaml."""
    lines = [
        f"id: R9{pages:04d}",
        f'title: "Synthetic Benchmark Report of {pages} Pages"',
        "date: 2022-03-15",
        "version: 1",
        "authors:",
        "  - {name: Bench Mark, title: Analyst in Benchmarks}",
        "sections:",
    ]
    for s, group in enumerate(section_pages(pages), start=1):
        lines += [f"  - title: Section {s}", f"    id: s{s}", "    prose:"]
        lines += [f"      - sections/p{p:03d}.md" for p in group]
        figures = [p // FIGURE_EVERY for p in group if p % FIGURE_EVERY == 0]
        if figures:
            lines.append("    figures:")
            lines += [figure_spec(n).rstrip("\n") for n in figures]
    return "\n".join(lines) + "\n"


def write_project(folder: Path, pages: int, seed: int = 1) -> Path:
    """Write the crsreport project for ``pages`` pages into ``folder``."""
    rng = random.Random(seed)
    (folder / "sections").mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    for p in range(1, pages + 1):
        (folder / "sections" / f"p{p:03d}.md").write_text(page_text(rng, p), encoding="utf-8")
        if p % FIGURE_EVERY == 0:
            name = f"fig{p // FIGURE_EVERY}.csv"
            (folder / "data" / name).write_text(figure_csv(rng), encoding="utf-8")
    (folder / "report.yaml").write_text(report_yaml(pages), encoding="utf-8")
    return folder


def pandoc_markdown(folder: Path, pages: int, images: dict[str, Path]) -> str:
    """The same content as one Markdown file; ``images`` maps figure id to a drawn file."""
    parts = [f"---\ntitle: Synthetic Benchmark Report of {pages} Pages\n---\n"]
    for s, group in enumerate(section_pages(pages), start=1):
        parts.append(f"# Section {s}\n")
        parts += [(folder / "sections" / f"p{p:03d}.md").read_text(encoding="utf-8") for p in group]
        for p in group:
            if p % FIGURE_EVERY == 0:
                n = p // FIGURE_EVERY
                title = f"Figure {n}. Synthetic Series {n}, 1992-2021"
                parts.append(f"![{title}]({images[f'fig{n}']})\n")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", type=int)
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    write_project(args.folder, args.pages)
    print(args.folder)


if __name__ == "__main__":
    main()
