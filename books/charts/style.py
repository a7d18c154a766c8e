"""What every chart shares: the money and date formats, a greyscale-safe pygal style, the months of a
window, and :func:`render`, which turns a pygal chart into safe, reproducible SVG markup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import pygal
from lxml import etree
from pygal.style import Style

from ledger.money import format_vnd

FONT = "DejaVu Sans"
#: Bar fills that stay apart in black and white: black, dark, middle and light grey (with a black outline).
GREYS = ("#222222", "#6b6b6b", "#a8a8a8", "#dcdcdc", "#4a4a4a", "#c2c2c2")
#: Line dash patterns, one per series, for the same reason ("" is a solid line).
DASHES = ("", "8, 4", "2, 3", "10, 3, 2, 3", "4, 4", "14, 4")
NO_DATA = "Chưa có số liệu"
SVG_NS = "http://www.w3.org/2000/svg"

STYLE = Style(
    font_family=FONT,
    background="white",
    plot_background="white",
    foreground="#000000",
    foreground_strong="#000000",
    foreground_subtle="#555555",
    colors=GREYS,
    opacity="1",
    opacity_hover="1",
    stroke_opacity="1",
    stroke_opacity_hover="1",
    title_font_size=15,
    legend_font_size=12,
    label_font_size=11,
    major_label_font_size=11,
    value_font_size=11,
    no_data_font_size=24,
)
#: Bars get a black outline so that the light greys stand out from white paper; pygal adds its own CSS.
OUTLINE_CSS = "inline:.rect.reactive, .bar rect {stroke: #000000; stroke-width: 1px;}"


def vnd(amount: int | None) -> str:
    """``1.500.000 đ`` (pygal hands ``None`` for a missing point)."""
    return "" if amount is None else format_vnd(round(amount))


def dmy(d: date) -> str:
    """``05/01/2026``."""
    return d.strftime("%d/%m/%Y")


def month_label(year: int, month: int) -> str:
    """``06/2025``."""
    return f"{month:02d}/{year}"


def months_ending(today: date, n: int) -> list[tuple[int, int]]:
    """The ``n`` months (year, month) that end with ``today``'s month, oldest first."""
    k = today.year * 12 + today.month - 1
    return [(i // 12, i % 12 + 1) for i in range(k - n + 1, k + 1)]


def months_from(today: date, n: int) -> list[tuple[int, int]]:
    """The ``n`` months (year, month) that start with ``today``'s month."""
    k = today.year * 12 + today.month - 1
    return [(i // 12, i % 12 + 1) for i in range(k, k + n)]


def month_end(year: int, month: int) -> date:
    """The last day of the month."""
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


@dataclass(frozen=True)
class Chart:
    """A rendered chart and its data table.

    ``headers`` name the table's columns; each row of ``rows`` has text cells first and amounts (integer
    đồng) after — the same numbers the SVG draws. ``empty`` is true when there was nothing to draw.
    ``total``, when given, is the table's footer row (a sum the chart does not draw as a bar); ``counts``
    are the indexes of columns that hold counts ("lượt"), not đồng.
    """

    key: str
    title: str
    units: str
    svg: str
    headers: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)
    empty: bool = False
    total: tuple | None = None
    counts: tuple[int, ...] = ()

    @property
    def caption(self) -> str:
        return f"{self.title} ({self.units})"


def make(kind: type, key: str, title: str, units: str, **config) -> pygal.graph.graph.Graph:
    """A pygal chart of ``kind`` set up the house way: no JavaScript, the embedded font, greys, our formats,
    the zero line always on the axis (so a negative month is drawn below it, never as a short positive bar)."""
    opts = dict(
        style=STYLE,
        js=[],
        css=["file://base.css", "file://style.css", "file://graph.css", OUTLINE_CSS],
        disable_xml_declaration=True,
        no_prefix=False,
        title=f"{title} ({units})",
        value_formatter=vnd,
        include_x_axis=True,
        no_data_text=NO_DATA,
        width=800,
        height=420,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        truncate_legend=-1,
        truncate_label=-1,
        x_label_rotation=0,
        print_zeroes=False,
        show_minor_x_labels=True,
        margin=16,
    )
    opts.update(config)
    chart = kind(**opts)
    chart.uuid = key  # a fixed id: the CSS pygal writes is scoped to it, and the same data gives the same bytes
    return chart


def horizontal(n: int) -> dict:
    """Settings of a horizontal bar chart of ``n`` bars: each bar's figure goes in its label (printed at the
    bar's end it is clipped by short bars and overlaps long ones), a height that grows with the bars, and
    five labels on the money axis, whose long figures would otherwise overlap (pygal swaps a horizontal
    chart's axes after computing the major labels, so the money axis is the "y" labels' count and the "x"
    axis' minor-label switch)."""
    return dict(height=150 + 36 * n, show_legend=False, y_labels_major_count=5, show_minor_x_labels=False)


def empty(kind: type, key: str, title: str, units: str) -> str:
    """The chart with nothing to draw: its title and "Chưa có số liệu", no axis to suggest a scale."""
    chart = make(kind, key, title, units, show_y_labels=False, show_x_labels=False, show_y_guides=False,
                 include_x_axis=False, show_legend=False)
    return render(chart, desc=NO_DATA)


def _clean(root):
    """Drop pygal's inline script (its tooltips' configuration) and its comments (one carries today's date)."""
    for el in list(root.iter()):
        if el is root:
            continue
        if isinstance(el, etree._Comment) or (isinstance(el.tag, str) and el.tag.rsplit("}", 1)[-1] == "script"):
            el.getparent().remove(el)
    root.set("role", "img")
    return root


def render(chart, *, desc: str = "") -> str:
    """Return the chart's SVG markup: no script, no comment, no external reference; ``desc`` (the table in
    one sentence) goes in an SVG ``<desc>`` for screen readers."""
    root = _clean(chart.render_tree())
    if desc:
        d = etree.Element(f"{{{SVG_NS}}}desc")
        d.text = desc
        title = root.find(f"{{{SVG_NS}}}title")
        if title is not None:
            title.addnext(d)
        else:
            root.insert(0, d)
    return etree.tostring(root, encoding="unicode")


def series_values(values: Sequence[int | None]) -> list[int | None]:
    """Values as pygal wants them: ints, None for a missing point."""
    return [None if v is None else int(v) for v in values]
