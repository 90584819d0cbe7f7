"""What the benchmark ran on: CPU, cores, memory, versions, load."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return match.group(1).strip() if match else "unknown"


def memory_gb() -> float:
    """Total memory from /proc/meminfo."""
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^MemTotal:\s*(\d+) kB", text, re.M)
    return int(match.group(1)) / 2**20 if match else 0.0


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def harfbuzz_subset() -> bool:
    """Whether WeasyPrint found libharfbuzz-subset (else it subsets fonts with fontTools)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def describe() -> dict[str, Any]:
    """Facts about this machine and the tools measured."""
    import pypandoc

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "memory": f"{memory_gb():.0f} GB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "crsreport": metadata.version("crsreport"),
        "weasyprint": metadata.version("weasyprint"),
        "matplotlib": metadata.version("matplotlib"),
        "python-docx": metadata.version("python-docx"),
        "pandoc": f"{pypandoc.get_pandoc_version()} (pypandoc-binary "
        f"{metadata.version('pypandoc-binary')})",
        "harfbuzz_subset": harfbuzz_subset(),
        "load_before": load_average(),
    }


def summary(info: dict[str, Any]) -> str:
    """One line for the console."""
    return (
        f"{info['cpu']}, {info['cores']} cores, Python {info['python']}, "
        f"WeasyPrint {info['weasyprint']}, pandoc {info['pandoc']}, load {info['load_before']}"
    )


def pdf_pages(path: Path) -> int | None:
    """The page count of a PDF (poppler's pdfinfo), or None without it."""
    tool = shutil.which("pdfinfo")
    if tool is None:
        return None
    out = subprocess.run([tool, str(path)], capture_output=True, text=True).stdout
    match = re.search(r"^Pages:\s*(\d+)", out, re.M)
    return int(match.group(1)) if match else None
