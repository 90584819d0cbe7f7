"""CRS house style for drawn charts, and the helpers the chart kinds share.

The style is applied with ``matplotlib.rc_context`` only; importing this module
imports no matplotlib and changes no global state. Drawing is deterministic: the
same figure gives the same SVG and PNG bytes in any process.
"""

from __future__ import annotations

import calendar
import io
import math
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..dates import first_day
from ..resources import fonts_dir

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LIBRARIES = (
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg",
)
"""What drawing a chart imports: a worker that will draw imports them while it waits."""
FONT_FAMILY = "Liberation Sans"
PNG_DPI = 220
SIZES = {"column": (3.4, 2.6), "full": (7.0, 3.4)}
"""Figure size in inches per spec ``width``."""
INK = "#262626"
GRID = "#D0D0D0"
SVG_SALT = "crsreport"


@dataclass(frozen=True)
class Swatch:
    """One series' look: fill colour, hatch, marker and line style (tell apart in gray)."""

    color: str
    hatch: str = ""
    hatch_color: str = "#FFFFFF"
    marker: str = "o"
    linestyle: str = "-"


# Navy / gold / blue / gray / teal steps, each at least 3:1 against the white page (WCAG
# 1.4.11, non-text contrast), alternating darker and lighter so stacked neighbours differ
# in luminance; hatches and markers separate the rest (and tell series apart in gray).
PALETTE = (
    Swatch("#1B365D", marker="o", linestyle="-"),  # navy, 12.1:1
    Swatch("#B07A12", marker="s", linestyle="--"),  # gold, 3.7:1
    Swatch("#3B74B8", marker="^", linestyle=":"),  # blue, 4.8:1
    Swatch("#8A8A8A", marker="D", linestyle="-."),  # gray, 3.5:1
    Swatch("#2C7F7B", "////", "#FFFFFF", "v", (0, (5, 1.5))),  # teal, hatched, 4.7:1
    Swatch("#5E8FC7", "\\\\\\\\", "#1B365D", "P", (0, (1, 1.5))),  # light blue, hatched, 3.4:1
    Swatch("#595959", "----", "#FFFFFF", "X", (0, (3, 1, 1, 1, 1, 1))),  # dark gray, striped, 7:1
    Swatch("#A0522D", "xxxx", "#FFFFFF", "h", (0, (6, 2))),  # sienna, cross-hatched, 5.6:1
)
ACCENT = "#A6192E"
"""Overlay markers (e.g. nuclear tests): a dark red that reads black in gray."""
MARKERS = {"star": "*", "diamond": "D", "triangle": "^", "circle": "o", "square": "s", "x": "X"}


def swatch(index: int) -> Swatch:
    """The house look of the series at ``index`` (cycles past the palette)."""
    return PALETTE[index % len(PALETTE)]


def font_size(width: str | float) -> float:
    """7 pt at column width, 8 pt at full width."""
    return 7.0 if _inches(width) < 5 else 8.0


def _inches(width: str | float) -> float:
    return SIZES[width][0] if isinstance(width, str) else float(width)


def rc(width: str | float) -> dict[str, Any]:
    """The rcParams of the house style at a figure width (name or inches)."""
    size = font_size(width)
    return {
        "font.family": FONT_FAMILY,
        "font.size": size,
        "axes.titlesize": size,
        "axes.labelsize": size,
        "xtick.labelsize": size,
        "ytick.labelsize": size,
        "legend.fontsize": size,
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.edgecolor": INK,
        "axes.linewidth": 0.6,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,
        "axes.formatter.useoffset": False,
        "axes.titlelocation": "left",
        "grid.color": GRID,
        "grid.linewidth": 0.5,
        "xtick.color": INK,
        "ytick.color": INK,
        "xtick.major.size": 2.5,
        "ytick.major.size": 0,
        "xtick.minor.size": 1.2,
        "xtick.major.width": 0.6,
        "xtick.minor.width": 0.4,
        "ytick.major.pad": 2,
        "legend.frameon": False,
        "legend.handlelength": 1.2,
        "legend.handleheight": 0.8,
        "legend.handletextpad": 0.4,
        "legend.columnspacing": 1.0,
        "legend.borderaxespad": 0.2,
        "legend.labelspacing": 0.3,
        "hatch.linewidth": 0.5,
        "lines.linewidth": 1.4,
        "lines.markersize": 3.5,
        "patch.linewidth": 0.3,
        "figure.constrained_layout.h_pad": 0.02,
        "figure.constrained_layout.w_pad": 0.02,
        "svg.fonttype": "path",
        "svg.hashsalt": SVG_SALT,
        "svg.image_inline": True,
        "path.simplify": True,
    }


@contextmanager
def house(width: str | float) -> Iterator[None]:
    """Draw in the house style (fonts registered, rcParams set) within the block."""
    import matplotlib as mpl

    register_fonts()
    with mpl.rc_context(rc(width)):
        yield


