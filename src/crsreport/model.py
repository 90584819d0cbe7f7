"""The typed report model (pydantic v2): what report.yaml may say.

Sections are discriminated by ``kind`` through a registry, so a new section kind
is one ``@section_kind`` class.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    TypeAdapter,
    field_validator,
    model_validator,
)

from .errors import Location
from .figures import figure_union
from .figures import kinds as _builtin_kinds  # noqa: F401 - registers the built-in kinds
from .products import PRODUCTS, product_by_prefix
from .sourcemap import BODY, Included, Lines, locate

OLD_NUMBER = r"\d{2}-\d{1,4}(?:\s?[A-Z]{1,3})?"
"""A pre-1997 number (95-1013): printed as a Report."""


def id_pattern() -> re.Pattern[str]:
    """Report numbers the registered products take: a prefix and 4-5 digits, or the old form."""
    prefixes = sorted((p for prod in PRODUCTS.values() for p in prod.prefixes), key=len)
    alternatives = "|".join(re.escape(p) for p in reversed(prefixes))
    return re.compile(rf"^(?:({alternatives})\d{{4,5}}|{OLD_NUMBER})$")


def _prefixes() -> str:
    names = [p for prod in PRODUCTS.values() for p in prod.prefixes]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


class Model(BaseModel):
    """Base: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


Prose = Annotated[list[str], BeforeValidator(_as_list, json_schema_input_type=str | list[str])]
"""Markdown files or inline text (the report-level summary and acknowledgments)."""


def _markdown_file(item: str) -> str:
    """A ``prose:`` item names a file; inline Markdown there is refused, saying where it goes
    now (a path without .md is checked later, when the project's files are known)."""
    one_word = "\n" not in item and len(item.split()) == 1
    if item.strip().endswith(".md") and "\n" not in item:
        return item
    if one_word and LOOKS_LIKE_A_FILE.match(item.strip()):
        return item  # a mistyped file name: refused at resolve, with the files it may mean
    words = " ".join(item.split())
    first = words[:40].rstrip() + ("…" if len(words) > 40 else "")
    raise ValueError(
        f"'prose:' names Markdown files (.md) only; '{first}' is inline Markdown: move it "
        "to the section's 'text:' key (text: \"Your words…\"), which prints before the files"
    )


def _inline_text(item: str) -> str:
    """A ``text:`` item is printed as written, so a lone file name there is a mistake."""
    if "\n" not in item and item.strip().endswith(".md") and len(item.split()) == 1:
        raise ValueError(
            f"'{item.strip()}' under 'text:' would print that file name; name files under "
            f"'prose:' (prose: {item.strip()})"
        )
    return item


ProseFiles = Annotated[
    list[Annotated[str, AfterValidator(_markdown_file)]],
    BeforeValidator(_as_list, json_schema_input_type=str | list[str]),
]
InlineText = Annotated[
    list[Annotated[str, AfterValidator(_inline_text)]],
    BeforeValidator(_as_list, json_schema_input_type=str | list[str]),
]
LOOKS_LIKE_A_FILE = re.compile(r"^(?:~?/|\.\.?/)\S*$|^\S+\.[A-Za-z][A-Za-z0-9]{0,4}$")
"""A one-word item with a file suffix or a path start: a file name, never inline text."""


