"""YAML source maps: safe YAML parsing that records the line of every key and item.

Loading, includes, bibliographies and data files all read YAML through ``parse_yaml``
and name a field the same way (``sections[0].figures[1].data``), so every located message
reads alike. This module sits low, next to ``errors``, so any loader may use it.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import Location, Problem, ReportError

FieldPath = tuple[Any, ...]
"""A field path: mapping keys and list indexes, from the top of the file."""
Lines = dict[FieldPath, int]
Included = dict[FieldPath, tuple[str, Lines]]
"""Each included section's path in the report (``("sections", 1)``) → its file and lines."""
BODY = "<body>"
"""Last step of a path whose line is where a block scalar's text (``|``, ``>``) begins: the
line after its key, so a message inside inline text counts from the text's first line."""
"""The 1-based line of every key and item, by field path (``()`` is the document)."""

MAX_YAML_DEPTH = 100
MAX_ALIAS_NODES = 100_000
MAX_DIGITS = 100
"""Digits a number in report.yaml or data may have: past it, it is no count or amount
(Python also refuses to print integers of over 4 300 digits)."""


def dotted(path: FieldPath) -> str:
    """A field path as written in messages: ``sections[0].figures[1].data``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def line_of(path: FieldPath, lines: Lines) -> int | None:
    """The line of ``path``, or of its nearest recorded parent (a defaulted key has none)."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path)


def locate(file: str, path: FieldPath, lines: Lines) -> Location:
    """Where field ``path`` of ``file`` is: its file, line and dotted name."""
    return Location(file, line_of(path, lines), dotted(path))


class YAMLLimit(yaml.MarkedYAMLError):
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
                raise YAMLLimit(problem=what, problem_mark=self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def number_problem(text: str) -> str | None:
    """Why a number written as ``text`` cannot be used, or None when it can."""
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_DIGITS:
        return f"number of {digits:,} digits; numbers have at most {MAX_DIGITS} digits"
    return None


def _finite(value: float, text: str) -> str | None:
    if value != value or value in (float("inf"), float("-inf")):
        return f"'{text[:40]}' is not a finite number; write a number or quote it as text"
    return None


def _checked(construct: Any) -> Any:
    """A PyYAML number constructor that refuses huge numbers and, but for an explicit
    ``.inf``/``.nan``, floats that overflow."""

    def checked(loader: Any, node: yaml.ScalarNode) -> Any:
        problem = number_problem(node.value)
        if problem is None:
            value = construct(loader, node)
            explicit = node.value.strip().lstrip("+-").lower() in (".inf", ".nan")
            if isinstance(value, float) and not explicit:
                problem = _finite(value, node.value)
        if problem is not None:
            raise YAMLLimit(problem=problem, problem_mark=node.start_mark)
        return value

    return checked


def _set(loader: Any, node: yaml.MappingNode) -> list[Any]:
    """``!!set`` as a sorted list: a Python set prints and iterates in hash order, which
    changes with PYTHONHASHSEED (outputs must not)."""
    items = loader.construct_mapping(node)
    return sorted(items, key=lambda item: (type(item).__name__, str(item)))


_Loader.add_constructor("tag:yaml.org,2002:int", _checked(yaml.SafeLoader.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _checked(yaml.SafeLoader.construct_yaml_float))
_Loader.add_constructor("tag:yaml.org,2002:set", _set)
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
    return data, _source_map(node, name)


def _source_map(node: yaml.Node | None, name: str) -> Lines:
    """The lines of ``node``'s keys and items; duplicate keys are raised together."""
    lines: Lines = {}
    dupes: list[Problem] = []
    if node is not None:
        _walk(node, (), lines, dupes, name, yaml.constructor.SafeConstructor())
    if dupes:
        raise ReportError(dupes)
    return lines


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, name: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line = min(mark.line + 1, text.count("\n") or 1) if mark else None
    what = exc.problem or exc.context or "cannot be parsed"
    if isinstance(exc, YAMLLimit):
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
            raise YAMLLimit(problem="alias refers to itself", problem_mark=node.start_mark)
        elif key not in size:
            active.add(key)
            stack.append((node, True))
            stack.extend((k, False) for k in kids)
    if size[id(root)] - len(size) > MAX_ALIAS_NODES:
        extra = size[id(root)] - len(size)
        what = f"aliases expand to {extra:,} more values, past the {MAX_ALIAS_NODES:,} limit"
        raise YAMLLimit(problem=what, problem_mark=root.start_mark)
    if depth[id(root)] > MAX_YAML_DEPTH:
        what = f"aliases nest values deeper than {MAX_YAML_DEPTH} levels"
        raise YAMLLimit(problem=what, problem_mark=root.start_mark)


def _walk(
    node: yaml.Node, path: FieldPath, lines: Lines, dupes: list, name: str, keys: Any
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        lines[(*path, BODY)] = node.start_mark.line + 2
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value in node.value:
            key = keys.construct_object(key_node, deep=True)  # as in the data: 1, not "1"
            here = (*path, key)
            if key in seen:
                where = Location(name, key_node.start_mark.line + 1, dotted(here))
                dupes.append(Problem(where, "duplicate key; remove one of the two"))
            seen.add(key)
            _walk(value, here, lines, dupes, name, keys)
            lines[here] = key_node.start_mark.line + 1  # the key's line, not its value's
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), lines, dupes, name, keys)
