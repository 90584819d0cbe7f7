"""Render page 1 of each product (PDF via pdftoppm, HTML via headless Chromium) for the README,
page 1 of the In Focus DOCX as LibreOffice prints it (same page model as the PDF), and page 1
of the redline example as crsreport's PDF and as LibreOffice shows its DOCX's tracked changes.

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


DOCX = {"in-focus": "in-focus-docx"}
"""The products whose DOCX page the README shows."""


def picture(pdf: Path, number: int, stem: Path) -> None:
    """Page ``number`` of ``pdf`` as ``stem``.png, at 70 dpi."""
    page = str(number)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "70",
            "-f",
            page,
            "-l",
            page,
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
    )


def libreoffice_pdf(docx: Path, tmp: Path) -> Path:
    """``docx`` converted to PDF by headless LibreOffice, as a reader's Word would lay it out."""
    out = tmp / "libreoffice"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp / 'lo-profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out), str(docx)],
        check=True,
        capture_output=True,
        timeout=180,
    )  # fmt: skip
    return out / f"{docx.stem}.pdf"


def redline(tmp: Path) -> None:
    """The redline example: its PDF (change bars) and its DOCX's tracked changes."""
    example = ROOT / "examples" / "redline"
    report = crsreport.load_report(example / "current")
    (pdf, docx), _ = compare(report, str(example / "earlier"), ["pdf", "docx"], tmp / "redline")
    picture(pdf, 1, OUT / "redline-pdf")
    picture(libreoffice_pdf(docx, tmp), 1, OUT / "redline-docx")
    print("redline: redline-pdf.png, redline-docx.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        redline(Path(tmp))
        for name, project in PROJECTS.items():
            report = crsreport.load_report(project)
            out = Path(tmp) / name
            formats = ["pdf", "html", *(["docx"] if name in DOCX else [])]
            crsreport.build(report, formats, out)
            pdf, html = out / f"{report.id}.pdf", out / f"{report.id}.html"
            page = OUT / f"{name}-pdf"
            number = 2 if name == "report" else 1  # the Report's cover is bare: show its summary
            picture(pdf, number, page)
            if name in DOCX:
                picture(libreoffice_pdf(out / f"{report.id}.docx", Path(tmp)), 1, OUT / DOCX[name])
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
