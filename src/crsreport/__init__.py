"""crsreport: Congressional Research Service-style reports in PDF, DOCX and HTML.

``import crsreport`` is light: WeasyPrint, python-docx and matplotlib load only
when a format or figure that needs them is built.
"""

from __future__ import annotations

from .build import build
from .errors import ReportError
from .load import load_report
from .model import Author, Report
from .resolve import resolve

__all__ = ["Author", "Report", "ReportError", "build", "load_report", "resolve"]
__version__ = "0.1.0"