def slugify(text: str) -> str:
    """An id from a title: lowercase words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


class Author(Model):
    """One author line: name, title, and whether they coordinate the report."""

    name: str = Field(min_length=1)
    title: str = ""
    coordinator: bool = False


class Section(Model):
    """A generic section: a title, prose fragments, subsections."""

    kind: Literal["section"] = "section"
    id: str | None = Field(None, pattern=r"^[A-Za-z][\w.-]*$")
    title: str | None = Field(None, min_length=1)
    text: InlineText = Field(
        default_factory=list,
        description="Inline Markdown, printed before the prose files (a string or a list).",
    )
    prose: ProseFiles = Field(
        default_factory=list,
        description="Markdown files: paths ending in .md, relative to the project.",
    )
    subsections: list[AnySection] = Field(default_factory=list)
    figures: list[AnyFigure] = Field(
        default_factory=list, description="Figures and tables drawn from data, after the prose."
    )

    default_title: ClassVar[str | None] = None
    untitled: ClassVar[bool] = True
    """Whether the section may go without a title (lead text: no heading, no Contents line)."""
    needs_title: ClassVar[str] = "a section of kind '{kind}' needs a title"

    @field_validator("title")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("the title is blank; write one, or leave 'title' out for lead text")
        return value

    @model_validator(mode="after")
    def _defaults(self) -> Section:
        if self.title is None:
            self.title = self.default_title
        if self.title is None and not self.untitled:
            raise ValueError(self.needs_title.format(kind=self.kind))
        if self.id is None and self.title is not None:
            self.id = slugify(self.title)
        return self


SECTION_KINDS: dict[str, type[Section]] = {}


def section_kind(cls: type[Section]) -> type[Section]:
    """Register a section class under its ``kind`` literal; duplicates are refused."""
    kind = cls.model_fields["kind"].default
    if kind in SECTION_KINDS and SECTION_KINDS[kind] is not cls:
        owner = SECTION_KINDS[kind].__module__
        raise ValueError(f"section kind '{kind}' is already registered by {owner}")
    SECTION_KINDS[kind] = cls
    return cls


section_kind(Section)


@section_kind
class Overview(Section):
    kind: Literal["overview"] = "overview"
    default_title: ClassVar[str | None] = "Overview"


@section_kind
class Background(Section):
    kind: Literal["background"] = "background"
    default_title: ClassVar[str | None] = "Background"


@section_kind
class KeyDevelopments(Section):
    kind: Literal["key_developments"] = "key_developments"
    default_title: ClassVar[str | None] = "Key Developments"


@section_kind
class Appendix(Section):
    """An appendix: lettered, with its own figure and table numbering."""

    kind: Literal["appendix"] = "appendix"
    untitled: ClassVar[bool] = False
    needs_title: ClassVar[str] = (
        "an appendix needs a title: CRS prints 'Appendix. Title' (one appendix) or "
        "'Appendix A. Title', never a bare 'Appendix.'; add 'title'"
    )


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return value.get("kind", "section")
    return getattr(value, "kind", "section")


def _section_union() -> Any:
    members = tuple(Annotated[cls, Tag(kind)] for kind, cls in SECTION_KINDS.items())
    return Annotated[Union[members], Discriminator(_kind_of)]  # noqa: UP007


AnySection = _section_union()


DATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED_NAMES = frozenset({"report", "range", "true", "false", "none", "True", "False", "None"})
"""Names prose already has: the report's facts, the sandbox's ``range`` and constants."""


def _data_name(name: str) -> str:
    if not DATA_NAME.fullmatch(name):
        raise ValueError(
            f"data name '{name}' cannot be used in {{{{ }}}}; use letters, digits and _ "
            "(not first a digit), e.g. tests_by_year"
        )
    if name in RESERVED_NAMES:
        raise ValueError(f"data name '{name}' is built in ({{{{ {name} }}}}); choose another name")
    return name


DataName = Annotated[str, AfterValidator(_data_name)]


class Report(Model):
    """A whole CRS product."""

    id: str = Field(description="CRS product number: IF11415, IN12509, R46354, RL33590, 95-1013")
    product: str | None = Field(
        None,
        description="The product (in_focus, insight, report or one a package adds); derived "
        "from the id unless given.",
        json_schema_extra=lambda schema: schema.update(enum=[*PRODUCTS, None]),
    )
    title: str = Field(min_length=1)
    date: dt.date
    version: int = Field(1, ge=1)
    status: Literal["new", "updated"] | None = Field(
        None,
        description='"new" prints the bare date and NEW in the version footer, "updated" '
        '"Updated <date>" and UPDATED; default: new for version 1, updated after.',
    )
    authors: list[Author] = Field(default_factory=list)
    summary: Prose = Field(default_factory=list, description="Markdown files or text.")
    acknowledgments: Prose = Field(
        default_factory=list,
        description="Markdown (files or text) printed after the text, e.g. 'X contributed to "
        "an earlier version of this report.'",
    )
    data: dict[DataName, str] = Field(
        default_factory=dict, description="Name -> data file (CSV, YAML or JSON) under data/."
    )
    bibliography: str | None = Field(
        None,
        description="Sources cited as [@key] in prose: CSL-JSON (.json), BibTeX (.bib) "
        "or CSL YAML (.yaml) inside the project.",
    )
    lang: str = "en-US"
    include_roots: list[str] = Field(
        default_factory=list,
        description="Folders outside the project (relative to it, e.g. ../shared-sections) "
        "whose files the report may use and whose sections it may include; within the "
        "project's parent folder unless `make-report --include-root PATH` grants more.",
    )
    sections: list[AnySection] = Field(min_length=1)

    _root: Path = PrivateAttr(default_factory=Path.cwd)
    _source: str = PrivateAttr("<python>")
    _lines: Lines = PrivateAttr(default_factory=dict)
    _included: Included = PrivateAttr(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not id_pattern().match(value):
            raise ValueError(
                f"'{value}' is not a CRS product number; expected {_prefixes()} "
                "followed by 4-5 digits (IF11415, R46354) or the old form 95-1013"
            )
        return value

    @field_validator("product")
    @classmethod
    def _known_product(cls, value: str | None) -> str | None:
        if value is not None and value not in PRODUCTS:
            raise ValueError(f"unknown product '{value}'; choose from {', '.join(PRODUCTS)}")
        return value

    @model_validator(mode="after")
    def _derive_product(self) -> Report:
        if self.product is None:
            match = id_pattern().match(self.id)
            prefix = match.group(1) if match else None
            self.product = product_by_prefix(prefix or "") or "report"
        return self

    @property
    def root(self) -> Path:
        """The project folder: every file the report names is inside it."""
        return self._root

    @property
    def roots(self) -> tuple[Path, ...]:
        """The project folder, then the include roots: where the report may read files."""
        return (self._root, *((self._root / r).resolve() for r in self.include_roots))

    @property
    def source_file(self) -> str:
        """The report file's name as messages show it (``<python>`` when built in code)."""
        return self._source

    def located(
        self,
        root: Path,
        source: str,
        lines: Lines,
        included: Included | None = None,
    ) -> Report:
        """Attach where the report came from (used for located messages), and where each
        included section came from (``include.expand_includes``)."""
        self._root, self._source, self._lines = root.resolve(), source, lines
        self._included = included or {}
        return self

    def _written(self, path: tuple[Any, ...]) -> tuple[str, Lines, tuple[Any, ...]]:
        """The file field ``path`` is written in, its lines, and the path within it: an
        included section's fields are in its own file."""
        for n in range(len(path), 0, -1):
            if path[:n] in self._included:
                file, lines = self._included[path[:n]]
                return file, lines, path[n:]
        return self._source, self._lines, path

    def text_line(self, *path: Any) -> int | None:
        """The line inline text at ``path`` begins on when written as a block scalar (``|``
        or ``>``, the line after its key), else None. A lone string's item 0 is the field."""
        _, lines, path = self._written(path)
        for at in (path, path[:-1] if path and path[-1] == 0 else None):
            if at is not None and (*at, BODY) in lines:
                return lines[(*at, BODY)]
        return None

    def where(self, *path: Any) -> Location:
        """Where field ``path`` is written: ``report.yaml:12: sections[0].figures[1].data``
        (the nearest written parent's line for a defaulted field), or in the included file
        that holds it: ``shared/part.yaml:3: prose[0]``."""
        file, lines, path = self._written(path)
        return locate(file, path, lines)


AnyFigure = figure_union()


def section_adapter() -> TypeAdapter[Any]:
    """A validator for one section of any registered kind (an included section file)."""
    return TypeAdapter(AnySection)


def rebuild_models() -> None:
    """Rebuild the section and figure unions, and every model using them, after new kinds
    register (pydantic keeps evaluated field types, so they are replaced here)."""
    global AnySection, AnyFigure
    AnySection, AnyFigure = _section_union(), figure_union()
    unions = {"sections": list[AnySection], "subsections": list[AnySection]}
    unions["figures"] = list[AnyFigure]
    models = [*SECTION_KINDS.values(), Report]
    for cls in models:
        for name, annotation in unions.items():
            if name in cls.__pydantic_fields__:
                cls.__pydantic_fields__[name].annotation = annotation
        if "__pydantic_core_schema__" in cls.__dict__:
            delattr(cls, "__pydantic_core_schema__")  # never reused by the others' rebuild
    ns = {"AnySection": AnySection, "AnyFigure": AnyFigure}
    for cls in models:
        cls.model_rebuild(force=True, _types_namespace=ns)


rebuild_models()