def register_fonts() -> None:
    """Make the bundled Liberation Sans known to matplotlib, ahead of any installed copy."""
    from matplotlib import font_manager

    folder = fonts_dir()
    bundled = str(folder)
    manager = font_manager.fontManager
    if any(f.fname.startswith(bundled) for f in manager.ttflist):
        return
    for path in sorted(folder.glob("LiberationSans-*.ttf")):
        manager.addfont(str(path))
    # findfont keeps the first of equal matches: put the bundled faces first. addfont
    # has just emptied the lookup cache, so the new order is the one used.
    manager.ttflist.sort(key=lambda f: not f.fname.startswith(bundled))


def inches(width: str, scale: float = 1.0) -> tuple[float, float]:
    """A house-size figure's width and height in inches."""
    w, h = SIZES[width]
    return w * scale, h * scale


def svg_size(width: str, scale: float = 1.0) -> tuple[str, str]:
    """The ``width`` and ``height`` attributes of the SVG ``new_figure(width, scale)``
    draws, written as matplotlib writes them (points, ``%f`` without trailing zeros)."""
    w, h = (f"{x * 72:f}".rstrip("0").rstrip(".") + "pt" for x in inches(width, scale))
    return w, h


def new_figure(width: str, scale: float = 1.0) -> Figure:
    """An empty house-size figure on the Agg canvas (no pyplot, no global state); a
    ``scale`` below 1 draws it smaller with the same type size, so its text stays legible
    where the picture is placed at that share of its width."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=inches(width, scale), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def laid_out(fig: Figure) -> Figure:
    """``fig`` with its constrained layout worked out once and then fixed, so that each
    file drawn from it is drawn without a layout and the same in any order."""
    engine = fig.get_layout_engine()
    if engine is not None:
        with house(fig.get_figwidth()):
            engine.execute(fig)
        fig.set_layout_engine("none")
    return fig


def render(fig: Figure, fmt: str) -> bytes:
    """The figure as SVG or PNG bytes, without dates or software stamps."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"cannot draw a figure as '{fmt}' (svg or png)")
    metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
    out = io.BytesIO()
    with house(fig.get_figwidth()):
        fig.savefig(out, format=fmt, dpi=PNG_DPI, metadata=metadata)
    return out.getvalue()


def bar_options(look: Swatch) -> dict[str, Any]:
    """Bar keywords: fill, hatch, white separators (a white bar gets its hatch colour)."""
    edge = look.hatch_color if look.color.upper() == "#FFFFFF" else "white"
    return {"color": look.color, "hatch": look.hatch, "edgecolor": edge, "linewidth": 0.3}


def hatching(look: Swatch) -> AbstractContextManager[None]:
    """Within the block, new patches draw their hatch in the swatch's hatch colour."""
    import matplotlib as mpl

    return mpl.rc_context({"hatch.color": look.hatch_color})


def legend(ax: Axes, handles: list[Any], labels: list[str]) -> None:
    """A frameless legend in rows above the plot, as many columns as fit the width."""
    if not handles:
        return
    fig = ax.get_figure()
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    room = fig.get_figwidth() * fig.dpi * 0.98
    for ncol in range(len(labels), 0, -1):
        box = ax.legend(
            handles, labels, loc="lower left", bbox_to_anchor=(0, 1.01), ncol=ncol,
            borderaxespad=0,
        )  # fmt: skip
        if box.get_window_extent(renderer).width <= room:
            return


def number(value: float, _pos: Any = None) -> str:
    """Tick and label text: thousands separators, no needless decimals."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0")


def numeric(value: Any) -> float:
    """A data cell as a float; blanks and text are NaN (drawn as gaps)."""
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    )


def decimal_year(value: Any) -> float | None:
    """YYYY, YYYY-MM or YYYY-MM-DD (or a year number) as a year with a fraction."""
    day = first_day(value)
    if day is None:
        return None
    first = day.replace(month=1, day=1)
    length = 366 if calendar.isleap(day.year) else 365  # (year 9999 has no next year)
    return day.year + (day - first).days / length


def year_axis(ax: Axes, first: float, last: float) -> None:
    """Integer year ticks at a step that fits the width, yearly minor ticks."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    fig = ax.get_figure()
    assert fig is not None
    fits = 8 if fig.get_figwidth() < 5 else 14
    span = max(last - first, 1)
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= fits), 100)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f}"))
    if step > 1 and span <= 80:
        ax.xaxis.set_minor_locator(MultipleLocator(1))


def count_axis(ax: Axes, axis: str = "y", *, integer: bool = False) -> None:
    """Value ticks with thousands separators, at most six of them."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = ax.yaxis if axis == "y" else ax.xaxis
    steps = [1, 2, 2.5, 5, 10]
    target.set_major_locator(MaxNLocator(nbins=5, steps=steps, integer=integer))
    target.set_major_formatter(FuncFormatter(number))


def label_of(labels: dict[str, str], key: Any) -> str:
    """The display name of a series or category."""
    return labels.get(str(key), str(key))
