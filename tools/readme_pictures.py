"""Render page 1 of each product (PDF via pdftoppm, HTML via headless Chromium) for the README.

Run from the repository root: .venv/bin/python tools/readme_pictures.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import crsreport

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


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
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
