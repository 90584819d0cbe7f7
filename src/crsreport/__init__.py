"""crsreport: Congressional Research Service-style reports in PDF, DOCX and HTML.

``import crsreport`` is light: WeasyPrint, python-docx and matplotlib load only
when a format or figure that needs them is built.
"""

from __future__ import annotations

from .build import build
from .check import check
from .embed import append_section, render_section
from .errors import ReportError
from .load import load_report
from .model import Author, Report
from .plugins import load_plugins
from .resolve import resolve

__all__ = [
    "Author",
    "Report",
    "ReportError",
    "append_section",
    "build",
    "check",
    "load_plugins",
    "load_report",
    "render_section",
    "resolve",
]
__version__ = "0.1.0"
