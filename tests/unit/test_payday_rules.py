"""server/domain/payday.py: SCC_PAYDAY's rules and the next payday after a day."""

from __future__ import annotations

from datetime import date

import pytest

from server.domain.payday import parse_payday
from server.setting_values import SettingsError, payday


def test_weekly_is_the_next_weekday_strictly_after() -> None:
    rule = parse_payday("weekly:fri")
    assert rule.next_after(date(2026, 7, 1)) == date(2026, 7, 3)  # Wed -> Fri
    assert rule.next_after(date(2026, 7, 3)) == date(2026, 7, 10)  # a Friday -> the next


def test_semimonthly_reads_the_last_day_of_each_month() -> None:
    rule = parse_payday("semimonthly:15,last")
    assert rule.next_after(date(2026, 2, 14)) == date(2026, 2, 15)
    assert rule.next_after(date(2026, 2, 15)) == date(2026, 2, 28)
    assert rule.next_after(date(2028, 2, 16)) == date(2028, 2, 29)  # a leap year
    assert rule.next_after(date(2026, 12, 31)) == date(2027, 1, 15)


def test_a_month_day_past_the_months_end_is_its_last_day() -> None:
    rule = parse_payday("monthly:31")
    assert rule.next_after(date(2026, 4, 1)) == date(2026, 4, 30)
    assert parse_payday(" Monthly:Last ").next_after(date(2026, 4, 30)) == date(2026, 5, 31)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "weekly",
        "weekly:friday",
        "daily:1",
        "semimonthly:15",
        "semimonthly:15,15",
        "monthly:0",
        "monthly:32",
        "monthly:1,2",
        "semimonthly:x,last",
    ],
)
def test_bad_rules_are_refused_and_the_setting_names_itself(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_payday(bad)
    with pytest.raises(SettingsError, match="^SCC_PAYDAY: "):
        payday("SCC_PAYDAY", bad)


def test_the_settings_read_the_payday_and_the_tip_shares() -> None:
    from decimal import Decimal

    from server.settings import Settings

    env = {"SCC_SECRET_KEY": "k" * 32, "SCC_PAYDAY": "weekly:fri", "SCC_TIP_SHARES": "master=1.5"}
    settings = Settings.from_env(env)
    assert settings.payday.next_after(date(2026, 7, 1)) == date(2026, 7, 3)
    assert dict(settings.tip_shares) == {"master": Decimal("1.5")}
    default = Settings.from_env({"SCC_SECRET_KEY": "k" * 32})
    assert default.payday.text == "semimonthly:15,last" and default.tip_shares == ()
    with pytest.raises(SettingsError, match="SCC_TIP_SHARES"):
        Settings.from_env({**env, "SCC_TIP_SHARES": "cook=2"})


def test_a_rule_keeps_its_cleaned_text_and_kind() -> None:
    weekly = parse_payday(" Weekly: Fri ")
    assert (weekly.kind, weekly.days, weekly.text) == ("weekly", (4,), "weekly:fri")
    semi = parse_payday("SemiMonthly:1, Last")
    assert (semi.kind, semi.days, semi.text) == ("semimonthly", (1, 0), "semimonthly:1,last")


def test_the_first_of_the_month_is_a_payday_day() -> None:
    rule = parse_payday("monthly:1")
    assert rule.on(date(2026, 5, 1))
    assert not rule.on(date(2026, 5, 2))
    assert not rule.on(date(2026, 4, 30))
    assert rule.next_after(date(2026, 4, 30)) == date(2026, 5, 1)
    assert rule.next_after(date(2026, 5, 1)) == date(2026, 6, 1)


def test_a_day_past_the_months_end_is_only_the_last_day() -> None:
    rule = parse_payday("semimonthly:10,30")
    february = [day for day in range(1, 29) if rule.on(date(2026, 2, day))]
    assert february == [10, 28]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "daily:1",
            "'daily:1' is not a payday rule, like weekly:fri, semimonthly:15,last or monthly:last",
        ),
        (
            "weekly:friday",
            "weekly: name a weekday (mon, tue, wed, thu, fri, sat, sun), not 'friday'",
        ),
        (
            "monthly:1,2",
            "monthly: give 1 different day(s) of the month, like weekly:fri, "
            "semimonthly:15,last or monthly:last",
        ),
        (
            "weekly:fri:sat",
            "weekly: name a weekday (mon, tue, wed, thu, fri, sat, sun), not 'fri:sat'",
        ),
        ("monthly:0", "'0' is not a day of the month (1-31 or last)"),
        ("monthly:32", "'32' is not a day of the month (1-31 or last)"),
    ],
)
def test_a_bad_rule_says_what_a_good_one_looks_like(bad: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_payday(bad)
    assert str(refused.value) == message
