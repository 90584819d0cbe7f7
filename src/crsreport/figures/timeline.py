"""``timeline``: events on a date axis, counted per year or marked one by one."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ..dates import first_day
from . import ChartSpec, FigureData, Overlay, figure_kind, style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

NO_CATEGORY = ""
MAX_CATEGORIES = 50
"""Categories one timeline may colour: each is a colour, a legend entry and a row or a
layer of bars, and no reader tells 50 colours apart."""


@figure_kind
class TimelineSpec(ChartSpec):
    """Events by date, coloured by category; overlays add a second event layer as markers."""

    kind: Literal["timeline"] = "timeline"
    date: str = Field(description="Column holding the event date (YYYY, YYYY-MM or YYYY-MM-DD).")
    category: str | None = Field(None, description="Column whose values colour the events.")
    bin: Literal["year"] | None = Field(
        "year", description='"year": stacked bars of events per year; none: one mark per event.'
    )
    overlays: list[Overlay] = Field(default_factory=list)
    order: list[str] | None = Field(None, description="Category order (bottom of the stack first).")
    labels: dict[str, str] = Field(default_factory=dict, description="Category display names.")
    y_label: str | None = None

    def columns_used(self) -> list[str]:
        return [*super().columns_used(), *([self.category] if self.category else [])]

    def check(self, data: FigureData) -> str | None:
        """No rows, or more than MAX_CATEGORIES categories."""
        count = len({self._category(row) for row in data.rows})
        if count > MAX_CATEGORIES:
            return (
                f"{count:,} categories in '{self.category}'; a timeline colours at most "
                f"{MAX_CATEGORIES} (group the rest, or narrow the rows with where)"
            )
        return super().check(data)

    def figure(self, data: FigureData) -> Figure:
        """The chart as a matplotlib Figure (drawn in the house style)."""
        with style.house(self.width):
            fig = style.new_figure(self.width, self.scale)
            ax = fig.add_subplot()
            if self.bin == "year":
                self._bars(ax, data)
            else:
                self._strip(ax, data)
            if self.y_label:
                ax.set_ylabel(self.y_label)
        return fig

    def categories(self, rows: list[dict[str, Any]]) -> list[str]:
        """Category values present: ``order`` first, then by count (Unknown/Other last)."""
        counts: dict[str, int] = {}
        for row in rows:
            key = self._category(row)
            counts[key] = counts.get(key, 0) + 1
        given = [c for c in self.order or [] if c in counts]
        rest = sorted(
            (c for c in counts if c not in given),
            key=lambda c: (c.lower() in ("unknown", "other"), -counts[c], c),
        )
        return [*given, *rest]

    def _category(self, row: dict[str, Any]) -> str:
        return str(row.get(self.category, "")) if self.category else NO_CATEGORY

    def _years(self, data: FigureData) -> range:
        """Start year (spec or first event) to the end date's year, every year included."""
        dates = (o.date for o in self.overlays)
        layers = [(data.rows, self.date), *zip(data.overlays, dates, strict=False)]
        found = [d.year for rows, column in layers for d in _days(rows, column)]
        start = first_day(self.start) if self.start else None
        first = start.year if start else min(found, default=data.end.year)
        return range(first, data.end.year + 1)

    def _bars(self, ax: Axes, data: FigureData) -> None:
        """Stacked bars of events per year and category, overlay markers above them."""
        years = self._years(data)
        totals = [0] * len(years)
        handles, names = [], []
        for i, category in enumerate(self.categories(data.rows)):
            rows = [r for r in data.rows if self._category(r) == category]
            heights = _per_year(rows, self.date, years)
            handles.append(_stack(ax, style.swatch(i), years, heights, totals, category))
            totals = [a + b for a, b in zip(totals, heights, strict=True)]
            names.append(style.label_of(self.labels, category) if self.category else "Events")
        top = max(totals, default=0)
        marks = self._overlay_marks(ax, data, years, totals, top)
        ax.set_xlim(years.start - 0.7, years.stop - 0.3)
        ax.set_ylim(0, max(top, marks, 1) * 1.04)
        style.year_axis(ax, years.start, years.stop - 1)
        style.count_axis(ax, integer=True)
        if len(handles) > 1 or self.overlays:
            style.legend(ax, [*handles, *ax.lines], [*names, *(o.label for o in self.overlays)])

    def _overlay_marks(
        self, ax: Axes, data: FigureData, years: range, totals: list[int], top: int
    ) -> float:
        """Overlay markers stacked above each year's bar; returns the highest one."""
        step = max(top, 4) * 0.075
        highest = 0.0
        for i, (overlay, rows) in enumerate(zip(self.overlays, data.overlays, strict=False)):
            xs, ys, seen = [], [], dict.fromkeys(years, 0)
            for day in _days(rows, overlay.date):
                if day.year in seen:
                    ys.append(totals[day.year - years.start] + step * (0.9 + seen[day.year]))
                    xs.append(day.year)
                    seen[day.year] += 1
            _marker_line(ax, xs, ys, overlay, i, size=6.5 if self.width == "column" else 8)
            highest = max([highest, *(y + step * 0.6 for y in ys)])
        return highest

    def _strip(self, ax: Axes, data: FigureData) -> None:
        """One row per category (overlays last), one marker per event."""
        categories = self.categories(data.rows)
        for i, category in enumerate(categories):
            rows = [r for r in data.rows if self._category(r) == category]
            xs = _decimal_years(rows, self.date)
            look = style.swatch(i)
            ax.plot(
                xs, [i] * len(xs), linestyle="none", marker=look.marker, color=look.color,
                markeredgecolor=style.INK, markeredgewidth=0.3, alpha=0.8,
            )  # fmt: skip
        names = [style.label_of(self.labels, c) for c in categories]
        for j, (overlay, rows) in enumerate(zip(self.overlays, data.overlays, strict=False)):
            xs = _decimal_years(rows, overlay.date)
            _marker_line(ax, xs, [len(names)] * len(xs), overlay, j, size=6)
            names.append(overlay.label)
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(-0.7, len(names) - 0.3)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=True)
        years = self._years(data)
        end = style.decimal_year(data.end.isoformat()) or years.stop
        ax.set_xlim(years.start - 0.3, end + 0.3)
        style.year_axis(ax, years.start, end)


