"""Validate parsed YAML into a model, every problem located by the file's source map.

Shared by the report file and included section files, so both read the same messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

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
        root = model if isinstance(model, type) else getattr(model, "_type", None)
        problems = [_problem(err, data, name, lines, root) for err in exc.errors()]
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


def _problem(err: dict[str, Any], data: Any, name: str, lines: Lines, root: Any = None) -> Problem:
    path = tuple(_keep(tuple(err["loc"]), data))
    where = Location(name, line_of(path, lines), dotted(path) or "(top level)")
    valid = fields_at(root, tuple(err["loc"])[:-1]) if root is not None else None
    return Problem(where, _explain(err, path, valid))


def fields_at(root: Any, loc: tuple[Any, ...]) -> set[str] | None:
    """The keys valid where pydantic's error path ``loc`` leads (None when unknown): the
    fields of the model(s) there, a union tag (``bar``, ``overview``) choosing the member."""
    here = _leaves(root)
    for part in loc:
        step: list[Any] = []
        for leaf in here:
            if isinstance(part, int) and get_origin(leaf) is list:
                step += _leaves(get_args(leaf)[0])
            elif isinstance(part, str) and get_origin(leaf) is dict:
                step += _leaves(get_args(leaf)[1])
            elif _is_model(leaf) and part in leaf.model_fields:
                step += _leaves(leaf.model_fields[part].annotation)
            elif _is_model(leaf) and part == _tag_of(leaf):
                step.append(leaf)
        if step:  # else an internal step of pydantic's (a validator's name): stay
            here = step
    models = [leaf for leaf in here if _is_model(leaf)]
    return {f for m in models for f in m.model_fields} if models else None


def _leaves(annotation: Any) -> list[Any]:
    """An annotation's alternatives: Annotated and unions opened, list/dict kept whole."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _leaves(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return [leaf for arg in get_args(annotation) for leaf in _leaves(arg)]
    return [annotation]


def _is_model(leaf: Any) -> bool:
    return isinstance(leaf, type) and issubclass(leaf, BaseModel)


def _tag_of(model: type[BaseModel]) -> Any:
    kind = model.model_fields.get("kind")
    return kind.default if kind is not None else None


def _explain(err: dict[str, Any], path: FieldPath, valid: set[str] | None = None) -> str:
    kind, ctx, value = err["type"], err.get("ctx", {}), err.get("input")
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        choices = sorted((valid if valid is not None else field_names()) - {key})
        close = difflib.get_close_matches(key, choices, n=1)
        if close:
            return f"unknown key '{key}'; did you mean '{close[0]}'?"
        keys = f" (keys here: {', '.join(choices)})" if valid is not None else ""
        return f"unknown key '{key}'; remove it or check the spelling{keys}"
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
