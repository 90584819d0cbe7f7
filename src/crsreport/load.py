"""Load stage: read report.yaml and validate it into a located ``Report``."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import Location, Problem, ReportError
from .figures import DATE_PATTERN
from .model import Report
from .sources import MAX_FILE_BYTES, decode, note_read

Lines = dict[tuple[Any, ...], int]
MAX_YAML_DEPTH = 100
PATTERN_WORDS = {
    DATE_PATTERN: "a date (YYYY, YYYY-MM or YYYY-MM-DD)",
    r"^[A-Za-z][\w.-]*$": "an id (a letter, then letters, digits, '.', '_' or '-')",
    r"(?i)\.(png|jpe?g|svg)$": "a PNG, JPEG or SVG file name",
}
MAX_ALIAS_NODES = 100_000


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
    from .include import expand_includes
    from .plugins import load_plugins

    load_plugins()
    file = project_file(path)
    root = file.parent.resolve()
    name = file.name
    text = _read(file)
    data, lines = parse_yaml(text, name)
    if not isinstance(data, dict):
        raise ReportError(Problem(Location(name, 1), "the report file must be a YAML mapping"))
    expand_includes(data, root, name, lines)
    return validate(data, name, lines).located(root, name, lines)


def _read(file: Path) -> str:
    note_read(file.resolve())
    if file.stat().st_size > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 2**20
        raise ReportError(Problem(Location(file.name), f"larger than the {limit} MB limit"))
    return decode(file.read_bytes(), Location(file.name))


class _Limit(yaml.MarkedYAMLError):
    """YAML that parses but is too deep or expands too far to be read safely."""


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so pydantic reports bad ones, and stops at
    MAX_YAML_DEPTH levels before PyYAML's recursive composer meets Python's stack limit."""

    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                what = f"nested deeper than {MAX_YAML_DEPTH} levels"
                raise _Limit(problem=what, problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, name: str) -> tuple[Any, Lines]:
    """Parse YAML safely; return the data and the line of every key and item."""
    try:
        loader = _Loader(text)  # checks every character first
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        what = f"character {exc.character:#06x} is not allowed in YAML; remove it"
        raise ReportError(Problem(Location(name, line), what)) from None
    try:
        node = loader.get_single_node()
        if node is not None:
            check_expansion(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        raise ReportError(_yaml_problem(exc, text, name)) from None
    except yaml.YAMLError as exc:
        raise ReportError(f"{name}: malformed YAML: {exc}") from None
    finally:
        loader.dispose()
    lines: Lines = {}
    dupes: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, dupes, name, yaml.constructor.SafeConstructor())
    if dupes:
        raise ReportError(dupes)
    return data, lines


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, name: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = min(mark.line + 1, text.count("\n") or 1) if mark else None
    what = exc.problem or exc.context or "cannot be parsed"
    if isinstance(exc, _Limit):
        return Problem(Location(name, line), f"YAML {what}")
    if "could not determine a constructor" in str(exc.problem):
        tag = str(exc.problem).split("tag ")[-1].replace("tag:yaml.org,2002:", "!!")
        return Problem(Location(name, line), f"YAML tag {tag} is not allowed; write plain values")
    return Problem(Location(name, line), f"malformed YAML: {what}; check indentation and quoting")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def check_expansion(root: yaml.Node) -> None:
    """Refuse aliases that refer to themselves, expand past MAX_ALIAS_NODES ("billion
    laughs") or nest past MAX_YAML_DEPTH, before anything walks the data."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key, kids = id(node), _children(node)
        if done:
            active.discard(key)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
        elif key in active:
            raise _Limit(problem="alias refers to itself", problem_mark=node.start_mark)
        elif key not in size:
            active.add(key)
            stack.append((node, True))
            stack.extend((k, False) for k in kids)
    if size[id(root)] - len(size) > MAX_ALIAS_NODES:
        extra = size[id(root)] - len(size)
        what = f"aliases expand to {extra:,} more values, past the {MAX_ALIAS_NODES:,} limit"
        raise _Limit(problem=what, problem_mark=root.start_mark)
    if depth[id(root)] > MAX_YAML_DEPTH:
        what = f"aliases nest values deeper than {MAX_YAML_DEPTH} levels"
        raise _Limit(problem=what, problem_mark=root.start_mark)


def _walk(
    node: yaml.Node, path: tuple[Any, ...], lines: Lines, dupes: list, name: str, keys: Any
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value in node.value:
            key = keys.construct_object(key_node, deep=True)  # as in the data: 1, not "1"
            if key in seen:
                where = Location(name, key_node.start_mark.line + 1, _dotted((*path, key)))
                dupes.append(Problem(where, "duplicate key; remove one of the two"))
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value, (*path, key), lines, dupes, name, keys)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, dupes, name, keys)


def validate(
    data: dict[str, Any], name: str, lines: Lines, model: type[BaseModel] | TypeAdapter = Report
):
    """Validate data into ``model`` (or a TypeAdapter); every problem is raised at once, located."""
    check = model.validate_python if isinstance(model, TypeAdapter) else model.model_validate
    try:
        return check(data)
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
        elif part == "[key]":
            continue  # the key itself was checked: the path already names it
        else:
            node = None
            yield part


_FIELDS: set[str] = set()


def _is_field(name: str) -> bool:
    if not _FIELDS:
        from .figures import Model as FigureModel
        from .model import Model

        for cls in _models(BaseModel):
            if cls.__module__.startswith("crsreport") or issubclass(cls, Model | FigureModel):
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
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_WORDS:
        return f"'{value}' is not {PATTERN_WORDS[ctx['pattern']]}"
    message = err["msg"].removeprefix("Value error, ")
    if kind in ("value_error", "assertion_error"):
        return message
    return f"{message[0].lower()}{message[1:]} (got {value!r})"
