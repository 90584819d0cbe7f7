"""Render page 1 of each product (PDF via pdftoppm, HTML via headless Chromium) for the README,
and page 1 of the redline example as crsreport's PDF and as LibreOffice lays out its DOCX.

Run from the repository root: .venv/bin/python tools/readme_pictures.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import crsreport
from crsreport.compare import compare

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"
PROJECTS = {
    "in-focus": ROOT,
    "insight": ROOT / "examples/insight",
    "report": ROOT / "examples/report",
}
CHROMIUM = [
    "chromium",
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=900,1200",
]


def _png(pdf: Path, page: int, to: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile",
         str(pdf), str(to)],
        check=True,
    )  # fmt: skip


def redline(tmp: Path) -> None:
    """The redline example: its PDF (change bars) and its DOCX's tracked changes as
    LibreOffice shows them, each page 1."""
    example = ROOT / "examples" / "redline"
    report = crsreport.load_report(example / "current")
    (pdf, docx), _ = compare(report, str(example / "earlier"), ["pdf", "docx"], tmp / "redline")
    _png(pdf, 1, OUT / "redline-pdf")
    subprocess.run(
        ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp / "lo"),
         str(docx)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    _png(tmp / "lo" / f"{docx.stem}.pdf", 1, OUT / "redline-docx")
    print("redline: redline-pdf.png, redline-docx.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        redline(Path(tmp))
        for name, project in PROJECTS.items():
            report = crsreport.load_report(project)
            out = Path(tmp) / name
            crsreport.build(report, ["pdf", "html"], out)
            pdf, html = out / f"{report.id}.pdf", out / f"{report.id}.html"
            page = OUT / f"{name}-pdf"
            pages = "2" if name == "report" else "1"  # the Report's cover is bare: show its summary
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    "70",
                    "-f",
                    pages,
                    "-l",
                    pages,
                    "-singlefile",
                    str(pdf),
                    str(page),
                ],
                check=True,
            )
            profile = Path(tmp) / f"profile-{name}"
            subprocess.run(
                [
                    *CHROMIUM,
                    f"--user-data-dir={profile}",
                    f"--screenshot={OUT / f'{name}-html.png'}",
                    html.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            print(f"{name}: {page}.png, {name}-html.png")


if __name__ == "__main__":
    main()
