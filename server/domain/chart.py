"""The takings-by-day chart's geometry: one horizontal bar per day (stacked by payment
method), its day label on the left, its total printed at its end, and a value axis with
round ticks. Pure: numbers in, SVG user units out; the template only draws them.

Horizontal bars stay readable on a 320 px phone for any range (a row per day, the page
grows down), where vertical bars for 92 days would be slivers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from server.domain.clock import day_label
from server.domain.money import ZERO, format_money
from server.domain.payments import SHOWN_METHODS
from server.domain.reconcile import Collected, MethodTotal

WIDTH = 320  # user units; the SVG scales to the column, 1:1 on a 320 px phone
LABEL_WIDTH = 82  # "Wed 30 Sep" at 12 units, and a gap
VALUE_ROOM = 72  # "$12,345.00" printed after the longest bar
AXIS_HEIGHT = 22  # tick labels above the rows
ROW_HEIGHT = 26
BAR_HEIGHT = 16
MAX_INTERVALS = 4  # ticks across the plot: 0 and up to four more
PLOT_LEFT = LABEL_WIDTH
PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_ROOM


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    method: str
    title: str  # "Sat 28 Nov: cash $40.00"


@dataclass(frozen=True)
class Row:
    day: date
    label: str  # "Sat 28 Nov"
    y: float  # top of the bar
    text_y: float  # baseline of the label and the total, centred on the bar
    total: str  # "$1,450.00"
    total_x: float  # just after the bar's end
    segments: list[Segment]


@dataclass(frozen=True)
class Tick:
    x: float
    label: str  # "$500"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    axis_y: float  # where the grid lines start (below the tick labels)
    ticks: list[Tick]
    rows: list[Row]
    peak: Decimal


def tick_step(peak: Decimal) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten, at least $1) that covers
    `peak` in at most MAX_INTERVALS steps."""
    if peak <= 0:
        return Decimal(1)
    raw = peak / MAX_INTERVALS
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for multiple in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        step = max(multiple * magnitude, Decimal(1))
        if step * MAX_INTERVALS >= peak:
            return step
    return Decimal(10) * magnitude  # not reached: 10 × magnitude × 4 ≥ peak


def _dollars(value: Decimal) -> str:
    """A tick's label: "$1,500" (whole dollars; steps are at least $1)."""
    return f"${int(value):,}"


def range_chart(days: list[tuple[date, Collected]]) -> Chart:
    peak = max((c.total for _, c in days), default=ZERO)
    step = tick_step(peak)
    top = (peak / step).to_integral_value(rounding=ROUND_CEILING) * step if peak > 0 else step
    scale = Decimal(PLOT_WIDTH) / top
    intervals = int(top / step)
    ticks = [
        Tick(round(PLOT_LEFT + float(step * i * scale), 2), _dollars(step * i))
        for i in range(intervals + 1)
    ]
    rows = []
    for i, (day, collected) in enumerate(days):
        y = AXIS_HEIGHT + i * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) / 2
        label = day_label(day, year=False)
        x = float(PLOT_LEFT)
        segments = []
        for method in SHOWN_METHODS:
            amount = collected.by_method[method].total
            if amount <= 0:
                continue
            width = round(float(amount * scale), 2)
            segments.append(
                Segment(round(x, 2), width, method, f"{label}: {method} {format_money(amount)}")
            )
            x += width
        rows.append(
            Row(
                day=day,
                label=label,
                y=y,
                text_y=y + BAR_HEIGHT / 2 + 4,
                total=format_money(collected.total),
                total_x=round(x + 4, 2),
                segments=segments,
            )
        )
    return Chart(
        width=WIDTH,
        height=AXIS_HEIGHT + len(days) * ROW_HEIGHT + 4,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_LEFT + PLOT_WIDTH,
        axis_y=AXIS_HEIGHT - 4,
        ticks=ticks,
        rows=rows,
        peak=peak,
    )


def range_sum(days: list[tuple[date, Collected]]) -> Collected:
    """The range's totals by method (the table's last row)."""
    total = Collected(name="Range total", email="")
    for _, collected in days:
        for method, part in collected.by_method.items():
            mine = total.by_method.setdefault(method, MethodTotal())
            mine.count += part.count
            mine.total += part.total
    return total
