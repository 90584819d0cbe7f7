"""``bar``: one or more series of bars per category, side by side or stacked."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from . import ChartSpec, FigureData, figure_kind, no_numbers, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_BARS = 1_000
"""Categories one bar chart may draw (10 000 bars take matplotlib minutes)."""
LABELLED_BARS = 12
"""Value labels are printed on the bars when there are at most this many."""


@figure_kind
class BarSpec(ChartSpec):
    """Bars of numeric columns per ``x`` value, or of one column split by ``group``."""

    kind: Literal["bar"] = "bar"
    x: str = Field(description="Category (or year) column.")
    y: list[str] = Field(
        default_factory=list,
        description="Numeric series columns; with group, one column to sum. None: count rows.",
    )
    group: str | None = Field(None, description="Column whose values become the series.")
    stacked: bool = False
    horizontal: bool = False
    labels: dict[str, str] = Field(default_factory=dict, description="Series display names.")
    y_label: str | None = None

    @model_validator(mode="after")
    def _series(self) -> BarSpec:
        if self.group is not None and len(self.y) > 1:
            raise ValueError("with 'group', 'y' names at most one column (none counts rows)")
        return self

    def number_columns(self) -> list[str]:
        return list(self.y)

    def axis_column(self) -> str | None:
        return self.x

    def columns_used(self) -> list[str]:
        return [*super().columns_used(), self.x, *self.y, *([self.group] if self.group else [])]

    def check(self, data: FigureData) -> str | None:
        """No rows, a series without numbers, or more than MAX_BARS categories."""
        bars = len({str(row.get(self.x)) for row in data.rows})
        if bars > MAX_BARS:
            return f"{bars:,} bars in one chart; at most {MAX_BARS:,} are drawn (narrow the rows)"
        return super().check(data) or no_numbers(data.rows, self.y)

    def figure(self, data: FigureData) -> Figure:
        """The chart as a matplotlib Figure (drawn in the house style)."""
        with style.house(self.width):
            fig = style.new_figure(self.width, self.scale)
            ax = fig.add_subplot()
            categories, series = self.table(data.rows)
            self._draw(ax, categories, series)
        return fig

    def table(self, rows: list[dict[str, Any]]) -> tuple[list[Any], dict[str, list[float]]]:
        """Category values (first-seen order, numbers sorted) and each series' values."""
        categories = list(dict.fromkeys(r.get(self.x) for r in rows))
        if categories and all(_is_number(c) for c in categories):
            categories.sort()
        index = {c: i for i, c in enumerate(categories)}
        series: dict[str, list[float]] = {}
        for row in rows:
            for name, value in self._cells(row):
                values = series.setdefault(name, [math.nan] * len(categories))
                at = index[row.get(self.x)]
                values[at] = value if math.isnan(values[at]) else values[at] + value
        return categories, series

    def _cells(self, row: dict[str, Any]) -> list[tuple[str, float]]:
        """(series, value) pairs one row adds; blanks and text add nothing."""
        if self.group is None and self.y:
            pairs = [(c, style.numeric(row.get(c))) for c in self.y]
        elif self.group is None:
            pairs = [("Count", 1.0)]
        else:
            value = style.numeric(row.get(self.y[0])) if self.y else 1.0
            pairs = [(str(row.get(self.group)), value)]
        return [(name, value) for name, value in pairs if not math.isnan(value)]

    def _draw(self, ax: Axes, categories: list[Any], series: dict[str, list[float]]) -> None:
        numeric = bool(categories) and all(_is_number(c) for c in categories)
        positions = [float(c) for c in categories] if numeric else list(range(len(categories)))
        step = _step(positions)
        slot = 0.8 * step if self.stacked else 0.8 * step / max(len(series), 1)
        bottoms = [0.0] * len(categories)
        handles = []
        for i, values in enumerate(series.values()):
            offset = 0.0 if self.stacked else (i - (len(series) - 1) / 2) * slot
            where = [p + offset for p in positions]
            handles.append(self._bars(ax, i, where, values, base=bottoms, slot=slot))
            if self.stacked:
                bottoms = [
                    b + (0 if math.isnan(v) else v) for b, v in zip(bottoms, values, strict=True)
                ]
        self._axes(ax, categories, positions, numeric)
        if len(series) > 1:
            style.legend(ax, handles, [style.label_of(self.labels, s) for s in series])
        elif len(positions) * len(series) <= LABELLED_BARS and not self.stacked:
            for container in handles:
                ax.bar_label(container, fmt=style.number, padding=1.5, fontsize=_small(ax))

    def _bars(self, ax: Axes, i: int, where: list[float], values: list[float], **kw: Any) -> Any:
        """One series' bars; missing values draw nothing (and pin no axis limit)."""
        kept = [j for j, v in enumerate(values) if not math.isnan(v)]
        at, size = [where[j] for j in kept], [values[j] for j in kept]
        base = [kw["base"][j] for j in kept]
        look = style.swatch(i)
        options = style.bar_options(look)
        with style.hatching(look):
            if self.horizontal:
                return ax.barh(at, size, kw["slot"], left=base, **options)
            return ax.bar(at, size, kw["slot"], bottom=base, **options)

    def _axes(self, ax: Axes, categories: list[Any], positions: list[float], numeric: bool) -> None:
        cat_axis, value_axis = ("y", "x") if self.horizontal else ("x", "y")
        ax.grid(axis=cat_axis, visible=False)
        ax.grid(axis=value_axis, visible=True)
        style.count_axis(ax, value_axis)
        if numeric and _years(categories):
            if self.horizontal:
                ax.set_yticks(positions, [str(c) for c in categories])
            else:
                style.year_axis(ax, positions[0], positions[-1])
        elif not numeric:
            names = [_wrap(style.label_of(self.labels, c)) for c in categories]
            (ax.set_yticks if self.horizontal else ax.set_xticks)(positions, names)
            if not self.horizontal and _crowded(ax, names):
                ax.tick_params(axis="x", labelrotation=45)
                for label in ax.get_xticklabels():
                    label.set(ha="right", rotation_mode="anchor")
        if self.horizontal:
            ax.invert_yaxis()
            ax.tick_params(axis="y", length=0)
        if self.y_label:
            (ax.set_xlabel if self.horizontal else ax.set_ylabel)(self.y_label)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _years(values: list[Any]) -> bool:
    return all(isinstance(v, int) and 1000 <= v <= 3000 for v in values)


def _step(positions: list[float]) -> float:
    """The smallest gap between neighbouring categories (bar slots fit inside it)."""
    gaps = [b - a for a, b in pairwise(positions) if b > a]
    return min(gaps, default=1.0)


def _wrap(text: str, width: int = 14) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def _small(ax: Axes) -> float:
    fig = ax.get_figure()
    assert fig is not None
    return style.font_size(fig.get_figwidth()) - 0.5


def _crowded(ax: Axes, names: list[str]) -> bool:
    """Whether the category labels, set level, would run into each other."""
    fig = ax.get_figure()
    assert fig is not None
    widest = max(len(line) for name in names for line in name.split("\n"))
    needed = widest * 0.6 * style.font_size(fig.get_figwidth()) / 72
    return needed > fig.get_figwidth() * 0.85 / len(names)
