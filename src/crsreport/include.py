"""Shared sections: ``- include: ../shared-sections/sanctions.yaml`` in a list of sections.

An included file holds one section, written as in report.yaml. Its relative paths (prose
``.md`` files, figure ``data`` and ``file``, overlay ``data``, nested ``include``) are read
from the file's own folder, so a section library can move between projects. Included files,
and every file they name, must lie in the project or in a folder the report declares:

    include_roots: [../shared-sections]

Errors inside an included file are located in that file.

Who may widen what a build reads is the person running it, not the (perhaps untrusted)
project: a declared root must lie within the project's parent folder, and may not be the
file system's root, a system folder or the home folder, unless the command line grants
it (``make-report --include-root PATH``). At most MAX_INCLUDES sections are included in
all, so a file including the next one eight times, eight deep, stops at once.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import Collector, Location, Problem, ReportError
from .model import SECTION_KINDS, Report, section_adapter
from .sourcemap import Included, Lines, locate, parse_yaml
from .sources import is_prose_file, read_text
from .validation import validate

MAX_DEPTH = 8
MAX_INCLUDES = 1_000
"""Sections included in all, however they nest."""
INCLUDE_SUFFIXES = (".yaml", ".yml")
SYSTEM_FOLDERS = frozenset(
    Path(p) for p in ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/opt", "/proc")
) | frozenset(Path(p) for p in ("/root", "/run", "/sbin", "/srv", "/sys", "/usr", "/var"))
"""Folders no report may declare as an include root (nor any folder inside them)."""


def declared_roots(
    data: dict[str, Any], root: Path, name: str, lines: Lines, granted: Sequence[Path] = ()
) -> tuple[Path, ...]:
    """The project folder, then each folder in ``include_roots`` (relative, existing,
    within reach: see ``reach_problem``)."""
    declared = data.get("include_roots")
    if not isinstance(declared, list):
        return (root,)  # a wrong type is reported by validation
    roots, problems = [root], Collector()
    for i, item in enumerate(declared):
        where = locate(name, ("include_roots", i), lines)
        if not isinstance(item, str):
            continue
        if Path(item).is_absolute() or item.startswith("~"):
            problems.add(
                where, f"'{item}' is an absolute path; give a folder relative to the project"
            )
        elif not (root / item).is_dir():
            problems.add(where, f"folder not found: '{item}' (relative to {root})")
        elif problem := reach_problem((root / item).resolve(), root, granted):
            problems.add(where, f"'{item}' {problem}")
        else:
            roots.append((root / item).resolve())
    problems.check()
    return tuple(roots)


def reach_problem(folder: Path, root: Path, granted: Sequence[Path]) -> str | None:
    """Why a report may not read ``folder`` (a resolved include root), or None."""
    if any(folder.is_relative_to(Path(g).resolve()) for g in granted):
        return None
    grant = f"; to allow it, run make-report --include-root {folder}"
    home = Path(os.path.expanduser("~")).resolve()
    if folder == Path(folder.anchor) or folder == home:
        return f"is {folder}, the whole file system or home folder{grant}"
    if any(folder.is_relative_to(system) for system in SYSTEM_FOLDERS):
        return f"is the system folder {folder}{grant}"
    if not folder.is_relative_to(root.parent):
        return f"leads to {folder}, above the project's parent folder{grant}"
    return None


def expand_includes(
    data: dict[str, Any], root: Path, name: str, lines: Lines, granted: Sequence[Path] = ()
) -> Included:
    """Replace each ``{include: file}`` item of ``sections`` (and of any ``subsections``)
    by the validated section the file holds; return where each came from."""
    expander = _Expander(declared_roots(data, root, name, lines, granted))
    expander.sections(data, name, lines, (), ())
    return expander.found


class _Expander:
    """Walks section lists, reading included files once per chain (cycles are refused)."""

    def __init__(self, roots: tuple[Path, ...]) -> None:
        self.roots = roots
        self.count = 0
        self.found: Included = {}

    def sections(
        self,
        owner: Any,
        name: str,
        lines: Lines,
        path: tuple[Any, ...],
        chain: tuple[Path, ...],
        base: tuple[Any, ...] = (),
    ) -> None:
        """Expand the includes in ``owner``'s ``sections`` or ``subsections`` list."""
        if not isinstance(owner, dict):
            return
        for key in ("sections", "subsections"):
            items = owner.get(key)
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                here = (*path, key, i)
                if isinstance(item, dict) and "include" in item:
                    items[i] = self.include(item, name, lines, here, chain, (*base, *here))
                else:
                    self.sections(item, name, lines, here, chain, base)

    def include(
        self,
        item: dict[str, Any],
        name: str,
        lines: Lines,
        path: tuple[Any, ...],
        chain: tuple,
        at: tuple[Any, ...],
    ) -> Any:
        """The section an include item names, read, expanded and validated; ``at``: its
        path in the report."""
        where = locate(name, (*path, "include"), lines)
        target = item["include"]
        if set(item) != {"include"}:
            extra = ", ".join(sorted(str(k) for k in item if k != "include"))
            raise ReportError(
                Problem(where, f"an include takes no other keys ({extra}); set them in the file")
            )
        if not isinstance(target, str) or not target.lower().endswith(INCLUDE_SUFFIXES):
            raise ReportError(
                Problem(where, f"include a YAML file (.yaml or .yml), not {target!r}")
            )
        self.count += 1
        if self.count > MAX_INCLUDES:
            what = f"more than {MAX_INCLUDES:,} sections are included in all; include fewer"
            raise ReportError(Problem(where, what))
        text = read_text(self.roots, target, where)
        full = (self.roots[0] / target).resolve()
        if full in chain or len(chain) >= MAX_DEPTH:
            raise ReportError(Problem(where, f"'{target}' includes itself (or nests too deep)"))
        return self.load(text, target, (*chain, full), at)

    def load(self, text: str, shown: str, chain: tuple[Path, ...], at: tuple[Any, ...]) -> Any:
        raw, lines = parse_yaml(text, shown)
        if not isinstance(raw, dict):
            raise ReportError(Problem(Location(shown, 1), "an included file holds one section"))
        rebase_section(raw, posixpath.dirname(shown))
        self.found[at] = (shown, lines)
        self.sections(raw, shown, lines, (), chain, at)
        return validate(raw, shown, lines, section_adapter())


