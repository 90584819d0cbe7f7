"""The Jinja sandbox prose values are computed in: no escapes, bounded time and memory.

Jinja's own sandbox stops attribute walks (``__class__``, ``__globals__``) and
unsafe ``str.format`` calls. This one also makes sure a template cannot build a
gigabyte string or loop for hours before the output-size check sees it: every
string or list a template builds stays under ``MAX_CHARS`` (``*``, ``**``, ``+``,
``%``, ``~``, ``replace``, ``join``, ``format`` are checked *before* they run), no
value is printed or handed to a text filter if it would print past ``MAX_CHARS``
(``[big] * 1000`` is cheap to hold, not to print), ``range`` is short, loops share an
iteration budget, and macros (recursion), recursive loops, captured blocks, includes
and padding helpers are refused. Work is budgeted too: every filter, test, method call
and comparison counts the characters or items it touches against ``MAX_WORK`` per render
(``map('upper')`` over two million long strings, or sorting a long string in a loop,
stops there instead of running for hours), and arguments that scale output (``indent``)
are capped.
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

MAX_CHARS = 2_000_000
MAX_RANGE = 10_000
MAX_LOOPS = 1_000_000
MAX_INT_BITS = 100_000
MAX_WORK = 10_000_000
"""Characters or items all filters, tests, calls and comparisons of one render may touch."""
MAX_INDENT = 16
WEIGHTS = {"sort": 20, "unique": 20, "groupby": 20, "dictsort": 20, "min": 5, "max": 5}
"""Filters that spend more than one step per item (Python key calls, n log n)."""
CONSTANT = frozenset(
    {"length", "count", "first", "last", "d", "default", "attr", "abs", "int", "float"}
    | {"round", "string"}
)
"""Filters whose cost does not grow with their input (``first`` reads one item): one step."""
REFUSED = {
    nodes.Macro: "macro",
    nodes.CallBlock: "call",
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "import",
    nodes.Extends: "extends",
    nodes.Block: "block",
    nodes.AssignBlock: "set … endset",
    nodes.FilterBlock: "filter",
}
DROPPED_FILTERS = ("center", "indent", "wordwrap", "slice", "batch", "random")
GROWING_METHODS = frozenset(
    {"center", "ljust", "rjust", "zfill", "expandtabs", "format", "format_map", "replace"}
    | {"join", "translate", "maketrans"}
)
STRUCTURAL_FILTERS = frozenset(
    {"abs", "attr", "count", "d", "default", "dictsort", "first", "float", "groupby", "int"}
    | {"items", "last", "length", "list", "map", "max", "min", "reject", "rejectattr"}
    | {"reverse", "round", "select", "selectattr", "sort", "sum", "unique"}
)
"""Filters that do not turn their input into text; every other filter's input is sized."""
_PRINTF_WIDE = re.compile(r"%(\([^)]*\))?[#0 +-]*(\*|\d{4,}|\d*\.(\*|\d{4,}))")
_LOOP, _CONCAT, _TOUCH = "_crs_loop_", "_crs_concat_", "_crs_touch_"
_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("budget", default=None)


class LimitError(SecurityError):
    """A template tried to build or loop over more than the sandbox allows."""


def _size(n: int, what: str) -> None:
    if n > MAX_CHARS:
        raise LimitError(f"{what} would build {n:,} items; the limit is {MAX_CHARS:,}")


def _sized(value: Any) -> bool:
    return isinstance(value, str | bytes | list | tuple)


def printed_size(value: Any, limit: int = MAX_CHARS) -> int:
    """About how many characters ``str(value)`` would make; counting stops past ``limit``."""
    total, stack = 0, [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 2
        elif isinstance(item, dict):
            total += 2 + 4 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set | frozenset):
            total += 2 + 2 * len(item)
            stack.extend(item)
        elif item is None or isinstance(item, int | float):
            total += 24
        elif isinstance(item, Undefined):
            total += len(str(item))  # StrictUndefined: raises, naming the missing name
        else:  # its repr holds a memory address: the output would change every run
            raise LimitError(f"{_kind(item)} has no plain form to print; {_HINT}")
    return total


_HINT = "print one of its values (a generator prints after '|list')"


def _kind(item: Any) -> str:
    name = type(item).__name__
    return {"builtin_function_or_method": "a method", "generator": "a generator"}.get(
        name, f"a value of type '{name}'"
    )


