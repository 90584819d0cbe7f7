"""Load stage: read report.yaml and validate it into a located ``Report``."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import Location, Problem, ReportError
from .model import Report

Lines = dict[tuple[Any, ...], int]


def project_file(path: str | Path) -> Path:
    """The report.yaml a PROJECT argument names (a folder or the file itself)."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.yaml"
    if not path.is_file():
        raise ReportError(
            f"{path}: no report file here; pass a project folder holding report.yaml "
            "or the path of a report YAML file"
        )
    return path


def load_report(path: str | Path) -> Report:
    """Read and validate a report.yaml (or a folder holding one)."""
    file = project_file(path)
    root = file.parent.resolve()
    name = file.name
    text = _read(file)
    data, lines = parse_yaml(text, name)
    if not isinstance(data, dict):
        raise ReportError(Problem(Location(name, 1), "the report file must be a YAML mapping"))
    return validate(data, name, lines).located(root, name, lines)


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{file.name}: not UTF-8 text ({exc.reason})") from None


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so pydantic reports bad ones."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, name: str) -> tuple[Any, Lines]:
    """Parse YAML safely; return the data and the line of every key and item."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = min(mark.line + 1, text.count("\n") or 1) if mark else None
        what = exc.problem or exc.context or "cannot be parsed"
        raise ReportError(
            Problem(Location(name, line), f"malformed YAML: {what}; check indentation and quoting")
        ) from None
    except yaml.YAMLError as exc:
        raise ReportError(f"{name}: malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    lines: Lines = {}
    dupes: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, dupes, name)
    if dupes:
        raise ReportError(dupes)
    return data, lines


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: Lines, dupes: list, name: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                where = Location(name, key.start_mark.line + 1, _dotted((*path, key.value)))
                dupes.append(Problem(where, "duplicate key; remove one of the two"))
            seen.add(key.value)
            lines[(*path, key.value)] = key.start_mark.line + 1
            _walk(value, (*path, key.value), lines, dupes, name)
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, dupes, name)


def validate(data: dict[str, Any], name: str, lines: Lines, model: type[BaseModel] = Report):
    """Validate data into ``model``; every problem is raised at once, located."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(err, data, name, lines) for err in exc.errors()]
        problems.sort(key=lambda p: p.where.line or 0)
        raise ReportError(_unique(problems)) from None


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _keep(loc: tuple[Any, ...], data: Any):
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
            yield part
        elif isinstance(node, dict | list) and isinstance(part, str) and not _is_field(part):
            continue  # a union tag or pydantic's internal step
        else:
            node = None
            yield part


_FIELDS: set[str] = set()


def _is_field(name: str) -> bool:
    if not _FIELDS:
        for cls in _models(BaseModel):
            if cls.__module__.startswith("crsreport"):
                _FIELDS.update(cls.model_fields)
    return name in _FIELDS


def _models(cls: type) -> list[type]:
    return [cls, *(m for sub in cls.__subclasses__() for m in _models(sub))]


def _line(path: tuple[Any, ...], lines: Lines) -> int | None:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _problem(err: dict[str, Any], data: Any, name: str, lines: Lines) -> Problem:
    path = tuple(_keep(tuple(err["loc"]), data))
    return Problem(Location(name, _line(path, lines), _dotted(path)), _explain(err, path))


def _explain(err: dict[str, Any], path: tuple[Any, ...]) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        _is_field(key)  # fills the known field names
        close = difflib.get_close_matches(key, sorted(_FIELDS), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else "; remove it or check the spelling"
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return "required key is missing; add it"
    if kind == "union_tag_invalid":
        what = "figure kind" if "figures" in path else "section kind"
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"unknown {what} '{ctx.get('tag')}'; expected one of: {expected}"
    if kind.startswith("date"):
        return f"'{value}' is not a valid date; write it as YYYY-MM-DD (2022-02-03)"
    message = err["msg"].removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error"):
        return message
    return f"{message[0].lower()}{message[1:]} (got {value!r})"
