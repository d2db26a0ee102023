"""The printable counter poster: the café's name, what members get and a QR of the join link,
on an A4 portrait page, as a PNG (to look at, or print) and a PDF (to print sharp).

The wording is chosen by the handler in the poster's language (PosterText); drawing is pure,
and runs in a worker thread like the charts. The QR is drawn as squares, not as a picture, so
the PDF stays sharp at any size.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram.utils.i18n import gettext as _

from handlers.ui.chart_kit import BLUE, GREEN, GREY, fit, wrap
from handlers.ui.render import percent

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 150
A4 = (1240 / DPI, 1754 / DPI)  # inches: A4 portrait, 1240 x 1754 pixels
NAME_CHARS = 22
LINE_CHARS = 30


@dataclass(frozen=True, slots=True)
class PosterText:
    name: str
    headline: str
    benefit: str
    scan: str
    link: str  # the join link, printed under the code for anyone who cannot scan


def poster_text(name: str, link: str, cashback_bp: int) -> PosterText:
    """The poster's lines in the current locale."""
    if cashback_bp > 0:
        benefit = _("Earn {percent} back on every purchase").format(percent=percent(cashback_bp))
    else:
        benefit = _("Collect points on every purchase")
    return PosterText(
        name=name,
        headline=_("Join our loyalty program in Telegram"),
        benefit=benefit,
        scan=_("Scan the code with your phone's camera"),
        link=link.removeprefix("https://"),
    )


def _size(text: str, largest: float, chars: int) -> float:
    """A font size that keeps `text` wrapped at `chars` within three lines."""
    lines = len(wrap(text, chars).splitlines())
    return largest if lines <= 2 else largest * 2 / lines


def poster_figure(text: PosterText) -> Figure:
    """Top down: the name, the invitation, the benefit; bottom up: the link, the hint to
    scan; the QR code as large as fits between them."""
    import qrcode
    from matplotlib.figure import Figure
    from qrcode.constants import ERROR_CORRECT_M

    from handlers.ui.chart_kit import renderer

    figure = Figure(figsize=A4, dpi=DPI)
    figure.patch.set_facecolor("white")
    page = renderer(figure)
    height = figure.bbox.height

    def place(y: float, content: str, top: bool, **style: Any) -> float:
        """A centred text from y down (or up); the y just past it."""
        line = figure.text(0.5, y, content, ha="center", va="top" if top else "bottom", **style)
        size = line.get_window_extent(page).height / height
        return y - size if top else y + size

    y = place(
        0.95,
        wrap(text.name, NAME_CHARS),
        True,
        fontsize=_size(text.name, 44, NAME_CHARS),
        fontweight="bold",
        linespacing=1.15,
    )
    y = place(y - 0.025, wrap(text.headline, LINE_CHARS + 8), True, fontsize=22, color=BLUE)
    y = place(
        y - 0.02,
        wrap(text.benefit, LINE_CHARS),
        True,
        fontsize=_size(text.benefit, 30, LINE_CHARS),
        fontweight="bold",
        color=GREEN,
        linespacing=1.15,
    )
    bottom = place(0.05, text.link, False, fontsize=15, family="monospace", color=GREY)
    bottom = place(bottom + 0.012, wrap(text.scan, LINE_CHARS + 8), False, fontsize=20)
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2)
    code.add_data("https://" + text.link)
    code.make(fit=True)
    matrix = [[1 if cell else 0 for cell in row] for row in code.get_matrix()]
    room = (y - 0.03) - (bottom + 0.02)  # of the page's height
    side = min(0.64 * A4[0], room * A4[1])  # inches: square on the page
    low = bottom + 0.02 + (room - side / A4[1]) / 2
    axes = figure.add_axes((0.5 - side / A4[0] / 2, low, side / A4[0], side / A4[1]))
    axes.pcolormesh(matrix, cmap="Greys", vmin=0, vmax=1, edgecolors="none", antialiased=False)
    axes.set_xlim(0, len(matrix))
    axes.set_ylim(len(matrix), 0)
    axes.set_axis_off()
    return fit(figure)


def poster_files(text: PosterText) -> tuple[bytes, bytes]:
    """(PNG, PDF) of the poster."""
    figure = poster_figure(text)
    png, pdf = io.BytesIO(), io.BytesIO()
    figure.savefig(png, format="png")
    figure.savefig(pdf, format="pdf")
    return png.getvalue(), pdf.getvalue()