def check_printed(value: Any, what: str = "a value") -> Any:
    """``value`` if printing it stays under MAX_CHARS (used as Jinja's ``finalize``)."""
    if printed_size(value) > MAX_CHARS:
        raise LimitError(f"{what} would print more than {MAX_CHARS:,} characters")
    return value


def _check_printf(fmt: Any) -> None:
    if isinstance(fmt, str) and _PRINTF_WIDE.search(fmt):
        raise LimitError(f"format '{fmt[:40]}' asks for a width or precision over 999")


def check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse ``*``, ``**``, ``+`` and ``%`` whose result would be too large."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "*" and _sized(left) and isinstance(right, int):
        _size(len(left) * right, "'*'")
    elif operator == "*" and _sized(right) and isinstance(left, int):
        _size(len(right) * left, "'*'")
    elif operator == "*" and ints and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise LimitError(f"'*' would build a number over {MAX_INT_BITS:,} bits")
    elif operator == "**" and ints and abs(left) > 1 and right > 0:
        if left.bit_length() * right > MAX_INT_BITS:
            raise LimitError(f"'**' would build a number over {MAX_INT_BITS:,} bits")
    elif operator == "+" and _sized(left) and _sized(right):
        _size(len(left) + len(right), "'+'")
    elif operator == "%":
        _check_printf(left)
        check_printed(right, "'%'")


def bounded_range(*args: int) -> range:
    """``range`` for templates: at most ``MAX_RANGE`` numbers."""
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise LimitError(f"range() of {len(numbers):,} numbers; the limit is {MAX_RANGE:,}")
    return numbers


def touched(value: Any) -> int:
    """What looking at ``value`` once costs: its characters or items, else 1."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return max(1, len(value))
    return 1


def touch(*values: Any, weight: int = 1) -> None:
    """Count ``values`` against the current render's MAX_WORK (no render: not counted)."""
    budget = _budget.get()
    if budget is not None:
        budget.spend(weight * sum(map(touched, values)))


class Budget:
    """The loop iterations, concatenations and work of one render."""

    def __init__(self) -> None:
        self.loops = 0
        self.work = 0

    def __enter__(self) -> Budget:
        self._token = _budget.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _budget.reset(self._token)

    def spend(self, amount: int) -> None:
        """Count work; past MAX_WORK the render stops."""
        self.work += amount
        if self.work > MAX_WORK:
            raise LimitError(
                f"filters, tests and comparisons touched more than {MAX_WORK:,} "
                "characters or items; compute less in prose"
            )

    def look(self, value: Any) -> Any:
        """A compared value, counted as it is looked at."""
        self.spend(touched(value))
        return value

    def loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Every ``{% for %}`` iterates through here; all loops share MAX_LOOPS."""
        for item in iterable:
            self.loops += 1
            if self.loops > MAX_LOOPS:
                raise LimitError(f"loops ran more than {MAX_LOOPS:,} times")
            yield item

    def concat(self, *parts: Any) -> str:
        """The ``~`` operator, checked before joining."""
        for part in parts:
            check_printed(part, "'~'")
        texts = [str(p) for p in parts]
        _size(sum(map(len, texts)), "'~'")
        return "".join(texts)

    def names(self) -> dict[str, Callable[..., Any]]:
        """The helpers the rewritten template calls."""
        return {_LOOP: self.loop, _CONCAT: self.concat, _TOUCH: self.look}


def _guarded_replace(func: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(func)
    def replace(ctx: Any, s: Any, old: str, new: str, count: int | None = None) -> str:
        text, old, new = str(s), str(old), str(new)
        times = text.count(old) if old else len(text) + 1
        if count is not None and count >= 0:
            times = min(times, count)
        _size(len(text) + times * max(len(new) - len(old), 0), "replace")
        return func(ctx, s, old, new, count)

    return replace


def _guarded_join(func: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(func)
    def join(ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
        items = list(value)
        _size(len(str(d)) * len(items) + printed_size(items), "join")
        return func(ctx, items, d, attribute)

    return join


def _guarded_sum(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def sum_(ctx: Any, iterable: Iterable[Any], attribute: Any = None, start: Any = 0) -> Any:
        if not isinstance(start, int | float):  # list + list + … takes quadratic time
            raise LimitError("sum adds numbers; give no other start")
        return func(ctx, iterable, attribute, start)

    return sum_


def _sized_input(func: Callable[..., Any]) -> Callable[..., Any]:
    """A text filter that refuses arguments which would print past MAX_CHARS."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) else 0

    @functools.wraps(func)
    def text_filter(*args: Any, **kwargs: Any) -> Any:
        for value in (*args[skip:], *kwargs.values()):
            check_printed(value, f"the input of '{func.__name__.removeprefix('do_')}'")
        return func(*args, **kwargs)

    return text_filter


