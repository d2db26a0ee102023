"""The drawing kit of the report charts: matplotlib's Agg canvas, no pyplot (no global state,
so two charts can be drawn at once in worker threads), sized and lettered to be read on a phone.

Every text is fitted inside the picture after layout: long titles wrap, and what still does not
fit is made smaller. A day or month not over yet is drawn hatched and lighter (mark_partial),
with a legend note (partial_handle).

matplotlib is imported on first use: it costs about a second, which `loyalty-bot run` need
not pay until someone asks for a chart.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from babel.dates import format_skeleton

from handlers.ui.render import locale
from handlers.ui.report_render import period_text
from services.reports.periods import Period

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.text import Text

BLUE, GREEN, ORANGE, RED, GREY = "#2a6fdb", "#2e9e5b", "#f08c00", "#d9480f", "#868e96"
DARK_BLUE = "#0b3b8c"  # the heat map's top: white text on it stays readable
SIZE = (8, 6)  # inches at 150 dpi: 1200 x 900 pixels, sharp on a phone, small to send
DPI = 150
TITLE_CHARS = 52  # a 16-point bold title line across the 8-inch picture
LABEL_CHARS = 40  # an axis label along the 6-inch side
PARTIAL_HATCH = "///"
CUT_HATCH = "..."
PARTIAL_ALPHA = 0.45


def new_figure(rows: int = 1, height_ratios: list[float] | None = None) -> tuple[Figure, Any]:
    from matplotlib import rcParams
    from matplotlib.figure import Figure

    rcParams["font.size"] = 13
    rcParams["axes.titlesize"] = 16
    rcParams["axes.titleweight"] = "bold"
    rcParams["axes.spines.top"] = False
    rcParams["axes.spines.right"] = False
    rcParams["hatch.linewidth"] = 1.5
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    axes = figure.subplots(rows, 1, gridspec_kw={"height_ratios": height_ratios or [1] * rows})
    return figure, axes


def wrap(text: str, chars: int) -> str:
    """Lines of at most `chars` characters, broken between words."""
    return "\n".join(textwrap.wrap(text, chars, break_long_words=False)) or text


def set_title(axes: Axes, text: str) -> None:
    axes.set_title(wrap(text, TITLE_CHARS))


def period_in_title(period: Period) -> str:
    """The period of a title, kept on one line when the title wraps."""
    return period_text(period).replace(" ", "\u00a0")


def texts(figure: Figure) -> list[Text]:
    """Every text drawn in a figure: titles, axis and tick labels, legends, annotations."""
    from matplotlib.text import Text

    ticks: set[int] = set()  # every tick label, drawn or not
    drawn: set[int] = set()  # the tick labels of the ticks that are drawn
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                ticks |= {id(tick.label1), id(tick.label2)}
            if axes.axison and axis.get_visible():
                # the ones in view (a private method, not in matplotlib's stubs)
                for tick in axis._update_ticks():  # type: ignore[union-attr]
                    drawn |= {id(tick.label1), id(tick.label2)}
    return [
        text
        for text in figure.findobj(Text)
        if isinstance(text, Text)
        and text.get_visible()
        and text.get_text()
        and (id(text) not in ticks or id(text) in drawn)
    ]


def renderer(figure: Figure) -> RendererBase:
    """Draw the figure (laying it out) and return the renderer that measured it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else None
    if canvas is None:
        canvas = FigureCanvasAgg(figure)
    # FigureCanvasAgg ships without annotations.
    canvas.draw()  # type: ignore[no-untyped-call]
    drawn: RendererBase = canvas.get_renderer()  # type: ignore[no-untyped-call]
    return drawn