def _stack(
    ax: Axes, look: style.Swatch, years: range, heights: list[int], bottoms: list[int], label: str
) -> Any:
    """One category's bars on top of the ones below; empty years draw nothing."""
    kept = [i for i, h in enumerate(heights) if h]
    with style.hatching(look):
        return ax.bar(
            [years[i] for i in kept], [heights[i] for i in kept], 0.8,
            bottom=[bottoms[i] for i in kept], label=label, **style.bar_options(look),
        )  # fmt: skip


def _decimal_years(rows: list[dict[str, Any]], column: str) -> list[float]:
    years = (style.decimal_year(r.get(column)) for r in rows)
    return [y for y in years if y is not None]


def _marker_line(
    ax: Axes, xs: list[Any], ys: list[float], overlay: Overlay, index: int, size: float
) -> None:
    colors = (style.ACCENT, style.INK, style.PALETTE[1].color)
    ax.plot(
        xs, ys, linestyle="none", marker=style.MARKERS.get(overlay.marker, overlay.marker),
        markersize=size, color=colors[index % len(colors)], markeredgecolor="white",
        markeredgewidth=0.3, label=overlay.label, clip_on=False,
    )  # fmt: skip


def _days(rows: list[dict[str, Any]], column: str) -> list[dt.date]:
    """The dates in ``column`` of rows (unreadable ones skipped)."""
    return [d for d in (first_day(r.get(column)) for r in rows) if d is not None]


def _per_year(rows: list[dict[str, Any]], column: str, years: range) -> list[int]:
    counts = [0] * len(years)
    for day in _days(rows, column):
        if day.year in years:
            counts[day.year - years.start] += 1
    return counts
