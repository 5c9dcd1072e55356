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