def _spills(figure: Figure) -> list[tuple[Text, float]]:
    """The texts whose drawn extent is not wholly inside the picture, each with the share
    of the picture's width it takes."""
    drawn = renderer(figure)
    box = figure.bbox
    spilled = []
    for text in texts(figure):
        extent = text.get_window_extent(drawn)
        if extent.width == 0 and extent.height == 0:
            continue
        if (
            extent.x0 < box.x0 - 0.5
            or extent.y0 < box.y0 - 0.5
            or extent.x1 > box.x1 + 0.5
            or extent.y1 > box.y1 + 0.5
        ):
            spilled.append((text, extent.width / box.width))
    return spilled


def outside(figure: Figure) -> list[Text]:
    """The texts whose drawn extent is not wholly inside the picture."""
    return [text for text, _share in _spills(figure)]


def fit(figure: Figure, passes: int = 8) -> Figure:
    """Wrap, then shrink, any text that spills out of the picture, until everything fits."""
    for _pass in range(passes):
        spilled = _spills(figure)
        if not spilled:
            break
        for text, share in spilled:
            content = text.get_text()
            longest = max(len(line) for line in content.splitlines())
            chars = max(8, int(longest * min(0.8, 0.9 / max(share, 0.01))))
            wrapped = wrap(content.replace("\n", " "), chars)
            if _pass < 4 and wrapped.count("\n") > content.count("\n"):
                text.set_text(wrapped)
            else:
                # get_fontsize() is typed "float | str"; the size in points is always a float
                size = text.get_fontproperties().get_size_in_points()
                text.set_fontsize(max(6.0, size * 0.85))
    return figure


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def value_axis(axes: Axes, label: Callable[[float], str]) -> None:
    """About five whole-number ticks on the y axis, each labelled by `label`."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: label(value)))


def month_labels(months: Sequence[date]) -> list[str]:
    """Short month names; with the year under the first month and each January when the
    months span two years or more."""
    loc = locale()
    if len({m.year for m in months}) <= 1:
        return [format_skeleton("MMM", m, locale=loc) for m in months]
    return [
        format_skeleton("MMM", m, locale=loc) + (f"\n{m.year}" if i == 0 or m.month == 1 else "")
        for i, m in enumerate(months)
    ]


def mark_partial(axes: Axes, bars: Any, index: int, hatch: str = PARTIAL_HATCH) -> None:
    """Draw one bar of a series as not complete: lighter, hatched, outlined."""
    if not 0 <= index < len(bars):
        return
    bar = bars[index]
    color = bar.get_facecolor()
    bar.set_alpha(PARTIAL_ALPHA)
    bar.set_hatch(hatch)
    bar.set_edgecolor((*color[:3], 1.0))


def partial_handle(label: str, hatch: str = PARTIAL_HATCH) -> Any:
    from matplotlib.patches import Patch

    return Patch(facecolor="white", edgecolor=GREY, hatch=hatch, label=label)


def contrast(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on a cell of this colour."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgba[:3])
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "white" if luminance < 0.2 else "black"


Bars = tuple[list[int], str, str]  # heights, colour, legend label


def grouped_bars(
    axes: Axes,
    names: list[str],
    groups: Sequence[Bars],
    label: Callable[[float], str],
    legend_columns: int = 2,
) -> None:
    """Bars side by side for each name (one a group), each labelled with its height, the
    legend above them: the rewards' and the coalition's charts."""
    width = 0.8 / len(groups)
    xs = range(len(names))
    for offset, (heights, color, name) in enumerate(groups):
        positions = [x + (offset - (len(groups) - 1) / 2) * width for x in xs]
        bars = axes.bar(positions, heights, width, color=color, label=name)
        axes.bar_label(bars, labels=[label(h) for h in heights], fontsize=9)
    axes.set_xticks(list(xs), names, fontsize=10)
    value_axis(axes, label)
    top = max([h for heights, _color, _name in groups for h in heights] + [1])
    axes.set_ylim(0, top * 1.45)  # room for the legend above the bars
    axes.legend(loc="upper left", fontsize=10, frameon=False, ncols=legend_columns)
