"""Bar charts drawn by the server as inline SVG: no script, nothing from another host.

Each chart is a list of labelled bars scaled to the largest value; the numbers themselves sit
beside the chart in a table, so the chart is a picture of figures the reader can also read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 400
BAR_HEIGHT = 14
GAP = 6
LABEL_WIDTH = 96
VALUE_WIDTH = 112  # room after the longest bar for its figure


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    tone: str  # a CSS class: budget, received, drawn, voided, balance, unreceived
    text: str  # the value as the page writes it, shown after the bar


def bar_chart(bars: Sequence[Bar], *, title: str) -> Markup:
    """Horizontal bars, one a row, each labelled; `title` is what a screen reader hears."""
    largest = max((bar.value for bar in bars), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    rows = []
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = max(round(plot * max(bar.value, 0) / largest), 1 if bar.value > 0 else 0)
        rows.append(
            f'<text x="0" y="{y + BAR_HEIGHT - 3}" class="chart-label">{escape(bar.label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'class="bar bar-{escape(bar.tone)}"/>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + BAR_HEIGHT - 3}" '
            f'class="chart-label">{escape(bar.text)}</text>'
        )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(rows)
        + "</svg>"
    )


def column_chart(columns: Sequence[tuple[str, int]], *, title: str) -> Markup:
    """Vertical columns (a month each), labelled underneath."""
    largest = max((value for _, value in columns), default=0) or 1
    plot_height, label_height, step = 120, 16, 34
    width = max(len(columns) * step, step)
    rects = []
    for index, (label, value) in enumerate(columns):
        height = max(round(plot_height * max(value, 0) / largest), 1 if value > 0 else 0)
        x = index * step + 4
        rects.append(
            f'<rect x="{x}" y="{plot_height - height}" width="{step - 8}" height="{height}" '
            f'class="bar bar-drawn"/>'
            f'<text x="{x + (step - 8) / 2}" y="{plot_height + label_height - 4}" '
            f'class="chart-label" text-anchor="middle">{escape(label)}</text>'
        )
    total_height = plot_height + label_height
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {total_height}" width="{width}" '
        f'height="{total_height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>" + "".join(rects) + "</svg>"
    )
