"""Figure kinds: a registry of spec models and their drawers.

A kind is one module that defines a ``FigureSpec`` subclass with a ``kind``
literal and decorates it with ``@figure_kind``. A chart subclasses ``ChartSpec`` and
gives it a ``figure(data)`` method (a matplotlib Figure, from which both the SVG and the
PNG are drawn); another drawn kind gives a ``draw(data, fmt) -> bytes`` method.
matplotlib is imported inside them only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from .. import dates

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KIND_VERSION = 1


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


TextList = Annotated[
    list[str],
    BeforeValidator(
        lambda v: [v] if isinstance(v, str) else v, json_schema_input_type=str | list[str]
    ),
]
DATE_PATTERN = dates.PATTERN


class Model(BaseModel):
    """Base: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class Overlay(Model):
    """A second event layer drawn as markers (e.g. nuclear tests on a missile timeline)."""

    data: str
    date: str = Field(description="Column holding the event date (YYYY, YYYY-MM or YYYY-MM-DD).")
    label: str
    marker: str = "star"


class FigureSpec(Model):
    """What every figure declares: identity, data, caption parts, alt text."""

    kind: str
    id: str = Field(pattern=r"^[A-Za-z][\w.-]*$")
    title: str = Field(min_length=1)
    unit: str | None = Field(None, description="Unit or subtitle line under the caption.")
    data: str | None = Field(None, description="A CSV, JSON or YAML file under data/.")
    date: str | None = Field(None, description="Date column: rows after the report date drop.")
    start: str | None = Field(None, pattern=DATE_PATTERN, description="Keep rows from this date.")
    end: str | None = Field(
        None, pattern=DATE_PATTERN, description="Keep rows to this date (default: report date)."
    )
    where: dict[str, Any] = Field(
        default_factory=dict, description="Rows to keep: column -> a value, or a list (any)."
    )
    source: str = Field(min_length=1)
    notes: TextList = Field(default_factory=list)
    alt: str = Field(min_length=1, description="Text read in place of the figure.")
    width: Literal["column", "full"] = "column"
    scale: float = Field(
        1.0,
        ge=0.25,
        le=1.0,
        description="The picture's share of its width (column or full), 0.25 to 1: drawn "
        "smaller with the same type size, e.g. 0.7 to fit an In Focus on two pages.",
    )
    landscape: bool = Field(False, description="Its own landscape page (a wide table).")

    caption_label: ClassVar[str] = "Figure"
    drawn: ClassVar[bool] = True
    version: ClassVar[int] = KIND_VERSION

    @field_validator("start", "end")
    @classmethod
    def _real_day(cls, value: str | None) -> str | None:
        if value is not None and dates.first_day(value) is None:
            raise ValueError(dates.not_a_date(value))
        return value

    @model_validator(mode="after")
    def _scale_a_picture(self) -> FigureSpec:
        if self.scale != 1.0 and self.caption_label == "Table":
            raise ValueError("'scale' sizes a picture; a table is as wide as its columns need")
        return self

    @model_validator(mode="after")
    def _start_before_end(self) -> FigureSpec:
        first, last = dates.first_day(self.start), dates.first_day(self.end)
        if first and last and first > last:
            raise ValueError(f"start '{self.start}' is after end '{self.end}'")
        return self

    def check(self, data: FigureData) -> str | None:
        """A reason this kind cannot draw ``data`` (told to the writer), or None."""
        if self.drawn and self.data and not data.rows:
            return f"no rows of '{self.data}' are left to draw after date, start, end and where"
        return None

    def columns_used(self) -> list[str]:
        """Data columns the spec names (checked against the file's header)."""
        return [c for c in (self.date, *self.where) if c]

    def number_columns(self) -> list[str]:
        """Columns drawn as numbers: every non-blank value in them must be one."""
        return []

    def axis_column(self) -> str | None:
        """A column ``start``/``end`` may select by when ``date`` is not given (a chart's
        x axis), used when all its values are years or dates."""
        return None

    def draw(self, data: FigureData, fmt: str) -> bytes:  # pragma: no cover - per kind
        raise NotImplementedError

    def drawings(self, data: FigureData, kinds: list[str]) -> Iterator[tuple[str, bytes]]:
        """Each file kind of ``kinds`` in turn, with its bytes."""
        for kind in kinds:
            yield kind, self.draw(data, kind)

    def content(self, data: FigureData) -> tuple[list[Any], list[tuple[str, str]]]:
        """Tree nodes shown in place of a drawing (tables), and lettered notes."""
        return [], []

    def svg_size(self) -> tuple[str, str] | None:
        """The width and height its SVG will have, known before it is drawn (so a page
        can be laid out meanwhile), or None when only drawing tells."""
        return None


class ChartSpec(FigureSpec):
    """A figure matplotlib draws: ``figure`` lays it out once, and its SVG and PNG are both
    rendered from that layout (the same bytes in either order, and one layout, not two)."""

    def figure(self, data: FigureData) -> Figure:  # pragma: no cover - per kind
        raise NotImplementedError

    def draw(self, data: FigureData, fmt: str) -> bytes:
        """The chart as SVG or PNG bytes."""
        return dict(self.drawings(data, [fmt]))[fmt]

    def svg_size(self) -> tuple[str, str] | None:
        """The house size for ``width`` and ``scale`` (``style.new_figure``'s); a kind
        drawing another size says so, or the PDF finds out and lays its page out again."""
        from . import style

        return style.svg_size(self.width, self.scale)

    def drawings(self, data: FigureData, kinds: list[str]) -> Iterator[tuple[str, bytes]]:
        from . import style

        fig = style.laid_out(self.figure(data))
        for kind in kinds:
            yield kind, style.render(fig, kind)


class FigureData(Model):
    """Rows a figure draws from, already filtered, plus overlay rows."""

    rows: list[dict[str, Any]]
    overlays: list[list[dict[str, Any]]] = Field(default_factory=list)
    end: dt.date


FIGURE_KINDS: dict[str, type[FigureSpec]] = {}


def figure_kind(cls: type[FigureSpec]) -> type[FigureSpec]:
    """Register a figure spec class under its ``kind``; duplicates are refused."""
    kind = cls.model_fields["kind"].default
    if kind in FIGURE_KINDS and FIGURE_KINDS[kind] is not cls:
        owner = FIGURE_KINDS[kind].__module__
        raise ValueError(f"figure kind '{kind}' is already registered by {owner}")
    FIGURE_KINDS[kind] = cls
    return cls


def no_numbers(rows: list[dict[str, Any]], columns: list[str]) -> str | None:
    """A message if one of ``columns`` holds no number in any row, else None."""
    for column in columns:
        values = [row.get(column) for row in rows]
        if values and not any(
            isinstance(v, int | float) and not isinstance(v, bool) for v in values
        ):
            return f"column '{column}' holds no numbers to draw (first value: {values[0]!r:.40})"
    return None


def figure_union() -> Any:
    """The discriminated union of registered figure kinds."""
    members = tuple(Annotated[cls, Tag(kind)] for kind, cls in FIGURE_KINDS.items())
    return Annotated[Union[members], Discriminator(_kind_of)]  # noqa: UP007


def _kind_of(value: Any) -> str | None:
    return value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
