"""``python -m crsreport`` is ``make-report``."""

from .cli import entry

entry()
