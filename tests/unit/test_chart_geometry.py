"""server/domain/chart.py: the takings chart's exact geometry for a small range, the
tick steps at their edges, and the range's totals. Pure: numbers in, SVG units out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from server.domain.chart import Chart, Row, Segment, Tick, range_chart, range_sum, tick_step
from server.domain.reconcile import Collected, MethodTotal


def collected(**by_method: str) -> Collected:
    c = Collected(name="", email="")
    for method, amount in by_method.items():
        c.by_method[method] = MethodTotal(1, Decimal(amount))
    return c


def test_a_two_day_range_is_drawn_to_the_hundredth_of_a_unit() -> None:
    # $30 peak: ticks every $10, 166 units of plot for $30 (5.5333 units a dollar).
    days = [
        (date(2026, 7, 4), collected(cash="10", card="19", check="1")),
        (date(2026, 7, 5), collected(card="5")),  # no cash: the card bar starts at 0
    ]
    assert range_chart(days) == Chart(
        width=320,
        height=78,  # the axis's 22, two rows of 26, 4 below
        plot_left=82,
        plot_right=248,
        axis_y=18,
        ticks=[Tick(82.0, "$0"), Tick(137.33, "$10"), Tick(192.67, "$20"), Tick(248.0, "$30")],
        rows=[
            Row(
                day=date(2026, 7, 4),
                label="Sat 4 Jul",
                y=27.0,
                text_y=39.0,
                total="$30.00",
                total_x=251.99,
                segments=[
                    Segment(82.0, 55.33, "cash", "Sat 4 Jul: cash $10.00"),
                    Segment(137.33, 105.13, "card", "Sat 4 Jul: card $19.00"),
                    Segment(242.46, 5.53, "check", "Sat 4 Jul: check $1.00"),
                ],
            ),
            Row(
                day=date(2026, 7, 5),
                label="Sun 5 Jul",
                y=53.0,
                text_y=65.0,
                total="$5.00",
                total_x=113.67,
                segments=[Segment(82.0, 27.67, "card", "Sun 5 Jul: card $5.00")],
            ),
        ],
        peak=Decimal("30.00"),
    )


def test_an_empty_range_has_one_dollar_of_axis() -> None:
    chart = range_chart([])
    assert (chart.height, chart.peak, chart.rows) == (26, Decimal("0.00"), [])
    assert chart.ticks == [Tick(82.0, "$0"), Tick(248.0, "$1")]


def test_tick_steps_at_their_edges() -> None:
    assert tick_step(Decimal(4)) == Decimal(1)  # four steps of $1 reach $4 exactly
    assert tick_step(Decimal(40)) == Decimal(10)
    assert tick_step(Decimal("40.01")) == Decimal(20)
    assert tick_step(Decimal(30)) == Decimal(10)  # 5 × 4 falls short, 10 × 4 covers
    assert tick_step(Decimal(100)) == Decimal(25)
    assert tick_step(Decimal(-5)) == Decimal(1)


def test_the_range_total_adds_each_method_of_each_day() -> None:
    days = [
        (date(2026, 7, 4), collected(cash="10", card="19")),
        (date(2026, 7, 5), collected(cash="5", venmo="2")),
    ]
    total = range_sum(days)
    assert (total.name, total.email) == ("Range total", "")
    assert {m: (t.count, t.total) for m, t in total.by_method.items()} == {
        "cash": (2, Decimal("15")),
        "card": (1, Decimal("19")),
        "check": (0, Decimal("0.00")),
        "online": (0, Decimal("0.00")),  # issue 28: shown beside the crew's methods
        "venmo": (1, Decimal("2")),
    }
