"""Where the house templates and fonts live: inside the wheel, or the source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def templates_dir() -> Path:
    """The house templates folder (shipped in the wheel as crsreport/templates)."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "templates"
    if checkout.is_dir():
        return checkout
    raise RuntimeError(f"crsreport templates not found beside {Path(__file__).parent}")


def fonts_dir() -> Path:
    """The bundled Liberation fonts."""
    return templates_dir() / "fonts"
