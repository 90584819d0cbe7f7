"""``line``: one or more numeric series over a year, date, number or category axis."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from . import ChartSpec, FigureData, figure_kind, no_numbers, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Scale = Literal["time", "number", "category"]


@figure_kind
class LineSpec(ChartSpec):
    """Lines of numeric columns against ``x``; blanks in a series leave gaps."""

    kind: Literal["line"] = "line"
    x: str = Field(description="Year, date, number or category column.")
    y: list[str] = Field(min_length=1, description="Numeric series columns.")
    labels: dict[str, str] = Field(default_factory=dict, description="Series display names.")
    y_label: str | None = None

    def number_columns(self) -> list[str]:
        return list(self.y)

    def axis_column(self) -> str | None:
        return self.x

    def columns_used(self) -> list[str]:
        return [*super().columns_used(), self.x, *self.y]

    def check(self, data: FigureData) -> str | None:
        """No rows, or a series without numbers."""
        return super().check(data) or no_numbers(data.rows, self.y)

    def figure(self, data: FigureData) -> Figure:
        """The chart as a matplotlib Figure (drawn in the house style)."""
        with style.house(self.width):
            fig = style.new_figure(self.width, self.scale)
            ax = fig.add_subplot()
            self._draw(ax, data.rows)
        return fig

    def _draw(self, ax: Axes, rows: list[dict[str, Any]]) -> None:
        xs, scale = _positions([r.get(self.x) for r in rows])
        order = (
            sorted(range(len(rows)), key=lambda i: xs[i])
            if scale != "category"
            else range(len(rows))
        )
        handles = []
        for i, column in enumerate(self.y):
            look = style.swatch(i)
            (line,) = ax.plot(
                [xs[j] for j in order], [style.numeric(rows[j].get(column)) for j in order],
                color=look.color if look.color.upper() != "#FFFFFF" else style.INK,
                linestyle=look.linestyle, marker=look.marker if len(rows) <= 40 else "",
                markeredgewidth=0,
            )  # fmt: skip
            handles.append(line)
        self._axes(ax, rows, xs, scale)
        if len(self.y) > 1:
            style.legend(ax, handles, [style.label_of(self.labels, c) for c in self.y])

    def _axes(self, ax: Axes, rows: list[dict[str, Any]], xs: list[float], scale: Scale) -> None:
        style.count_axis(ax)
        if scale == "time" and xs:
            style.year_axis(ax, math.floor(min(xs)), math.ceil(max(xs)))
        elif scale == "number":
            style.count_axis(ax, "x")
        else:
            ax.set_xticks(xs, [str(r.get(self.x)) for r in rows])
        if self.y_label:
            ax.set_ylabel(self.y_label)
        low, high = ax.get_ylim()
        if low > 0 and low < high * 0.5:
            ax.set_ylim(0, high)  # counts and amounts start at zero unless far above it


def _positions(values: list[Any]) -> tuple[list[float], Scale]:
    """Decimal years for years and dates, numbers as they are, else category positions."""
    years = [style.decimal_year(v) for v in values]
    if values and all(y is not None for y in years):
        return [float(y) for y in years if y is not None], "time"
    if values and all(not math.isnan(style.numeric(v)) for v in values):
        return [float(v) for v in values], "number"
    return [float(i) for i in range(len(values))], "category"
