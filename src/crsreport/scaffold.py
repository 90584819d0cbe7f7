"""``make-report --init DIR``: a new project that builds at once.

The files come from ``templates/init``: ``common/`` (data and shared prose) overlaid
with the product's own folder (its report.yaml and prose).
"""

from __future__ import annotations

import datetime as dt
import logging
import shlex
import shutil
from pathlib import Path

from .errors import ReportError
from .plugins import load_plugins
from .products import PRODUCTS
from .resources import templates_dir

log = logging.getLogger("crsreport")


def init_project(
    folder: str | Path, product: str = "in_focus", today: dt.date | None = None
) -> Path:
    """Create a project in ``folder`` (new or empty) for ``product``; return its report.yaml."""
    load_plugins()
    folder = Path(folder)
    if product not in PRODUCTS:
        raise ReportError(
            f"--product: unknown product '{product}'; choose from {', '.join(PRODUCTS)}"
        )
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ReportError(f"{folder}: already exists and is not empty; choose a new folder")
    shutil.copytree(templates_dir() / "init" / "common", folder, dirs_exist_ok=True)
    shutil.copytree(PRODUCTS[product].init_folder(), folder, dirs_exist_ok=True)
    report = folder / "report.yaml"
    text = report.read_text(encoding="utf-8")
    day = (today or dt.date.today()).isoformat()
    text = text.replace("@DATE@", day).replace("@DIR@", _shown(folder))
    report.write_text(text, encoding="utf-8")
    name = PRODUCTS[product].title
    log.info("created a new %s in %s; build it with: make-report %s", name, folder, folder)
    return report


def _shown(folder: Path) -> str:
    """The folder as a shell word for report.yaml's comment: quoted, and a placeholder
    for a name a comment cannot hold (a newline) or UTF-8 cannot (undecodable bytes)."""
    name = str(folder)
    if not name.isprintable() or any(0xD800 <= ord(c) <= 0xDFFF for c in name):
        return "FOLDER"
    return shlex.quote(name)
