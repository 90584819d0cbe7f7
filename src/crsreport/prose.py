"""Prose fragments: sandboxed data values, then Markdown parsed once into tree nodes."""

from __future__ import annotations

import difflib
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError
from jinja2.utils import missing
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
MAX_TOTAL_CHARS = 5_000_000
"""Characters all prose of a report may hold after expansion, footnote copies included
(about 1 500 pages): a thousand fragments each under MAX_EXPANDED_CHARS stop here."""
MAX_DEPTH = 40
_TEMPLATE_NAME = "<prose>"


class PlainUndefined(StrictUndefined):
    """A missing value explained in the writer's terms: the fields or rows that exist."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if self._undefined_hint or obj is missing:
            return super()._undefined_message
        if isinstance(obj, dict) and isinstance(name, str):
            fields = ", ".join(map(str, obj)) or "none"
            return f"there is no field '{name}' here; the fields are: {fields}"
        if isinstance(obj, list) and isinstance(name, str):
            return (
                f"'{name}' is asked of a list of {len(obj)} rows, not of one row; pick a "
                f"row (LIST[0].{name}) or loop ({{% for row in LIST %}}{{{{ row.{name} }}}}"
                "{% endfor %})"
            )
        if isinstance(obj, list | tuple | str):
            return f"there is no item {name!r}: the list holds {len(obj)} (0 to {len(obj) - 1})"
        return f"there is no '{name}' in {type(obj).__name__} value {str(obj)[:40]!r}"


@cache
def _jinja() -> GuardedSandbox:
    env = GuardedSandbox()
    env.undefined = PlainUndefined  # the messages only; the sandbox's limits are its own
    return env


def expand(
    source: str, values: dict[str, Any], src: Source, limit: int = MAX_EXPANDED_CHARS
) -> str:
    """Fill ``{{ … }}`` values from data in the Jinja sandbox; errors name file and line.
    The result holds at most ``limit`` characters (what is left of the report's total)."""
    if "{{" not in source and "{%" not in source:
        return source
    budget = Budget()
    try:
        template = _jinja().compile_guarded(source)
        with budget:
            return _render(template, {**values, **budget.names()}, src, limit)
    except ReportError:
        raise
    except TemplateSyntaxError as exc:
        line, message = plain_syntax(source, exc, src.line or 1)
        raise _error(src, line, message) from None
    except UndefinedError as exc:
        line = _template_line(exc)
        raise _error(src, line, _undefined(exc, values, source, line)) from None
    except SecurityError as exc:
        raise _error(src, _template_line(exc), f"refused by the sandbox: {exc}") from None
    except RecursionError:
        raise _error(src, None, "template nested too deeply to compute") from None
    except MemoryError as exc:
        line = _template_line(exc)
        what = f"'{_source_line(source, line)}'" if line else "a value"
        message = f"ran out of memory computing {what}; compute less in prose"
        raise _error(src, line, message) from None
    except Exception as exc:  # anything a template computes from data is the writer's
        raise _error(src, _template_line(exc), _not_computed(exc)) from None


_TYPE_WORDS = {"int": "a number", "float": "a number", "str": "text", "NoneType": "an empty cell"}
_TYPES = re.compile(r"unsupported operand type\(s\) for (\S+): '(\w+)' and '(\w+)'")


def _not_computed(exc: Exception) -> str:
    """Why a ``{{ }}`` value failed, in the writer's terms where Python's are obscure."""
    found = _TYPES.match(str(exc))
    if found:
        op, left, right = found.groups()
        left, right = (_TYPE_WORDS.get(t, t) for t in (left, right))
        join = " (join text with '~': {{ a ~ b }})" if "text" in (left, right) else ""
        return f"value cannot be computed: '{op}' between {left} and {right}{join}"
    if isinstance(exc, ZeroDivisionError):
        return "value cannot be computed: division by zero"
    return f"value cannot be computed: {exc}"


def _undefined(exc: UndefinedError, values: dict[str, Any], source: str, line: int | None) -> str:
    """A name that is not declared data gets the close names and the declared ones; a
    field asked of a list names the list as the writer wrote it."""
    message = exc.message or "a value is undefined"
    name = re.fullmatch(r"'(\w+)' is undefined", message)
    if name is None:
        field = re.match(r"'(\w+)' is asked of a list", message)
        text = source.splitlines()[line - 1] if field and line else ""
        owner = re.search(rf"(\w+)\s*\.\s*{field.group(1)}\b", text) if field else None
        return message.replace("LIST", owner.group(1) if owner else "rows")
    declared = sorted(v for v in values if not v.startswith("_crs_"))
    close = difflib.get_close_matches(name.group(1), declared, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return (
        f"'{name.group(1)}' in {{{{ }}}} is not declared data; {hint}declared: "
        f"{', '.join(declared) or 'none'} (data files are named under 'data:' in report.yaml)"
    )


_DELIMITER = re.compile(r"\{\{|\{%|\}\}|%\}")
_CLOSER = {"{{": "}}", "{%": "%}"}
_BLOCK_TAG = re.compile(r"\{%-?\s*(end)?(for|if)\b")


def plain_syntax(source: str, exc: TemplateSyntaxError, first: int = 1) -> tuple[int | None, str]:
    """Jinja's syntax error in the writer's words: which ``{{`` or ``{%`` is wrong, where,
    and what to write. Lines are ``source``'s (the message counts from ``first``)."""
    message = exc.message or ""
    if message.startswith("'{%"):  # the sandbox's refusal: plain already
        return exc.lineno, message
    opened = _unclosed(source)
    if opened is not None:
        mark, pos = opened
        line = source.count("\n", 0, pos) + 1
        return line, (
            f"'{mark}' opened on line {first + line - 1} is never closed; close it with "
            f"'{_CLOSER[mark]}' (or write {{{{ \"{mark}\" }}}} to print it as text)"
        )
    block = _unbalanced_block(source, first)
    if block is not None:
        return block
    return exc.lineno, f"cannot read {_snippet(source, exc.lineno, first)}: {_reason(message)}"


_JINJA_WORDS = (
    (re.compile(r"No filter named '(\w+)'\.?"), "there is no filter '{0}'{close}"),
    (re.compile(r"Encountered unknown tag '(\w+)'\.?.*", re.S), "there is no tag '{0}'{close}"),
    (
        re.compile(r"expected token 'end of print statement', got '(.+)'"),
        "'{0}' is where '}}}}' "
        "should close the value (two values need an operator or a filter between them)",
    ),
    (
        re.compile(r"expected token 'end of statement block', got '(.+)'"),
        "'{0}' is where '%}}' should close the tag",
    ),
    (
        re.compile(r"unexpected '(.+)'"),
        "'{0}' comes where it cannot stand (an unfinished value before it, or a stray character)",
    ),
)
_KNOWN_TAGS = ("for", "if", "elif", "else", "endfor", "endif", "set")


def _reason(message: str) -> str:
    """One of Jinja's messages in plain words, with what was meant when it is close."""
    message = re.sub(r"(?<!token )'end of print statement'", "'}}'", message)
    message = re.sub(r"(?<!token )'end of statement block'", "'%}'", message)
    for pattern, words in _JINJA_WORDS:
        found = pattern.fullmatch(message)
        if found:
            names = _jinja().filters if "filter" in words else _KNOWN_TAGS
            close = difflib.get_close_matches(found.group(1), list(names), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return words.format(found.group(1), close=hint)
    return message[:1].lower() + message[1:].rstrip(".")


def _unclosed(source: str) -> tuple[str, int] | None:
    """The first ``{{`` or ``{%`` whose closer does not come before the next opener."""
    opened: tuple[str, int] | None = None
    for match in _DELIMITER.finditer(source):
        mark = match.group()
        if mark in _CLOSER:
            if opened is not None:
                return opened
            opened = (mark, match.start())
        elif opened is not None and mark == _CLOSER[opened[0]]:
            opened = None
    return opened


def _unbalanced_block(source: str, first: int) -> tuple[int, str] | None:
    """A ``{% for %}``/``{% if %}`` never ended, or an end tag that ends nothing."""
    stack: list[tuple[str, int]] = []
    for match in _BLOCK_TAG.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        tag = match.group(2)
        if not match.group(1):
            stack.append((tag, line))
        elif stack and stack[-1][0] == tag:
            stack.pop()
        else:
            shown = first + line - 1
            return line, f"'{{% end{tag} %}}' on line {shown} ends no open '{{% {tag} %}}'"
    if stack:
        tag, line = stack[-1]
        return line, (
            f"'{{% {tag} … %}}' opened on line {first + line - 1} is never ended; "
            f"add '{{% end{tag} %}}' where it should end"
        )
    return None


def _snippet(source: str, line: int | None, first: int) -> str:
    """The ``{{ … }}`` or ``{% … %}`` on ``line`` as the writer wrote it."""
    text = source.splitlines()[line - 1] if line and line <= source.count("\n") + 1 else ""
    found = re.search(r"\{[{%].*?(?:[}%]\}|$)", text)
    shown = first + (line or 1) - 1
    return f"'{found.group()[:60]}' on line {shown}" if found else f"the {{{{ }}}} on line {shown}"


def _render(template: Any, values: dict[str, Any], src: Source, limit: int) -> str:
    """Stream the output, stopping as soon as it passes ``limit``."""
    parts: list[str] = []
    size = 0
    for chunk in template.generate(values):
        size += len(chunk)
        if size > limit:
            raise _error(src, None, too_long(limit))
        parts.append(chunk)
    return "".join(parts)


def too_long(limit: int) -> str:
    """The message for prose past ``limit`` characters, naming both limits."""
    return (
        f"expanded prose exceeds {limit:,} characters (the limits: {MAX_EXPANDED_CHARS:,} "
        f"for one file or fragment, {MAX_TOTAL_CHARS:,} for all prose and footnote copies)"
    )


def _source_line(source: str, line: int, width: int = 80) -> str:
    """The template's line ``line``, shortened, to name the expression in a message."""
    lines = source.splitlines()
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return text if len(text) <= width else text[: width - 1] + "…"


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


@cache
def _inline_markdown() -> MarkdownIt:
    """Prose's inline Markdown without footnotes: a caption or cell calls no note."""
    md = MarkdownIt("commonmark", {"html": False, "typographer": True}).enable("smartquotes")
    md.use(superscript_plugin).use(sub_plugin)
    md.validateLink = _markdown().validateLink
    return md


MARKUP = re.compile(r"[*_`\[\]<>&\\^~!'\"]")
"""Characters that may start inline Markdown or a smart quote; text without any is as is."""
NOTE_CALL = re.compile(r"\[\^[^\]\s]+\]")


def parse_inline(text: str, src: Source, what: str = "this text") -> list[Node]:
    """A one-line text field (caption, source line, table cell) → inline nodes, parsed as
    prose's inline Markdown is, with smart quotes. A footnote call is a located error:
    a note on a figure or table is written in its notes."""
    if not MARKUP.search(text):
        return [Text(text=text, src=src)] if text else []
    call = NOTE_CALL.search(text)
    if call:
        raise ReportError(
            Problem(
                Location(src.file, src.line),
                f"{what} calls a footnote ({call.group()}); a figure or table takes its "
                "notes in 'notes' (or a lettered note), not footnotes",
            )
        )
    tokens = _inline_markdown().parseInline(text)
    _check_depth(tokens, src)
    root = SyntaxTreeNode(tokens)
    builder = _Builder(src)
    return [n for child in root.children for n in builder.convert(child, src.line or 1, 1)]


@lru_cache(maxsize=256)
def _tokens(source: str) -> tuple[tuple[Token, ...], dict[str, int], frozenset[str]]:
    """markdown-it's tokens of ``source``, its footnote definitions (label: -1 when never
    called) and its link reference labels, kept (they are only read): a ``--watch``
    rebuild tokenizes only the prose that changed, about half of resolving a long report."""
    env: dict[str, Any] = {}
    tokens = tuple(_markdown().parse(source, env))
    labels = frozenset(env.get("references", {}))
    return tokens, dict(env.get("footnotes", {}).get("refs", {})), labels


def parse(
    source: str, src: Source, warn: Callable[[Location, str], None] | None = None
) -> tuple[list[Node], dict[str, NoteDef]]:
    """Markdown text → block nodes that remember their file and line, and the footnote
    definitions by label (attached to their calls when the whole report is known).
    ``warn`` is told of raw HTML, which is printed as text."""
    cached, refs, labels = _tokens(source)
    tokens = list(cached)
    _check_depth(tokens, src)
    _no_images(tokens, src)
    defined = {k[1:]: v for k, v in refs.items()}
    _no_undefined_notes(tokens, src, set(defined))
    if warn is not None:
        for where, tags in raw_html(tokens, src):
            warn(where, f"raw HTML {tags} is printed as text, not as HTML; write it in Markdown")
        for label in (label for label, used in defined.items() if used == -1):
            warn(_definition_at(source, label, src), f"footnote [^{label}] is never called")
        for where, written, label in undefined_links(tokens, src, labels):
            warn(
                where,
                f"link reference {written} is never defined, so it prints as written; add a "
                f"line '[{label}]: https://…' to this file, or write [text](https://…)",
            )
    root = SyntaxTreeNode(tokens)
    builder = _Builder(src)
    blocks = [n for child in root.children for n in builder.convert(child, src.line or 1, 1)]
    return blocks, builder.notes


NOTE_CALL = re.compile(r"(?<!\\)\[\^([^\]\s]+)\](?!:)")
"""A footnote call ``[^label]`` as written (not escaped, not a definition)."""


def _no_undefined_notes(tokens: list[Token], src: Source, defined: set[str]) -> None:
    """A call to a footnote never defined would print as '[^label]': refused at its line."""
    for token in tokens:
        if token.type != "inline" or "[^" not in token.content or not token.map:
            continue
        text = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), token.content)
        for call in NOTE_CALL.finditer(text):
            if call.group(1) in defined:
                continue
            line = (src.line or 1) + token.map[0] + text.count("\n", 0, call.start())
            raise ReportError(
                Problem(
                    Location(src.file, line),
                    f"footnote [^{call.group(1)}] is called here but never defined; add a "
                    f"line '[^{call.group(1)}]: The note's text.' after the paragraph (or "
                    f"write \\[^{call.group(1)}] to print it as text)",
                )
            )


REFERENCE_LINK = re.compile(r"(?<![\\!])\[((?:[^\[\]\\]|\\.)+)\]\[((?:[^\[\]\\]|\\.)*)\]")
"""A full or collapsed reference link as written: ``[text][label]``, ``[text][]``."""


def undefined_links(
    tokens: list[Token], src: Source, labels: frozenset[str]
) -> list[tuple[Location, str, str]]:
    """Reference links whose label no ``[label]: URL`` line defines: markdown-it prints them
    as text (a shortcut ``[text]`` is left alone: brackets in prose are common)."""
    from markdown_it.common.utils import normalizeReference

    found: list[tuple[Location, str, str]] = []
    for token in tokens:
        if token.type != "inline" or "][" not in token.content or not token.map:
            continue
        text = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), token.content)
        for link in REFERENCE_LINK.finditer(text):
            label = link.group(2) or link.group(1)
            if label.startswith(("^", "@")) or normalizeReference(label) in labels:
                continue
            line = (src.line or 1) + token.map[0] + text.count("\n", 0, link.start())
            found.append((Location(src.file, line), link.group(), label))
    return found


def _definition_at(source: str, label: str, src: Source) -> Location:
    """Where ``[^label]:`` is written (markdown-it drops uncalled definitions' tokens)."""
    found = re.search(rf"^ {{0,3}}\[\^{re.escape(label)}\]:", source, re.M)
    line = source.count("\n", 0, found.start()) if found else 0
    return Location(src.file, (src.line or 1) + line)


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
    size: int | None = None  # characters of its text, once counted


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
