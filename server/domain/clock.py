"""The one way a moment is written down: UTC, ISO-8601, to the second, with a Z."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, tzinfo


def utc_iso(timestamp: float) -> str:
    """`timestamp` (seconds since the epoch) as `2026-05-23T17:04:05Z`."""
    return (
        datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )


def utc_now_iso() -> str:
    """Now, as `utc_iso` writes it."""
    return utc_iso(time.time())


def today_in(timezone: tzinfo) -> date:
    """Today's date in the operator's time zone."""
    return datetime.now(timezone).date()
