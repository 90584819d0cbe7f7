"""The ``waffle`` figure kind: each category's share of a total as squares of a grid."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from crsreport.figures import FigureData, FigureSpec, figure_kind, style

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SQUARES = 100
ROWS = 10


@figure_kind
class WaffleSpec(FigureSpec):
    """Shares of ``value`` (or of rows) by ``category``, one square per percent."""

    kind: Literal["waffle"] = "waffle"
    category: str = Field(description="Column whose values are the parts.")
    value: str | None = Field(None, description="Numeric column summed per part; none counts rows.")
    labels: dict[str, str] = Field(default_factory=dict, description="Part display names.")

    def columns_used(self) -> list[str]:
        return [*super().columns_used(), self.category, *([self.value] if self.value else [])]

    def draw(self, data: FigureData, fmt: str) -> bytes:
        """The chart as SVG or PNG bytes."""
        return style.render(self.figure(data), fmt)

    def totals(self, rows: list[dict[str, Any]]) -> dict[str, float]:
        """Each part's total, in first-seen order; blanks and text add nothing."""
        totals: dict[str, float] = {}
        for row in rows:
            amount = style.numeric(row.get(self.value)) if self.value else 1.0
            if not math.isnan(amount) and amount > 0:
                key = str(row.get(self.category))
                totals[key] = totals.get(key, 0.0) + amount
        return totals

    def figure(self, data: FigureData) -> Figure:
        """Squares filled row by row, part by part, with a legend of shares."""
        from matplotlib.patches import Rectangle

        counts = squares(self.totals(data.rows))
        with style.house(self.width):
            fig = style.new_figure(self.width)
            ax = fig.add_subplot()
            ax.set_axis_off()
            ax.set_aspect("equal")
            ax.set_xlim(0, SQUARES // ROWS)
            ax.set_ylim(0, ROWS)
            handles, cell = [], 0
            for i, count in enumerate(counts.values()):
                look = style.swatch(i)
                with style.hatching(look):
                    for _ in range(count):
                        x, y = cell % (SQUARES // ROWS), ROWS - 1 - cell // (SQUARES // ROWS)
                        ax.add_patch(Rectangle((x + 0.05, y + 0.05), 0.9, 0.9, **_fill(look)))
                        cell += 1
                handles.append(Rectangle((0, 0), 1, 1, **_fill(look)))
            names = [f"{style.label_of(self.labels, k)} ({n}%)" for k, n in counts.items()]
            style.legend(ax, handles, names)
        return fig


def _fill(look: style.Swatch) -> dict[str, Any]:
    """Patch keywords for a square in a series' house look."""
    options = dict(style.bar_options(look))
    options["facecolor"] = options.pop("color")
    return options


def squares(totals: dict[str, float]) -> dict[str, int]:
    """Whole squares per part summing to 100 (largest remainders get the rest)."""
    whole = sum(totals.values())
    if whole <= 0:
        return {}
    exact = {k: v * SQUARES / whole for k, v in totals.items()}
    counts = {k: int(v) for k, v in exact.items()}
    spare = SQUARES - sum(counts.values())
    for key in sorted(exact, key=lambda k: counts[k] - exact[k])[:spare]:
        counts[key] += 1
    return counts
