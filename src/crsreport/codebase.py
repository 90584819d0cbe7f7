"""The code and templates that shape outputs, defined once. Standard library only.

Besides a report's own files, an output depends on:

- crsreport's own modules (every ``*.py`` in the package);
- the house templates (every file: templates, stylesheets, fonts, reference files);
- every loaded plugin: the top-level package (every file in it but bytecode, so its
  stylesheets too) or single module of each entry point in the ``crsreport.*`` groups;
- the environment: Python's and the rendering libraries' versions, and the entry points
  installed.

Three users share this definition:

- ``stamp.py`` lists ``files()`` (size, mtime and hash) and ``environment()`` in its
  stamp, so ``make-report`` says "nothing changed" only when none of them did;
- ``incremental.py`` puts ``fingerprint()`` (all of it, hashed) in every format's input
  hash, so a changed module, plugin or template renders the formats again;
- ``fingerprint.py`` keys each figure by only the part that draws its kind
  (``part_hash``): ``crsreport.figures``, or the plugin package that defines the kind;
  a change to the HTML writer redraws nothing.

Standard library only: ``stamp.py`` runs this before anything heavy is imported. Hashes
are kept for the life of the process (``forget`` drops them).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .resources import templates_dir

PACKAGE = Path(__file__).parent
"""crsreport's own package folder."""
GROUPS = (
    "crsreport.products",
    "crsreport.sections",
    "crsreport.figures",
    "crsreport.renderers",
)
"""The entry point groups plugins join through (``plugins.py``)."""
LIBRARIES = (
    "crsreport",
    "weasyprint",
    "python-docx",
    "matplotlib",
    "fonttools",
    "pikepdf",
    "jinja2",
    "pydantic",
)
"""crsreport and the libraries that shape its outputs."""


@dataclass(frozen=True)
class Part:
    """A named group of files that shape outputs, with names relative to ``base``."""

    label: str
    base: Path
    files: tuple[Path, ...]


def own_code() -> Part:
    """crsreport's own modules."""
    return Part("crsreport", PACKAGE, tuple(sorted(PACKAGE.rglob("*.py"))))


def figures_code() -> Part:
    """The modules that draw crsreport's own figure kinds (the ``figures`` package)."""
    folder = PACKAGE / "figures"
    return Part("crsreport.figures", folder, tuple(sorted(folder.rglob("*.py"))))


def templates() -> Part:
    """The house templates, stylesheets, fonts and reference files."""
    folder = templates_dir()
    return Part("templates", folder, tuple(sorted(p for p in folder.rglob("*") if p.is_file())))


def plugin_packages() -> list[str]:
    """The top-level module of every installed entry point in ``GROUPS``, each once."""
    tops = {ep["value"].split(":")[0].split(".")[0].strip() for ep in entry_points()}
    return sorted(tops - {"", "crsreport"})


def package(top: str) -> Part | None:
    """The files of the loaded top-level package or module ``top`` (None if not loaded):
    every file in a package's folder but bytecode, or a single module's file."""
    file = getattr(sys.modules.get(top), "__file__", None)
    if file is None:
        return None
    path = Path(file)
    if path.name != "__init__.py":  # a single-module plugin
        return Part(top, path.parent, (path,))
    found = (p for p in path.parent.rglob("*") if p.is_file() and not _bytecode(p))
    return Part(top, path.parent, tuple(sorted(found)))


def plugins() -> list[Part]:
    """The loaded plugins' packages."""
    return [part for top in plugin_packages() if (part := package(top)) is not None]


def parts() -> list[Part]:
    """Everything besides the report that shapes outputs, file by file."""
    return [own_code(), templates(), *plugins()]


def files() -> list[Path]:
    """Every file of ``parts()``."""
    return [path for part in parts() for path in part.files]


def files_hash(files: list[Path] | tuple[Path, ...], base: Path) -> str:
    """One hash over ``files`` (names relative to ``base``, and contents)."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.relative_to(base).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def part_hash(part: Part) -> str:
    """The hash of one part's files (kept for the life of the process)."""
    return _part_hash(part.label, part.base, part.files)


def fingerprint() -> str:
    """One hash over everything that shapes outputs: ``parts()`` and ``environment()``."""
    h = hashlib.sha256()
    for part in parts():
        h.update(f"{part.label}\0{part_hash(part)}\0".encode())
    h.update(json.dumps(environment(), sort_keys=True).encode())
    return h.hexdigest()[:32]


def environment() -> dict[str, Any]:
    """What the outputs depend on besides files: Python, libraries, installed plugins."""
    return {"python": sys.version, "libraries": versions(), "plugins": entry_points()}


@cache
def versions() -> dict[str, str | None]:
    """The installed versions of ``LIBRARIES``."""
    from importlib import metadata

    found: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


@cache
def entry_points() -> list[dict[str, str]]:
    """The installed entry points in ``GROUPS``, as plain data, in a fixed order (kept for
    the life of the process: reading every distribution's metadata takes ~0.2 s, which
    a warm ``--watch`` rebuild would pay three times)."""
    found = []
    for group in GROUPS:
        for ep in installed(group):
            dist = _dist_name(ep.dist) if ep.dist else ""
            found.append({"group": group, "name": ep.name, "value": ep.value, "dist": dist})
    return sorted(found, key=lambda e: (e["group"], e["name"], e["value"]))


def installed(group: str) -> Any:
    """The installed entry points of ``group`` (``importlib.metadata.EntryPoints``)."""
    return _all_entry_points().select(group=group)


@cache
def _all_entry_points() -> Any:
    """Every installed entry point, read in one pass over the distributions (one pass
    per group read each distribution's metadata once per group)."""
    from importlib.metadata import entry_points

    return entry_points()


def _dist_name(dist: Any) -> str:
    """``name version`` of a distribution; a hand-made one may lack its Version field."""
    return f"{dist.name} {dist.metadata.get('Version') or ''}".strip()


def forget() -> None:
    """Drop the hashes kept so far (a file changed while this process runs)."""
    _part_hash.cache_clear()
    versions.cache_clear()
    entry_points.cache_clear()
    _all_entry_points.cache_clear()


@cache
def _part_hash(label: str, base: Path, files: tuple[Path, ...]) -> str:
    return files_hash(files, base)


def _bytecode(path: Path) -> bool:
    return path.suffix in (".pyc", ".pyo") or "__pycache__" in path.parts
