"""crsreport: Congressional Research Service-style reports in PDF, DOCX and HTML.

``import crsreport`` is light: each name below is imported when first used, and
WeasyPrint, python-docx and matplotlib only when a format or figure needs them.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .build import build
    from .check import check
    from .embed import append_section, render_section
    from .errors import ReportError
    from .load import load_report
    from .model import Author, Report
    from .plugins import load_plugins
    from .resolve import resolve

_WHERE = {
    "Author": "model",
    "Report": "model",
    "ReportError": "errors",
    "append_section": "embed",
    "build": "build",
    "check": "check",
    "load_plugins": "plugins",
    "load_report": "load",
    "render_section": "embed",
    "resolve": "resolve",
}
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


def __getattr__(name: str) -> Any:
    """The public API, imported on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'crsreport' has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]


class _Package(ModuleType):
    """Keeps ``crsreport.build`` (and ``check``, ``resolve``) the functions: importing the
    submodule of the same name would otherwise rebind the name to the module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _WHERE and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