def rebase_section(section: dict[str, Any], folder: str) -> None:
    """Make the section's relative file paths relative to the project (``folder`` + path)."""
    if "prose" in section:
        section["prose"] = _rebase_prose(section["prose"], folder)
    for figure in _dicts(section.get("figures")):
        for key in ("data", "file"):
            _rebase_key(figure, key, folder)
        for overlay in _dicts(figure.get("overlays")):
            _rebase_key(overlay, "data", folder)
    for sub in _dicts(section.get("subsections")):
        if "include" in sub:
            _rebase_key(sub, "include", folder)
        else:
            rebase_section(sub, folder)


def _rebase_prose(prose: Any, folder: str) -> Any:
    if isinstance(prose, str):
        prose = [prose]
    if not isinstance(prose, list):
        return prose
    return [_join(folder, p) if isinstance(p, str) and is_prose_file(p) else p for p in prose]


def _rebase_key(owner: dict[str, Any], key: str, folder: str) -> None:
    if isinstance(owner.get(key), str):
        owner[key] = _join(folder, owner[key])


def _join(folder: str, path: str) -> str:
    if not folder or posixpath.isabs(path) or path.startswith("~"):
        return path
    return posixpath.normpath(posixpath.join(folder, path))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


INCLUDE_SCHEMA = {
    "type": "object",
    "title": "SectionInclude",
    "description": "A section kept in another YAML file (under the project or include_roots).",
    "properties": {"include": {"type": "string", "pattern": r"(?i)\.ya?ml$"}},
    "required": ["include"],
    "additionalProperties": False,
}


def report_schema() -> dict[str, Any]:
    """The JSON Schema of report.yaml: the Report model, where a section may be an include."""
    schema = Report.model_json_schema()
    names = {f"#/$defs/{cls.__name__}" for cls in SECTION_KINDS.values()}
    for node in _unions(schema):
        union = node.pop("oneOf")
        node["anyOf"] = union  # a section without `kind` fits several kinds: any one will do
        if names & {item.get("$ref") for item in union}:
            union.append({"$ref": "#/$defs/SectionInclude"})
    schema.setdefault("$defs", {})["SectionInclude"] = INCLUDE_SCHEMA
    return schema


def _unions(node: Any) -> list[dict[str, Any]]:
    """Every schema node holding a ``oneOf`` list."""
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("oneOf"), list):
            found.append(node)
        for value in node.values():
            found += _unions(value)
    elif isinstance(node, list):
        for value in node:
            found += _unions(value)
    return found