def _counted(func: Callable[..., Any], weight: int = 1) -> Callable[..., Any]:
    """A filter or test that counts its arguments against the render's MAX_WORK
    (``weight`` 0: one step, whatever they hold)."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) else 0

    @functools.wraps(func)
    def counted(*args: Any, **kwargs: Any) -> Any:
        if weight:
            touch(*args[skip:], *kwargs.values(), weight=weight)
        else:
            touch(None)
        return func(*args, **kwargs)

    return counted


def _guarded_tojson(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def tojson(ctx: Any, value: Any, indent: Any = None) -> Any:
        if isinstance(indent, int) and indent > MAX_INDENT:
            raise LimitError(f"tojson indent {indent:,}; the limit is {MAX_INDENT}")
        return func(ctx, value, indent)

    return tojson


def _guarded_format(func: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(func)
    def format_(value: str, *args: Any, **kwargs: Any) -> str:
        _check_printf(value)
        return func(value, *args, **kwargs)

    return format_


class GuardedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with size, loop and feature limits."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            finalize=check_printed,
        )
        self.globals.clear()
        self.globals["range"] = bounded_range
        for name in DROPPED_FILTERS:
            self.filters.pop(name, None)
        self.filters["replace"] = _guarded_replace(self.filters["replace"])
        self.filters["join"] = _guarded_join(self.filters["join"])
        self.filters["format"] = _guarded_format(self.filters["format"])
        self.filters["sum"] = _guarded_sum(self.filters["sum"])
        self.filters["tojson"] = _guarded_tojson(self.filters["tojson"])
        for name, func in self.filters.items():
            if name not in STRUCTURAL_FILTERS and name != "join":  # join sizes its items
                func = _sized_input(func)
            weight = 0 if name in CONSTANT else WEIGHTS.get(name, 1)
            self.filters[name] = _counted(func, weight)
        for name, func in self.tests.items():
            self.tests[name] = _counted(func)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str | bytes) and attr in GROWING_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> None:
        """``str.format`` is refused outright (is_safe_attribute), never wrapped."""
        return None

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Every call counts what it is handed, a method of a string or list also the
        object it is bound to (a dict's ``get`` does not grow with the dict)."""
        bound = getattr(__obj, "__self__", None)
        touch(bound if isinstance(bound, str | bytes | list | tuple) else None, *args)
        touch(*kwargs.values())
        return super().call(__context, __obj, *args, **kwargs)

    def compile_guarded(self, source: str) -> Any:
        """Parse ``source``, refuse unsafe tags, route loops and ``~`` through the budget."""
        tree = self.parse(source)
        for node in tree.find_all(nodes.Stmt):
            tag = next((t for cls, t in REFUSED.items() if isinstance(node, cls)), None)
            if tag is None and isinstance(node, nodes.For) and node.recursive:
                tag = "for … recursive"
            if tag is not None:
                message = f"'{{% {tag} %}}' is not allowed in prose"
                raise TemplateSyntaxError(message, node.lineno or 1)
        return self.from_string(_Guard().visit(tree))


class _Guard(NodeTransformer):
    """Rewrites loops and ``~`` to call the render's Budget."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        node = self.generic_visit(node)
        node.iter = _call(_LOOP, [node.iter], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Call:
        node = self.generic_visit(node)
        return _call(_CONCAT, list(node.nodes), node.lineno)

    def visit_Compare(self, node: nodes.Compare) -> nodes.Compare:
        node = self.generic_visit(node)
        node.expr = _call(_TOUCH, [node.expr], node.lineno)
        for operand in node.ops:
            operand.expr = _call(_TOUCH, [operand.expr], node.lineno)
        return node


def _call(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.Name(name, "load"), args, [], None, None, lineno=lineno)
