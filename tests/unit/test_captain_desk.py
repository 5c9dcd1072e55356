"""The captain's desk's pure parts: the range chart's geometry and the audit log's
sentences on the operator's day (issue 17, items 14 and 15)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from server.domain.audit_text import describe, mentioned_trips, on_local_day, utc_days
from server.domain.chart import PLOT_LEFT, PLOT_WIDTH, range_chart, range_sum, tick_step
from server.domain.reconcile import Collected, MethodTotal

LA = ZoneInfo("America/Los_Angeles")


def collected(**by_method: str) -> Collected:
    c = Collected(name="", email="")
    for method, amount in by_method.items():
        c.by_method[method] = MethodTotal(1, Decimal(amount))
    return c


def test_tick_steps_are_round_and_cover_the_peak_in_at_most_four() -> None:
    assert tick_step(Decimal("462.50")) == Decimal(200)
    assert tick_step(Decimal("1450")) == Decimal(500)
    assert tick_step(Decimal("9000")) == Decimal("2500")
    assert tick_step(Decimal("3")) == Decimal(1)  # never below a dollar
    assert tick_step(Decimal(0)) == Decimal(1)
    for peak in ("0.5", "7", "99.99", "100", "1234.56", "25000", "999999"):
        step = tick_step(Decimal(peak))
        assert step * 4 >= Decimal(peak) and step >= 1


def test_range_chart_scales_bars_prints_totals_and_labels_each_day() -> None:
    days = [
        (date(2030, 5, 31), collected(cash="5.50")),
        (date(2030, 6, 1), collected(cash="152.50", card="310.00")),
        (date(2030, 6, 2), Collected(name="", email="")),
    ]
    chart = range_chart(days)
    assert [t.label for t in chart.ticks] == ["$0", "$200", "$400", "$600"]
    assert chart.ticks[0].x == PLOT_LEFT and chart.ticks[-1].x == PLOT_LEFT + PLOT_WIDTH
    assert [r.label for r in chart.rows] == ["Fri 31 May", "Sat 1 Jun", "Sun 2 Jun"]
    assert [r.total for r in chart.rows] == ["$5.50", "$462.50", "$0.00"]
    busy = chart.rows[1]
    assert [s.method for s in busy.segments] == ["cash", "card"]  # stacked in METHODS order
    cash, card = busy.segments
    assert abs(card.x - (cash.x + cash.width)) < 0.01  # end to end
    # $462.50 of a $600 axis: the bar ends at that fraction of the plot, its total after it.
    end = card.x + card.width
    assert abs(end - (PLOT_LEFT + PLOT_WIDTH * 462.5 / 600)) < 0.05
    assert busy.total_x > end and busy.total_x < chart.width
    assert card.title == "Sat 1 Jun: card $310.00"
    assert chart.rows[2].segments == [] and chart.rows[2].y > busy.y > chart.rows[0].y
    assert chart.height > chart.rows[2].y + 16
    totals = range_sum(days)
    assert totals.total == Decimal("468.00") and totals.by_method["cash"].count == 2


def test_an_empty_range_draws_an_axis_and_no_bars() -> None:
    chart = range_chart([(date(2030, 6, 1), Collected(name="", email=""))])
    assert chart.peak == 0 and [t.label for t in chart.ticks] == ["$0", "$1"]
    assert chart.rows[0].segments == [] and chart.rows[0].total == "$0.00"


def test_the_operators_day_spans_two_utc_partitions_and_keeps_only_its_own_moments() -> None:
    assert utc_days(date(2030, 6, 1), LA) == ["2030-06-01", "2030-06-02"]
    entries = [
        {"at": "2030-06-01T06:59:00Z"},  # 23:59 on 31 May in Los Angeles
        {"at": "2030-06-02T06:59:00Z"},  # 23:59 on 1 June
        {"at": "2030-06-01T07:00:00Z"},  # 00:00 on 1 June
        {"at": "2030-06-02T07:00:00Z"},  # 2 June
    ]
    kept = on_local_day(entries, date(2030, 6, 1), LA)
    assert [e["at"] for e in kept] == ["2030-06-01T07:00:00Z", "2030-06-02T06:59:00Z"]


def test_audit_entries_read_as_sentences_with_what_to_link() -> None:
    names = {"casey@example.com": "Casey", "bo@example.com": "Bo"}
    trip = {
        "patron_first_name": "Alice",
        "period": "whale",
        "date": "2026-11-28",
        "payments": [{"payment_id": "p1", "amount": Decimal("40"), "method": "cash"}],
    }
    events = {"2026-11-28-alice-whale": trip}

    def line(action: str, target: str, detail: str = "", user: str = "casey@example.com"):  # type: ignore[no-untyped-def]
        entry = {"at": "2026-11-29T01:10:00Z", "user": user, "action": action, "target": target}
        return describe({**entry, "detail": detail}, names, events, LA)

    created = line("event.created", "2026-11-28-alice-whale")
    assert (created.clock, created.actor, created.verb) == ("5:10 pm", "Casey", "created trip")
    assert created.thing == "Alice · whale, Sat 28 Nov"
    assert created.link == ("trip", "2026-11-28-alice-whale") and created.at.endswith("Z")
    voided = line("payment.voided", "2026-11-28-alice-whale/p1")
    assert voided.verb == "voided $40.00 cash on trip" and voided.thing.startswith("Alice")
    disabled = line("account.disabled", "bo@example.com")
    assert (disabled.verb, disabled.thing) == ("disabled the account of", "Bo (bo@example.com)")
    assert disabled.link == ("account", "bo@example.com")
    added = line("account.added", "new@example.com", "crew", user="scc-cli")
    assert (added.actor, added.thing, added.tail) == (
        "The command line",
        "new@example.com",
        " as crew",
    )
    departed = line("trip.departed", "2026-11-28-alice-whale", "back by 2026-11-29T02:30:00Z")
    assert departed.tail == " departed, back by 6:30 pm"
    waiver = line("waiver.opened", "2026-11-28-alice-whale/w9")
    assert waiver.link == ("waiver", "2026-11-28-alice-whale", "w9")
    renamed = line("event.renamed", "2026-11-28-alice", "2026-11-28-alice-whale")
    assert renamed.verb == "renamed trip 2026-11-28-alice to" and renamed.thing.startswith("Alice")
    gone = line("event.edited", "2026-01-01-zed")  # a trip that is no longer there: its id
    assert gone.thing == "2026-01-01-zed"
    entries = [
        {"action": "event.renamed", "target": "a", "detail": "b"},
        {"action": "waiver.opened", "target": "c/w1"},
        {"action": "account.added", "target": "x@example.com"},
    ]
    assert mentioned_trips(entries) == {"b", "c"}
