"""Prose fragments: sandboxed data values, then Markdown parsed once into tree nodes."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin

from .errors import Location, Problem, ReportError
from .sandbox import Budget, GuardedSandbox
from .tree import (
    BlockQuote,
    BulletList,
    Code,
    CodeBlock,
    Element,
    Emph,
    HardBreak,
    Heading,
    Link,
    ListItem,
    Node,
    NoteRef,
    OrderedList,
    Paragraph,
    Rule,
    SoftBreak,
    Source,
    Strong,
    Subscript,
    Superscript,
    Table,
    TableCell,
    TableRow,
    Text,
)

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
    options = {"html": False, "maxNesting": MAX_DEPTH + 5, "typographer": True}
    md = MarkdownIt("commonmark", options).enable(["table", "smartquotes"])
    md.use(footnote_plugin).use(superscript_plugin).use(sub_plugin)
    md.validateLink = lambda url: (
        not url.strip().lower().startswith(("javascript:", "vbscript:", "data:", "file:"))
    )
    return md


@lru_cache(maxsize=256)
def _tokens(source: str) -> tuple[Token, ...]:
    """markdown-it's tokens of ``source``, kept (they are only read): a ``--watch``
    rebuild tokenizes only the prose that changed, about half of resolving a long report."""
    return tuple(_markdown().parse(source))


def parse(
    source: str, src: Source, warn: Callable[[Location, str], None] | None = None
) -> tuple[list[Node], dict[str, NoteDef]]:
    """Markdown text → block nodes that remember their file and line, and the footnote
    definitions by label (attached to their calls when the whole report is known).
    ``warn`` is told of raw HTML, which is printed as text."""
    tokens = list(_tokens(source))
    _check_depth(tokens, src)
    _no_images(tokens, src)
    if warn is not None:
        for where, tags in raw_html(tokens, src):
            warn(where, f"raw HTML {tags} is printed as text, not as HTML; write it in Markdown")
    root = SyntaxTreeNode(tokens)
    builder = _Builder(src)
    blocks = [n for child in root.children for n in builder.convert(child, src.line or 1, 1)]
    return blocks, builder.notes


RAW_TAG = re.compile(r"(?<!\\)(<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>)")
"""An HTML tag or comment opening (not an autolink ``<https://…>``, not escaped ``\\<``)."""
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)


def raw_html(tokens: list[Token], src: Source) -> list[tuple[Location, str]]:
    """Where the text holds HTML tags (outside code), and which: one entry per block, at
    the line of its first tag."""
    found: list[tuple[Location, str]] = []
    for token in tokens:
        if token.type != "inline" or "<" not in token.content or not token.map:
            continue
        text = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), token.content)
        matches = list(RAW_TAG.finditer(text))
        if not matches:
            continue
        tags = dict.fromkeys(_tag(m.group()) for m in matches)
        line = (src.line or 1) + token.map[0] + text.count("\n", 0, matches[0].start())
        found.append((Location(src.file, line), ", ".join(f"'{t}'" for t in tags)))
    return found


def _no_images(tokens: list[Token], src: Source) -> None:
    """A Markdown image is refused: a picture is a figure, declared with its caption,
    source and alt text, and placed by ``@fig:id``."""
    for token in tokens:
        image = next((c for c in token.children or [] if c.type == "image"), None)
        if image is None or not token.map:
            continue
        at = token.content.find("![")
        line = (src.line or 1) + token.map[0] + token.content.count("\n", 0, max(at, 0))
        file = str(image.attrs.get("src", "")) or "FILE"
        raise ReportError(
            Problem(
                Location(src.file, line),
                f"a Markdown image ![…]({file}) cannot stand in prose: declare it as "
                f"a figure of the section (figures: - kind: image, id, file: {file}, title, "
                "source, alt) and place it with a paragraph holding only '@fig:ID'",
            )
        )


def _tag(markup: str) -> str:
    """``<a href="x">`` → ``<a>``; ``</b>`` and ``<!--`` as they are."""
    return markup if markup == "<!--" else markup.split()[0].rstrip(">/") + ">"


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


@dataclass
class NoteDef:
    """A footnote definition ``[^label]: …``: its blocks and where it was written."""

    label: str
    blocks: list[Node]
    src: Source


def _cell(tn: SyntaxTreeNode, header: bool) -> TableCell:
    style = str(tn.attrs.get("style", ""))
    return TableCell(header=header, align=style.removeprefix("text-align:") or None)


_MAKE: dict[str, Callable[[SyntaxTreeNode], Node]] = {
    "paragraph": lambda tn: Paragraph(),
    "heading": lambda tn: Heading(id="", level=int(tn.tag[1])),
    "bullet_list": lambda tn: BulletList(),
    "ordered_list": lambda tn: OrderedList(start=int(tn.attrs.get("start", 1))),
    "list_item": lambda tn: ListItem(),
    "blockquote": lambda tn: BlockQuote(),
    "table": lambda tn: Table(),
    "tr": lambda tn: TableRow(),
    "th": lambda tn: _cell(tn, True),
    "td": lambda tn: _cell(tn, False),
    "hr": lambda tn: Rule(),
    "fence": lambda tn: CodeBlock(text=tn.content),
    "code_block": lambda tn: CodeBlock(text=tn.content),
    "em": lambda tn: Emph(),
    "strong": lambda tn: Strong(),
    "softbreak": lambda tn: SoftBreak(),
    "hardbreak": lambda tn: HardBreak(),
    "text": lambda tn: Text(text=tn.content),
    "code_inline": lambda tn: Code(text=tn.content),
    "link": lambda tn: Link(href=str(tn.attrs.get("href", ""))),
    "image": lambda tn: Text(text=tn.content),  # prose images are not figures: alt text only
    "footnote_ref": lambda tn: NoteRef(label=_label(tn)),
    "sup": lambda tn: Superscript(),
    "sub": lambda tn: Subscript(),
}
_FLATTEN = {"inline", "thead", "tbody", "footnote_block"}
"""Token containers whose children take their place."""
_DROP = {"footnote_anchor"}


def _label(tn: SyntaxTreeNode) -> str:
    return tn.meta.get("label") or str(tn.meta.get("id"))


class _Builder:
    """markdown-it's syntax tree → typed nodes; footnote definitions set aside."""

    def __init__(self, src: Source) -> None:
        self.src = src
        self.notes: dict[str, NoteDef] = {}

    def convert(self, tn: SyntaxTreeNode, base: int, depth: int) -> list[Node]:
        """The nodes ``tn`` stands for (several for a flattened container, none for a
        footnote definition)."""
        if depth > MAX_DEPTH:
            where = Location(self.src.file, base)
            raise ReportError(Problem(where, f"Markdown nested deeper than {MAX_DEPTH} levels"))
        line = self.src.line + tn.map[0] if tn.map and self.src.line else base
        children = [
            n
            for child in tn.children
            if child.type not in _DROP and not (child.type == "text" and not child.content)
            for n in self.convert(child, line, depth + 1)
        ]
        if tn.type in _FLATTEN:
            if tn.type == "thead":
                for row in children:
                    if isinstance(row, TableRow):
                        row.header = True
            return children
        here = Source(self.src.file, line)
        if tn.type == "footnote":
            label = _label(tn)
            self.notes[label] = NoteDef(label, children, here)
            return []
        make = _MAKE.get(tn.type)
        if make is None:
            raise ValueError(f"{here}: no tree node for Markdown token '{tn.type}'")
        node = make(tn)
        node.src = here
        if isinstance(node, Element):
            node.children = children
        return [node]
