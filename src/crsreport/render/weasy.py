"""WeasyPrint, imported without a C compiler run per library name it guesses.

WeasyPrint opens Pango, HarfBuzz and fontconfig by trying several names each
(Windows', macOS', Linux'); cffi answers each name that does not open at once with
``ctypes.util.find_library``, which on Linux runs ``ldconfig``, ``gcc`` and ``ld`` to
search for it: 54 processes, 0.1-0.2 s of CPU per process, before the name that opens
directly (``libpango-1.0.so.0``) is reached. Imported with that search turned off,
WeasyPrint opens the same libraries; where it cannot (a system that needs the
search), it is imported again the usual way.

Once imported, WeasyPrint's cffi ``ffi.new`` makes fixed-length arrays without parsing
a new C type per length (``quick_arrays``).
"""

from __future__ import annotations

import ctypes.util
import re
import sys
from contextlib import suppress
from typing import Any


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


ARRAY = re.compile(r"(\w+)\[(\d+)\]")
"""A fixed-length array type: ``hb_codepoint_t[42]``."""


def quick_arrays(ffi: Any) -> None:
    """Have ``ffi.new`` make a ``T[N]`` as an open ``T[]`` of length N. WeasyPrint asks
    for ``hb_codepoint_t[N]`` with each font's glyph count as N, and cffi parses every
    new type text with pycparser after declaring all of WeasyPrint's typedefs again:
    ~6 ms a font, 0.1-0.2 s of a cold PDF. The array is the same memory with the same
    values; only its cffi type is open."""
    new = ffi.new

    def quick_new(cdecl: Any, init: Any = None) -> Any:
        match = ARRAY.fullmatch(cdecl) if isinstance(cdecl, str) else None
        if match is None:
            return new(cdecl, init)
        array = new(f"{match[1]}[]", int(match[2]))
        if init is not None:
            array[0 : len(init)] = init
        return array

    quick_new.crsreport_quick = True  # type: ignore[attr-defined]
    if not getattr(ffi.new, "crsreport_quick", False):
        with suppress(AttributeError, TypeError):  # a compiled ffi takes none: left as is
            ffi.new = quick_new


_load()
import weasyprint  # noqa: E402  (the usual way, if the first try failed)
from weasyprint.text.ffi import ffi  # noqa: E402

quick_arrays(ffi)

from .balance import install  # noqa: E402

install()  # balanced columns found by bisection, not pixel by pixel

__all__ = ["weasyprint"]
