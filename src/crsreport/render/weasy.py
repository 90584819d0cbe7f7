"""WeasyPrint, imported without a C compiler run per library name it guesses.

WeasyPrint opens Pango, HarfBuzz and fontconfig by trying several names each
(Windows', macOS', Linux'); cffi answers each name that does not open at once with
``ctypes.util.find_library``, which on Linux runs ``ldconfig``, ``gcc`` and ``ld`` to
search for it: 54 processes, 0.1-0.2 s of CPU per process, before the name that opens
directly (``libpango-1.0.so.0``) is reached. Imported with that search turned off,
WeasyPrint opens the same libraries; where it cannot (a system that needs the
search), it is imported again the usual way.
"""

from __future__ import annotations

import ctypes.util
import sys


def _no_search(name: str) -> None:
    return None


def _load() -> None:
    search = ctypes.util.find_library
    ctypes.util.find_library = _no_search
    try:
        import weasyprint  # noqa: F401
    except OSError:
        for module in [m for m in sys.modules if m.partition(".")[0] == "weasyprint"]:
            del sys.modules[module]
    finally:
        ctypes.util.find_library = search


_load()
import weasyprint  # noqa: E402  (the usual way, if the first try failed)

from .balance import install  # noqa: E402

install()  # balanced columns found by bisection, not pixel by pixel

__all__ = ["weasyprint"]
