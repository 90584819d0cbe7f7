"""Validate parsed YAML into a model, every problem located by the file's source map.

Shared by the report file and included section files, so both read the same messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from . import dates
from .errors import Location, Problem, ReportError
from .figures import Model as FigureModel
from .model import Model, Report
from .sourcemap import FieldPath, Lines, dotted, line_of

PATTERN_WORDS = {
    dates.PATTERN: f"a date ({dates.FORMS})",
    r"^[A-Za-z][\w.-]*$": "an id (a letter, then letters, digits, '.', '_' or '-')",
    r"(?i)\.(png|jpe?g|svg)$": "a PNG, JPEG or SVG file name",
}

_field_names: set[str] = set()


def validate(
    data: dict[str, Any], name: str, lines: Lines, model: type[BaseModel] | TypeAdapter = Report
) -> Any:
    """Validate data into ``model`` (or a TypeAdapter); every problem is raised at once, located."""
    check = model.validate_python if isinstance(model, TypeAdapter) else model.model_validate
    try:
        return check(data)
    except ValidationError as exc:
        problems = [_problem(err, data, name, lines) for err in exc.errors()]
        problems.sort(key=lambda p: p.where.line or 0)
        raise ReportError(list(dict.fromkeys(problems))) from None


def field_names() -> set[str]:
    """Every field of the report's models (plugins' included): "did you mean" candidates."""
    if not _field_names:
        for cls in _models(BaseModel):
            if cls.__module__.startswith("crsreport") or issubclass(cls, Model | FigureModel):
                _field_names.update(cls.model_fields)
    return _field_names


def forget_field_names() -> None:
    """Drop the cached field names: new kinds (plugins) bring new fields."""
    _field_names.clear()


def _models(cls: type) -> list[type]:
    return [cls, *(m for sub in cls.__subclasses__() for m in _models(sub))]


def _keep(loc: FieldPath, data: Any) -> Iterator[Any]:
    """The parts of pydantic's error path that name the writer's keys and items."""
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
            yield part
        elif isinstance(node, dict | list) and isinstance(part, str) and part not in field_names():
            continue  # a union tag or pydantic's internal step
        elif part == "[key]":
            continue  # the key itself was checked: the path already names it
        else:
            node = None
            yield part


def _problem(err: dict[str, Any], data: Any, name: str, lines: Lines) -> Problem:
    path = tuple(_keep(tuple(err["loc"]), data))
    where = Location(name, line_of(path, lines), dotted(path) or "(top level)")
    return Problem(where, _explain(err, path))


def _explain(err: dict[str, Any], path: FieldPath) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        close = difflib.get_close_matches(key, sorted(field_names()), n=1)
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
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_WORDS:
        return f"'{value}' is not {PATTERN_WORDS[ctx['pattern']]}"
    message = err["msg"].removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error"):
        return message
    return f"{message[0].lower()}{message[1:]} (got {value!r})"
