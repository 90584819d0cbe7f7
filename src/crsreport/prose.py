"""Prose fragments: sandboxed data values, then Markdown parsed once into tree nodes."""

from __future__ import annotations

import traceback
from functools import cache
from typing import Any

from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.footnote import footnote_plugin

from .errors import Location, Problem, ReportError
from .sandbox import Budget, GuardedSandbox
from .tree import Node, Source

MAX_EXPANDED_CHARS = 2_000_000
MAX_DEPTH = 40
_TEMPLATE_NAME = "<prose>"


@cache
def _jinja() -> GuardedSandbox:
    return GuardedSandbox()


def expand(source: str, values: dict[str, Any], src: Source) -> str:
    """Fill ``{{ … }}`` values from data in the Jinja sandbox; errors name file and line."""
    if "{{" not in source and "{%" not in source:
        return source
    budget = Budget()
    try:
        template = _jinja().compile_guarded(source)
        return _render(template, {**values, **budget.names()}, src)
    except ReportError:
        raise
    except TemplateSyntaxError as exc:
        raise _error(src, exc.lineno, f"template syntax error: {exc.message}") from None
    except UndefinedError as exc:
        hint = f"; declared data: {', '.join(sorted(values)) or 'none'}"
        raise _error(src, _template_line(exc), f"{exc.message}{hint}") from None
    except SecurityError as exc:
        raise _error(src, _template_line(exc), f"refused by the sandbox: {exc}") from None
    except RecursionError:
        raise _error(src, None, "template nested too deeply to compute") from None
    except Exception as exc:  # anything a template computes from data is the writer's
        raise _error(src, _template_line(exc), f"value cannot be computed: {exc}") from None


def _render(template: Any, values: dict[str, Any], src: Source) -> str:
    """Stream the output, stopping as soon as it passes MAX_EXPANDED_CHARS."""
    parts: list[str] = []
    size = 0
    for chunk in template.generate(values):
        size += len(chunk)
        if size > MAX_EXPANDED_CHARS:
            raise _error(src, None, f"expanded prose exceeds {MAX_EXPANDED_CHARS:,} characters")
        parts.append(chunk)
    return "".join(parts)


def _template_line(exc: BaseException) -> int | None:
    lines = [
        f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<template>"
    ]
    return lines[-1] if lines else None


def _error(src: Source, line: int | None, message: str) -> ReportError:
    at = (src.line or 1) + line - 1 if line else src.line
    return ReportError(Problem(Location(src.file, at), message))


@cache
def _markdown() -> MarkdownIt:
    # markdown-it silently drops what lies deeper than maxNesting; set it past MAX_DEPTH so
    # _check_depth reports such text instead.
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_DEPTH + 5}).enable("table")
    md.use(footnote_plugin)
    md.validateLink = lambda url: (
        not url.strip().lower().startswith(("javascript:", "vbscript:", "data:", "file:"))
    )
    return md


def parse(source: str, src: Source) -> list[Node]:
    """Markdown text → block nodes that remember their file and line."""
    tokens = _markdown().parse(source)
    _check_depth(tokens, src)
    root = SyntaxTreeNode(tokens)
    return [_convert(child, src, src.line or 1, 1) for child in root.children]


def _check_depth(tokens: list[Token], src: Source) -> None:
    """Refuse nesting past MAX_DEPTH before the recursive tree builders meet it."""
    depth, line = 0, 0
    for token in tokens:
        depth += token.nesting
        line = token.map[0] if token.map else line
        if depth + _inline_depth(token.children or []) > MAX_DEPTH:
            where = Location(src.file, (src.line or 1) + line)
            raise ReportError(Problem(where, f"Markdown nested deeper than {MAX_DEPTH} levels"))


def _inline_depth(children: list[Token]) -> int:
    depth = peak = 0
    for child in children:
        depth += child.nesting
        peak = max(peak, depth)
    return peak + 1 if children else 0


_BLOCKS = {
    "paragraph": "paragraph",
    "bullet_list": "bullet_list",
    "ordered_list": "ordered_list",
    "list_item": "list_item",
    "blockquote": "blockquote",
    "table": "table",
    "tr": "table_row",
    "hr": "rule",
    "em": "emph",
    "strong": "strong",
    "softbreak": "softbreak",
    "hardbreak": "hardbreak",
    "code_inline": "code",
    "footnote_block": "note_block",
    "footnote": "note",
    "footnote_ref": "note_ref",
}


def _convert(tn: SyntaxTreeNode, src: Source, base: int, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise ReportError(
            Problem(Location(src.file, base), f"Markdown nested deeper than {MAX_DEPTH} levels")
        )
    here = Source(src.file, src.line + tn.map[0] if tn.map and src.line else base)
    node = Node(_BLOCKS.get(tn.type, tn.type), src=here)
    special = _SPECIAL.get(tn.type)
    if special:
        special(tn, node)
    for child in tn.children:
        if child.type in _DROP or (child.type == "text" and not child.content):
            continue
        converted = _convert(child, src, here.line or base, depth + 1)
        if child.type in ("inline", "thead", "tbody"):
            header = child.type == "thead"
            for grandchild in converted.children:
                if grandchild.kind == "table_row":
                    grandchild.attrs["header"] = header
            node.children.extend(converted.children)
        else:
            node.children.append(converted)
    return node


_DROP = {"footnote_anchor"}


def _heading(tn: SyntaxTreeNode, node: Node) -> None:
    node.attrs["level"] = int(tn.tag[1])


def _ordered(tn: SyntaxTreeNode, node: Node) -> None:
    node.attrs["start"] = int(tn.attrs.get("start", 1))


def _cell(tn: SyntaxTreeNode, node: Node) -> None:
    node.kind = "table_cell"
    node.attrs["header"] = tn.type == "th"
    style = str(tn.attrs.get("style", ""))
    node.attrs["align"] = style.removeprefix("text-align:") or None


def _leaf(tn: SyntaxTreeNode, node: Node) -> None:
    node.text = tn.content


def _link(tn: SyntaxTreeNode, node: Node) -> None:
    node.attrs["href"] = str(tn.attrs.get("href", ""))


def _image(tn: SyntaxTreeNode, node: Node) -> None:
    node.kind = "text"  # prose images are not figures: keep the alt text only
    node.text = tn.content


def _fence(tn: SyntaxTreeNode, node: Node) -> None:
    node.kind = "code_block"
    node.text = tn.content


def _note(tn: SyntaxTreeNode, node: Node) -> None:
    node.attrs["label"] = tn.meta.get("label") or str(tn.meta.get("id"))


_SPECIAL = {
    "heading": _heading,
    "ordered_list": _ordered,
    "th": _cell,
    "td": _cell,
    "text": _leaf,
    "code_inline": _leaf,
    "link": _link,
    "image": _image,
    "fence": _fence,
    "code_block": _fence,
    "footnote_ref": _note,
    "footnote": _note,
}
